package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/cutwatch/cutwatch/index"
)

// Ranking holds the weights that order the hits of a search by relevance
// (sort=relevance, the default) besides bleve's tf-idf of the words in
// _all (an article's title and text together). Service.Search applies
// them to the parsed query (Ranking.weighed) and around the whole search
// (Ranking.wrap), the same way whether the Writer's bitmaps filter the
// search or bleve does, so both score every hit alike. They change the order and the scores, never what matches: a
// search sorted by another key, the totals, facets, exports and the
// watches' matching are the same whatever they are.
//
// DefaultRanking's values were chosen with the judged relevance set
// (bench/relevance, `cutwatch eval --queries ... --grid`; BENCHMARKS.md,
// "Tuning the ranking").
type Ranking struct {
	// Title weighs a word (or its typos), a phrase, or the canonical
	// name of an entity a word names, found in an article's title: a
	// word is scored in _all and, once more, Title times its tf-idf in
	// the title alone (a short field, where one occurrence weighs much).
	// 0: a title match counts as a match in the text.
	Title float64
	// Entity weighs a match of an entity a word of the query names (an
	// article tagged with the Royal College of Nursing for "RCN", with
	// Unison for union:unison): 1 scores it as one occurrence of a word
	// as rare as the entity in an article of EntityFieldLength words, 2
	// twice that.
	Entity float64
	// Recency multiplies each hit's score by 1 + Recency × 2^(−age /
	// HalfLife), where age is the number of days between its publication
	// and the newest article's in the index (so an index that stops
	// growing does not age as the clock runs, and a ranking is the same
	// on every day); an undated article gets no bonus. 0: off.
	Recency float64
	// HalfLife is the age at which the recency bonus halves (whole
	// days).
	HalfLife time.Duration
	// TypoStep weighs a word's typo terms: a term d edits away from the
	// typed (stemmed) word scores 1/(1 + TypoStep·d) of an exact match.
	TypoStep uint8
}

// DefaultRanking is the ranking of a Service whose Options name none.
var DefaultRanking = Ranking{
	Title:    0.3,
	Entity:   2,
	Recency:  0.1,
	HalfLife: 3 * 365 * 24 * time.Hour,
	TypoStep: 3,
}

// defaultTypoStep is the TypoStep of a typoQuery outside a ranking (a
// query parsed for matching only, whose scores nobody reads).
const defaultTypoStep = 3

// weighed returns q with r's weights in its clauses when it is of the
// simple syntax: its words and phrases also scored in the title (title
// clauses that wrap collects), its entities' matches weighed and its
// typos stepped; bleve's syntax keeps bleve's own scores (a power user
// writes title:word^2). q is not changed (the parsed query's clauses are
// shared by its fallback).
func (r Ranking) weighed(q query.Query, simple bool) query.Query {
	if q == nil || !simple {
		return q
	}
	switch q.(type) {
	case *query.MatchAllQuery, *query.MatchNoneQuery:
		return q
	}
	return r.weigh(q)
}

// wrap returns the query of a whole search, q (weighed, then with its
// filters or recorded), scored with r's title clauses and recency bonus
// (rankQuery), or q when r has neither. Wrapping the whole search, not
// the words, scores the title clauses and the bonus of the hits alone,
// not of every match that a filter then drops.
func (r Ranking) wrap(q query.Query, simple bool, days *dayTables) query.Query {
	rq := &rankQuery{Q: q, titles: simple && r.Title > 0}
	if r.Recency > 0 && r.HalfLife >= 24*time.Hour {
		rq.recency, rq.halfLife, rq.days = r.Recency, float64(r.HalfLife/(24*time.Hour)), days
	}
	if !rq.titles && rq.recency == 0 {
		return q
	}
	return rq
}

