package tag

import "strings"

// A phrase dictionary maps a normalised word sequence to payloads. Phrases
// are split with the same scanner as articles, so "North-East", "North East"
// and "north east" share the key "north east", and "St. Thomas'" and
// "St Thomas" share "st thomas".
type phraseDict struct {
	entries map[string][]int // key -> payload indices
	keys    map[string]uint8 // every key and proper prefix of one -> isKey|isPrefix
	maxLen  int              // longest key, in units
}

// The bits of phraseDict.keys: one lookup tells longest whether a word
// sequence is a phrase and whether a longer one starts with it.
const (
	isKey uint8 = 1 << iota
	isPrefix
)

func newPhraseDict() *phraseDict {
	return &phraseDict{entries: map[string][]int{}, keys: map[string]uint8{}}
}

// unitKey is the word a token contributes to a dictionary key, or "" if the
// token is transparent (a joining hyphen, an attached apostrophe, the full
// stop after an abbreviation).
func unitKey(toks []token, k int) string {
	t := &toks[k]
	switch t.kind {
	case tPunct:
		if t.joiner {
			return ""
		}
		if t.low == "'" && !t.spaceBef {
			return ""
		}
		if t.text == "." && k > 0 && !t.spaceBef && toks[k-1].kind == tWord && abbreviations[toks[k-1].low] {
			return ""
		}
		if t.text == "&" {
			return "and"
		}
		return t.text
	case tWord:
		if t.low == "s" && k > 0 && toks[k-1].low == "'" && !t.spaceBef && !toks[k-1].spaceBef {
			return "'s"
		}
		return t.low
	}
	return t.low
}

// phraseKey normalises a phrase from a data file into a dictionary key and
// reports how many units it has.
func phraseKey(phrase string) (string, int) {
	toks := scan(phrase)
	var parts []string
	for k := range toks {
		if u := unitKey(toks, k); u != "" {
			parts = append(parts, u)
		}
	}
	return strings.Join(parts, " "), len(parts)
}

// add registers phrase with payload p.
func (d *phraseDict) add(phrase string, p int) {
	key, n := phraseKey(phrase)
	if n == 0 {
		return
	}
	d.entries[key] = append(d.entries[key], p)
	d.keys[key] |= isKey
	for i := 0; i < len(key); i++ {
		if key[i] == ' ' {
			d.keys[key[:i]] |= isPrefix
		}
	}
	if n > d.maxLen {
		d.maxLen = n
	}
}

// match is one dictionary hit: tokens [start, end) and the payloads.
type match struct {
	start, end int // token indices
	payloads   []int
}

// longest returns the longest phrase starting at token k whose payloads
// satisfy ok, or false. Transparent tokens inside a phrase are skipped, and
// a phrase never ends on one.
func (d *phraseDict) longest(toks []token, k int, ok func(m match) bool) (match, bool) {
	var best match
	found := false
	// the key grows in a stack buffer; map lookups with string(key) do
	// not allocate, and most tokens start no phrase at all
	var buf [128]byte
	key := buf[:0]
	units := 0
	for j := k; j < len(toks) && units < d.maxLen; j++ {
		u := unitKey(toks, j)
		if u == "" {
			if j == k {
				return best, false
			}
			continue
		}
		if units > 0 {
			key = append(key, ' ')
		}
		key = append(key, u...)
		units++
		bits := d.keys[string(key)]
		if bits&isKey != 0 {
			m := match{start: k, end: j + 1, payloads: d.entries[string(key)]}
			if ok == nil || ok(m) {
				best, found = m, true
			}
		}
		if bits&isPrefix == 0 {
			break
		}
	}
	return best, found
}
