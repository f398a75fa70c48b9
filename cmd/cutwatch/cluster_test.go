package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
	"github.com/cutwatch/cutwatch/index/cluster"
	"github.com/cutwatch/cutwatch/index/cluster/natstest"
	"github.com/cutwatch/cutwatch/search/searchtest"
)

// clusterPublishTimeout is the nodes' --nats-publish-timeout in these
// tests: how long a write waits for the stream's quorum before its 503.
const clusterPublishTimeout = 3 * time.Second

// clusterConfig returns the serve flags of a cluster node on data.
func clusterServeConfig(data, urls, node string) serveConfig {
	cfg := defaultServeConfig(data)
	cfg.apiKey = crashKey
	cfg.searchTimeout = 20 * time.Second
	cfg.sources.paused = true
	cfg.cluster = clusterConfig{conn: cluster.ConnOptions{URLs: urls}, replicas: 3, stream: cluster.DefaultStream, node: node,
		minSeqWait: 10 * time.Second, publishTimeout: clusterPublishTimeout}
	return cfg
}

// cnode is a cutwatch node of a test cluster.
type cnode struct {
	name string
	addr string
	stop func() error
}

func startClusterNode(t *testing.T, data, urls, name string) *cnode {
	t.Helper()
	addr, stop := startServe(t, clusterServeConfig(data, urls, name))
	n := &cnode{name: name, addr: addr, stop: stop}
	t.Cleanup(func() { _ = n.stop() })
	return n
}

var clusterClient = &http.Client{Timeout: 60 * time.Second}

