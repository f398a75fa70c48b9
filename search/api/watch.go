package api

import (
	"context"
	"time"
)

// Watch is a saved search whose new matches are posted to a webhook.
type Watch struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Search is the search's parameters as in the query string of GET
	// /api/search ("q=redundancy&union=Unison").
	Search string `json:"search"`
	// URL is the webhook that receives the matches.
	URL string `json:"url"`
	// Secret signs the deliveries (HMAC-SHA256); it is only shown when
	// the watch is created.
	Secret  string    `json:"secret,omitempty"`
	Created time.Time `json:"created"`
	// Disabled says why the watch no longer delivers (its webhook
	// answered 410 Gone), empty while it does.
	Disabled string `json:"disabled,omitempty"`
	// Queued is the number of its deliveries waiting to be sent.
	Queued int `json:"queued"`
}

// WatchSpec is what a client gives to create a watch.
type WatchSpec struct {
	Name   string `json:"name"`
	Search string `json:"search"`
	URL    string `json:"url"`
}

// Attempt is one try to deliver one delivery of a watch.
type Attempt struct {
	Delivery string    `json:"delivery"`
	Attempt  int       `json:"attempt"`
	At       time.Time `json:"at"`
	// Status is the webhook's HTTP status (0 when no answer came).
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
	// Result is "delivered", "retry" (Next says when), "failed" (given
	// up: a 4xx other than 408, 410 and 429, or too old) or "disabled"
	// (410 Gone: the watch is disabled).
	Result string     `json:"result"`
	Next   *time.Time `json:"next,omitempty"`
}

// WatchStats are the counters of the watches' deliveries since start.
type WatchStats struct {
	Watches   int    // watches saved (enabled or not)
	Queue     int    // deliveries waiting now
	Queued    uint64 // deliveries queued (one per watch per write that matched it)
	Delivered uint64 // deliveries their webhook took (2xx)
	Retried   uint64 // attempts that failed and were scheduled again
	Failed    uint64 // deliveries given up (4xx, 410, or older than the give-up age)
}

// Watches keeps the saved searches and their webhooks. The real one is
// *watch.Hub.
type Watches interface {
	// CreateWatch validates spec (its search as /api/search would, its
	// URL as a webhook target; errors are *BadRequestError) and saves it.
	CreateWatch(ctx context.Context, spec WatchSpec) (Watch, error)
	// Watches lists the watches, oldest first (without secrets).
	Watches(ctx context.Context) ([]Watch, error)
	// Watch returns one watch (without its secret), or an error wrapping
	// ErrNotFound.
	Watch(ctx context.Context, id string) (Watch, error)
	// DeleteWatch removes a watch and its queued deliveries.
	DeleteWatch(ctx context.Context, id string) error
	// Deliveries returns the latest attempts of the watch's deliveries,
	// newest first.
	Deliveries(ctx context.Context, id string) ([]Attempt, error)
	// WatchStats returns the delivery counters.
	WatchStats() WatchStats
}
