package index

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// document returns the fields of a to be indexed, with its entities, for
// the kinds of s.
func document(s *schema.Schema, a api.Article, ents []tag.Entity) (map[string]any, error) {
	return documentOf(s, a, ents, s.Summarize(ents))
}

// documentOf is document for ents already summarised as sum.
func documentOf(s *schema.Schema, a api.Article, ents []tag.Entity, sum schema.Summary) (map[string]any, error) {
	entsJSON, err := json.Marshal(ents)
	if err != nil {
		return nil, fmt.Errorf("encode entities: %w", err)
	}
	headline, err := json.Marshal(tag.ArticleHeadline(a.Text, ents, tag.Events(a.Text, ents)))
	if err != nil {
		return nil, fmt.Errorf("encode headline: %w", err)
	}
	doc := map[string]any{
		FieldTitle:    a.Title,
		FieldText:     a.Text,
		FieldEntities: string(entsJSON),
		FieldHeadline: string(headline),
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
