package search

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// simpleArts are articles made for the simple syntax's cases: words that
// are one or two typos from each other, colons, times, names and aliases.
var simpleArts = []api.Article{
	{ID: "s1", Title: "Union warns on cuts", Text: "The union said 200 jobs at Rotherham would go by 11:30 on Friday. NHS cuts were agreed.", Published: day(2024, 3, 5)},
	{ID: "s2", Title: "Unison ballot", Text: "Unison members at Barnsley will vote on compulsory redundancies. Jobs: 150 posts.", Published: day(2023, 6, 1)},
	{ID: "s3", Title: "Nurses protest", Text: "The Royal College of Nursing said 900 posts would go. A saving of £2.5m is planned.", Published: day(2024, 11, 20)},
	{ID: "s4", Title: "Midwives", Text: "Midwives at Guy's Hospital in London met managers about redundancy.", Published: day(2022, 1, 15)},
	{ID: "s5", Title: "Zebra crossing", Text: "A zebra crossing near the hospital in Dewsbury was repainted.", Published: day(2021, 7, 7)},
	{ID: "s6", Title: "Dewsbury cuts", Text: "Dewsbury and District Hospital will lose 40 beds and £1.2bn of funding went elsewhere."},
}

// TestSimpleQueries checks the search box's language, each case of issue
// 17 (which bleve's query string got wrong): every word required, AND, OR,
// NOT and -word, typographic quotes, colons that are text, known and
// unknown fields, typo tolerance (none under 5 letters, never in numbers),
// entity names and aliases, and the labelled fallback to partial matches.
func TestSimpleQueries(t *testing.T) {
	s, _ := liveBatch(t, simpleArts)
	for _, tt := range []struct {
		q       string
		noRelax bool
		want    []string // ids, sorted
		relaxed bool
	}{
		// Every word is required; the fallback shows any-word matches,
		// labelled, and explicit operators are understood.
		{q: "Dewsbury zebra", want: []string{"s5"}},
		{q: "Barnsley zebra", want: []string{"s2", "s5"}, relaxed: true},
		{q: "Barnsley zebra", noRelax: true},
		{q: "Dewsbury AND Barnsley"}, // AND asks for both: no fallback
		{q: "Barnsley OR zebra", want: []string{"s2", "s5"}},
		{q: "(Barnsley OR Dewsbury) hospital", want: []string{"s5", "s6"}},
		{q: "Dewsbury NOT zebra", want: []string{"s6"}},
		{q: "Dewsbury -zebra", want: []string{"s6"}},
		{q: "-zebra -Dewsbury", want: []string{"s1", "s2", "s3", "s4"}},
		{q: "Dewsbury and the zebra", want: []string{"s5"}}, // lower-case and, stop words: dropped
		// Straight and typographic quotes make phrases.
		{q: `"compulsory redundancies"`, want: []string{"s2"}},
		{q: "“compulsory redundancies”", want: []string{"s2"}},
		{q: "„compulsory redundancies“", want: []string{"s2"}},
		{q: "«compulsory redundancies»", want: []string{"s2"}},
		{q: "‘compulsory redundancies’", want: []string{"s2"}},
		{q: "“redundancies compulsory”"},
		{q: "“compulsory redundancies", want: []string{"s2"}}, // unterminated: to the end
		// A colon is plain text unless it follows a known field.
		{q: "Unison: ballot", want: []string{"s2"}},
		{q: "NHS: cuts", want: []string{"s1"}},
		{q: "11:30", want: []string{"s1"}},
		{q: "jobs: posts", want: []string{"s2"}},
		// Known fields.
		{q: "union:unison", want: []string{"s2"}},
		{q: `union:"royal college of nursing"`, want: []string{"s3"}},
		{q: "union:RCN", want: []string{"s3"}},
		{q: "Union:Unison", want: []string{"s2"}},
		{q: "jobs:>500", want: []string{"s3"}},
		{q: "jobs:>=150 jobs:<=200", want: []string{"s1", "s2"}},
		{q: "jobs:100..160", want: []string{"s2"}},
		{q: "amount:>1m", want: []string{"s3", "s6"}},
		{q: "amount:>=2.5m amount:<1bn", want: []string{"s3"}},
		{q: "amount:£1.2bn", want: []string{"s6"}},
		{q: "published:2024", want: []string{"s1", "s3"}},
		{q: "published:2024-03", want: []string{"s1"}},
		{q: "published:2024-03-05", want: []string{"s1"}},
		{q: "published:<2023", want: []string{"s4", "s5"}},
		{q: "published:2022..2023", want: []string{"s2", "s4"}},
		{q: "place:london", want: []string{"s4"}},
		{q: "-hospital:\"guy's hospital\" midwives"},
		// Typos: one in words of 5 to 8 letters, two beyond, none below
		// 5 letters or in numbers.
		{q: "Rotheram", want: []string{"s1"}},
		{q: "Dewbsury", want: []string{"s5", "s6"}},    // a transposition is one typo
		{q: "Dewsbry cuts", want: []string{"s6"}},      // s1 has cuts, not Dewsbury: strict
		{q: "redundancys", want: []string{"s2", "s4"}}, // 11 letters: 2 typos
		{q: "Barnsly", want: []string{"s2"}},
		{q: "Barsly"}, // two typos in 6 letters
		{q: "zebr"},   // 4 letters: exact only
		{q: "beda"},   // "beds" is one typo away, but 4 letters
		{q: "201"},    // "200" is one typo away, but a number
		{q: "200", want: []string{"s1"}},
		// Entities: aliases and misspellings also find the articles
		// tagged with the entity.
		{q: "RCN", want: []string{"s3"}},
		{q: "rcn posts", want: []string{"s3"}},
		{q: "Unsion", want: []string{"s1", "s2"}}, // Unison's article, and "union" a typo away
		{q: "the Rotherham", want: []string{"s1"}},
		{q: "Guy's", want: []string{"s4"}},
	} {
		name := tt.q
		if tt.noRelax {
			name += " relax=false"
		}
		t.Run(name, func(t *testing.T) {
			res, err := s.Search(context.Background(), api.Request{Q: tt.q, NoRelax: tt.noRelax, Size: api.MaxSize, Facets: []string{api.FacetNone}})
			if err != nil {
				t.Fatal(err)
			}
			got := hitIDs(res)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("finds %v, want %v", got, tt.want)
			}
			if res.Relaxed != tt.relaxed {
				t.Errorf("relaxed = %v, want %v", res.Relaxed, tt.relaxed)
			}
		})
	}
}

