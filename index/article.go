package index

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// derived is what cutwatch makes of an article's entities besides them:
// the values of the schema's kinds and the cut events, with the jobs at
// risk they link to trusts.
type derived struct {
	sum    schema.Summary
	events []tag.CutEvent
	cuts   cuts
}

// derive makes the derived values of a with entities ents, for the kinds
// of s.
func derive(s *schema.Schema, a api.Article, ents []tag.Entity) derived {
	d := derived{sum: s.Summarize(ents), events: tag.Events(a.Text, ents)}
	d.cuts.per, d.cuts.total = tag.TrustCuts(d.events)
	return d
}

// document returns the fields of a to be indexed, with its entities, for
// the kinds of s.
func document(s *schema.Schema, a api.Article, ents []tag.Entity) (map[string]any, error) {
	return documentOf(s, a, ents, derive(s, a, ents))
}

// documentOf is document for ents already derived as d.
func documentOf(s *schema.Schema, a api.Article, ents []tag.Entity, d derived) (map[string]any, error) {
	sum := d.sum
	entsJSON, err := json.Marshal(ents)
	if err != nil {
		return nil, fmt.Errorf("encode entities: %w", err)
	}
	headline, err := json.Marshal(tag.ArticleHeadline(a.Text, ents, d.events))
	if err != nil {
		return nil, fmt.Errorf("encode headline: %w", err)
	}
	events, err := json.Marshal(d.events)
	if err != nil {
		return nil, fmt.Errorf("encode cut events: %w", err)
	}
	doc := map[string]any{
		FieldTitle:    a.Title,
		FieldText:     a.Text,
		FieldEntities: string(entsJSON),
		FieldHeadline: string(headline),
		FieldEvents:   string(events),
		// float64s like every numeric field (bleve indexes numbers so).
		FieldJobsAtRisk: float64(d.cuts.total.Jobs),
		FieldSavings:    float64(d.cuts.total.SavingsGBP),
	}
	if len(d.cuts.per) > 0 {
		terms := make([]string, len(d.cuts.per))
		for i, c := range d.cuts.per {
			terms[i] = TrustCutTerm(c)
		}
		doc[FieldTrustCuts] = terms
	}
	for _, k := range s.Kinds() {
		if !k.Numeric {
			doc[k.Name()] = sum.Terms(k.Kind)
			continue
		}
		nums := sum.Numbers(k.Kind)
		fs := make([]float64, len(nums))
		for i, v := range nums {
			fs[i] = float64(v)
		}
		doc[k.Name()] = fs
		doc[k.RangeField()] = k.BucketKeys(nums)
	}
	if a.URL != "" {
		doc[FieldURL] = a.URL
	}
	if sk, ok := minhash.Of(a.Title, a.Text); ok {
		doc[FieldSketch] = sk.String()
	}
	if !a.Published.IsZero() {
		doc[FieldPublished] = a.Published
	}
	return doc, nil
}

// TrustCutTerm is the FieldTrustCuts term of c: "trust\tjobs\tsavings".
func TrustCutTerm(c tag.TrustCut) string {
	return c.Trust + "\t" + strconv.FormatInt(c.Jobs, 10) + "\t" + strconv.FormatInt(c.SavingsGBP, 10)
}

// ParseTrustCut reads a FieldTrustCuts term.
func ParseTrustCut(term string) (tag.TrustCut, bool) {
	trust, rest, ok1 := strings.Cut(term, "\t")
	j, sv, ok2 := strings.Cut(rest, "\t")
	jobs, err1 := strconv.ParseInt(j, 10, 64)
	savings, err2 := strconv.ParseInt(sv, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || trust == "" {
		return tag.TrustCut{}, false
	}
	return tag.TrustCut{Trust: trust, Jobs: jobs, SavingsGBP: savings}, true
}

// StoredFields are the stored fields that SummaryOf reads, for the kinds of
// s: every kind's own field.
func StoredFields(s *schema.Schema) []string { return s.Names(false, false) }

// SummaryOf reads an article's canonical values of the kinds of s from its
// stored fields, as a search hit returns them (bleve gives one value as a
// string or number, several as a slice).
func SummaryOf(s *schema.Schema, fields map[string]any) schema.Summary {
	sum := s.NewSummary()
	for _, k := range s.Kinds() {
		v := fields[k.Name()]
		vals, ok := v.([]any)
		if !ok && v != nil {
			vals = []any{v}
		}
		for _, x := range vals {
			switch x := x.(type) {
			case string:
				if !k.Numeric {
					sum.AddTerm(k.Kind, x)
				}
			case float64:
				if k.Numeric {
					sum.AddNumber(k.Kind, int64(x))
				}
			}
		}
	}
	return sum
}

// ArticleOf reads the article itself (id, title, text, url, published)
// from its stored fields: what the store would hold, for recovering a lost
// store from the index.
func ArticleOf(id string, fields map[string]any) api.Article {
	a := api.Article{ID: id, Title: FirstString(fields[FieldTitle]), Text: FirstString(fields[FieldText]), URL: FirstString(fields[FieldURL])}
	if p := FirstString(fields[FieldPublished]); p != "" {
		if t, err := time.Parse(time.RFC3339Nano, p); err == nil {
			a.Published = t.UTC()
		}
	}
	return a
}

// FirstString returns a stored text field's value (the first if several).
func FirstString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			s, _ := v[0].(string)
			return s
		}
	}
	return ""
}

// EventsOf reads an article's cut events from its stored FieldEvents, as
// links (offsets dropped); nil when it has none stored (an article indexed
// before they were kept, or a damaged value).
func EventsOf(fields map[string]any) []tag.CutLink {
	v := FirstString(fields[FieldEvents])
	if v == "" {
		return nil
	}
	var evs []tag.CutEvent
	if err := json.Unmarshal([]byte(v), &evs); err != nil {
		return nil
	}
	out := make([]tag.CutLink, len(evs))
	for i, e := range evs {
		out[i] = e.CutLink
	}
	return out
}
