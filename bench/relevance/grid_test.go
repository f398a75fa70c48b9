package relevance

import (
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search"
)

func TestParseGrid(t *testing.T) {
	g, err := ParseGrid("title=0,0.3; recency=0,0.1,0.5;half_life=1.5;typo_step=2,3")
	if err != nil {
		t.Fatal(err)
	}
	rs := g.Rankings()
	if len(rs) != 2*3*2 {
		t.Fatalf("%d rankings, want 12: %+v", len(rs), rs)
	}
	d := search.DefaultRanking
	for _, r := range rs {
		if r.Entity != d.Entity || r.HalfLife != time.Duration(1.5*float64(year)) {
			t.Errorf("ranking %+v: entity and half-life not the default entity and 1.5 years", r)
		}
	}
	if first := rs[0]; first != (search.Ranking{Title: 0, Entity: d.Entity, Recency: 0, HalfLife: time.Duration(1.5 * float64(year)), TypoStep: 2}) {
		t.Errorf("first ranking %+v", first)
	}
	if all, err := ParseGrid(""); err != nil || len(all.Rankings()) != 1 || all.Rankings()[0] != d {
		t.Errorf("empty grid: %+v, %v; want the default ranking alone", all.Rankings(), err)
	}
	for _, bad := range []string{"title", "boost=1", "title=x", "title=-1", "title=Inf", "title=NaN", "typo_step=1.5", "typo_step=41", "entity=1;half_life="} {
		if _, err := ParseGrid(bad); err == nil {
			t.Errorf("ParseGrid(%q) accepted", bad)
		}
	}
}
