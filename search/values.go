package search

import (
	"fmt"
	"slices"

	"github.com/cutwatch/cutwatch/search/api"
)

// canonicalFilters replaces each filter value of req by the index's
// values of that kind that fold as it does (api.Fold): union=unison
// filters by Unison, trust=guy’s and st thomas’ nhs foundation trust by
// the trust. A value no article has stays as it is, and matches nothing.
// The bitmaps' values are read when they are current (their fold table
// is made once per generation and kind, on first use); otherwise the
// index's dictionary of the kind.
func (s *Service) canonicalFilters(req *api.Request) error {
	if len(req.Filters) == 0 {
		return nil
	}
	var folds func(field string) (map[string][]string, error)
	if bits := s.bitmapsFor(0, false); bits != nil {
		set := bits.Set
		folds = func(field string) (map[string][]string, error) {
			return set.Memo("fold\x00"+field, func() any {
				m := map[string][]string{}
				for v, bm := range set.Values(field) {
					if !bm.IsEmpty() {
						f := api.Fold(v)
						m[f] = append(m[f], v)
					}
				}
				for _, vs := range m {
					slices.Sort(vs)
				}
				return m
			}).(map[string][]string), nil
		}
	} else {
		folds = s.dictFolds
	}
	out := make(map[string][]string, len(req.Filters))
	for field, vals := range req.Filters {
		if len(vals) == 0 || !s.schema.IsTerm(field) {
			out[field] = vals
			continue
		}
		m, err := folds(field)
		if err != nil {
			return err
		}
		var canon []string
		for _, v := range vals {
			if v == "" {
				continue
			}
			if c := m[api.Fold(v)]; len(c) > 0 {
				canon = append(canon, c...)
			} else {
				canon = append(canon, v)
			}
		}
		slices.Sort(canon)
		out[field] = slices.Compact(canon)
	}
	req.Filters = out
	return nil
}

// dictFolds reads the values of field from the index's dictionary into a
// fold table.
func (s *Service) dictFolds(field string) (m map[string][]string, err error) {
	fd, err := s.idx.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("values of %s: %w", field, err)
	}
	defer func() {
		if cerr := fd.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("values of %s: %w", field, cerr)
		}
	}()
	m = map[string][]string{}
	for {
		e, err := fd.Next()
		if err != nil {
			return nil, fmt.Errorf("values of %s: %w", field, err)
		}
		if e == nil {
			return m, nil
		}
		f := api.Fold(e.Term)
		m[f] = append(m[f], e.Term)
	}
}
