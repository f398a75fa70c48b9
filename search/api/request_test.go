package api

import (
	"errors"
	"net/url"
	"slices"
	"testing"

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
