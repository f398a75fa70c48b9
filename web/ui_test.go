package web

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// page is an HTML page fetched from the UI test server.
type page struct {
	path   string
	status int
	header http.Header
	body   string
	doc    *html.Node
}

// getPage fetches path as a browser would and parses the HTML.
func getPage(t *testing.T, srv *httptest.Server, path string) *page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("GET %s: parse HTML: %v", path, err)
	}
	return &page{path: path, status: resp.StatusCode, header: resp.Header, body: string(body), doc: doc}
}

// wantHTML checks the status and the headers every HTML page must have.
func (p *page) wantHTML(t *testing.T, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("GET %s: status %d, want %d", p.path, p.status, status)
	}
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	} {
		if got := p.header.Get(name); got != want {
			t.Errorf("GET %s: %s %q, want %q", p.path, name, got, want)
		}
	}
	// The policy allows only the site's own scripts and styles.
	for _, part := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(p.header.Get("Content-Security-Policy"), part) {
			t.Errorf("GET %s: CSP lacks %q", p.path, part)
		}
	}
}

// all returns the elements under p's document that match the selector: a
// tag name (or ""), then .class and [attr=value] parts, e.g.
// `a.chip[href=/]` or `input[name=union]`; parts separated by spaces
// (outside brackets) select descendants, as in CSS.
func (p *page) all(sel string) []*html.Node { return all(p.doc, sel) }

func (p *page) one(t *testing.T, sel string) *html.Node {
	t.Helper()
	ns := p.all(sel)
	if len(ns) != 1 {
		t.Fatalf("GET %s: %d elements match %q, want 1", p.path, len(ns), sel)
	}
	return ns[0]
}

func all(root *html.Node, sel string) []*html.Node {
	roots := []*html.Node{root}
	for _, step := range splitSelector(sel) {
		var next []*html.Node
		seen := map[*html.Node]bool{}
		for _, r := range roots {
			for _, n := range matchUnder(r, step) {
				if !seen[n] {
					seen[n] = true
					next = append(next, n)
				}
			}
		}
		roots = next
	}
	return roots
}

// splitSelector splits at the spaces outside brackets.
func splitSelector(sel string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range sel {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case r == ' ' && depth == 0:
			if i > start {
				parts = append(parts, sel[start:i])
			}
			start = i + 1
		}
	}
	if start < len(sel) {
		parts = append(parts, sel[start:])
	}
	return parts
}

// matchUnder returns the descendants of root (not root) that match one
// compound selector, in document order.
func matchUnder(root *html.Node, sel string) []*html.Node {
	tagName, classes, attrs := parseSelector(sel)
	var out []*html.Node
	for n := range root.Descendants() {
		if n.Type != html.ElementNode || (tagName != "" && n.Data != tagName) {
			continue
		}
		ok := true
		for _, c := range classes {
			ok = ok && hasClass(n, c)
		}
		for k, v := range attrs {
			got, has := attrOK(n, k)
			ok = ok && has && (v == "*" || got == v)
		}
		if ok {
			out = append(out, n)
		}
	}
	return out
}

func parseSelector(sel string) (tagName string, classes []string, attrs map[string]string) {
	attrs = map[string]string{}
	for sel != "" {
		switch sel[0] {
		case '[':
			end := strings.IndexByte(sel, ']')
			k, v, ok := strings.Cut(sel[1:end], "=")
			if !ok {
				v = "*"
			}
			attrs[k] = v
			sel = sel[end+1:]
		case '.':
			end := strings.IndexAny(sel[1:], ".[")
			if end < 0 {
				end = len(sel) - 1
			}
			classes = append(classes, sel[1:end+1])
			sel = sel[end+1:]
		default:
			end := strings.IndexAny(sel, ".[")
			if end < 0 {
				end = len(sel)
			}
			tagName = sel[:end]
			sel = sel[end:]
		}
	}
	return tagName, classes, attrs
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string { v, _ := attrOK(n, key); return v }

func hasClass(n *html.Node, c string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), c)
}

// text is the text content of n, as the DOM's textContent.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func texts(ns []*html.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strings.TrimSpace(text(n))
	}
	return out
}

