package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Body limits of the write routes.
const (
	// MaxArticleBody is the largest body of POST or PUT /api/articles.
	MaxArticleBody = 2 << 20
	// MaxBulkBody is the largest body of POST /api/articles/_bulk.
	MaxBulkBody = 32 << 20
)

// writeRoutes registers the routes that change the index, and the status
// of a re-index, all behind the API key.
func (s *Server) writeRoutes(r *gin.Engine) {
	w := r.Group("/api", s.requireKey)
	w.POST("/articles", s.servePostArticle)
	w.POST("/articles/_bulk", s.serveBulk)
	w.PUT("/articles/:id", s.servePutArticle)
	w.DELETE("/articles/:id", s.serveDeleteArticle)
	w.POST("/admin/reindex", s.serveStartReindex)
	w.GET("/admin/reindex", s.serveReindexStatus)
}

// setKey keeps the SHA-256 of the API key: requests are checked by
// comparing hashes in constant time, so neither the key's bytes nor its
// length leak through timing.
func (s *Server) setKey(key string) {
	if key == "" {
		return
	}
	s.keySet = true
	s.keyHash = keyHash(key)
}

// requireKey lets a request through only with "Authorization: Bearer
// <key>". Without a configured key the write routes are off (403).
func (s *Server) requireKey(c *gin.Context) {
	if !s.keySet {
		writeJSON(c, http.StatusForbidden, errorBody{Error: "writes are turned off on this server: start 'cutwatch serve' with --api-key KEY (or set CUTWATCH_API_KEY) to turn them on"})
		c.Abort()
		return
	}
	given, ok := bearer(c)
	if !ok || subtle.ConstantTimeCompare(given[:], s.keyHash[:]) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="cutwatch"`)
		writeJSON(c, http.StatusUnauthorized, errorBody{Error: "missing or wrong API key: send 'Authorization: Bearer <key>'"})
		c.Abort()
		return
	}
	if s.ingester == nil {
		writeJSON(c, http.StatusServiceUnavailable, errorBody{Error: "this server cannot take writes"})
		c.Abort()
		return
	}
	c.Next()
}

// A body refused for its size is read and thrown away, up to
// MaxDiscard bytes and for at most discardTime, before the 413 is sent and
// the connection closed ("lingering close", as nginx does): a client that
// sends its whole body before reading the answer (Python's urllib and
// requests) would otherwise have its connection reset under it and never
// see the answer. Beyond MaxDiscard the connection is closed at once.
const (
	MaxDiscard  = 64 << 20
	discardTime = 30 * time.Second
)

// readBody reads the request body, answering 413 beyond limit bytes.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength > limit {
		return nil, refuseBody(c, limit, 0)
	}
	data, err := io.ReadAll(io.LimitReader(c.Request.Body, limit+1))
	switch {
	case err != nil:
		return nil, &httpError{http.StatusBadRequest, "body: cannot read it"}
	case int64(len(data)) > limit:
		return nil, refuseBody(c, limit, int64(len(data)))
	}
	return data, nil
}

// refuseBody answers a body larger than limit of which read bytes were
// read: it reads and discards the rest (lingering close, see MaxDiscard)
// unless the client waits for "100 Continue" before sending it or
// announced more than MaxDiscard, and closes the connection after the
// answer.
func refuseBody(c *gin.Context, limit, read int64) error {
	c.Header("Connection", "close")
	r := c.Request
	waiting := read == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue")
	if !waiting && r.ContentLength <= MaxDiscard {
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(discardTime))
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, MaxDiscard-read))
	}
	return &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", limit)}
}

// ingestResult is the answer for one written article: its first
// api.DefaultArticleEntities mentions (GET /api/articles/:id pages through
// the rest) and how many it has.
type ingestResult struct {
	ID          string       `json:"id"`
	Entities    []tag.Entity `json:"entities"`
	EntityCount int          `json:"entity_count"`
	// Seq is the write's sequence number: a read with min_seq=Seq (on
	// any node of a cluster) sees it.
	Seq uint64 `json:"seq"`
}

// SeqHeader carries a write's sequence number in its answer (also that of
// DELETE, which has no body), and a read's min_seq in its request.
const SeqHeader = "X-Cutwatch-Seq"

// setSeq sets the answer's SeqHeader.
func setSeq(c *gin.Context, seq uint64) {
	c.Header(SeqHeader, strconv.FormatUint(seq, 10))
}

// newIngestResult is the answer for the article id written with ents, as
// the write numbered seq.
func newIngestResult(id string, ents []tag.Entity, seq uint64) ingestResult {
	ents = nonNil(ents)
	return ingestResult{ID: id, Entities: ents[:min(len(ents), api.DefaultArticleEntities)], EntityCount: len(ents), Seq: seq}
}

func nonNil(e []tag.Entity) []tag.Entity {
	if e == nil {
		return []tag.Entity{}
	}
	return e
}

// writeErr maps errors of the Ingester to statuses.
func writeErr(err error) error {
	switch {
	case errors.Is(err, api.ErrNotFound):
		return &httpError{http.StatusNotFound, err.Error()}
	case errors.Is(err, api.ErrReindexRunning), errors.Is(err, api.ErrWouldShrink):
		return &httpError{http.StatusConflict, err.Error()}
	case errors.Is(err, api.ErrNoSpace):
		return &httpError{http.StatusInsufficientStorage, err.Error()}
	case errors.Is(err, api.ErrStoreUnusable):
		return &httpError{http.StatusServiceUnavailable, err.Error()}
	case errors.Is(err, api.ErrDamaged):
		return &httpError{http.StatusServiceUnavailable, "the index is damaged and takes no writes until it is rebuilt: POST /api/admin/reindex"}
	case errors.Is(err, api.ErrClosed):
		return &httpError{http.StatusServiceUnavailable, "shutting down"}
	case errors.Is(err, api.ErrReplication):
		return &httpError{http.StatusServiceUnavailable, err.Error()}
	case errors.Is(err, api.ErrTooLarge):
		return &httpError{http.StatusRequestEntityTooLarge, err.Error()}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &httpError{http.StatusServiceUnavailable, "request cancelled before the write"}
	}
	return err
}

// serveWrite is serveJSON for the write routes, whose success status is
// not always 200.
func (s *Server) serveWrite(c *gin.Context, h func(*gin.Context) (int, any, error)) {
	status, v, err := h(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if v == nil {
		c.Status(status)
		return
	}
	writeJSON(c, status, v)
}

func (s *Server) servePostArticle(c *gin.Context) { s.serveWrite(c, s.servePostArticleErr) }

// servePostArticleErr answers POST /api/articles: one JSON article, 201
// with its id and entities once it is on disk and searchable.
func (s *Server) servePostArticleErr(c *gin.Context) (int, any, error) {
	return s.putOne(c, "")
}

func (s *Server) servePutArticle(c *gin.Context) { s.serveWrite(c, s.servePutArticleErr) }

// servePutArticleErr answers PUT /api/articles/:id: the article replaces
// the one with that id (or is created). An id in the body must match.
func (s *Server) servePutArticleErr(c *gin.Context) (int, any, error) {
	return s.putOne(c, c.Param("id"))
}

// putOne writes the one article of a POST or PUT; either way it counts as
// one article ingested or failed.
func (s *Server) putOne(c *gin.Context, id string) (status int, v any, err error) {
	defer func() {
		if err != nil {
			s.metrics.ingest(0, 1)
		} else {
			s.metrics.ingest(1, 0)
		}
	}()
	body, err := readBody(c, MaxArticleBody)
	if err != nil {
		return 0, nil, err
	}
	a, err := api.DecodeIngest(body, id)
	if err != nil {
		return 0, nil, &httpError{http.StatusBadRequest, err.Error()}
	}
	if id != "" && a.ID != strings.TrimSpace(id) {
		return 0, nil, &httpError{http.StatusBadRequest, fmt.Sprintf("id: %.100q in the body does not match %.100q in the URL", a.ID, id)}
	}
	if err := api.CheckWriteID(a.ID); err != nil {
		return 0, nil, &httpError{http.StatusBadRequest, err.Error()}
	}
	ents, seq, err := s.ingester.PutSeq(c.Request.Context(), []api.Article{a})
	if err != nil {
		return 0, nil, writeErr(err)
	}
	status = http.StatusCreated
	if id != "" {
		status = http.StatusOK
	}
	setSeq(c, seq)
	return status, newIngestResult(a.ID, ents[0], seq), nil
}

// Bulk bodies are read a line at a time and indexed in batches of at most
// BulkBatchArticles articles or BulkBatchBytes bytes of lines (a longer
// line is a batch of its own), each through the Writer as any write: the
// memory of a bulk is that of a batch, whatever the size of the body, and
// the write lock is held for one batch at a time.
const (
	BulkBatchArticles = 5000
	BulkBatchBytes    = 1 << 20
	// bulkDeadline bounds the reading and the indexing of one bulk: the
	// server's own read and write timeouts (30 s) are too short for the
	// largest body (16 MiB of articles took 1 min 53 s on 2 busy shared
	// cores: BENCHMARKS.md).
	bulkDeadline = 10 * time.Minute
)

// bulkLine is the result of one line of a bulk request: an id and the
// number of entities found, or an error. A line whose id comes again
// later in the same bulk is replaced by that line (the last one wins)
// and says which.
type bulkLine struct {
	Line        int    `json:"line"`
	ID          string `json:"id,omitempty"`
	EntityCount *int   `json:"entity_count,omitempty"`
	ReplacedBy  int    `json:"replaced_by,omitempty"`
	Error       string `json:"error,omitempty"`
}

// bulkResponse is the body of POST /api/articles/_bulk.
type bulkResponse struct {
	Indexed int        `json:"indexed"`
	Failed  int        `json:"failed"`
	Results []bulkLine `json:"results"`
	// Seq is the sequence number of the bulk's last write (0 when none
	// was written): a read with min_seq=Seq sees every line indexed.
	Seq uint64 `json:"seq"`
}

func (s *Server) serveBulk(c *gin.Context) { s.serveWrite(c, s.serveBulkErr) }

// bulk is the state of one bulk request being read and indexed.
type bulk struct {
	s     *Server
	ctx   context.Context
	res   bulkResponse
	last  map[string]int // id → index in res.Results of its latest line (memory: the bulk's distinct ids)
	arts  []api.Article  // the batch being read
	slots []int          // index in res.Results of each of arts
	bytes int            // of the batch's lines
	// stored counts the articles written so far, for the report of a
	// bulk that stops early.
	stored int
}

// serveBulkErr answers POST /api/articles/_bulk: one JSON article a line
// (blank lines are ignored), read and indexed in batches (BulkBatchBytes).
// Lines that fail to decode are reported with their 1-based line number;
// an id that comes again replaces its earlier line (the last one wins,
// counted once). When the client hangs up, the bulk stops between two
// batches and the log says what was stored. Each line counts as one
// article ingested or failed; a body refused as a whole (too large,
// empty) counts none.
func (s *Server) serveBulkErr(c *gin.Context) (int, any, error) {
	if c.Request.ContentLength > MaxBulkBody {
		return 0, nil, refuseBody(c, MaxBulkBody, 0)
	}
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetReadDeadline(time.Now().Add(bulkDeadline))
	_ = rc.SetWriteDeadline(time.Now().Add(bulkDeadline + 30*time.Second))
	b := &bulk{s: s, ctx: c.Request.Context(), last: map[string]int{}}
	br := bufio.NewReaderSize(c.Request.Body, 64<<10)
	var read int64
	for lineNo := 1; ; lineNo++ {
		line, n, err := readLine(br, MaxArticleBody)
		read += int64(n)
		if read > MaxBulkBody {
			err := refuseBody(c, MaxBulkBody, read)
			return 0, nil, &httpError{http.StatusRequestEntityTooLarge, err.Error() + b.storedNote()}
		}
		if n > 0 {
			b.add(lineNo, line, n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			b.stopped("the body could not be read (the client went away?)", err)
			return 0, nil, &httpError{http.StatusBadRequest, "body: cannot read it" + b.storedNote()}
		}
		if b.full() {
			if err := b.flush(); err != nil {
				return 0, nil, err
			}
		}
	}
	if err := b.flush(); err != nil {
		return 0, nil, err
	}
	if len(b.res.Results) == 0 {
		return 0, nil, &httpError{http.StatusBadRequest, "body: no articles (want one JSON article a line)"}
	}
	for _, r := range b.res.Results {
		switch {
		case r.Error != "":
			b.res.Failed++
		case r.ReplacedBy == 0:
			b.res.Indexed++
		}
	}
	s.metrics.ingest(0, b.res.Failed) // the written ones are counted by batch
	setSeq(c, b.res.Seq)
	return http.StatusOK, b.res, nil
}

// readLine reads one line (without its end) of at most max bytes; the rest
// of a longer line is read and dropped, and the line returned is nil with
// n, the bytes read, past max. The error is io.EOF after the last line.
func readLine(br *bufio.Reader, max int) (line []byte, n int, err error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		n += len(frag)
		if len(buf)+len(frag) <= max+2 { // room for "\r\n"
			buf = append(buf, frag...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return buf, n, err
	}
}

// add decodes one line into the batch, or records why it cannot be.
func (b *bulk) add(lineNo int, line []byte, n int) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 && n <= MaxArticleBody {
		return
	}
	r := bulkLine{Line: lineNo}
	if n > MaxArticleBody+2 || len(line) > MaxArticleBody {
		r.Error = fmt.Sprintf("line: longer than %d bytes", MaxArticleBody)
	} else if a, err := api.DecodeIngest(line, ""); err != nil {
		r.Error = err.Error()
	} else if err := api.CheckWriteID(a.ID); err != nil {
		r.Error = err.Error()
	} else {
		r.ID = a.ID
		if prev, ok := b.last[a.ID]; ok {
			b.res.Results[prev].ReplacedBy = lineNo
		}
		b.last[a.ID] = len(b.res.Results)
		b.arts = append(b.arts, a)
		b.slots = append(b.slots, len(b.res.Results))
		b.bytes += len(line)
	}
	b.res.Results = append(b.res.Results, r)
}

// full tells whether the batch is to be written before more is read.
func (b *bulk) full() bool {
	n := BulkBatchArticles
	if b.s.bulkBatch > 0 {
		n = b.s.bulkBatch
	}
	return len(b.arts) >= n || b.bytes >= BulkBatchBytes
}

// flush writes the batch, each id once (its last line), unless the client
// has gone.
func (b *bulk) flush() error {
	if len(b.arts) == 0 {
		return nil
	}
	if err := b.ctx.Err(); err != nil {
		b.stopped("the client went away", err)
		return writeErr(err)
	}
	var arts []api.Article
	var slots []int
	for i, a := range b.arts {
		// A line replaced by a later one is replaced by a line of this
		// batch (lines are added to the batch being read): only the last
		// is written.
		if b.res.Results[b.slots[i]].ReplacedBy == 0 {
			arts = append(arts, a)
			slots = append(slots, b.slots[i])
		}
	}
	ents, seq, err := b.s.ingester.PutSeq(b.ctx, arts)
	if err != nil {
		b.s.metrics.ingest(0, len(arts))
		b.stopped("a batch could not be written", err)
		return writeErr(err)
	}
	for i, e := range ents {
		n := len(e)
		b.res.Results[slots[i]].EntityCount = &n
	}
	b.res.Seq = max(b.res.Seq, seq)
	b.stored += len(arts)
	b.s.metrics.ingest(len(arts), 0)
	if b.s.afterBatch != nil {
		b.s.afterBatch(b.ctx)
	}
	b.arts, b.slots, b.bytes = b.arts[:0], b.slots[:0], 0
	return nil
}

// stopped logs a bulk that stops before its end, with what it stored.
func (b *bulk) stopped(why string, err error) {
	b.s.log.Warn("bulk: stopped before the end of the body: "+why, "lines", len(b.res.Results), "stored", b.stored, "err", err)
}

// storedNote tells the client of a bulk that stopped what was stored.
func (b *bulk) storedNote() string {
	if b.stored == 0 {
		return " (nothing was stored)"
	}
	return fmt.Sprintf(" (the %d articles of the batches before were stored)", b.stored)
}

func (s *Server) serveDeleteArticle(c *gin.Context) { s.serveWrite(c, s.serveDeleteArticleErr) }

// serveDeleteArticleErr answers DELETE /api/articles/:id with 204, or 404
// for an unknown id.
func (s *Server) serveDeleteArticleErr(c *gin.Context) (int, any, error) {
	seq, err := s.ingester.DeleteSeq(c.Request.Context(), c.Param("id"))
	if err != nil {
		return 0, nil, writeErr(err)
	}
	setSeq(c, seq)
	return http.StatusNoContent, nil, nil
}
