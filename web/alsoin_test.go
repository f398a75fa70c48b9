package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestNearDuplicatesOverHTTP checks issue 13's item 4 through the real
// router: five papers' copies of an agency story are one hit of the API
// with four also_in, five with collapse=false, and the search page shows
// the story once with "Also in:" links to the other papers' copies and
// keeps collapse=false in its links.
func TestNearDuplicatesOverHTTP(t *testing.T) {
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := index.OpenWriter(ctx, t.TempDir(), index.WriterOptions{Tagger: tg, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Put(ctx, append(indextest.Syndicated(), indextest.SameTrust()...)); err != nil {
		t.Fatal(err)
	}
	svc := search.New(w.Index(), search.Options{Generation: w.Generation, Bitmaps: w.Bitmaps, MatchAll: w.MatchAllCounts})
	srv := httptest.NewServer(New(svc, Options{Logger: quiet}).Handler())
	defer srv.Close()

	apiSearch := func(query string) api.Result {
		t.Helper()
		resp, err := http.Get(srv.URL + "/api/search?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res api.Result
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", query, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, tt := range []struct {
		query  string
		hits   int
		alsoIn []string // of the first hit
	}{
		{"q=%22bosses+have+confirmed%22", 1, []string{"syn-2", "syn-3", "syn-4", "syn-5"}},
		{"q=Northshire", 3, nil},
		{"q=%22Kingsbridge+General%22&collapse=false", 5 + 2, nil},
	} {
		res := apiSearch(tt.query)
		if len(res.Hits) != tt.hits || res.Total != uint64(tt.hits) {
			t.Errorf("%s: %d hits of %d, want %d", tt.query, len(res.Hits), res.Total, tt.hits)
			continue
		}
		if tt.alsoIn == nil {
			continue
		}
		var got []string
		for _, a := range res.Hits[0].AlsoIn {
			got = append(got, a.ID)
		}
		if res.Hits[0].ID != "syn-1" || !slices.Equal(got, tt.alsoIn) {
			t.Errorf("%s: first hit %s also in %v, want syn-1 also in %v", tt.query, res.Hits[0].ID, got, tt.alsoIn)
		}
	}
	if resp, err := http.Get(srv.URL + "/api/search?collapse=maybe"); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("collapse=maybe: %v %v, want 400", resp.Status, err)
	}

	p := getPage(t, srv, "/?q=Northshire")
	p.wantHTML(t, http.StatusOK)
	if ids := hitIDs(t, p); len(ids) != 3 || !slices.Contains(ids, "syn-1") {
		t.Errorf("search page hits %v, want the story once and the two others", ids)
	}
	links := p.all("p.also-in a")
	var hrefs, labels []string
	for _, a := range links {
		hrefs = append(hrefs, attr(a, "href"))
		labels = append(labels, text(a))
	}
	wantHrefs := []string{articleURL("syn-2"), articleURL("syn-3"), articleURL("syn-4"), articleURL("syn-5")}
	wantLabels := []string{"kingsbridge-echo.example", "northshire-gazette.example", "westcountry-times.example", "the-courier.example"}
	if !slices.Equal(hrefs, wantHrefs) || !slices.Equal(labels, wantLabels) {
		t.Errorf("also in links %v %v, want %v %v", hrefs, labels, wantHrefs, wantLabels)
	}

	// The article page and the article API list the story's other copies.
	p = getPage(t, srv, articleURL("syn-3"))
	p.wantHTML(t, http.StatusOK)
	hrefs = nil
	for _, a := range p.all("p.also-in a") {
		hrefs = append(hrefs, attr(a, "href"))
	}
	if want := []string{articleURL("syn-1"), articleURL("syn-2"), articleURL("syn-4"), articleURL("syn-5")}; !slices.Equal(hrefs, want) {
		t.Errorf("article page also in %v, want %v", hrefs, want)
	}
	for id, want := range map[string]int{"syn-3": 4, "trust-ceo": 0} {
		resp, err := http.Get(srv.URL + "/api/articles/" + id)
		if err != nil {
			t.Fatal(err)
		}
		var a api.TaggedArticle
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if err != nil || len(a.AlsoIn) != want {
			t.Errorf("GET /api/articles/%s: also_in %v (%v), want %d", id, a.AlsoIn, err, want)
		}
	}

	p = getPage(t, srv, "/?q=Kingsbridge&collapse=false")
	p.wantHTML(t, http.StatusOK)
	if ids := hitIDs(t, p); len(ids) != 7 {
		t.Errorf("collapse=false page hits %v, want all 7", ids)
	}
	kept := 0
	for _, a := range p.all("a[href]") {
		href := attr(a, "href")
		if !strings.HasPrefix(href, "/?") {
			continue
		}
		u, err := url.Parse(href)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("collapse") != "false" {
			t.Errorf("link %q loses collapse=false", href)
		}
		kept++
	}
	if kept == 0 {
		t.Error("no search links on the collapse=false page")
	}
}
