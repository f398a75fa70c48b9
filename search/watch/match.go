package watch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search"
	"github.com/cutwatch/cutwatch/search/api"
)

// compiled is a watch with its search parsed, and what an article must
// have to be matched by it, for the pre-filter.
type compiled struct {
	w   api.Watch
	req api.Request
	// terms are the filters by kind: an article needs one of each kind's
	// values (as the search's term filters).
	terms []termNeed
	// ranges are the numeric ranges: an article needs a value in each.
	ranges []rangeNeed
}

type termNeed struct {
	kind tag.Kind
	vals []string
}

type rangeNeed struct {
	kind     tag.Kind
	min, max *float64
}

// compile parses w's search as /api/search would (a bad one is an
// *api.BadRequestError).
func (h *Hub) compile(w api.Watch) (*compiled, error) {
	vals, err := url.ParseQuery(w.Search)
	if err != nil {
		return nil, api.BadRequest("search", "not a query string: %v", err)
	}
	req, err := api.ParseRequest(h.schema, vals)
	if err != nil {
		return nil, err
	}
	if _, err := search.ParseQuery(h.schema, req.Q); err != nil {
		return nil, err
	}
	c := &compiled{w: w, req: req}
	for _, name := range h.schema.TermNames() {
		if vs := req.ActiveFilters(name); len(vs) > 0 {
			k, _ := h.schema.Lookup(name)
			c.terms = append(c.terms, termNeed{kind: k.Kind, vals: vs})
		}
	}
	for _, name := range h.schema.NumericNames() {
		if rg := req.Ranges[name]; rg.Active() {
			k, _ := h.schema.Lookup(name)
			c.ranges = append(c.ranges, rangeNeed{kind: k.Kind, min: rg.Min, max: rg.Max})
		}
	}
	return c, nil
}

// mayMatch reports whether the article with the values sum can match c:
// whether it passes c's filters and ranges, which the search applies as
// exact term and inclusive numeric range queries on the same values. The
// query itself is left to the Percolator.
func (c *compiled) mayMatch(sum schema.Summary) bool {
	for _, t := range c.terms {
		if !slices.ContainsFunc(sum.Terms(t.kind), func(v string) bool { return slices.Contains(t.vals, v) }) {
			return false
		}
	}
	for _, r := range c.ranges {
		if !slices.ContainsFunc(sum.Numbers(r.kind), func(v int64) bool {
			f := float64(v)
			return (r.min == nil || f >= *r.min) && (r.max == nil || f <= *r.max)
		}) {
			return false
		}
	}
	return true
}

// delivery is one queued POST: the matches of one write for one watch.
type delivery struct {
	ID       string          `json:"id"`
	Watch    string          `json:"watch"`
	Body     json.RawMessage `json:"-"`
	Created  time.Time       `json:"created"`
	Attempts int             `json:"attempts"`
	Next     time.Time       `json:"next"`
}

// encodeDelivery is the queue's record of d: the length of its JSON
// (without the body) in 4 bytes, that JSON, then the body as it is, so
// that reading the queue's schedule does not decode every body.
func encodeDelivery(d delivery) ([]byte, error) {
	meta, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	v := make([]byte, 4, 4+len(meta)+len(d.Body))
	binary.BigEndian.PutUint32(v, uint32(len(meta)))
	v = append(v, meta...)
	return append(v, d.Body...), nil
}

// decodeDelivery reads a record of encodeDelivery; with body, the body
// too (copied: v belongs to the transaction).
func decodeDelivery(v []byte, body bool) (delivery, error) {
	var d delivery
	if len(v) < 4 || int(binary.BigEndian.Uint32(v)) > len(v)-4 {
		return d, fmt.Errorf("queued delivery: short record")
	}
	n := 4 + int(binary.BigEndian.Uint32(v))
	if err := json.Unmarshal(v[4:n], &d); err != nil {
		return d, fmt.Errorf("queued delivery: %w", err)
	}
	if body {
		d.Body = bytes.Clone(v[n:])
	}
	return d, nil
}

// Payload is the JSON body of a delivery.
type Payload struct {
	Watch    string    `json:"watch"`
	Name     string    `json:"name,omitempty"`
	Delivery string    `json:"delivery"`
	Articles []Matched `json:"articles"`
}