// hitIDs lists the article ids the result links point to, in order.
func hitIDs(t *testing.T, p *page) []string {
	t.Helper()
	var ids []string
	for _, li := range p.all("li.hit") {
		links := all(li, "h2.hit-title")
		if len(links) != 1 {
			t.Fatalf("GET %s: a hit without one title", p.path)
		}
		a := all(links[0], "a")
		id, ok := strings.CutPrefix(attr(a[0], "href"), "/articles/")
		if !ok {
			t.Fatalf("GET %s: hit link %q", p.path, attr(a[0], "href"))
		}
		ids = append(ids, id)
	}
	return ids
}

// apiIDs runs the same request through the search service directly.
func apiIDs(t *testing.T, svc *search.Service, query string) ([]string, *api.Result) {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	req, err := api.ParseRequest(schema.Default, v)
	if err != nil {
		t.Fatalf("ParseRequest(%s): %v", query, err)
	}
	res, err := svc.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, res
}

func TestSearchPageShowsTheSearchOfItsURL(t *testing.T) {
	srv, svc := uiServer(t)
	for _, q := range []string{
		"q=redundancy",
		"q=redundancy&union=Unison&union=Royal+College+of+Nursing",
		"union=Unison&sort=-jobs",
		"q=nurse&sort=amount",
		"jobs_min=100&jobs_max=999",
		"",
		"size=2&from=2",
	} {
		p := getPage(t, srv, "/?"+q)
		p.wantHTML(t, http.StatusOK)
		want, res := apiIDs(t, svc, q)
		if got := hitIDs(t, p); !slices.Equal(got, want) {
			t.Errorf("/?%s: hits %v, want the API's %v", q, got, want)
		}
		if got := texts(p.all("p.summary"))[0]; !strings.HasPrefix(got, formatCount(res.Total)+" article") && res.Total > 0 {
			t.Errorf("/?%s: summary %q, want %d articles", q, got, res.Total)
		}
		v, _ := url.ParseQuery(q)
		if got := attr(p.one(t, "input[id=q]"), "value"); got != v.Get("q") {
			t.Errorf("/?%s: search box holds %q", q, got)
		}
	}
}

