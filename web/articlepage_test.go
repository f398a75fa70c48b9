package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestHugeArticlePage: an entity-dense article of 600 KB has a page that
// shows and highlights its first MaxPageText bytes, says so and links the
// JSON; the page is rendered once and reused until the article changes.
func TestHugeArticlePage(t *testing.T) {
	ws := newWriteServer(t, testKey)
	sentence := "Unison says 12 nurses at Leeds Teaching Hospitals NHS Trust in Leeds lose their posts. "
	text := strings.Repeat(sentence, 600<<10/len(sentence))
	body, _ := json.Marshal(map[string]string{"text": text, "title": "Huge"})
	ws.post(t, "PUT", "/api/articles/huge-1", string(body), http.StatusOK, nil)

	status, _, page := ws.do(t, "GET", "/articles/huge-1", "", nil)
	if status != http.StatusOK {
		t.Fatalf("page: %d", status)
	}
	html := string(page)
	if !strings.Contains(html, `id="article-cut"`) || !strings.Contains(html, `href="/api/articles/huge-1"`) {
		t.Errorf("the page of a 600 KB article does not say it is cut and link the JSON")
	}
	if n := strings.Count(html, `class="ent `); n == 0 || n > MaxPageHighlights {
		t.Errorf("%d highlights, want 1 to %d", n, MaxPageHighlights)
	}
	if len(page) > 5*MaxPageText {
		t.Errorf("page of %d bytes for a %d-byte article, want at most %d", len(page), len(text), 5*MaxPageText)
	}
	if strings.Count(html, "lose their posts") > MaxPageText/len(sentence)+1 {
		t.Errorf("the page shows more than the first %d bytes of text", MaxPageText)
	}

	// Rendered once: the second answer is the kept rendering.
	a, err := ws.srv.searcher.Article(t.Context(), "huge-1")
	if err != nil {
		t.Fatal(err)
	}
	kept, ok := ws.srv.pages.get(a)
	if !ok || string(kept) != html {
		t.Fatalf("the page is not kept for the current article")
	}
	if _, _, again := ws.do(t, "GET", "/articles/huge-1", "", nil); string(again) != html {
		t.Errorf("the second answer differs from the first")
	}
	// A write makes the next read render anew.
	ws.post(t, "PUT", "/api/articles/huge-1", `{"text":"Wick ward closes.","title":"Small now"}`, http.StatusOK, nil)
	_, _, small := ws.do(t, "GET", "/articles/huge-1", "", nil)
	if !strings.Contains(string(small), "Wick ward closes.") || strings.Contains(string(small), `id="article-cut"`) {
		t.Errorf("after a PUT the page is stale")
	}
}

// TestArticleAPIEntityPages: the JSON of an entity-dense article (and the
// answer to its write) holds at
// most DefaultArticleEntities mentions and the query of the next ones;
// following it reads every mention once, in order, and bad page
// parameters are a 400.
func TestArticleAPIEntityPages(t *testing.T) {
	ws := newWriteServer(t, testKey)
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "Unison says %d nurses at Leeds Teaching Hospitals NHS Trust in Leeds lose their posts. ", 12+i)
	}
	text := b.String()
	body, _ := json.Marshal(map[string]string{"text": text, "title": "Dense"})
	var put ingestResult
	ws.post(t, "PUT", "/api/articles/dense-1", string(body), http.StatusOK, &put)
	if len(put.Entities) != api.DefaultArticleEntities || put.EntityCount <= api.DefaultArticleEntities {
		t.Errorf("the write's answer holds %d of %d mentions, want the first %d", len(put.Entities), put.EntityCount, api.DefaultArticleEntities)
	}

	type page struct {
		Entities      []tag.Entity `json:"entities"`
		EntityCount   int          `json:"entity_count"`
		CutEventCount int          `json:"cut_event_count"`
		CutEvents     []any        `json:"cut_events"`
		EntitiesNext  string       `json:"entities_next"`
		Text          string       `json:"text"`
	}
	get := func(query string) (page, int) {
		t.Helper()
		status, _, b := ws.do(t, "GET", "/api/articles/dense-1"+query, "", nil)
		var p page
		if status == http.StatusOK {
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
		}
		return p, status
	}
	first, _ := get("")
	if first.EntityCount <= api.DefaultArticleEntities || len(first.Entities) != api.DefaultArticleEntities || first.EntitiesNext == "" || first.Text != strings.TrimSpace(text) {
		t.Fatalf("first answer: %d of %d mentions, next %q, whole text %v; want %d of more, a next query and the whole text",
			len(first.Entities), first.EntityCount, first.EntitiesNext, first.Text == strings.TrimSpace(text), api.DefaultArticleEntities)
	}
	if first.CutEventCount <= api.MaxArticleCutEvents || len(first.CutEvents) != api.MaxArticleCutEvents {
		t.Errorf("%d of %d cut events, want %d of more", len(first.CutEvents), first.CutEventCount, api.MaxArticleCutEvents)
	}
	// Pages of 3,000 from the start read every mention once, in text order.
	var all []tag.Entity
	next, pages := "entities_size=3000", 0
	for next != "" {
		p, status := get("?" + next)
		if status != http.StatusOK || p.EntityCount != first.EntityCount {
			t.Fatalf("page %q: status %d, entity_count %d", next, status, p.EntityCount)
		}
		all, next = append(all, p.Entities...), p.EntitiesNext
		if pages++; pages > first.EntityCount/3000+1 {
			t.Fatalf("more pages than %d mentions need", first.EntityCount)
		}
	}
	if len(all) != first.EntityCount {
		t.Fatalf("the pages hold %d mentions, want %d", len(all), first.EntityCount)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Start < all[i-1].Start {
			t.Fatalf("mention %d starts at %d, before mention %d at %d", i, all[i].Start, i-1, all[i-1].Start)
		}
	}
	if p, _ := get("?entities_from=" + strconv.Itoa(first.EntityCount)); len(p.Entities) != 0 || p.EntitiesNext != "" {
		t.Errorf("past the end: %d mentions, next %q; want none", len(p.Entities), p.EntitiesNext)
	}
	for _, q := range []string{"?entities_size=0", "?entities_size=20001", "?entities_from=-1", "?entities_size=x", "?entities_size=1&entities_size=2", "?entity_size=10"} {
		if _, status := get(q); status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, status)
		}
	}
}
