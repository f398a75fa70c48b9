package watch

import (
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cutwatch/cutwatch/search/api"
)

// CheckDial gets url with the client of a Hub that refuses private
// targets, and returns why it could not.
func CheckDial(url string) error {
	resp, err := newHTTPClient(time.Second, false).Get(url)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	return nil
}

// AddWatches saves watches of the given searches, all posting to url, in
// one transaction (benchmarks make thousands).
func AddWatches(h *Hub, searches []string, url string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.db.Update(func(tx *bolt.Tx) error {
		for _, s := range searches {
			w := api.Watch{ID: "w_" + randomHex(12), Search: s, URL: url, Secret: "whsec_bench", Created: time.Now().UTC()}
			c, err := h.compile(w)
			if err != nil {
				return err
			}
			v, err := json.Marshal(w)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketWatches).Put([]byte(w.ID), v); err != nil {
				return err
			}
			h.watches[w.ID] = c
		}
		return nil
	})
}

// QueuedArticles is the number of articles the queue keeps for its
// deliveries.
func QueuedArticles(h *Hub) int {
	n := 0
	_ = h.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketArts).Stats().KeyN
		return nil
	})
	return n
}