// weigh rewrites the scored clauses of q (not its negations or filters).
func (r Ranking) weigh(q query.Query) query.Query {
	switch q := q.(type) {
	case *typoQuery:
		c := *q
		c.Step = r.TypoStep
		if c.Field == "" {
			c.Title = r.Title
		}
		return &c
	case *entityQuery:
		c := *q
		c.Boost = r.Entity
		if r.Title <= 0 {
			return &c
		}
		// An article whose title names the entity (by its canonical
		// name: a title with the words the query typed has their own
		// title clause) is as much about it as one whose title has the
		// word.
		t := query.NewMatchPhraseQuery(q.Value)
		t.SetField(index.FieldTitle)
		t.SetBoost(r.Title)
		return &titledQuery{Q: &c, Title: t}
	case *valueQuery:
		c := *q
		c.Boost = r.Entity
		return &c
	case *query.MatchPhraseQuery:
		if q.FieldVal != "" || r.Title <= 0 {
			return q
		}
		t := *q
		t.SetField(index.FieldTitle)
		t.SetBoost(r.Title)
		return &titledQuery{Q: q, Title: &t}
	case *query.ConjunctionQuery:
		c := *q
		c.Conjuncts = r.weighAll(q.Conjuncts)
		return &c
	case *query.DisjunctionQuery:
		c := *q
		c.Disjuncts = r.weighAll(q.Disjuncts)
		return &c
	case *query.BooleanQuery:
		c := *q
		if q.Must != nil {
			c.Must = r.weigh(q.Must)
		}
		if q.Should != nil {
			c.Should = r.weigh(q.Should)
		}
		return &c
	}
	return q
}

func (r Ranking) weighAll(qs []query.Query) []query.Query {
	out := make([]query.Query, len(qs))
	for i, q := range qs {
		out[i] = r.weigh(q)
	}
	return out
}

// titledQuery matches what Q matches. Under a rankQuery, Title, the same
// words or name in the title, is one of the title clauses whose scores
// the rankQuery adds to each match.
type titledQuery struct {
	Q, Title query.Query
}

func (q *titledQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	inner, err := q.Q.Searcher(ctx, r, m, opts)
	if err != nil || isMatchNone(inner) {
		return inner, err
	}
	if tc := titleClausesOf(ctx, opts); tc != nil {
		title, err := q.Title.Searcher(ctx, r, m, opts)
		if err != nil {
			_ = inner.Close()
			return nil, err
		}
		tc.add(title)
	}
	return inner, nil
}

func isMatchNone(s search.Searcher) bool {
	_, none := s.(*searcher.MatchNoneSearcher)
	return none
}

// titleClauses collects, while a rankQuery's searcher is built, the
// searchers of its words, typos, phrases and entity names in the title.
type titleClauses struct{ list []search.Searcher }

type titleClausesKey struct{}

// titleClausesOf returns the title clauses of the rankQuery whose searcher
// is being built with ctx, or nil (none, or a search that does not score).
func titleClausesOf(ctx context.Context, opts search.SearcherOptions) *titleClauses {
	if opts.Score == "none" {
		return nil
	}
	tc, _ := ctx.Value(titleClausesKey{}).(*titleClauses)
	return tc
}

func (tc *titleClauses) add(s search.Searcher) {
	if s != nil && !isMatchNone(s) {
		tc.list = append(tc.list, s)
		return
	}
	if s != nil {
		_ = s.Close()
	}
}

// rankQuery matches what Q matches, and scores each match as Q does plus
// the scores of the title clauses of Q's words that match it (Ranking.
// Title), times the recency bonus 1 + recency × 2^(−age/halfLife), age in
// days before the newest article (Ranking.Recency; an index that is not
// scorch's, index.MemIndex, whose searches match and do not rank, gets
// none). The title clauses are read only for the matches of the whole
// query: a clause of its own beside each word (bleve's boolean should)
// was read for every candidate a conjunction tried, and its boolean
// searcher reads ahead, which doubled the time of a two-word query.
type rankQuery struct {
	Q        query.Query
	titles   bool
	recency  float64
	halfLife float64 // days
	days     *dayTables
}

