// Command bulkmem measures the memory a bulk write costs a cutwatch
// server: it starts 'BINARY serve' on a fresh --data (loopback, a free
// port), posts one bulk body of the chosen kind to /api/articles/_bulk,
// and prints the server's peak resident memory (VmHWM) before and after,
// their difference per MB of body, the time and the size of the answer.
//
//	go run ./bench/bulkmem --bin /tmp/cw --kind articles --mb 8
//
// Kinds: articles (generated news articles, bench/gen), tiny (one short
// article a line, 36 bytes), dense (lines of --line-mb MB of text naming an
// NHS trust, a union and a job count in every sentence).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/bench/gen"
)

func main() {
	bin := flag.String("bin", "cutwatch", "the cutwatch binary to measure")
	kind := flag.String("kind", "articles", "articles, tiny or dense")
	mb := flag.Float64("mb", 8, "size of the body in MB")
	lineMB := flag.Float64("line-mb", 1.9, "size of a dense line in MB")
	flag.Parse()
	if err := run(*bin, *kind, *mb, *lineMB); err != nil {
		fmt.Fprintln(os.Stderr, "bulkmem:", err)
		os.Exit(1)
	}
}

func body(kind string, mb, lineMB float64) []byte {
	want := int(mb * (1 << 20))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	switch kind {
	case "articles":
		g, err := gen.New(1)
		if err != nil {
			panic(err)
		}
		for i := 0; b.Len() < want; i++ {
			a := g.Article(i)
			_ = enc.Encode(map[string]string{"id": fmt.Sprintf("bulk-%d", i), "title": a.Title, "text": a.Text})
		}
	case "tiny":
		for i := 0; b.Len() < want; i++ {
			fmt.Fprintf(&b, `{"id":"t%d","text":"Ward %d shuts."}`+"\n", i, i)
		}
	case "dense":
		s := "Unison says 12 nurses at Leeds Teaching Hospitals NHS Trust in Leeds lose their posts. "
		line := strings.Repeat(s, int(lineMB*(1<<20))/len(s))
		for i := 0; b.Len() < want; i++ {
			_ = enc.Encode(map[string]string{"id": fmt.Sprintf("dense-%d", i), "text": line})
		}
	}
	return b.Bytes()
}

// hwm returns a process's peak resident memory in bytes.
func hwm(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM")
}

func run(bin, kind string, mb, lineMB float64) error {
	data, err := os.MkdirTemp("", "bulkmem-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "serve", "--addr", addr, "--data", filepath.Join(data, "d"), "--seeds", filepath.Join(data, "none"), "--api-key", "k", "--sources-paused")
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get("http://" + addr + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > time.Minute {
			return fmt.Errorf("server not ready")
		}
	}
	// A first small write, so that the tagger and the writer are warm and
	// the baseline counts them.
	if err := post(addr, []byte(`{"id":"warm","text":"Unison says 3 nurses at Wick lose their posts."}`+"\n"), nil); err != nil {
		return err
	}
	b := body(kind, mb, lineMB)
	before, err := hwm(srv.Process.Pid)
	if err != nil {
		return err
	}
	var answer int
	start := time.Now()
	err = post(addr, b, &answer)
	took := time.Since(start)
	if err != nil {
		return err
	}
	after, err := hwm(srv.Process.Pid)
	if err != nil {
		return err
	}
	bodyMB := float64(len(b)) / (1 << 20)
	fmt.Printf("kind %s, body %.1f MB: peak RSS %.0f MB before, %.0f MB after: +%.0f MB, %.1f MB per MB of body; %s; answer %.1f MB\n",
		kind, bodyMB, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/(1<<20), float64(after-before)/(1<<20)/bodyMB,
		took.Round(time.Millisecond), float64(answer)/(1<<20))
	return nil
}

func post(addr string, b []byte, size *int) error {
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/articles/_bulk", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer k")
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("bulk: %d", resp.StatusCode)
	}
	if size != nil {
		*size = int(n)
	}
	return nil
}
