package minhash_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/search/api"
)

func sketch(t *testing.T, a api.Article) *minhash.Sketch {
	t.Helper()
	s, ok := minhash.Of(a.Title, a.Text)
	if !ok {
		t.Fatalf("%s: no sketch", a.ID)
	}
	return &s
}

// jaccard is the exact Jaccard similarity of the shingle sets of a and b.
func jaccard(a, b api.Article) float64 {
	set := func(x api.Article) map[string]bool {
		w := minhash.Words(x.Title + "\n" + x.Text)
		m := map[string]bool{}
		for i := 0; i+minhash.Shingle <= len(w); i++ {
			m[strings.Join(w[i:i+minhash.Shingle], " ")] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	in := 0
	for k := range sa {
		if sb[k] {
			in++
		}
	}
	return float64(in) / float64(len(sa)+len(sb)-in)
}

// TestAgreement measures what Agree is chosen from: every pair of the
// five papers' copies of one agency story is near, and no pair of
// different stories about the same trust is.
func TestAgreement(t *testing.T) {
	copies := indextest.Syndicated()
	others := indextest.SameTrust()
	minCopy, minJ := minhash.Slots, 1.0
	for i, a := range copies {
		for _, b := range copies[i+1:] {
			n := minhash.Agreement(sketch(t, a), sketch(t, b))
			j := jaccard(a, b)
			t.Logf("copies %s %s: agree %d/%d, Jaccard %.2f", a.ID, b.ID, n, minhash.Slots, j)
			minCopy, minJ = min(minCopy, n), min(minJ, j)
			if !minhash.Near(sketch(t, a), sketch(t, b)) {
				t.Errorf("copies %s and %s are not near (agree in %d slots)", a.ID, b.ID, n)
			}
		}
	}
	maxOther, maxJ := 0, 0.0
	all := append(others, copies...)
	for i, a := range others {
		for _, b := range all[i+1:] {
			n := minhash.Agreement(sketch(t, a), sketch(t, b))
			j := jaccard(a, b)
			t.Logf("different %s %s: agree %d/%d, Jaccard %.2f", a.ID, b.ID, n, minhash.Slots, j)
			maxOther, maxJ = max(maxOther, n), max(maxJ, j)
			if minhash.Near(sketch(t, a), sketch(t, b)) {
				t.Errorf("different stories %s and %s are near (agree in %d slots)", a.ID, b.ID, n)
			}
			if n > minhash.Agree/2 {
				t.Errorf("different stories %s and %s agree in %d slots: too close to Agree=%d to tell apart", a.ID, b.ID, n, minhash.Agree)
			}
		}
	}
	t.Logf("copies: agree in ≥ %d slots, Jaccard ≥ %.2f; different stories: agree in ≤ %d, Jaccard ≤ %.2f", minCopy, minJ, maxOther, maxJ)
}

// TestGeneratedApart checks that articles made from shared templates
// (bench/gen, which other tests use as a corpus) and short stories on
// pages with the same boilerplate are not taken for near-duplicates.
func TestGeneratedApart(t *testing.T) {
	g, err := gen.New(11)
	if err != nil {
		t.Fatal(err)
	}
	var sks []*minhash.Sketch
	for i := range 1000 {
		a := g.Article(i)
		sks = append(sks, sketch(t, api.Article{ID: a.Title, Title: a.Title, Text: a.Text}))
	}
	most := 0
	for i := range sks {
		for j := i + 1; j < len(sks); j++ {
			most = max(most, minhash.Agreement(sks[i], sks[j]))
		}
	}
	t.Logf("bench/gen articles: agree in at most %d slots", most)
	if most > minhash.Agree-minhash.Agree/5 {
		t.Errorf("two generated articles agree in %d slots: too close to Agree=%d", most, minhash.Agree)
	}
	boiler := "Page only: the full story continues with more reporting from the Gazette's health correspondent. Readers can contact the newsdesk with information about this story. The Gazette covers the district's hospitals, schools and councils every day."
	page := func(title, text string) *minhash.Sketch {
		return sketch(t, api.Article{ID: title, Title: title, Text: "By Jo Reporter " + text + " " + text + " " + boiler})
	}
	a := page("Kirkwall porters face redundancy", "Unison says 40 porters at Mid Yorkshire Hospitals NHS Trust face redundancy as the trust seeks savings of £3m. The union will ballot its members on strike action next month.")
	b := page("Admin jobs to go at hospital", "Unite says 60 admin jobs will go at Barnsley Hospital NHS Foundation Trust in a restructure meant to save £2m over two years.")
	if n := minhash.Agreement(a, b); n > minhash.Agree-minhash.Agree/5 {
		t.Errorf("two stories with the same boilerplate agree in %d slots: too close to Agree=%d", n, minhash.Agree)
	}
}

func TestSketch(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, b    string
		same    bool
		noWords bool
	}{
		{name: "case and punctuation are ignored", a: long + "Trust cuts 400 jobs, union says.", b: long + "TRUST cuts 400 jobs — union says", same: true},
		{name: "a different word order is another text", a: long + "trust cuts jobs at the hospital today", b: long + "today the hospital cuts jobs at trust"},
		{name: "a short text has none", a: "Unison says 12 porters go at the Kingsbridge unit of the trust, which must save £3m by March.", noWords: true},
		{name: "no words", a: "… — !", noWords: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, ok := minhash.Of("", tc.a)
			if ok == tc.noWords {
				t.Fatalf("Of(%q) ok = %v", tc.a, ok)
			}
			if tc.noWords {
				return
			}
			y, _ := minhash.Of("", tc.b)
			if (x == y) != tc.same {
				t.Fatalf("sketches equal = %v, want %v", x == y, tc.same)
			}
			back, err := minhash.Parse(x.String())
			if err != nil || back != x {
				t.Fatalf("Parse(String()) = %v, %v", back, err)
			}
		})
	}
	// The sketch is stored in the index: it must not change between
	// builds or processes.
	s, _ := minhash.Of("Trust cuts jobs", long+"The trust will cut 400 jobs.")
	if got, want := s.String(), fixedSketch; got != want {
		t.Fatalf("sketch = %s, want %s", got, want)
	}
	for _, bad := range []string{"", "zz", strings.Repeat("g", 2*minhash.Slots)} {
		if _, err := minhash.Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

// long is a start of a text long enough to be sketched.
const long = "Northshire Hospitals NHS Foundation Trust is to cut 420 jobs over the next two years as it tries to close a deficit of £38 million, bosses have confirmed. The trust said most of the posts would go from administrative teams. "

const fixedSketch = "bce5228a11a45e72ce73b3916abbe686a8b49346a1b53c219a664c58c306c90762300822b48420f4c0f8faead3fccbf49e09bb26f01a4cea95b371c9fe7b5ff6227fab3979c700a95a76ace365dbc2bc7b2aae0f6bed928ad7bb429ad378468a654fa4fc9b66a45edb1a7c3f9f8ed480e61525febc6801e4e8f82278c9bc774b31e8bddd4e2ab173b6c85ca3e4332027cf69f29258cbdb4973239b2351bb3dd4d25800c716c5af710441139390d3b3a1ec324c3594aaa6122b0662bab360b04bf493efab5be706fea1512d7bc416c42569a25a78983e812cbed04da1ffe50385ec64cd1b0a116d3ed2fa062ce8a00a71c81f22e9f7f2fb7cc2af16df0241ae6b"

func TestBands(t *testing.T) {
	var a minhash.Sketch
	for i := range a {
		a[i] = byte(i)
	}
	b := a
	// Differ in one slot of every band but the last: near only if enough
	// slots agree and the last band does.
	for i := 0; i < minhash.Bands-1; i++ {
		b[i*minhash.Rows] ^= 0xff
	}
	if minhash.Agreement(&a, &b) != minhash.Slots-(minhash.Bands-1) {
		t.Fatalf("agreement %d", minhash.Agreement(&a, &b))
	}
	if !minhash.Near(&a, &b) {
		t.Fatal("sketches agreeing in one band and enough slots are not near")
	}
	c := b
	c[(minhash.Bands-1)*minhash.Rows] ^= 0xff
	if minhash.Near(&a, &c) {
		t.Fatal("sketches agreeing in no band are near")
	}
	for i := 1; i < minhash.Bands; i++ {
		if a.Band(i) == a.Band(i-1) {
			t.Fatalf("bands %d and %d have one key", i-1, i)
		}
	}
}

// TestAgreementCountsSlots checks Agreement, which compares eight slots
// at a time, against counting the equal slots one by one, and Near (which
// stops early) against its definition, on random
// sketches with every share of agreeing slots and with byte values that
// carry (0x80, 0xff) where a word-wide trick could go wrong.
func TestAgreementCountsSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		var a, b minhash.Sketch
		agree := rng.IntN(minhash.Slots + 1)
		for i := range a {
			a[i] = byte(rng.IntN(256))
			if trial%3 == 0 {
				a[i] = []byte{0x00, 0x7f, 0x80, 0xff}[rng.IntN(4)]
			}
			b[i] = a[i]
			if rng.IntN(minhash.Slots) >= agree {
				b[i] ^= byte(1 + rng.IntN(255))
			}
		}
		want := 0
		for i := range a {
			if a[i] == b[i] {
				want++
			}
		}
		if got := minhash.Agreement(&a, &b); got != want {
			t.Fatalf("trial %d: Agreement = %d, %d slots agree\na=%x\nb=%x", trial, got, want, a, b)
		}
		band := false
		for i := range minhash.Bands {
			band = band || a.Band(i) == b.Band(i)
		}
		if got, def := minhash.Near(&a, &b), want >= minhash.Agree && band; got != def {
			t.Fatalf("trial %d: Near = %v with %d slots agreeing (band: %v)", trial, got, want, band)
		}
	}
}
