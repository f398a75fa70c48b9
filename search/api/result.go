package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Result is the answer to a Request. Its slices may be shared with other
// callers and with a cache: treat a Result as read-only.
type Result struct {
	Total  uint64  `json:"total"`
	TookMS float64 `json:"took_ms"`
	Hits   []Hit   `json:"hits"`
	Facets Facets  `json:"facets"`
	// Histogram holds the matching articles per period when the request
	// asked for one (Request.Histogram): every period from the earliest
	// matching article's to the latest's, empty ones included, in order;
	// articles without a date are in none. Absent when not asked for.
	Histogram []HistogramBucket `json:"histogram,omitzero"`
	// Relaxed is true when no article has every word of the query and
	// the hits are the best partial matches (articles with any of the
	// words, those with most first): the simple syntax's fallback.
	Relaxed bool `json:"relaxed,omitempty"`
	// Entities are the entities that words of the query name, which the
	// search also matched by their tags, in query order (absent when
	// none).
	Entities []QueryEntity `json:"entities,omitempty"`
}

// AppendJSON appends r's JSON to b, written by hand (see
// schema.AppendString): the same bytes encoding/json writes for it, at a
// fraction of the cost, which matters for answers from the cache.
func (r *Result) AppendJSON(b []byte) []byte {
	b = append(b, `{"total":`...)
	b = strconv.AppendUint(b, r.Total, 10)
	b = append(b, `,"took_ms":`...)
	b = schema.AppendFloat(b, r.TookMS)
	b = append(b, `,"hits":`...)
	if r.Hits == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, h := range r.Hits {
			if i > 0 {
				b = append(b, ',')
			}
			b = h.appendJSON(b)
		}
		b = append(b, ']')
	}
	b = append(b, `,"facets":`...)
	if r.Facets == nil {
		b = append(b, "null"...)
	} else {
		b = r.Facets.appendJSON(b)
	}
	if r.Histogram != nil {
		b = append(b, `,"histogram":[`...)
		for i, h := range r.Histogram {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"start":`...)
			b = schema.AppendString(b, h.Start)
			b = append(b, `,"count":`...)
			b = strconv.AppendInt(b, int64(h.Count), 10)
			b = append(b, `,"jobs":`...)
			b = strconv.AppendInt(b, h.Jobs, 10)
			b = append(b, `,"savings_gbp":`...)
			b = strconv.AppendInt(b, h.SavingsGBP, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Relaxed {
		b = append(b, `,"relaxed":true`...)
	}
	if len(r.Entities) > 0 {
		b = append(b, `,"entities":[`...)
		for i, e := range r.Entities {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = schema.AppendString(b, e.Kind)
			b = append(b, `,"value":`...)
			b = schema.AppendString(b, e.Value)
			b = append(b, `,"text":`...)
			b = schema.AppendString(b, e.Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// MarshalJSON encodes r as AppendJSON does.
func (r *Result) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// Hit is one matching article. Its JSON holds the article's values of
// every kind under the kinds' keys ("trusts", "amounts_gbp", ...) beside
// its own fields.
type Hit struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
	// Snippet is HTML: escaped text with <mark> around the matched words.
	Snippet string `json:"snippet"`
	// AlsoIn are the other articles of the hit's story of near-duplicates
	// (the same agency story in other papers), in the order of their ids;
	// empty when it has none.
	AlsoIn []AlsoIn `json:"also_in,omitempty"`
	// Published is the article's publication time (UTC), when known.
	Published *time.Time `json:"published,omitempty"`
	// Values are the article's canonical entity values.
	Values schema.Summary `json:"-"`
	// Headline is the article's headline cut: the jobs cut and the amount
	// linked to its main trust (tag.Headline); nil for an article that
	// names no trust.
	Headline *tag.HeadlineCut `json:"headline,omitempty"`
}

// hitFields is Hit without its methods, for encoding its own fields.
type hitFields Hit

// MarshalJSON encodes the hit's fields and its values (by hand: see
// schema.AppendString).
func (h Hit) MarshalJSON() ([]byte, error) {
	return h.appendJSON(make([]byte, 0, 128+len(h.ID)+len(h.Title)+len(h.Snippet)+int(h.Values.Size()))), nil
}

func (h Hit) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = schema.AppendString(b, h.ID)
	b = append(b, `,"title":`...)
	b = schema.AppendString(b, h.Title)
	b = append(b, `,"score":`...)
	b = schema.AppendFloat(b, h.Score)
	b = append(b, `,"snippet":`...)
	b = schema.AppendString(b, h.Snippet)
	if len(h.AlsoIn) > 0 {
		b = append(b, `,"also_in":[`...)
		for i, a := range h.AlsoIn {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = schema.AppendString(b, a.ID)
			b = append(b, `,"title":`...)
			b = schema.AppendString(b, a.Title)
			if a.URL != "" {
				b = append(b, `,"url":`...)
				b = schema.AppendString(b, a.URL)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if h.Published != nil {
		b = append(b, `,"published":"`...)
		b = h.Published.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if h.Headline != nil {
		b = append(b, `,"headline":{"trust":`...)
		b = schema.AppendString(b, h.Headline.Trust)
		if h.Headline.Jobs != 0 {
			b = append(b, `,"jobs":`...)
			b = strconv.AppendInt(b, h.Headline.Jobs, 10)
		}
		if h.Headline.AmountGBP != 0 {
			b = append(b, `,"amount_gbp":`...)
			b = strconv.AppendInt(b, h.Headline.AmountGBP, 10)
		}
		b = append(b, '}')
	}
	b = append(b, ',')
	b = h.Values.AppendFields(b)
	return append(b, '}')
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (h *Hit) UnmarshalJSON(data []byte) error {
	return schema.UnmarshalWith(data, (*hitFields)(h), &h.Values)
}

// Size is an estimate of the bytes h holds, for caches.
func (h Hit) Size() int64 {
	n := 120 + int64(len(h.ID)+len(h.Title)+len(h.Snippet)) + h.Values.Size()
	for _, a := range h.AlsoIn {
		n += 48 + int64(len(a.ID)+len(a.Title)+len(a.URL))
	}
	if h.Headline != nil {
		n += 40 + int64(len(h.Headline.Trust))
	}
	return n
}

// AlsoIn is another article of a hit's story of near-duplicates.
type AlsoIn struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// Facet holds the counts of one facet of a search: per value for a name
// kind (Terms, never nil), per bucket for a numeric one (Ranges, every
// bucket in order).
type Facet struct {
	Name   string
	Terms  []TermCount
	Ranges []RangeCount
}

// Facets holds the facet counts of a search, in schema order. Each facet's
// counts follow the query and the filters of the other facets, but not the
// facet's own filter (disjunctive faceting), so a client that picked one
// value still sees how many articles each other value would give. A facet
// the request did not ask for (Request.Facets) is left out. Its JSON is an
// object: facet name to its list of counts.
type Facets []Facet

// Get returns the facet called name.
func (fs Facets) Get(name string) (Facet, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Facet{}, false
}

// Terms returns the counts of the name facet called name (nil if absent).
func (fs Facets) Terms(name string) []TermCount {
	f, _ := fs.Get(name)
	return f.Terms
}

// Ranges returns the counts of the numeric facet called name (nil if
// absent).
func (fs Facets) Ranges(name string) []RangeCount {
	f, _ := fs.Get(name)
	return f.Ranges
}

// MarshalJSON encodes the facets as an object in their order (by hand:
// see schema.AppendString).
func (fs Facets) MarshalJSON() ([]byte, error) { return fs.appendJSON(make([]byte, 0, 1024)), nil }

func (fs Facets) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = schema.AppendString(b, f.Name)
		b = append(b, ':', '[')
		if f.Terms == nil && f.Ranges != nil {
			for j, r := range f.Ranges {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"key":`...)
				b = schema.AppendString(b, r.Key)
				b = append(b, `,"label":`...)
				b = schema.AppendString(b, r.Label)
				b = append(b, `,"min":`...)
				b = appendBound(b, r.Min)
				b = append(b, `,"max":`...)
				b = appendBound(b, r.Max)
				b = append(b, `,"count":`...)
				b = strconv.AppendInt(b, int64(r.Count), 10)
				b = append(b, '}')
			}
		} else {
			for j, t := range f.Terms {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"value":`...)
				b = schema.AppendString(b, t.Value)
				b = append(b, `,"count":`...)
				b = strconv.AppendInt(b, int64(t.Count), 10)
				if t.Jobs != nil {
					b = append(b, `,"jobs":`...)
					b = strconv.AppendInt(b, *t.Jobs, 10)
				}
				b = append(b, '}')
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendBound appends a bucket's bound: a number, or null when open.
func appendBound(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

// UnmarshalJSON decodes what MarshalJSON encodes, in the order of the
// Default schema's facets: a list whose items have a "key" (or an empty
// list of a numeric kind) is a numeric facet.
func (fs *Facets) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	names := schema.Default.FacetNames()
	for name := range raw {
		if k, _ := schema.Default.Lookup(name); k.Name() != name {
			names = append(names, name)
		}
	}
	*fs = nil
	for _, name := range names {
		v, ok := raw[name]
		if !ok {
			continue
		}
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return fmt.Errorf("facet %s: %w", name, err)
		}
		k, known := schema.Default.Lookup(name)
		numeric := known && k.Numeric
		if len(items) > 0 {
			_, numeric = items[0]["key"]
		}
		f := Facet{Name: name}
		var err error
		if numeric {
			err = json.Unmarshal(v, &f.Ranges)
		} else {
			err = json.Unmarshal(v, &f.Terms)
		}
		if err != nil {
			return fmt.Errorf("facet %s: %w", name, err)
		}
		*fs = append(*fs, f)
	}
	return nil
}

// TermCount is the number of matching articles with one facet value.
type TermCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
	// Jobs is the sum of the jobs of those articles, when the request
	// asked for it (Request.FacetMetric).
	Jobs *int64 `json:"jobs,omitempty"`
}

// RangeCount is the number of matching articles with a value in one bucket
// of a numeric facet. Min and Max are inclusive; null is open.
type RangeCount struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Min   *int64 `json:"min"`
	Max   *int64 `json:"max"`
	Count int    `json:"count"`
}

// TaggedArticle is a whole stored article with its canonical entity values
// and its entity mentions with byte offsets into Text.
type TaggedArticle struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Text      string     `json:"text"`
	URL       string     `json:"url,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	// AlsoIn are the other articles of its story of near-duplicates (see
	// Hit.AlsoIn).
	AlsoIn []AlsoIn `json:"also_in,omitempty"`
	// Values are the article's canonical entity values.
	Values   schema.Summary `json:"-"`
	Entities []tag.Entity   `json:"entities"`
	// CutEvents link each job count and amount to its NHS organisation and
	// say what it is (tag.Events); Headline is the article's headline cut
	// (nil when it names no trust).
	CutEvents []tag.CutEvent   `json:"cut_events"`
	Headline  *tag.HeadlineCut `json:"headline,omitempty"`
	// EntityCount and CutEventCount count all the article's mentions
	// and cut events; Entities and CutEvents may hold fewer (see
	// Window). EntitiesNext, when not empty, is the query string of the
	// request for the next mentions.
	EntityCount   int    `json:"entity_count"`
	CutEventCount int    `json:"cut_event_count"`
	EntitiesNext  string `json:"entities_next,omitempty"`
}

// Bounds of one answer of GET /api/articles/:id: an entity-dense article
// of megabytes has tens of thousands of mentions, which would make an
// answer of many megabytes; its mentions are read in pages instead.
const (
	// DefaultArticleEntities is how many mentions an answer holds when
	// the request does not say (entities_size); most articles have far
	// fewer, and are answered whole.
	DefaultArticleEntities = 5000
	// MaxArticleEntities is the most one answer holds.
	MaxArticleEntities = 20000
	// MaxArticleCutEvents is the most cut events one answer holds.
	MaxArticleCutEvents = 1000
)

// Window returns a copy of a with the mentions from..from+size only (and
// at most MaxArticleCutEvents cut events), the counts of all of them and,
// when mentions are left, the query string of the next window. a itself
// (which a cache may share) is not changed.
func (a *TaggedArticle) Window(from, size int) *TaggedArticle {
	w := *a
	w.EntityCount, w.CutEventCount = len(a.Entities), len(a.CutEvents)
	from = min(max(from, 0), len(a.Entities))
	end := min(from+max(size, 0), len(a.Entities))
	w.Entities = a.Entities[from:end:end]
	if end < len(a.Entities) {
		w.EntitiesNext = fmt.Sprintf("entities_from=%d&entities_size=%d", end, size)
	}
	if len(a.CutEvents) > MaxArticleCutEvents {
		w.CutEvents = a.CutEvents[:MaxArticleCutEvents:MaxArticleCutEvents]
	}
	return &w
}

// articleFields is TaggedArticle without its methods.
type articleFields TaggedArticle

// MarshalJSON encodes the article's fields and its values.
func (a TaggedArticle) MarshalJSON() ([]byte, error) {
	return schema.MarshalWith(articleFields(a), a.Values)
}

// UnmarshalJSON decodes what MarshalJSON encodes.
func (a *TaggedArticle) UnmarshalJSON(data []byte) error {
	return schema.UnmarshalWith(data, (*articleFields)(a), &a.Values)
}