func TestSearchPageContent(t *testing.T) {
	srv, _ := uiServer(t)
	p := getPage(t, srv, "/?q=redundancy&union=Unison")
	p.wantHTML(t, http.StatusOK)

	// Snippets carry the search layer's <mark> and nothing else.
	marks := p.all("p.snippet")
	if len(marks) != 4 {
		t.Fatalf("%d snippets, want 4", len(marks))
	}
	for _, s := range marks {
		if len(all(s, "mark")) == 0 {
			t.Errorf("snippet %q has no <mark>", text(s))
		}
		for c := range s.Descendants() {
			if c.Type == html.ElementNode && c.Data != "mark" {
				t.Errorf("snippet holds a <%s>", c.Data)
			}
		}
	}
	// Chips: the Oxford hit shows its trust, unions and its headline cut
	// (its trust's £44m savings and 366 jobs), not its largest amount (the
	// £600m budget); the Taunton hit, whose article names no trust, its
	// largest amount.
	hitOf := func(id string) *html.Node {
		for _, li := range p.all("li.hit") {
			if len(all(li, "a[href=/articles/"+id+"]")) > 0 {
				return li
			}
		}
		return nil
	}
	oxfordHit := hitOf(oxford)
	if oxfordHit == nil {
		t.Fatal("no Oxford hit")
	}
	chips := texts(all(oxfordHit, ".chip"))
	for _, want := range []string{"Savings target or deficit of Oxford Radcliffe Hospitals NHS Trust: £44m",
		"Jobs cut or at risk at Oxford Radcliffe Hospitals NHS Trust: 366 jobs", "Oxford Radcliffe Hospitals NHS Trust", "Unison", "Royal College of Nursing"} {
		if !slices.Contains(chips, want) {
			t.Errorf("Oxford hit chips %q lack %q", chips, want)
		}
	}
	if slices.ContainsFunc(chips, func(c string) bool { return strings.Contains(c, "£600m") }) {
		t.Errorf("Oxford hit chips %q show the largest amount, not the headline cut", chips)
	}
	if taunton := hitOf(taunton); taunton == nil {
		t.Error("no Taunton hit")
	} else if chips := texts(all(taunton, ".chip")); !slices.Contains(chips, "Largest amount: £6.5m") {
		t.Errorf("Taunton hit chips %q lack its largest amount", chips)
	}
	// A trust chip adds that trust to the current search.
	if got := attr(all(oxfordHit, "a.chip-trust")[0], "href"); got != "/?q=redundancy&trust=Oxford+Radcliffe+Hospitals+NHS+Trust&union=Unison" {
		t.Errorf("trust chip links to %q", got)
	}

	// The ticked facet value, its removable chip and "clear all".
	box := p.one(t, "input[name=union][value=Unison]")
	if _, checked := attrOK(box, "checked"); !checked {
		t.Error("Unison box not ticked")
	}
	if _, checked := attrOK(p.one(t, "input[name=union][value=Royal College of Nursing]"), "checked"); checked {
		t.Error("RCN box ticked")
	}
	remove := p.one(t, "a.chip-remove")
	if got := attr(remove, "href"); got != "/?q=redundancy" {
		t.Errorf("remove-Unison chip links to %q, want /?q=redundancy", got)
	}
	for _, c := range p.all("a.clear") {
		if got := attr(c, "href"); got != "/?q=redundancy" {
			t.Errorf("clear all links to %q", got)
		}
	}
	// Disjunctive counts: Unison's count is not narrowed by its own filter,
	// and RCN counts the redundancy hits that have it.
	counts := map[string]string{}
	for _, li := range p.all("li.facet-value") {
		in := all(li, "input")[0]
		if attr(in, "name") == "union" {
			counts[attr(in, "value")] = texts(all(li, "span.count"))[0]
		}
	}
	if counts["Unison"] != "4" || counts["Royal College of Nursing"] != "2" {
		t.Errorf("union counts %v, want Unison 4 and RCN 2", counts)
	}

	// The sort select keeps the choice; the form carries ranges as hidden
	// inputs and links to buckets toggle them.
	p = getPage(t, srv, "/?q=redundancy&sort=-jobs&amount_min=1000000&amount_max=9999999")
	p.wantHTML(t, http.StatusOK)
	if _, sel := attrOK(p.one(t, "option[value=-jobs]"), "selected"); !sel {
		t.Error("sort -jobs not selected")
	}
	hidden := map[string]string{}
	for _, in := range p.all("input[type=hidden]") {
		hidden[attr(in, "name")] = attr(in, "value")
	}
	if hidden["amount_min"] != "1000000" || hidden["amount_max"] != "9999999" || len(hidden) != 2 {
		t.Errorf("hidden inputs %v, want the amount range only", hidden)
	}
	active := p.all("ul.buckets a.active")
	if len(active) != 1 || !strings.Contains(text(active[0]), "£1m–£10m") {
		t.Fatalf("active buckets %q, want £1m–£10m", texts(active))
	}
	if got := attr(active[0], "href"); got != "/?q=redundancy&sort=-jobs" {
		t.Errorf("active bucket links to %q, want the page without the range", got)
	}
	if got := texts(p.all("a.chip-remove")); len(got) != 1 || !strings.Contains(got[0], "Amount: £1m–£10m") {
		t.Errorf("range chip %q", got)
	}
}

func TestSearchPageLinksKeepState(t *testing.T) {
	srv, svc := uiServer(t)
	// Every search link on a page is a valid request that the page serves,
	// and keeps the query and the sort.
	p := getPage(t, srv, "/?q=nurse&sort=-amount&size=1&from=1")
	p.wantHTML(t, http.StatusOK)
	links := 0
	for _, a := range p.all("a[href]") {
		href := attr(a, "href")
		if !strings.HasPrefix(href, "/?") {
			continue
		}
		links++
		u, err := url.Parse(href)
		if err != nil {
			t.Fatalf("link %q: %v", href, err)
		}
		if _, err := api.ParseRequest(schema.Default, u.Query()); err != nil {
			t.Errorf("link %q: %v", href, err)
		}
		if u.Query().Get("q") != "nurse" || u.Query().Get("sort") != "-amount" || u.Query().Get("size") != "1" {
			t.Errorf("link %q loses the query, sort or page size", href)
		}
	}
	if links < 10 {
		t.Errorf("only %d search links on the page", links)
	}
	// The pager's links walk the same pages as the API.
	prev := attr(p.one(t, "a[rel=prev]"), "href")
	next := attr(p.one(t, "a[rel=next]"), "href")
	if prev != "/?q=nurse&sort=-amount&size=1" || next != "/?q=nurse&sort=-amount&from=2&size=1" {
		t.Errorf("pager: prev %q next %q", prev, next)
	}
	n := getPage(t, srv, next)
	n.wantHTML(t, http.StatusOK)
	want, _ := apiIDs(t, svc, "q=nurse&sort=-amount&from=2&size=1")
	if got := hitIDs(t, n); !slices.Equal(got, want) {
		t.Errorf("next page hits %v, want %v", got, want)
	}
	if cur := n.all("a[aria-current=page]"); len(cur) != 1 || text(cur[0]) != "3" {
		t.Errorf("current page marker %q, want 3", texts(cur))
	}
}

