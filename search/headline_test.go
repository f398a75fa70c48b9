package search

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestHitHeadline: a hit's headline cut is the one stored with its article
// (written by the Writer: the Rotherham seed's 750 jobs and £50m, not its
// largest £20bn), "null" stored means none, and an article indexed before
// the headline was stored (no such field) gets it made from its stored
// text and entities.
func TestHitHeadline(t *testing.T) {
	text, ents, entsJSON := rotherhamTagged(t)
	want := tag.HeadlineCut{Trust: "Rotherham NHS Foundation Trust", Jobs: 750, AmountGBP: 50_000_000}

	// as the Writer indexes it
	written, err := index.MemIndex(schema.Default, []index.Written{{Article: api.Article{ID: "written", Title: "Rotherham", Text: text}, Entities: ents}})
	if err != nil {
		t.Fatal(err)
	}
	defer written.Close()
	if got := hitHeadlines(t, written)["written"]; got == nil || *got != want {
		t.Errorf("written article's hit headline = %+v, want %+v", got, want)
	}

	idx, err := bleve.NewMemOnly(index.NewMapping(schema.Default))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	doc := func(headline string) map[string]any {
		d := map[string]any{index.FieldTitle: "Rotherham", index.FieldText: text, index.FieldEntities: string(entsJSON)}
		if headline != "" {
			d[index.FieldHeadline] = headline
		}
		return d
	}
	for id, d := range map[string]map[string]any{
		"old":    doc(""),                                         // indexed before FieldHeadline
		"stored": doc(`{"trust":"Somewhere NHS Trust","jobs":1}`), // read, not made again
		"none":   doc("null"),                                     // names no trust
	} {
		if err := idx.Index(id, d); err != nil {
			t.Fatal(err)
		}
	}
	got := hitHeadlines(t, idx)
	if h := got["old"]; h == nil || *h != want {
		t.Errorf("old article's hit headline = %+v, want %+v", h, want)
	}
	if h := got["stored"]; h == nil || *h != (tag.HeadlineCut{Trust: "Somewhere NHS Trust", Jobs: 1}) {
		t.Errorf("stored headline read as %+v", h)
	}
	if h, ok := got["none"]; !ok || h != nil {
		t.Errorf("none: %+v (found %v), want no headline", h, ok)
	}
}

// TestHitHeadlineOldMapping: an index made before FieldHeadline keeps its
// own mapping, in which the field is unknown: a write of an article with a
// headline succeeds there without storing it, and its hit's headline is
// made from the stored text and entities.
func TestHitHeadlineOldMapping(t *testing.T) {
	text, _, entsJSON := rotherhamTagged(t)
	m, ok := index.NewMapping(schema.Default).(*mapping.IndexMappingImpl)
	if !ok {
		t.Fatalf("NewMapping is a %T", index.NewMapping(schema.Default))
	}
	delete(m.DefaultMapping.Properties, index.FieldHeadline) // as before the field
	idx, err := bleve.NewMemOnly(m)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	err = idx.Index("a", map[string]any{index.FieldTitle: "Rotherham", index.FieldText: text, index.FieldEntities: string(entsJSON),
		index.FieldHeadline: `{"trust":"Somewhere NHS Trust","jobs":1}`})
	if err != nil {
		t.Fatal(err)
	}
	want := tag.HeadlineCut{Trust: "Rotherham NHS Foundation Trust", Jobs: 750, AmountGBP: 50_000_000}
	if h := hitHeadlines(t, idx)["a"]; h == nil || *h != want {
		t.Errorf("hit headline in an old index = %+v, want %+v (made from the text)", h, want)
	}
}

// hitHeadlines searches idx for every article and returns each hit's
// headline by id.
func hitHeadlines(t *testing.T, idx bleve.Index) map[string]*tag.HeadlineCut {
	t.Helper()
	out := map[string]*tag.HeadlineCut{}
	for _, q := range []string{"", "redundancies"} { // without and with a highlight
		res, err := NewService(idx).Search(context.Background(), api.Request{Q: q, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.Headline == headlineUnknown {
				t.Fatalf("q=%q: hit %s keeps the unknown-headline mark", q, h.ID)
			}
			if prev, ok := out[h.ID]; ok && (prev == nil) != (h.Headline == nil) {
				t.Errorf("hit %s: headline %+v with q=%q, %+v before", h.ID, h.Headline, q, prev)
			}
			out[h.ID] = h.Headline
		}
	}
	return out
}

// rotherhamTagged is the Rotherham seed's text, its tagged entities, and their
// JSON as stored.
func rotherhamTagged(t *testing.T) (string, []tag.Entity, []byte) {
	t.Helper()
	b, err := os.ReadFile("../seeds/" + rotherham + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	ents, err := indextest.Tagger(t).Tag(string(b))
	if err != nil {
		t.Fatal(err)
	}
	entsJSON, err := json.Marshal(ents)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), ents, entsJSON
}
