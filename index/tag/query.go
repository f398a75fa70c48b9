package tag

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// QueryName is an entity that words of a search query name: words
// [Start, End) of the words given to QueryNames.
type QueryName struct {
	Kind  Kind
	Value string // the canonical value, as the tagger reports it
	Start int
	End   int
	// Fuzzy is true when a word is a misspelling of the name ("Unsion").
	Fuzzy bool
}

// queryData is what QueryNames needs beyond the tagger's knowledge: the
// trusts and foundation trusts by the start of their name ("the
// Rotherham"), made once.
type queryData struct {
	kn        *knowledge
	trustStem map[string][]int // lower-case stem key -> orgs indices
}

var queryOnce = sync.OnceValues(func() (*queryData, error) {
	kn, err := knowledgeData()
	if err != nil {
		return nil, err
	}
	q := &queryData{kn: kn, trustStem: map[string][]int{}}
	for i, o := range kn.orgs {
		if (o.kind != "ft" && o.kind != "trust") || len(o.stem) == 0 {
			continue
		}
		key, _ := phraseKey(strings.Join(o.stem, " "))
		q.trustStem[key] = append(q.trustStem[key], i)
	}
	return q, nil
})

// QueryNames finds the entities that runs of words of a search query name,
// with the tagger's gazetteers and alias data: trusts and other NHS bodies
// by their names and aliases ("RCN" is no trust, but "Guy's and St
// Thomas'" is) and, after "the", by the start of their name ("the
// Rotherham"); unions by name, alias or acronym, and by a one-letter
// misspelling of a one-word name ("Unsion"); places; hospitals by name and
// short name ("Guy's", "Barts"). Words are matched in any case, except
// that a one-word name that is also a common word, a one-word NHS body
// ("Monitor"), or a name the gazetteer wants capitalised ("Unite", an
// ambiguous place) needs a capital; an acronym ("RCN") may be typed in
// lower case.
// Names are found left to right, longest first, and do not overlap; a run
// may name several entities (a place and a hospital).
func QueryNames(words []string) ([]QueryName, error) {
	qd, err := queryOnce()
	if err != nil {
		return nil, err
	}
	var out []QueryName
	for i := 0; i < len(words); {
		found := qd.longestAt(words, i)
		if len(found) == 0 {
			i++
			continue
		}
		out = append(out, found...)
		i = found[0].End
	}
	return out, nil
}

// maxQueryNameWords bounds the words of one name looked up.
const maxQueryNameWords = 12

// longestAt returns the entities of the longest run of words starting at
// i that names any.
func (qd *queryData) longestAt(words []string, i int) []QueryName {
	for j := min(len(words), i+maxQueryNameWords); j > i; j-- {
		if got := qd.named(words, i, j); len(got) > 0 {
			return got
		}
	}
	return nil
}

// named returns the entities words[i:j] name.
func (qd *queryData) named(words []string, i, j int) []QueryName {
	kn := qd.kn
	key, units := phraseKey(strings.Join(words[i:j], " "))
	if units == 0 {
		return nil
	}
	one := j-i == 1
	capital := startsUpper(words[i])
	// A one-word name in lower case must not be a common word.
	plainOK := !one || capital || !kn.commonWord(key)
	var out []QueryName
	seen := map[QueryName]bool{}
	add := func(k Kind, v string, fuzzy bool) {
		n := QueryName{Kind: k, Value: v, Start: i, End: j, Fuzzy: fuzzy}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, p := range kn.orgDict.entries[key] {
		// A one-word body ("Monitor") is written with a capital.
		if !one || capital {
			add(Trust, kn.orgs[p].canonical, false)
		}
	}
	if rest, ok := strings.CutPrefix(key, "the "); ok {
		for _, p := range qd.trustStem[rest] {
			add(Trust, kn.orgs[p].canonical, false)
		}
	}
	// An alias that must be capitalised ("Unite") rules out its acronym
	// form ("UNITE") in lower case too.
	wantsCapital := false
	for _, p := range kn.unionDict.entries[key] {
		wantsCapital = wantsCapital || kn.unions[p].capital
	}
	for _, p := range kn.unionDict.entries[key] {
		u := kn.unions[p]
		switch {
		case wantsCapital && !capital:
		case u.exactCase:
			add(Union, u.canonical, false) // an acronym, in any case
		case plainOK:
			add(Union, u.canonical, false)
		}
	}
	for _, p := range kn.placeDict.entries[key] {
		pl := kn.places[p]
		if (pl.ambiguous && !capital) || !plainOK {
			continue
		}
		add(Place, pl.name, false)
	}
	for _, p := range kn.hospDict.entries[key] {
		n := kn.hospNames[p]
		switch {
		case n.named: // only once the article has named the hospital
		case n.the && (i == 0 || !strings.EqualFold(words[i-1], "the")):
		case n.upper || plainOK:
			add(Hospital, kn.hosps[n.entry].name, false)
		}
	}
	if len(out) == 0 && one {
		if v, ok := kn.fuzzyUnionWord(key); ok {
			add(Union, v, true)
		}
	}
	return out
}

// commonWord reports whether the lower-case word w is a common word, a
// stop word or a given name: as a lower-case query word it names nothing.
func (kn *knowledge) commonWord(w string) bool {
	return kn.given[w] || kn.is("common", w) || kn.is("stop", w)
}

// fuzzyUnionWord is the tagger's rule for misspelt unions (fuzzyUnion) for
// a lower-case query word: five letters or more, one edit from a one-word
// union name open to misspellings, and no other known word or place.
func (kn *knowledge) fuzzyUnionWord(w string) (string, bool) {
	if utf8.RuneCountInString(w) < 5 || kn.commonWord(w) {
		return "", false
	}
	if _, ok := kn.placeDict.entries[w]; ok {
		return "", false
	}
	for _, i := range kn.fuzzy {
		u := kn.unions[i]
		if osa(w, strings.ToLower(u.alias)) == 1 {
			return u.canonical, true
		}
	}
	return "", false
}

// startsUpper reports whether w's first letter is upper case.
func startsUpper(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return unicode.IsUpper(r)
		}
	}
	return false
}
