package bitmaps

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// model is the brute-force reference: the live documents by id.
type model map[string]*Doc

func randomDoc(r *rand.Rand, id string) *Doc {
	d := &Doc{ID: id, Terms: map[string][]string{}, Numbers: map[string][]int64{}}
	for _, f := range []string{"trust", "union"} {
		n := r.IntN(4)
		seen := map[string]bool{}
		for range n {
			v := fmt.Sprintf("%s-%d", f, r.IntN(6))
			if !seen[v] {
				seen[v] = true
				d.Terms[f] = append(d.Terms[f], v)
			}
		}
	}
	for range r.IntN(3) {
		d.Numbers["jobs"] = append(d.Numbers["jobs"], int64(r.IntN(1000)))
	}
	return d
}

// content is everything a Set says, for comparing states.
func content(s *Set) string {
	out := fmt.Sprintf("live=%v\n", s.Live().ToArray())
	for _, f := range s.Fields() {
		vals := s.Values(f)
		keys := make([]string, 0, len(vals))
		for v := range vals {
			keys = append(keys, v)
		}
		sort.Strings(keys)
		for _, v := range keys {
			out += fmt.Sprintf("%s=%s: %v\n", f, v, vals[v].ToArray())
		}
	}
	return out
}

func TestApplyMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	nums := NewNumbering()
	s := New(nums, []string{"trust", "union"})
	m := model{}
	for step := range 300 {
		var put []*Doc
		var del []string
		for range 1 + r.IntN(5) {
			id := fmt.Sprintf("a%02d", r.IntN(40))
			if r.IntN(4) == 0 {
				del = append(del, id)
				continue
			}
			put = append(put, randomDoc(r, id))
		}
		before, beforeContent := s, content(s)
		s = s.Apply(put, del)
		if got := content(before); got != beforeContent {
			t.Fatalf("step %d: Apply changed the Set it was called on", step)
		}
		for _, id := range del {
			delete(m, id)
		}
		for _, d := range put {
			m[d.ID] = d
		}
		check(t, step, s, m)
	}
}

func check(t *testing.T, step int, s *Set, m model) {
	t.Helper()
	if s.Len() != uint64(len(m)) {
		t.Fatalf("step %d: Len = %d, want %d", step, s.Len(), len(m))
	}
	// Every value's bitmap holds exactly the live articles with it.
	want := map[string]map[string][]string{}
	for id, d := range m {
		num, ok := s.Numbering().Num(id)
		if !ok || s.Doc(num) != d {
			t.Fatalf("step %d: article %s not found by its number", step, id)
		}
		for f, vals := range d.Terms {
			for _, v := range vals {
				if want[f] == nil {
					want[f] = map[string][]string{}
				}
				want[f][v] = append(want[f][v], id)
			}
		}
	}
	for _, f := range []string{"trust", "union"} {
		got := s.Values(f)
		if len(got) != len(want[f]) {
			t.Fatalf("step %d: %s has %d values, want %d", step, f, len(got), len(want[f]))
		}
		for v, ids := range want[f] {
			b := got[v]
			if b == nil || b.GetCardinality() != uint64(len(ids)) {
				t.Fatalf("step %d: %s=%s holds %v, want %v", step, f, v, b, ids)
			}
			for _, id := range ids {
				num, _ := s.Numbering().Num(id)
				if !b.Contains(num) {
					t.Fatalf("step %d: %s=%s lacks %s", step, f, v, id)
				}
			}
		}
	}
	// ByCount is every value, the most frequent first, then by value.
	for _, f := range []string{"trust", "union"} {
		vc := s.ByCount(f)
		if len(vc) != len(s.Values(f)) {
			t.Fatalf("step %d: ByCount(%s) has %d values, want %d", step, f, len(vc), len(s.Values(f)))
		}
		for i, v := range vc {
			if v.Bitmap != s.Values(f)[v.Value] || v.Count != v.Bitmap.GetCardinality() {
				t.Fatalf("step %d: ByCount(%s)[%d] = %+v, not its value's bitmap and count", step, f, i, v)
			}
			if i > 0 && (vc[i-1].Count < v.Count || vc[i-1].Count == v.Count && vc[i-1].Value >= v.Value) {
				t.Fatalf("step %d: ByCount(%s) out of order at %d: %v then %v", step, f, i, vc[i-1], v)
			}
		}
	}
	// ByID is the live ids in order.
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var got []string
	for _, num := range s.ByID() {
		got = append(got, s.Doc(num).ID)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("step %d: ByID = %v, want %v", step, got, ids)
	}
	// Range matches an article when any of its values is within bounds.
	f := func(v float64) *float64 { return &v }
	for _, rg := range [][2]*float64{{nil, nil}, {f(100), nil}, {nil, f(500)}, {f(250), f(260)}, {f(999), f(0)}} {
		b := s.Range("jobs", rg[0], rg[1])
		n := 0
		for id, d := range m {
			in := slices.ContainsFunc(d.Numbers["jobs"], func(v int64) bool {
				return (rg[0] == nil || float64(v) >= *rg[0]) && (rg[1] == nil || float64(v) <= *rg[1])
			})
			num, _ := s.Numbering().Num(id)
			if in != b.Contains(num) {
				t.Fatalf("step %d: Range(%v, %v) contains %s = %v, want %v", step, rg[0], rg[1], id, b.Contains(num), in)
			}
			if in {
				n++
			}
		}
		if b.GetCardinality() != uint64(n) {
			t.Fatalf("step %d: Range holds %d, want %d", step, b.GetCardinality(), n)
		}
	}
}

func TestNumberingKeepsNumbers(t *testing.T) {
	nums := NewNumbering()
	s := New(nums, nil)
	s = s.Apply([]*Doc{{ID: "a"}, {ID: "b"}}, nil)
	a, _ := nums.Num("a")
	s = s.Apply(nil, []string{"a"})
	if s.Doc(a) != nil || s.Live().Contains(a) {
		t.Fatal("deleted article still live")
	}
	s = s.Apply([]*Doc{{ID: "a"}}, nil)
	if again, _ := nums.Num("a"); again != a || s.Doc(a) == nil {
		t.Fatalf("a written again got number %d, had %d", again, a)
	}
	if nums.Len() != 2 || nums.ID(a) != "a" {
		t.Fatalf("numbering = %d ids, ID(%d) = %q", nums.Len(), a, nums.ID(a))
	}
}

func TestBuildEqualsApply(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var docs []*Doc
	for i := range 200 {
		docs = append(docs, randomDoc(r, fmt.Sprintf("d%03d", (i*37)%200)))
	}
	fields := []string{"trust", "union", "empty"}
	a := New(NewNumbering(), fields).Apply(docs, nil)
	b := Build(NewNumbering(), fields, docs)
	if content(a) != content(b) {
		t.Fatalf("Build differs from Apply:\n%s\nvs\n%s", content(b), content(a))
	}
	m := model{}
	for _, d := range docs {
		m[d.ID] = d
	}
	check(t, 0, b, m)
}
