package search

import (
	"context"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/bitmaps"
	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/search/api"
)

// readStories reads the stories of near-duplicates of every article from
// the index's stored sketches, for a search without the Writer's bitmaps:
// a Set of the articles' sketches alone (no facet values), made as the
// Writer makes its own, so both find the same stories.
// With a Generation, the stories read are kept for as long as it does not
// change, so that searches without the bitmaps (after a failed write, on a
// full disk) read them once, not each.
func (s *Service) readStories(ctx context.Context) (*bitmaps.Set, error) {
	if s.gen == nil {
		return s.readStoriesNow(ctx)
	}
	gen := s.gen()
	s.storiesMu.Lock()
	defer s.storiesMu.Unlock()
	if s.stories != nil && s.storiesGen == gen {
		return s.stories, nil
	}
	set, err := s.readStoriesNow(ctx)
	if err != nil {
		return nil, err
	}
	s.stories, s.storiesGen = set, gen
	return set, nil
}

func (s *Service) readStoriesNow(ctx context.Context) (*bitmaps.Set, error) {
	n, err := s.idx.DocCount()
	if err != nil {
		return nil, err
	}
	for {
		sr := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), int(n)+16, 0, false)
		sr.Fields = []string{index.FieldSketch}
		sr.Score = "none"
		res, err := s.run(ctx, sr)
		if err != nil {
			return nil, err
		}
		if res.Total > uint64(len(res.Hits)) {
			n = res.Total // written meanwhile
			continue
		}
		docs := make([]*bitmaps.Doc, len(res.Hits))
		for i, h := range res.Hits {
			docs[i] = &bitmaps.Doc{ID: h.ID}
			if sk, err := minhash.Parse(index.FirstString(h.Fields[index.FieldSketch])); err == nil {
				docs[i].Sketch = &sk
			}
		}
		return bitmaps.Build(bitmaps.NewNumbering(), nil, docs), nil
	}
}

// copyIDs returns the ids of the copies in set (the articles a collapsed
// search leaves out).
func copyIDs(set *bitmaps.Set) []string {
	var ids []string
	it := set.Copies().Iterator()
	for it.HasNext() {
		ids = append(ids, set.Doc(it.Next()).ID)
	}
	return ids
}

// fillAlsoIn gives each hit the other articles of its story in set, with
// their titles and URLs read from the index in one search. It reports
// false when the index no longer holds one of them.
func (s *Service) fillAlsoIn(ctx context.Context, set *bitmaps.Set, hits []api.Hit) (bool, error) {
	others := make([][]string, len(hits))
	var ids []string
	for i, h := range hits {
		num, ok := set.Numbering().Num(h.ID)
		if !ok {
			continue
		}
		for _, m := range set.Story(num) {
			if m != num {
				id := set.Doc(m).ID
				others[i] = append(others[i], id)
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return true, nil
	}
	sr := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids), 0, false)
	sr.Fields = []string{index.FieldTitle, index.FieldURL}
	sr.Score = "none"
	res, err := s.run(ctx, sr)
	if err != nil {
		return true, err
	}
	found := make(map[string]api.AlsoIn, len(res.Hits))
	for _, h := range res.Hits {
		found[h.ID] = api.AlsoIn{ID: h.ID, Title: index.FirstString(h.Fields[index.FieldTitle]), URL: index.FirstString(h.Fields[index.FieldURL])}
	}
	complete := true
	for i, ids := range others {
		for _, id := range ids {
			a, ok := found[id]
			if !ok {
				complete = false
				continue
			}
			hits[i].AlsoIn = append(hits[i].AlsoIn, a)
		}
	}
	return complete, nil
}
