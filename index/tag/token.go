package tag

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tWord  tokKind = iota // letters (and digits) starting with a letter
	tNum                  // a number: 750, 1,200, 6.5
	tOther                // a number-like token that is not a count: 2010-11, 2009/10, 10th, 55m
	tPunct                // one punctuation or symbol rune
)

// token is one token of an article with its byte offsets. The scanner keeps
// offsets into the original text, so entities built from tokens can report
// exact spans even where the text has multi-byte runes (£, –, curly quotes).
type token struct {
	start, end int
	text       string // text[start:end]
	low        string // lower case, curly apostrophes made straight
	kind       tokKind
	cap        bool    // first rune is upper case
	upper      bool    // every letter is upper case (and there are at least two)
	num        float64 // value of a tNum token
	sent       int     // index of the sentence holding the token
	sentStart  bool    // first token of its sentence (ignoring opening quotes)
	spaceBef   bool    // white space directly before the token
	nlBef      bool    // a line break before the token (paragraph start)
	joiner     bool    // a hyphen written without spaces between two words
}

// isApos reports whether r is a straight or curly apostrophe.
func isApos(r rune) bool { return r == '\'' || r == '\u2019' || r == '\u2018' }

// isHyphen reports whether r is an ASCII or Unicode hyphen (not a dash).
func isHyphen(r rune) bool { return r == '-' || r == '\u2010' || r == '\u2011' }

func isLetter(r rune) bool {
	if r < utf8.RuneSelf { // most of an article: no table lookups
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}

// scan splits text into tokens and sentences. It never allocates more than a
// constant amount per byte of input and runs in time linear in len(text).
func scan(text string) []token {
	toks := make([]token, 0, len(text)/5+1)
	var space, nl bool
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			space = true
			if r == '\n' || r == '\r' || r == '\u2029' {
				nl = true
			}
			i += size
			continue
		}
		start := i
		var kind tokKind
		switch {
		case isLetter(r):
			kind = tWord
			i = scanWord(text, i)
		case r >= '0' && r <= '9':
			i, kind = scanNumber(text, i)
		default:
			kind = tPunct
			i += size
		}
		t := token{start: start, end: i, text: text[start:i], kind: kind, spaceBef: space, nlBef: nl}
		space, nl = false, false
		toks = append(toks, t)
	}
	for k := range toks {
		finishToken(text, toks, k)
	}
	markSentences(toks)
	return toks
}

// scanWord consumes a word starting at i: letters, digits and internal
// apostrophes (O'Neill, don't). A possessive 's and a trailing apostrophe
// are left as separate tokens, and so are hyphens (see finishToken).
func scanWord(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isLetter(r) || unicode.IsDigit(r):
			i += size
		case r == '.' && i+size < len(text) && wordDotContinues(text, i+size):
			// e.g. "e.g" inside a word is rare; we only keep dots in
			// initialisms such as "U.K" when followed by a letter and a dot.
			i += size
		case isApos(r):
			n, nsize := utf8.DecodeRuneInString(text[i+size:])
			if !isLetter(n) {
				return i
			}
			// possessive 's: stop before the apostrophe.
			if (n == 's' || n == 'S') && !nextIsLetter(text, i+size+nsize) {
				return i
			}
			i += size
		default:
			return i
		}
	}
	return i
}

func wordDotContinues(text string, j int) bool {
	r, size := utf8.DecodeRuneInString(text[j:])
	if !unicode.IsUpper(r) {
		return false
	}
	n, _ := utf8.DecodeRuneInString(text[j+size:])
	return n == '.'
}

func nextIsLetter(text string, j int) bool {
	if j >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[j:])
	return isLetter(r)
}

