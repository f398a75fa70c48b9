package api

import (
	"net/url"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/cutwatch/cutwatch/index/schema"
)

// Query syntaxes (Request.Syntax, the syntax parameter).
const (
	// SyntaxSimple is the search box's language, the default: every word
	// required, AND, OR, NOT and -word, "phrases" in straight or
	// typographic quotes, field:value for the known fields only, typo
	// tolerance and entity names (see README, "Query language").
	SyntaxSimple = "simple"
	// SyntaxBleve is bleve's query-string syntax for power users: words
	// ORed, +must -not, field:value on any index field, fuzzy~1, prefix*,
	// /regexp/, boost^2, and (groups).
	SyntaxBleve = "bleve"
)

// Syntaxes lists the valid values of Request.Syntax besides "".
var Syntaxes = []string{SyntaxSimple, SyntaxBleve}

// QueryEntity is an entity that words of a query name ("RCN" names the
// union Royal College of Nursing): the search also finds the articles
// tagged with it, and a client can offer it as a filter.
type QueryEntity struct {
	// Kind is the entity's kind: its filter parameter ("union").
	Kind string `json:"kind"`
	// Value is its canonical value: the filter's value.
	Value string `json:"value"`
	// Text is the words of the query that name it, as typed.
	Text string `json:"text"`
}

// Fold is the key by which filter and field values match an article's
// canonical values whatever their case and accents: lower case, without
// diacritics, typographic apostrophes made straight, spaces collapsed.
// "unison", "UNISON" and "Unison" fold alike, and so do "Ysbyty Gwynedd"
// and "Ysbyty Gŵynedd".
func Fold(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == '\u2019' || r == '\u2018' || r == '\u02bc':
			r = '\''
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// RequestParams returns the names of the parameters ParseRequest reads
// under s, sorted.
func RequestParams(s *schema.Schema) []string {
	names := []string{"q", "syntax", "relax", "id", "sort", "from", "size", "facet_size", "facets", "collapse",
		"published_from", "published_to", "histogram", "facet_metric", "facet_sort", "min_seq"}
	names = append(names, s.TermNames()...)
	for _, n := range s.NumericNames() {
		names = append(names, n+"_min", n+"_max")
	}
	slices.Sort(names)
	return names
}

// CheckParams returns a *BadRequestError naming the first unknown
// parameter of v (in name order) and listing the known ones, or nil when
// every parameter is known: a misspelt filter (unions=Unison) would
// otherwise be ignored and every article come back.
func CheckParams(v url.Values, known []string) error {
	var unknown []string
	for name := range v {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	known = slices.Clone(known)
	slices.Sort(known)
	return BadRequest(Truncate(unknown[0], 40), "unknown parameter (known parameters: %s)", strings.Join(known, ", "))
}