func TestSearchPageShowMore(t *testing.T) {
	srv, _ := uiServer(t)
	p := getPage(t, srv, "/")
	p.wantHTML(t, http.StatusOK)
	// People: more than five values, so five show and the rest are behind
	// "show more"; ten came back, so there may be more: a link asks for them.
	var people *html.Node
	for _, f := range p.all("div.facet") {
		if len(all(f, "input[name=person]")) > 0 {
			people = f
		}
	}
	if people == nil {
		t.Fatal("no person facet")
	}
	shown := all(people, "ul.facet-values")[0]
	if n := len(all(shown, "input")); n != facetTop {
		t.Errorf("%d people shown before show more, want %d", n, facetTop)
	}
	more := all(people, "details.more")
	if len(more) != 1 || len(all(more[0], "input")) != 5 {
		t.Fatalf("show more holds %d values, want 5", len(all(more[0], "input")))
	}
	allLink := all(people, "a.all")
	if len(allLink) != 1 || attr(allLink[0], "href") != "/?facet_size=50" {
		t.Fatalf("show all link: %v", texts(allLink))
	}
	p = getPage(t, srv, "/?facet_size=50")
	p.wantHTML(t, http.StatusOK)
	if n := len(p.all("input[name=person]")); n <= 10 {
		t.Errorf("facet_size=50 shows %d people, want more than 10", n)
	}
	if got := attr(p.one(t, "input[name=facet_size]"), "value"); got != "50" {
		t.Errorf("facet size not carried by the form: %q", got)
	}
	// A filter value outside the facet's top values still shows, ticked.
	p = getPage(t, srv, "/?person=Nobody+Atall")
	p.wantHTML(t, http.StatusOK)
	if _, checked := attrOK(p.one(t, "input[name=person][value=Nobody Atall]"), "checked"); !checked {
		t.Error("unknown person filter not shown ticked")
	}
}

func TestSearchPageMalformed(t *testing.T) {
	srv, _ := uiServer(t)
	for _, tt := range []struct {
		query string
		q     string // what the search box must keep
		kept  map[string]string
	}{
		{"q=%28redundancy&union=Unison", "(redundancy", map[string]string{"union": "Unison"}},
		{"q=unions%3AUnison&amount_min=5", `unions:Unison`, map[string]string{"amount_min": "5"}},
		{"q=nurse&size=abc&union=Unison", "nurse", map[string]string{"union": "Unison"}},
		{"q=nurse&sort=sideways", "nurse", nil},
		{"q=%2B%2B&syntax=bleve", "++", nil},
	} {
		p := getPage(t, srv, "/?"+tt.query)
		p.wantHTML(t, http.StatusBadRequest)
		// The message is the parser's, as the API gives it.
		v, _ := url.ParseQuery(tt.query)
		_, perr := api.ParseRequest(schema.Default, v)
		if perr == nil {
			_, perr = uiSrv.svc.Search(context.Background(), func() api.Request { r, _ := api.ParseRequest(schema.Default, v); return r }())
		}
		if perr == nil || !api.IsBadRequest(perr) {
			t.Fatalf("%s: the search layer accepts it (%v)", tt.query, perr)
		}
		msg := strings.TrimSpace(text(p.one(t, "p[id=q-error]")))
		if !strings.Contains(msg, perr.Error()) {
			t.Errorf("%s: message %q, want the parser's %q", tt.query, msg, perr.Error())
		}
		in := p.one(t, "input[id=q]")
		if attr(in, "value") != tt.q || attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != "q-error" {
			t.Errorf("%s: search box %v", tt.query, in.Attr)
		}
		hidden := map[string]string{}
		for _, h := range p.all("input[type=hidden]") {
			hidden[attr(h, "name")] = attr(h, "value")
		}
		for k, want := range tt.kept {
			if hidden[k] != want {
				t.Errorf("%s: form does not keep %s=%s (hidden %v)", tt.query, k, want, hidden)
			}
		}
		if len(p.all("li.hit")) != 0 {
			t.Errorf("%s: hits shown for a bad request", tt.query)
		}
	}
}

