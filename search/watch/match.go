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

	bolt "go.etcd.io/bbolt"

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
	// q is the query compiled for the Evaluator; when it is not Exact (or
	// the search names ids), the watch runs its search instead.
	q *search.Compiled
	// terms are the filters by kind: an article needs one of each kind's
	// values (as the search's term filters).
	terms []termNeed
	// ranges are the numeric ranges: an article needs a value in each.
	ranges []rangeNeed
}

type termNeed struct {
	kind tag.Kind
	vals []string // folded (api.Fold), as the search matches filters
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
	q, err := h.ev.Compile(req.Q, req.Syntax)
	if err != nil {
		return nil, err
	}
	c := &compiled{w: w, req: req, q: q}
	for _, name := range h.schema.TermNames() {
		if vs := req.ActiveFilters(name); len(vs) > 0 {
			k, _ := h.schema.Lookup(name)
			folded := make([]string, len(vs))
			for i, v := range vs {
				folded[i] = api.Fold(v)
			}
			c.terms = append(c.terms, termNeed{kind: k.Kind, vals: folded})
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
// term queries on the values that fold as the filter's (api.Fold) and
// inclusive numeric range queries on the same values. The
// query itself is left to the search (for the watches the Evaluator
// cannot decide).
func (c *compiled) mayMatch(sum schema.Summary) bool {
	for _, t := range c.terms {
		if !slices.ContainsFunc(sum.Terms(t.kind), func(v string) bool { return slices.Contains(t.vals, api.Fold(v)) }) {
			return false
		}
	}
	return c.inRanges(sum)
}

// inRanges reports whether the article with the values sum passes c's
// ranges.
func (c *compiled) inRanges(sum schema.Summary) bool {
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
// The queue keeps its articles once per write, however many watches'
// deliveries carry them (bucketArts, counted references): a bulk write
// that many watches match would otherwise write each article again for
// each of them.
type delivery struct {
	ID    string `json:"id"`
	Watch string `json:"watch"`
	// Head is the body up to its articles: {"watch":...,"articles":
	Head string `json:"head"`
	// Articles are the keys of its articles' JSON in bucketArts.
	Articles []string  `json:"articles"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts"`
	Next     time.Time `json:"next"`

	arts map[string][]byte // the JSON of Articles, for queueing
	Body []byte            `json:"-"` // the whole body, for posting
	// ids and versions are the ids and content hashes of Articles, for
	// the cluster's queue (one delivery per watch and article version).
	ids, versions []string
}

func encodeDelivery(d delivery) ([]byte, error) { return json.Marshal(d) }

func decodeDelivery(v []byte) (delivery, error) {
	var d delivery
	if err := json.Unmarshal(v, &d); err != nil {
		return d, fmt.Errorf("queued delivery: %w", err)
	}
	return d, nil
}

// holdArticles stores the articles of ds that the queue lacks and counts
// ds's references to them: one read and one write per article however
// many of the deliveries carry it (a bulk write that 1,000 watches match
// refers to its articles thousands of times).
func holdArticles(tx *bolt.Tx, ds []delivery) error {
	refs := map[string]uint32{}
	var order []string
	js := map[string][]byte{}
	for _, d := range ds {
		for _, k := range d.Articles {
			if refs[k] == 0 {
				order = append(order, k)
				j, ok := d.arts[k]
				if !ok {
					return fmt.Errorf("delivery %s: article %s missing", d.ID, k)
				}
				js[k] = j
			}
			refs[k]++
		}
	}
	b := tx.Bucket(bucketArts)
	for _, k := range order {
		v := b.Get([]byte(k))
		var nv []byte
		if v == nil {
			nv = binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(js[k])), refs[k])
			nv = append(nv, js[k]...)
		} else {
			nv = bytes.Clone(v)
			binary.BigEndian.PutUint32(nv, binary.BigEndian.Uint32(v)+refs[k])
		}
		if err := b.Put([]byte(k), nv); err != nil {
			return err
		}
	}
	return nil
}

// releaseArticles drops d's references to its articles, and the articles
// no delivery refers to any more.
func releaseArticles(tx *bolt.Tx, d delivery) error {
	b := tx.Bucket(bucketArts)
	for _, k := range d.Articles {
		v := b.Get([]byte(k))
		if len(v) < 4 {
			continue
		}
		n := binary.BigEndian.Uint32(v)
		if n <= 1 {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
			continue
		}
		nv := bytes.Clone(v)
		binary.BigEndian.PutUint32(nv, n-1)
		if err := b.Put([]byte(k), nv); err != nil {
			return err
		}
	}
	return nil
}

// composeBody sets d.Body from its head and its stored articles.
func composeBody(tx *bolt.Tx, d *delivery) error {
	b := tx.Bucket(bucketArts)
	body := append([]byte(d.Head), '[')
	for i, k := range d.Articles {
		v := b.Get([]byte(k))
		if len(v) < 4 {
			return fmt.Errorf("delivery %s: article %s missing from the queue", d.ID, k)
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, v[4:]...)
	}
	d.Body = append(body, ']', '}')
	return nil
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
// matched any of them. The articles are analysed once (search.Batch) and
// each watch's query is evaluated against them directly, on the articles
// that hold one of the terms it requires (its anchors) and pass its
// filters and ranges (mayMatch): no search of any index, so the cost does
// not grow with the live index. A watch whose query the Evaluator cannot
// decide exactly (wildcards, regexps, numbers, ranges in q) runs its
// search in the live index restricted to the ids of ws
// (search.Service.Matches), or, before Attach, over an index in memory of
// ws (search.Percolator).
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
	batch, err := h.ev.NewBatch(arts)
	if err != nil {
		return nil, err
	}
	sums := make([]schema.Summary, len(arts))
	byID := make(map[string]int, len(arts))
	for i, a := range arts {
		sums[i] = batch.Summary(i)
		byID[a.Article.ID] = i
	}
	cache := make([]*encoded, len(arts))
	var p *search.Percolator
	defer func() {
		if p != nil {
			_ = p.Close()
		}
	}()
	// slow runs c's search over the batch, for the watches the Evaluator
	// cannot decide.
	slow := func(c *compiled) ([]int, error) {
		if !slices.ContainsFunc(sums, c.mayMatch) {
			return nil, nil
		}
		var hits []string
		var err error
		if h.live != nil {
			hits, err = h.live.Matches(ctx, c.req, ids, len(ids))
		} else {
			if p == nil {
				if p, err = search.NewPercolator(h.schema, arts); err != nil {
					return nil, err
				}
			}
			hits, err = p.Match(ctx, c.req)
		}
		if err != nil {
			return nil, err
		}
		matched := make([]int, 0, len(hits))
		for _, hid := range hits {
			if i, ok := byID[hid]; ok {
				matched = append(matched, i)
			}
		}
		return matched, nil
	}
	wids := make([]string, 0, len(h.watches))
	for id := range h.watches {
		wids = append(wids, id)
	}
	slices.Sort(wids)
	var out []delivery
	var matched []int
	for _, id := range wids {
		c := h.watches[id]
		if c.w.Disabled != "" {
			continue
		}
		if c.q.Exact() && len(c.req.IDs) == 0 {
			// The articles holding a term the query requires, and a
			// value of each filter; then the ranges, the dates and the
			// query.
			cands := batch.Candidates(c.q)
			for _, t := range c.terms {
				if len(cands) == 0 {
					break
				}
				cands = intersect(cands, batch.HoldingFolded(string(t.kind), t.vals))
			}
			matched = matched[:0]
			for _, i := range cands {
				if !c.inRanges(sums[i]) || !c.req.InDates(arts[i].Article.Published) {
					continue
				}
				m := c.q.AnchorsSuffice()
				if !m {
					if m, err = batch.Match(c.q, i); err != nil {
						return nil, fmt.Errorf("watch %s: %w", id, err)
					}
				}
				if m {
					matched = append(matched, i)
				}
			}
			// In id order, as the search returns them (the delivery's id
			// hashes its articles in this order).
			slices.SortFunc(matched, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
		} else {
			var err error
			if matched, err = slow(c); err != nil {
				return nil, fmt.Errorf("watch %s: %w", id, err)
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

// intersect returns the elements of both sorted lists, in order.
func intersect(a, b []int) []int {
	var out []int
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// encoded is an article of a write as deliveries carry it: its JSON (a
// Matched) and a hash of its content, made once per write however many
// watches it matches.
type encoded struct {
	json []byte
	hash [32]byte // of the article's content
	key  string   // of json, its key in bucketArts
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
	jh := sha256.Sum256(js)
	cache[i] = &encoded{json: js, hash: sha256.Sum256(content), key: hex.EncodeToString(jh[:16])}
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
	d := delivery{ID: id, Watch: w.ID, Head: string(bytes.TrimSuffix(head, []byte("null}"))), arts: map[string][]byte{}}
	for j, e := range encs {
		d.Articles = append(d.Articles, e.key)
		d.arts[e.key] = e.json
		d.ids = append(d.ids, arts[idx[j]].Article.ID)
		d.versions = append(d.versions, hex.EncodeToString(e.hash[:16]))
	}
	return d, nil
}

func (h *Hub) articleLink(id string) string {
	return strings.TrimRight(h.opts.BaseURL, "/") + "/articles/" + url.PathEscape(id)
}
