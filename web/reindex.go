package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/search/api"
)

// States of the re-index job (reindexStatus.State).
const (
	jobIdle    = "idle"    // none started since the server started
	jobRunning = "running" // building, or swapping in the new index
	jobDone    = "done"    // the new index is served
	jobFailed  = "failed"  // the old index is still served
)

// reindexLocation is where the state of the re-index job is read.
const reindexLocation = "/api/admin/reindex"

// reindexStatus is the state of the latest re-index started through the
// API: the body of GET /api/admin/reindex and of the 202 that starts one.
type reindexStatus struct {
	State    string     `json:"state"`
	Started  *time.Time `json:"started,omitempty"`
	Finished *time.Time `json:"finished,omitempty"`
	// Set when done.
	Documents *uint64 `json:"documents,omitempty"`
	Index     string  `json:"index,omitempty"` // base name of the new index directory
	FromStore *int    `json:"from_store,omitempty"`
	// Set when failed.
	Error string `json:"error,omitempty"`
}

func (s *Server) serveStartReindex(c *gin.Context) { s.serveWrite(c, s.serveStartReindexErr) }

// serveStartReindexErr answers POST /api/admin/reindex[?force=true]: it
// starts a re-index (from the article store, swapped in while searches go
// on) in the background and answers 202 with the job's state and Location
// /api/admin/reindex; 409 while one runs. The job runs in the server's
// lifetime context, not the request's: a client hanging up does not stop
// it, StartShutdown does (leaving the current index). A re-index that
// would serve markedly fewer articles than now fails (and says why)
// unless force=true.
func (s *Server) serveStartReindexErr(c *gin.Context) (int, any, error) {
	var opts api.ReindexOptions
	switch f := c.Query("force"); f {
	case "", "false":
	case "true":
		opts.Force = true
	default:
		return 0, nil, &httpError{http.StatusBadRequest, fmt.Sprintf("force: want true or false, got %.40q", f)}
	}
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	if s.job.State == jobRunning {
		return 0, nil, &httpError{http.StatusConflict, fmt.Sprintf(
			"a re-index is already running (started %s): follow it with GET %s",
			s.job.Started.Format(time.RFC3339), reindexLocation)}
	}
	if s.closed || s.ctx.Err() != nil {
		return 0, nil, &httpError{http.StatusServiceUnavailable, "shutting down"}
	}
	now := time.Now().UTC()
	s.job = reindexStatus{State: jobRunning, Started: &now}
	s.jobs.Add(1)
	go s.runReindex(opts)
	c.Header("Location", reindexLocation)
	return http.StatusAccepted, s.job, nil
}

// runReindex runs the re-index job and records how it ended.
func (s *Server) runReindex(opts api.ReindexOptions) {
	defer s.jobs.Done()
	var (
		st  api.ReindexStats
		err error
	)
	func() {
		defer func() {
			// No panic may take the server down from a goroutine that no
			// Recovery middleware covers.
			if v := recover(); v != nil {
				err = fmt.Errorf("re-index panicked: %v", v)
			}
		}()
		st, err = s.ingester.Reindex(s.ctx, opts)
	}()
	now := time.Now().UTC()
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	s.job.Finished = &now
	if err != nil {
		s.job.State = jobFailed
		s.job.Error = err.Error()
		if errors.Is(err, context.Canceled) && s.ctx.Err() != nil {
			s.job.Error = "cancelled: the server is shutting down (the current index stays): " + err.Error()
		}
		s.log.Error("re-index failed", "err", err)
		return
	}
	s.job.State = jobDone
	s.job.Documents = &st.Documents
	s.job.Index = filepath.Base(st.Dir)
	s.job.FromStore = &st.Stored
	s.log.Info("re-indexed", "dir", st.Dir, "documents", st.Documents, "took_ms", st.Duration.Milliseconds())
}

func (s *Server) serveReindexStatus(c *gin.Context) { s.serveJSON(c, s.serveReindexStatusErr) }

// serveReindexStatusErr answers GET /api/admin/reindex with the state of
// the latest re-index job (idle when none was started).
func (s *Server) serveReindexStatusErr(*gin.Context) (any, error) {
	s.jobMu.Lock()
	defer s.jobMu.Unlock()
	return s.job, nil
}
