// Package web is cutwatch's HTTP layer: the gin router, the JSON API
// handlers, and the server-rendered HTML UI with its embedded templates and
// static files. It holds a search backend (Searcher) and, for the write
// routes behind the API key, an Ingester, and for /readyz a Readiness, all
// behind interfaces, and does no search or indexing work of its own (a
// re-index started through the API runs as a background job of the
// Server, which Close ends). It also serves the operational routes:
// Prometheus metrics (GET /metrics, from a registry of the server's own)
// and the OpenAPI 3.1 description of every route (GET /api/openapi.json,
// the embedded openapi.json).
package web
