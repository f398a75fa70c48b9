// Package api is the vocabulary that cutwatch's packages share, in the
// manner of zoekt's api.go: the article that enters the system, a search
// request and its result, the tagged article that comes back, the errors
// that cross package boundaries (one ErrNotFound for all), and the
// interfaces the web layer needs from the rest (Searcher, Ingester,
// Readiness).
//
// It is a leaf: it imports the standard library, the entity schema and
// the tagger's Entity type, never bleve, bbolt or the packages that use
// them, so that package web can depend on it without knowing any storage
// engine.
package api
