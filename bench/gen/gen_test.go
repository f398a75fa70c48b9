package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
)

// generate returns the JSONL of n articles of seed.
func generate(t *testing.T, seed uint64, n int) []byte {
	t.Helper()
	g, err := New(seed)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := g.Write(context.Background(), &b, n, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func articles(t *testing.T, data []byte) []Article {
	t.Helper()
	var out []Article
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var a Article
		if err := json.Unmarshal(l, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a := generate(t, 7, 150)
	b := generate(t, 7, 150)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same seed and n differ")
	}
	if c := generate(t, 8, 150); bytes.Equal(a, c) {
		t.Fatal("seeds 7 and 8 give the same corpus")
	}
	// Article i does not depend on n: a longer corpus starts with the shorter.
	if long := generate(t, 7, 200); !bytes.HasPrefix(long, a) {
		t.Fatal("the first 150 articles of n=200 differ from n=150")
	}
}

// TestIngestible reads the generated file with the index's own .jsonl
// reader: every line must be an article, none skipped.
func TestIngestible(t *testing.T) {
	const n = 120
	path := filepath.Join(t.TempDir(), "gen.jsonl")
	data := generate(t, 1, n)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var recs []index.Record
	var skips []index.Skip
	err := index.ReadFile(context.Background(), index.SourceFile{Path: path, Size: int64(len(data))},
		func(r index.Record) error { recs = append(recs, r); return nil },
		func(s index.Skip) { skips = append(skips, s) })
	if err != nil || len(skips) > 0 || len(recs) != n {
		t.Fatalf("read %d articles, skipped %v, err %v; want %d", len(recs), skips, err, n)
	}
	ids := map[string]bool{}
	for _, r := range recs {
		if ids[r.Article.ID] || r.Article.Title == "" {
			t.Fatalf("article %q: duplicate id or empty title", r.Article.ID)
		}
		ids[r.Article.ID] = true
	}
}

// TestGoldKeys checks that every line carries all gold keys as lists (never
// null), each value once.
func TestGoldKeys(t *testing.T) {
	data := generate(t, 2, 80)
	for i, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "title", "text", "trusts", "unions", "amounts_gbp", "jobs", "people", "places", "hospitals"} {
			raw, ok := m[k]
			if !ok {
				t.Fatalf("line %d: no %q", i+1, k)
			}
			if k != "id" && k != "title" && k != "text" {
				var vs []any
				if err := json.Unmarshal(raw, &vs); err != nil || vs == nil {
					t.Fatalf("line %d: %q is %s, want a list", i+1, k, raw)
				}
				seen := map[string]bool{}
				for _, v := range vs {
					b, _ := json.Marshal(v)
					if seen[string(b)] {
						t.Fatalf("line %d: %q repeats %s", i+1, k, b)
					}
					seen[string(b)] = true
				}
			}
		}
	}
}

// TestGoldMatchesText checks the gold against the text: names of people,
// places and hospitals are written as given, every job count appears as a
// number, and every article names its organisation.
func TestGoldMatchesText(t *testing.T) {
	for _, a := range articles(t, generate(t, 3, 200)) {
		for _, vs := range [][]string{a.Truth.Terms(tag.Person), a.Truth.Terms(tag.Place), a.Truth.Terms(tag.Hospital)} {
			for _, v := range vs {
				if !strings.Contains(a.Text, v) {
					t.Errorf("%s: gold %q not in the text", a.ID, v)
				}
			}
		}
		for _, j := range a.Truth.Numbers(tag.Jobs) {
			if !strings.Contains(a.Text, commas(j)) {
				t.Errorf("%s: job count %d not in the text", a.ID, j)
			}
		}
		if a.Truth.Len(tag.Trust) == 0 || a.Truth.Len(tag.Amount)+a.Truth.Len(tag.Jobs) == 0 {
			t.Errorf("%s: no organisation, or neither money nor jobs", a.ID)
		}
		for _, tr := range a.Truth.Terms(tag.Trust) {
			if strings.HasPrefix(tr, "The ") {
				t.Errorf("%s: canonical trust %q starts with The", a.ID, tr)
			}
		}
	}
}

func TestSizes(t *testing.T) {
	arts := articles(t, generate(t, 4, 300))
	var small, large int
	for _, a := range arts {
		n := len(a.Text)
		if n < MinTextBytes || n > MaxTextBytes {
			t.Errorf("%s: %d bytes, want %d..%d", a.ID, n, MinTextBytes, MaxTextBytes)
		}
		if n < 2000 {
			small++
		}
		if n > 5000 {
			large++
		}
	}
	// Lengths vary: both short and long articles occur.
	if small == 0 || large == 0 {
		t.Errorf("%d articles under 2 KB and %d over 5 KB of 300: lengths do not vary", small, large)
	}
}

// TestZipf fits log(frequency) against log(rank) over the 200 most frequent
// words of the corpus: natural text has a slope near -1.
func TestZipf(t *testing.T) {
	counts := map[string]int{}
	word := regexp.MustCompile(`[a-z]+`)
	for _, a := range articles(t, generate(t, 5, 300)) {
		for _, w := range word.FindAllString(strings.ToLower(a.Text), -1) {
			counts[w]++
		}
	}
	freqs := make([]int, 0, len(counts))
	for _, c := range counts {
		freqs = append(freqs, c)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(freqs)))
	const top = 200
	if len(freqs) < top*3 {
		t.Fatalf("only %d distinct words", len(freqs))
	}
	var sx, sy, sxx, sxy float64
	for r := 1; r <= top; r++ {
		x, y := math.Log(float64(r)), math.Log(float64(freqs[r-1]))
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	slope := (top*sxy - sx*sy) / (top*sxx - sx*sx)
	t.Logf("rank-frequency slope over the top %d of %d words: %.2f", top, len(freqs), slope)
	if slope > -0.7 || slope < -1.4 {
		t.Errorf("slope %.2f, want about -1 (between -1.4 and -0.7)", slope)
	}
}