// scanNumber consumes a number starting at i. "1,200" and "6.5" are one
// tNum token; "2010-11", "2009/10", "24/7", "10th" and "55m" are one tOther
// token each, so that no part of a year span or date is read as a count.
func scanNumber(text string, i int) (int, tokKind) {
	kind := tNum
	for i < len(text) {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			i++
		case (c == ',' || c == '.') && i+1 < len(text) && isDigit(text[i+1]):
			i++
		case (c == '/' || c == '-') && i+1 < len(text) && isDigit(text[i+1]):
			kind = tOther
			i++
		case strings.HasPrefix(text[i:], "\u2013") && i+3 < len(text) && isDigit(text[i+3]):
			kind = tOther
			i += 3
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			if isLetter(r) {
				kind = tOther
				i += size
				continue
			}
			return i, kind
		}
	}
	return i, kind
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// finishToken fills the derived fields of toks[k].
func finishToken(text string, toks []token, k int) {
	t := &toks[k]
	switch t.kind {
	case tWord:
		r, _ := utf8.DecodeRuneInString(t.text)
		t.cap = unicode.IsUpper(r)
		letters, uppers := 0, 0
		for _, r := range t.text {
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					uppers++
				}
			}
		}
		t.upper = letters >= 2 && letters == uppers
		t.low = strings.ToLower(strings.ReplaceAll(t.text, "\u2019", "'"))
	case tNum:
		v, err := strconv.ParseFloat(strings.ReplaceAll(t.text, ",", ""), 64)
		if err != nil || !validGrouping(t.text) {
			t.kind = tOther
		}
		t.num = v
		t.low = t.text
	case tPunct:
		r, _ := utf8.DecodeRuneInString(t.text)
		if isHyphen(r) && k > 0 && k+1 < len(toks) && !t.spaceBef {
			next := toks[k+1]
			if !next.spaceBef && next.kind == tWord && toks[k-1].kind == tWord {
				t.joiner = true
			}
		}
		if isApos(r) {
			t.low = "'"
		} else {
			t.low = t.text
		}
	default:
		t.low = strings.ToLower(t.text)
	}
}

// validGrouping reports whether commas in a number group thousands properly
// ("1,200" but not "1,2").
func validGrouping(s string) bool {
	if !strings.Contains(s, ",") {
		return true
	}
	intPart, _, _ := strings.Cut(s, ".")
	groups := strings.Split(intPart, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// abbreviations are words whose following full stop does not end a sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true,
	"no": true, "co": true, "ltd": true, "cllr": true, "rev": true, "gen": true,
	"sgt": true, "insp": true, "supt": true, "jan": true, "feb": true, "aug": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "vs": true, "etc": true,
	"approx": true, "dept": true, "govt": true, "e.g": true, "i.e": true,
}

// markSentences assigns sentence numbers: a sentence ends at a line break or
// after ., ! or ? (and any closing quotes or brackets) followed by a token
// that starts with an upper-case letter, a digit or an opening quote.
func markSentences(toks []token) {
	brk := make([]bool, len(toks)+1)
	for k := range toks {
		t := &toks[k]
		if t.nlBef && k > 0 {
			brk[k] = true
		}
		if t.kind != tPunct || (t.text != "." && t.text != "!" && t.text != "?") {
			continue
		}
		if k > 0 && t.text == "." && toks[k-1].kind == tWord && !t.spaceBef {
			p := toks[k-1]
			if abbreviations[p.low] || (len(p.text) == 1 && p.cap) {
				continue // "Mr." or an initial as in "John F. Kennedy"
			}
		}
		j := k + 1
		for j < len(toks) && toks[j].kind == tPunct && isCloser(toks[j].text) && !toks[j].spaceBef {
			j++
		}
		if j >= len(toks) {
			continue
		}
		n := &toks[j]
		if !n.spaceBef {
			continue
		}
		r, _ := utf8.DecodeRuneInString(n.text)
		if unicode.IsUpper(r) || unicode.IsDigit(r) || isQuoteTok(n) || n.text == "£" {
			brk[j] = true
		}
	}
	sent := 0
	newSent := true
	for k := range toks {
		if brk[k] {
			sent++
			newSent = true
		}
		toks[k].sent = sent
		if newSent && !isQuoteTok(&toks[k]) {
			toks[k].sentStart = true
			newSent = false
		}
	}
}

func isCloser(s string) bool {
	switch s {
	case "\"", "'", "\u2019", "\u201d", ")", "]":
		return true
	}
	return false
}

func isQuoteTok(t *token) bool {
	if t.kind != tPunct {
		return false
	}
	switch t.text {
	case "\"", "'", "\u2018", "\u2019", "\u201c", "\u201d", "(", "[":
		return true
	}
	return false
}
