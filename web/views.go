package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
)

// The views below are what the templates see: everything a page shows,
// already formatted, with every link already built, so that the templates
// hold no logic beyond loops and conditions.

// searchView is the data of the search page.
type searchView struct {
	Title  string
	Q      string
	Error  string // the request parser's message, for a malformed request
	Failed bool   // Error is set: there are no results to show

	Total    string // number of hits, formatted
	Took     string // search time, formatted
	From, To int    // 1-based positions of the first and last hit shown
	Hits     []hitView
	Terms    []termFacetView
	Ranges   []rangeFacetView
	Active   []activeFilter
	ClearURL string
	Hidden   []hiddenInput // state the form must carry that no control shows
	Sorts    []sortOption
	Pages    []pageLink
	Prev     string // URL of the previous page, "" on the first
	Next     string // URL of the next page, "" on the last
}

// hitView is one result.
type hitView struct {
	URL     string
	Title   string
	Snippet template.HTML
	Trusts  []chip
	Unions  []chip
	Amount  string // the largest amount, formatted, or ""
	Jobs    string // the largest job count, formatted, or ""
}

// chip is a small labelled link.
type chip struct {
	Label string
	URL   string
}

// termFacetView is one keyword facet of the sidebar. Top is shown at once;
// More is behind a "show more" disclosure.
type termFacetView struct {
	Field   string
	Heading string
	Top     []facetValue
	More    []facetValue
	AllURL  string // asks for more values per facet, when there may be more
}

// facetValue is one checkbox of a keyword facet.
type facetValue struct {
	ID      string // of the checkbox, for its label
	Field   string // the checkbox's name: the facet's URL parameter
	Value   string
	Count   string // "" when unknown (a filter value outside the top values)
	Checked bool
}

// rangeFacetView is the bucket list of a numeric facet.
type rangeFacetView struct {
	Field   string
	Heading string
	Buckets []bucketView
}

// bucketView is one range bucket: a link that selects it, or clears it
// when it is the active range.
type bucketView struct {
	Label  string
	Count  int
	Active bool
	URL    string
}

// activeFilter is a removable chip for one filter in force.
type activeFilter struct {
	Kind      string
	Value     string
	RemoveURL string
}

// hiddenInput carries one URL parameter through the search form.
type hiddenInput struct{ Name, Value string }

// sortOption is one choice of the sort select.
type sortOption struct {
	Value    string
	Label    string
	Selected bool
}

// pageLink is one numbered link of the pager; Gap marks an ellipsis.
type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// facetTop is how many values of a facet show before "show more".
const facetTop = 5

// facetMore is the facet size a "show all" link asks for.
const facetMore = 50

// sortChoices are the orders offered in the sort select.
var sortChoices = []sortOption{
	{Value: search.SortRelevance, Label: "Relevance"},
	{Value: search.SortAmountDesc, Label: "Largest amount"},
	{Value: search.SortAmount, Label: "Smallest amount"},
	{Value: search.SortJobsDesc, Label: "Most jobs"},
	{Value: search.SortJobs, Label: "Fewest jobs"},
}

func newSearchView(req search.Request, res *search.Result) *searchView {
	v := &searchView{
		Title: "Search",
		Q:     req.Q,
		Total: formatCount(res.Total),
		Took:  formatTook(res.TookMS),
	}
	if req.Q != "" {
		v.Title = req.Q
	}
	v.Sorts = sortOptions(req.Sort)
	v.Hidden = hiddenState(req)
	v.ClearURL = searchURL(search.Request{Q: req.Q, Sort: req.Sort, Size: req.Size, FacetSize: req.FacetSize})

	for _, h := range res.Hits {
		v.Hits = append(v.Hits, newHitView(req, h))
	}
	if len(res.Hits) > 0 {
		v.From, v.To = req.From+1, req.From+len(res.Hits)
	}
	for _, f := range index.KeywordFields {
		if tf, ok := newTermFacetView(req, f, res.Facets.Terms(f)); ok {
			v.Terms = append(v.Terms, tf)
		}
	}
	v.Ranges = []rangeFacetView{
		newRangeFacetView(req, index.FieldAmount, res.Facets.Amount),
		newRangeFacetView(req, index.FieldJobs, res.Facets.Jobs),
	}
	v.Active = activeFilters(req)
	v.Prev, v.Next, v.Pages = pager(req, res.Total)
	return v
}

// badSearchView is the search page for a request the parser rejected: the
// search box keeps its text, the message shows beside it, and the form
// carries the other parameters unchanged except the one at fault, so that
// fixing the query keeps the filters.
func badSearchView(raw url.Values, br *search.BadRequestError) *searchView {
	v := &searchView{Title: "Search", Q: raw.Get("q"), Error: br.Error(), Failed: true, ClearURL: "/"}
	v.Sorts = sortOptions(raw.Get("sort"))
	carry := append(slices.Clone(index.KeywordFields), "amount_min", "amount_max", "jobs_min", "jobs_max", "size", "facet_size")
	for _, name := range carry {
		if name == br.Param {
			continue
		}
		for _, val := range raw[name] {
			if val != "" {
				v.Hidden = append(v.Hidden, hiddenInput{name, val})
			}
		}
	}
	if br.Param == "sort" {
		v.Sorts = sortOptions("")
	}
	return v
}

