package bench

import (
	"context"
	"fmt"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search/api"
)

// touchID is the id of the article the bench writes to make a write.
const touchID = "cutwatch-bench-write"

// toucher makes writes through the Writer, as an API client or a feed
// poll would, so that what a write does to the served state (a new
// generation: the cache starts empty, the bitmaps move on) is measured
// with the searches after it.
type toucher struct {
	w *index.Writer
	n int
}

func toucherOf(w *index.Writer) *toucher { return &toucher{w: w} }

// write writes the bench's article again, changed.
func (t *toucher) write(ctx context.Context) error {
	t.n++
	_, err := t.w.Put(ctx, []api.Article{{ID: touchID, Title: "A write by cutwatch bench",
		Text: fmt.Sprintf("An article the benchmark writes to measure searches after a write, for the %d. time.", t.n)}})
	if err != nil {
		return fmt.Errorf("bench: write: %w", err)
	}
	return nil
}

// remove deletes the bench's article, if it wrote it.
func (t *toucher) remove(ctx context.Context) {
	if t.n > 0 {
		_ = t.w.Delete(ctx, touchID)
	}
}
