package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
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
	FeedURL  string // the Atom feed of this search (feedPath)
	// ExportURL downloads every match as CSV (/api/export).
	ExportURL string
	// DateFrom and DateTo are the date inputs' values (YYYY-MM-DD), when
	// the request's bounds are whole days; other bounds go in Hidden.
	DateFrom, DateTo string
	// FromHidden and ToHidden say a bound is an instant carried in Hidden:
	// its date input is then disabled (not sent twice).
	FromHidden, ToHidden bool
	// Charts are the charts above the results (charts.go), nil when there
	// are none (no results); ChartsError says why they are missing when
	// their search failed.
	Charts      *chartsView
	ChartsError string
	// Relaxed says no article has every word of the query: the hits are
	// the best partial matches (api.Result.Relaxed).
	Relaxed bool
	// Suggest offers the entities the query names as filters.
	Suggest []suggestion
}

// hitView is one result.
type hitView struct {
	URL     string
	Title   string
	Snippet template.HTML
	// Published is the publication date to show ("30 June 2015", UTC)
	// and Datetime its machine-readable form; empty when unknown.
	Published, Datetime string
	// Chips show the values of the kinds shown on hits (schema.Kind.OnHit):
	// the largest of each numeric kind first, then every name as a filter
	// link.
	Chips []chip
	// AlsoIn are the other papers' copies of the hit's story.
	AlsoIn []alsoInView
}

// alsoInView is a link to another paper's copy of a story: labelled by
// the host of its URL (the paper), or else its title.
type alsoInView struct {
	URL   string
	Label string
	Title string
}

func alsoInViews(as []api.AlsoIn) []alsoInView {
	var out []alsoInView
	for _, a := range as {
		label := a.Title
		if u, err := url.Parse(a.URL); err == nil && u.Host != "" {
			label = strings.TrimPrefix(u.Hostname(), "www.")
		}
		if label == "" {
			label = a.ID
		}
		out = append(out, alsoInView{URL: articleURL(a.ID), Label: label, Title: a.Title})
	}
	return out
}

