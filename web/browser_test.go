package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactsDir is where the browser test writes its screenshots:
// $CUTWATCH_ARTIFACTS, or artifacts/ at the repository root (ignored by git).
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("CUTWATCH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// browser drives one headless Chromium tab against the UI test server.
// Every step runs under its own timeout, so that a stuck page fails the
// test instead of hanging it.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// stepTimeout bounds one step (an action and what it waits for). It is
// generous because CI runs this under -race on two shared cores.
const stepTimeout = 30 * time.Second

// do runs actions as one named step.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *browser, step, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: evaluate %s: %v", step, expr, err)
	}
	return v
}

// waitFor waits until a JavaScript condition holds in the page. It
// evaluates the condition again and again rather than with chromedp.Poll,
// because an evaluation that runs while the page is being left fails (the
// next one runs in the new page), and because Poll needs an execution
// context that chromedp does not see for a page restored from the
// back-forward cache.
func (b *browser) waitFor(step, cond string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	expr := `document.readyState === "complete" && !!(` + cond + `)`
	var last error
	for {
		ectx, ecancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](expr))
		ecancel()
		if err == nil && ok {
			return
		}
		last = err
		select {
		case <-ctx.Done():
			loc, _ := chromedp.Run(b.ctx, chromedp.Location())
			b.t.Fatalf("%s: timed out waiting for %s (at %s; last error %v)", step, cond, loc, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// location returns the page's URL, parsed.
func (b *browser) location(step string) *url.URL {
	b.t.Helper()
	s := eval[string](b, step, `location.href`)
	u, err := url.Parse(s)
	if err != nil {
		b.t.Fatalf("%s: location %q: %v", step, s, err)
	}
	return u
}

// screenshot saves the viewport as a PNG in the artifacts directory.
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.t.Logf("screenshot: %s", path)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowser drives the UI in headless Chromium against the real server
// on loopback over a real index: search, filter by ticking a box, open an
// article, follow an entity highlight, go back; it checks that a hostile
// article's markup is shown as text and never runs; and it saves
// screenshots of the pages at desktop and phone sizes.
func TestBrowser(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("CUTWATCH_REQUIRE_BROWSER") == "1" {
			t.Fatal("no chromium found, and CUTWATCH_REQUIRE_BROWSER=1 requires the browser test; install with apt-get install chromium")
		}
		t.Skip("SKIPPING BROWSER TEST: no chromium found; install with apt-get install chromium")
	}
	srv, svc := uiServer(t)
	chartSrv, _ := chartServer(t)
	shots := artifactsDir(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	// The whole test, browser start included, has an upper bound.
	testCtx, cancelTest := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancelTest()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(testCtx, opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	defer cancelCtx()

	// Start the browser. Its life is bound to the context of this first
	// call, so that is ctx itself (bounded by testCtx); the steps then
	// derive their own timeouts from ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	b := &browser{t: t, ctx: ctx, base: srv.URL}

	// Record dialogs (alert, confirm, prompt) and console errors (script
	// errors, CSP violations) for the whole session. A dialog is dismissed
	// at once so that it cannot block the page.
	var (
		mu       sync.Mutex
		dialogs  []string
		problems []string
	)
	dialogEvents := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	go func() {
		for ev, err := range dialogEvents {
			if err != nil {
				return
			}
			mu.Lock()
			dialogs = append(dialogs, fmt.Sprintf("%s: %s", ev.Type, ev.Message))
			mu.Unlock()
			_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if strings.Contains(m.String(), "status of 400") && expectBadRequest.Add(-1) >= 0 {
				continue // the search as you type of a malformed query
			}
			if m.IsException() || m.Type == "error" || m.Type == "assert" {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()

	b.do("viewport", chromedp.EmulateViewport(1280, 900))

	t.Run("search, filter, article, back", func(t *testing.T) {
		b.t = t
		defer func() { b.t = nil }()
		testSearchFlow(b, svc, shots)
	})
	t.Run("search as you type", func(t *testing.T) {
		b.t = t
		defer func() { b.t = nil }()
		testSearchAsYouType(b, svc)
	})
	t.Run("the search page offers its feed", func(t *testing.T) {
		b.t = t
		defer func() { b.t = nil }()
		b.do("feed: search page", chromedp.Navigate(b.base+"/?q=redundancy&union=Unison&sort=-jobs"))
		b.waitFor("feed: search page", `document.querySelectorAll(".hit").length > 0`)
		want := feedPath + "?q=redundancy&union=Unison"
		if got := eval[string](b, "feed: head link", `document.querySelector('link[rel="alternate"][type="application/atom+xml"]').getAttribute("href")`); got != want {
			t.Errorf("<link rel=alternate> %q, want %q", got, want)
		}
		link := `[...document.querySelectorAll("a")].find(a => a.textContent.trim() === "Follow this search")`
		if got := eval[string](b, "feed: visible link", link+`.getAttribute("href")`); got != want {
			t.Errorf(`"Follow this search" links %q, want %q`, got, want)
		}
		if !eval[bool](b, "feed: link shown", `(() => { const r = `+link+`.getBoundingClientRect(); return r.width > 0 && r.height > 0 })()`) {
			t.Error(`"Follow this search" is not shown`)
		}
		// The browser fetches the feed: Atom with the search's entries.
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		defer cancel()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(`+link+`.href).then(r => r.text()).then(x => new DOMParser().parseFromString(x, "application/xml")).then(d => d.documentElement.namespaceURI === "http://www.w3.org/2005/Atom" && !d.querySelector("parsererror") ? d.getElementsByTagName("entry").length : -1)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("feed: fetch: %v", err)
		}
		if n <= 0 {
			t.Errorf("the feed the page links has %d entries (-1: not Atom)", n)
		}
	})
	t.Run("hostile article runs no script", func(t *testing.T) {
		b.t = t
		defer func() { b.t = nil }()
		testHostileArticle(b)
		mu.Lock()
		defer mu.Unlock()
		if len(dialogs) > 0 {
			t.Errorf("the page opened dialogs (a script ran): %q", dialogs)
		}
	})
	t.Run("links in text are not told apart by colour alone", func(t *testing.T) {
		b.t = t
		defer func() { b.t = nil }()
		testLinksInText(b)
	})
	t.Run("phone screenshots", func(t *testing.T) {
		b.t = t
		defer func() { b.t = nil }()
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		b.do("phone: search page", chromedp.Navigate(b.base+"/?q=redundancy"))
		b.waitFor("phone: search page", `document.querySelectorAll(".hit").length === 4`)
		b.screenshot(shots, "search-phone.png")
		// Nothing may stick out sideways on a phone.
		if w := eval[int](b, "phone: width", `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("search page is %d CSS px wide on a 390 px phone", w)
		}
		b.do("phone: article page", chromedp.Navigate(b.base+articleURL(oxford)))
		b.waitFor("phone: article page", `document.querySelector(".article-text") !== null`)
		b.screenshot(shots, "article-phone.png")
		if w := eval[int](b, "phone: width", `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("article page is %d CSS px wide on a 390 px phone", w)
		}
	})

	t.Run("charts and entity pages", func(t *testing.T) {
		testCharts(&browser{t: t, ctx: b.ctx, base: chartSrv.URL}, chartSrv, shots)
	})

	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) > 0 {
		t.Errorf("dialogs opened during the session: %q", dialogs)
	}
	if len(problems) > 0 {
		t.Errorf("console errors during the session (script errors or CSP violations):\n%s", strings.Join(problems, "\n"))
	}
}

// testCharts checks the charts of the search page and an entity page on
// the server over the generated, dated corpus (chartServer): the time
// chart has a bar per bucket of the API's histogram for the same request;
// clicking a bar narrows the URL's dates and the result count to the
// API's for that period; the entity page draws its chart; nothing sticks
// out sideways on a phone; screenshots at both sizes.
func testCharts(b *browser, srv *httptest.Server, shots string) {
	t := b.t
	b.do("charts: desktop viewport", chromedp.EmulateViewport(1280, 900))
	const query = "q=jobs"
	b.do("charts: search page", chromedp.Navigate(b.base+"/?"+query))
	b.waitFor("charts: time chart", `document.querySelectorAll("figure.chart-time svg a.bar").length > 0`)
	interval := eval[string](b, "charts: interval", `document.querySelector("figure.chart-time").dataset.interval`)
	want := apiSearch(t, srv, query+"&histogram="+interval+"&size=1")
	if n := eval[int](b, "charts: bars", `document.querySelectorAll("figure.chart-time svg a.bar").length`); n != len(want.Histogram) || n < 2 {
		t.Fatalf("%d bars, the API's histogram by %s has %d buckets", n, interval, len(want.Histogram))
	}
	// Drawn: the chart has a size, and its bars too.
	if !eval[bool](b, "charts: drawn", `(() => { const r = document.querySelector("figure.chart-time svg").getBoundingClientRect(); return r.width > 600 && r.height > 150 })()`) {
		t.Error("the time chart has no size on the page")
	}
	if n := eval[int](b, "charts: drawn bars", `[...document.querySelectorAll("figure.chart-time rect.bar-count")].filter(r => r.getBoundingClientRect().height > 0).length`); n == 0 {
		t.Error("no bar of the time chart is drawn")
	}
	if n := eval[int](b, "charts: rankings", `document.querySelectorAll("figure.chart-rank a.rank-link").length`); n == 0 {
		t.Error("no ranking bars")
	}
	before := apiSearch(t, srv, query+"&size=1").Total
	if got := eval[string](b, "charts: summary", `document.querySelector(".summary strong").textContent`); got != formatCount(before) {
		t.Errorf("summary %q, the API %d", got, before)
	}
	b.screenshot(shots, "charts-desktop.png")

	// Click the bar of the busiest period.
	busiest := 0
	for i, h := range want.Histogram {
		if h.Count > want.Histogram[busiest].Count {
			busiest = i
		}
	}
	start := want.Histogram[busiest].Start
	from, to, err := periodBounds(interval, start)
	if err != nil {
		t.Fatal(err)
	}
	b.do("charts: click a bar", chromedp.Click(chromedp.CSS(`figure.chart-time svg a.bar[data-start="`+start+`"]`)))
	b.waitFor("charts: narrowed", `new URLSearchParams(location.search).get("published_from") === `+jsString(start))
	u := b.location("charts: narrowed")
	if u.Query().Get("published_to") != to.Format(time.DateOnly) || u.Query().Get("q") != "jobs" {
		t.Errorf("after clicking the %s bar: %s; want q=jobs, published_from=%s, published_to=%s", start, u, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	after := apiSearch(t, srv, u.RawQuery+"&size=1").Total
	if got := eval[string](b, "charts: narrowed summary", `document.querySelector(".summary strong").textContent`); got != formatCount(after) {
		t.Errorf("after the click the page says %q articles, /api/search %d", got, after)
	}
	if after == 0 || after >= before || int(after) != want.Histogram[busiest].Count {
		t.Errorf("after the click %d articles; before %d, the bar's count %d", after, before, want.Histogram[busiest].Count)
	}

	// An entity page: the trust with the most articles.
	trust, _ := topTrust(t, srv)
	page := b.base + "/trusts/" + url.PathEscape(trust)
	b.do("entity: page", chromedp.Navigate(page))
	b.waitFor("entity: chart", `document.querySelectorAll("figure.chart-time svg a.bar").length > 0 && document.querySelector("h1.entity-title") !== null`)
	if h1 := eval[string](b, "entity: title", `document.querySelector("h1.entity-title").textContent`); h1 != trust {
		t.Errorf("entity page title %q, want %q", h1, trust)
	}
	eInterval := eval[string](b, "entity: interval", `document.querySelector("figure.chart-time").dataset.interval`)
	eHist := apiSearch(t, srv, "trust="+url.QueryEscape(trust)+"&histogram="+eInterval+"&size=1").Histogram
	if n := eval[int](b, "entity: bars", `document.querySelectorAll("figure.chart-time svg a.bar").length`); n != len(eHist) {
		t.Errorf("entity chart: %d bars, the API %d buckets", n, len(eHist))
	}
	b.screenshot(shots, "entity-desktop.png")

	// On a phone: nothing sticks out sideways, and the chart's labels stay
	// inside the page.
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, p := range []struct{ path, shot string }{{"/?" + query, "charts-phone.png"}, {"/trusts/" + url.PathEscape(trust), "entity-phone.png"}} {
		b.do("phone: "+p.path, chromedp.Navigate(b.base+p.path))
		b.waitFor("phone: "+p.path, `document.querySelectorAll("figure.chart-time svg a.bar").length > 0`)
		b.screenshot(shots, p.shot)
		if w := eval[int](b, "phone: width", `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s is %d CSS px wide on a 390 px phone", p.path, w)
		}
		labels := `[...document.querySelectorAll("figure.chart-time text")].filter(x => getComputedStyle(x).display !== "none").map(x => x.getBoundingClientRect())`
		if n := eval[int](b, "phone: labels", labels+`.length`); n < 2 {
			t.Errorf("%s: %d chart labels shown on a phone", p.path, n)
		}
		if bad := eval[int](b, "phone: labels inside", labels+`.filter(r => r.left < 0 || r.right > 390).length`); bad != 0 {
			t.Errorf("%s: %d chart labels stick out of a 390 px screen", p.path, bad)
		}
		if overlap := eval[int](b, "phone: labels apart", `(() => { const rs = `+labels+`.filter(r => r.top > 0).sort((a, b) => a.left - b.left); let n = 0; for (let i = 1; i < rs.length; i++) if (Math.abs(rs[i].top - rs[i-1].top) < 2 && rs[i].left < rs[i-1].right) n++; return n })()`); overlap != 0 {
			t.Errorf("%s: %d chart labels overlap on a phone", p.path, overlap)
		}
	}
}

// expectBadRequest counts the 400s the browser test expects, from typing
// a malformed query: the browser logs the 400 of the search as you type
// as a console error, which is no fault.
var expectBadRequest atomic.Int32

// testSearchAsYouType types into the search box without submitting: the
// results follow the words typed (those of /api/search for the same
// query, typo and all), the address follows with the filters kept, fast
// typing makes one request after the pause, a partial match is labelled,
// an entity the query names is offered as a filter link, and a query the
// parser refuses shows its message without a reload or losing the focus.
// (That a request still under way is cancelled by the next is left to
// the AbortController; its timing cannot be forced here.)
func testSearchAsYouType(b *browser, svc *search.Service) {
	t := b.t
	b.do("open search page", chromedp.Navigate(b.base+"/?union=Unison"))
	b.waitFor("search page", `document.querySelector("#q") !== null`)
	// A marker on the window survives only if the page is never reloaded.
	eval[int](b, "mark window", `window.__live = 1`)
	// Count the requests the page makes.
	eval[bool](b, "spy on fetch", `(() => {
		window.__fetches = 0;
		const f = window.fetch;
		window.fetch = function () {
			window.__fetches++;
			return f.apply(this, arguments);
		};
		return true;
	})()`)
	want := func(q string) *api.Result {
		res, err := svc.Search(context.Background(), api.Request{Q: q, Filters: map[string][]string{"union": {"Unison"}}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Slow typing, one request a word: "Rotheram" has a typo.
	b.do("type a word", chromedp.SendKeys(chromedp.CSS("#q"), "Rotheram"))
	b.waitFor("results for Rotheram", `new URLSearchParams(location.search).get("q") === "Rotheram" && !document.querySelector("#search").hasAttribute("aria-busy")`)
	res := want("Rotheram")
	if res.Total == 0 {
		t.Fatal("Rotheram finds nothing in the API: the check proves little")
	}
	if n := eval[int](b, "count hits", `document.querySelectorAll(".hits .hit").length`); n != len(res.Hits) {
		t.Errorf("Rotheram: %d results on the page, the API finds %d", n, len(res.Hits))
	}
	if u := b.location("after typing"); !slices.Equal(u.Query()["union"], []string{"Unison"}) {
		t.Errorf("the address lost the filter: %s", u)
	}
	// Fast typing: one request after the pause, for the whole query.
	eval[string](b, "clear", `document.querySelector("#q").value = ""`)
	eval[int](b, "reset spy", `window.__fetches = 0`)
	b.do("type nurses zebra", chromedp.SendKeys(chromedp.CSS("#q"), "nurses zebra"))
	b.waitFor("results for nurses zebra", `new URLSearchParams(location.search).get("q") === "nurses zebra" && !document.querySelector("#search").hasAttribute("aria-busy")`)
	if res := want("nurses zebra"); !res.Relaxed || res.Total == 0 {
		t.Fatalf("nurses zebra: relaxed %v, %d hits in the API, want partial matches", res.Relaxed, res.Total)
	}
	if !eval[bool](b, "relaxed note", `document.querySelector(".relaxed") !== null`) {
		t.Error("partial matches are not labelled")
	}
	if n := eval[int](b, "requests", `window.__fetches`); n != 1 {
		t.Errorf("typing nurses zebra at once made %d requests, want 1 after the pause", n)
	}
	// Entities the query names are offered as filters.
	eval[string](b, "clear", `document.querySelector("#q").value = ""`)
	b.do("type RCN", chromedp.SendKeys(chromedp.CSS("#q"), "RCN"))
	b.waitFor("results for RCN", `new URLSearchParams(location.search).get("q") === "RCN" && !document.querySelector("#search").hasAttribute("aria-busy")`)
	link := eval[string](b, "suggestion", `(document.querySelector(".suggest a") || {}).textContent || ""`)
	if link != "union: Royal College of Nursing" {
		t.Errorf("suggestion %q, want the union Royal College of Nursing", link)
	}
	// A query the parser refuses: its message, no reload.
	eval[string](b, "clear", `document.querySelector("#q").value = ""`)
	expectBadRequest.Store(1)
	b.do("type unions:", chromedp.SendKeys(chromedp.CSS("#q"), "unions:Unison"))
	b.waitFor("message", `document.querySelector("#q-error") !== null`)
	if !eval[bool](b, "same window", `window.__live === 1`) {
		t.Error("the page reloaded")
	}
	if n := eval[int](b, "focus", `document.activeElement === document.querySelector("#q") ? 1 : 0`); n != 1 {
		t.Error("the search box lost the focus")
	}
}

// testSearchFlow is the user journey of the issue: type, submit, tick a
// union, open an article, follow a highlighted trust, go back.
func testSearchFlow(b *browser, svc *search.Service, shots string) {
	t := b.t
	b.do("open search page", chromedp.Navigate(b.base+"/"))
	b.waitFor("search page", `document.querySelector("#q") !== null`)

	// Type "redundancy" and submit with the button.
	b.do("type query",
		chromedp.SendKeys(chromedp.CSS("#q"), "redundancy"),
		chromedp.Click(chromedp.CSS(".searchbox button")),
	)
	b.waitFor("results for redundancy", `new URLSearchParams(location.search).get("q") === "redundancy"`)
	if n := eval[int](b, "count hits", `document.querySelectorAll(".hits .hit").length`); n != 4 {
		t.Fatalf("redundancy: %d results on the page, want 4", n)
	}
	if got := eval[string](b, "summary", `document.querySelector(".summary strong").textContent`); got != "4" {
		t.Errorf("redundancy: summary says %q articles, want 4", got)
	}
	if v := eval[string](b, "search box", `document.querySelector("#q").value`); v != "redundancy" {
		t.Errorf("search box holds %q after the search, want redundancy", v)
	}

	// Tick the union Unison: the page reloads with union=Unison in the URL.
	box := `input[type=checkbox][name="union"][value="Unison"]`
	if checked := eval[bool](b, "Unison box", `document.querySelector(`+jsString(box)+`).checked`); checked {
		t.Fatal("Unison is ticked before it was clicked")
	}
	b.do("tick Unison", chromedp.Click(chromedp.CSS(box)))
	b.waitFor("filtered by Unison", `new URLSearchParams(location.search).getAll("union").includes("Unison")`)
	u := b.location("after ticking Unison")
	if u.Query().Get("q") != "redundancy" || !slices.Equal(u.Query()["union"], []string{"Unison"}) {
		t.Errorf("URL after ticking Unison: %s; want q=redundancy and union=Unison", u)
	}
	want, err := svc.Search(context.Background(), api.Request{Q: "redundancy", Filters: map[string][]string{"union": {"Unison"}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := eval[int](b, "count hits", `document.querySelectorAll(".hits .hit").length`); n != len(want.Hits) || n == 0 {
		t.Errorf("redundancy + Unison: %d results on the page, want %d", n, len(want.Hits))
	}
	// Every hit shows Unison among its unions, the box stays ticked, and
	// the filter shows as a removable chip.
	if bad := eval[int](b, "hit unions", `[...document.querySelectorAll(".hit")].filter(h => ![...h.querySelectorAll(".chip-union")].some(c => c.textContent === "Unison")).length`); bad != 0 {
		t.Errorf("%d hits do not show the union Unison", bad)
	}
	if !eval[bool](b, "Unison box", `document.querySelector(`+jsString(box)+`).checked`) {
		t.Error("Unison is not ticked on the filtered page")
	}
	if chips := eval[string](b, "active chips", `document.querySelector(".active-filters").textContent`); !strings.Contains(chips, "Unison") {
		t.Errorf("active filter chips %q do not show Unison", chips)
	}
	b.screenshot(shots, "search-desktop.png")

	// The value finder autocompletes from /api/facets/:field. (Checked
	// before the history steps: after a back navigation chromedp can only
	// evaluate, not query nodes, in a page restored from the cache.)
	finder := `#find-person`
	if eval[bool](b, "person finder", `(() => { const f = document.querySelector("#find-person"); return !!f && !f.closest(".finder").hidden; })()`) {
		b.do("type in finder", chromedp.SendKeys(chromedp.CSS(finder), "Hel"))
		// The list first holds every value (looked up on focus), then only
		// those with a word that starts with what was typed.
		b.waitFor("finder suggestions", `(() => { const o = [...document.querySelectorAll("#list-person option")].map(o => o.value); return o.includes("Helen Peggs") && o.every(v => /(^|[\s(\/-])hel/i.test(v)); })()`)
	} else {
		t.Error("the person facet has no visible value finder")
	}
	b.do("clear finder", chromedp.Evaluate[chromedp.Void](`document.querySelector("#find-person").value = ""`))
	searchURL := b.location("search page").String()

	// Open an article that names a trust.
	hitWithTrust := `[...document.querySelectorAll(".hit")].find(h => h.querySelector(".chip-trust"))`
	href := eval[string](b, "find hit with a trust", hitWithTrust+`.querySelector(".hit-title a").getAttribute("href")`)
	title := eval[string](b, "hit title", hitWithTrust+`.querySelector(".hit-title a").textContent`)
	id, ok := strings.CutPrefix(href, "/articles/")
	if !ok {
		t.Fatalf("hit link %q does not lead to an article page", href)
	}
	b.do("open article", chromedp.Click(chromedp.CSS(`.hit-title a[href=`+jsString(href)+`]`)))
	b.waitFor("article page", `location.pathname === `+jsString(href)+` && document.querySelector(".article-text") !== null`)
	if h1 := eval[string](b, "article title", `document.querySelector("h1.article-title").textContent`); h1 != title {
		t.Errorf("article page title %q, want the hit's title %q", h1, title)
	}
	b.screenshot(shots, "article-desktop.png")

	// A highlighted trust links to the search filtered by that trust.
	art, err := svc.Article(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	trustHref := eval[string](b, "trust highlight", `(document.querySelector(".article-text a.ent-trust") || {getAttribute: () => ""}).getAttribute("href")`)
	if trustHref == "" {
		t.Fatalf("article %s: no highlighted trust in the text (its trusts: %v)", id, art.Values.Terms(tag.Trust))
	}
	tu, err := url.Parse(trustHref)
	if err != nil {
		t.Fatal(err)
	}
	trust := tu.Query().Get("trust")
	if tu.Path != "/" || !slices.Contains(art.Values.Terms(tag.Trust), trust) {
		t.Fatalf("trust highlight links to %q; want the search for one of the article's trusts %v", trustHref, art.Values.Terms(tag.Trust))
	}
	b.do("follow trust", chromedp.Click(chromedp.CSS(`.article-text a.ent-trust[href=`+jsString(trustHref)+`]`)))
	b.waitFor("filtered by trust", `location.pathname === "/" && new URLSearchParams(location.search).get("trust") === `+jsString(trust))
	wantTrust, err := svc.Search(context.Background(), api.Request{Filters: map[string][]string{"trust": {trust}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := eval[int](b, "count hits", `document.querySelectorAll(".hits .hit").length`); n != len(wantTrust.Hits) || n == 0 {
		t.Errorf("trust=%s: %d results on the page, want %d", trust, n, len(wantTrust.Hits))
	}
	if bad := eval[int](b, "hit trusts", `[...document.querySelectorAll(".hit")].filter(h => ![...h.querySelectorAll(".chip-trust")].some(c => c.textContent === `+jsString(trust)+`)).length`); bad != 0 {
		t.Errorf("%d hits do not show the trust %q", bad, trust)
	}
	if !eval[bool](b, "article among hits", `[...document.querySelectorAll(".hit-title a")].some(a => a.getAttribute("href") === `+jsString(href)+`)`) {
		t.Errorf("the search for its trust does not list the article %s", id)
	}

	// Back: the article, then the filtered search, as they were.
	b.do("back to article", chromedp.Evaluate[chromedp.Void](`history.back()`))
	b.waitFor("article page again", `location.pathname === `+jsString(href)+` && document.querySelector("h1.article-title") !== null`)
	if h1 := eval[string](b, "article title", `document.querySelector("h1.article-title").textContent`); h1 != title {
		t.Errorf("after going back: title %q, want %q", h1, title)
	}
	b.do("back to search", chromedp.Evaluate[chromedp.Void](`history.back()`))
	b.waitFor("search page again", `location.href === `+jsString(searchURL)+` && document.querySelector(".hits") !== null`)
	if n := eval[int](b, "count hits", `document.querySelectorAll(".hits .hit").length`); n != len(want.Hits) {
		t.Errorf("after going back: %d results, want %d", n, len(want.Hits))
	}
	if !eval[bool](b, "Unison box", `document.querySelector(`+jsString(box)+`).checked`) {
		t.Error("after going back: Unison is not ticked")
	}
}

// testHostileArticle opens the article whose title and text carry script
// and markup payloads and checks that they show as text and did nothing.
func testHostileArticle(b *browser) {
	t := b.t
	b.do("open hostile article", chromedp.Navigate(b.base+articleURL(hostileID)))
	b.waitFor("hostile article", `document.querySelector(".article-text") !== null`)
	// The payloads would set this flag (the CSP would also stop them, but
	// the checks below look for the elements themselves, so they fail if
	// the escaping broke even though the CSP held).
	if flag := eval[string](b, "xss flag", `typeof window.__cutwatchXSS`); flag != "undefined" {
		t.Errorf("window.__cutwatchXSS is %s: a payload ran", flag)
	}
	if n := eval[int](b, "script elements", `[...document.querySelectorAll("script")].filter(s => /alert|__cutwatchXSS/.test(s.textContent)).length`); n != 0 {
		t.Errorf("%d <script> elements with the payload exist in the DOM", n)
	}
	if n := eval[int](b, "onerror elements", `document.querySelectorAll("[onerror], [onmouseover], img[src=x], b").length`); n != 0 {
		t.Errorf("%d elements with an event-handler attribute or injected tag exist in the DOM", n)
	}
	text := eval[string](b, "article text", `document.querySelector(".article-text").textContent`)
	for _, literal := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(2)>`,
		`" onmouseover="window.__cutwatchXSS=3" x="`,
		`</p></div><b>bold</b> &amp; done.`,
	} {
		if !strings.Contains(text, literal) {
			t.Errorf("article text does not show %q literally", literal)
		}
	}
	if h1 := eval[string](b, "title", `document.querySelector("h1.article-title").textContent`); h1 != `Board papers <script>window.__cutwatchXSS=4</script> leaked` {
		t.Errorf("title shown as %q", h1)
	}
	// The same payloads in a result snippet.
	b.do("search hostile", chromedp.Navigate(b.base+"/?q=onerror"))
	b.waitFor("hostile snippet", `document.querySelector(".snippet") !== null`)
	snippet := eval[string](b, "snippet", `document.querySelector(".snippet").textContent`)
	if !strings.Contains(snippet, "<img src=x onerror") {
		t.Errorf("snippet %q does not show the markup as text", snippet)
	}
	if n := eval[int](b, "snippet elements", `document.querySelectorAll(".snippet *:not(mark)").length`); n != 0 {
		t.Errorf("the snippet holds %d elements other than <mark>", n)
	}
	if flag := eval[string](b, "xss flag", `typeof window.__cutwatchXSS`); flag != "undefined" {
		t.Errorf("window.__cutwatchXSS is %s on the results page: a payload ran", flag)
	}
}

// testLinksInText checks, on the rendered pages, that every link inside a
// paragraph or the footer (running text) is underlined or otherwise marked
// (a bottom border, a background), as Lighthouse's link-in-text-block
// audit and WCAG 1.4.1 ask: its colour alone does not tell it apart.
func testLinksInText(b *browser) {
	const unmarked = `(() => {
		const links = [...document.querySelectorAll("p a, footer a")];
		const bad = links.filter(a => {
			const s = getComputedStyle(a);
			return !s.textDecorationLine.includes("underline") &&
				!(s.borderBottomStyle !== "none" && parseFloat(s.borderBottomWidth) > 0) &&
				(s.backgroundColor === "rgba(0, 0, 0, 0)" || s.backgroundColor === "transparent");
		}).map(a => a.outerHTML.slice(0, 120));
		return JSON.stringify({n: links.length, bad});
	})()`
	// Each page with the number of such links it has at least: the
	// footer's, "clear all filters" on an empty search, "Back to search"
	// and "Original at" on an article. (The error page's one link is a
	// button; loading it would log its 404 as a console error.)
	for _, tt := range []struct {
		path string
		min  int
	}{
		{"/?q=redundancy&union=Unison", 1},
		{"/?q=redundancy&union=Unison&person=Nobody+Atall", 2},
		{articleURL(oxford), 3},
	} {
		path := tt.path
		b.do("links in text: "+path, chromedp.Navigate(b.base+path))
		b.waitFor("links in text: "+path, `document.querySelector("footer") !== null`)
		var got struct {
			N   int      `json:"n"`
			Bad []string `json:"bad"`
		}
		if err := json.Unmarshal([]byte(eval[string](b, "links in text: "+path, unmarked)), &got); err != nil {
			b.t.Fatal(err)
		}
		if got.N < tt.min {
			b.t.Errorf("%s: %d links in running text, want at least %d", path, got.N, tt.min)
		}
		for _, l := range got.Bad {
			b.t.Errorf("%s: a link in running text is told apart by its colour only: %s", path, l)
		}
	}
}
