package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// oldHit is a hit as plain encoding/json wrote it before the schema table:
// the JSON the hand-written MarshalJSON must keep writing.
type oldHit struct {
	ID         string           `json:"id"`
	Title      string           `json:"title"`
	Score      float64          `json:"score"`
	Snippet    string           `json:"snippet"`
	AlsoIn     []AlsoIn         `json:"also_in,omitempty"`
	Published  *time.Time       `json:"published,omitempty"`
	Headline   *tag.HeadlineCut `json:"headline,omitempty"`
	Trusts     []string         `json:"trusts"`
	Unions     []string         `json:"unions"`
	AmountsGBP []int64          `json:"amounts_gbp"`
	Jobs       []int64          `json:"jobs"`
	People     []string         `json:"people"`
	Places     []string         `json:"places"`
	Hospitals  []string         `json:"hospitals"`
}

func encode(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sampleResult is a result as a search returns it, with hostile strings.
func sampleResult() (*Result, []oldHit) {
	res := &Result{Total: 1234, TookMS: 1.25, Histogram: []HistogramBucket{{Start: "2015-01-01", Count: 3, Jobs: 1250, SavingsGBP: 5e7}, {Start: "2015-04-01"}},
		Relaxed: true, Entities: []QueryEntity{{Kind: "union", Value: "Royal College of Nursing", Text: "rcn"}, {Kind: "hospital", Value: `Guy's "&" <Hospital>`, Text: "Guy’s\u2028"}}}
	jobs := int64(1_250)
	var old []oldHit
	for i := range 10 {
		sum := schema.Default.NewSummary()
		sum.AddTerm(tag.Trust, "Guy's & St Thomas' NHS Foundation Trust")
		sum.AddTerm(tag.Union, "Unison")
		sum.AddTerm(tag.Union, `The "Royal" College <of> Nursing`)
		sum.AddNumber(tag.Amount, 20_000_000_000)
		sum.AddNumber(tag.Jobs, int64(750+i))
		sum.AddTerm(tag.Place, "Rotherham\u2028")
		h := Hit{ID: "001_605bd6b5c84727b1", Title: "Unison warns of redundancies\tat Rotherham", Score: 0.123456789 * float64(i+1),
			Snippet: "…the trust plans to cut <mark>750</mark> jobs, \"Unison\" said\x01…", Values: sum}
		for j := range i % 3 {
			url := ""
			if j == 0 {
				url = "https://paper.example/a?b=1&c=<2>"
			}
			h.AlsoIn = append(h.AlsoIn, AlsoIn{ID: "copy\t" + string(rune('a'+j)), Title: `"Quoted" & <b>`, URL: url})
		}
		if i%2 == 0 {
			p := time.Date(2015, 6, 30, 23, 30, i, i*1000, time.UTC)
			h.Published = &p
		}
		// headlines: none, a trust's with no number, with jobs, with both
		switch i % 4 {
		case 1:
			h.Headline = &tag.HeadlineCut{Trust: `Guy's & "St" <Thomas'>` + "\u2028"}
		case 2:
			h.Headline = &tag.HeadlineCut{Trust: "Rotherham NHS Foundation Trust", Jobs: 750}
		case 3:
			h.Headline = &tag.HeadlineCut{Trust: "Rotherham NHS Foundation Trust", Jobs: 750, AmountGBP: 50_000_000}
		}
		res.Hits = append(res.Hits, h)
		old = append(old, oldHit{ID: h.ID, Title: h.Title, Score: h.Score, Snippet: h.Snippet, AlsoIn: h.AlsoIn, Published: h.Published, Headline: h.Headline,
			Trusts: sum.Terms(tag.Trust), Unions: sum.Terms(tag.Union), AmountsGBP: sum.Numbers(tag.Amount), Jobs: sum.Numbers(tag.Jobs),
			People: sum.Terms(tag.Person), Places: sum.Terms(tag.Place), Hospitals: sum.Terms(tag.Hospital)})
	}
	lo, hi := int64(1), int64(49)
	res.Facets = Facets{
		{Name: "trust", Terms: []TermCount{{Value: "Guy's & St Thomas'", Count: 12, Jobs: &jobs}, {Value: "NHS <Fife>", Count: 3}}},
		{Name: "union", Terms: []TermCount{}},
		{Name: "jobs", Ranges: []RangeCount{{Key: "1-49", Label: "1–49", Min: &lo, Max: &hi, Count: 4}, {Key: "ge1000", Label: "1,000 and over", Min: &hi, Count: 0}}},
	}
	return res, old
}

// TestResultJSON checks that the hand-written encodings of hits and facets
// write exactly what encoding/json writes for the old plain structs, and
// that they decode back.
func TestResultJSON(t *testing.T) {
	res, old := sampleResult()
	for i, h := range res.Hits {
		if got, want := encode(t, h), encode(t, old[i]); got != want {
			t.Fatalf("hit %d:\n got %s\nwant %s", i, got, want)
		}
	}
	type oldFacets struct {
		Trust []TermCount  `json:"trust"`
		Union []TermCount  `json:"union"`
		Jobs  []RangeCount `json:"jobs"`
	}
	want := encode(t, oldFacets{Trust: res.Facets[0].Terms, Union: res.Facets[1].Terms, Jobs: res.Facets[2].Ranges})
	if got := encode(t, res.Facets); got != want {
		t.Fatalf("facets:\n got %s\nwant %s", got, want)
	}
	var back Result
	if err := json.Unmarshal([]byte(encode(t, res)), &back); err != nil {
		t.Fatal(err)
	}
	if got, want := encode(t, &back), encode(t, res); got != want {
		t.Errorf("after a round trip:\n got %s\nwant %s", got, want)
	}
	// The fast path web uses writes the same bytes.
	if got, want := string(res.AppendJSON(nil))+"\n", encode(t, res); got != want {
		t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
	}
	plain := struct {
		Total     uint64            `json:"total"`
		TookMS    float64           `json:"took_ms"`
		Hits      []oldHit          `json:"hits"`
		Facets    Facets            `json:"facets"`
		Histogram []HistogramBucket `json:"histogram,omitzero"`
		Relaxed   bool              `json:"relaxed,omitempty"`
		Entities  []QueryEntity     `json:"entities,omitempty"`
	}{res.Total, res.TookMS, old, res.Facets, res.Histogram, res.Relaxed, res.Entities}
	if got, want := encode(t, res), encode(t, plain); got != want {
		t.Errorf("result:\n got %s\nwant %s", got, want)
	}
}

// BenchmarkResultJSON encodes a search result of ten hits and three
// facets as the API does, and the same data in the old plain structs.
func BenchmarkResultJSON(b *testing.B) {
	res, old := sampleResult()
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 8<<10)
		for b.Loop() {
			buf = res.AppendJSON(buf[:0])
		}
	})
	for _, c := range []struct {
		name string
		v    any
	}{
		{"schema through encoding/json", res},
		{"plain structs", struct {
			Total  uint64   `json:"total"`
			TookMS float64  `json:"took_ms"`
			Hits   []oldHit `json:"hits"`
			Facets Facets   `json:"facets"`
		}{res.Total, res.TookMS, old, res.Facets}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(c.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