// ccall sends a request (with the API key) and returns the status, body
// and headers.
func ccall(t *testing.T, method, u string, body []byte, hdr ...string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+crashKey)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := clusterClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// writeRetry sends a write, retrying a 503 (a stream leader being
// elected) for up to 2 minutes, and returns the seq of its answer. An
// election takes under a second here, but once took over 30 s in CI, on
// two cores starved by other packages' tests under -race.
func writeRetry(t *testing.T, method, u string, body []byte, want int) uint64 {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, b, h := ccall(t, method, u, body)
		if status == want {
			var seq uint64
			if _, err := fmt.Sscan(h.Get("X-Cutwatch-Seq"), &seq); err != nil || seq == 0 {
				t.Fatalf("%s %s: %d without a seq header (%q)", method, u, status, h.Get("X-Cutwatch-Seq"))
			}
			if len(b) > 0 {
				var res struct{ Seq uint64 }
				if err := json.Unmarshal(b, &res); err != nil || res.Seq != seq {
					t.Fatalf("%s %s: body seq %d, header %d (%v)", method, u, res.Seq, seq, err)
				}
			}
			return seq
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("%s %s: %d %s", method, u, status, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// clusterArticle is article i of the cluster tests in version v, with its
// unique word.
func clusterArticle(g *gen.Generator, i, v int) (line []byte, word string) {
	a := g.Article(i)
	word = crashWord(i + v*1_000_000)
	text := a.Text
	if len(text) > 500 {
		text = text[:strings.LastIndexByte(text[:500], ' ')]
	}
	b, err := json.Marshal(map[string]any{"id": fmt.Sprintf("cl-%d", i), "title": a.Title, "text": text + " " + word + ".", "published": a.Published})
	if err != nil {
		panic(err)
	}
	return b, word
}

// expected is what the cluster must hold: each live article's word.
type expected struct {
	mu     sync.Mutex
	words  map[string]string // id → unique word of its acknowledged version
	gone   map[string]bool
	maxSeq atomic.Uint64
}

func (e *expected) put(id, word string, seq uint64) {
	e.mu.Lock()
	e.words[id] = word
	delete(e.gone, id)
	e.mu.Unlock()
	e.seq(seq)
}

func (e *expected) seq(seq uint64) {
	for {
		cur := e.maxSeq.Load()
		if seq <= cur || e.maxSeq.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// waitApplied waits until node n has applied seq (a read with min_seq
// answers 200).
func waitApplied(t *testing.T, n *cnode, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		status, b, _ := ccall(t, "GET", fmt.Sprintf("http://%s/api/search?size=1&facets=none&min_seq=%d", n.addr, seq), nil)
		if status == http.StatusOK {
			return
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("%s: min_seq=%d: %d %s", n.name, seq, status, b)
		}
	}
}

// checkHolds requires node n to find every live article by id and by
// its word (40 at a time), and no deleted one.
func checkHolds(t *testing.T, n *cnode, e *expected) {
	t.Helper()
	var ids []string
	for id := range e.words {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for start := 0; start < len(ids); start += 40 {
		chunk := ids[start:min(start+40, len(ids))]
		byID, byWord := url.Values{"size": {"50"}, "facets": {"none"}, "collapse": {"false"}}, url.Values{"size": {"50"}, "facets": {"none"}, "collapse": {"false"}, "syntax": {"bleve"}}
		var words []string
		for _, id := range chunk {
			byID.Add("id", id)
			words = append(words, e.words[id])
		}
		byWord.Set("q", strings.Join(words, " "))
		for _, q := range []url.Values{byID, byWord} {
			status, b, _ := ccall(t, "GET", "http://"+n.addr+"/api/search?"+q.Encode(), nil)
			var res struct {
				Total int
				Hits  []struct{ ID string }
			}
			if err := json.Unmarshal(b, &res); status != http.StatusOK || err != nil {
				t.Fatalf("%s: search: %d %s", n.name, status, b)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, chunk) {
				t.Fatalf("%s: search %s found %d articles, want the %d acknowledged (%v…)", n.name, q.Encode()[:min(200, len(q.Encode()))], res.Total, len(chunk), chunk[:3])
			}
		}
	}
	var gone []string
	for id := range e.gone {
		gone = append(gone, id)
	}
	for start := 0; start < len(gone); start += 40 {
		q := url.Values{"size": {"50"}, "facets": {"none"}, "id": gone[start:min(start+40, len(gone))]}
		status, b, _ := ccall(t, "GET", "http://"+n.addr+"/api/search?"+q.Encode(), nil)
		var res struct{ Total int }
		if err := json.Unmarshal(b, &res); status != http.StatusOK || err != nil || res.Total != 0 {
			t.Fatalf("%s: deleted articles found: %d %s", n.name, status, b)
		}
	}
}

// answers returns the total and facets of a search on n, as JSON, to
// compare across nodes.
func answers(t *testing.T, n *cnode, q string) string {
	t.Helper()
	status, b, _ := ccall(t, "GET", "http://"+n.addr+"/api/search?"+q, nil)
	if status != http.StatusOK {
		t.Fatalf("%s: search %s: %d %s", n.name, q, status, b)
	}
	var res struct {
		Total  int             `json:"total"`
		Facets json.RawMessage `json:"facets"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("total %d facets %s", res.Total, res.Facets)
}

// TestClusterConverges is issue 19's first proof, with the faults that
// need no killed process: three cutwatch nodes on a three-server NATS
// cluster (R=3) take 2,000 articles through different nodes, in bulks and
// one by one, while one NATS server is stopped and started again; then
// some are replaced and deleted. Every node then holds every
// acknowledged article (by id and by its unique word), none deleted, and
// answers the same totals and facet counts; a fourth node started empty
// afterwards bootstraps from the stream and agrees. Read-your-writes (a
// write on one node, a search with min_seq on another, 200 times) is
// checked first, on the empty cluster. Last, the quorum lost: writes answer 503 within the publish timeout,
// reads go on.
func TestClusterConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a NATS cluster and four nodes; skipped with -short")
	}
	t0 := time.Now()
	mark := func(what string) { t.Logf("%s after %v", what, time.Since(t0).Round(time.Millisecond)) }
	nc := natstest.Start(t, 3)
	urls := nc.URLs()
	nodes := []*cnode{
		startClusterNode(t, t.TempDir(), urls, "a"),
		startClusterNode(t, t.TempDir(), urls, "b"),
		startClusterNode(t, t.TempDir(), urls, "c"),
	}
	for _, n := range nodes {
		waitReady(t, n)
	}
	mark("started")
	g, err := gen.New(19)
	if err != nil {
		t.Fatal(err)
	}
	// Read-your-writes: a write on one node, then a search with min_seq
	// (parameter or header) on another finds it, every time.
	for i := range 200 {
		// Short articles: what is measured is the write's way to the
		// other node, not the tagger.
		w := crashWord(5000 + i)
		line := []byte(fmt.Sprintf(`{"id":"ryw-%d","text":"Unison says the %s unit closes."}`, i, w))
		seq := writeRetry(t, "POST", "http://"+nodes[i%3].addr+"/api/articles", line, http.StatusCreated)
		q := "http://" + nodes[(i+1)%3].addr + "/api/search?facets=none&syntax=bleve&q=" + w
		var status int
		var b []byte
		if i%2 == 0 {
			status, b, _ = ccall(t, "GET", fmt.Sprintf("%s&min_seq=%d", q, seq), nil)
		} else {
			status, b, _ = ccall(t, "GET", q, nil, "X-Cutwatch-Min-Seq", fmt.Sprint(seq))
		}
		var res struct{ Total int }
		if err := json.Unmarshal(b, &res); status != http.StatusOK || err != nil || res.Total != 1 {
			t.Fatalf("write %d on %s (seq %d), search on %s with min_seq: %d %s", i, nodes[i%3].name, seq, nodes[(i+1)%3].name, status, b)
		}
	}

	mark("read-your-writes")
	e := &expected{words: map[string]string{}, gone: map[string]bool{}}
	const total, bulks, bulkSize = 2000, 5, 340 // 1,700 in bulks, 300 one by one

	// Bulks and single writes at once, through every node; NATS server 2
	// stops after a third of the singles and comes back after two thirds.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := range bulks {
			var body bytes.Buffer
			words := map[string]string{}
			for i := b * bulkSize; i < (b+1)*bulkSize; i++ {
				line, w := clusterArticle(g, i, 0)
				body.Write(append(line, '\n'))
				words[fmt.Sprintf("cl-%d", i)] = w
			}
			seq := writeRetry(t, "POST", "http://"+nodes[b%3].addr+"/api/articles/_bulk", body.Bytes(), http.StatusOK)
			for id, w := range words {
				e.put(id, w, seq)
			}
		}
	}()
	singles := make(chan int)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range singles {
				line, w := clusterArticle(g, i, 0)
				seq := writeRetry(t, "POST", "http://"+nodes[i%3].addr+"/api/articles", line, http.StatusCreated)
				e.put(fmt.Sprintf("cl-%d", i), w, seq)
			}
		}()
	}
	for i := bulks * bulkSize; i < total; i++ {
		switch i - bulks*bulkSize {
		case 100:
			nc.Stop(2)
		case 200:
			nc.Restart(2)
		}
		singles <- i
	}
	close(singles)
	wg.Wait()
	mark("writes")

	// Replace 100 articles and delete 100 others, through every node.
	for k := range 100 {
		i := k * 7
		line, w := clusterArticle(g, i, 1)
		seq := writeRetry(t, "PUT", fmt.Sprintf("http://%s/api/articles/cl-%d", nodes[k%3].addr, i), line, http.StatusOK)
		e.put(fmt.Sprintf("cl-%d", i), w, seq)
		id := fmt.Sprintf("cl-%d", k*7+3)
		seq = writeRetry(t, "DELETE", "http://"+nodes[(k+1)%3].addr+"/api/articles/"+id, nil, http.StatusNoContent)
		e.mu.Lock()
		delete(e.words, id)
		e.gone[id] = true
		e.mu.Unlock()
		e.seq(seq)
	}
	// A deleted id is unknown to the cluster: 404 on any node.
	if status, b, _ := ccall(t, "DELETE", "http://"+nodes[2].addr+"/api/articles/cl-3", nil); status != http.StatusNotFound {
		t.Errorf("DELETE of a deleted article: %d %s", status, b)
	}

	mark("replaced")
	// A fourth node, started empty after the writes, bootstraps.
	nodes = append(nodes, startClusterNode(t, t.TempDir(), urls, "d"))
	waitReady(t, nodes[3])
	maxSeq := e.maxSeq.Load()
	for _, n := range nodes {
		waitApplied(t, n, maxSeq)
		checkHolds(t, n, e)
	}
	mark("checked")
	queries := append(slices.Clone(searchtest.QueryMix), "q=trust&facet_metric=jobs", "histogram=year&size=1", "q=nurses+OR+porters&collapse=false")
	for _, q := range queries {
		want := answers(t, nodes[0], q)
		for _, n := range nodes[1:] {
			if got := answers(t, n, q); got != want {
				t.Errorf("search %s: node %s answers %.300s, node a %.300s", q, n.name, got, want)
			}
		}
	}
	var counts []string
	for _, n := range nodes {
		counts = append(counts, answers(t, n, "size=1&facets=none"))
	}
	if len(slices.Compact(slices.Clone(counts))) != 1 {
		t.Errorf("nodes hold different numbers of articles: %v", counts)
	}

	mark("compared")
	// Quorum lost: two of three NATS servers stopped.
	nc.Stop(1)
	nc.Stop(2)
	line, _ := clusterArticle(g, 9000, 0)
	start := time.Now()
	status, b, _ := ccall(t, "POST", "http://"+nodes[0].addr+"/api/articles", line)
	took := time.Since(start)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), "did not acknowledge") || took > clusterPublishTimeout+5*time.Second {
		t.Errorf("write without quorum: %d %s after %v; want 503 saying so within %v", status, b, took, clusterPublishTimeout+5*time.Second)
	}
	for _, n := range nodes {
		if status, b, _ := ccall(t, "GET", "http://"+n.addr+"/api/search?q=nurses&size=1", nil); status != http.StatusOK {
			t.Errorf("%s: read without quorum: %d %s", n.name, status, b)
		}
	}
}

// waitReady waits until n's /readyz answers 200 (caught up with the
// stream as it was when the node started).
func waitReady(t *testing.T, n *cnode) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		status, b, _ := ccall(t, "GET", "http://"+n.addr+"/readyz", nil)
		if status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /readyz %d %s after 90 s", n.name, status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clusterStatus reads a node's GET /api/cluster.
func clusterStatus(t *testing.T, addr string) (st struct {
	Applied  uint64 `json:"applied_seq"`
	Messages uint64 `json:"applied_messages"`
	Last     uint64 `json:"stream_last_seq"`
	Stream   struct{ Messages uint64 }
}) {
	t.Helper()
	status, b, _ := ccall(t, "GET", "http://"+addr+"/api/cluster", nil)
	if status != http.StatusOK || json.Unmarshal(b, &st) != nil {
		t.Fatalf("GET /api/cluster on %s: %d %s", addr, status, b)
	}
	return st
}

// TestClusterNodeKilled kills a real 'cutwatch serve' node with SIGKILL
// while it applies the stream that another node fills, and restarts it on
// its --data: it resumes after the last message its store recorded, so it
// ends with every acknowledged article, as many as the other node, and
// has applied each message of the stream exactly once (its count of
// applied messages equals the stream's last sequence: only new ids are
// written, so no message was superseded before it could be applied).
func TestClusterNodeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	nc := natstest.Start(t, 3)
	bin := sharedBinary(t)
	flags := func(name string) []string {
		return []string{"--nats", nc.URLs(), "--node", name, "--sources-paused", "--min-seq-wait", "10s"}
	}
	dataB := t.TempDir()
	a := startChildCmd(t, bin, t.TempDir(), "", flags("a")...)
	defer a.stop(t)
	waitReady(t, &cnode{name: "a", addr: a.addr})
	b := startChildCmd(t, bin, dataB, "", flags("b")...)
	waitReady(t, &cnode{name: "b", addr: b.addr})
	base := clusterStatus(t, a.addr).Last // the seed articles

	const total = 1500
	ingested := make(chan error, 1)
	go func() {
		_, err := ingestRange(context.Background(), a.addr, 0, total)
		ingested <- err
	}()
	// Kill b once it has applied a fifth of the articles, while a goes
	// on taking them.
	deadline := time.Now().Add(120 * time.Second)
	for clusterStatus(t, b.addr).Applied < base+total/5 {
		if time.Now().After(deadline) {
			t.Fatal("b did not apply a fifth of the articles within 120 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.kill(t)
	if err := <-ingested; err != nil {
		t.Fatalf("ingest through a: %v", err)
	}
	last := clusterStatus(t, a.addr).Last
	b = startChildCmd(t, bin, dataB, "", flags("b")...)
	defer b.stop(t)
	for _, n := range []*child{a, b} {
		waitApplied(t, &cnode{name: n.addr, addr: n.addr}, last)
	}
	sa, sb := clusterStatus(t, a.addr), clusterStatus(t, b.addr)
	if sa.Messages != last || sb.Messages != last || sa.Applied != last || sb.Applied != last {
		t.Fatalf("applied messages: a %d (up to %d), b %d (up to %d); the stream has %d: each must be applied once", sa.Messages, sa.Applied, sb.Messages, sb.Applied, last)
	}
	checkAcked(t, b.addr, total)
	ca, cb := answers(t, &cnode{name: "a", addr: a.addr}, "size=1"), answers(t, &cnode{name: "b", addr: b.addr}, "size=1")
	if ca != cb {
		t.Errorf("a answers %.300s, b %.300s", ca, cb)
	}
}
