package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