func (q *rankQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	tc := &titleClauses{}
	if q.titles {
		ctx = context.WithValue(ctx, titleClausesKey{}, tc)
	}
	closeTitles := func() {
		for _, t := range tc.list {
			_ = t.Close()
		}
	}
	inner, err := q.Q.Searcher(ctx, r, m, opts)
	if err != nil {
		closeTitles()
		return nil, err
	}
	if opts.Score == "none" || isMatchNone(inner) {
		closeTitles()
		return inner, nil
	}
	rs := &rankScorer{Searcher: inner, titles: tc.list, cur: make([]*search.DocumentMatch, len(tc.list)), done: make([]bool, len(tc.list))}
	if q.recency > 0 && q.days != nil {
		dayOf, newest, ok, err := q.days.of(r)
		if err != nil {
			_ = rs.Close()
			return nil, err
		}
		if ok {
			rs.dayOf, rs.newest, rs.weight, rs.halfLife = dayOf, newest, q.recency, q.halfLife
		}
	}
	if len(rs.titles) == 0 && rs.dayOf == nil {
		return inner, nil
	}
	// As bleve's composite searchers do: the norm of the whole query.
	if w := rs.Weight(); w > 0 {
		rs.SetQueryNorm(1 / math.Sqrt(w))
	}
	return rs, nil
}

// rankScorer is the searcher of a rankQuery.
type rankScorer struct {
	search.Searcher
	titles []search.Searcher
	cur    []*search.DocumentMatch // each title clause's match at or after the last
	done   []bool                  // the title clause has no more
	// The recency bonus (dayOf nil: none).
	dayOf    func(bindex.IndexInternalID) (int32, bool)
	newest   int32
	weight   float64
	halfLife float64
}

func (s *rankScorer) Weight() float64 {
	w := s.Searcher.Weight()
	for _, t := range s.titles {
		w += t.Weight()
	}
	return w
}

func (s *rankScorer) SetQueryNorm(n float64) {
	s.Searcher.SetQueryNorm(n)
	for _, t := range s.titles {
		t.SetQueryNorm(n)
	}
}

func (s *rankScorer) scored(ctx *search.SearchContext, dm *search.DocumentMatch) (*search.DocumentMatch, error) {
	if dm == nil {
		return nil, nil
	}
	for i, t := range s.titles {
		if s.done[i] {
			continue
		}
		if c := s.cur[i]; c == nil || c.IndexInternalID.Compare(dm.IndexInternalID) < 0 {
			if c != nil {
				ctx.DocumentMatchPool.Put(c)
			}
			var err error
			if s.cur[i], err = t.Advance(ctx, dm.IndexInternalID); err != nil {
				return nil, err
			}
			if s.cur[i] == nil {
				s.done[i] = true
				continue
			}
		}
		if s.cur[i].IndexInternalID.Equals(dm.IndexInternalID) {
			dm.Score += s.cur[i].Score
		}
	}
	if s.dayOf != nil {
		if day, ok := s.dayOf(dm.IndexInternalID); ok {
			dm.Score *= recencyBonus(s.newest-day, s.weight, s.halfLife)
		}
	}
	return dm, nil
}

func (s *rankScorer) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	if err != nil {
		return nil, err
	}
	return s.scored(ctx, dm)
}

func (s *rankScorer) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.scored(ctx, dm)
}

func (s *rankScorer) Close() error {
	errs := []error{s.Searcher.Close()}
	for _, t := range s.titles {
		errs = append(errs, t.Close())
	}
	return errors.Join(errs...)
}

func (s *rankScorer) DocumentMatchPoolSize() int {
	n := s.Searcher.DocumentMatchPoolSize()
	for _, t := range s.titles {
		n += t.DocumentMatchPoolSize() + 1
	}
	return n
}

func (s *rankScorer) Size() int {
	n := s.Searcher.Size()
	for _, t := range s.titles {
		n += t.Size()
	}
	return n
}

// recencyBonus is the factor of a score of an article age days older than
// the newest (never below 0 days).
func recencyBonus(age int32, weight, halfLife float64) float64 {
	return 1 + weight*math.Exp2(-float64(max(age, 0))/halfLife)
}

// noDay marks an undated article in a segment's table of days.
const noDay = math.MinInt32

// dayTables keeps, per scorch segment, the publication day (days since
// 1970-01-01 UTC) of each of its documents, read once from the segment's
// dictionary of FieldPublished: segments never change once written, so a
// search looks a match's day up in an array instead of reading its doc
// values (which cost a tenth of a common word's search at 100,000
// articles).
type dayTables struct {
	mu   sync.Mutex
	segs map[segment.Segment]*segDays
}

func newDayTables() *dayTables { return &dayTables{segs: map[segment.Segment]*segDays{}} }

