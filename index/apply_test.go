package index_test

import (
	"context"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestApplyLog checks Writer.Apply, the cluster mode's apply of the
// article stream: messages are applied in order (the last of an id wins
// within a batch), the shipped entities are indexed as they are, the
// store records the last sequence and the count of messages applied with
// the change (also across a reopen), and messages at or below the
// recorded sequence are skipped, never applied twice.
func TestApplyLog(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	w := openWriter(t, data)
	put := func(seq uint64, id, text string, ents ...tag.Entity) index.LogEntry {
		return index.LogEntry{Seq: seq, Article: api.Article{ID: id, Title: id, Text: text}, Entities: ents, Tagged: true}
	}
	// "Unison" is at 0–6 of the text; shipped as a union, not tagged here
	// (the test text names no union the tagger would find otherwise).
	union := tag.Entity{Type: "union", Value: "Unison", Text: "Qzxunion", Start: 0, End: 8}
	var changes []index.Change
	w.Close()
	w, err := index.OpenWriter(ctx, data, index.WriterOptions{Tagger: testTagger(t), AfterWrite: []func(index.Change){func(c index.Change) { changes = append(changes, c) }}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.Apply(ctx, []index.LogEntry{
		put(1, "a", "Qzxunion says the qzxaa ward closes."),
		put(2, "b", "the qzxbb unit", union),
		put(3, "a", "Qzxunion says the qzxab ward closes.", union), // replaces 1
		{Seq: 4, Article: api.Article{ID: "c"}, Delete: true},      // an id never seen
		{Seq: 5, Noop: true},
	})
	if err != nil || st.Applied != 5 || st.Skipped != 0 || st.Seq != 5 {
		t.Fatalf("Apply: %+v, %v", st, err)
	}
	if len(changes) != 1 || len(changes[0].Put) != 2 || len(changes[0].Deleted) != 1 {
		t.Fatalf("hooks saw %+v, want one change of 2 puts and 1 deletion", changes)
	}
	if got := hits(t, w.Index(), "qzxab"); len(got) != 1 || got[0] != "a" {
		t.Errorf("qzxab finds %v, want a", got)
	}
	if got := hits(t, w.Index(), "qzxaa"); len(got) != 0 {
		t.Errorf("the replaced version of a is found: %v", got)
	}
	if got := hits(t, w.Index(), "union:Unison"); len(got) != 2 {
		t.Errorf("the shipped entities: union:Unison finds %v, want a and b", got)
	}
	// Delivered again (a consumer reset): skipped; then new ones applied.
	st, err = w.Apply(ctx, []index.LogEntry{
		put(4, "x", "qzxxx"),
		put(5, "x", "qzxxx"),
		{Seq: 6, Article: api.Article{ID: "b"}, Delete: true},
	})
	if err != nil || st.Applied != 1 || st.Skipped != 2 || st.Seq != 6 {
		t.Fatalf("Apply of 4–6 after 5: %+v, %v", st, err)
	}
	if got := hits(t, w.Index(), "qzxxx"); len(got) != 0 {
		t.Errorf("skipped messages were applied: %v", got)
	}
	if got := hits(t, w.Index(), "qzxbb"); len(got) != 0 {
		t.Errorf("deleted b is found: %v", got)
	}
	if _, err := w.Apply(ctx, []index.LogEntry{put(8, "y", "y"), put(7, "z", "z")}); err == nil {
		t.Error("Apply took sequences out of order")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = openWriter(t, data)
	defer w.Close()
	seq, msgs, err := w.Applied()
	if err != nil || seq != 6 || msgs != 6 {
		t.Fatalf("after reopening: applied %d, %d messages, %v; want 6 and 6", seq, msgs, err)
	}
	if n, _ := w.Index().DocCount(); n != 1 {
		t.Errorf("%d articles, want 1 (a)", n)
	}
}
