package api

import (
	"context"
	"time"
)

// SourceSpec is a feed source as a user adds it: POST /api/sources and
// 'cutwatch sources add'.
type SourceSpec struct {
	// URL is the feed's address (RSS 0.9x/2.0, Atom 1.0 or JSON Feed).
	URL string `json:"url"`
	// Interval is how often the feed is polled, as a Go duration ("30m");
	// empty: the server's default.
	Interval string `json:"interval,omitempty"`
	// Filter decides which of the feed's articles are kept: a query in the
	// syntax of /api/search's q, matched against each tagged article as a
	// search would match it. Empty: the server's default filter; "*": keep
	// every article.
	Filter string `json:"filter,omitempty"`
}

// SourceStatus is a source as GET /api/sources shows it: what was asked
// for, and how its polls go.
type SourceStatus struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	Interval string `json:"interval"`
	Filter   string `json:"filter"`
	// Added is when the source was added.
	Added time.Time `json:"added"`
	// LastPoll is when the feed was last fetched (zero: never).
	LastPoll time.Time `json:"last_poll,omitzero"`
	// NextPoll is when it will be fetched next.
	NextPoll time.Time `json:"next_poll"`
	// LastError is why the last poll failed ("" after a good one).
	LastError string `json:"last_error,omitempty"`
	// Failures counts the polls that failed in a row (the backoff grows
	// with it).
	Failures int `json:"failures"`
	// Polls counts the fetches of the feed, NotModified those answered 304.
	Polls       int64 `json:"polls"`
	NotModified int64 `json:"not_modified"`
	// Kept and Skipped count the feed's new items that the filter kept
	// (written as articles) and skipped.
	Kept    int64 `json:"kept"`
	Skipped int64 `json:"skipped"`
	// PageFallbacks counts the items whose page could not be fetched or
	// read, whose article was made from the feed's own content.
	PageFallbacks int64 `json:"page_fallbacks"`
	// ETag and LastModified are the validators of the last 200 answer,
	// sent back on the next poll.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Sources is what the web layer needs of the feed sources. The real one
// is *sources.Manager.
type Sources interface {
	// AddSource adds a source, or changes the interval and filter of the
	// source with the same URL. A bad spec is a *BadRequestError.
	AddSource(ctx context.Context, spec SourceSpec) (SourceStatus, error)
	// ListSources returns every source, ordered by id.
	ListSources(ctx context.Context) ([]SourceStatus, error)
	// RemoveSource removes a source (by id or URL); the error wraps
	// ErrNotFound for an unknown one. The articles taken from it stay.
	RemoveSource(ctx context.Context, id string) error
}
