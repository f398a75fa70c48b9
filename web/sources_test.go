package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/cutwatch/cutwatch/search/api"
)

// TestSourcesRoutes adds a feed on loopback through POST /api/sources,
// polls it, and checks what GET /api/sources and /metrics show, that its
// kept article is searchable and its skipped one is not, and DELETE.
func TestSourcesRoutes(t *testing.T) {
	ws := newWriteServer(t, testKey)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>
<item><title>Porters face redundancy</title><guid>a</guid><description>Unison says 40 porters at Mid Yorkshire Hospitals NHS Trust in Quarrendon face redundancy to save £3m.</description></item>
<item><title>Bypass approved</title><guid>b</guid><description>The council approved a bypass around Quarrendon; roadworks start in May.</description></item>
</channel></rss>`)
	}))
	defer feed.Close()
	var st api.SourceStatus
	ws.post(t, "POST", "/api/sources", `{"url":"`+feed.URL+`/feed","interval":"10m"}`, http.StatusCreated, &st)
	ws.post(t, "POST", "/api/sources", `{"url":"`+feed.URL+`/feed","interval":"20m"}`, http.StatusOK, &st)
	ws.post(t, "POST", "/api/sources", `{"url":"`+feed.URL+`/feed","interval":"20m","extra":1}`, http.StatusBadRequest, nil)
	if err := ws.src.Poll(context.Background(), st.ID); err != nil {
		t.Fatal(err)
	}
	var list sourceList
	ws.post(t, "GET", "/api/sources", "", http.StatusOK, &list)
	if len(list.Sources) != 1 {
		t.Fatalf("sources: %+v", list)
	}
	got := list.Sources[0]
	if got.Interval != "20m0s" || got.Kept != 1 || got.Skipped != 1 || got.Polls != 1 || got.LastPoll.IsZero() || !got.NextPoll.After(got.LastPoll) {
		t.Errorf("source after a poll: %+v", got)
	}
	if ids := ws.search(t, "quarrendon"); len(ids) != 1 {
		t.Errorf("quarrendon: %v, want the one article kept", ids)
	}
	fams := scrape(t, ws.URL)
	l := map[string]string{"source": st.ID, "url": st.URL}
	kept := sample(fams, metricSourceItems, map[string]string{"source": st.ID, "url": st.URL, "result": "kept"})
	polls := sample(fams, metricSourcePolls, l)
	next := sample(fams, metricSourceNextPoll, l)
	if kept.GetCounter().GetValue() != 1 || polls.GetCounter().GetValue() != 1 || next.GetGauge().GetValue() != float64(got.NextPoll.UnixMilli())/1000 {
		t.Errorf("metrics: kept %v, polls %v, next poll %v", kept, polls, next)
	}
	ws.post(t, "DELETE", "/api/sources/"+st.ID, "", http.StatusNoContent, nil)
	ws.post(t, "DELETE", "/api/sources/"+st.ID, "", http.StatusNotFound, nil)
	ws.post(t, "GET", "/api/sources", "", http.StatusOK, &list)
	if len(list.Sources) != 0 || !slices.Equal(ws.search(t, "quarrendon"), ws.search(t, "porters quarrendon")) {
		t.Errorf("after delete: %+v", list)
	}
}