func TestSearchPageEmpty(t *testing.T) {
	srv, _ := uiServer(t)
	p := getPage(t, srv, "/?q=redundancy&person=Helen+Eccles&union=Royal+College+of+Nursing")
	p.wantHTML(t, http.StatusOK)
	if len(p.all("li.hit")) != 0 {
		t.Fatal("hits for an empty search")
	}
	empty := text(p.one(t, "div.empty"))
	if !strings.Contains(empty, "No articles match these filters") || !strings.Contains(empty, "Try removing a filter") {
		t.Errorf("empty message %q", empty)
	}
	if got := texts(p.all("a.chip-remove")); len(got) != 2 {
		t.Errorf("removable filters %q, want 2", got)
	}
	p = getPage(t, srv, "/?q=zebra")
	p.wantHTML(t, http.StatusOK)
	if empty := text(p.one(t, "div.empty")); !strings.Contains(empty, "No articles match") || !strings.Contains(empty, "Try fewer or different words") {
		t.Errorf("empty message %q", empty)
	}
}

func TestArticlePage(t *testing.T) {
	srv, svc := uiServer(t)
	p := getPage(t, srv, "/articles/"+oxford)
	p.wantHTML(t, http.StatusOK)
	a, err := svc.Article(context.Background(), oxford)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(p.one(t, "h1.article-title")); got != a.Title {
		t.Errorf("title %q, want %q", got, a.Title)
	}
	// The text is all there, paragraph by paragraph.
	body := p.one(t, "div.article-text")
	var paras []string
	for _, para := range all(body, "p") {
		paras = append(paras, text(para))
	}
	if got := strings.Join(paras, "\n\n"); got != paragraphBreak.ReplaceAllString(a.Text, "\n\n") {
		t.Errorf("article text differs:\n%s\nwant\n%s", got, a.Text)
	}
	// Every highlight links to the search for its entity, and the trust,
	// unions, people and the 366 jobs are all highlighted.
	kinds := map[string][]string{}
	for _, e := range all(body, "a.ent") {
		var kind string
		for _, c := range strings.Fields(attr(e, "class")) {
			if k, ok := strings.CutPrefix(c, "ent-"); ok {
				kind = k
			}
		}
		u, err := url.Parse(attr(e, "href"))
		if err != nil || u.Path != "/" {
			t.Errorf("highlight %q links to %q", text(e), attr(e, "href"))
			continue
		}
		switch kind {
		case "amount", "jobs":
			if u.Query().Get(kind+"_min") == "" || u.Query().Get(kind+"_min") != u.Query().Get(kind+"_max") {
				t.Errorf("%s highlight %q links to %q", kind, text(e), u)
			}
			kinds[kind] = append(kinds[kind], u.Query().Get(kind+"_min"))
		default:
			if u.Query().Get(kind) == "" {
				t.Errorf("%s highlight %q links to %q", kind, text(e), u)
			}
			kinds[kind] = append(kinds[kind], u.Query().Get(kind))
		}
	}
	for kind, want := range map[string]string{"trust": "Oxford Radcliffe Hospitals NHS Trust", "union": "Royal College of Nursing", "person": "Mark Ladbrooke", "jobs": "366", "amount": "44000000", "hospital": "Churchill Hospital", "place": "Banbury"} {
		if !slices.Contains(kinds[kind], want) {
			t.Errorf("no %s highlight for %q (have %q)", kind, want, kinds[kind])
		}
	}
	// Following a highlight gives a search that finds the article.
	trust := p.all("div.article-text a.ent-trust")[0]
	s := getPage(t, srv, attr(trust, "href"))
	s.wantHTML(t, http.StatusOK)
	if !slices.Contains(hitIDs(t, s), oxford) {
		t.Errorf("%s does not find the article", attr(trust, "href"))
	}
	// The side panel groups the entities by type, once each, with links.
	groups := texts(p.all("section.entity-group h3"))
	if !slices.Equal(groups, []string{"Trusts", "Unions", "Amounts", "Job counts", "People", "Places", "Hospitals"}) {
		t.Errorf("entity groups %q", groups)
	}
	people := texts(all(p.all("section.entity-group")[4], "a"))
	if !slices.Equal(people, []string{"Mark Ladbrooke", "Helen Peggs", "Julian Hill"}) {
		t.Errorf("people in the side panel %q", people)
	}
	if legend := texts(p.all("div.legend li")); len(legend) != 7 || legend[0] != "Trust" {
		t.Errorf("legend %q", legend)
	}
}

