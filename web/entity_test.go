package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cutwatch/cutwatch/search/api"
)

// apiResult is GET /api/search's answer, as a client decodes it.
type apiResult struct {
	Total uint64 `json:"total"`
	Hits  []struct {
		ID string `json:"id"`
	} `json:"hits"`
	Facets    map[string][]apiTerm  `json:"facets"`
	Histogram []api.HistogramBucket `json:"histogram"`
}

type apiTerm struct {
	Value string `json:"value"`
	Count int    `json:"count"`
	Jobs  *int64 `json:"jobs"`
}

// apiSearch asks the server's JSON API (GET /api/search) for query.
func apiSearch(t *testing.T, srv *httptest.Server, query string) apiResult {
	t.Helper()
	resp, err := http.Get(srv.URL + "/api/search?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/search?%s: %d", query, resp.StatusCode)
	}
	var r apiResult
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("GET /api/search?%s: %v", query, err)
	}
	return r
}

// tableRows returns the text of the cells of the body rows of the tables
// under n.
func tableRows(n *html.Node) [][]string {
	var rows [][]string
	for _, tr := range all(n, "tbody tr") {
		var cells []string
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (c.Data == "th" || c.Data == "td") {
				cells = append(cells, strings.TrimSpace(text(c)))
			}
		}
		rows = append(rows, cells)
	}
	return rows
}

// histogramRows is a histogram as the rows of its chart's table.
func histogramRows(t *testing.T, interval string, hist []api.HistogramBucket) [][]string {
	t.Helper()
	var rows [][]string
	for _, b := range hist {
		from, _, err := periodBounds(interval, b.Start)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, []string{periodLabel(interval, from), groupThousands(int64(b.Count)), groupThousands(b.Jobs)})
	}
	return rows
}

// topTrust returns the trust of the charts' corpus with the most articles.
func topTrust(t *testing.T, srv *httptest.Server) (string, int) {
	t.Helper()
	r := apiSearch(t, srv, "facets=trust&facet_size=1&size=1")
	if len(r.Facets["trust"]) == 0 || r.Facets["trust"][0].Count < 5 {
		t.Fatalf("the corpus's top trusts %v: too few articles for a page", r.Facets["trust"])
	}
	return r.Facets["trust"][0].Value, r.Facets["trust"][0].Count
}

