package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/search/api"
)

// TestSourcesEndToEnd runs the real binary: 'cutwatch sources add' on a
// --data no server has open, then a server that polls the feed at start
// (on loopback, with --sources-allow-private) and writes its on-topic
// item only; 'cutwatch sources list' then talks to the running server;
// after a restart the item is not taken again.
func TestSourcesEndToEnd(t *testing.T) {
	bin := sharedBinary(t)
	data := t.TempDir()
	var feedHits atomic.Int64
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed" {
			http.NotFound(w, r)
			return
		}
		feedHits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>
<item><title>Porters face redundancy</title><guid>a</guid><description>Unison says 40 porters at Mid Yorkshire Hospitals NHS Trust in Zennorville face redundancy to save £3m.</description></item>
<item><title>Bypass approved</title><guid>b</guid><description>The council approved a bypass around Zennorville; roadworks start in May.</description></item>
</channel></rss>`)
	}))
	defer feed.Close()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "CUTWATCH_DATA="+data, "CUTWATCH_API_KEY="+crashKey)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cutwatch %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := run("sources", "add", "--interval", "1h", feed.URL+"/feed")
	if !strings.Contains(out, feed.URL+"/feed") || !strings.Contains(out, "every 1h0m0s") {
		t.Errorf("sources add printed %q", out)
	}
	if out := run("sources", "list"); !strings.Contains(out, "never") || feedHits.Load() != 0 {
		t.Errorf("sources list before a server ran: %q, feed fetched %d times", out, feedHits.Load())
	}

	c := startChildCmd(t, bin, data, "", "--sources-allow-private", "--sources-min-delay", "0s")
	st := waitKept(t, c.addr, 1)
	if st.Skipped != 1 || st.Polls != 1 {
		t.Errorf("after the first poll: %+v", st)
	}
	ac := newAPIClient(t, c.addr)
	if code, body := ac.do("GET", "/api/search?q=zennorville", "", false); code != 200 || !strings.Contains(string(body), `"total":1`) {
		t.Errorf("search zennorville: %d %s", code, body)
	}
	out = run("sources", "list", "--addr", c.addr, "--json")
	var l struct{ Sources []api.SourceStatus }
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Sources) != 1 || l.Sources[0].Kept != 1 {
		t.Errorf("sources list through the server: %v %q", err, out)
	}
	c.stop(t)

	// The source and its state survive a restart (its next poll is an
	// hour away: the package's tests poll across restarts).
	c = startChildCmd(t, bin, data, "", "--sources-allow-private", "--sources-min-delay", "0s")
	defer c.stop(t)
	if st := waitKept(t, c.addr, 1); st.Polls != 1 || feedHits.Load() != 1 {
		t.Errorf("after a restart: %+v, feed fetched %d times; want 1 poll", st, feedHits.Load())
	}
}

// waitKept polls GET /api/sources until the one source has kept n items.
func waitKept(t *testing.T, addr string, n int64) api.SourceStatus {
	t.Helper()
	ac := newAPIClient(t, addr)
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := ac.do("GET", "/api/sources", "", true)
		var l struct{ Sources []api.SourceStatus }
		if code == 200 && json.Unmarshal(body, &l) == nil && len(l.Sources) == 1 {
			if l.Sources[0].Kept >= n || l.Sources[0].LastError != "" {
				if l.Sources[0].Kept != n {
					t.Fatalf("source: %+v, want %d kept", l.Sources[0], n)
				}
				return l.Sources[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the source kept no %d items within 60 s: %d %s", n, code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
