package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/search/api"
)

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error string `json:"error"`
}

// httpError is an error with the status to answer it with; its message is
// shown to the client.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// statusOf maps an error from the search layer to an HTTP status and the
// message the client may see. Internal errors get a generic message; their
// details go to the log only.
func statusOf(err error) (int, string) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case api.IsBadRequest(err):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, api.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, api.ErrOverloaded):
		return http.StatusServiceUnavailable, fmt.Sprintf("server busy: too many searches at once; try again in %d s", retryAfterSeconds)
	case errors.Is(err, api.ErrTimeout):
		return http.StatusServiceUnavailable, err.Error()
	}
	return http.StatusInternalServerError, "internal error"
}

// serveJSON runs a handler that returns a value or an error, encodes the
// value into a buffer first and writes the response only when that
// succeeded, so a failure never leaves a half-written 200.
func (s *Server) serveJSON(c *gin.Context, h func(*gin.Context) (any, error)) {
	v, err := h(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	writeJSON(c, http.StatusOK, v)
}

// writeError answers err as {"error": "..."} with its status.
func (s *Server) writeError(c *gin.Context, err error) {
	status, msg := statusOf(err)
	s.logFailure(c, status, err)
	writeJSON(c, status, errorBody{Error: msg})
}

// retryAfterSeconds is the Retry-After of a search refused by admission
// control: searches take milliseconds to a few hundred, so a slot is
// likely free by then.
const retryAfterSeconds = 1

// logFailure logs a server-side failure with its details, and tells a
// client refused by admission control when to come back. Refusals are not
// logged one by one: under overload there are many, each already in the
// request log with its status.
func (s *Server) logFailure(c *gin.Context, status int, err error) {
	if errors.Is(err, api.ErrOverloaded) {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds))
		return
	}
	if status >= 500 {
		s.log.Error("request failed", "route", c.FullPath(), "status", status, "err", err)
	}
}

// writeJSON encodes v into a buffer and writes it with status. HTML is not
// escaped: snippets carry <mark> tags that clients render as HTML, and the
// content type is application/json, which browsers do not sniff.
func writeJSON(c *gin.Context, status int, v any) {
	var body []byte
	if a, ok := v.(jsonAppender); ok {
		// Search results write themselves, much faster than reflection.
		body = append(a.AppendJSON(make([]byte, 0, 8<<10)), '\n')
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			status = http.StatusInternalServerError
			buf.Reset()
			buf.WriteString(`{"error":"internal error"}` + "\n")
		}
		body = buf.Bytes()
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(status, "application/json; charset=utf-8", body)
}

// jsonAppender is a value that writes its own JSON (api.Result).
type jsonAppender interface {
	AppendJSON(b []byte) []byte
}

func (s *Server) serveSearch(c *gin.Context) { s.serveJSON(c, s.serveSearchErr) }

// serveSearchErr answers GET /api/search; the parameters are those of
// api.ParseRequest.
func (s *Server) serveSearchErr(c *gin.Context) (any, error) {
	if err := api.CheckParams(c.Request.URL.Query(), api.RequestParams(s.schema)); err != nil {
		return nil, err
	}
	req, err := api.ParseRequest(s.schema, c.Request.URL.Query())
	if err != nil {
		return nil, err
	}
	res, err := s.search(c.Request.Context(), req)
	if err != nil {
		return nil, err
	}
	c.Set(ctxHits, res.Total)
	return res, nil
}

func (s *Server) serveArticle(c *gin.Context) { s.serveJSON(c, s.serveArticleErr) }

// articleParams are the parameters of GET /api/articles/:id.
var articleParams = []string{"entities_from", "entities_size", "min_seq"}

