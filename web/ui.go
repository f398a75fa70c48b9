package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cutwatch/cutwatch/search/api"
)

// contentSecurityPolicy lets a page load only the server's own scripts,
// styles and images (plus data: images for the blank favicon), submit forms
// only to the server and be framed by no one. Together with html/template's
// escaping it means that text in an article can never run as script.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// setHTMLHeaders sets the security headers of every HTML response.
func setHTMLHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-cache")
}

// htmlPage is a page to render: a template, the status to answer with and
// the template's data.
type htmlPage struct {
	tmpl   *template.Template
	status int
	data   any
	// article, when set, is the article the page shows: its rendering is
	// kept (renderCache) and reused while the article is current; body is
	// that rendering, when kept.
	article *api.TaggedArticle
	body    []byte
}

// serveHTML runs a handler that returns a page or an error, renders the
// page into a buffer and writes it only when rendering succeeded, so that a
// template error never leaves half a page behind a 200. An error becomes
// the error page with the status statusOf gives it.
func (s *Server) serveHTML(c *gin.Context, h func(*gin.Context) (htmlPage, error)) {
	p, err := h(c)
	if err != nil {
		status, msg := statusOf(err)
		s.logFailure(c, status, err)
		p = errorPage(status, msg)
	}
	s.writeHTML(c, p)
}

// writeHTML renders p into a buffer and writes it with the security
// headers; a rendering failure is logged and answered with a plain 500.
func (s *Server) writeHTML(c *gin.Context, p htmlPage) {
	if p.body != nil {
		setHTMLHeaders(c)
		c.Data(p.status, "text/html; charset=utf-8", p.body)
		return
	}
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, "layout", p.data); err != nil {
		s.log.Error("render page", "route", c.FullPath(), "template", p.tmpl.Name(), "err", err)
		p.status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>Internal error.</p>\n")
	}
	if p.article != nil && p.status == http.StatusOK {
		s.pages.put(p.article, bytes.Clone(buf.Bytes()))
	}
	setHTMLHeaders(c)
	c.Data(p.status, "text/html; charset=utf-8", buf.Bytes())
}

// errorView is the data of the error page.
type errorView struct {
	Title   string
	Status  int
	Heading string
	Message string
}

func errorPage(status int, msg string) htmlPage {
	v := errorView{Title: http.StatusText(status), Status: status, Message: msg}
	switch status {
	case http.StatusNotFound:
		v.Heading = "Page not found"
	case http.StatusBadRequest:
		v.Heading = "Bad request"
	case http.StatusServiceUnavailable:
		v.Heading = "Search is busy"
	default:
		v.Heading = "Something went wrong"
		v.Message = "The server could not answer this request. Please try again."
	}
	return htmlPage{tmpl: pages.error, status: status, data: v}
}

// serveNoRoute answers an unknown path: the JSON error under /api/ and for
// clients that do not ask for HTML, the HTML not-found page for browsers.
func (s *Server) serveNoRoute(c *gin.Context) {
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/healthz" || !strings.Contains(c.GetHeader("Accept"), "text/html") {
		s.serveNotFound(c)
		return
	}
	s.writeHTML(c, errorPage(http.StatusNotFound, "There is no page at this address."))
}

func (s *Server) serveSearchPage(c *gin.Context) { s.serveHTML(c, s.serveSearchPageErr) }

// serveSearchPageErr answers GET /: the search page for the request in the
// URL, parsed by api.ParseRequest exactly as the API parses it. A
// malformed request renders the page with the parser's message beside the
// search box, with status 400.
func (s *Server) serveSearchPageErr(c *gin.Context) (htmlPage, error) {
	raw := c.Request.URL.Query()
	req, err := api.ParseRequest(s.schema, raw)
	if err == nil {
		err = api.CheckParams(raw, api.RequestParams(s.schema))
	}
	if err != nil {
		var br *api.BadRequestError
		if !errors.As(err, &br) {
			return htmlPage{}, err
		}
		return htmlPage{tmpl: pages.search, status: http.StatusBadRequest, data: badSearchView(s.schema, raw, br)}, nil
	}
	req.Facets = nil // the page always shows every facet
	// The histogram parameter is the charts' interval; the facet sums are
	// the charts' too: the results' search asks for neither.
	main := req.Clone()
	main.Histogram, main.FacetMetric = "", ""
	req.FacetMetric = ""
	res, err := s.search(c.Request.Context(), main)
	if err != nil {
		var br *api.BadRequestError
		if !errors.As(err, &br) {
			return htmlPage{}, err
		}
		// The parser accepts it but the query engine does not (a malformed
		// query string): same page, same message.
		return htmlPage{tmpl: pages.search, status: http.StatusBadRequest, data: badSearchView(s.schema, raw, br)}, nil
	}
	c.Set(ctxHits, res.Total)
	v := newSearchView(s.schema, req, res)
	if res.Total > 0 {
		if v.Charts, err = s.searchCharts(c.Request.Context(), req); err != nil {
			// The results are there: show them without the charts.
			_, msg := statusOf(err)
			s.log.Warn("search page: charts", "err", err)
			v.Charts, v.ChartsError = nil, "The charts could not be drawn: "+msg
		}
	}
	return htmlPage{tmpl: pages.search, status: http.StatusOK, data: v}, nil
}

func (s *Server) serveArticlePage(c *gin.Context) { s.serveHTML(c, s.serveArticlePageErr) }

// serveArticlePageErr answers GET /articles/:id: the article's text with
// its entities highlighted, or the not-found page.
func (s *Server) serveArticlePageErr(c *gin.Context) (htmlPage, error) {
	a, err := s.searcher.Article(c.Request.Context(), c.Param("id"))
	if err != nil {
		if errors.Is(err, api.ErrNotFound) {
			return errorPage(http.StatusNotFound, "There is no article with this address. It may have been removed from the index."), nil
		}
		return htmlPage{}, fmt.Errorf("article page: %w", err)
	}
	if body, ok := s.pages.get(a); ok {
		// rendered before: served without building the view again
		return htmlPage{tmpl: pages.article, status: http.StatusOK, article: a, body: body}, nil
	}
	return htmlPage{tmpl: pages.article, status: http.StatusOK, data: newArticleView(s.schema, a), article: a}, nil
}

// articleURL is the address of an article's page.
func articleURL(id string) string { return "/articles/" + url.PathEscape(id) }