// TestSearchPageChartsMatchAPI: the search page's charts show, for the
// page's own request, the numbers GET /api/search gives for it: the time
// chart one bar per histogram bucket of the interval it shows (chosen from
// the span: years over 2008–2026, quarters over three years, months over
// one; or the one in the URL), its table those buckets' counts and jobs;
// the ranking charts the facet values with the most jobs, in order.
func TestSearchPageChartsMatchAPI(t *testing.T) {
	srv, _ := chartServer(t)
	trust, _ := topTrust(t, srv)
	for _, tt := range []struct{ query, interval string }{
		{"", "year"},
		{"q=redundancy", "year"},
		{"published_from=2010-06-01&published_to=2013-05-31", "quarter"},
		{"published_from=2011-01-01&published_to=2011-12-31", "month"},
		{"union=Unison&sort=-jobs&size=5", "year"},
		{"trust=" + url.QueryEscape(trust), ""},
		{"histogram=quarter", "quarter"},
		{"histogram=month&published_from=2011-01-01", "month"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			p := getPage(t, srv, "/?"+tt.query)
			p.wantHTML(t, http.StatusOK)
			fig := p.one(t, "figure.chart-time")
			interval := attr(fig, "data-interval")
			if tt.interval != "" && interval != tt.interval {
				t.Errorf("interval %q, want %q", interval, tt.interval)
			}
			v, _ := url.ParseQuery(tt.query)
			v.Del("histogram")
			want := apiSearch(t, srv, v.Encode()+"&histogram="+interval+"&facet_metric=jobs&facet_size=100")
			if len(want.Histogram) == 0 {
				t.Fatal("the API's histogram is empty: nothing to compare")
			}
			if bars := all(fig, "svg a.bar"); len(bars) != len(want.Histogram) {
				t.Errorf("%d bars, the API %d buckets", len(bars), len(want.Histogram))
			}
			if got, want := tableRows(fig), histogramRows(t, interval, want.Histogram); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("table\n%q\nthe API's histogram\n%q", got, want)
			}
			// The rankings: the API's values by jobs sum (facet_sort=jobs,
			// whose order the search package's property test recounts).
			ranked := apiSearch(t, srv, v.Encode()+"&facet_metric=jobs&facet_sort=jobs&facet_size="+strconv.Itoa(rankTop))
			for _, kind := range pageKindNames(chartSrv.svc.Schema()) {
				terms := slices.DeleteFunc(slices.Clone(ranked.Facets[kind]), func(x apiTerm) bool { return x.Jobs == nil || *x.Jobs == 0 })
				slices.SortStableFunc(terms, func(a, b apiTerm) int {
					return cmp.Or(cmp.Compare(*b.Jobs, *a.Jobs), cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
				})
				var wantRows [][]string
				for _, x := range terms[:min(len(terms), rankTop)] {
					wantRows = append(wantRows, []string{x.Value, groupThousands(int64(x.Count)), formatJobs(*x.Jobs)})
				}
				figs := p.all("figure.chart-rank[id=chart-" + kind + "]")
				if len(wantRows) == 0 {
					if len(figs) != 0 {
						t.Errorf("%s: a ranking with no jobs", kind)
					}
					continue
				}
				if len(figs) != 1 {
					t.Fatalf("%s: %d ranking charts", kind, len(figs))
				}
				if got := tableRows(figs[0]); !slices.EqualFunc(got, wantRows, slices.Equal) {
					t.Errorf("%s ranking\n%q\nthe API's\n%q", kind, got, wantRows)
				}
				// Each bar filters the page's search by its value.
				for i, a := range all(figs[0], "a.rank-link") {
					u, _ := url.Parse(attr(a, "href"))
					if u.Query().Get(kind) == "" || !slices.Contains(u.Query()[kind], wantRows[i][0]) || u.Query().Get("q") != v.Get("q") {
						t.Errorf("%s bar %q links to %q", kind, wantRows[i][0], attr(a, "href"))
					}
				}
			}
		})
	}
}

// TestTimeChartBarsNarrowTheDates follows a bar of the search page's time
// chart: the page it links to is the same search within the bar's period,
// whose total is the bar's count.
func TestTimeChartBarsNarrowTheDates(t *testing.T) {
	srv, _ := chartServer(t)
	p := getPage(t, srv, "/?q=jobs")
	p.wantHTML(t, http.StatusOK)
	all := apiSearch(t, srv, "q=jobs&size=1")
	bars := p.all("figure.chart-time svg a.bar")
	if len(bars) < 5 {
		t.Fatalf("%d bars", len(bars))
	}
	for _, bar := range []*html.Node{bars[0], bars[len(bars)/2], bars[len(bars)-1]} {
		u, err := url.Parse(attr(bar, "href"))
		if err != nil {
			t.Fatal(err)
		}
		start := attr(bar, "data-start")
		from, to, err := periodBounds(api.HistogramYear, start)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("q") != "jobs" || u.Query().Get("published_from") != start || u.Query().Get("published_to") != to.Format("2006-01-02") || from.Format("2006-01-02") != start {
			t.Errorf("bar %s links to %q", start, u)
		}
		got := getPage(t, srv, u.String())
		got.wantHTML(t, http.StatusOK)
		narrow := apiSearch(t, srv, u.RawQuery+"&size=1")
		if summary := texts(got.all("p.summary strong")); len(summary) == 0 || summary[0] != formatCount(narrow.Total) {
			t.Errorf("bar %s: page says %q articles, the API %d", start, summary, narrow.Total)
		}
		if !strings.HasPrefix(attr(bar, "aria-label"), periodLabel(api.HistogramYear, from)+": "+formatCount(narrow.Total)+" article") {
			t.Errorf("bar %s says %q, the API finds %d in it", start, attr(bar, "aria-label"), narrow.Total)
		}
		if narrow.Total >= all.Total {
			t.Errorf("bar %s: %d articles, not fewer than the %d of the whole search", start, narrow.Total, all.Total)
		}
		// The narrower page charts its year by month.
		if iv := attr(got.one(t, "figure.chart-time"), "data-interval"); iv != api.HistogramMonth && narrow.Total > 0 {
			t.Errorf("bar %s: the narrowed page charts by %q", start, iv)
		}
	}
}

