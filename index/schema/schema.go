package schema

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cutwatch/cutwatch/index/tag"
)

// Format says how a kind's values are shown to people.
type Format int

// Formats of values.
const (
	FormatName  Format = iota // a name, shown as it is
	FormatMoney               // whole pounds: "£1.2m"
	FormatJobs                // a count of jobs: "1,200 jobs"
)

// Kind describes one kind of entity: how it is indexed, filtered, counted,
// encoded and shown.
type Kind struct {
	// Kind is the tagger's kind. Its string is the name of the index
	// field, of the search filter parameter and of the facet in a search
	// response ("trust").
	Kind tag.Kind
	// JSON is the key of an article's values of this kind in JSON: search
	// hits, articles, tagger output and gold annotations ("trusts").
	JSON string
	// Label and Plural name the kind to people ("Trust", "Trusts").
	Label, Plural string
	// Numeric kinds hold whole numbers (pounds, jobs): they are filtered by
	// inclusive ranges (parameters <name>_min and <name>_max), sort results
	// (<name> and -<name>), and are counted in the range Buckets. Other
	// kinds hold names: filtered by exact values and counted per value.
	Numeric bool
	// Buckets are the ranges of a numeric kind's facet, in order.
	Buckets []Bucket
	// Format says how values are shown.
	Format Format
	// OnHit shows the kind on each search hit: every value as a link that
	// filters by it (names), or the largest value (numbers).
	OnHit bool
	// Largest is how a numeric kind's largest value on a hit is announced
	// to screen readers ("Largest amount").
	Largest string
	// SortDesc and SortAsc name the sort orders by a numeric kind, largest
	// and smallest first ("Most jobs", "Fewest jobs").
	SortDesc, SortAsc string
	// Page gives each value of a name kind a page of its own at
	// /<JSON>/<value> ("/trusts/Mid Yorkshire Hospitals NHS Trust": its
	// articles over time, jobs at risk by year, related values), and a
	// chart of the top values by jobs at risk on the search page.
	Page bool
}

// Name returns the kind's name: its index field, filter and facet.
func (k Kind) Name() string { return string(k.Kind) }

// RangeField is the keyword field that holds the keys of the buckets a
// numeric kind's values fall in, once per bucket: bleve's numeric range
// facets count values, not documents, so an article with two amounts in
// one bucket would be counted twice; a term facet over this field counts
// articles.
func (k Kind) RangeField() string { return k.Name() + "_range" }

// FacetField is the index field the kind's facet counts: the kind's own
// field for names, RangeField for numbers.
func (k Kind) FacetField() string {
	if k.Numeric {
		return k.RangeField()
	}
	return k.Name()
}

// BucketKeys returns the keys of the buckets of k that contain any of
// vals, each once, in bucket order.
func (k Kind) BucketKeys(vals []int64) []string {
	var keys []string
	for _, b := range k.Buckets {
		for _, v := range vals {
			if b.Contains(v) {
				keys = append(keys, b.Key)
				break
			}
		}
	}
	return keys
}

// Bucket is one range of a numeric facet. Min and Max are inclusive; a nil
// bound is open. Values are whole numbers (pounds, jobs), so inclusive
// bounds are exact and a client can filter by a bucket with min and max as
// given.
type Bucket struct {
	Key   string // term stored in the kind's RangeField
	Label string // human-readable name
	Min   *int64
	Max   *int64
}

// Contains reports whether v falls in b.
func (b Bucket) Contains(v int64) bool {
	return (b.Min == nil || v >= *b.Min) && (b.Max == nil || v <= *b.Max)
}

// Schema is an ordered table of kinds. It is never changed once made, so
// it can be shared freely; With returns a changed copy.
type Schema struct {
	kinds []Kind
	// The names derived from kinds, made once (lists handed out are
	// copies of these).
	terms, numbers, facets []string
}

