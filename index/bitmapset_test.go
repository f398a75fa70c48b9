package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// randomWritten makes n articles with random words and entities.
func randomWritten(r *rand.Rand, n int) []Written {
	words := []string{"cuts", "jobs", "posts", "ward", "closure", "budget", "nurses", "deficit", "review", "plan"}
	out := make([]Written, n)
	for i := range out {
		var text []string
		for range 3 + r.IntN(8) {
			text = append(text, words[r.IntN(len(words))])
		}
		a := api.Article{ID: fmt.Sprintf("art-%03d", i), Title: "t", Text: fmt.Sprint(text)}
		if r.IntN(3) > 0 {
			a.Published = time.Date(2010+r.IntN(15), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, time.UTC)
		}
		var ents []tag.Entity
		for range r.IntN(6) {
			switch r.IntN(4) {
			case 0:
				ents = append(ents, tag.Entity{Type: tag.Trust, Value: fmt.Sprintf("Trust %d", r.IntN(5))})
			case 1:
				ents = append(ents, tag.Entity{Type: tag.Union, Value: fmt.Sprintf("Union %d", r.IntN(3))})
			case 2:
				v := int64(r.IntN(3000))
				ents = append(ents, tag.Entity{Type: tag.Jobs, Value: fmt.Sprint(v), Number: v})
			case 3:
				v := int64(r.IntN(100)) * 1_000_000
				ents = append(ents, tag.Entity{Type: tag.Amount, Value: fmt.Sprint(v), Number: v})
			}
		}
		out[i] = Written{Article: a, Entities: ents}
	}
	return out
}

// withCuts gives every third article of ws a sentence about one or two
// trusts cutting jobs, with its entities, so that it links cut events.
func withCuts(r *rand.Rand, ws []Written) {
	for i := 0; i < len(ws); i += 3 {
		var text string
		var ents []tag.Entity
		add := func(s string, e *tag.Entity) {
			if e != nil {
				e.Text, e.Start, e.End = s, len(text), len(text)+len(s)
				ents = append(ents, *e)
			}
			text += s
		}
		for k := range 1 + r.IntN(2) {
			trust := fmt.Sprintf("Trust %d", r.IntN(5))
			jobs := int64(10 + r.IntN(900))
			add(trust, &tag.Entity{Type: tag.Trust, Value: trust})
			add(" will cut ", nil)
			add(fmt.Sprint(jobs), &tag.Entity{Type: tag.Jobs, Value: fmt.Sprint(jobs), Number: jobs})
			add(" jobs. ", nil)
			if k == 0 {
				add("Staff are worried. ", nil)
				add(trust, &tag.Entity{Type: tag.Trust, Value: trust})
				gbp := int64(1+r.IntN(50)) * 1_000_000
				add(" must find savings of ", nil)
				add(fmt.Sprintf("£%dm", gbp/1_000_000), &tag.Entity{Type: tag.Amount, Value: fmt.Sprint(gbp), Number: gbp})
				add(". ", nil)
			}
		}
		ws[i].Article.Text, ws[i].Entities = text, ents
	}
}

// sameDoc reports whether two Docs hold the same values, in any order.
func sameDoc(a, b *bitmaps.Doc) bool {
	norm := func(d *bitmaps.Doc) string {
		var parts []string
		for f, vs := range d.AllTerms() {
			for _, v := range vs {
				parts = append(parts, f+"="+v)
			}
		}
		for f, vs := range d.AllNumbers() {
			for _, v := range vs {
				parts = append(parts, fmt.Sprintf("%s#%d", f, v))
			}
		}
		sort.Strings(parts)
		parts = append(parts, fmt.Sprint(d.TrustCuts))
		if d.Sketch != nil {
			parts = append(parts, "sketch="+d.Sketch.String())
		}
		return fmt.Sprint(d.ID, parts)
	}
	return norm(a) == norm(b)
}