// TestSurfaceForms checks that money and job counts come in all the written
// forms, and unions by more than their canonical names.
func TestSurfaceForms(t *testing.T) {
	var text strings.Builder
	for _, a := range articles(t, generate(t, 6, 400)) {
		text.WriteString(a.Text)
		text.WriteString("\n")
	}
	s := text.String()
	forms := map[string]string{
		"£55m":             `£\d+m\b`,
		"£6.5m":            `£\d+\.\dm\b`,
		"£6.5 million":     `£\d+\.\d million`,
		"£6.5million":      `£\d+\.\dmillion`,
		"£1million":        `£\d+million`,
		"£20 billion":      `£\d+ billion`,
		"£2bn":             `£\d+bn`,
		"£1.2bn":           `£\d+\.\dbn`,
		"£500,000":         `£\d{1,3},\d{3}\b`,
		"£27k":             `£\d+k\b`,
		"750 jobs":         `\b\d+ jobs`,
		"1,200 posts":      `\b\d,\d{3} [a-z -]*posts`,
		"366 health jobs":  `\b\d+ health jobs`,
		"516 admin posts":  `\b\d+ administrative posts`,
		"which loses 82":   `which loses \d+,`,
		"between a and b":  `Between \d[\d,]* and \d[\d,]* jobs`,
		"a to b posts":     `\d[\d,]* to \d[\d,]* posts`,
		"employs 7,000":    `employs \d,\d{3}`,
		"15%":              `\d+%`,
		"Unsion":           `\bUnsion\b`,
		"RCN":              `\bRCN\b`,
		"UNISON":           `\bUNISON\b`,
		"Royal Collage of": `Royal Collage of Nursing`,
	}
	for name, re := range forms {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("no %q form (%s) in 400 articles", name, re)
		}
	}
}

// TestOrgPool checks that the generator picks from a few hundred
// organisations of every kind.
func TestOrgPool(t *testing.T) {
	g, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	orgs := g.Orgs()
	if len(orgs) < 300 {
		t.Errorf("%d organisations, want a few hundred", len(orgs))
	}
	for _, suffix := range []string{"NHS Foundation Trust", "NHS Trust", "Primary Care Trust", "Strategic Health Authority",
		"Health Board", "Integrated Care Board", "Health and Social Care Trust", "NHS England"} {
		if !slices.ContainsFunc(orgs, func(o string) bool { return strings.HasSuffix(o, suffix) }) {
			t.Errorf("no organisation ending in %q", suffix)
		}
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 27500: "27,500", 1234567: "1,234,567"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWriteCancelled(t *testing.T) {
	g, err := New(1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Write(ctx, &bytes.Buffer{}, 10_000, nil); err == nil {
		t.Fatal("Write with a cancelled context returned nil")
	}
}

// TestEventsTruth checks the generator's true cut events against what it
// wrote: every job count and amount of the truth has a link of a known
// kind to one of the article's organisations (or, for the NHS's national
// savings, to none), a number written beside another organisation
// ({ORG}) is that organisation's, and the main one's otherwise.
func TestEventsTruth(t *testing.T) {
	g, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	var sawOrg, sawNational bool
	for i := range 400 {
		a := g.Article(i)
		linked := map[int64]bool{}
		for _, e := range a.Events {
			jobs := e.Jobs > 0
			if jobs == (e.AmountGBP > 0) || !tag.ValidEventKind(jobs, e.Kind) {
				t.Fatalf("%s: bad event %+v", a.ID, e)
			}
			if e.Trust != "" && !slices.Contains(a.Truth.Terms(tag.Trust), e.Trust) {
				t.Errorf("%s: event %+v names a trust the article does not", a.ID, e)
			}
			linked[e.Jobs+e.AmountGBP] = true
		}
		for _, k := range []tag.Kind{tag.Jobs, tag.Amount} {
			for _, n := range a.Truth.Numbers(k) {
				if !linked[n] {
					t.Errorf("%s: %s %d has no event", a.ID, k, n)
				}
			}
		}
		// "The biggest single job losses will be at {ORG}, where {JOBS}
		// jobs are to go.": ORG's, not the main organisation's
		if _, rest, ok := strings.Cut(a.Text, "The biggest single job losses will be at "); ok {
			where, after, _ := strings.Cut(rest, ", where ")
			n, _ := strconv.ParseInt(strings.ReplaceAll(strings.Fields(after)[0], ",", ""), 10, 64)
			main := a.Truth.Terms(tag.Trust)[0] // every lead names it first
			i := slices.IndexFunc(a.Events, func(e tag.CutLink) bool { return e.Jobs == n })
			if i < 0 || (where == "the trust") != (a.Events[i].Trust == main) {
				t.Errorf("%s: %d jobs at %q (main %q) linked as %+v", a.ID, n, where, main, a.Events)
			}
			sawOrg = true
		}
		if strings.Contains(a.Text, "The government wants ") {
			if !slices.ContainsFunc(a.Events, func(e tag.CutLink) bool { return e.Trust == "" && e.Kind == tag.EventSavings }) {
				t.Errorf("%s: the national savings have no event without a trust: %+v", a.ID, a.Events)
			}
			sawNational = true
		}
	}
	if !sawOrg || !sawNational {
		t.Errorf("400 articles hold no {ORG} job sentence (%v) or no national savings (%v)", sawOrg, sawNational)
	}
}