// chip is a small label, or a link that filters by its value.
type chip struct {
	Kind  string // the entity kind, for its colour
	Label string
	URL   string // "" for a plain label
	Title string // the link's title, or the screen-reader prefix of a label
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

// sortChoices are the orders offered in the sort select: relevance, then
// each numeric kind largest and smallest first.
func sortChoices(s *schema.Schema) []sortOption {
	opts := []sortOption{{Value: api.SortRelevance, Label: "Relevance"}}
	for _, k := range s.Kinds() {
		if k.Numeric && k.SortDesc != "" {
			opts = append(opts, sortOption{Value: "-" + k.Name(), Label: k.SortDesc}, sortOption{Value: k.Name(), Label: k.SortAsc})
		}
	}
	return opts
}

func newSearchView(s *schema.Schema, req api.Request, res *api.Result) *searchView {
	v := &searchView{
		Title: "Search",
		Q:     req.Q,
		Total: formatCount(res.Total),
		Took:  formatTook(res.TookMS),
	}
	if req.Q != "" {
		v.Title = req.Q
	}
	v.Sorts = sortOptions(s, req.Sort)
	v.FeedURL = feedURL(s, req)
	v.ExportURL = exportURL(s, req)
	v.Hidden = hiddenState(s, req)
	v.DateFrom, v.DateTo = dateInputs(req)
	v.FromHidden = v.DateFrom == "" && !req.PublishedFrom.IsZero()
	v.ToHidden = v.DateTo == "" && !req.PublishedTo.IsZero()
	v.ClearURL = searchURL(s, api.Request{Q: req.Q, Sort: req.Sort, Size: req.Size, FacetSize: req.FacetSize})

	for _, h := range res.Hits {
		v.Hits = append(v.Hits, newHitView(s, req, h))
	}
	if len(res.Hits) > 0 {
		v.From, v.To = req.From+1, req.From+len(res.Hits)
	}
	for _, f := range s.TermNames() {
		if tf, ok := newTermFacetView(s, req, f, res.Facets.Terms(f)); ok {
			v.Terms = append(v.Terms, tf)
		}
	}
	for _, k := range s.Kinds() {
		if k.Numeric {
			v.Ranges = append(v.Ranges, newRangeFacetView(s, req, k, res.Facets.Ranges(k.Name())))
		}
	}
	v.Active = activeFilters(s, req)
	v.Prev, v.Next, v.Pages = pager(s, req, res.Total)
	v.Relaxed = res.Relaxed
	v.Suggest = suggestions(s, req, res.Entities)
	return v
}

// suggestion offers an entity that the query names as a filter: "Filter
// by union: Royal College of Nursing?" for "RCN".
type suggestion struct {
	Label string // the kind, "union"
	Value string
	URL   string // the search with the filter added
}

// suggestions are the filters by the entities of res that req does not
// filter by yet, each once.
func suggestions(s *schema.Schema, req api.Request, ents []api.QueryEntity) []suggestion {
	var out []suggestion
	seen := map[api.QueryEntity]bool{}
	for _, e := range ents {
		k, ok := s.Lookup(e.Kind)
		key := api.QueryEntity{Kind: e.Kind, Value: e.Value}
		if !ok || k.Numeric || seen[key] || slices.Contains(req.Filters[e.Kind], e.Value) {
			continue
		}
		seen[key] = true
		with := req.Clone()
		if with.Filters == nil {
			with.Filters = map[string][]string{}
		}
		with.Filters[e.Kind] = append(with.Filters[e.Kind], e.Value)
		with.From = 0
		out = append(out, suggestion{Label: strings.ToLower(k.Label), Value: e.Value, URL: searchURL(s, with)})
	}
	return out
}

// badSearchView is the search page for a request the parser rejected: the
// search box keeps its text, the message shows beside it, and the form
// carries the other parameters unchanged except the one at fault, so that
// fixing the query keeps the filters.
func badSearchView(s *schema.Schema, raw url.Values, br *api.BadRequestError) *searchView {
	v := &searchView{Title: "Search", Q: raw.Get("q"), Error: br.Error(), Failed: true, ClearURL: "/"}
	v.Sorts = sortOptions(s, raw.Get("sort"))
	carry := append(append(s.TermNames(), rangeParams(s)...), "published_from", "published_to", "histogram", "size", "facet_size", "collapse", "syntax", "relax")
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
		v.Sorts = sortOptions(s, "")
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

func sortOptions(s *schema.Schema, cur string) []sortOption {
	if cur == "" {
		cur = api.SortRelevance
	}
	opts := sortChoices(s)
	found := false
	for i := range opts {
		if opts[i].Value == cur {
			opts[i].Selected, found = true, true
		}
	}
	if !found && slices.Contains(api.SortKeys(s), cur) {
		opts = append(opts, sortOption{Value: cur, Label: cur, Selected: true})
	}
	return opts
}

// hiddenState lists the parameters that the form's visible controls do not
// carry: the numeric ranges, non-default sizes and collapse=false. (The query, the keyword
// filters and the sort have their own controls; the page offset is dropped
// on purpose, since a new search starts at the first page.)
func hiddenState(s *schema.Schema, req api.Request) []hiddenInput {
	var h []hiddenInput
	v := requestValues(s, api.Request{Ranges: req.Ranges, Size: req.Size, FacetSize: req.FacetSize, NoCollapse: req.NoCollapse, Histogram: req.Histogram, Syntax: req.Syntax, NoRelax: req.NoRelax})
	for _, name := range append(rangeParams(s), "histogram", "size", "facet_size", "collapse", "syntax", "relax") {
		if val := v.Get(name); val != "" {
			h = append(h, hiddenInput{name, val})
		}
	}
	// A date bound that is not a whole day has no date input to show it.
	if val, day := dateParam(req.PublishedFrom, false); val != "" && !day {
		h = append(h, hiddenInput{"published_from", val})
	}
	if val, day := dateParam(req.PublishedTo, true); val != "" && !day {
		h = append(h, hiddenInput{"published_to", val})
	}
	return h
}

// dateInputs returns the values of the date inputs: the request's date
// bounds that are whole UTC days.
func dateInputs(req api.Request) (from, to string) {
	if val, day := dateParam(req.PublishedFrom, false); day {
		from = val
	}
	if val, day := dateParam(req.PublishedTo, true); day {
		to = val
	}
	return from, to
}

func newHitView(s *schema.Schema, req api.Request, h api.Hit) hitView {
	hv := hitView{URL: articleURL(h.ID), Title: h.Title, Snippet: safeSnippet(h.Snippet)}
	if h.Published != nil {
		hv.Published, hv.Datetime = h.Published.UTC().Format("2 January 2006"), h.Published.UTC().Format(time.RFC3339)
	}
	if hv.Title == "" {
		hv.Title = h.ID
	}
	hv.AlsoIn = alsoInViews(h.AlsoIn)
	kinds := s.Kinds()
	for _, k := range kinds {
		if !k.OnHit || !k.Numeric {
			continue
		}
		if h.Headline != nil && (k.Kind == tag.Jobs || k.Kind == tag.Amount) {
			// the headline cut: the numbers of the article's main trust, not
			// its largest (a national £20bn in a trust's story)
			if n := headlineNumber(*h.Headline, k.Kind); n != 0 {
				hv.Chips = append(hv.Chips, chip{Kind: k.Name(), Label: formatValue(k, n), Title: headlineTitle(k.Kind, h.Headline.Trust)})
			}
			continue
		}
		if m, ok := maxOf(h.Values.Numbers(k.Kind)); ok {
			hv.Chips = append(hv.Chips, chip{Kind: k.Name(), Label: formatValue(k, m), Title: k.Largest})
		}
	}
	for _, k := range kinds {
		if !k.OnHit || k.Numeric {
			continue
		}
		for _, val := range h.Values.Terms(k.Kind) {
			hv.Chips = append(hv.Chips, chip{Kind: k.Name(), Label: val, URL: addFilterURL(s, req, k.Name(), val),
				Title: "Filter by this " + strings.ToLower(k.Label)})
		}
	}
	return hv
}

// headlineNumber is the headline cut's number of the numeric kind k: its
// jobs or its amount; 0 for another kind.
func headlineNumber(h tag.HeadlineCut, k tag.Kind) int64 {
	switch k {
	case tag.Jobs:
		return h.Jobs
	case tag.Amount:
		return h.AmountGBP
	}
	return 0
}

// headlineTitle says what a headline chip is.
func headlineTitle(k tag.Kind, trust string) string {
	if k == tag.Jobs {
		return "Jobs cut or at risk at " + trust
	}
	return "Savings target or deficit of " + trust
}

// addFilterURL is the page filtered by one more value; if the value is
// already a filter, the page as it is.
func addFilterURL(s *schema.Schema, req api.Request, field, value string) string {
	return edit(s, req, func(r *api.Request) {
		if !hasFilter(*r, field, value) {
			toggleFilter(r, field, value)
		}
	})
}

func newTermFacetView(s *schema.Schema, req api.Request, field string, counts []api.TermCount) (termFacetView, bool) {
	tf := termFacetView{Field: field, Heading: kindPlural(s, field)}
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
		tf.AllURL = searchURL(s, func() api.Request { c := req.Clone(); c.FacetSize = facetMore; return c }())
	}
	return tf, true
}

func newRangeFacetView(s *schema.Schema, req api.Request, k schema.Kind, counts []api.RangeCount) rangeFacetView {
	field := k.Name()
	rf := rangeFacetView{Field: field, Heading: k.Plural}
	cur := req.Ranges[field]
	for _, b := range counts {
		active := sameBound(cur.Min, b.Min) && sameBound(cur.Max, b.Max) && cur.Active()
		if b.Count == 0 && !active {
			continue
		}
		bv := bucketView{Label: b.Label, Count: b.Count, Active: active}
		bv.URL = edit(s, req, func(r *api.Request) {
			rg := api.Range{}
			if !active {
				rg.Min, rg.Max = toFloat(b.Min), toFloat(b.Max)
			}
			r.SetRange(field, rg)
		})
		if k.Format == schema.FormatJobs {
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
func activeFilters(s *schema.Schema, req api.Request) []activeFilter {
	var out []activeFilter
	for _, f := range s.TermNames() {
		for _, val := range req.Filters[f] {
			if val == "" {
				continue
			}
			out = append(out, activeFilter{
				Kind:      kindLabel(s, f),
				Value:     val,
				RemoveURL: edit(s, req, func(r *api.Request) { toggleFilter(r, f, val) }),
			})
		}
	}
	for _, k := range s.Kinds() {
		rg := req.Ranges[k.Name()]
		if !k.Numeric || !rg.Active() {
			continue
		}
		out = append(out, activeFilter{
			Kind:      k.Label,
			Value:     formatRange(rg.Min, rg.Max, k),
			RemoveURL: edit(s, req, func(r *api.Request) { r.SetRange(k.Name(), api.Range{}) }),
		})
	}
	if req.Dated() {
		from, _ := dateParam(req.PublishedFrom, false)
		to, _ := dateParam(req.PublishedTo, true)
		val := from + " to " + to
		switch {
		case from == "":
			val = "until " + to
		case to == "":
			val = "since " + from
		}
		out = append(out, activeFilter{
			Kind:      "Published",
			Value:     val,
			RemoveURL: edit(s, req, func(r *api.Request) { r.PublishedFrom, r.PublishedTo = time.Time{}, time.Time{} }),
		})
	}
	return out
}

// pagerWindow is how many page numbers show on each side of the current.
const pagerWindow = 2

// pager returns the previous and next page URLs and the numbered links.
func pager(s *schema.Schema, req api.Request, total uint64) (prev, next string, pages []pageLink) {
	size := req.Size
	if size <= 0 {
		size = api.DefaultSize
	}
	// Pages beyond the deepest offset the API allows are not offered.
	last := min(int((total+uint64(size)-1)/uint64(size)), api.MaxFrom/size+1)
	if last <= 1 && req.From == 0 {
		return "", "", nil
	}
	cur := req.From/size + 1
	at := func(page int) string {
		c := req.Clone()
		c.From = (page - 1) * size
		return searchURL(s, c)
	}
	if req.From > 0 {
		c := req.Clone()
		c.From = max(0, req.From-size)
		prev = searchURL(s, c)
	}
	if n := req.From + size; uint64(n) < total && n <= api.MaxFrom {
		c := req.Clone()
		c.From = n
		next = searchURL(s, c)
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
	Lead       string // the text's first sentence after the title (its Description)
	SourceURL  string // the original's address, only if http(s)
	SourceHost string
	Published  string
	AlsoIn     []alsoInView // the other papers' copies of its story
	Paragraphs []paragraph
	// Cut says how much of a long article the page leaves out ("" when
	// it shows all of it); APIURL is where the whole article is.
	Cut    string
	APIURL string
	Groups []entityGroup
	Legend []legendItem
	Events []eventRow // the cut events, in text order
}

// eventRow is one cut event of the article page's table: the trust (a
// link to its articles; none for a national figure), the number and what
// it is.
type eventRow struct {
	Trust    string
	TrustURL string
	What     string // "Jobs" or "Amount"
	Number   string
	Kind     string
	Headline bool // one of the numbers of the headline cut
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
	PageURL  string // the value's own page, when its kind has pages
}

// legendItem names the colour of one entity type.
type legendItem struct {
	Kind  string
	Label string
}

// Bounds of an article page: the text shown and the mentions highlighted.
// Beyond them the page says so and links the whole article's JSON; the
// entity list in the margin still counts every mention.
const (
	MaxPageText       = 200 << 10
	MaxPageHighlights = 2000
)

// formatSize writes a byte count as KB or MB.
func formatSize(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+512)>>10)
}

func newArticleView(s *schema.Schema, a *api.TaggedArticle) *articleView {
	text, ents := a.Text, a.Entities
	if len(text) > MaxPageText {
		// A huge article: the page shows and highlights its start only,
		// so that the page stays small and quick to render.
		cut := MaxPageText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		ents = slices.DeleteFunc(slices.Clone(ents), func(e tag.Entity) bool { return e.End > cut })
	}
	if len(ents) > MaxPageHighlights {
		ents = ents[:MaxPageHighlights]
	}
	v := &articleView{Title: a.Title, Lead: leadSentence(a.Title, a.Text), Paragraphs: highlight(s, text, ents), AlsoIn: alsoInViews(a.AlsoIn)}
	if len(text) < len(a.Text) || len(ents) < len(a.Entities) {
		v.Cut = fmt.Sprintf("This article is long (%s of text, %s tagged mentions): the page shows its first %s with %s mentions highlighted.",
			formatSize(len(a.Text)), formatCount(uint64(len(a.Entities))), formatSize(len(text)), formatCount(uint64(len(ents))))
		v.APIURL = "/api/articles/" + url.PathEscape(a.ID)
	}
	if v.Title == "" {
		v.Title = a.ID
	}
	if u, err := url.Parse(a.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		v.SourceURL, v.SourceHost = u.String(), strings.TrimPrefix(u.Hostname(), "www.")
	}
	if a.Published != nil {
		v.Published = a.Published.UTC().Format("2 January 2006")
	}
	for _, sk := range s.Kinds() {
		k, kind := sk.Kind, sk.Name()
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
		g := entityGroup{Kind: kind, Heading: sk.Plural}
		for _, val := range order {
			href := entityURL(s, kind, val)
			if href == "" {
				continue
			}
			g.Items = append(g.Items, entityItem{Label: entityDisplay(s, kind, val), Mentions: counts[val], URL: href, PageURL: entityPageURL(sk, val)})
		}
		// Most mentioned first; ties in order of first mention.
		slices.SortStableFunc(g.Items, func(x, y entityItem) int { return cmp.Compare(y.Mentions, x.Mentions) })
		v.Groups = append(v.Groups, g)
		v.Legend = append(v.Legend, legendItem{Kind: kind, Label: sk.Label})
	}
	v.Events = eventRows(s, a)
	return v
}

// eventRows are the rows of the article page's table of cut events.
func eventRows(s *schema.Schema, a *api.TaggedArticle) []eventRow {
	jobsKind, jk := s.Lookup(string(tag.Jobs))
	amountKind, ak := s.Lookup(string(tag.Amount))
	rows := make([]eventRow, 0, len(a.CutEvents))
	for _, e := range a.CutEvents {
		r := eventRow{Trust: "national, or several bodies", Kind: string(e.Kind)}
		if e.Trust != "" {
			r.Trust, r.TrustURL = e.Trust, entityURL(s, string(tag.Trust), e.Trust)
		}
		h := a.Headline
		switch {
		case e.Jobs != 0 && jk:
			r.What, r.Number = jobsKind.Label, formatValue(jobsKind, e.Jobs)
			r.Headline = h != nil && h.Trust == e.Trust && h.Jobs == e.Jobs && e.Kind == tag.EventCut
		case e.AmountGBP != 0 && ak:
			r.What, r.Number = amountKind.Label, formatValue(amountKind, e.AmountGBP)
			r.Headline = h != nil && h.Trust == e.Trust && h.AmountGBP == e.AmountGBP &&
				(e.Kind == tag.EventSavings || e.Kind == tag.EventDeficit)
		default:
			continue
		}
		rows = append(rows, r)
	}
	return rows
}
