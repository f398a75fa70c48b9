package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/search/api"
)

// Headers of an export response.
const (
	// headerExportTotal is the number of articles the search matches.
	headerExportTotal = "X-Export-Total"
	// headerExportTruncated is "true" when the export stops at the
	// server's cap (serve --export-max) before the last match; it is
	// absent otherwise.
	headerExportTruncated = "X-Export-Truncated"
	// headerExportLimit is the cap, sent with X-Export-Truncated.
	headerExportLimit = "X-Export-Limit"
)

// exportWriteTime is the time an export may take to write its response.
const exportWriteTime = 10 * time.Minute

// httpExport answers an export as it streams: Begin sends the status and
// headers (the body's type, its file name, the total and whether the cap
// cuts it), then the writer's header line; rows follow.
type httpExport struct {
	c      *gin.Context
	format string
	limit  int
	out    interface {
		api.ExportWriter
		Flush() error
	}
	begun bool
}

func (e *httpExport) Begin(total uint64, truncated bool) error {
	h := e.c.Writer.Header()
	name := "cutwatch-" + time.Now().UTC().Format(time.DateOnly)
	if e.format == api.ExportNDJSON {
		h.Set("Content-Type", "application/x-ndjson; charset=utf-8")
		name += ".ndjson"
	} else {
		h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
		name += ".csv"
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(headerExportTotal, strconv.FormatUint(total, 10))
	if truncated {
		h.Set(headerExportTruncated, "true")
		h.Set(headerExportLimit, strconv.Itoa(e.limit))
	}
	e.c.Status(http.StatusOK)
	e.begun = true
	return e.out.Begin(total, truncated)
}

func (e *httpExport) Row(r api.ExportRow) error { return e.out.Row(r) }

// serveExport answers GET /api/export?<search parameters>&format=csv|ndjson
// with every article the search matches, streamed in id order, at most
// the server's cap (X-Export-Truncated says when it cut the export).
func (s *Server) serveExport(c *gin.Context) {
	q := c.Request.URL.Query()
	format := q.Get("format")
	switch {
	case len(q["format"]) > 1:
		s.writeError(c, api.BadRequest("format", "given %d times, want at most once", len(q["format"])))
		return
	case format == "":
		format = api.ExportCSV
	case format != api.ExportCSV && format != api.ExportNDJSON:
		s.writeError(c, api.BadRequest("format", "unknown format %q (want %s or %s)", api.Truncate(format, 40), api.ExportCSV, api.ExportNDJSON))
		return
	}
	if err := api.CheckParams(q, append(api.RequestParams(s.schema), "format")); err != nil {
		s.writeError(c, err)
		return
	}
	req, err := api.ParseRequest(s.schema, q)
	if err != nil {
		s.writeError(c, err)
		return
	}
	// A long export outlives the server's write timeout, which is made
	// for searches.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(exportWriteTime))
	e := &httpExport{c: c, format: format, limit: s.exportMax}
	if format == api.ExportNDJSON {
		e.out = api.NewNDJSONExport(c.Writer)
	} else {
		e.out = api.NewCSVExport(c.Writer, s.schema)
	}
	err = s.searcher.Export(c.Request.Context(), req, s.exportMax, e)
	if err == nil {
		err = e.out.Flush()
	}
	if err == nil {
		return
	}
	if !e.begun {
		s.writeError(c, err)
		return
	}
	// The status is sent: end the response without its last chunk, so
	// that the client sees a broken download rather than a short one.
	if !errors.Is(err, c.Request.Context().Err()) {
		s.log.Error("export failed midway", "err", fmt.Errorf("export: %w", err))
	}
	panic(http.ErrAbortHandler)
}