// TestSimpleRanking checks that exact matches rank above typo matches and
// partial matches by how many words they have, and that an entity's
// articles rank with the articles that name it in words.
func TestSimpleRanking(t *testing.T) {
	s, _ := liveBatch(t, []api.Article{
		{ID: "exact", Title: "Report", Text: "The Rotheram budget report was published."},
		{ID: "typo", Title: "Report", Text: "The Rotherham budget report was published."},
		{ID: "both", Title: "Nurses", Text: "Nurses and midwives at the hospital."},
		{ID: "one", Title: "Nurses", Text: "Nurses at the clinic, nurses at the surgery, nurses everywhere."},
	})
	top := func(q string) []string {
		t.Helper()
		res, err := s.Search(context.Background(), api.Request{Q: q, Size: api.MaxSize, Facets: []string{api.FacetNone}})
		if err != nil {
			t.Fatal(err)
		}
		return hitIDs(res)
	}
	if got := top("Rotheram"); !slices.Equal(got, []string{"exact", "typo"}) {
		t.Errorf("Rotheram: %v, want the exact match before the one a typo away", got)
	}
	if got := top("Rotherham"); !slices.Equal(got, []string{"typo", "exact"}) {
		t.Errorf("Rotherham: %v, want the exact match before the one a typo away", got)
	}
	if got := top("nurses midwives obstetrics"); len(got) != 2 || got[0] != "both" {
		t.Errorf("relaxed nurses midwives obstetrics: %v, want [both one]", got)
	}
}

// TestSimpleEntities checks the entities a result names, and that an
// alias finds the tagged articles of the seeds ("RCN" finds the articles
// that name the Royal College of Nursing in full).
func TestSimpleEntities(t *testing.T) {
	res := mustSearch(t, api.Request{Q: "RCN", Size: api.MaxSize})
	if got := sorted(hitIDs(res)); !slices.Equal(got, sorted([]string{oxford, northEast})) {
		t.Errorf("RCN finds %v, want the articles tagged with the Royal College of Nursing", got)
	}
	want := []api.QueryEntity{{Kind: "union", Value: "Royal College of Nursing", Text: "RCN"}}
	if !slices.Equal(res.Entities, want) {
		t.Errorf("entities %v, want %v", res.Entities, want)
	}
	res = mustSearch(t, api.Request{Q: "Unsion the Rotherham"})
	want = []api.QueryEntity{{Kind: "union", Value: "Unison", Text: "Unsion"}, {Kind: "trust", Value: "Rotherham NHS Foundation Trust", Text: "the Rotherham"}}
	if !slices.Equal(res.Entities, want) {
		t.Errorf("entities %v, want %v", res.Entities, want)
	}
	if res := mustSearch(t, api.Request{Q: "RCN", Syntax: api.SyntaxBleve}); res.Total != 0 || res.Entities != nil {
		t.Errorf("bleve's syntax: %d hits, entities %v, want exact text only", res.Total, res.Entities)
	}
}

// TestSimpleErrors checks the clear 400s of the simple syntax: an unknown
// field that looks like one names the known fields, and bad values of
// known fields say what they want.
func TestSimpleErrors(t *testing.T) {
	for _, tt := range []struct{ q, msg string }{
		{"unions:Unison", `unknown field "unions"`},
		{"amounts_gbp:>1", `unknown field "amounts_gbp"`},
		{"title:nurses", "syntax=bleve"},
		{"jobs:lots", "jobs: want a number"},
		{"jobs:>1e400", "jobs: want a number"},
		{"amount:>1x", "amount: want a number"},
		{"published:March", "published: want a year"},
		{"published:2024..2020", "published: want a year"},
		{"union:", ""}, // no value: plain text, not an error
		{"(nurses", "missing ')'"},
		{"nurses)", "unbalanced ')'"},
		{strings.Repeat("(", MaxQueryDepth+1) + "a" + strings.Repeat(")", MaxQueryDepth+1), "nested"},
		{strings.Repeat("nurse ", MaxQueryClauses+1), "clauses"},
		{"a* b* c* d* e* f*", "6 wildcard"},
	} {
		t.Run(tt.q[:min(len(tt.q), 40)], func(t *testing.T) {
			_, err := ParseSimple(schema.Default, tt.q)
			switch {
			case tt.msg == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.msg != "" && (err == nil || !api.IsBadRequest(err) || !strings.Contains(err.Error(), tt.msg)):
				t.Errorf("error %v, want a bad request with %q", err, tt.msg)
			}
		})
	}
	_, err := ParseSimple(schema.Default, "unions:Unison")
	for _, f := range SimpleFields(schema.Default) {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name the field %s", err, f)
		}
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
