// Package watch keeps the saved searches (watches) whose new matches are
// posted to webhooks: the watches and the durable queue of their
// deliveries in watches.db (bbolt) in --data, the percolation of every
// write against them (an index.Writer BeforeAck hook, so a match is queued
// on disk before the write is acknowledged), and the dispatcher that posts
// the queued deliveries, signed, with retries.
package watch
