package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
)

// bulkBody returns n lines of small articles with ids prefix-0...
func bulkBody(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"%s-%d","text":"Unison says %d porters at Dornoch lose their posts."}`+"\n", prefix, i, i)
	}
	return b.String()
}

// testBatch is the batch size of the bulk tests' servers (bulkBatch):
// batches of BulkBatchArticles work the same, with more tagging.
const testBatch = 200

// TestBulkBatches posts two and a half batches of articles: they reach
// the Writer in batches of at most the batch size (three writes), all
// indexed and reported.
func TestBulkBatches(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	ws := newWriteServerOn(t, indextest.SeedData(t), testKey, index.WriterOptions{AfterWrite: []func(index.Change){func(ch index.Change) {
		mu.Lock()
		sizes = append(sizes, len(ch.Put))
		mu.Unlock()
	}}})
	ws.srv.bulkBatch = testBatch
	before := ws.docCount(t)
	var res bulkResponse
	n := 2*testBatch + testBatch/2
	ws.post(t, "POST", "/api/articles/_bulk", bulkBody("batch", n), http.StatusOK, &res)
	if res.Indexed != n || res.Failed != 0 || len(res.Results) != n {
		t.Fatalf("bulk: indexed %d, failed %d, %d results", res.Indexed, res.Failed, len(res.Results))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 3 || sizes[0] != testBatch || sizes[2] != testBatch/2 {
		t.Errorf("writes of %v articles, want batches of %d, %d, %d", sizes, testBatch, testBatch, testBatch/2)
	}
	if got := ws.docCount(t); got != before+uint64(n) {
		t.Errorf("%d docs, want %d", got, before+uint64(n))
	}
}

// TestBulkDuplicateIDs: an id given twice in one bulk is written once, from
// its last line, counted once, and its first line says which line replaced
// it; the same across batches.
func TestBulkDuplicateIDs(t *testing.T) {
	ws := newWriteServer(t, testKey)
	ws.srv.bulkBatch = testBatch
	before := ws.docCount(t)
	lines := `{"id":"dup-1","text":"Brora clinic loses 3 nurses."}
{"id":"dup-2","text":"Helmsdale depot cuts 4 drivers."}
{"id":"dup-1","text":"Kinbrace clinic loses 5 nurses."}
`
	var res bulkResponse
	ws.post(t, "POST", "/api/articles/_bulk", lines, http.StatusOK, &res)
	if res.Indexed != 2 || res.Failed != 0 || res.Results[0].ReplacedBy != 3 || res.Results[2].ReplacedBy != 0 || res.Results[0].EntityCount != nil {
		t.Fatalf("bulk: %+v, want 2 indexed, line 1 replaced by line 3", res)
	}
	if got := ws.search(t, "brora"); len(got) != 0 {
		t.Errorf("brora (the replaced line) found %v", got)
	}
	if got := ws.search(t, "kinbrace"); len(got) != 1 {
		t.Errorf("kinbrace (the last line): %v", got)
	}
	// Across batches: the first is written with its batch, the last one
	// replaces it; counted once.
	body := `{"id":"dup-3","text":"Lairg ward closes."}` + "\n" + bulkBody("fill", testBatch) + `{"id":"dup-3","text":"Rogart ward closes."}` + "\n"
	ws.post(t, "POST", "/api/articles/_bulk", body, http.StatusOK, &res)
	if res.Indexed != testBatch+1 || res.Results[0].ReplacedBy != testBatch+2 {
		t.Errorf("bulk across batches: indexed %d, line 1 replaced by %d", res.Indexed, res.Results[0].ReplacedBy)
	}
	if got := ws.search(t, "rogart"); len(got) != 1 || len(ws.search(t, "lairg")) != 0 {
		t.Errorf("rogart %v, lairg %v: want the last line only", got, ws.search(t, "lairg"))
	}
	if got := ws.docCount(t); got != before+2+testBatch+1 {
		t.Errorf("%d docs, want %d", got, before+2+testBatch+1)
	}
}

// TestBulkStopsWhenClientHangsUp announces a bulk of five batches, sends
// two and a half and hangs up while the first is written: the server
// writes the second, which it has received, finds the body cut short in
// the third, and stops there, storing nothing of it.
func TestBulkStopsWhenClientHangsUp(t *testing.T) {
	ws := newWriteServer(t, testKey)
	ws.srv.bulkBatch = testBatch
	before := ws.docCount(t)
	firstIn, hungUp := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	batches := 0
	ws.srv.afterBatch = func(ctx context.Context) {
		mu.Lock()
		batches++
		mu.Unlock()
		once.Do(func() {
			close(firstIn)
			<-hungUp
		})
	}
	body := bulkBody("gone", 5*testBatch)
	conn, err := net.Dial("tcp", ws.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/articles/_bulk HTTP/1.1\r\nHost: cutwatch.test\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", testKey, len(body), body[:len(body)/2])
	select {
	case <-firstIn:
	case <-time.After(time.Minute):
		t.Fatal("the first batch was never written")
	}
	conn.Close()
	close(hungUp)
	ws.Close() // waits for the handler
	mu.Lock()
	defer mu.Unlock()
	if batches != 2 {
		t.Errorf("%d batches written, want 2 (the bulk stops when the body is cut short)", batches)
	}
	if got, err := ws.w.Index().DocCount(); err != nil || got != before+2*testBatch {
		t.Errorf("%d docs, want %d (two batches)", got, before+2*testBatch)
	}
}
