package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
)

// The tests of this file run the real binary and hurt what it keeps: the
// disk under it fills, its article store is damaged. Nothing acknowledged
// may be lost and no fault may end the process.

// api is a small client of a child's HTTP API.
type apiClient struct {
	t    *testing.T
	addr string
	http *http.Client
}

func newAPIClient(t *testing.T, addr string) *apiClient {
	return &apiClient{t: t, addr: addr, http: &http.Client{Timeout: 60 * time.Second}}
}

// do sends a request (with the key when key is set) and returns the status
// and body; a transport error fails the test.
func (c *apiClient) do(method, path, body string, key bool) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, "http://"+c.addr+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if key {
		req.Header.Set("Authorization", "Bearer "+crashKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// found reports whether the article id is found by id and by word (with
// collapse=false: the disk test's articles are near-duplicates of each
// other, and the test is about keeping them, not about showing a story
// once).
func (c *apiClient) found(id, word string) bool {
	c.t.Helper()
	if status, _ := c.do("GET", "/api/articles/"+url.PathEscape(id), "", false); status != http.StatusOK {
		return false
	}
	status, b := c.do("GET", "/api/search?size=5&collapse=false&q="+url.QueryEscape(word), "", false)
	var res struct {
		Hits []struct{ ID string }
	}
	if status != http.StatusOK || json.Unmarshal(b, &res) != nil {
		return false
	}
	for _, h := range res.Hits {
		if h.ID == id {
			return true
		}
	}
	return false
}

// readyz returns /readyz's status and body.
func (c *apiClient) readyz() (int, map[string]any) {
	c.t.Helper()
	status, b := c.do("GET", "/readyz", "", false)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	return status, body
}

// reindex starts a re-index and waits for its end, returning the job.
func (c *apiClient) reindex(query string) map[string]any {
	c.t.Helper()
	if status, b := c.do("POST", "/api/admin/reindex"+query, "", true); status != http.StatusAccepted {
		c.t.Fatalf("POST reindex: %d %s", status, b)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		_, b := c.do("GET", "/api/admin/reindex", "", true)
		var job map[string]any
		if err := json.Unmarshal(b, &job); err != nil {
			c.t.Fatal(err)
		}
		if job["state"] != "running" {
			return job
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatal("re-index still running after 2 minutes")
	return nil
}

// entry is an article written through one of the entry paths, with a word
// found only in it.
type entry struct{ id, word, path string }

// TestEveryEntryPathSurvives writes articles through every path an article
// enters by (the seeds at the first start, POST, bulk, PUT, DELETE, and
// 'cutwatch index PATH' on the stopped server's --data), then starts the
// server from a folder without seeds/, re-indexes and restarts: every
// article is found each time, and the deleted one never comes back.
func TestEveryEntryPathSurvives(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := sharedBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	var entries []entry
	for _, id := range []string{indextest.Rotherham, indextest.Oxford, indextest.Taunton, indextest.NorthEast} {
		entries = append(entries, entry{id, "redundancies", "seeds"})
	}

	c := startChild(t, bin, data)
	api := newAPIClient(t, c.addr)
	if status, b := api.do("POST", "/api/articles", `{"id":"post-1","text":"Unison says 12 porters go at the qzpost unit."}`, true); status != http.StatusCreated {
		t.Fatalf("POST: %d %s", status, b)
	}
	entries = append(entries, entry{"post-1", "qzpost", "POST"})
	bulk := `{"id":"bulk-1","text":"GMB: 30 cleaners at the qzbulkone site."}` + "\n" + `{"id":"bulk-2","text":"Unite: 8 drivers at the qzbulktwo depot."}`
	if status, b := api.do("POST", "/api/articles/_bulk", bulk, true); status != http.StatusOK {
		t.Fatalf("bulk: %d %s", status, b)
	}
	entries = append(entries, entry{"bulk-1", "qzbulkone", "bulk"}, entry{"bulk-2", "qzbulktwo", "bulk"})
	if status, b := api.do("PUT", "/api/articles/put-1", `{"text":"RCN: 40 nurses at the qzput ward."}`, true); status != http.StatusOK {
		t.Fatalf("PUT: %d %s", status, b)
	}
	entries = append(entries, entry{"put-1", "qzput", "PUT"})
	if status, b := api.do("DELETE", "/api/articles/"+indextest.MidYorks, "", true); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	c.stop(t)

	files := t.TempDir()
	must(t, os.WriteFile(filepath.Join(files, "more.jsonl"), []byte(
		`{"id":"cli-1","text":"Unison: 6 porters at the qzclione unit."}`+"\n"+
			`{"id":"cli-2","text":"GMB: 9 cooks at the qzclitwo kitchen."}`+"\n"), 0o644))
	if out, err := exec.Command(bin, "index", "--data", data, files).CombinedOutput(); err != nil {
		t.Fatalf("cutwatch index: %v\n%s", err, out)
	}
	entries = append(entries, entry{"cli-1", "qzclione", "index"}, entry{"cli-2", "qzclitwo", "index"})

	check := func(when string, api *apiClient) {
		t.Helper()
		for _, e := range entries {
			if !api.found(e.id, e.word) {
				t.Errorf("%s: %s (written by %s) not found by id and %q", when, e.id, e.path, e.word)
			}
		}
		if status, _ := api.do("GET", "/api/articles/"+indextest.MidYorks, "", false); status != http.StatusNotFound {
			t.Errorf("%s: the deleted seed is back (%d)", when, status)
		}
		if status, body := api.readyz(); status != http.StatusOK || body["documents"] != float64(len(entries)) {
			t.Errorf("%s: /readyz %d %v, want ready with %d documents", when, status, body, len(entries))
		}
	}
	// Started elsewhere, where ./seeds does not exist: the store has them.
	elsewhere := t.TempDir()
	c = startChildCmd(t, bin, data, elsewhere, "--seeds", "./seeds")
	api = newAPIClient(t, c.addr)
	check("started without seeds/", api)
	job := api.reindex("")
	if job["state"] != "done" || job["documents"] != float64(len(entries)) {
		t.Fatalf("re-index: %v, want done with %d documents", job, len(entries))
	}
	check("after the re-index", api)
	c.stop(t)
	c = startChildCmd(t, bin, data, elsewhere, "--seeds", "./seeds")
	defer c.stop(t)
	check("after the restart", newAPIClient(t, c.addr))
}

// TestDiskFullDuringBulk fills the disk under a running server while
// bulks arrive and searches run: refused bulks answer 507 with the reason,
// /readyz stays 200 and says writes are off, searches go on, the process
// never dies; once space is freed writes come back, and every bulk answered
// 200 is found then and after a restart. It runs with the reserve (the
// server refuses before the disk is full) and without (the store or the
// index hit the full disk).
func TestDiskFullDuringBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := sharedBinary(t)
	for _, tt := range []struct {
		name    string
		reserve string
	}{
		{"reserve", "3MiB"},
		{"no reserve", "0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			disk := indextest.SmallDisk(t, 40<<20)
			data := filepath.Join(disk, "data")
			// The searches must not fail for the full disk; how long
			// they take while the index catches up on a machine shared
			// with other builds is the benchmarks' business, hence the
			// long time limit.
			flags := []string{"--min-free-space", tt.reserve, "--search-timeout", "60s"}
			c := startChildCmd(t, bin, data, "", flags...)
			api := newAPIClient(t, c.addr)
			defer func() {
				if c != nil {
					c.stop(t)
				}
			}()

			var (
				acked    []int // first article of each acknowledged bulk
				refused  int
				next     int
				searches atomic.Int64
				failed   atomic.Int64
				stop     atomic.Bool
				wg       sync.WaitGroup
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					status, b := api.do("GET", "/api/search?q=posts&size=3", "", false)
					searches.Add(1)
					if status != http.StatusOK {
						if failed.Add(1) == 1 {
							t.Logf("first failed search: %d %s", status, b)
						}
					}
				}
			}()
			const per = 25
			send := func() int {
				var body strings.Builder
				for i := next; i < next+per; i++ {
					body.WriteString(diskLine(i) + "\n")
				}
				status, b := api.do("POST", "/api/articles/_bulk", body.String(), true)
				switch status {
				case http.StatusOK:
					acked = append(acked, next)
				case http.StatusInsufficientStorage:
					refused++
					if !strings.Contains(string(b), "disk") {
						t.Errorf("507 without the reason: %s", b)
					}
				default:
					t.Fatalf("bulk %d on a filling disk: %d %s, want 200 or 507", next, status, b)
				}
				next += per
				return status
			}
			for range 4 {
				send()
			}
			filler := indextest.Fill(t, disk, 4<<20)
			for range 30 {
				send()
			}
			if refused == 0 {
				t.Fatal("no bulk was refused on a full disk")
			}
			if status, body := api.readyz(); status != http.StatusOK || body["writes"] != "off" || !strings.Contains(fmt.Sprint(body["writes_off"]), "disk") {
				t.Errorf("/readyz on a full disk: %d %v, want 200 with writes off and why", status, body)
			}
			select {
			case err := <-c.done:
				t.Fatalf("the server died on a full disk: %v", err)
			default:
			}
			must(t, os.Remove(filler))
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				if _, body := api.readyz(); body["writes"] == "on" {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if status := send(); status != http.StatusOK {
				t.Fatalf("bulk once space is back: %d", status)
			}
			stop.Store(true)
			wg.Wait()
			if f := failed.Load(); f > 0 {
				t.Errorf("%d of %d searches failed while the disk filled", f, searches.Load())
			}
			check := func(when string, api *apiClient) {
				t.Helper()
				lost := 0
				for _, first := range acked {
					for i := first; i < first+per; i++ {
						if !api.found(diskID(i), crashWord(i)) {
							lost++
						}
					}
				}
				if lost > 0 {
					t.Errorf("%s: %d of %d acknowledged articles lost", when, lost, per*len(acked))
				}
			}
			check("once space is back", api)
			c.stop(t)
			c = startChildCmd(t, bin, data, "", flags...)
			check("after a restart", newAPIClient(t, c.addr))
			t.Logf("%d bulks acknowledged, %d refused, %d searches", len(acked), refused, searches.Load())
		})
	}
}

func diskID(i int) string { return fmt.Sprintf("disk-%d", i) }

// diskLine is article i of the disk test: a few kilobytes, with a word of
// its own.
func diskLine(i int) string {
	return fmt.Sprintf(`{"id":%q,"text":"Unison says %d posts go at the %s unit of the trust. %s"}`,
		diskID(i), i%90+2, crashWord(i), strings.Repeat("The board of Leeds Teaching Hospitals NHS Trust met to discuss savings. ", 40))
}

// TestDamagedStoreAtStart damages the article store of a stopped server
// and starts it again: it never panics; a store that is empty, cut short
// or gone is reported (an ERROR line, /readyz 503 with the way out) while
// searches go on and writes are refused; a store with one undecodable
// record serves, and the re-index that meets the record fails saying
// which and what to do. 'cutwatch store recover' then brings back every
// article, and the server is whole again.
func TestDamagedStoreAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := sharedBinary(t)
	const n = 60
	for _, tt := range []struct {
		name     string
		damage   func(t *testing.T, path string)
		unusable bool
	}{
		{"empty", func(t *testing.T, path string) { must(t, os.Truncate(path, 0)) }, true},
		{"cut short", func(t *testing.T, path string) {
			st, err := os.Stat(path)
			must(t, err)
			must(t, os.Truncate(path, st.Size()/2))
		}, true},
		{"removed", func(t *testing.T, path string) { must(t, os.Remove(path)) }, true},
		{"one bad record", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o644, nil)
			must(t, err)
			must(t, db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("articles")).Put([]byte("crash-7"), []byte(`{"id":"crash-7","te`))
			}))
			must(t, db.Close())
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			c := startChild(t, bin, data)
			if got, err := ingestN(context.Background(), c.addr, n); err != nil || got != n {
				t.Fatalf("ingest: %d, %v", got, err)
			}
			c.stop(t)
			tt.damage(t, filepath.Join(data, index.StoreFile))

			c = startChild(t, bin, data)
			api := newAPIClient(t, c.addr)
			status, body := api.readyz()
			if tt.unusable {
				if status != http.StatusServiceUnavailable || !strings.Contains(fmt.Sprint(body["reason"]), "cutwatch store recover") {
					t.Errorf("/readyz with the store %s: %d %v, want 503 naming 'cutwatch store recover'", tt.name, status, body)
				}
				if !api.found("crash-3", crashWord(3)) {
					t.Error("searches stopped with the store damaged; the index can serve them")
				}
				if status, b := api.do("POST", "/api/articles", `{"text":"Unison: qzrefused."}`, true); status != http.StatusServiceUnavailable {
					t.Errorf("write with the store %s: %d %s, want 503", tt.name, status, b)
				}
			} else {
				if status != http.StatusOK {
					t.Errorf("/readyz with one bad record: %d %v, want 200", status, body)
				}
				job := api.reindex("")
				if job["state"] != "failed" || !strings.Contains(fmt.Sprint(job["error"]), "crash-7") || !strings.Contains(fmt.Sprint(job["error"]), "cutwatch store recover") {
					t.Errorf("re-index over a bad record: %v, want failed naming crash-7 and 'cutwatch store recover'", job)
				}
			}
			select {
			case err := <-c.done:
				t.Fatalf("the server died: %v", err)
			default:
			}
			c.stop(t)

			out, err := exec.Command(bin, "store", "recover", "--data", data).CombinedOutput()
			if err != nil {
				t.Fatalf("store recover: %v\n%s", err, out)
			}
			if strings.Contains(string(out), "could be read from neither") {
				t.Errorf("store recover lost articles:\n%s", out)
			}
			c = startChild(t, bin, data)
			defer c.stop(t)
			api = newAPIClient(t, c.addr)
			if status, body := api.readyz(); status != http.StatusOK {
				t.Fatalf("after recover: /readyz %d %v", status, body)
			}
			if job := api.reindex(""); job["state"] != "done" || job["documents"] != float64(5+n) {
				t.Errorf("re-index after recover: %v, want done with %d documents", job, 5+n)
			}
			checkAcked(t, c.addr, n)
		})
	}
}

