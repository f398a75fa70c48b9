package tag

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// eventCase is one case of testdata/events/cases.json: an article, the
// cut-event links it must yield (in text order, offsets aside) and,
// when given, its headline cut.
type eventCase struct {
	Name     string       `json:"name"`
	Text     string       `json:"text"`
	Want     []CutLink    `json:"want"`
	Headline *HeadlineCut `json:"headline"`
}

func TestEvents(t *testing.T) {
	raw, err := os.ReadFile("testdata/events/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []eventCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	tg := newTagger(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			ents, err := tg.Tag(c.Text)
			if err != nil {
				t.Fatal(err)
			}
			evs := Events(c.Text, ents)
			got := make([]CutLink, len(evs))
			for i, e := range evs {
				got[i] = e.CutLink
				n := e.Jobs + e.AmountGBP
				// the offsets are those of an entity of the number
				if !slices.ContainsFunc(ents, func(x Entity) bool { return x.Start == e.Start && x.End == e.End && x.Number == n }) {
					t.Errorf("event %+v: offsets [%d,%d) are not an entity of its number", e.CutLink, e.Start, e.End)
				}
			}
			if !slices.Equal(got, c.Want) {
				t.Errorf("Events:\n got  %+v\n want %+v\nentities %+v", got, c.Want, ents)
			}
			if c.Headline != nil {
				if h := Headline(evs, MainTrust(c.Text, ents)); h != *c.Headline {
					t.Errorf("Headline = %+v, want %+v", h, *c.Headline)
				}
			}
		})
	}
}

