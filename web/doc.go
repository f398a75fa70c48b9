// Package web is cutwatch's HTTP layer: the gin router, the JSON API
// handlers, and the server-rendered HTML UI with its embedded templates and
// static files. It holds a search backend behind an interface and does no
// search or indexing work of its own.
package web