// ingestN posts articles 0..n-1 of the crash test in bulks and returns how
// many were acknowledged.
func ingestN(ctx context.Context, addr string, n int) (int, error) {
	return ingestRange(ctx, addr, 0, n)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// binary is the cutwatch binary built once for the tests of the package
// that run it.
var binary struct {
	once sync.Once
	path string
	err  error
}

// sharedBinary builds the real cutwatch binary once per test run and
// returns its path.
func sharedBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "cutwatch-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "cutwatch")
		if out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// ingestRange posts articles from..to-1 of the crash test in bulks and
// returns how far it got: the first article not acknowledged.
func ingestRange(ctx context.Context, addr string, from, to int) (int, error) {
	client := &http.Client{Timeout: 30 * time.Second}
	for from < to {
		end := min(from+crashBatch, to)
		var body strings.Builder
		for i := from; i < end; i++ {
			body.WriteString(crashLine(i) + "\n")
		}
		req, err := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/api/articles/_bulk", strings.NewReader(body.String()))
		if err != nil {
			return from, err
		}
		req.Header.Set("Authorization", "Bearer "+crashKey)
		resp, err := client.Do(req)
		if err != nil {
			return from, err
		}
		var res struct{ Indexed, Failed int }
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return from, fmt.Errorf("bulk: status %d, %v", resp.StatusCode, err)
		}
		if res.Indexed != end-from || res.Failed != 0 {
			return from, fmt.Errorf("bulk: %+v, want %d indexed", res, end-from)
		}
		from = end // acknowledged
	}
	return from, nil
}
