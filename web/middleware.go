package web

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// logRequests writes one log line per request: method, route pattern (not
// the raw path, which may hold user data), status, duration, and the number
// of hits when a handler set it. Query strings are not logged.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "(no route)"
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
	}
	if hits, ok := c.Get(ctxHits); ok {
		attrs = append(attrs, slog.Any("hits", hits))
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
}

// ctxHits is the gin context key under which handlers record hit counts for
// the request log.
const ctxHits = "cutwatch.hits"

// recoverPanics turns a panic in a handler into a JSON 500 that says
// nothing of the internals, and logs the panic with its stack.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v) // the client went away; let net/http handle it
			}
			s.log.Error("panic serving request", "route", c.FullPath(), "panic", v, "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeJSON(c, http.StatusInternalServerError, errorBody{Error: "internal error"})
			}
			c.Abort()
		}
	}()
	c.Next()
}