func formatTook(ms float64) string {
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
}

func sortOptions(cur string) []sortOption {
	if cur == "" {
		cur = search.SortRelevance
	}
	opts := slices.Clone(sortChoices)
	found := false
	for i := range opts {
		if opts[i].Value == cur {
			opts[i].Selected, found = true, true
		}
	}
	if !found && slices.Contains(search.SortKeys, cur) {
		opts = append(opts, sortOption{Value: cur, Label: cur, Selected: true})
	}
	return opts
}

// hiddenState lists the parameters that the form's visible controls do not
// carry: the numeric ranges and non-default sizes. (The query, the keyword
// filters and the sort have their own controls; the page offset is dropped
// on purpose, since a new search starts at the first page.)
func hiddenState(req search.Request) []hiddenInput {
	var h []hiddenInput
	v := requestValues(search.Request{Amount: req.Amount, Jobs: req.Jobs, Size: req.Size, FacetSize: req.FacetSize})
	for _, name := range []string{"amount_min", "amount_max", "jobs_min", "jobs_max", "size", "facet_size"} {
		if val := v.Get(name); val != "" {
			h = append(h, hiddenInput{name, val})
		}
	}
	return h
}

func newHitView(req search.Request, h search.Hit) hitView {
	hv := hitView{URL: articleURL(h.ID), Title: h.Title, Snippet: safeSnippet(h.Snippet)}
	if hv.Title == "" {
		hv.Title = h.ID
	}
	for _, t := range h.Trusts {
		hv.Trusts = append(hv.Trusts, chip{Label: t, URL: addFilterURL(req, index.FieldTrust, t)})
	}
	for _, u := range h.Unions {
		hv.Unions = append(hv.Unions, chip{Label: u, URL: addFilterURL(req, index.FieldUnion, u)})
	}
	if m, ok := maxOf(h.AmountsGBP); ok {
		hv.Amount = formatGBP(m)
	}
	if m, ok := maxOf(h.Jobs); ok {
		hv.Jobs = formatJobs(m)
	}
	return hv
}

// addFilterURL is the page filtered by one more value; if the value is
// already a filter, the page as it is.
func addFilterURL(req search.Request, field, value string) string {
	return edit(req, func(r *search.Request) {
		if !hasFilter(*r, field, value) {
			toggleFilter(r, field, value)
		}
	})
}

func newTermFacetView(req search.Request, field string, counts []search.TermCount) (termFacetView, bool) {
	tf := termFacetView{Field: field, Heading: kindPlural(field)}
	type entry struct{ value, count string }
	var entries []entry
	inCounts := map[string]bool{}
	for _, c := range counts {
		inCounts[c.Value] = true
	}
	// A value filtered on but outside the top values still gets its
	// (ticked) box, first, so that it shows and can be removed.
	for _, val := range req.Filters[field] {
		if val != "" && !inCounts[val] {
			inCounts[val] = true
			entries = append(entries, entry{val, ""})
		}
	}
	for _, c := range counts {
		entries = append(entries, entry{c.Value, strconv.Itoa(c.Count)})
	}
	vals := make([]facetValue, len(entries))
	for i, e := range entries {
		vals[i] = facetValue{
			ID:      fmt.Sprintf("f-%s-%d", field, i),
			Field:   field,
			Value:   e.value,
			Count:   e.count,
			Checked: hasFilter(req, field, e.value),
		}
	}
	if len(vals) == 0 {
		return tf, false
	}
	// Ticked values always show; the rest fill the top up to facetTop.
	for _, fv := range vals {
		if fv.Checked || len(tf.Top) < facetTop {
			tf.Top = append(tf.Top, fv)
		} else {
			tf.More = append(tf.More, fv)
		}
	}
	if len(counts) >= req.FacetSize && req.FacetSize < facetMore {
		tf.AllURL = searchURL(func() search.Request { c := cloneRequest(req); c.FacetSize = facetMore; return c }())
	}
	return tf, true
}

func newRangeFacetView(req search.Request, field string, counts []search.RangeCount) rangeFacetView {
	rf := rangeFacetView{Field: field, Heading: kindPlural(field)}
	cur := *rangeOf(&req, field)
	for _, b := range counts {
		active := sameBound(cur.Min, b.Min) && sameBound(cur.Max, b.Max) && cur.Active()
		if b.Count == 0 && !active {
			continue
		}
		bv := bucketView{Label: b.Label, Count: b.Count, Active: active}
		bv.URL = edit(req, func(r *search.Request) {
			rg := rangeOf(r, field)
			*rg = search.Range{}
			if !active {
				rg.Min, rg.Max = toFloat(b.Min), toFloat(b.Max)
			}
		})
		if field == index.FieldJobs {
			bv.Label += " jobs"
		}
		rf.Buckets = append(rf.Buckets, bv)
	}
	return rf
}