// TestHeadlineRotherham is issue 16's example: the Rotherham seed's
// headline cut is its trust's 750 jobs and £50m savings, not the national
// £20bn that is its largest number.
func TestHeadlineRotherham(t *testing.T) {
	b, err := os.ReadFile("../../seeds/001_605bd6b5c84727b1.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	ents, err := newTagger(t).Tag(text)
	if err != nil {
		t.Fatal(err)
	}
	main := MainTrust(text, ents)
	if main != "Rotherham NHS Foundation Trust" {
		t.Fatalf("MainTrust = %q", main)
	}
	want := HeadlineCut{Trust: main, Jobs: 750, AmountGBP: 50_000_000}
	evs := Events(text, ents)
	if h := Headline(evs, main); h != want {
		t.Errorf("Headline = %+v, want %+v", h, want)
	}
	// What it cuts at its main trust is its headline, and the national
	// £20bn or staff totals add nothing.
	per, total := TrustCuts(evs)
	if i := slices.IndexFunc(per, func(t TrustCut) bool { return t.Trust == main }); i < 0 || per[i].Jobs != want.Jobs || per[i].SavingsGBP != want.AmountGBP || total.Jobs < want.Jobs {
		t.Errorf("TrustCuts = %v, %+v; want %s with %d jobs and £%d", per, total, main, want.Jobs, want.AmountGBP)
	}
	t.Logf("cuts: %v, total %+v", per, total)
}

func TestHeadlineChoice(t *testing.T) {
	const a, b = "A NHS Trust", "B NHS Trust"
	ev := func(trust string, jobs, gbp int64, k EventKind) CutEvent {
		return CutEvent{CutLink: CutLink{Trust: trust, Jobs: jobs, AmountGBP: gbp, Kind: k}}
	}
	for _, c := range []struct {
		name string
		evs  []CutEvent
		main string
		want HeadlineCut
	}{
		{"largest cut and savings of the main trust", []CutEvent{ev(a, 100, 0, EventCut), ev(a, 300, 0, EventCut), ev(b, 900, 0, EventCut),
			ev(a, 0, 5e6, EventSavings), ev(a, 0, 9e6, EventDeficit), ev("", 0, 2e10, EventSavings)}, a, HeadlineCut{a, 300, 5e6}},
		{"deficit when no savings; other jobs and budgets never", []CutEvent{ev(a, 7000, 0, EventOther), ev(a, 0, 6e8, EventBudget),
			ev(a, 0, 9e6, EventDeficit)}, a, HeadlineCut{Trust: a, AmountGBP: 9e6}},
		{"no main trust", []CutEvent{ev("", 50, 0, EventCut)}, "", HeadlineCut{}},
	} {
		if h := Headline(c.evs, c.main); h != c.want {
			t.Errorf("%s: Headline = %+v, want %+v", c.name, h, c.want)
		}
	}
}

func TestMainTrust(t *testing.T) {
	const a, b = "A NHS Trust", "B NHS Trust"
	ent := func(v string, start int) Entity { return Entity{Type: Trust, Value: v, Start: start, End: start + 1} }
	text := "lead\n\n" + strings.Repeat("x", 100)
	for _, c := range []struct {
		name string
		ents []Entity
		want string
	}{
		{"most mentioned", []Entity{ent(a, 10), ent(b, 20), ent(b, 30)}, b},
		{"a lead mention counts twice", []Entity{ent(a, 0), ent(b, 20), ent(b, 30)}, a},
		{"a tie goes to the first", []Entity{ent(b, 10), ent(a, 20)}, b},
		{"none", []Entity{{Type: Place, Value: "Leeds", Start: 1, End: 2}}, ""},
	} {
		if got := MainTrust(text, c.ents); got != c.want {
			t.Errorf("%s: MainTrust = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEventCuesLoad(t *testing.T) {
	cd, err := eventCues()
	if err != nil {
		t.Fatal(err)
	}
	if len(cd.backrefs) == 0 {
		t.Error("no backrefs in data/events.tsv")
	}
	for _, k := range []EventKind{EventCut, EventOther} {
		if !ValidEventKind(true, k) {
			t.Errorf("ValidEventKind(jobs, %s) = false", k)
		}
	}
	if ValidEventKind(true, EventSavings) || ValidEventKind(false, EventCut) {
		t.Error("ValidEventKind accepts a kind of the other type")
	}
}

func TestTrustCuts(t *testing.T) {
	const a, b, c = "A NHS Trust", "B NHS Trust", "C NHS Trust"
	ev := func(trust string, jobs, gbp int64, k EventKind) CutEvent {
		return CutEvent{CutLink: CutLink{Trust: trust, Jobs: jobs, AmountGBP: gbp, Kind: k}}
	}
	for _, tc := range []struct {
		name  string
		evs   []CutEvent
		per   []TrustCut
		total TrustCut
	}{
		{"none", nil, nil, TrustCut{}},
		{"largest cut and savings per trust, trusts in order, summed", []CutEvent{ev(c, 40, 0, EventCut), ev(a, 300, 0, EventCut), ev(a, 120, 0, EventCut),
			ev(b, 90, 0, EventCut), ev(a, 0, 5e6, EventSavings), ev(a, 0, 2e6, EventSavings), ev(c, 0, 1e6, EventSavings)},
			[]TrustCut{{a, 300, 5e6}, {b, 90, 0}, {c, 40, 1e6}}, TrustCut{Jobs: 430, SavingsGBP: 6e6}},
		{"national, other jobs, deficits and budgets count for none", []CutEvent{ev("", 5000, 0, EventCut), ev("", 0, 2e10, EventSavings), ev(a, 7000, 0, EventOther),
			ev(a, 0, 6e8, EventBudget), ev(a, 0, 9e6, EventDeficit), ev(b, 25, 0, EventCut)},
			[]TrustCut{{b, 25, 0}}, TrustCut{Jobs: 25}},
	} {
		per, total := TrustCuts(tc.evs)
		if !slices.Equal(per, tc.per) || total != tc.total {
			t.Errorf("%s: TrustCuts = %v, %+v; want %v, %+v", tc.name, per, total, tc.per, tc.total)
		}
	}
}