// TestEntityPage: a trust's page has its articles (the newest, as the API
// lists them), its total, its chart (the API's histogram), its jobs by year
// (the API's histogram by year), and the unions and hospitals found with
// it, each a link into the search filtered by both; the unions and places
// pages answer too.
func TestEntityPage(t *testing.T) {
	srv, _ := chartServer(t)
	trust, n := topTrust(t, srv)
	path := "/trusts/" + url.PathEscape(trust)
	p := getPage(t, srv, path)
	p.wantHTML(t, http.StatusOK)
	if h1 := texts(p.all("h1.entity-title")); len(h1) != 1 || h1[0] != trust {
		t.Errorf("title %q, want %q", h1, trust)
	}
	filter := "trust=" + url.QueryEscape(trust)
	res := apiSearch(t, srv, filter+"&sort=-published&size=10&facets=union,hospital&facet_metric=jobs")
	if res.Total != uint64(n) {
		t.Fatalf("the API finds %d articles of %s, its facet counted %d", res.Total, trust, n)
	}
	if got := texts(p.all("strong.entity-total")); len(got) != 1 || got[0] != formatCount(res.Total) {
		t.Errorf("total %q, want %d", got, res.Total)
	}
	var recent, want []string
	for _, a := range p.all("ol.recent li a") {
		recent = append(recent, strings.TrimPrefix(attr(a, "href"), "/articles/"))
	}
	for _, h := range res.Hits {
		want = append(want, h.ID)
	}
	if !slices.Equal(recent, want) || len(recent) == 0 {
		t.Errorf("latest articles %v, want the API's %v", recent, want)
	}
	// The chart: the API's histogram of the interval it shows.
	fig := p.one(t, "figure.chart-time")
	interval := attr(fig, "data-interval")
	hist := apiSearch(t, srv, filter+"&histogram="+interval+"&size=1")
	if bars := all(fig, "svg a.bar"); len(bars) != len(hist.Histogram) || len(bars) == 0 {
		t.Errorf("%d bars, the API %d buckets", len(bars), len(hist.Histogram))
	}
	if got, want := tableRows(fig), histogramRows(t, interval, hist.Histogram); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("chart table %q, the API's %q", got, want)
	}
	for _, a := range all(fig, "svg a.bar") {
		u, _ := url.Parse(attr(a, "href"))
		if u.Path != "/" || u.Query().Get("trust") != trust || u.Query().Get("published_from") == "" {
			t.Errorf("bar links to %q", u)
		}
	}
	// Jobs by year: the API's histogram by year.
	years := apiSearch(t, srv, filter+"&histogram=year&size=1")
	section := p.all("section.entity-section")[0]
	wantYears := histogramRows(t, api.HistogramYear, years.Histogram)
	saving := 0
	for i, b := range years.Histogram {
		wantYears[i] = append(wantYears[i], formatGBP(b.SavingsGBP))
		if b.SavingsGBP > 0 {
			saving++
		}
	}
	if got := tableRows(section); !slices.EqualFunc(got, wantYears, slices.Equal) || saving == 0 {
		t.Errorf("jobs and savings by year %q, the API's %q", got, wantYears)
	}
	// Unions and hospitals found with it, each linking to the search
	// filtered by both.
	for _, kind := range []string{"union", "hospital"} {
		var got, want []string
		for _, a := range p.all("section.related[aria-labelledby=related-" + kind + "] ul.related-list li") {
			links := all(a, "a")
			u, _ := url.Parse(attr(links[0], "href"))
			if u.Path != "/" || u.Query().Get("trust") != trust || u.Query().Get(kind) != text(links[0]) {
				t.Errorf("%s %q links to %q", kind, text(links[0]), u)
			}
			got = append(got, text(links[0]))
		}
		for _, x := range res.Facets[kind] {
			want = append(want, x.Value)
		}
		if !slices.Equal(got, want) || len(got) == 0 {
			t.Errorf("%ss %v, want the API's %v", kind, got, want)
		}
	}
	// A union's page links to it.
	union := res.Facets["union"][0].Value
	var page string
	for _, a := range p.all("section.related[aria-labelledby=related-union] a.page-link") {
		if attr(a, "aria-label") == union+": its page" {
			page = attr(a, "href")
		}
	}
	if page != "/unions/"+url.PathEscape(union) {
		t.Errorf("union %s: page link %q", union, page)
	}
	u := getPage(t, srv, page)
	u.wantHTML(t, http.StatusOK)
	if got := texts(u.all("strong.entity-total")); len(got) != 1 || got[0] != formatCount(apiSearch(t, srv, "union="+url.QueryEscape(union)+"&size=1").Total) {
		t.Errorf("%s: total %q", page, got)
	}
	place := apiSearch(t, srv, "facets=place&facet_size=1&size=1").Facets["place"][0].Value
	getPage(t, srv, "/places/"+url.PathEscape(place)).wantHTML(t, http.StatusOK)
	// A chosen interval.
	q := getPage(t, srv, path+"?histogram=quarter")
	q.wantHTML(t, http.StatusOK)
	if iv := attr(q.one(t, "figure.chart-time"), "data-interval"); iv != "quarter" {
		t.Errorf("?histogram=quarter: chart by %q", iv)
	}
}

