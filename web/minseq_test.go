package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestWriteSeqAndMinSeq checks, in the embedded mode, that every write
// answers its sequence number (JSON "seq" and X-Cutwatch-Seq, also on
// DELETE's 204), growing with each write, and that a read with that
// min_seq (parameter or header) answers at once and sees the write, while
// a min_seq this server never reached is a 400 with applied and wanted,
// as is a malformed one.
func TestWriteSeqAndMinSeq(t *testing.T) {
	ws := newWriteServer(t, testKey)
	seqOf := func(h http.Header, body []byte) uint64 {
		t.Helper()
		seq, err := strconv.ParseUint(h.Get(SeqHeader), 10, 64)
		if err != nil || seq == 0 {
			t.Fatalf("no %s header: %q", SeqHeader, h.Get(SeqHeader))
		}
		if len(body) > 0 {
			var res struct{ Seq uint64 }
			if err := json.Unmarshal(body, &res); err != nil || res.Seq != seq {
				t.Fatalf("body seq %d, header %d: %s", res.Seq, seq, body)
			}
		}
		return seq
	}
	status, h, b := ws.do(t, "POST", "/api/articles", testKey, []byte(`{"id":"seq-1","text":"Unison says the qzxvbk ward closes."}`))
	if status != http.StatusCreated {
		t.Fatalf("POST: %d %s", status, b)
	}
	s1 := seqOf(h, b)
	status, h, b = ws.do(t, "POST", "/api/articles/_bulk", testKey, []byte("{\"id\":\"seq-2\",\"text\":\"a qzxvbm b\"}\n{\"id\":\"seq-3\",\"text\":\"a qzxvbn b\"}\n"))
	if status != http.StatusOK {
		t.Fatalf("bulk: %d %s", status, b)
	}
	s2 := seqOf(h, b)
	status, h, b = ws.do(t, "DELETE", "/api/articles/seq-3", testKey, nil)
	if status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, b)
	}
	s3 := seqOf(h, nil)
	if !(s1 < s2 && s2 < s3) {
		t.Fatalf("seqs %d, %d, %d do not grow", s1, s2, s3)
	}
	for _, tc := range []struct {
		path, header string
		want         int
		body         string
	}{
		{fmt.Sprintf("/api/search?syntax=bleve&q=qzxvbk&min_seq=%d", s1), "", http.StatusOK, `"total":1`},
		{"/api/search?syntax=bleve&q=qzxvbm", strconv.FormatUint(s3, 10), http.StatusOK, `"total":1`},
		{fmt.Sprintf("/api/articles/seq-2?min_seq=%d", s2), "", http.StatusOK, `"id":"seq-2"`},
		{fmt.Sprintf("/api/export?q=qzxvbk&min_seq=%d", s3), "", http.StatusOK, "seq-1"},
		{fmt.Sprintf("/?q=qzxvbk&min_seq=%d", s3), "", http.StatusOK, "seq-1"},
		{fmt.Sprintf("/api/search?q=x&min_seq=%d", s3+1000), "", http.StatusBadRequest, fmt.Sprintf(`"applied":%d,"wanted":%d`, s3, s3+1000)},
		{"/api/articles/seq-1", strconv.FormatUint(s3+1, 10), http.StatusBadRequest, `"wanted":` + strconv.FormatUint(s3+1, 10)},
		{"/api/search?q=x&min_seq=seven", "", http.StatusBadRequest, "min_seq"},
		{"/api/search?q=x", "-1", http.StatusBadRequest, "min_seq"},
	} {
		req, _ := http.NewRequest("GET", ws.URL+tc.path, nil)
		if tc.header != "" {
			req.Header.Set(MinSeqHeader, tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || !strings.Contains(sb.String(), tc.body) {
			t.Errorf("GET %s (header %q): %d %.300s; want %d with %s", tc.path, tc.header, resp.StatusCode, sb.String(), tc.want, tc.body)
		}
	}
	// Not a cluster node: /api/cluster is a 404.
	if status, _, b := ws.do(t, "GET", "/api/cluster", "", nil); status != http.StatusNotFound {
		t.Errorf("/api/cluster in the embedded mode: %d %s", status, b)
	}
}
