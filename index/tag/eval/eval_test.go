package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// TestCompareHandComputed checks the scorer on a small example worked out by
// hand: gold {a, b, c}, optional {d}, reported {A, b-with-dash, d, e}.
func TestCompareHandComputed(t *testing.T) {
	norm := func(vs ...string) []string {
		var out []string
		for _, v := range vs {
			out = append(out, Normalize("people", v))
		}
		return out
	}
	got := norm("MARK  LADBROOKE", "North–East", "Sunderland trust", "Bob")
	gold := norm("Mark Ladbrooke", "North-East", "Helen Peggs")
	opt := norm("Sunderland Trust")
	r := Compare(got, gold, opt)
	// TP: mark ladbrooke, north east. FP: bob. FN: helen peggs.
	// Sunderland trust is optional: neither.
	if r.TP != 2 || r.FP != 1 || r.FN != 1 {
		t.Fatalf("Compare = %+v, want TP 2, FP 1, FN 1", r.Counts)
	}
	if strings.Join(r.FalsePositives, ",") != "bob" || strings.Join(r.Misses, ",") != "helen peggs" {
		t.Errorf("FP %v, misses %v", r.FalsePositives, r.Misses)
	}
	// P = 2/3, R = 2/3, F1 = 2/3
	if p, rc, f := r.Precision(), r.Recall(), r.F1(); math.Abs(p-2.0/3) > 1e-9 || math.Abs(rc-2.0/3) > 1e-9 || math.Abs(f-2.0/3) > 1e-9 {
		t.Errorf("P %v R %v F1 %v, want 2/3 each", p, rc, f)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ key, in, want string }{
		{"places", "North-East", "north east"},
		{"places", " North  East ", "north east"},
		{"hospitals", "St Bartholomew’s Hospital", "st bartholomew's hospital"},
		{"trusts", "Stockton-on-Tees  PCT", "stockton on tees pct"},
		{"amounts_gbp", "6,500,000", "6500000"},
		{"amounts_gbp", "6500000", "6500000"},
		{"jobs", "750", "750"},
	}
	for _, tc := range tests {
		if got := Normalize(tc.key, tc.in); got != tc.want {
			t.Errorf("Normalize(%q, %q) = %q, want %q", tc.key, tc.in, got, tc.want)
		}
	}
}