func TestArticlePageNotFound(t *testing.T) {
	srv, _ := uiServer(t)
	for _, path := range []string{"/articles/no-such-article", "/articles/%3Cscript%3E"} {
		p := getPage(t, srv, path)
		p.wantHTML(t, http.StatusNotFound)
		if h := text(p.one(t, "h1")); h != "Page not found" {
			t.Errorf("%s: heading %q", path, h)
		}
		if strings.Contains(p.body, "<script>") {
			t.Errorf("%s: the id is echoed unescaped", path)
		}
	}
	// Unknown paths: an HTML page for a browser, JSON for the API.
	p := getPage(t, srv, "/no/such/page")
	p.wantHTML(t, http.StatusNotFound)
	resp, err := http.Get(srv.URL + "/api/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("/api/nope: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestHostileArticleIsText(t *testing.T) {
	srv, _ := uiServer(t)
	for _, path := range []string{"/articles/" + hostileID, "/?q=onerror+OR+script", "/?q=alert"} {
		p := getPage(t, srv, path)
		p.wantHTML(t, http.StatusOK)
		// The only scripts are the site's own file; no element carries an
		// event handler; the payload's tags are not elements.
		for _, s := range p.all("script") {
			if !strings.HasPrefix(attr(s, "src"), "/static/app.js?v=") || text(s) != "" {
				t.Errorf("%s: unexpected script element %v %q", path, s.Attr, text(s))
			}
		}
		for n := range p.doc.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: <%s> has an %s attribute", path, n.Data, a.Key)
				}
			}
			if n.Data == "img" || n.Data == "b" {
				t.Errorf("%s: injected <%s> element", path, n.Data)
			}
		}
		if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") {
			t.Errorf("%s: raw payload in the HTML", path)
		}
	}
	p := getPage(t, srv, "/articles/"+hostileID)
	body := text(p.one(t, "div.article-text"))
	for _, literal := range []string{`<script>alert(1)</script>`, `<img src=x onerror=alert(2)>`, `" onmouseover="window.__cutwatchXSS=3" x="`, `</p></div><b>bold</b> &amp; done.`} {
		if !strings.Contains(body, literal) {
			t.Errorf("the article does not show %q as text", literal)
		}
	}
	if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the script payload is not escaped in the HTML")
	}
	if got := text(p.one(t, "title")); !strings.HasPrefix(got, "Board papers <script>") {
		t.Errorf("title %q", got)
	}
	// Entities around the payload are still highlighted.
	if len(p.all("a.ent-trust")) == 0 {
		t.Error("the hostile article's trust is not highlighted")
	}
}

func TestStaticFiles(t *testing.T) {
	srv, _ := uiServer(t)
	for name, ct := range map[string]string{"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"} {
		u, err := assetURL(name)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ct || len(body) == 0 {
			t.Errorf("%s: %d %q, %d bytes", u, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: headers %v", u, resp.Header)
		}
		// Revalidation with the ETag costs no body.
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/static/"+name, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", name, resp.StatusCode)
		}
	}
	resp, err := http.Get(srv.URL + "/static/nope.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/static/nope.css: %d", resp.StatusCode)
	}
}

