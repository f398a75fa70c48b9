package relevance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cutwatch/cutwatch/search/api"
)

// Grades of a judgement. An article a query does not judge has grade 0.
const (
	Mentions = 1 // the article mentions what the query asks for
	Relevant = 2 // the article is clearly relevant to it
	Exact    = 3 // the article is about exactly this
)

// Set is a judged set: the corpus and the queries with their judgements.
type Set struct {
	Corpus  Corpus  `json:"corpus"`
	Queries []Query `json:"queries"`
	// Dir is the folder of the set file: the corpus's file patterns are
	// relative to it.
	Dir string `json:"-"`
}

// Query is one search a user makes, with the articles judged for it.
type Query struct {
	// ID names the query in reports.
	ID string `json:"id"`
	// Kind is what sort of query it is (trust, union, typo, phrase, ...),
	// to read the report by.
	Kind string `json:"kind"`
	// Q is the search box's text, the q parameter of /api/search.
	Q string `json:"q"`
	// Params are the request's other parameters as a URL query string
	// (union=Unison&published_from=2015-01-01), without q.
	Params string `json:"params,omitempty"`
	// Need says what the user wants, as the judge read it.
	Need string `json:"need"`
	// Judgements maps article ids to grades 1–3.
	Judgements map[string]int `json:"judgements"`
}

// Values are the query's parameters as /api/search receives them.
func (q Query) Values() (url.Values, error) {
	v, err := url.ParseQuery(q.Params)
	if err != nil {
		return nil, fmt.Errorf("query %s: params: %w", q.ID, err)
	}
	if _, ok := v["q"]; ok {
		return nil, fmt.Errorf("query %s: params: q belongs in the q field", q.ID)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	return v, nil
}

// Request is the query as a URL query string (q first), for reports.
func (q Query) Request() string {
	s := "q=" + url.QueryEscape(q.Q)
	if q.Params != "" {
		s += "&" + q.Params
	}
	return s
}

// Load reads a set file. It checks the file's form (see Validate for the
// checks against the corpus).
func Load(path string) (*Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("relevance set: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Set
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("relevance set %s: %w", path, err)
	}
	s.Dir = filepath.Dir(path)
	return &s, nil
}

// LoadChecked loads the set file at path, reads its corpus and validates
// the set against it: what a run needs before it indexes anything.
func LoadChecked(ctx context.Context, path string) (*Set, []api.Article, error) {
	s, err := Load(path)
	if err != nil {
		return nil, nil, err
	}
	arts, err := LoadCorpus(ctx, s.Dir, s.Corpus)
	if err != nil {
		return nil, nil, fmt.Errorf("relevance set %s: %w", path, err)
	}
	ids := make(map[string]bool, len(arts))
	for _, a := range arts {
		ids[a.ID] = true
	}
	if err := s.Validate(ids); err != nil {
		return nil, nil, fmt.Errorf("relevance set %s: %w", path, err)
	}
	return s, arts, nil
}

// Validate checks the set against the ids of its corpus: at least one
// query; each with an id, a kind and a need, parameters that parse; every
// judged id in the corpus, every grade 1–3, at least one article of grade
// 2 or more (so that every query can be answered well); no two queries
// with the same id or the same request (the same q but for case and
// spaces, and the same parameters). It reports every problem found.
func (s *Set) Validate(ids map[string]bool) error {
	var errs []error
	if len(s.Queries) == 0 {
		errs = append(errs, errors.New("no query"))
	}
	byID := map[string]bool{}
	byReq := map[string]string{}
	for i, q := range s.Queries {
		name := q.ID
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
			errs = append(errs, fmt.Errorf("query %s: no id", name))
		} else if byID[q.ID] {
			errs = append(errs, fmt.Errorf("query %s: id used twice", name))
		}
		byID[q.ID] = true
		if q.Kind == "" {
			errs = append(errs, fmt.Errorf("query %s: no kind", name))
		}
		if strings.TrimSpace(q.Need) == "" {
			errs = append(errs, fmt.Errorf("query %s: no need", name))
		}
		v, err := q.Values()
		if err != nil {
			errs = append(errs, err)
		} else {
			v.Set("q", strings.Join(strings.Fields(strings.ToLower(q.Q)), " "))
			key := v.Encode()
			if first, dup := byReq[key]; dup {
				errs = append(errs, fmt.Errorf("query %s: the same request as query %s (%s)", name, first, key))
			}
			byReq[key] = name
		}
		best := 0
		for _, id := range sortedIDs(q.Judgements) {
			g := q.Judgements[id]
			if g < Mentions || g > Exact {
				errs = append(errs, fmt.Errorf("query %s: article %s: grade %d, want 1, 2 or 3", name, id, g))
			}
			if !ids[id] {
				errs = append(errs, fmt.Errorf("query %s: article %s is not in the corpus", name, id))
			}
			best = max(best, g)
		}
		if best < Relevant {
			errs = append(errs, fmt.Errorf("query %s: no article of grade %d or more", name, Relevant))
		}
	}
	return errors.Join(errs...)
}

// sortedIDs are the ids of judgements in order.
func sortedIDs(j map[string]int) []string {
	ids := make([]string, 0, len(j))
	for id := range j {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
