package api

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
)

func TestParseRequest(t *testing.T) {
	good := []struct {
		raw  string
		want func(Request) bool
	}{
		{"", func(r Request) bool {
			return r.Size == DefaultSize && r.From == 0 && r.Sort == SortRelevance && r.Q == ""
		}},
		{"q=nurse&union=Unison&union=GMB&trust=X", func(r Request) bool {
			return r.Q == "nurse" && slices.Equal(r.Filters["union"], []string{"Unison", "GMB"}) && slices.Equal(r.Filters["trust"], []string{"X"})
		}},
		{"amount_min=50000000&jobs_max=10.5", func(r Request) bool {
			a, j := r.Ranges["amount"], r.Ranges["jobs"]
			return a.Min != nil && *a.Min == 5e7 && a.Max == nil && j.Max != nil && *j.Max == 10.5 && j.Min == nil && len(r.Ranges) == 2
		}},
		{"sort=-jobs&from=20&size=100", func(r Request) bool { return r.Sort == "-jobs" && r.From == 20 && r.Size == 100 }},
		{"page=3&utm=x", func(r Request) bool { return r.Size == DefaultSize }}, // unknown parameters ignored
		{"q=x", func(r Request) bool { return r.Facets == nil }},
		{"facets=all", func(r Request) bool { return r.Facets == nil }},
		{"facets=", func(r Request) bool { return slices.Equal(r.Facets, []string{FacetNone}) }},
		{"facets=none", func(r Request) bool { return slices.Equal(r.Facets, []string{FacetNone}) }},
		{"facets=union,+jobs,union,", func(r Request) bool { return slices.Equal(r.Facets, []string{"union", "jobs"}) }},
		{"q=x", func(r Request) bool { return !r.NoCollapse }}, // collapsed by default
		{"collapse=true", func(r Request) bool { return !r.NoCollapse }},
		{"collapse=false", func(r Request) bool { return r.NoCollapse }},
	}
	for _, tt := range good {
		v, _ := url.ParseQuery(tt.raw)
		r, err := ParseRequest(schema.Default, v)
		if err != nil || !tt.want(r) {
			t.Errorf("ParseRequest(%q) = %+v, %v", tt.raw, r, err)
		}
	}
	bad := []struct{ raw, param string }{
		{"size=1000", "size"},
		{"size=0", "size"},
		{"size=ten", "size"},
		{"from=-1", "from"},
		{"from=99999999999999999999", "from"},
		{"amount_min=abc", "amount_min"},
		{"amount_max=NaN", "amount_max"},
		{"jobs_min=Inf", "jobs_min"},
		{"sort=title", "sort"},
		{"q=a&q=b", "q"},
		{"jobs_min=10&jobs_min=20", "jobs_min"},
		{"facet_size=101", "facet_size"},
		{"facets=union,colour", "facets"},
		{"facets=text", "facets"},
		{"facets=none,union", "facets"},
		{"facets=union&facets=place", "facets"},
		{"collapse=no", "collapse"},
		{"collapse=", "collapse"},
		{"collapse=false&collapse=false", "collapse"},
	}
	for _, tt := range bad {
		v, _ := url.ParseQuery(tt.raw)
		_, err := ParseRequest(schema.Default, v)
		var br *BadRequestError
		if !errors.As(err, &br) || br.Param != tt.param {
			t.Errorf("ParseRequest(%q) err = %v, want a bad request about %s", tt.raw, err, tt.param)
		}
	}
}