// segDays are the days of one segment's documents.
type segDays struct {
	day []int32 // by place in the segment; noDay: undated
	// newest are the places of the dated documents, newest first: the
	// newest live one is the first not deleted.
	newest []uint32
}

// of returns, for a scorch snapshot r, the day of each of its documents
// by internal id (false: undated or unknown) and the newest day of its
// live documents; ok is false when r is not scorch's or no live document
// is dated.
func (t *dayTables) of(r bindex.IndexReader) (dayOf func(bindex.IndexInternalID) (int32, bool), newest int32, ok bool, err error) {
	snap, isScorch := r.(*scorch.IndexSnapshot)
	if !isScorch {
		return nil, 0, false, nil
	}
	segs := snap.Segments()
	offsets := make([]uint64, len(segs))
	tables := make([]*segDays, len(segs))
	var running uint64
	t.mu.Lock()
	for i, ss := range segs {
		offsets[i] = running
		running += ss.Segment().Count()
		d, found := t.segs[ss.Segment()]
		if !found {
			if d, err = readDays(ss); err != nil {
				t.mu.Unlock()
				return nil, 0, false, err
			}
			t.segs[ss.Segment()] = d
		}
		tables[i] = d
	}
	if len(t.segs) > 2*len(segs)+8 {
		// Segments merged away: keep those of this snapshot.
		keep := make(map[segment.Segment]*segDays, len(segs))
		for i, ss := range segs {
			keep[ss.Segment()] = tables[i]
		}
		t.segs = keep
	}
	t.mu.Unlock()
	newest = noDay
	for i, ss := range segs {
		deleted := ss.Deleted()
		for _, place := range tables[i].newest {
			if deleted == nil || !deleted.Contains(place) {
				newest = max(newest, tables[i].day[place])
				break
			}
		}
	}
	if newest == noDay {
		return nil, 0, false, nil
	}
	return func(id bindex.IndexInternalID) (int32, bool) {
		if len(id) != 8 {
			return 0, false
		}
		g := binary.BigEndian.Uint64(id)
		i := sort.Search(len(offsets), func(x int) bool { return offsets[x] > g }) - 1
		if i < 0 {
			return 0, false
		}
		local := g - offsets[i]
		if local >= uint64(len(tables[i].day)) || tables[i].day[local] == noDay {
			return 0, false
		}
		return tables[i].day[local], true
	}, newest, true, nil
}

// readDays reads the day of every document of a segment from its
// dictionary of FieldPublished: the terms of full precision (shift 0,
// whose prefix-coded form starts with byte 0x20), each the time in
// nanoseconds of the documents of its postings.
func readDays(ss *scorch.SegmentSnapshot) (*segDays, error) {
	n := ss.Segment().Count()
	d := &segDays{day: make([]int32, n)}
	for i := range d.day {
		d.day[i] = noDay
	}
	dict, err := ss.Segment().Dictionary(index.FieldPublished)
	if err != nil {
		return nil, fmt.Errorf("publication days of segment %d: %w", ss.Id(), err)
	}
	it := dict.AutomatonIterator(nil, []byte{0x20}, []byte{0x21})
	var pl segment.PostingsList
	var pi segment.PostingsIterator
	const nsPerDay = int64(24 * time.Hour)
	for {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("publication days of segment %d: %w", ss.Id(), err)
		}
		if e == nil {
			break
		}
		v, err := numeric.PrefixCoded(e.Term).Int64()
		if err != nil {
			continue
		}
		day := int32(floorDiv(v, nsPerDay))
		if pl, err = dict.PostingsList([]byte(e.Term), nil, pl); err != nil {
			return nil, fmt.Errorf("publication days of segment %d: %w", ss.Id(), err)
		}
		pi = pl.Iterator(false, false, false, pi)
		for {
			p, err := pi.Next()
			if err != nil {
				return nil, fmt.Errorf("publication days of segment %d: %w", ss.Id(), err)
			}
			if p == nil {
				break
			}
			if p.Number() < n {
				d.day[p.Number()] = day
				d.newest = append(d.newest, uint32(p.Number()))
			}
		}
	}
	slices.SortStableFunc(d.newest, func(a, b uint32) int { return int(d.day[b]) - int(d.day[a]) })
	return d, nil
}

// floorDiv is a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