// New returns the schema of kinds, in that order. Names and JSON keys must
// be unique and not empty, and numeric kinds need buckets.
func New(kinds ...Kind) (*Schema, error) {
	names, keys := map[string]bool{}, map[string]bool{}
	for _, k := range kinds {
		switch {
		case k.Kind == "" || k.JSON == "":
			return nil, errors.New("schema: a kind needs a name and a JSON key")
		case strings.ContainsAny(k.Name(), " \t\n,=") || k.Name() == "none" || k.Name() == "all":
			return nil, fmt.Errorf("schema: %q cannot be a kind's name", k.Name())
		case names[k.Name()] || keys[k.JSON]:
			return nil, fmt.Errorf("schema: kind %q or JSON key %q declared twice", k.Name(), k.JSON)
		case k.Numeric && len(k.Buckets) == 0:
			return nil, fmt.Errorf("schema: numeric kind %q has no buckets", k.Name())
		case k.Numeric && k.Page:
			return nil, fmt.Errorf("schema: numeric kind %q cannot have value pages", k.Name())
		case k.Page && strings.Trim(k.JSON, "abcdefghijklmnopqrstuvwxyz_") != "":
			return nil, fmt.Errorf("schema: kind %q has value pages, so its JSON key %q (their path) must be lower-case letters", k.Name(), k.JSON)
		}
		names[k.Name()], keys[k.JSON] = true, true
	}
	s := &Schema{kinds: make([]Kind, len(kinds))}
	for i, k := range kinds {
		s.kinds[i] = k.clone()
		if k.Numeric {
			s.numbers = append(s.numbers, k.Name())
		} else {
			s.terms = append(s.terms, k.Name())
		}
	}
	s.facets = append(slices.Clone(s.terms), s.numbers...)
	return s, nil
}

// clone returns a copy of k that shares nothing with it.
func (k Kind) clone() Kind {
	k.Buckets = slices.Clone(k.Buckets)
	for i, b := range k.Buckets {
		if b.Min != nil {
			k.Buckets[i].Min = ptr(*b.Min)
		}
		if b.Max != nil {
			k.Buckets[i].Max = ptr(*b.Max)
		}
	}
	return k
}

// With returns a copy of s with k added at the end.
func (s *Schema) With(k Kind) (*Schema, error) {
	return New(append(s.Kinds(), k)...)
}

// Kinds returns every kind in order (a copy).
func (s *Schema) Kinds() []Kind {
	out := make([]Kind, len(s.kinds))
	for i, k := range s.kinds {
		out[i] = k.clone()
	}
	return out
}

// Lookup returns the kind called name.
func (s *Schema) Lookup(name string) (Kind, bool) {
	if k := s.lookup(name); k != nil {
		return k.clone(), true
	}
	return Kind{}, false
}

// lookup returns the table's own entry called name, or nil.
func (s *Schema) lookup(name string) *Kind {
	return s.find(func(k *Kind) bool { return k.Name() == name })
}

// find returns the table's first entry that match accepts, or nil.
func (s *Schema) find(match func(*Kind) bool) *Kind {
	for i := range s.kinds {
		if match(&s.kinds[i]) {
			return &s.kinds[i]
		}
	}
	return nil
}

// Names returns the names of the kinds: with terms, the name kinds; with
// numbers, the numeric ones; with both (or neither), all.
func (s *Schema) Names(terms, numbers bool) []string {
	var out []string
	for _, k := range s.kinds {
		if (terms && !k.Numeric) || (numbers && k.Numeric) || (!terms && !numbers) {
			out = append(out, k.Name())
		}
	}
	return out
}

// PageKinds returns the kinds whose values have pages (Kind.Page), in
// order.
func (s *Schema) PageKinds() []Kind {
	var out []Kind
	for _, k := range s.kinds {
		if k.Page {
			out = append(out, k.clone())
		}
	}
	return out
}

// TermNames returns the names of the kinds that hold names, in order: the
// term facets and exact-value filters.
func (s *Schema) TermNames() []string { return slices.Clone(s.terms) }

// NumericNames returns the names of the numeric kinds, in order.
func (s *Schema) NumericNames() []string { return slices.Clone(s.numbers) }

