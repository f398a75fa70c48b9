package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/indextest"
)

// Sizes of the crash test: crashRuns servers are killed with SIGKILL at a
// random moment of their ingest, then a last one takes the rest; crashTotal
// articles go in crashBatch at a time.
const (
	crashRuns  = 3
	crashTotal = 2000
	crashBatch = 25
	crashKey   = "crash-test-key"
)

// child is a 'cutwatch serve' process.
type child struct {
	cmd      *exec.Cmd
	addr     string
	done     chan error   // Wait's result
	requests atomic.Int64 // requests the server logged as answered
}

// startChild runs the binary bin as 'serve' on a free loopback port and
// waits for its "serving" log line.
func startChild(t *testing.T, bin, data string) *child {
	t.Helper()
	return startChildCmd(t, bin, data, "")
}

// startChildCmd is startChild in the working directory dir ("": the
// test's), with extra flags after the usual ones.
func startChildCmd(t *testing.T, bin, data, dir string, extra ...string) *child {
	t.Helper()
	// No rate limit: these tests read back every article as fast as they
	// can from one address; the limit has tests of its own (web).
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data,
		"--seeds", indextest.SeedsDir(), "--api-key", crashKey, "--log-format", "json", "--rate-limit", "0"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIN_MODE=release")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	var tail []string
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			var line struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if !sent && len(tail) < 50 {
				tail = append(tail, sc.Text())
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			switch {
			case !sent && line.Msg == "serving":
				addrc <- strings.TrimPrefix(line.URL, "http://")
				sent = true
			case line.Msg == "request":
				c.requests.Add(1)
			}
		}
		c.done <- cmd.Wait()
	}()
	select {
	case c.addr = <-addrc:
		return c
	case err := <-c.done:
		t.Fatalf("serve exited before serving: %v\n%s", err, strings.Join(tail, "\n"))
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("serve did not start within 60 s")
	}
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill: %v", err)
	}
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("killed serve still running after 10 s")
	}
}

// stop sends SIGTERM and requires a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		t.Fatal("serve still running 15 s after SIGTERM")
	}
}

// crashWord is a word found only in article i: consonants only, so no
// stemming rule or stop word touches it.
func crashWord(i int) string {
	const letters = "bcdfghjklmnpqrtvwxz"
	w := []byte("qz")
	for i++; i > 0; i /= len(letters) {
		w = append(w, letters[i%len(letters)])
	}
	return string(w)
}

func crashLine(i int) string {
	return fmt.Sprintf(`{"id":"crash-%d","text":"Unison says %d posts go at the %s unit of the trust."}`, i, i%90+2, crashWord(i))
}

// ingest posts articles from..crashTotal-1 in batches until all are in or
// a request fails (the server was killed). It returns the first article
// not acknowledged.
func ingest(ctx context.Context, addr string, from int) (int, error) {
	return ingestRange(ctx, addr, from, crashTotal)
}

// checkAcked requires every acknowledged article (0..acked-1) to be found
// by id and by its word.
func checkAcked(t *testing.T, addr string, acked int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, []byte) {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	missing := 0
	for i := range acked {
		id := fmt.Sprintf("crash-%d", i)
		if status, b := get("/api/articles/" + id); status != http.StatusOK {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged %s: GET %d %s", id, status, b)
			}
			continue
		}
		// bleve's syntax: the exact word (the simple syntax would also
		// find the crash words a typo away).
		status, b := get("/api/search?size=5&syntax=bleve&q=" + url.QueryEscape(crashWord(i)))
		var res struct {
			Total int
			Hits  []struct{ ID string }
		}
		if err := json.Unmarshal(b, &res); status != http.StatusOK || err != nil || res.Total != 1 || res.Hits[0].ID != id {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged %s: search %s: %d %s", id, crashWord(i), status, b)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged articles lost", missing, acked)
	}
	status, b := get("/healthz")
	var h struct{ Documents int }
	if err := json.Unmarshal(b, &h); status != http.StatusOK || err != nil || h.Documents < 5+acked {
		t.Fatalf("healthz: %d %s, want at least %d documents", status, b, 5+acked)
	}
}