// TestParseDates: a date is the whole UTC day (from its first instant to
// its last), an RFC 3339 time is its instant whatever its offset, and bad
// or reversed dates are 400s naming the parameter.
func TestParseDates(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.RFC3339Nano, s); return d }
	good := []struct {
		raw      string
		from, to time.Time
	}{
		{"published_from=2015-06-30", day("2015-06-30T00:00:00Z"), time.Time{}},
		{"published_to=2015-06-30", time.Time{}, day("2015-06-30T23:59:59.999999999Z")},
		{"published_from=2015-06-30&published_to=2015-06-30", day("2015-06-30T00:00:00Z"), day("2015-06-30T23:59:59.999999999Z")},
		// 00:30 in London summer time is 23:30 UTC the day before.
		{"published_from=2015-07-01T00:30:00%2B01:00", day("2015-06-30T23:30:00Z"), time.Time{}},
		{"published_to=2015-06-30T18:00:00-05:00", time.Time{}, day("2015-06-30T23:00:00Z")},
		{"published_to=2015-06-30T23:00:00.5Z", time.Time{}, day("2015-06-30T23:00:00.5Z")},
		{"published_from=&histogram=quarter&facet_metric=jobs", time.Time{}, time.Time{}},
	}
	for _, tt := range good {
		v, _ := url.ParseQuery(tt.raw)
		r, err := ParseRequest(schema.Default, v)
		if err != nil || !r.PublishedFrom.Equal(tt.from) || !r.PublishedTo.Equal(tt.to) {
			t.Errorf("ParseRequest(%q) = %v..%v, %v; want %v..%v", tt.raw, r.PublishedFrom, r.PublishedTo, err, tt.from, tt.to)
		}
		if r.PublishedFrom.Location() != time.UTC || r.PublishedTo.Location() != time.UTC {
			t.Errorf("ParseRequest(%q): bounds not in UTC", tt.raw)
		}
	}
	bad := []struct{ raw, param string }{
		{"published_from=30/06/2015", "published_from"},
		{"published_to=2015-02-30", "published_to"},
		{"published_from=1066-10-14", "published_from"},
		{"published_to=2400-01-01", "published_to"},
		{"published_from=2015-07-01&published_to=2015-06-30", "published_from"},
		{"published_from=2015-01-01&published_from=2016-01-01", "published_from"},
		{"histogram=week", "histogram"},
		{"facet_metric=amount", "facet_metric"},
		{"facet_metric=jobs&facet_sort=size", "facet_sort"},
		{"facet_sort=jobs", "facet_sort"},
		{"facet_metric=jobs&facet_sort=jobs&facet_sort=count", "facet_sort"},
	}
	for _, tt := range bad {
		v, _ := url.ParseQuery(tt.raw)
		_, err := ParseRequest(schema.Default, v)
		var br *BadRequestError
		if !errors.As(err, &br) || br.Param != tt.param {
			t.Errorf("ParseRequest(%q) = %v, want a bad request about %s", tt.raw, err, tt.param)
		}
	}
	for raw, want := range map[string]string{"facet_metric=jobs&facet_sort=jobs": FacetSortJobs, "facet_sort=count": "", "facet_metric=jobs": ""} {
		v, _ := url.ParseQuery(raw)
		if r, err := ParseRequest(schema.Default, v); err != nil || r.FacetSort != want {
			t.Errorf("ParseRequest(%q).FacetSort = %q, %v; want %q", raw, r.FacetSort, err, want)
		}
	}
}

// TestFold checks the key filter and field values are matched by: case,
// accents, apostrophes and spaces do not matter, letters do.
func TestFold(t *testing.T) {
	for _, tt := range []struct{ a, b string }{
		{"unison", "Unison"},
		{"UNISON", "Unison"},
		{"Ysbyty Gŵynedd", "ysbyty gwynedd"},
		{"Guy’s Hospital", "guy's hospital"},
		{"  Royal   College of Nursing ", "royal college of nursing"},
		{"Hôpital Café", "HOPITAL CAFE"},
	} {
		if Fold(tt.a) != Fold(tt.b) {
			t.Errorf("Fold(%q) = %q, Fold(%q) = %q: want them equal", tt.a, Fold(tt.a), tt.b, Fold(tt.b))
		}
	}
	for _, tt := range []struct{ a, b string }{{"Unison", "Unite"}, {"St Mary's", "St Marys"}} {
		if Fold(tt.a) == Fold(tt.b) {
			t.Errorf("Fold(%q) = Fold(%q) = %q: want them apart", tt.a, tt.b, Fold(tt.a))
		}
	}
}

// TestRequestQueryParams checks syntax and relax, and that CheckParams
// refuses a misspelt parameter, naming it and the known ones.
func TestRequestQueryParams(t *testing.T) {
	for _, tt := range []struct {
		raw     string
		syntax  string
		noRelax bool
		wantErr string
	}{
		{raw: "q=a"},
		{raw: "q=a&syntax=simple"},
		{raw: "q=a&syntax=bleve", syntax: SyntaxBleve},
		{raw: "q=a&syntax=lucene", wantErr: "syntax: unknown syntax"},
		{raw: "q=a&syntax=bleve&syntax=bleve", wantErr: "syntax: given 2 times"},
		{raw: "q=a&relax=false", noRelax: true},
		{raw: "q=a&relax=true"},
		{raw: "q=a&relax=no", wantErr: "relax: want true or false"},
	} {
		v, _ := url.ParseQuery(tt.raw)
		r, err := ParseRequest(schema.Default, v)
		switch {
		case tt.wantErr != "":
			if err == nil || !IsBadRequest(err) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.raw, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.raw, err)
		case r.Syntax != tt.syntax || r.NoRelax != tt.noRelax:
			t.Errorf("%s: syntax %q norelax %v, want %q %v", tt.raw, r.Syntax, r.NoRelax, tt.syntax, tt.noRelax)
		}
	}
	known := RequestParams(schema.Default)
	for _, ok := range []string{"q", "union", "trust", "jobs_min", "amount_max", "syntax", "relax", "published_from"} {
		if !slices.Contains(known, ok) {
			t.Errorf("RequestParams lacks %q", ok)
		}
	}
	v, _ := url.ParseQuery("q=a&unions=Unison")
	err := CheckParams(v, known)
	if err == nil || !IsBadRequest(err) || !strings.HasPrefix(err.Error(), "unions: unknown parameter") || !strings.Contains(err.Error(), " union)") {
		t.Errorf("CheckParams(unions=Unison) = %v, want a bad request naming unions and listing union", err)
	}
	v, _ = url.ParseQuery("q=a&union=Unison&jobs_min=3")
	if err := CheckParams(v, known); err != nil {
		t.Errorf("CheckParams(known) = %v", err)
	}
}
