package web

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPISpec is the OpenAPI 3.1 description of every route, kept as a
// plain data file beside the handlers and served as it is. The tests check
// it against the router (every route described, nothing described that is
// not routed) and run its examples against a live server.
//
//go:embed openapi.json
var openAPISpec []byte

// serveOpenAPI answers GET /api/openapi.json with the embedded description.
func (s *Server) serveOpenAPI(c *gin.Context) {
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPISpec)
}
