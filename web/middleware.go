package web

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// observeRequests writes one log line per request and counts it in the
// metrics. The line holds the method, the route template (not the raw path,
// which may hold user data), the status, the duration, the bytes of the
// body written, and the number of hits when a handler set it. Nothing else
// of the request is logged: no query string, no header (the Authorization
// header carries the API key), no body.
func (s *Server) observeRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	d := time.Since(start)
	route := c.FullPath()
	if route == "" {
		route = routeUnmatched
	}
	status := c.Writer.Status()
	s.metrics.observeRequest(route, c.Request.Method, status, d)
	attrs := []slog.Attr{
		slog.String("method", methodLabel(c.Request.Method)),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
	}
	if hits, ok := c.Get(ctxHits); ok {
		attrs = append(attrs, slog.Any("hits", hits))
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
}

// ctxHits is the gin context key under which handlers record hit counts for
// the request log.
const ctxHits = "cutwatch.hits"

// recoverPanics turns a panic in a handler into a 500 that says nothing of
// the internals (the HTML error page on the UI's pages, JSON elsewhere),
// and logs the panic with its stack.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v) // the client went away; let net/http handle it
			}
			s.log.Error("panic serving request", "route", c.FullPath(), "panic", v, "stack", string(debug.Stack()))
			switch {
			case c.Writer.Written():
			case isPage(c.FullPath()):
				s.writeHTML(c, errorPage(http.StatusInternalServerError, ""))
			default:
				writeJSON(c, http.StatusInternalServerError, errorBody{Error: "internal error"})
			}
			c.Abort()
		}
	}()
	c.Next()
}

// isPage tells whether route is one of the UI's HTML pages.
func isPage(route string) bool { return route == "/" || route == "/articles/:id" }

// serveHEAD answers HEAD as GET without a body, as net/http's file
// server does: gin routes only the methods registered, so monitors and
// link checkers that send HEAD would get 405. net/http drops the body of a
// response to HEAD. Logs and metrics count such a request as a GET.
func (s *Server) serveHEAD(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodHead {
		s.router.ServeHTTP(w, r)
		return
	}
	g := r.Clone(r.Context())
	g.Method = http.MethodGet
	s.router.ServeHTTP(w, g)
}
