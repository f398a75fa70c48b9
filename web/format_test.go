package web

import (
	"html/template"
	"strconv"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

func TestFormatGBP(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "£0"},
		{950, "£950"},
		{500_000, "£500,000"},
		{999_999, "£999,999"},
		{1_000_000, "£1m"},
		{6_500_000, "£6.5m"},
		{1_250_000, "£1.25m"},
		{55_000_000, "£55m"},
		{109_000_000, "£109m"},
		{999_999_999, "£1bn"}, // rounds to £1,000m, written in the larger unit
		{999_994_999, "£999.99m"},
		{20_000_000_000, "£20bn"},
		{1_500_000_000, "£1.5bn"},
		{1_200_000_000_000, "£1,200bn"},
		{-2_000_000, "-£2m"},
	}
	for _, tt := range tests {
		if got := formatGBP(tt.in); got != tt.want {
			t.Errorf("formatGBP(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatJobsAndRanges(t *testing.T) {
	for in, want := range map[int64]string{1: "1 job", 0: "0 jobs", 750: "750 jobs", 1200: "1,200 jobs", 1_000_000: "1,000,000 jobs"} {
		if got := formatJobs(in); got != want {
			t.Errorf("formatJobs(%d) = %q, want %q", in, got, want)
		}
	}
	f := func(v float64) *float64 { return &v }
	amount, _ := schema.Default.Lookup("amount")
	jobs, _ := schema.Default.Lookup("jobs")
	tests := []struct {
		min, max *float64
		money    bool
		want     string
	}{
		{f(55e6), f(55e6), true, "£55m"},
		{f(1e6), f(9_999_999), true, "£1m–£10m"},
		{f(1e9), nil, true, "£1bn or more"},
		{nil, f(49), false, "up to 49 jobs"},
		{f(750), f(750), false, "750 jobs"},
		{f(100), f(249), false, "100–249 jobs"},
	}
	for _, tt := range tests {
		k := jobs
		if tt.money {
			k = amount
		}
		if got := formatRange(tt.min, tt.max, k); got != tt.want {
			t.Errorf("formatRange(%v, %v, %v) = %q, want %q", tt.min, tt.max, tt.money, got, tt.want)
		}
	}
}

func TestSafeSnippet(t *testing.T) {
	tests := []struct {
		in   string
		want template.HTML
	}{
		// What the search layer gives: escaped text and <mark>.
		{`avoid <mark>redundancies</mark> &#34;now&#34; &amp; later`, `avoid <mark>redundancies</mark> &#34;now&#34; &amp; later`},
		// Raw markup that slipped through is escaped, not passed on.
		{`<script>alert(1)</script><mark>x</mark>`, `&lt;script&gt;alert(1)&lt;/script&gt;<mark>x</mark>`},
		{`<img src=x onerror=alert(2)>`, `&lt;img src=x onerror=alert(2)&gt;`},
		{`<mark onclick="x">a</mark>`, `&lt;mark onclick=&#34;x&#34;&gt;a`},
		// Unbalanced or nested marks cannot leave an element open.
		{`<mark>a<mark>b</mark></mark>c</mark>`, `<mark>ab</mark>c`},
		{`<mark>open`, `<mark>open</mark>`},
		{`a < b > c`, `a &lt; b &gt; c`},
		{``, ``},
	}
	for _, tt := range tests {
		if got := safeSnippet(tt.in); got != tt.want {
			t.Errorf("safeSnippet(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Whatever the input, the only tags left are <mark> and </mark>.
		rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(string(safeSnippet(tt.in)))
		if strings.ContainsAny(rest, `<>"'`) {
			t.Errorf("safeSnippet(%q) leaves markup: %q", tt.in, rest)
		}
	}
}

func TestHighlight(t *testing.T) {
	text := "Unison said Rotherham NHS Foundation Trust will cut 750 jobs.\n\nMr James <b>agreed</b>."
	ent := func(kind tag.Kind, value string, start int, mention string) tag.Entity {
		return tag.Entity{Type: kind, Value: value, Text: mention, Start: start, End: start + len(mention)}
	}
	trustAt := strings.Index(text, "Rotherham")
	ents := []tag.Entity{
		ent(tag.Jobs, "750", strings.Index(text, "750"), "750"),
		ent(tag.Union, "Unison", 0, "Unison"),
		ent(tag.Trust, "Rotherham NHS Foundation Trust", trustAt, "Rotherham NHS Foundation Trust"),
		// Overlaps the trust: skipped.
		ent(tag.Place, "Rotherham", trustAt, "Rotherham"),
		ent(tag.Person, "NHS", trustAt+10, "NHS"),
		// Offsets that do not match the text, or out of range: skipped.
		ent(tag.Person, "Brian James", 5, "Brian James"),
		{Type: tag.Person, Value: "X", Text: "X", Start: len(text) - 1, End: len(text) + 5},
		{Type: tag.Person, Value: "X", Text: "", Start: 10, End: 10},
		{Type: "colour", Value: "red", Text: "said", Start: 7, End: 11},
		ent(tag.Person, "Brian James", strings.Index(text, "James"), "James"),
	}
	got := highlight(schema.Default, text, ents)
	type seg struct{ text, kind, href string }
	var flat [][]seg
	for _, p := range got {
		var ss []seg
		for _, s := range p {
			ss = append(ss, seg{s.Text, s.Kind, s.Href})
		}
		flat = append(flat, ss)
	}
	want := [][]seg{
		{
			{"Unison", "union", "/?union=Unison"},
			{" said ", "", ""},
			{"Rotherham NHS Foundation Trust", "trust", "/?trust=Rotherham+NHS+Foundation+Trust"},
			{" will cut ", "", ""},
			{"750", "jobs", "/?jobs_max=750&jobs_min=750"},
			{" jobs.", "", ""},
		},
		{
			{"Mr ", "", ""},
			{"James", "person", "/?person=Brian+James"},
			{" <b>agreed</b>.", "", ""},
		},
	}
	if len(flat) != len(want) {
		t.Fatalf("highlight: %d paragraphs %q, want %d", len(flat), flat, len(want))
	}
	for i := range want {
		if len(flat[i]) != len(want[i]) {
			t.Errorf("paragraph %d: %q, want %q", i, flat[i], want[i])
			continue
		}
		for j := range want[i] {
			if flat[i][j] != want[i][j] {
				t.Errorf("paragraph %d segment %d: %q, want %q", i, j, flat[i][j], want[i][j])
			}
		}
	}
	// The segments put back together are the text, minus paragraph breaks.
	var joined strings.Builder
	for i, p := range got {
		if i > 0 {
			joined.WriteString("\n\n")
		}
		for _, s := range p {
			joined.WriteString(s.Text)
		}
	}
	if joined.String() != text {
		t.Errorf("segments join to %q, want the text %q", joined.String(), text)
	}
	// A multi-byte character is never split.
	if p := highlight(schema.Default, "£5m cut", []tag.Entity{{Type: tag.Amount, Value: "5000000", Text: "\xa35m", Start: 1, End: 4}}); len(p) != 1 || len(p[0]) != 1 || p[0][0].Kind != "" {
		t.Errorf("entity starting inside a character: %+v", p)
	}
}

func TestSearchURLs(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	req := api.Request{
		Q:       "job cuts",
		Filters: map[string][]string{"union": {"Unison", "Unison", ""}, "trust": {"A & B Trust"}},
		Ranges:  map[string]api.Range{"amount": {Min: f(1e6), Max: f(9999999)}},
		Sort:    "-jobs", From: 20, Size: 10, FacetSize: 10,
	}
	if got, want := searchURL(schema.Default, req), "/?q=job+cuts&trust=A+%26+B+Trust&union=Unison&amount_min=1000000&amount_max=9999999&sort=-jobs&from=20"; got != want {
		t.Errorf("searchURL = %q, want %q", got, want)
	}
	// Each edit starts again at the first page and leaves the original alone.
	if got, want := edit(schema.Default, req, func(r *api.Request) { toggleFilter(r, "union", "Unison") }), "/?q=job+cuts&trust=A+%26+B+Trust&amount_min=1000000&amount_max=9999999&sort=-jobs"; got != want {
		t.Errorf("remove Unison = %q, want %q", got, want)
	}
	if got, want := edit(schema.Default, req, func(r *api.Request) { toggleFilter(r, "person", "Pam Johnson") }), "/?q=job+cuts&trust=A+%26+B+Trust&union=Unison&person=Pam+Johnson&amount_min=1000000&amount_max=9999999&sort=-jobs"; got != want {
		t.Errorf("add person = %q, want %q", got, want)
	}
	if len(req.Filters["union"]) != 3 || req.Filters["person"] != nil || req.From != 20 {
		t.Errorf("edit changed the original request: %+v", req)
	}
	if got := searchURL(schema.Default, api.Request{Size: 10, FacetSize: 10, Sort: api.SortRelevance}); got != "/" {
		t.Errorf("default request URL = %q, want /", got)
	}
	for kind, want := range map[string]string{
		"trust":    "/?trust=Rotherham+NHS+Foundation+Trust",
		"amount":   "/?amount_max=55000000&amount_min=55000000",
		"jobs":     "/?jobs_max=750&jobs_min=750",
		"colour":   "",
		"hospital": "/?hospital=Rotherham+NHS+Foundation+Trust",
	} {
		value := "Rotherham NHS Foundation Trust"
		switch kind {
		case "amount":
			value = "55000000"
		case "jobs":
			value = "750"
		}
		if got := entityURL(schema.Default, kind, value); got != want {
			t.Errorf("entityURL(%s, %s) = %q, want %q", kind, value, got, want)
		}
	}
	if got := entityURL(schema.Default, "amount", "lots"); got != "" {
		t.Errorf("entityURL of a non-numeric amount = %q, want empty", got)
	}
}

func TestPager(t *testing.T) {
	tests := []struct {
		from, size int
		total      uint64
		prev, next string
		pages      string // numbers, * for current, … for a gap
	}{
		{0, 10, 5, "", "", ""},
		{0, 10, 25, "", "/?from=10", "*1 2 3"},
		{10, 10, 25, "/", "/?from=20", "1 *2 3"},
		{20, 10, 25, "/?from=10", "", "1 2 *3"},
		{50, 10, 200, "/?from=40", "/?from=60", "1 … 4 5 *6 7 8 … 20"},
		{15, 10, 35, "/?from=5", "/?from=25", "1 2 3 4"}, // an offset between pages: no current page
	}
	for _, tt := range tests {
		prev, next, pages := pager(schema.Default, api.Request{From: tt.from, Size: tt.size}, tt.total)
		var s []string
		for _, p := range pages {
			switch {
			case p.Gap:
				s = append(s, "…")
			case p.Current:
				s = append(s, "*"+strconv.Itoa(p.Number))
			default:
				s = append(s, strconv.Itoa(p.Number))
			}
		}
		if prev != tt.prev || next != tt.next || strings.Join(s, " ") != tt.pages {
			t.Errorf("pager(from %d, size %d, total %d) = %q, %q, %q; want %q, %q, %q",
				tt.from, tt.size, tt.total, prev, next, strings.Join(s, " "), tt.prev, tt.next, tt.pages)
		}
	}
	// Pages beyond the API's deepest offset are not offered.
	_, _, pages := pager(schema.Default, api.Request{Size: 10}, 1_000_000)
	if last := pages[len(pages)-1]; last.Number != api.MaxFrom/10+1 {
		t.Errorf("last page offered: %d, want %d", last.Number, api.MaxFrom/10+1)
	}
}
