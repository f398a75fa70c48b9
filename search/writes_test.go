package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/search/api"
)

// randomWrites drives the property tests' writes: generated articles put
// new, put again over live ones (one maybe twice in a batch), deleted, and
// one re-index, through a real Writer.
type randomWrites struct {
	t    *testing.T
	w    *index.Writer
	r    *rand.Rand
	g    *gen.Generator
	ids  []string // the live articles' ids
	next int      // the generator's next article
	made int      // new ids made
}

// article is the next generated article, under id, or one time in four
// another paper's copy of an earlier one: a near-duplicate, so that the
// writes make stories.
func (x *randomWrites) article(id string) api.Article {
	if x.next > 0 && x.r.IntN(4) == 0 {
		a := x.g.Article(x.r.IntN(x.next))
		return api.Article{ID: id, Title: a.Title, Text: "By a staff reporter. " + a.Text + " Write to the newsdesk."}
	}
	a := x.g.Article(x.next)
	x.next++
	return api.Article{ID: id, Title: a.Title, Text: a.Text}
}

// putNew writes n new articles.
func (x *randomWrites) putNew(n int) {
	x.t.Helper()
	var arts []api.Article
	for range n {
		id := fmt.Sprintf("p%03d", x.made)
		x.made++
		arts = append(arts, x.article(id))
		x.ids = append(x.ids, id)
	}
	if _, err := x.w.Put(context.Background(), arts); err != nil {
		x.t.Fatal(err)
	}
}

// run makes steps random writes, a re-index halfway, and calls check after
// each with the step's name.
func (x *randomWrites) run(steps int, check func(step string)) {
	x.t.Helper()
	ctx := context.Background()
	for i := range steps {
		var step string
		switch op := x.r.IntN(10); {
		case i == steps/2:
			step = "reindex"
			if _, err := x.w.Reindex(ctx, api.ReindexOptions{}); err != nil {
				x.t.Fatal(err)
			}
		case op < 4:
			n := 1 + x.r.IntN(3)
			step = fmt.Sprintf("put %d new", n)
			x.putNew(n)
		case op < 8 || len(x.ids) < 2:
			var arts []api.Article
			for range 1 + x.r.IntN(2) {
				arts = append(arts, x.article(x.ids[x.r.IntN(len(x.ids))]))
			}
			if x.r.IntN(3) == 0 {
				arts = append(arts, x.article(arts[0].ID))
			}
			step = fmt.Sprintf("replace %d", len(arts))
			if _, err := x.w.Put(ctx, arts); err != nil {
				x.t.Fatal(err)
			}
		default:
			k := x.r.IntN(len(x.ids))
			step = "delete " + x.ids[k]
			if err := x.w.Delete(ctx, x.ids[k]); err != nil {
				x.t.Fatal(err)
			}
			x.ids = slices.Delete(x.ids, k, k+1)
		}
		check(fmt.Sprintf("step %d (%s)", i, step))
	}
}
