package search

import (
	"context"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// exportBatch is how many articles an export reads from the index at a
// time: its memory, whatever the number of matches (a variable for tests).
var exportBatch = 500

// Export writes every article req matches to w in id order, at most limit
// (api.DefaultExportMax if 0 or less): with the bitmaps, their matches in
// the Set's id order, each batch's stored fields read by id; without them,
// bleve pages through the matches sorted by id, each page starting after
// the last id of the one before (search_after). Either way memory stays
// that of a batch, and each batch holds a search slot and runs within the
// service's timeout, so a long export neither holds a slot nor times out.
// An article deleted while the export runs is left out.
func (s *Service) Export(ctx context.Context, req api.Request, limit int, w api.ExportWriter) error {
	if err := req.Validate(s.schema); err != nil {
		return err
	}
	parsed, err := Parse(s.schema, req.Q, req.Syntax)
	if err != nil {
		return err
	}
	if err := s.canonicalFilters(&req); err != nil {
		return err
	}
	heavy, err := checkCost(parsed.Query)
	if err != nil {
		return err
	}
	ctx = context.WithValue(ctx, heavyKey{}, heavy)
	user := onlyIDs(parsed.Query, req.IDs)
	if limit <= 0 {
		limit = api.DefaultExportMax
	}
	if bits := s.bitmapsFor(0, false); bits != nil {
		matches, ok, err := s.exportMatches(ctx, &req, user, bits)
		if err != nil {
			return err
		}
		if ok {
			return s.exportBits(ctx, bits.Set, matches, limit, w)
		}
	}
	return s.exportAfter(ctx, &req, user, limit, w)
}

// exportMatches returns the articles req matches, by the bitmaps' algebra
// and one bleve search of the text that records its matches; false when
// the bitmaps do not know every match (a write raced the search).
func (s *Service) exportMatches(ctx context.Context, req *api.Request, user query.Query, bits *index.Bitmaps) (*roaring.Bitmap, bool, error) {
	set := bits.Set
	all := []*roaring.Bitmap{visibleBits(set, req)}
	for _, f := range s.facets {
		if fb := filterBits(set, req, f); fb != nil {
			all = append(all, fb)
		}
	}
	allow := roaring.FastAnd(all...)
	if _, ok := user.(*query.MatchAllQuery); ok {
		return allow, true, nil
	}
	rec := bits.Record(user, allow)
	sr := bleve.NewSearchRequestOptions(rec.Query(), 0, 0, false)
	sr.Score = "none"
	if _, err := s.admit(ctx, isHeavy(ctx), func(ctx context.Context) (any, error) { return s.run(ctx, sr) }); err != nil {
		return nil, true, err
	}
	matches, known := rec.Matches()
	if !known {
		return nil, false, nil
	}
	return roaring.And(matches, allow), true, nil
}

// exportBits writes the articles of matches in the Set's id order.
func (s *Service) exportBits(ctx context.Context, set *bitmaps.Set, matches *roaring.Bitmap, limit int, w api.ExportWriter) error {
	total := matches.GetCardinality()
	if err := w.Begin(total, total > uint64(limit)); err != nil {
		return err
	}
	ids := make([]string, 0, exportBatch)
	written := 0
	flush := func() error {
		n, err := s.exportIDs(ctx, ids, w)
		written += n
		ids = ids[:0]
		return err
	}
	var order []uint32
	if total*8 < set.Len() {
		// A few: sort them rather than walk every article.
		order = matches.ToArray()
		slices.SortFunc(order, func(a, b uint32) int {
			x, y := set.Doc(a).ID, set.Doc(b).ID
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		})
	} else {
		order = set.ByID()
	}
	for _, num := range order {
		if written+len(ids) >= limit {
			break
		}
		if !matches.Contains(num) {
			continue
		}
		ids = append(ids, set.Doc(num).ID)
		if len(ids) == exportBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// exportIDs reads the articles ids from the index and writes them in the
// order of ids, leaving out any no longer there; it returns how many it
// wrote.
func (s *Service) exportIDs(ctx context.Context, ids []string, w api.ExportWriter) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = s.exportFields()
	sr.Score = "none"
	sr.SortBy([]string{"_id"})
	v, err := s.admit(ctx, isHeavy(ctx), func(ctx context.Context) (any, error) { return s.run(ctx, sr) })
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range v.(*bleve.SearchResult).Hits {
		if err := w.Row(exportRow(s.schema, h.ID, h.Fields)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// exportAfter pages through the matches of req sorted by id with bleve
// alone, each page after the last id of the one before.
func (s *Service) exportAfter(ctx context.Context, req *api.Request, user query.Query, limit int, w api.ExportWriter) error {
	_, filters := s.filters(req)
	hide, err := s.hideCopies(ctx, req)
	if err != nil {
		return err
	}
	q := combine(user, filters, hide)
	written := 0
	var after string
	for first := true; ; first = false {
		size := min(exportBatch, limit-written)
		sr := bleve.NewSearchRequestOptions(q, max(size, 0), 0, false)
		sr.Fields = s.exportFields()
		sr.Score = "none"
		sr.SortBy([]string{"_id"})
		if !first {
			sr.SearchAfter = []string{after}
		}
		v, err := s.admit(ctx, isHeavy(ctx), func(ctx context.Context) (any, error) { return s.run(ctx, sr) })
		if err != nil {
			return err
		}
		res := v.(*bleve.SearchResult)
		if first {
			if err := w.Begin(res.Total, res.Total > uint64(limit)); err != nil {
				return err
			}
		}
		for _, h := range res.Hits {
			if err := w.Row(exportRow(s.schema, h.ID, h.Fields)); err != nil {
				return err
			}
			written++
			after = h.ID
		}
		if len(res.Hits) < exportBatch || written >= limit {
			return nil
		}
	}
}

// exportFields are the stored fields an export row is made of.
func (s *Service) exportFields() []string {
	return append([]string{index.FieldTitle, index.FieldURL, index.FieldPublished, index.FieldJobsAtRisk, index.FieldEvents}, index.StoredFields(s.schema)...)
}

// exportRow makes an export row of an article's stored fields.
func exportRow(s *schema.Schema, id string, fields map[string]any) api.ExportRow {
	a := index.ArticleOf(id, fields)
	row := api.ExportRow{ID: id, Title: a.Title, URL: a.URL, Published: a.Published, Values: index.SummaryOf(s, fields), Largest: map[string]int64{}}
	for _, k := range s.Kinds() {
		if !k.Numeric {
			continue
		}
		if v, ok := largest(row.Values.Numbers(k.Kind)); ok {
			row.Largest[k.Name()] = v
		}
	}
	if v, ok := fields[index.FieldJobsAtRisk].(float64); ok {
		n := int64(v)
		row.JobsAtRisk = &n
	}
	row.Events = index.EventsOf(fields)
	return row
}

// heavyKey marks the context of an export whose query is expensive, so
// that each of its batches takes the slot of an expensive search.
type heavyKey struct{}

func isHeavy(ctx context.Context) bool {
	h, _ := ctx.Value(heavyKey{}).(bool)
	return h
}
