// Command cluster measures cutwatch's cluster mode (issue 19) against the
// embedded default on one machine: it starts a three-server NATS
// JetStream cluster in its own process (on loopback) and three real
// 'cutwatch serve --nats' processes, bulk-ingests a generated corpus
// through them (round robin, the same bulks as the embedded run), and
// reports the articles per second acknowledged and searchable on every
// node, then the replication lag of single writes: from the write's
// acknowledgement on one node to its answer on another with min_seq. The
// embedded default ('cutwatch serve' without --nats) ingests the same
// bulks first, for comparison.
//
//	go build -o /tmp/cw ./cmd/cutwatch
//	go run ./bench/cluster -bin /tmp/cw -n 10000
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/cutwatch/cutwatch/bench/gen"
)

const key = "bench-cluster-key"

func main() {
	bin := flag.String("bin", "cutwatch", "the cutwatch binary")
	n := flag.Int("n", 10000, "articles of the corpus (cutwatch gen, seed 1)")
	bulk := flag.Int("bulk", 1000, "articles per bulk request")
	lagN := flag.Int("lag", 300, "single writes timed for the replication lag")
	dir := flag.String("dir", "", "working directory (a new temporary one if empty; removed at the end)")
	flag.Parse()
	if err := run(*bin, *n, *bulk, *lagN, *dir); err != nil {
		log.Fatal(err)
	}
}

func run(bin string, n, bulkSize, lagN int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "cutwatch-bench-cluster-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	g, err := gen.New(1)
	if err != nil {
		return err
	}
	corpus := filepath.Join(dir, "corpus.jsonl")
	if err := g.WriteFile(context.Background(), corpus, n, nil); err != nil {
		return err
	}
	bulks, err := readBulks(corpus, bulkSize)
	if err != nil {
		return err
	}

	// The embedded default.
	emb, err := startServe(bin, filepath.Join(dir, "embedded"), "embedded")
	if err != nil {
		return err
	}
	embAck, _, err := ingest([]*node{emb}, bulks)
	emb.stop()
	if err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	fmt.Printf("embedded: %d articles acknowledged (searchable) in %.1f s: %.0f articles/s\n", n, embAck.Seconds(), float64(n)/embAck.Seconds())

	// The cluster.
	urls, stopNATS, err := startNATS(filepath.Join(dir, "nats"), 3)
	if err != nil {
		return err
	}
	defer stopNATS()
	var nodes []*node
	for i := range 3 {
		nd, err := startServe(bin, filepath.Join(dir, fmt.Sprint("node", i)), fmt.Sprint("node", i), "--nats", urls)
		if err != nil {
			return err
		}
		defer nd.stop()
		nodes = append(nodes, nd)
	}
	for _, nd := range nodes {
		if err := nd.waitReady(); err != nil {
			return err
		}
	}
	start := time.Now()
	ack, seq, err := ingest(nodes, bulks)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	for _, nd := range nodes {
		if err := nd.waitSeq(seq, 10*time.Minute); err != nil {
			return err
		}
	}
	all := time.Since(start)
	fmt.Printf("cluster (3 nodes, R=3): %d articles acknowledged in %.1f s: %.0f articles/s (%.2f× embedded); searchable on every node after %.1f s: %.0f articles/s (%.2f×)\n",
		n, ack.Seconds(), float64(n)/ack.Seconds(), embAck.Seconds()/ack.Seconds(), all.Seconds(), float64(n)/all.Seconds(), embAck.Seconds()/all.Seconds())

	// Replication lag: a single write on node i, then a read with min_seq
	// on node i+1, which answers as soon as that node has applied it.
	var lags []time.Duration
	for i := range lagN {
		a := g.Article(n + i)
		line, _ := json.Marshal(map[string]any{"id": fmt.Sprint("lag-", i), "title": a.Title, "text": a.Text})
		s, err := nodes[i%3].post("/api/articles", line)
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := nodes[(i+1)%3].waitSeq(s, time.Minute); err != nil {
			return err
		}
		lags = append(lags, time.Since(t0))
	}
	slices.Sort(lags)
	pct := func(p float64) time.Duration { return lags[int(p*float64(len(lags)-1))].Round(100 * time.Microsecond) }
	fmt.Printf("replication lag, acknowledgement on one node to searchable on another (%d single writes): p50 %v, p99 %v, max %v\n", lagN, pct(0.5), pct(0.99), lags[len(lags)-1].Round(time.Millisecond))
	return nil
}