// TestReportMicroAverage scores two articles and checks the per-key sums
// and the overall micro average.
func TestReportMicroAverage(t *testing.T) {
	arts, err := ParseGold([]byte(`{"text": "x", "file": "a", "jobs": [750, 82], "people": ["Brian James"], "optional": {"jobs": [7000]}}
{"text": "y", "file": "b", "amounts_gbp": [55000000], "unions": ["Unison"]}`))
	if err != nil {
		t.Fatal(err)
	}
	rep := &Report{PerKey: map[string]Counts{}}
	s0 := schema.Default.NewSummary()
	for _, n := range []int64{750, 7000, 5} {
		s0.AddNumber(tag.Jobs, n)
	}
	s0.AddTerm(tag.Person, "brian james")
	s1 := schema.Default.NewSummary()
	s1.AddNumber(tag.Amount, 55000000)
	rep.Add(arts[0], s0)
	rep.Add(arts[1], s1)
	// jobs: TP 750, FP 5, FN 82 (7000 optional); people TP 1; amounts TP 1; unions FN 1.
	want := map[string]Counts{"jobs": {1, 1, 1}, "people": {1, 0, 0}, "amounts_gbp": {1, 0, 0}, "unions": {0, 0, 1}}
	for k, w := range want {
		if rep.PerKey[k] != w {
			t.Errorf("%s: %+v, want %+v", k, rep.PerKey[k], w)
		}
	}
	if rep.Total != (Counts{3, 1, 2}) {
		t.Errorf("total %+v, want {3 1 2}", rep.Total)
	}
	var sb strings.Builder
	if err := rep.Write(&sb, true); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	// macro F1: jobs 0.5, people 1, amounts 1, unions 0, and 1 for each of
	// the three keys with nothing to find and nothing reported: 5.5/7.
	for _, s := range []string{"overall          3     1     2", "macro F1 0.786 ",
		"jobs: 1 missed, 1 false positive\n", "  MISS   1x 82: a\n", "  FP     1x 5: a\n",
		"unions: 1 missed, 0 false positives\n", "  MISS   1x unison: b\n"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
	if m := rep.MacroF1(); math.Abs(m-5.5/7) > 1e-9 {
		t.Errorf("MacroF1 = %v, want 5.5/7", m)
	}
}

// fixedTagger returns the same entities for every text.
type fixedTagger []tag.Entity

func (f fixedTagger) Tag(string) ([]tag.Entity, error) { return f, nil }

// TestMissesByClass checks that Score and Write group the misses and false
// positives by key and value over articles, most frequent first, with the
// texts a false positive was found as, and that Write cuts long lists
// unless verbose.
func TestMissesByClass(t *testing.T) {
	var lines []string
	for i := range 20 {
		lines = append(lines, fmt.Sprintf(`{"id": "f%02d", "text": "x", "hospitals": ["Guy's Hospital", "Ward %d Hospital"], "places": ["Leeds"]}`, i, i))
	}
	arts, err := ParseGold([]byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	// Every article: Guy's Hospital missed, Leeds found, "Whipps Cross"
	// and "Whipps  Cross" reported as the person whipps cross.
	tg := fixedTagger{
		{Type: tag.Place, Value: "Leeds", Text: "Leeds"},
		{Type: tag.Person, Value: "Whipps Cross", Text: "Whipps Cross"},
		{Type: tag.Person, Value: "Whipps Cross", Text: "WHIPPS Cross"},
	}
	rep, err := Score(tg, arts, "")
	if err != nil {
		t.Fatal(err)
	}
	ms := rep.Misses()
	if len(ms["places"]) != 0 || len(ms["people"]) != 1 || len(ms["hospitals"]) != 21 {
		t.Fatalf("misses per class: places %d, people %d, hospitals %d; want 0, 1, 21", len(ms["places"]), len(ms["people"]), len(ms["hospitals"]))
	}
	if g := ms["hospitals"][0]; g.Value != "guy's hospital" || g.False || len(g.Files) != 20 || g.Files[0] != "f00" || g.Files[19] != "f19" {
		t.Errorf("most frequent hospital miss = %+v, want guy's hospital in f00..f19", g)
	}
	if g := ms["hospitals"][1]; g.Value != "ward 0 hospital" || len(g.Files) != 1 {
		t.Errorf("second hospital miss = %+v, want ward 0 hospital once (values in order after counts)", g)
	}
	p := ms["people"][0]
	if !p.False || p.Value != "whipps cross" || len(p.Files) != 20 || strings.Join(p.Written, "|") != "Whipps Cross|WHIPPS Cross" {
		t.Errorf("people FP = %+v, want whipps cross in 20 files written two ways", p)
	}

	var short, long strings.Builder
	if err := rep.Write(&short, false); err != nil {
		t.Fatal(err)
	}
	if err := rep.Write(&long, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"hospitals: 40 missed, 0 false positives\n",
		"  MISS  20x guy's hospital: f00 f01 f02 f03 f04 f05 f06 f07 f08 f09 f10 f11 f12 f13 f14 ... +5\n",
		"  ... and 6 more values (-v lists all)\n",
		"people: 0 missed, 20 false positives\n",
		`  FP    20x whipps cross (as "Whipps Cross", "WHIPPS Cross"): f00 `,
	} {
		if !strings.Contains(short.String(), want) {
			t.Errorf("short report lacks %q:\n%s", want, short.String())
		}
	}
	if strings.Contains(short.String(), "ward 9 hospital") || strings.Contains(short.String(), "places:") {
		t.Errorf("short report lists a 16th value or a class with no misses:\n%s", short.String())
	}
	for _, want := range []string{"f13 f14 f15 f16 f17 f18 f19\n", "  MISS   1x ward 9 hospital: f09\n"} {
		if !strings.Contains(long.String(), want) {
			t.Errorf("verbose report lacks %q:\n%s", want, long.String())
		}
	}
	if strings.Contains(long.String(), "more values") || strings.Contains(long.String(), "... +") {
		t.Errorf("verbose report cuts a list:\n%s", long.String())
	}
}

func TestParseGoldErrors(t *testing.T) {
	for _, bad := range []string{`[{"file": "a", "jobs": "750"}]`, `{"jobs": [1]}`, `[{"file": "a", "jobs": [{}]}]`, `[{`} {
		if _, err := ParseGold([]byte(bad)); err == nil {
			t.Errorf("ParseGold(%s): no error", bad)
		}
	}
}

// scoreSet tags a gold set and fails if any key or the overall F1 is below
// min.
func scoreSet(t *testing.T, gold, dir string, minKey, minOverall float64) {
	t.Helper()
	arts, err := LoadGold(gold)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Score(tg, arts, dir)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	_ = rep.Write(&sb, true)
	t.Logf("%s:\n%s", gold, sb.String())
	for _, k := range Keys {
		if f := rep.PerKey[k].F1(); f < minKey {
			t.Errorf("%s: F1 for %s = %.3f, want >= %.2f", gold, k, f, minKey)
		}
	}
	if f := rep.Total.F1(); f < minOverall {
		t.Errorf("%s: overall F1 = %.3f, want >= %.2f", gold, f, minOverall)
	}
}

// TestSeedsGold is issue 2's bar: F1 >= 0.95 for every key on the seeds.
// testdata/seeds_gold.json is a copy of the project's shared
// gold/seeds.json, kept in the repository (like seeds/) so that a fresh
// clone tests on its own.
func TestSeedsGold(t *testing.T) {
	scoreSet(t, "../testdata/seeds_gold.json", "../../../seeds", 0.95, 0.95)
}

// TestDevGold scores the held-out dev set (testdata/dev: 25 articles written
// in the style of the seeds and annotated before the tagger saw them). Each
// batch was scored before any fix it prompted: dev01-12 at 0.972 overall
// F1, dev13-18 at 0.898 (trusts 0.64, places 0.83). Its bar is lower than
// the seeds' because it is meant to hold things the rules do not know yet
// (towns missing from the gazetteer, counts worded in new ways): 0.85 per
// key and 0.92 overall catch a real regression without forcing rules
// fitted to a handful of texts.
func TestDevGold(t *testing.T) {
	scoreSet(t, "../testdata/dev/gold.json", "../testdata/dev", 0.85, 0.92)
}

// TestDev2Gold scores the second dev set (testdata/dev2: 25 articles in the
// style of real reporting from 2009 to 2025, written and annotated for issue
// 20 before the tagger saw them). Its first run scored 0.820 overall F1
// (hospitals 0.436, jobs 0.735, trusts 0.792: testdata/dev2/README.md); the
// rules issue 20 added were fitted to it (and to sentences outside it) and
// score 1.000 on every key, so it is no longer held out: its bar guards the
// classes it holds (short hospital names, job counts beyond "N jobs",
// renamed bodies, titles, regions) against regression. 0.95 per key fails
// at 7-8 missed values of its 72 hospitals or 73 job counts (3 of its 28
// amounts), and 0.97 overall at 28 of its 471 values (fewer when the
// tagger also reports false ones): below the final score, so that a rule
// may trade a case for a better general one, but losing one construction
// (the first run missed 30 counts and 50 hospitals) fails.
func TestDev2Gold(t *testing.T) {
	scoreSet(t, "../testdata/dev2/gold.json", "../testdata/dev2", 0.95, 0.97)
}

// scoreEvents tags the gold sets and returns their cut-event link counts
// summed over them.
func scoreEvents(t *testing.T, sets ...[2]string) map[string]Counts {
	t.Helper()
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	sum := map[string]Counts{}
	for _, s := range sets {
		arts, err := LoadGold(s[0])
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Score(tg, arts, s[1])
		if err != nil {
			t.Fatal(err)
		}
		if rep.EventFiles != len(arts) {
			t.Errorf("%s: %d of %d articles have cut_events", s[0], rep.EventFiles, len(arts))
		}
		var sb strings.Builder
		_ = rep.Write(&sb, true)
		t.Logf("%s:\n%s", s[0], sb.String()[strings.Index(sb.String(), "Cut events"):])
		for k, c := range rep.PerEvent {
			x := sum[k]
			x.Add(c)
			sum[k] = x
		}
	}
	return sum
}

// TestCutEventsDev is issue 16's bar on the dev set (the seeds' gold and
// dev2, whose cut_events were annotated by hand, not blind: a first
// prototype's links were on screen): F1 >= 0.9 on (trust, jobs, kind)
// links. The prototype's first run scored
// jobs links 0.87 on dev2 and 0.67 on the seeds (amounts 0.78 and 0.92);
// the rules were then fitted to dev2 (it scores 0.945 and 0.885 now, the
// seeds 0.667 and 1.000: three PCTs the tagger does not know as trusts).
// The amount bar, 0.85, is below the final 0.92 so that a rule may trade a
// case for a better one.
func TestCutEventsDev(t *testing.T) {
	sum := scoreEvents(t, [2]string{"../testdata/seeds_gold.json", "../../../seeds"},
		[2]string{"../testdata/dev2/gold.json", "../testdata/dev2"})
	t.Logf("seeds+dev2: jobs links %+v F1 %.3f, amount links %+v F1 %.3f",
		sum[EventKeys[0]], sum[EventKeys[0]].F1(), sum[EventKeys[1]], sum[EventKeys[1]].F1())
	if f := sum[EventKeys[0]].F1(); f < 0.9 {
		t.Errorf("jobs links F1 = %.3f, want >= 0.9", f)
	}
	if f := sum[EventKeys[1]].F1(); f < 0.85 {
		t.Errorf("amount links F1 = %.3f, want >= 0.85", f)
	}
}

// TestCutEventsHeldOut scores the links on the first dev set (testdata/dev),
// annotated by hand after the linker was written but never used to fit it:
// its first run scored jobs links 0.932 and amount links 0.848. The bars,
// 0.9 and 0.8, let a rule trade a case, not lose a construction.
func TestCutEventsHeldOut(t *testing.T) {
	sum := scoreEvents(t, [2]string{"../testdata/dev/gold.json", "../testdata/dev"})
	for k, min := range map[string]float64{EventKeys[0]: 0.9, EventKeys[1]: 0.8} {
		if f := sum[k].F1(); f < min {
			t.Errorf("%s F1 = %.3f on the held-out dev set, want >= %.2f", k, f, min)
		}
	}
}

// TestCutEventsGenerated scores the links on generated articles against
// the generator's truth (it knows which organisation each number was
// written for): F1 >= 0.9 on jobs links, as on the dev set.
func TestCutEventsGenerated(t *testing.T) {
	g, err := gen.New(2)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i := range 300 {
		line, err := json.Marshal(g.Article(i))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	arts, err := ParseGold(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Score(tg, arts, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.EventFiles != len(arts) {
		t.Fatalf("%d of %d generated articles carry cut_events", rep.EventFiles, len(arts))
	}
	for k, min := range map[string]float64{EventKeys[0]: 0.9, EventKeys[1]: 0.9} {
		c := rep.PerEvent[k]
		t.Logf("%s: %+v F1 %.3f", k, c, c.F1())
		if c.TP < 500 || c.F1() < min {
			t.Errorf("%s on 300 generated articles: %+v F1 %.3f, want >= %.2f over 500+ links", k, c, c.F1(), min)
		}
	}
}

func TestParseGoldCutEvents(t *testing.T) {
	arts, err := ParseGold([]byte(`[{"file": "a", "cut_events": [{"trust": "The X NHS Trust", "jobs": 750, "kind": "cut"},
		{"trust": "", "amount_gbp": 20000000000, "kind": "savings"}], "optional": {"cut_events": [{"trust": "Y", "jobs": 5, "kind": "other"}]}},
		{"file": "b"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if !arts[0].HasEvents || arts[1].HasEvents {
		t.Errorf("HasEvents = %v, %v; want true, false", arts[0].HasEvents, arts[1].HasEvents)
	}
	want := map[string][]string{"jobs links": {"the x nhs trust|750|cut"}, "amount links": {"|20000000000|savings"}}
	if !reflect.DeepEqual(arts[0].Events, want) {
		t.Errorf("Events = %v, want %v", arts[0].Events, want)
	}
	if got := arts[0].OptionalEvents["jobs links"]; !reflect.DeepEqual(got, []string{"y|5|other"}) {
		t.Errorf("OptionalEvents = %v", got)
	}
	for _, bad := range []string{
		`[{"file": "a", "cut_events": [{"trust": "X", "kind": "cut"}]}]`,                              // no number
		`[{"file": "a", "cut_events": [{"trust": "X", "jobs": 5, "amount_gbp": 5, "kind": "cut"}]}]`,  // two
		`[{"file": "a", "cut_events": [{"trust": "X", "jobs": 5, "kind": "savings"}]}]`,               // an amount's kind
		`[{"file": "a", "cut_events": [{"trust": "X", "amount_gbp": 5, "kind": "cut"}]}]`,             // a count's kind
		`[{"file": "a", "cut_events": [{"trust": "X", "jobs": 5, "kind": "cut", "what": 1}]}]`,        // unknown field
		`[{"file": "a", "optional": {"cut_events": [{"trust": "X", "jobs": 5, "kind": "deficit"}]}}]`, // in optional too
	} {
		if _, err := ParseGold([]byte(bad)); err == nil {
			t.Errorf("ParseGold(%s): no error", bad)
		}
	}
}

func TestCompareEvents(t *testing.T) {
	a := Article{File: "a", Values: map[string][]string{}, HasEvents: true,
		Events:         map[string][]string{"jobs links": {"x|750|cut", "|100|cut"}},
		OptionalEvents: map[string][]string{"jobs links": {"x|90|other"}}}
	rep := &Report{PerKey: map[string]Counts{}}
	rep.Add(a, schema.Default.NewSummary())
	ev := func(trust string, jobs int64, k tag.EventKind) tag.CutEvent {
		return tag.CutEvent{CutLink: tag.CutLink{Trust: trust, Jobs: jobs, Kind: k}}
	}
	// right; the wrong trust; optional; the wrong kind
	rep.AddEvents(a, []tag.CutEvent{ev("X", 750, tag.EventCut), ev("Y", 100, tag.EventCut), ev("X", 90, tag.EventOther), ev("X", 750, tag.EventOther)})
	if got, want := rep.PerEvent["jobs links"], (Counts{TP: 1, FP: 2, FN: 1}); got != want {
		t.Errorf("jobs links = %+v, want %+v", got, want)
	}
	rep.AddEvents(Article{File: "b"}, []tag.CutEvent{ev("X", 1, tag.EventCut)}) // not annotated: not scored
	if rep.EventFiles != 1 {
		t.Errorf("EventFiles = %d, want 1", rep.EventFiles)
	}
}