// Matched is an article of a delivery.
type Matched struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	URL       string     `json:"url,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	// Link is the article's page on cutwatch.
	Link string `json:"link"`
	// Entities are the article's canonical values by kind ("trusts",
	// "unions", ...).
	Entities schema.Summary `json:"entities"`
}

// match percolates ws (written and indexed, not yet acknowledged)
// through every enabled watch and returns one delivery per watch that
// matched any of them. A watch whose filters and ranges no article of ws
// passes is skipped; the others run their search in the live index,
// restricted to the ids of ws (search.Service.Matches): exactly what
// /api/search with the watch's parameters and those ids would find, at
// the cost of one small search per such watch per write, and no second
// analysis of the articles. Before Attach (no live index), they run over
// an index in memory of ws (search.Percolator) instead.
func (h *Hub) match(ctx context.Context, ws []index.Written) ([]delivery, error) {
	if len(ws) == 0 || len(h.watches) == 0 {
		return nil, nil
	}
	// The last version of each id in the batch.
	last := make(map[string]int, len(ws))
	for i, w := range ws {
		last[w.Article.ID] = i
	}
	arts := make([]index.Written, 0, len(last))
	ids := make([]string, 0, len(last))
	for i, w := range ws {
		if last[w.Article.ID] == i {
			arts = append(arts, w)
			ids = append(ids, w.Article.ID)
		}
	}
	sums := make([]schema.Summary, len(arts))
	byID := make(map[string]int, len(arts))
	for i, a := range arts {
		sums[i] = h.schema.Summarize(a.Entities)
		byID[a.Article.ID] = i
	}
	cache := make([]*encoded, len(arts))
	var p *search.Percolator
	defer func() {
		if p != nil {
			_ = p.Close()
		}
	}()
	matches := func(req api.Request) ([]string, error) {
		if h.live != nil {
			return h.live.Matches(ctx, req, ids, len(ids))
		}
		if p == nil {
			var err error
			if p, err = search.NewPercolator(h.schema, arts); err != nil {
				return nil, err
			}
		}
		return p.Match(ctx, req)
	}
	wids := make([]string, 0, len(h.watches))
	for id := range h.watches {
		wids = append(wids, id)
	}
	slices.Sort(wids)
	var out []delivery
	for _, id := range wids {
		c := h.watches[id]
		if c.w.Disabled != "" || !slices.ContainsFunc(sums, c.mayMatch) {
			continue
		}
		hits, err := matches(c.req)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", id, err)
		}
		if len(hits) == 0 {
			continue
		}
		matched := make([]int, 0, len(hits))
		for _, hid := range hits {
			if i, ok := byID[hid]; ok {
				matched = append(matched, i)
			}
		}
		if len(matched) == 0 {
			continue
		}
		d, err := h.newDelivery(c.w, matched, cache, arts, sums)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// encoded is an article of a write as deliveries carry it: its JSON (a
// Matched) and a hash of its content, made once per write however many
// watches it matches.
type encoded struct {
	json []byte
	hash [32]byte
}

// encode returns the encoding of arts[i], making it on first use.
func (h *Hub) encode(cache []*encoded, arts []index.Written, sums []schema.Summary, i int) (*encoded, error) {
	if cache[i] != nil {
		return cache[i], nil
	}
	a := arts[i].Article
	content, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	m := Matched{ID: a.ID, Title: a.Title, URL: a.URL, Link: h.articleLink(a.ID), Entities: sums[i]}
	if !a.Published.IsZero() {
		t := a.Published
		m.Published = &t
	}
	js, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	cache[i] = &encoded{json: js, hash: sha256.Sum256(content)}
	return cache[i], nil
}

// newDelivery builds the delivery of the articles arts[i] for i in idx to
// the watch w. Its id depends only on the watch and the articles'
// contents, so that matching the same write again (after a failed hook)
// queues the same delivery, not another. Its body is a Payload.
func (h *Hub) newDelivery(w api.Watch, idx []int, cache []*encoded, arts []index.Written, sums []schema.Summary) (delivery, error) {
	sh := sha256.New()
	sh.Write([]byte(w.ID))
	encs := make([]*encoded, len(idx))
	for j, i := range idx {
		e, err := h.encode(cache, arts, sums, i)
		if err != nil {
			return delivery{}, err
		}
		encs[j] = e
		sh.Write(e.hash[:])
	}
	id := "d_" + hex.EncodeToString(sh.Sum(nil))[:32]
	head, err := json.Marshal(Payload{Watch: w.ID, Name: w.Name, Delivery: id})
	if err != nil {
		return delivery{}, err
	}
	// head ends in "articles":null} (Articles is the last field): put the
	// articles in its place.
	if !bytes.HasSuffix(head, []byte(`"articles":null}`)) {
		return delivery{}, fmt.Errorf("payload head %s", head)
	}
	head = bytes.TrimSuffix(head, []byte("null}"))
	body := append(head, '[')
	for j, e := range encs {
		if j > 0 {
			body = append(body, ',')
		}
		body = append(body, e.json...)
	}
	body = append(body, ']', '}')
	return delivery{ID: id, Watch: w.ID, Body: body}, nil
}

func (h *Hub) articleLink(id string) string {
	return strings.TrimRight(h.opts.BaseURL, "/") + "/articles/" + url.PathEscape(id)
}
