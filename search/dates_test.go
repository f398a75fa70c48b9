package search

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestDateFiltersInclusiveUTC: published_from and published_to include
// their bounds, and a date is the whole UTC day, whatever the offset the
// article's time was given in.
func TestDateFiltersInclusiveUTC(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	arts := []api.Article{
		{ID: "late", Text: "Trust cuts jobs late on the last day of June.", Published: at("2015-07-01T00:30:00+01:00")}, // 2015-06-30T23:30Z
		{ID: "midnight", Text: "Trust cuts jobs at midnight.", Published: at("2015-07-01T00:00:00Z")},
		{ID: "early", Text: "Trust cuts jobs early on the first of June.", Published: at("2015-06-01T00:00:00Z")},
		{ID: "undated", Text: "Trust cuts jobs on a day nobody knows."},
	}
	var ws []index.Written
	for _, a := range arts {
		ws = append(ws, index.Written{Article: a})
	}
	p, err := NewPercolator(schema.Default, ws)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, tt := range []struct {
		params string
		want   []string
	}{
		{"", []string{"early", "late", "midnight", "undated"}},
		{"published_to=2015-06-30", []string{"early", "late"}},
		{"published_from=2015-06-30", []string{"late", "midnight"}},
		{"published_from=2015-07-01", []string{"midnight"}},
		{"published_from=2015-06-30&published_to=2015-06-30", []string{"late"}},
		{"published_from=2015-06-01&published_to=2015-06-01", []string{"early"}},
		{"published_to=2015-06-30T23:30:00Z", []string{"early", "late"}},
		{"published_to=2015-06-30T23:29:59.999Z", []string{"early"}},
		{"published_from=2015-07-01T01:00:00%2B01:00", []string{"midnight"}},
		{"published_from=2015-06-30T19:30:00-04:00&published_to=2015-06-30T23:30:00Z", []string{"late"}},
	} {
		v, _ := url.ParseQuery(tt.params)
		req, err := api.ParseRequest(schema.Default, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Match(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.params, got, tt.want)
		}
	}
}
