// Package web is cutwatch's HTTP layer: the gin router, the JSON API
// handlers, and the server-rendered HTML UI with its embedded templates and
// static files. It holds a search backend (Searcher) and, for the write
// routes behind the API key, an Ingester, both behind interfaces, and does
// no search or indexing work of its own. It also serves the operational
// routes: Prometheus metrics (GET /metrics, from a registry of the server's
// own) and the OpenAPI 3.1 description of every route (GET
// /api/openapi.json, the embedded openapi.json).
package web
