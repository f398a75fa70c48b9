package watch

import (
	"context"
	"crypto/sha256"
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
	Body     json.RawMessage `json:"body"`
	Created  time.Time       `json:"created"`
	Attempts int             `json:"attempts"`
	Next     time.Time       `json:"next"`
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

// match percolates ws through every enabled watch and returns one
// delivery per watch that matched any of them. Only the watches whose
// filters and ranges some article of ws passes run their query, over an
// index in memory of ws (search.Percolator): one small search per such
// watch per write.
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
	for i, w := range ws {
		if last[w.Article.ID] == i {
			arts = append(arts, w)
		}
	}
	sums := make([]schema.Summary, len(arts))
	byID := make(map[string]int, len(arts))
	for i, a := range arts {
		sums[i] = h.schema.Summarize(a.Entities)
		byID[a.Article.ID] = i
	}
	var p *search.Percolator
	defer func() {
		if p != nil {
			_ = p.Close()
		}
	}()
	ids := make([]string, 0, len(h.watches))
	for id := range h.watches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []delivery
	for _, id := range ids {
		c := h.watches[id]
		if c.w.Disabled != "" || !slices.ContainsFunc(sums, c.mayMatch) {
			continue
		}
		if p == nil {
			var err error
			if p, err = search.NewPercolator(h.schema, arts); err != nil {
				return nil, err
			}
		}
		hits, err := p.Match(ctx, c.req)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", id, err)
		}
		if len(hits) == 0 {
			continue
		}
		matched := make([]index.Written, len(hits))
		for i, hid := range hits {
			matched[i] = arts[byID[hid]]
		}
		d, err := h.newDelivery(c.w, matched, sums, byID)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// newDelivery builds the delivery of the articles ws to the watch w. Its
// id depends only on the watch and the articles' contents, so that
// matching the same write again (after a failed hook) queues the same
// delivery, not another.
func (h *Hub) newDelivery(w api.Watch, ws []index.Written, sums []schema.Summary, byID map[string]int) (delivery, error) {
	sh := sha256.New()
	sh.Write([]byte(w.ID))
	pl := Payload{Watch: w.ID, Name: w.Name, Articles: make([]Matched, len(ws))}
	for i, x := range ws {
		a := x.Article
		data, err := json.Marshal(a)
		if err != nil {
			return delivery{}, err
		}
		sh.Write([]byte{0})
		sh.Write(data)
		m := Matched{ID: a.ID, Title: a.Title, URL: a.URL, Link: h.articleLink(a.ID), Entities: sums[byID[a.ID]]}
		if !a.Published.IsZero() {
			t := a.Published
			m.Published = &t
		}
		pl.Articles[i] = m
	}
	pl.Delivery = "d_" + hex.EncodeToString(sh.Sum(nil))[:32]
	body, err := json.Marshal(pl)
	if err != nil {
		return delivery{}, err
	}
	return delivery{ID: pl.Delivery, Watch: w.ID, Body: body}, nil
}

func (h *Hub) articleLink(id string) string {
	return strings.TrimRight(h.opts.BaseURL, "/") + "/articles/" + url.PathEscape(id)
}