// IsTerm reports whether name is a kind that holds names.
func (s *Schema) IsTerm(name string) bool { return slices.Contains(s.terms, name) }

// IsNumeric reports whether name is a numeric kind.
func (s *Schema) IsNumeric(name string) bool { return slices.Contains(s.numbers, name) }

// FacetFields returns the index field of every kind's facet, in order.
func (s *Schema) FacetFields() []string {
	out := make([]string, len(s.kinds))
	for i, k := range s.kinds {
		out[i] = k.FacetField()
	}
	return out
}

func ptr(v int64) *int64 { return &v }

// Default is cutwatch's schema: the seven kinds the tagger reports.
var Default = func() *Schema {
	s, err := New(
		Kind{Kind: tag.Trust, JSON: "trusts", Label: "Trust", Plural: "Trusts", OnHit: true, Page: true},
		Kind{Kind: tag.Union, JSON: "unions", Label: "Union", Plural: "Unions", OnHit: true, Page: true},
		Kind{Kind: tag.Amount, JSON: "amounts_gbp", Label: "Amount", Plural: "Amounts", Numeric: true,
			Format: FormatMoney, OnHit: true, Largest: "Largest amount",
			SortDesc: "Largest amount", SortAsc: "Smallest amount", Buckets: []Bucket{
				{Key: "lt1m", Label: "under £1m", Max: ptr(999_999)},
				{Key: "1m-10m", Label: "£1m–£10m", Min: ptr(1_000_000), Max: ptr(9_999_999)},
				{Key: "10m-50m", Label: "£10m–£50m", Min: ptr(10_000_000), Max: ptr(49_999_999)},
				{Key: "50m-100m", Label: "£50m–£100m", Min: ptr(50_000_000), Max: ptr(99_999_999)},
				{Key: "100m-1bn", Label: "£100m–£1bn", Min: ptr(100_000_000), Max: ptr(999_999_999)},
				{Key: "ge1bn", Label: "£1bn and over", Min: ptr(1_000_000_000)},
			}},
		Kind{Kind: tag.Jobs, JSON: "jobs", Label: "Jobs", Plural: "Job counts", Numeric: true,
			Format: FormatJobs, OnHit: true, Largest: "Largest job count",
			SortDesc: "Most jobs", SortAsc: "Fewest jobs", Buckets: []Bucket{
				{Key: "1-49", Label: "1–49", Max: ptr(49)},
				{Key: "50-99", Label: "50–99", Min: ptr(50), Max: ptr(99)},
				{Key: "100-249", Label: "100–249", Min: ptr(100), Max: ptr(249)},
				{Key: "250-499", Label: "250–499", Min: ptr(250), Max: ptr(499)},
				{Key: "500-999", Label: "500–999", Min: ptr(500), Max: ptr(999)},
				{Key: "ge1000", Label: "1,000 and over", Min: ptr(1000)},
			}},
		Kind{Kind: tag.Person, JSON: "people", Label: "Person", Plural: "People"},
		Kind{Kind: tag.Place, JSON: "places", Label: "Place", Plural: "Places", Page: true},
		Kind{Kind: tag.Hospital, JSON: "hospitals", Label: "Hospital", Plural: "Hospitals"},
	)
	if err != nil {
		panic(err) // start-up: the table above is wrong
	}
	return s
}()

// FacetNames returns the names of the facets of a search response in
// their order: the name kinds, then the numeric ones.
func (s *Schema) FacetNames() []string { return slices.Clone(s.facets) }

// ByJSON returns the kind whose JSON key is key.
func (s *Schema) ByJSON(key string) (Kind, bool) {
	if k := s.find(func(k *Kind) bool { return k.JSON == key }); k != nil {
		return k.clone(), true
	}
	return Kind{}, false
}

// JSONKeys returns the JSON keys of the kinds, in order.
func (s *Schema) JSONKeys() []string {
	out := make([]string, len(s.kinds))
	for i, k := range s.kinds {
		out[i] = k.JSON
	}
	return out
}
