package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/search/api"
)

// TestParameterContract: the parameter errors found by the adversarial
// test of issue 18 are consistent 400s, and the values that are fine work.
func TestParameterContract(t *testing.T) {
	for _, tc := range []struct {
		path    string
		status  int
		errPart string
	}{
		{"/api/search?q=%zz", 400, "not valid URL encoding"},
		{"/api/search?q=nurse&trust=%zz", 400, "not valid URL encoding"},
		{"/api/facets/union?prefix=%", 400, "not valid URL encoding"},
		{"/api/facets/union?size=3&size=4", 400, "size: given 2 times"},
		{"/api/facets/union?prefix=a&prefix=b", 400, "prefix: given 2 times"},
		{"/api/facets/union?prefix=(((", 200, ""},
		{"/api/facets/union?prefix=" + strings.Repeat("(", 30), 200, ""},
	} {
		status, body := get(t, tc.path)
		var e errorBody
		_ = json.Unmarshal(body, &e)
		if status != tc.status || !strings.Contains(e.Error, tc.errPart) {
			t.Errorf("GET %s: %d %s, want %d with %q", tc.path, status, body, tc.status, tc.errPart)
		}
	}
	if status, _ := send(t, "GET", ts.URL+"/?q=%zz", nil); status.StatusCode != http.StatusBadRequest {
		t.Errorf("the search page with q=%%zz: %d, want 400", status.StatusCode)
	}
	// facets=,,, is no facet names: as facets= (none), not all.
	var none, commas api.Result
	getJSON(t, "/api/search?q=nurse&facets=", 200, &none)
	getJSON(t, "/api/search?q=nurse&facets=,,,", 200, &commas)
	if len(commas.Facets) != 0 || len(none.Facets) != 0 {
		t.Errorf("facets=,,, gave %d facets and facets= %d, want none for both", len(commas.Facets), len(none.Facets))
	}
}

// TestEntitiesAlwaysArray: an article that names nothing has
// "entities": [], as the spec's required array says, never null.
func TestEntitiesAlwaysArray(t *testing.T) {
	ws := newWriteServer(t, testKey)
	var put ingestResult
	ws.post(t, "PUT", "/api/articles/plain-1", `{"text":"Lorem ipsum dolor sit amet."}`, http.StatusOK, &put)
	if put.Entities == nil {
		t.Errorf("PUT answer: entities null")
	}
	_, _, body := ws.do(t, "GET", "/api/articles/plain-1", "", nil)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["entities"]) != "[]" {
		t.Errorf("GET /api/articles/plain-1: entities %s, want []", raw["entities"])
	}
}

// TestWriteIDSafeSet: an id that could not be read back at
// /api/articles/ID (a slash, a question mark, a space...) is refused with
// a clear 400 on every write route and stores nothing; letters, digits and
// api.IDChars are fine and can be read, replaced and deleted.
func TestWriteIDSafeSet(t *testing.T) {
	ws := newWriteServer(t, testKey)
	before := ws.docCount(t)
	for _, id := range []string{"a/b", "../x", "q?x=1", "frag#1", "per%cent", "sp ace", "back\\slash", ".."} {
		body, _ := json.Marshal(map[string]string{"id": id, "text": "Wick ward closes."})
		status, _, b := ws.do(t, "POST", "/api/articles", testKey, body)
		if status != http.StatusBadRequest || !strings.Contains(string(b), "id: ") {
			t.Errorf("POST id %q: %d %s, want 400 about the id", id, status, b)
		}
		var res bulkResponse
		ws.post(t, "POST", "/api/articles/_bulk", string(body)+"\n", http.StatusOK, &res)
		if res.Indexed != 0 || res.Failed != 1 || !strings.HasPrefix(res.Results[0].Error, "id: ") {
			t.Errorf("bulk id %q: %+v, want a failed line about the id", id, res)
		}
	}
	// An escaped slash in the path is the id "a/b": refused on write, not
	// found on read (not "no route").
	if status, _, b := ws.do(t, "PUT", "/api/articles/a%2Fb", testKey, []byte(`{"text":"Wick ward closes."}`)); status != http.StatusBadRequest || !strings.Contains(string(b), `id: \"a/b\" may not hold '/'`) {
		t.Errorf("PUT /api/articles/a%%2Fb: %d %s, want 400 about the id", status, b)
	}
	if status, _, b := ws.do(t, "GET", "/api/articles/a%2Fb", "", nil); status != http.StatusNotFound || !strings.Contains(string(b), "not found") {
		t.Errorf("GET /api/articles/a%%2Fb: %d %s, want 404 not found", status, b)
	}
	if got := ws.docCount(t); got != before {
		t.Errorf("%d docs after refused writes, want %d", got, before)
	}
	id := "Ünïcode-id_1.2:3~4@5+6=7,8"
	status, _, b := ws.do(t, "PUT", "/api/articles/"+id, testKey, []byte(`{"text":"Thurso ward closes."}`))
	if status != http.StatusOK {
		t.Fatalf("PUT %q: %d %s", id, status, b)
	}
	if status, _, b := ws.do(t, "GET", "/api/articles/"+id, "", nil); status != http.StatusOK {
		t.Errorf("GET %q: %d %s", id, status, b)
	}
	if status, _, b := ws.do(t, "DELETE", "/api/articles/"+id, testKey, nil); status != http.StatusNoContent {
		t.Errorf("DELETE %q: %d %s", id, status, b)
	}
}
