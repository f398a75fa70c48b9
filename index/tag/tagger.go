package tag

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ErrInvalidUTF8 is returned by Tag for text that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("text is not valid UTF-8")

// Tagger finds entities in article text. Build one with New and share it:
// it is safe for concurrent use, since it holds only read-only data.
type Tagger struct {
	kn  *knowledge
	pos *posTagger
}

var (
	knOnce sync.Once
	knData *knowledge
	knErr  error
)

// New loads the language model and the embedded domain data. Both are
// loaded once per process and shared by every Tagger, so New is cheap after
// the first call.
func New() (*Tagger, error) {
	kn, err := knowledgeData()
	if err != nil {
		return nil, err
	}
	return &Tagger{kn: kn, pos: sharedPOSTagger()}, nil
}

// knowledgeData returns the embedded domain data, loaded once per process.
func knowledgeData() (*knowledge, error) {
	knOnce.Do(func() { knData, knErr = loadKnowledge() })
	if knErr != nil {
		return nil, fmt.Errorf("load tagger data: %w", knErr)
	}
	return knData, nil
}

// Tag returns the entities of text in order of their start offset. Entities
// never overlap, and each one's Text is exactly text[Start:End].
func (t *Tagger) Tag(text string) ([]Entity, error) {
	if !utf8.ValidString(text) {
		return nil, ErrInvalidUTF8
	}
	d := newDoc(t, text)
	d.findMoney()
	d.findGazetteerOrgs()
	d.findSuffixOrgs()
	d.findHospitals()
	d.findAcronymDefinitions()
	d.findPeople()
	d.findAliases()
	d.findJobs()
	d.findPlaces()
	sort.Slice(d.ents, func(i, j int) bool { return d.ents[i].Start < d.ents[j].Start })
	return d.ents, nil
}

// doc is the state of tagging one article.
type doc struct {
	t       *Tagger
	kn      *knowledge
	text    string
	toks    []token
	claimed []bool // token is inside an entity (or a name that is none)
	ents    []Entity

	trusts    []orgMention                 // every trust mention, in order found
	orgByName map[string]orgEntry          // distinct trusts by canonical name
	orgFirst  map[string]int               // first token of each trust's first mention
	orgByWord map[string][]string          // first stem word (lower case) -> canonical names
	kindOrgs  map[string]map[string]bool   // organisation kind -> canonical names
	hospitals map[string][]hospitalMention // first stem word -> distinct hospitals
	hospSeen  map[string]int               // hospital value -> first token
	era       map[string]bool              // organisation kind -> the article has words of its era
	people    map[string][]personMention   // surname -> distinct people
	sentLo    []int                        // first token of each sentence
}

// orgMention is a trust entity and its organisation data.
type orgMention struct {
	ent   int // index in ents
	org   orgEntry
	tok   int  // first token
	tend  int  // end token
	built bool // built by a suffix rule from a name the gazetteer does not know
}

type hospitalMention struct {
	value string
	stem  []string
	tok   int
}

type personMention struct {
	value   string
	surname string
	tok     int
}

func newDoc(t *Tagger, text string) *doc {
	toks := scan(text)
	d := &doc{t: t, kn: t.kn, text: text, toks: toks, claimed: make([]bool, len(toks)),
		orgByName: map[string]orgEntry{}, orgFirst: map[string]int{}, orgByWord: map[string][]string{},
		kindOrgs: map[string]map[string]bool{}, hospitals: map[string][]hospitalMention{}, hospSeen: map[string]int{},
		people: map[string][]personMention{}}
	for k := range toks {
		if k == 0 || toks[k].sent != toks[k-1].sent {
			d.sentLo = append(d.sentLo, k)
		}
	}
	return d
}

// free reports whether tokens [i, j) are unclaimed.
func (d *doc) free(i, j int) bool {
	if i < 0 || j > len(d.toks) || i >= j {
		return false
	}
	for k := i; k < j; k++ {
		if d.claimed[k] {
			return false
		}
	}
	return true
}

func (d *doc) claim(i, j int) {
	for k := i; k < j; k++ {
		d.claimed[k] = true
	}
}

// add records an entity over tokens [i, j) and claims them.
func (d *doc) add(kind Kind, value string, num int64, i, j int) int {
	d.claim(i, j)
	start, end := d.toks[i].start, d.toks[j-1].end
	d.ents = append(d.ents, Entity{Type: kind, Value: value, Number: num,
		Text: d.text[start:end], Start: start, End: end})
	return len(d.ents) - 1
}

// addSpan records an entity over a byte span (money is found on the raw
// text) and claims the tokens it covers. A span that overlaps an earlier
// entity is dropped.
func (d *doc) addSpan(kind Kind, value string, num int64, start, end int) {
	i := sort.Search(len(d.toks), func(k int) bool { return d.toks[k].end > start })
	j := i
	for j < len(d.toks) && d.toks[j].start < end {
		j++
	}
	if n := len(d.ents); n > 0 && d.ents[n-1].End > start {
		return // overlaps the previous span (spans come in text order)
	}
	for k := i; k < j; k++ {
		if d.claimed[k] && !d.claimedBySpan(k) {
			return
		}
	}
	d.claim(i, j)
	d.ents = append(d.ents, Entity{Type: kind, Value: value, Number: num,
		Text: d.text[start:end], Start: start, End: end})
}

// claimedBySpan reports whether token k is claimed by the last entity
// (money found on raw text can split one token "20-25m" in two).
func (d *doc) claimedBySpan(k int) bool {
	n := len(d.ents)
	return n > 0 && d.ents[n-1].Start < d.toks[k].end && d.ents[n-1].End > d.toks[k].start
}

// numberValue formats an integer entity value.
func numberValue(n int64) string { return strconv.FormatInt(n, 10) }

// word returns the lower-case form of token k, or "" out of range.
func (d *doc) word(k int) string {
	if k < 0 || k >= len(d.toks) {
		return ""
	}
	return d.toks[k].low
}

// isCapWord reports whether token k is a capitalised (or upper-case) word.
func (d *doc) isCapWord(k int) bool {
	return k >= 0 && k < len(d.toks) && d.toks[k].kind == tWord && d.toks[k].cap
}

// spanText returns the text of tokens [i, j) with runs of white space made
// single spaces and curly apostrophes straight, for canonical values.
func (d *doc) spanText(i, j int) string {
	s := d.text[d.toks[i].start:d.toks[j-1].end]
	s = strings.ReplaceAll(s, "\u2019", "'")
	return strings.Join(strings.Fields(s), " ")
}

// nameText is spanText for a name built from the article: a word in
// capitals at the start of a sentence ("ADDENBROOKE'S Hospital is ...",
// the style of a news lead) is written in title case, so that the value
// matches other articles' mentions.
func (d *doc) nameText(i, j int) string {
	var b strings.Builder
	last := d.toks[i].start
	lowered := false
	for k := i; k < j; k++ {
		t := &d.toks[k]
		b.WriteString(d.text[last:t.start])
		if t.kind == tWord && t.upper && t.sentStart && utf8.RuneCountInString(t.text) >= 4 {
			r, size := utf8.DecodeRuneInString(t.text)
			b.WriteRune(r)
			b.WriteString(strings.ToLower(t.text[size:]))
			lowered = true
		} else if lowered && t.text == "S" && k > i && d.toks[k-1].low == "'" {
			b.WriteString("s") // ADDENBROOKE'S -> Addenbrooke's
		} else {
			b.WriteString(t.text)
		}
		last = t.end
	}
	s := strings.ReplaceAll(b.String(), "\u2019", "'")
	return strings.Join(strings.Fields(s), " ")
}