// readBulks reads the corpus into bulk bodies of size lines.
func readBulks(path string, size int) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 4<<20)
	var out [][]byte
	var cur bytes.Buffer
	k := 0
	for sc.Scan() {
		cur.Write(sc.Bytes())
		cur.WriteByte('\n')
		if k++; k == size {
			out = append(out, slices.Clone(cur.Bytes()))
			cur.Reset()
			k = 0
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.Bytes())
	}
	return out, sc.Err()
}

// ingest posts the bulks to the nodes in turn and returns the time until
// the last was acknowledged and the largest seq answered.
func ingest(nodes []*node, bulks [][]byte) (time.Duration, uint64, error) {
	start := time.Now()
	var seq uint64
	for i, b := range bulks {
		s, err := nodes[i%len(nodes)].post("/api/articles/_bulk", b)
		if err != nil {
			return 0, 0, err
		}
		seq = max(seq, s)
	}
	return time.Since(start), seq, nil
}

// node is a 'cutwatch serve' process.
type node struct {
	name string
	addr string
	cmd  *exec.Cmd
}

var client = &http.Client{Timeout: 15 * time.Minute}

func startServe(bin, data, name string, extra ...string) (*node, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--seeds", filepath.Join(data, "no-seeds"), "--api-key", key,
		"--log-format", "json", "--rate-limit", "0", "--sources-paused", "--node", name}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			var l struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "serving" {
				addr <- strings.TrimPrefix(l.URL, "http://")
			}
		}
	}()
	select {
	case a := <-addr:
		return &node{name: name, addr: a, cmd: cmd}, nil
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start", name)
	}
}

func (nd *node) stop() {
	_ = nd.cmd.Process.Signal(os.Interrupt)
	_ = nd.cmd.Wait()
}

// post sends a write and returns its seq.
func (nd *node) post(path string, body []byte) (uint64, error) {
	req, _ := http.NewRequest("POST", "http://"+nd.addr+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return 0, fmt.Errorf("%s POST %s: %d %.300s", nd.name, path, resp.StatusCode, b)
	}
	return strconv.ParseUint(resp.Header.Get("X-Cutwatch-Seq"), 10, 64)
}

// waitSeq waits until a read with min_seq=seq answers 200.
func (nd *node) waitSeq(seq uint64, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		resp, err := client.Get(fmt.Sprintf("http://%s/api/search?size=1&facets=none&min_seq=%d", nd.addr, seq))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return fmt.Errorf("%s: min_seq=%d: %d", nd.name, seq, resp.StatusCode)
		}
	}
}

func (nd *node) waitReady() error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + nd.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New(nd.name + ": not ready after 2 minutes")
}

// startNATS starts n NATS servers with JetStream as one cluster on
// loopback, each storing under dir, and returns their client URLs.
func startNATS(dir string, n int) (string, func(), error) {
	ports := func() []int {
		var ls []net.Listener
		var ps []int
		for range n {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				log.Fatal(err)
			}
			ls = append(ls, l)
			ps = append(ps, l.Addr().(*net.TCPAddr).Port)
		}
		for _, l := range ls {
			l.Close()
		}
		return ps
	}
	client, route := ports(), ports()
	var routes, urls []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", route[i]))
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", client[i]))
	}
	var servers []*server.Server
	stop := func() {
		for _, s := range servers {
			s.Shutdown()
			s.WaitForShutdown()
		}
	}
	for i := range n {
		o := &server.Options{ServerName: fmt.Sprint("nats-", i), Host: "127.0.0.1", Port: client[i], NoLog: true, NoSigs: true,
			JetStream: true, StoreDir: filepath.Join(dir, fmt.Sprint(i)), JetStreamMaxMemory: 256 << 20, JetStreamMaxStore: 8 << 30,
			Cluster: server.ClusterOpts{Name: "bench", Host: "127.0.0.1", Port: route[i]}, Routes: server.RoutesFromStr(strings.Join(routes, ","))}
		s, err := server.NewServer(o)
		if err != nil {
			stop()
			return "", nil, err
		}
		go s.Start()
		if !s.ReadyForConnections(30 * time.Second) {
			stop()
			return "", nil, fmt.Errorf("NATS server %d not ready", i)
		}
		servers = append(servers, s)
	}
	return strings.Join(urls, ","), stop, nil
}