func sameBound(f *float64, i *int64) bool {
	if f == nil || i == nil {
		return f == nil && i == nil
	}
	return *f == float64(*i)
}

func toFloat(i *int64) *float64 {
	if i == nil {
		return nil
	}
	f := float64(*i)
	return &f
}

// activeFilters lists a chip for each filter in force, each linking to the
// page without it.
func activeFilters(req search.Request) []activeFilter {
	var out []activeFilter
	for _, f := range index.KeywordFields {
		for _, val := range req.Filters[f] {
			if val == "" {
				continue
			}
			out = append(out, activeFilter{
				Kind:      kindLabel(f),
				Value:     val,
				RemoveURL: edit(req, func(r *search.Request) { toggleFilter(r, f, val) }),
			})
		}
	}
	for _, f := range index.NumericFields {
		rg := *rangeOf(&req, f)
		if !rg.Active() {
			continue
		}
		out = append(out, activeFilter{
			Kind:      kindLabel(f),
			Value:     formatRange(rg.Min, rg.Max, f == index.FieldAmount),
			RemoveURL: edit(req, func(r *search.Request) { *rangeOf(r, f) = search.Range{} }),
		})
	}
	return out
}

// pagerWindow is how many page numbers show on each side of the current.
const pagerWindow = 2

// pager returns the previous and next page URLs and the numbered links.
func pager(req search.Request, total uint64) (prev, next string, pages []pageLink) {
	size := req.Size
	if size <= 0 {
		size = search.DefaultSize
	}
	// Pages beyond the deepest offset the API allows are not offered.
	last := min(int((total+uint64(size)-1)/uint64(size)), search.MaxFrom/size+1)
	if last <= 1 && req.From == 0 {
		return "", "", nil
	}
	cur := req.From/size + 1
	at := func(page int) string {
		c := cloneRequest(req)
		c.From = (page - 1) * size
		return searchURL(c)
	}
	if req.From > 0 {
		c := cloneRequest(req)
		c.From = max(0, req.From-size)
		prev = searchURL(c)
	}
	if n := req.From + size; uint64(n) < total && n <= search.MaxFrom {
		c := cloneRequest(req)
		c.From = n
		next = searchURL(c)
	}
	for p := 1; p <= last; p++ {
		switch {
		case p == 1 || p == last || (p >= cur-pagerWindow && p <= cur+pagerWindow):
			pages = append(pages, pageLink{Number: p, URL: at(p), Current: p == cur && req.From%size == 0})
		case len(pages) > 0 && !pages[len(pages)-1].Gap:
			pages = append(pages, pageLink{Gap: true})
		}
	}
	return prev, next, pages
}

// articleView is the data of the article page.
type articleView struct {
	Title      string
	SourceURL  string // the original's address, only if http(s)
	SourceHost string
	Published  string
	Paragraphs []paragraph
	Groups     []entityGroup
	Legend     []legendItem
}

// entityGroup lists an article's distinct entities of one type.
type entityGroup struct {
	Kind    string
	Heading string
	Items   []entityItem
}

// entityItem is one distinct entity with its number of mentions.
type entityItem struct {
	Label    string
	Mentions int
	URL      string
}

// legendItem names the colour of one entity type.
type legendItem struct {
	Kind  string
	Label string
}

func newArticleView(a *search.Article) *articleView {
	v := &articleView{Title: a.Title, Paragraphs: highlight(a.Text, a.Entities)}
	if v.Title == "" {
		v.Title = a.ID
	}
	if u, err := url.Parse(a.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		v.SourceURL, v.SourceHost = u.String(), strings.TrimPrefix(u.Hostname(), "www.")
	}
	if a.Published != nil {
		v.Published = a.Published.Format("2 January 2006")
	}
	for _, k := range tag.Kinds {
		kind := string(k)
		counts := map[string]int{}
		var order []string
		for _, e := range a.Entities {
			if e.Type != k {
				continue
			}
			if counts[e.Value] == 0 {
				order = append(order, e.Value)
			}
			counts[e.Value]++
		}
		if len(order) == 0 {
			continue
		}
		g := entityGroup{Kind: kind, Heading: kindPlural(kind)}
		for _, val := range order {
			href := entityURL(kind, val)
			if href == "" {
				continue
			}
			g.Items = append(g.Items, entityItem{Label: entityDisplay(kind, val), Mentions: counts[val], URL: href})
		}
		// Most mentioned first; ties in order of first mention.
		slices.SortStableFunc(g.Items, func(x, y entityItem) int { return cmp.Compare(y.Mentions, x.Mentions) })
		v.Groups = append(v.Groups, g)
		v.Legend = append(v.Legend, legendItem{Kind: kind, Label: kindLabel(kind)})
	}
	return v
}
