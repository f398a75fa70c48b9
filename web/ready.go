package web

import (
	"errors"
	"net/http"
	"path/filepath"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/search/api"
)

// readyResponse is the body of GET /readyz when ready.
type readyResponse struct {
	Status    string `json:"status"` // "ready"
	Documents uint64 `json:"documents"`
	Index     string `json:"index,omitempty"` // base name of the index directory
	// Writes is "on" when the server takes writes, "off" when it does not
	// (no API key, a full disk), with the reason in WritesOff.
	Writes    string `json:"writes"`
	WritesOff string `json:"writes_off,omitempty"`
	// Cluster is the replication state in cluster mode.
	Cluster *clusterReady `json:"cluster,omitempty"`
}

// clusterReady is the replication state /readyz shows in cluster mode.
type clusterReady struct {
	Node        string `json:"node"`
	Applied     uint64 `json:"applied_seq"`
	StreamLast  uint64 `json:"stream_last_seq"`
	Lag         uint64 `json:"lag"`
	StartTarget uint64 `json:"start_target_seq"`
}

func clusterReadyOf(st api.ClusterStatus) *clusterReady {
	return &clusterReady{Node: st.Node, Applied: st.Applied, StreamLast: st.StreamLast, Lag: st.Lag, StartTarget: st.StartTarget}
}

// notReadyResponse is the body of GET /readyz when not ready (503).
type notReadyResponse struct {
	Status  string        `json:"status"` // "not ready"
	Reason  string        `json:"reason"`
	Cluster *clusterReady `json:"cluster,omitempty"`
}

// StartShutdown marks the server as going away: from now on /readyz
// answers 503 ("shutting down"), so that a load balancer stops sending
// requests, and a re-index started through the API is cancelled (the
// current index stays unless the new one was already swapped in). All
// other routes go on serving until the http.Server is shut down.
func (s *Server) StartShutdown() {
	s.draining.Store(true)
	s.cancel()
}

// Close calls StartShutdown and waits for background work (a re-index
// started through the API) to end. Call it before closing the Ingester.
func (s *Server) Close() {
	s.StartShutdown()
	// Once closed is set under jobMu, no POST adds a job (it checks
	// closed under jobMu), and every POST that added one before has
	// released jobMu: Wait never races with Add.
	s.jobMu.Lock()
	s.closed = true
	s.jobMu.Unlock()
	s.jobs.Wait()
}

// notReadyReason returns why the server cannot be called ready, or "".
func (s *Server) notReadyReason() string {
	if s.draining.Load() {
		return "shutting down"
	}
	if s.ready == nil {
		return ""
	}
	switch err := s.ready.Ready(); {
	case err == nil:
		return ""
	case errors.Is(err, api.ErrDamaged):
		return s.damagedMessage()
	case errors.Is(err, api.ErrSwapping), errors.Is(err, api.ErrClosed), errors.Is(err, api.ErrStoreUnusable):
		return err.Error()
	default:
		s.log.Warn("index not ready", "err", err)
		return "index not ready"
	}
}

// damagedMessage is what clients are told while the index is damaged:
// which one and how to rebuild it, without the file-level details (those
// are logged at start).
func (s *Server) damagedMessage() string {
	return "index " + filepath.Base(s.ready.Dir()) + " is damaged or half-written and is not served: " +
		"rebuild it with POST /api/admin/reindex (with the API key), or stop the server and run 'cutwatch index --rebuild'"
}

// unavailable returns the message to answer a read with when there is no
// index to read (damaged or closed), or "". During a swap reads go on.
func (s *Server) unavailable() string {
	if s.ready == nil {
		return ""
	}
	switch err := s.ready.Ready(); {
	case errors.Is(err, api.ErrDamaged):
		return s.damagedMessage()
	case errors.Is(err, api.ErrClosed):
		return "shutting down"
	}
	return ""
}

// needIndex answers 503 with the reason, as JSON or as the HTML error
// page, when there is no index to read: a damaged index is never served
// as an empty one.
func (s *Server) needIndex(html bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		msg := s.unavailable()
		if msg == "" {
			c.Next()
			return
		}
		if html {
			p := errorPage(http.StatusServiceUnavailable, msg)
			v := p.data.(errorView)
			v.Heading = "Search is unavailable"
			p.data = v
			s.writeHTML(c, p)
		} else {
			writeJSON(c, http.StatusServiceUnavailable, errorBody{Error: msg})
		}
		c.Abort()
	}
}

// serveReadyz answers GET /readyz: 200 when the index is open, not in the
// middle of a swap, and answers a real one-hit search; 503 with the reason
// otherwise (damaged, mid-swap, shutting down). Unlike /healthz (is the
// process able to serve at all?) it tells a load balancer whether to send
// requests now.
func (s *Server) serveReadyz(c *gin.Context) {
	var cl *clusterReady
	notReady := func(reason string) {
		writeJSON(c, http.StatusServiceUnavailable, notReadyResponse{Status: "not ready", Reason: reason, Cluster: cl})
	}
	if r := s.notReadyReason(); r != "" {
		notReady(r)
		return
	}
	if s.cluster != nil {
		// Not ready until the node has applied the stream as it was
		// when it started (or while NATS cannot be reached at start).
		st := s.cluster.Status(c.Request.Context(), false)
		cl = clusterReadyOf(st)
		if st.NotReady != "" {
			notReady(st.NotReady)
			return
		}
	}
	hits, err := s.probe(c.Request.Context())
	if err != nil {
		notReady("index cannot be searched")
		return
	}
	n, err := s.searcher.DocCount()
	if err != nil {
		s.log.Warn("readiness count failed", "err", err)
		notReady("index cannot be counted")
		return
	}
	if n > 0 && hits == 0 {
		notReady("index holds documents but a search finds none")
		return
	}
	resp := readyResponse{Status: "ready", Documents: n, Writes: "on", Cluster: cl}
	if s.ready != nil {
		resp.Index = filepath.Base(s.ready.Dir())
	}
	if off := s.writesOff(); off != "" {
		resp.Writes, resp.WritesOff = "off", off
	}
	writeJSON(c, http.StatusOK, resp)
}

// writesOff returns why the server takes no writes now, or "".
func (s *Server) writesOff() string {
	switch {
	case !s.keySet:
		return "no API key configured (start 'cutwatch serve' with --api-key)"
	case s.ingester == nil:
		return "this server cannot take writes"
	case s.ready != nil:
		if err := s.ready.Writable(); err != nil {
			return err.Error()
		}
	}
	return ""
}