// TestCrashKeepsAcknowledgedArticles builds the real binary and kills its
// server with SIGKILL at random moments while it ingests: after each
// restart every article whose bulk request was acknowledged is found by id
// and by a word of its text, and the index opens without error.
func TestCrashKeepsAcknowledgedArticles(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds the binary and runs it several times; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	data := filepath.Join(dir, "data")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("random seed %d", seed)

	acked := 0
	for run := range crashRuns {
		c := startChild(t, bin, data)
		checkAcked(t, c.addr, acked)
		// Kill somewhere inside this run's share of the articles.
		share := (crashTotal - acked) / (crashRuns - run + 1)
		killAt := acked + crashBatch + rng.IntN(max(share-crashBatch, 1))
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			next int
			err  error
		}
		resc := make(chan result, 1)
		go func() {
			n, err := ingest(ctx, c.addr, acked)
			resc <- result{n, err}
		}()
		// Wait until roughly killAt articles are in: poll the doc count.
		deadline := time.Now().Add(60 * time.Second)
		for {
			status, b := call(t, "GET", "http://"+c.addr+"/healthz", "", "")
			var h struct{ Documents int }
			if status == http.StatusOK && json.Unmarshal(b, &h) == nil && h.Documents-5 >= killAt {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %d: ingest did not reach %d articles", run, killAt)
			}
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		c.kill(t)
		cancel()
		r := <-resc
		if r.err == nil {
			t.Logf("run %d: the ingest finished before the kill", run)
		}
		t.Logf("run %d: killed with %d articles acknowledged (target %d)", run, r.next, killAt)
		acked = r.next
	}
	// A last server checks all acknowledged articles, takes the rest, and
	// stops cleanly.
	c := startChild(t, bin, data)
	checkAcked(t, c.addr, acked)
	n, err := ingest(context.Background(), c.addr, acked)
	if err != nil || n != crashTotal {
		t.Fatalf("final ingest: %d, %v", n, err)
	}
	checkAcked(t, c.addr, crashTotal)
	c.stop(t)
}

// TestSIGTERMDuringBurst sends SIGTERM to the real binary while clients
// search and ingest: every request the server started is answered (the
// count of answers the clients got equals the count the server logged),
// the process exits 0, and the acknowledged articles are there after a
// restart. Clients open a new connection per request, so one that comes
// after the listener closed is refused (or reset, if it was still in the
// kernel's accept queue), which is not a failure.
func TestSIGTERMDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	data := filepath.Join(dir, "data")
	c := startChild(t, bin, data)
	before := c.requests.Load() // none yet, but be exact

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	var (
		mu       sync.Mutex
		answered int
		resets   int
		acked    []int
		failures []string
	)
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var req *http.Request
				i := int(next.Add(1))
				if w%2 == 0 {
					req, _ = http.NewRequest("GET", "http://"+c.addr+"/api/search?q=unison+"+crashWord(i), nil)
				} else {
					req, _ = http.NewRequest("POST", "http://"+c.addr+"/api/articles", strings.NewReader(crashLine(i)))
					req.Header.Set("Authorization", "Bearer "+crashKey)
				}
				resp, err := client.Do(req)
				if err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) {
						return // the listener is closed: shutdown has begun
					}
					if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) {
						// A connection still in the kernel's accept queue
						// when the listener closed is reset; the server
						// never saw it. That one reached the server and was
						// cut would show as logged != answered or a
						// non-zero exit.
						mu.Lock()
						resets++
						mu.Unlock()
						return
					}
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				answered++
				switch {
				case err != nil:
					failures = append(failures, fmt.Sprintf("read body: %v", err))
				case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated:
					failures = append(failures, fmt.Sprintf("%s: status %d", req.Method, resp.StatusCode))
				case req.Method == "POST":
					acked = append(acked, i)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(400 * time.Millisecond)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		t.Fatal("serve still running 15 s after SIGTERM")
	}
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during shutdown, first: %s", len(failures), failures[0])
	}
	if logged := int(c.requests.Load() - before); logged != answered {
		t.Errorf("server answered %d requests, clients got %d answers", logged, answered)
	}
	if len(acked) == 0 || answered < 20 {
		t.Fatalf("burst too small: %d answers, %d articles acknowledged", answered, len(acked))
	}
	t.Logf("%d answers, %d articles acknowledged before SIGTERM finished, %d connections reset from the accept queue", answered, len(acked), resets)

	c = startChild(t, bin, data)
	defer c.stop(t)
	for _, i := range acked {
		status, b := call(t, "GET", "http://"+c.addr+"/api/articles/"+fmt.Sprintf("crash-%d", i), "", "")
		if status != http.StatusOK {
			t.Errorf("acknowledged crash-%d after restart: %d %s", i, status, b)
		}
	}
}

// buildBinary builds the real cutwatch binary into dir and returns its path.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "cutwatch")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSecondServeProcessExitsFast runs two real 'cutwatch serve' processes
// on one --data: the second must exit within 3 s, non-zero, saying the
// index is locked, while the first keeps serving.
func TestSecondServeProcessExitsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)
	data := filepath.Join(dir, "data")
	first := startChild(t, bin, data)
	defer first.stop(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--seeds", indextest.SeedsDir())
	start := time.Now()
	out, err := second.CombinedOutput()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("second serve: err %v, want a non-zero exit; output:\n%s", err, out)
	}
	if took > 3*time.Second {
		t.Errorf("second serve took %v to exit, want under 3 s", took)
	}
	if !strings.Contains(string(out), "locked by another cutwatch process") {
		t.Errorf("second serve did not say the index is locked:\n%s", out)
	}
	resp, err := http.Get("http://" + first.addr + "/healthz")
	if err != nil {
		t.Fatalf("first server after the second's attempt: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("first server healthz: %d", resp.StatusCode)
	}
}
