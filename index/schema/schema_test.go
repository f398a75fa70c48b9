package schema

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/tag"
)

func TestNewRefusesBadTables(t *testing.T) {
	one := int64(1)
	tests := []struct {
		name  string
		kinds []Kind
		want  string
	}{
		{"no name", []Kind{{JSON: "x"}}, "needs a name"},
		{"no JSON key", []Kind{{Kind: "x"}}, "needs a name and a JSON key"},
		{"name twice", []Kind{{Kind: "x", JSON: "xs"}, {Kind: "x", JSON: "ys"}}, "declared twice"},
		{"key twice", []Kind{{Kind: "x", JSON: "xs"}, {Kind: "y", JSON: "xs"}}, "declared twice"},
		{"numeric without buckets", []Kind{{Kind: "x", JSON: "xs", Numeric: true}}, "no buckets"},
		{"name with a comma", []Kind{{Kind: "a,b", JSON: "xs"}}, "cannot be a kind's name"},
		{"a facets keyword", []Kind{{Kind: "none", JSON: "xs"}}, "cannot be a kind's name"},
		{"numeric with pages", []Kind{{Kind: "x", JSON: "xs", Numeric: true, Page: true, Buckets: []Bucket{{Key: "a"}}}}, "cannot have value pages"},
		{"page path not a word", []Kind{{Kind: "x", JSON: "x/s", Page: true}}, "must be lower-case letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.kinds...); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := New(Kind{Kind: "x", JSON: "xs", Numeric: true, Buckets: []Bucket{{Key: "a", Min: &one}}}); err != nil {
		t.Errorf("a good table: %v", err)
	}
	if _, err := Default.With(Kind{Kind: tag.Trust, JSON: "more_trusts"}); err == nil {
		t.Error("With a kind already in the table: no error")
	}
}

// TestDefaultOrders checks that the lists derived from the table keep the
// orders the API and the gold files have always used, and that the table
// hands out copies.
func TestDefaultOrders(t *testing.T) {
	if got, want := Default.FacetNames(), []string{"trust", "union", "person", "place", "hospital", "amount", "jobs"}; !slices.Equal(got, want) {
		t.Errorf("FacetNames = %v, want %v", got, want)
	}
	if got, want := Default.JSONKeys(), []string{"trusts", "unions", "amounts_gbp", "jobs", "people", "places", "hospitals"}; !slices.Equal(got, want) {
		t.Errorf("JSONKeys = %v, want %v (the gold files' and the API's)", got, want)
	}
	if got, want := Default.FacetFields(), []string{"trust", "union", "amount_range", "jobs_range", "person", "place", "hospital"}; !slices.Equal(got, want) {
		t.Errorf("FacetFields = %v, want %v", got, want)
	}
	var pages []string
	for _, k := range Default.PageKinds() {
		pages = append(pages, k.JSON)
	}
	if want := []string{"trusts", "unions", "places"}; !slices.Equal(pages, want) {
		t.Errorf("PageKinds = %v, want %v (the entity pages of issue 16)", pages, want)
	}
	// Kinds returns a copy: changing it changes nothing.
	ks := Default.Kinds()
	ks[0].JSON = "changed"
	ks[2].Buckets[0].Key = "changed"
	if k, _ := Default.Lookup("trust"); k.JSON != "trusts" {
		t.Error("Kinds shares its slice with the table")
	}
	if k, _ := Default.Lookup("amount"); k.Buckets[0].Key != "lt1m" {
		t.Error("Kinds shares the buckets with the table")
	}
}

func TestBucketKeys(t *testing.T) {
	jobs, _ := Default.Lookup("jobs")
	tests := []struct {
		vals []int64
		want []string
	}{
		{nil, nil},
		{[]int64{49}, []string{"1-49"}},
		{[]int64{50}, []string{"50-99"}},
		{[]int64{999, 1000}, []string{"500-999", "ge1000"}},
		{[]int64{60, 70, 80}, []string{"50-99"}}, // each bucket once
		{[]int64{2000, 3}, []string{"1-49", "ge1000"}},
	}
	for _, tt := range tests {
		if got := jobs.BucketKeys(tt.vals); !slices.Equal(got, tt.want) {
			t.Errorf("BucketKeys(%v) = %v, want %v", tt.vals, got, tt.want)
		}
	}
}

// TestSummary checks that Summarize keeps each value once in order of
// first mention, drops kinds the schema does not know, and that the JSON
// has every key of the schema (never null) and decodes to the same values.
func TestSummary(t *testing.T) {
	ents := []tag.Entity{
		{Type: tag.Union, Value: "Unison"},
		{Type: tag.Jobs, Value: "40", Number: 40},
		{Type: tag.Union, Value: "GMB"},
		{Type: tag.Union, Value: "Unison"},
		{Type: tag.Jobs, Value: "40", Number: 40},
		{Type: "beds", Value: "12", Number: 12},
	}
	sum := Default.Summarize(ents)
	if got := sum.Terms(tag.Union); !slices.Equal(got, []string{"Unison", "GMB"}) {
		t.Errorf("unions %v", got)
	}
	if got := sum.Numbers(tag.Jobs); !slices.Equal(got, []int64{40}) {
		t.Errorf("jobs %v", got)
	}
	if got := sum.Terms(tag.Trust); got == nil || len(got) != 0 {
		t.Errorf("trusts %#v, want an empty list", got)
	}
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"trusts":[],"unions":["Unison","GMB"],"amounts_gbp":[],"jobs":[40],"people":[],"places":[],"hospitals":[]}`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range Default.Kinds() {
		if !slices.Equal(back.Values(k.Kind), sum.Values(k.Kind)) {
			t.Errorf("%s after a round trip: %v, want %v", k.JSON, back.Values(k.Kind), sum.Values(k.Kind))
		}
	}
	// MarshalWith puts the values beside a struct's fields, unescaped.
	b, err = MarshalWith(struct {
		ID string `json:"id"`
	}{"<a&b>"}, sum)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"id":"<a&b>","trusts":[]`) {
		t.Errorf("MarshalWith: %s", b)
	}
}
