package gen

import (
	"testing"
	"time"
)

// TestDates: every article has a date in 2008–2026 that depends only on
// the seed and its number, and the bursts are denser than the years
// between them.
func TestDates(t *testing.T) {
	g, err := New(5)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := New(5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	perYear := map[int]int{}
	for i := range n {
		p := g.published(i)
		if !p.Equal(g2.published(i)) {
			t.Fatalf("article %d: dates %v and %v from one seed", i, p, g2.published(i))
		}
		if p.Before(firstDay) || !p.Before(lastDay.AddDate(0, 0, 1)) || p.Location() != time.UTC {
			t.Fatalf("article %d: date %v outside 2008-01-01..%s UTC", i, p, lastDay.Format(time.DateOnly))
		}
		perYear[p.Year()]++
	}
	if a := g.Article(3); !a.Published.Equal(g.published(3)) {
		t.Fatalf("Article(3).Published = %v, want %v", a.Published, g.published(3))
	}
	for _, y := range []struct{ burst, quiet int }{{2011, 2009}, {2015, 2018}, {2024, 2020}} {
		if perYear[y.burst] < 2*perYear[y.quiet] {
			t.Errorf("%d has %d articles, %d has %d: want the burst at least twice as dense", y.burst, perYear[y.burst], y.quiet, perYear[y.quiet])
		}
	}
	if h, err := New(6); err != nil || h.published(0).Equal(g.published(0)) && h.published(1).Equal(g.published(1)) {
		t.Errorf("seeds 5 and 6 give the same dates (err %v)", err)
	}
}