// TestReadSet checks that the bitmaps read back from an index's doc
// values hold what the write path gives them, and that a matchQuery
// records every match of its query while passing on only those allowed.
func TestReadSet(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ws := randomWritten(r, 300)
	withCuts(r, ws)
	// Every other article long enough to be sketched.
	for i := 0; i < len(ws); i += 2 {
		for range minhash.MinWords {
			ws[i].Article.Text += fmt.Sprintf(" w%d", r.IntN(200))
		}
	}
	idx, err := bleve.NewUsing(t.TempDir(), NewMapping(schema.Default), scorch.Name, scorch.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	// Several batches make several segments.
	for i := 0; i < len(ws); i += 50 {
		b := idx.NewBatch()
		for _, w := range ws[i:min(i+50, len(ws))] {
			doc, err := document(schema.Default, w.Article, w.Entities)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Index(w.Article.ID, doc); err != nil {
				t.Fatal(err)
			}
		}
		if err := idx.Batch(b); err != nil {
			t.Fatal(err)
		}
	}
	// Delete some, so that segments have deleted documents.
	b := idx.NewBatch()
	deleted := map[string]bool{}
	for i := 0; i < len(ws); i += 7 {
		b.Delete(ws[i].Article.ID)
		deleted[ws[i].Article.ID] = true
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}
	// Write some again: their old documents stay, deleted, in the old
	// segments beside the new ones (ids are read from each segment's _id
	// dictionary, which holds both).
	b = idx.NewBatch()
	for i := 3; i < len(ws); i += 11 {
		if deleted[ws[i].Article.ID] {
			continue
		}
		doc, err := document(schema.Default, ws[i].Article, ws[i].Entities)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Index(ws[i].Article.ID, doc); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(b); err != nil {
		t.Fatal(err)
	}

	nums := bitmaps.NewNumbering()
	set, gaps, err := readSet(context.Background(), idx, schema.Default, nums)
	if err != nil {
		t.Fatal(err)
	}
	wantUnsketched := 0
	for _, w := range ws {
		if _, ok := minhash.Of(w.Article.Title, w.Article.Text); !ok && !deleted[w.Article.ID] {
			wantUnsketched++
		}
	}
	if gaps.unsketched != wantUnsketched || wantUnsketched > len(ws)*3/4 {
		t.Fatalf("%d documents read without a sketch, want %d", gaps.unsketched, wantUnsketched)
	}
	if gaps.noJobs != 0 {
		t.Fatalf("%d documents read without jobs at risk", gaps.noJobs)
	}
	if set.Len() != uint64(len(ws)-len(deleted)) {
		t.Fatalf("read %d documents, want %d", set.Len(), len(ws)-len(deleted))
	}
	linked, saving := 0, 0
	for _, w := range ws {
		num, ok := nums.Num(w.Article.ID)
		if deleted[w.Article.ID] {
			if ok && set.Doc(num) != nil {
				t.Fatalf("deleted %s read", w.Article.ID)
			}
			continue
		}
		d := derive(schema.Default, w.Article, w.Entities)
		want := bitmapDoc(schema.Default, w.Article, d.sum, &d.cuts)
		if !ok || !sameDoc(set.Doc(num), want) {
			t.Fatalf("%s read as %+v, written as %+v", w.Article.ID, set.Doc(num), want)
		}
		if d.cuts.total.Jobs > 0 {
			linked++
		}
		if d.cuts.total.SavingsGBP > 0 {
			saving++
		}
	}
	if linked < len(ws)/4 || saving < len(ws)/4 {
		t.Fatalf("only %d articles link jobs and %d savings to a trust", linked, saving)
	}
	// Read from the stored fields instead, as a search without the bitmaps
	// does, every article is the same but for the sketch (no text read).
	all := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), len(ws), 0, false)
	all.Fields = BitmapFields(schema.Default)
	res, err := idx.Search(all)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		num, _ := nums.Num(h.ID)
		want := *set.Doc(num)
		want.Sketch = nil
		if got := BitmapDocOf(schema.Default, h.ID, h.Fields); !sameDoc(got, &want) {
			t.Fatalf("%s read from stored fields as %+v, from doc values as %+v", h.ID, got, &want)
		}
	}

	dn := newDocNums(nums)
	trust := set.Term(string(tag.Trust), "Trust 1")
	for _, q := range []string{"cuts", "+jobs +ward", `"budget review"`, "nurses deficit"} {
		uq := query.NewQueryStringQuery(q)
		for _, allow := range []*roaring.Bitmap{nil, trust} {
			mq := &matchQuery{q: uq, nums: dn, into: roaring.New(), allow: allow}
			// Equal scores are ordered by id, so that both searches agree.
			req := bleve.NewSearchRequestOptions(mq, 1000, 0, false)
			req.SortBy([]string{"-_score", "_id"})
			got, err := idx.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			req = bleve.NewSearchRequestOptions(uq, 1000, 0, false)
			req.SortBy([]string{"-_score", "_id"})
			all, err := idx.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			var recorded, wantRecorded, hits, wantHits []string
			for _, num := range mq.into.ToArray() {
				recorded = append(recorded, nums.ID(num))
			}
			for _, h := range all.Hits {
				wantRecorded = append(wantRecorded, h.ID)
				num, _ := nums.Num(h.ID)
				if allow == nil || allow.Contains(num) {
					wantHits = append(wantHits, h.ID)
				}
			}
			for _, h := range got.Hits {
				hits = append(hits, h.ID)
			}
			sort.Strings(recorded)
			sort.Strings(wantRecorded)
			if !slices.Equal(recorded, wantRecorded) || mq.unknown != 0 {
				t.Fatalf("%s: recorded %v (%d unknown), want %v", q, recorded, mq.unknown, wantRecorded)
			}
			if !slices.Equal(hits, wantHits) || got.Total != uint64(len(wantHits)) {
				t.Fatalf("%s (allow %v): hits %v total %d, want %v", q, allow != nil, hits, got.Total, wantHits)
			}
		}
	}
}