// TestEntityPageNotFound: a name no article has, an empty name, a kind
// without pages: the not-found page; an unknown interval: bad request.
func TestEntityPageNotFound(t *testing.T) {
	srv, _ := chartServer(t)
	for _, path := range []string{"/trusts/No%20Such%20NHS%20Trust", "/unions/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/places/", "/trusts/a%2Fb", "/people/Helen%20Peggs"} {
		p := getPage(t, srv, path)
		p.wantHTML(t, http.StatusNotFound)
		if h1 := texts(p.all("h1")); len(h1) != 1 || h1[0] != "Page not found" {
			t.Errorf("%s: heading %q", path, h1)
		}
		if strings.Contains(p.body, "<script>") {
			t.Errorf("%s: the name is not escaped", path)
		}
	}
	if p := getPage(t, srv, "/trusts/No%20Such%20NHS%20Trust"); !strings.Contains(text(p.doc), "No article names the trust “No Such NHS Trust”") {
		t.Error("the not-found page does not say which trust")
	}
	trust, _ := topTrust(t, srv)
	getPage(t, srv, "/trusts/"+url.PathEscape(trust)+"?histogram=week").wantHTML(t, http.StatusBadRequest)
}

// TestArticlePageLinksEntityPages: the article page's side panel links
// each trust, union and place to its page.
func TestArticlePageLinksEntityPages(t *testing.T) {
	srv, _ := uiServer(t)
	p := getPage(t, srv, articleURL(oxford))
	p.wantHTML(t, http.StatusOK)
	var pages []string
	for _, a := range p.all("section.entity-group a.page-link") {
		pages = append(pages, attr(a, "href"))
	}
	for _, want := range []string{"/trusts/Oxford%20Radcliffe%20Hospitals%20NHS%20Trust", "/unions/Unison", "/places/Banbury"} {
		if !slices.Contains(pages, want) {
			t.Errorf("no link to %s among %q", want, pages)
		}
	}
	for _, href := range pages {
		if !strings.HasPrefix(href, "/trusts/") && !strings.HasPrefix(href, "/unions/") && !strings.HasPrefix(href, "/places/") {
			t.Errorf("page link %q of a kind without pages", href)
		}
		getPage(t, srv, href).wantHTML(t, http.StatusOK)
	}
}