// serveArticleErr answers GET /api/articles/:id with the whole article, its
// canonical values and its entities with offsets: at most entities_size
// of them (api.DefaultArticleEntities unless asked), from entities_from,
// so that an entity-dense article's answer stays a few megabytes at most.
func (s *Server) serveArticleErr(c *gin.Context) (any, error) {
	q := c.Request.URL.Query()
	if err := api.CheckParams(q, articleParams); err != nil {
		return nil, err
	}
	from, err := intParam(q, "entities_from", 0, 0, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	size, err := intParam(q, "entities_size", api.DefaultArticleEntities, 1, api.MaxArticleEntities)
	if err != nil {
		return nil, err
	}
	a, err := s.searcher.Article(c.Request.Context(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	return a.Window(from, size), nil
}

// intParam reads the whole number parameter name of q, given at most once,
// from lo to hi (def when absent).
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	vs := q[name]
	switch {
	case len(vs) == 0:
		return def, nil
	case len(vs) > 1:
		return 0, api.BadRequest(name, "given %d times, want at most once", len(vs))
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < lo || n > hi {
		return 0, api.BadRequest(name, "want a whole number from %d to %d, got %.40q", lo, hi, vs[0])
	}
	return n, nil
}

// facetParams are the parameters of GET /api/facets/:field.
var facetParams = []string{"prefix", "size"}

// facetValuesResponse is the body of GET /api/facets/:field.
type facetValuesResponse struct {
	Field  string          `json:"field"`
	Prefix string          `json:"prefix"`
	Values []api.TermCount `json:"values"`
}

func (s *Server) serveFacet(c *gin.Context) { s.serveJSON(c, s.serveFacetErr) }

// serveFacetErr answers GET /api/facets/:field?prefix=&size= with the
// values of one facet over the whole index, for autocomplete.
func (s *Server) serveFacetErr(c *gin.Context) (any, error) {
	q := c.Request.URL.Query()
	if err := api.CheckParams(q, facetParams); err != nil {
		return nil, err
	}
	for _, p := range []string{"size", "prefix"} {
		if n := len(q[p]); n > 1 {
			return nil, api.BadRequest(p, "given %d times, want at most once", n)
		}
	}
	size := 0
	if v := c.Query("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, &httpError{http.StatusBadRequest, fmt.Sprintf("size: want a whole number from 1 to %d, got %.40q", api.MaxFacetValues, v)}
		}
		size = n
	}
	field, prefix := c.Param("field"), c.Query("prefix")
	vals, err := s.searcher.FacetValues(c.Request.Context(), field, prefix, size)
	if err != nil {
		return nil, err
	}
	return facetValuesResponse{Field: field, Prefix: prefix, Values: vals}, nil
}

// healthResponse is the body of GET /healthz.
type healthResponse struct {
	Status    string `json:"status"`
	Documents uint64 `json:"documents"`
}

func (s *Server) serveHealthz(c *gin.Context) { s.serveJSON(c, s.serveHealthzErr) }

// serveHealthzErr runs a real one-hit search, so that a healthy answer
// means the index can be searched, not only that the process is up.
func (s *Server) serveHealthzErr(c *gin.Context) (any, error) {
	if _, err := s.probe(c.Request.Context()); err != nil {
		return nil, &httpError{http.StatusServiceUnavailable, "index cannot be searched"}
	}
	n, err := s.searcher.DocCount()
	if err != nil {
		return nil, &httpError{http.StatusServiceUnavailable, "index cannot be counted"}
	}
	return healthResponse{Status: "ok", Documents: n}, nil
}

// probe runs the one-hit search of /healthz and /readyz and returns the
// number of hits (-1 when unknown). It counts no facets (which would read
// a value of every article) and bypasses the cache, so it reads the index
// cheaply. A search refused because every search slot is taken
// (api.ErrOverloaded) counts as a pass: the index is being searched,
// and the probes ask whether the server can serve, not how busy it is;
// failing them under load would restart a busy server or take it out of
// rotation and move its load onto the others.
func (s *Server) probe(ctx context.Context) (int, error) {
	req := api.Request{Size: 1, Facets: []string{api.FacetNone}, NoCache: true}
	res, err := s.searcher.Search(ctx, req)
	switch {
	case errors.Is(err, api.ErrOverloaded):
		return -1, nil
	case err != nil:
		s.log.Warn("probe search failed", "err", err)
		return 0, err
	}
	return len(res.Hits), nil
}

func (s *Server) serveNotFound(c *gin.Context) {
	writeJSON(c, http.StatusNotFound, errorBody{Error: fmt.Sprintf("no route for %s %.200s", c.Request.Method, c.Request.URL.Path)})
}

func (s *Server) serveMethodNotAllowed(c *gin.Context) {
	writeJSON(c, http.StatusMethodNotAllowed, errorBody{Error: fmt.Sprintf("method %s not allowed here", c.Request.Method)})
}