// TestSearchPageDates: the date inputs show the request's whole-day
// bounds (an instant goes in a hidden input), every search link keeps the
// dates, each hit shows its date, an active-filter chip removes them, and
// "Download CSV" exports every match of the search (not the page) with
// its filters and dates.
func TestSearchPageDates(t *testing.T) {
	srv, svc := uiServer(t)
	const query = "q=nurse&published_from=2000-01-01&published_to=2199-12-31&size=1"
	p := getPage(t, srv, "/?"+query)
	p.wantHTML(t, http.StatusOK)
	if v := attr(p.one(t, "input[name=published_from]"), "value"); v != "2000-01-01" {
		t.Errorf("from input %q", v)
	}
	if v := attr(p.one(t, "input[name=published_to]"), "value"); v != "2199-12-31" {
		t.Errorf("to input %q", v)
	}
	// The time chart's bars narrow the dates to their period, within the
	// search's own (TestTimeChartBarsNarrowTheDates); every other link
	// keeps them.
	bars := map[*html.Node]bool{}
	for _, fig := range p.all("figure.chart-time") {
		links := all(fig, "a.bar")
		for _, tbl := range all(fig, "table") {
			links = append(links, all(tbl, "a[href]")...)
		}
		if len(links) == 0 {
			t.Error("the time chart has no bars")
		}
		for _, a := range links {
			bars[a] = true
			u, _ := url.Parse(attr(a, "href"))
			if from, to := u.Query().Get("published_from"), u.Query().Get("published_to"); from < "2000-01-01" || to > "2199-12-31" || from > to || u.Query().Get("q") != "nurse" {
				t.Errorf("chart link %q does not narrow the search's dates", attr(a, "href"))
			}
		}
	}
	for _, a := range p.all("a[href]") {
		href := attr(a, "href")
		if !strings.HasPrefix(href, "/?") || text(a) == "Clear all" || bars[a] {
			continue
		}
		u, _ := url.Parse(href)
		keeps := u.Query().Get("published_from") == "2000-01-01" && u.Query().Get("published_to") == "2199-12-31"
		if remove := strings.Contains(text(a), "Published:"); keeps == remove {
			t.Errorf("link %q (%q): keeps the dates %v", href, text(a), keeps)
		}
	}
	_, res := apiIDs(t, svc, query)
	if res.Total < 2 {
		t.Fatalf("the seeds' search matches %d articles: too few to tell a page from the export", res.Total)
	}
	times := p.all("time[datetime]")
	if len(times) != 1 || text(times[0]) != res.Hits[0].Published.UTC().Format("2 January 2006") {
		t.Errorf("hit dates %q, want %v", texts(times), res.Hits[0].Published)
	}
	var export string
	for _, a := range p.all("a[href]") {
		if text(a) == "Download CSV" {
			export = attr(a, "href")
		}
	}
	if export != "/api/export?q=nurse&published_from=2000-01-01&published_to=2199-12-31&format=csv" {
		t.Fatalf("Download CSV links to %q", export)
	}
	resp, err := http.Get(srv.URL + export)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || uint64(len(recs)-1) != res.Total {
		t.Errorf("the CSV has %d rows (%v), the search %d", len(recs)-1, err, res.Total)
	}

	// An instant is no whole day: the form carries it hidden.
	p = getPage(t, srv, "/?q=nurse&published_from=2001-02-03T04:05:06Z")
	p.wantHTML(t, http.StatusOK)
	var hidden []string
	for _, in := range p.all("input[type=hidden]") {
		hidden = append(hidden, attr(in, "name")+"="+attr(in, "value"))
	}
	if !slices.Contains(hidden, "published_from=2001-02-03T04:05:06Z") {
		t.Errorf("hidden inputs %q", hidden)
	}
	for _, in := range p.all("input[name=published_from]") {
		if _, disabled := attrOK(in, "disabled"); attr(in, "type") == "date" && !disabled {
			t.Error("the date input is sent beside the hidden exact time")
		}
	}
}

// TestArticlePageCutEvents: the article page lists the cut events as a
// table (organisation linked to its articles, what, number, kind), the
// headline cut's rows in bold, a national figure with no organisation.
func TestArticlePageCutEvents(t *testing.T) {
	srv, _ := uiServer(t)
	p := getPage(t, srv, "/articles/001_605bd6b5c84727b1")
	p.wantHTML(t, http.StatusOK)
	table := p.one(t, "section.cut-events table")
	var rows [][]string
	var bold []string
	for _, tr := range all(table, "tbody tr") {
		cells := texts(all(tr, "td"))
		rows = append(rows, cells)
		if attr(tr, "class") == "headline" {
			bold = append(bold, cells[2])
		}
	}
	const trust = "Rotherham NHS Foundation Trust"
	want := [][]string{
		{trust, "Jobs", "750 jobs (headline cut)", "cut"},
		{trust, "Amount", "£50m (headline cut)", "savings"},
		{trust, "Amount", "£220m", "budget"},
		{"national, or several bodies", "Amount", "£20bn", "savings"},
		{trust, "Amount", "£40m", "other"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("cut events table:\n got %q\nwant %q", rows, want)
	}
	if !slices.Equal(bold, []string{"750 jobs (headline cut)", "£50m (headline cut)"}) {
		t.Errorf("headline rows %q", bold)
	}
	if got := attr(all(table, "tbody tr td a")[0], "href"); got != "/?trust=Rotherham+NHS+Foundation+Trust" {
		t.Errorf("trust links to %q", got)
	}
}
