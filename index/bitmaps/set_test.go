package bitmaps

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"unsafe"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/cutwatch/cutwatch/index/minhash"
)

// model is the brute-force reference: the live documents by id.
type model map[string]*Doc

func randomDoc(r *rand.Rand, id string) *Doc {
	d := &Doc{ID: id}
	for _, f := range []string{"trust", "union"} {
		n := r.IntN(4)
		seen := map[string]bool{}
		for range n {
			v := fmt.Sprintf("%s-%d", f, r.IntN(6))
			if !seen[v] {
				seen[v] = true
				d.AddTerm(f, v)
			}
		}
	}
	for range r.IntN(3) {
		d.AddNumber("jobs", int64(r.IntN(1000)))
	}
	d.Sketch = randomSketch(r)
	return d
}

// storyBases are the sketches random articles are near-duplicates of.
var storyBases = func() (out [4]minhash.Sketch) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := range out {
		for j := range out[i] {
			out[i][j] = byte(r.IntN(256))
		}
	}
	return out
}()

// randomSketch returns none, or one of the story bases with some slots
// changed: from a copy of it to an unrelated text, around Agree.
func randomSketch(r *rand.Rand) *minhash.Sketch {
	if r.IntN(6) == 0 {
		return nil
	}
	s := storyBases[r.IntN(len(storyBases))]
	for range r.IntN(minhash.Slots) {
		s[r.IntN(minhash.Slots)] = byte(r.IntN(256))
	}
	return &s
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
	out += fmt.Sprintf("copies=%v\n", s.Copies().ToArray())
	it := s.Live().Iterator()
	for it.HasNext() {
		num := it.Next()
		if st := s.Story(num); st != nil {
			out += fmt.Sprintf("story %d: %v\n", num, st)
		}
	}
	return out
}

// stories is the brute-force reference of the stories of m: the groups
// of articles linked by near-duplicates, compared pair by pair, each in
// id order; articles without a near-duplicate are left out.
func stories(m model) map[string][]string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	group := map[string]int{}
	for i, id := range ids {
		group[id] = i
	}
	for changed := true; changed; {
		changed = false
		for _, a := range ids {
			for _, b := range ids {
				sa, sb := m[a].Sketch, m[b].Sketch
				if a != b && sa != nil && sb != nil && minhash.Near(sa, sb) && group[a] != group[b] {
					g := min(group[a], group[b])
					group[a], group[b] = g, g
					changed = true
				}
			}
		}
	}
	members := map[int][]string{}
	for _, id := range ids {
		members[group[id]] = append(members[group[id]], id)
	}
	out := map[string][]string{}
	for _, g := range members {
		if len(g) > 1 {
			for _, id := range g {
				out[id] = g
			}
		}
	}
	return out
}

func TestApplyMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	nums := NewNumbering()
	s := New(nums, []string{"trust", "union"})
	m := model{}
	var withCopies, splits int
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
		if !s.Copies().IsEmpty() {
			withCopies++
		}
		if !roaring.AndNot(before.Copies(), s.Copies()).IsEmpty() {
			splits++
		}
	}
	// The random articles must make stories, and writes must break some.
	if withCopies < 100 || splits < 10 {
		t.Fatalf("only %d states with copies, %d writes ending a copy", withCopies, splits)
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
		for f, vals := range d.AllTerms() {
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
	// Stories are the groups of near-duplicates; copies all but their
	// first (smallest id).
	wantStory := stories(m)
	nStories := 0
	for id := range m {
		num, _ := s.Numbering().Num(id)
		var got []string
		for _, n := range s.Story(num) {
			got = append(got, s.Doc(n).ID)
		}
		if !slices.Equal(got, wantStory[id]) {
			t.Fatalf("step %d: story of %s = %v, wantStory %v", step, id, got, wantStory[id])
		}
		isCopy := len(wantStory[id]) > 0 && wantStory[id][0] != id
		if s.Copies().Contains(num) != isCopy {
			t.Fatalf("step %d: %s is a copy = %v, wantStory %v (story %v)", step, id, s.Copies().Contains(num), isCopy, wantStory[id])
		}
		if isCopy {
			nStories++
		}
	}
	if s.Copies().GetCardinality() != uint64(nStories) {
		t.Fatalf("step %d: %d copies, wantStory %d", step, s.Copies().GetCardinality(), nStories)
	}
	// Range matches an article when any of its values is within bounds.
	f := func(v float64) *float64 { return &v }
	for _, rg := range [][2]*float64{{nil, nil}, {f(100), nil}, {nil, f(500)}, {f(250), f(260)}, {f(999), f(0)}} {
		b := s.Range("jobs", rg[0], rg[1])
		n := 0
		for id, d := range m {
			in := slices.ContainsFunc(d.Numbers("jobs"), func(v int64) bool {
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

// TestBitmapBytes: the size counts every value's bitmap, so it grows with
// the values the articles hold, and is the sum of the parts.
func TestBitmapBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var docs []*Doc
	for i := range 100 {
		docs = append(docs, randomDoc(r, fmt.Sprintf("d%03d", i)))
	}
	fields := []string{"trust", "union"}
	small := Build(NewNumbering(), fields, docs[:10])
	large := Build(NewNumbering(), fields, docs)
	sum := func(s *Set) uint64 {
		n := s.Live().GetSizeInBytes() + s.Copies().GetSizeInBytes()
		for _, f := range s.Fields() {
			for _, b := range s.Values(f) {
				n += b.GetSizeInBytes()
			}
		}
		return n
	}
	if got, want := large.BitmapBytes(), sum(large); got != want {
		t.Errorf("BitmapBytes = %d, the parts sum to %d", got, want)
	}
	if small.BitmapBytes() >= large.BitmapBytes() {
		t.Errorf("10 articles' bitmaps take %d bytes, 100 articles' %d", small.BitmapBytes(), large.BitmapBytes())
	}
}

// TestCrowdedBand: when hundreds of articles share one band (boilerplate),
// an article's candidates stay bounded, and two copies written after them
// are still one story, found through their other bands.
func TestCrowdedBand(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	sketch := func() *minhash.Sketch {
		var s minhash.Sketch
		for i := range s {
			s[i] = byte(r.IntN(256))
		}
		s[0], s[1], s[2] = 1, 2, 3 // band 0, shared by all
		return &s
	}
	var docs []*Doc
	for i := range 400 {
		docs = append(docs, &Doc{ID: fmt.Sprintf("boiler%03d", i), Sketch: sketch()})
	}
	set := New(NewNumbering(), []string{"trust"}).Apply(docs, nil)
	copyA := &Doc{ID: "copy-a", Sketch: sketch()}
	copyB := &Doc{ID: "copy-b", Sketch: copyA.Sketch}
	set = set.Apply([]*Doc{copyA, copyB}, nil)
	visited := 0
	set.bands.candidates(copyA.Sketch, func(uint32) { visited++ })
	// The crowded band offers bucketCap of its 402; every other band only
	// the two copies (each sketch is recorded once per band).
	if limit := bucketCap + 2*(minhash.Bands-1); visited > limit {
		t.Errorf("%d candidates visited, want at most %d", visited, limit)
	}
	a, _ := set.Numbering().Num("copy-a")
	if got := len(set.Story(a)); got != 2 {
		t.Errorf("the copies' story has %d articles, want 2", got)
	}
	if n := set.Copies().GetCardinality(); n != 1 {
		t.Errorf("%d copies, want 1 (the boilerplate articles are not near-duplicates)", n)
	}
}

// TestBandIndexCandidates checks the band index, whose entries move from
// a map of recent writes into a sorted array, against a plain map from
// band to numbers: while no band is crowded, an article's candidates are
// exactly the numbers recorded under one of its bands, wherever they are.
func TestBandIndexCandidates(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sketch := func() *minhash.Sketch {
		var s minhash.Sketch
		for i := range s {
			s[i] = byte(r.IntN(3)) // few values: many shared bands
		}
		return &s
	}
	b := newBandIndex()
	model := map[uint32]map[uint32]bool{} // band key → numbers
	sketches := map[uint32]*minhash.Sketch{}
	record := func(num uint32, s *minhash.Sketch) {
		sketches[num] = s
		for i := range minhash.Bands {
			k := s.Band(i)
			if model[k] == nil {
				model[k] = map[uint32]bool{}
			}
			model[k][num] = true
		}
	}
	var first []uint32
	for num := range uint32(10) {
		first = append(first, num)
		record(num, sketch())
	}
	b.addAll(first, func(num uint32) *minhash.Sketch { return sketches[num] })
	for step := range 40 {
		num := uint32(10 + step)
		if step%7 == 3 {
			num = uint32(r.IntN(10 + step)) // rewritten: a new sketch
		}
		s := sketch()
		record(num, s)
		b.add(num, s)
		if step%5 == 4 {
			b.mu.Lock()
			b.merge(nil)
			b.mu.Unlock()
		}
		nums := slices.Sorted(maps.Keys(sketches))
		probe := sketches[nums[r.IntN(len(nums))]]
		want := map[uint32]bool{}
		for i := range minhash.Bands {
			if len(model[probe.Band(i)]) > bucketCap {
				t.Fatalf("step %d: a crowded band; the test wants none", step)
			}
			for n := range model[probe.Band(i)] {
				want[n] = true
			}
		}
		got := map[uint32]bool{}
		b.candidates(probe, func(n uint32) { got[n] = true })
		if !maps.Equal(got, want) {
			t.Fatalf("step %d: candidates %v, want %v", step, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		if !b.has[num] || b.sketches[num] != *s {
			t.Fatalf("step %d: the index does not hold %d's newest sketch", step, num)
		}
	}
}

// TestDocValues checks a Doc's fields: set, added once, replaced and
// removed; and that Build gives the Docs of a Set one copy of each value.
func TestDocValues(t *testing.T) {
	d := &Doc{ID: "a"}
	d.AddTerm("trust", "Trust A")
	d.AddTerm("trust", "Trust A")
	d.AddTerm("trust", "Trust B")
	d.SetTerms("union", []string{"GMB"})
	d.AddNumber("jobs", 5)
	d.AddNumber("jobs", 7)
	if got := d.Terms("trust"); !slices.Equal(got, []string{"Trust A", "Trust B"}) {
		t.Errorf("trust = %q", got)
	}
	d.SetTerms("union", nil)
	if got := d.Terms("union"); got != nil {
		t.Errorf("union after removing = %q", got)
	}
	d.SetNumbers("jobs", []int64{9})
	if got := d.Numbers("jobs"); !slices.Equal(got, []int64{9}) {
		t.Errorf("jobs = %v", got)
	}
	fields := 0
	for range d.AllTerms() {
		fields++
	}
	if fields != 1 {
		t.Errorf("%d term fields, want 1", fields)
	}

	// Two Docs whose values were made apart share them once built.
	mk := func(id string) *Doc {
		d := &Doc{ID: id}
		d.AddTerm(string([]byte("trust")), string([]byte("Trust C")))
		return d
	}
	x, y := mk("x"), mk("y")
	if unsafe.StringData(x.Terms("trust")[0]) == unsafe.StringData(y.Terms("trust")[0]) {
		t.Fatal("the test's values already share memory")
	}
	Build(NewNumbering(), []string{"trust"}, []*Doc{x, y})
	if unsafe.StringData(x.Terms("trust")[0]) != unsafe.StringData(y.Terms("trust")[0]) {
		t.Error("Build left two copies of one value")
	}
	if y.Terms("trust") == nil {
		t.Error("the field name was lost")
	}
}

// TestBuildLinksPairsOnce checks that Build, which compares each pair of
// candidates once, links the same stories as comparing from both sides,
// with crowded bands (more articles sharing a band than a bucket offers).
func TestBuildLinksPairsOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 5 {
		var docs []*Doc
		for i := range 300 {
			d := &Doc{ID: fmt.Sprintf("t%d-%03d", trial, r.IntN(1000)*1000+i)}
			d.Sketch = randomSketch(r)
			if d.Sketch != nil && r.IntN(2) == 0 {
				d.Sketch[0], d.Sketch[1], d.Sketch[2] = 7, 7, 7 // a crowded band
			}
			docs = append(docs, d)
		}
		// A pair that shares only the crowded band, its first article
		// among the bucket's first and the other far behind: the later
		// one must find the earlier.
		x, y := randomDoc(r, fmt.Sprintf("t%d-pair-x", trial)), randomDoc(r, fmt.Sprintf("t%d-pair-y", trial))
		var sx, sy minhash.Sketch
		for i := range sx {
			sx[i] = byte(r.IntN(256))
			sy[i] = sx[i]
			if i%minhash.Rows == minhash.Rows-1 {
				sy[i] = sx[i] + 1 // no whole band agrees...
			}
		}
		sx[0], sx[1], sx[2], sy[0], sy[1], sy[2] = 7, 7, 7, 7, 7, 7 // ...but the crowded one
		x.Sketch, y.Sketch = &sx, &sy
		if !minhash.Near(&sx, &sy) {
			t.Fatal("the pair is not near-duplicates")
		}
		docs = append(append([]*Doc{x}, docs...), y)
		once := Build(NewNumbering(), nil, docs)
		both := Build(NewNumbering(), nil, docs)
		both.linkStories(both.live, false)
		if content(once) != content(both) {
			t.Fatalf("trial %d: stories differ:\nonce:\n%s\nboth sides:\n%s", trial, content(once), content(both))
		}
		if once.Copies().IsEmpty() {
			t.Fatalf("trial %d: no stories: the test links nothing", trial)
		}
		if n, _ := once.Numbering().Num(x.ID); len(once.Story(n)) < 2 {
			t.Fatalf("trial %d: the pair sharing only a crowded band is not one story", trial)
		}
	}
}
