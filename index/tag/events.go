package tag

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// EventKind says what a job count or a money amount of a cut event is.
type EventKind string

// The kinds of cut event: a job count is a cut (cut, lost, at risk,
// redundancies) or other (staff employed, vacancies, new posts); an amount
// is a savings target, a deficit (overspend, budget gap, shortfall), a
// budget (funding, allocation) or other.
const (
	EventCut     EventKind = "cut"
	EventSavings EventKind = "savings"
	EventDeficit EventKind = "deficit"
	EventBudget  EventKind = "budget"
	EventOther   EventKind = "other"
)

// CutLink links one stated job count or money amount of an article to the
// NHS organisation it belongs to, and says what it is: the record
// {trust, jobs, kind} or {trust, amount_gbp, kind}. Exactly one of Jobs
// and AmountGBP is set. Trust is a canonical trust value of the article's
// entities, or "" for a national figure or a total of several bodies that
// belongs to no one trust ("£20bn of savings across the NHS").
type CutLink struct {
	Trust     string    `json:"trust"`
	Jobs      int64     `json:"jobs,omitempty"`
	AmountGBP int64     `json:"amount_gbp,omitempty"`
	Kind      EventKind `json:"kind"`
}

// CutEvent is a CutLink found in an article, with the byte offsets of the
// number's first mention (its entity) in the text.
type CutEvent struct {
	CutLink
	Start int `json:"start"`
	End   int `json:"end"`
}

// HeadlineCut is an article's headline cut: the job count and the amount
// linked to its main trust (the largest count cut or at risk, the largest
// savings target, else the largest deficit), not its largest numbers. A
// zero Jobs or AmountGBP means the article states none for its main trust.
type HeadlineCut struct {
	Trust     string `json:"trust"`
	Jobs      int64  `json:"jobs,omitempty"`
	AmountGBP int64  `json:"amount_gbp,omitempty"`
}

// IsZero reports whether the headline holds no number.
func (h HeadlineCut) IsZero() bool { return h.Jobs == 0 && h.AmountGBP == 0 }

// ArticleHeadline returns the headline cut of an article from its text and
// entities, or nil when it names no trust.
func ArticleHeadline(text string, ents []Entity, events []CutEvent) *HeadlineCut {
	main := MainTrust(text, ents)
	if main == "" {
		return nil
	}
	h := Headline(events, main)
	return &h
}

// The cue classes of data/events.tsv.
const (
	cueJobsCut = iota
	cueJobsOther
	cueSavings
	cueDeficit
	cueBudget
	cueMoneyOther
	cueNational
	cueSuccessor
	cueBackref
	nCues
)

var cueClasses = [nCues]string{"jobs-cut", "jobs-other", "money-savings", "money-deficit", "money-budget", "money-other",
	"national", "successor", "backref"}

// cueData is the parsed data/events.tsv: one dictionary of every phrase
// whose payloads are class indices, a backref's payload is cueBackref +
// the index of its target in backrefs.
type cueData struct {
	dict     *phraseDict
	backrefs []string // lower-case name ending, or "@merged"
}

// mergedRef is the backref target of the body a merger formed.
const mergedRef = "@merged"

// eventCues is the parsed data/events.tsv.
var eventCues = sync.OnceValues(func() (*cueData, error) {
	cd := &cueData{dict: newPhraseDict()}
	err := parseLines("events.tsv", func(f []string, _ int) error {
		class, phrase, target := field(f, 0), field(f, 1), field(f, 2)
		i := slices.Index(cueClasses[:], class)
		if i < 0 || phrase == "" {
			return fmt.Errorf("want one of %s<TAB>phrase, got %q", strings.Join(cueClasses[:], "|"), strings.Join(f, "\t"))
		}
		if i == cueBackref {
			if target == "" {
				return fmt.Errorf("backref %q: want the end of the names it refers to, or %s", phrase, mergedRef)
			}
			cd.backrefs = append(cd.backrefs, strings.ToLower(target))
			i += len(cd.backrefs) - 1
		}
		cd.dict.add(phrase, i)
		return nil
	})
	return cd, err
})

// cueHit is one cue found in an article: tokens [start, end) and its classes.
type cueHit struct {
	start, end int
	classes    []int
}

// MainTrust returns the article's main NHS organisation: the trust value
// mentioned most often, a mention in the first paragraph (the lead)
// counting twice; a tie goes to the one mentioned first. "" when the
// article names none.
func MainTrust(text string, ents []Entity) string {
	leadEnd := strings.Index(strings.TrimLeft(text, " \t\r\n"), "\n\n")
	if leadEnd >= 0 {
		leadEnd += len(text) - len(strings.TrimLeft(text, " \t\r\n"))
	} else {
		leadEnd = len(text)
	}
	score := map[string]int{}
	var order []string
	for _, e := range ents {
		if e.Type != Trust {
			continue
		}
		if _, ok := score[e.Value]; !ok {
			order = append(order, e.Value)
		}
		score[e.Value]++
		if e.Start < leadEnd {
			score[e.Value]++
		}
	}
	best := ""
	for _, v := range order {
		if best == "" || score[v] > score[best] {
			best = v
		}
	}
	return best
}

// Events links each job count and money amount among ents (the entities
// Tag found in text) to its NHS organisation and classifies it:
//
//   - the trust is the one its sentence is about: a trust named right
//     after it as a place ("50 posts will go at X"), else the nearest trust
//     named before it in the sentence ("X is to cut 50 jobs", "X (312) and
//     Y (95)"), else the nearest after it;
//   - in a sentence that names no trust, the one it refers back to ("the
//     board", "the new trust": the last trust named whose name fits), else
//     the one its paragraph is about (the trust its first sentence opens
//     with), else, in a sentence about
//     the NHS as a whole ("across the NHS", "the government"), no trust
//     (""), else the article's main trust (MainTrust);
//   - the kind is the class of the cue of data/events.tsv nearest to the
//     number in its sentence; without one a job count is a cut and an
//     amount is other.
//
// Each distinct (trust, number, kind) is one event, at its first mention,
// in text order. A number stated more than once (in a title, then in the
// text) keeps only its surest links: named in its sentence, then referred
// back to, then its paragraph's, then national, then the main trust's.
func Events(text string, ents []Entity) []CutEvent {
	cd, err := eventCues()
	if err != nil || len(ents) == 0 {
		return nil // the data file is checked by the package's tests
	}
	toks := scan(text)
	if len(toks) == 0 {
		return nil
	}
	tokAt := func(off int) int { // first token ending after off
		i, _ := slices.BinarySearchFunc(toks, off, func(t token, off int) int {
			if t.end <= off {
				return -1
			}
			return 1
		})
		return min(i, len(toks)-1)
	}
	// paragraphs: a blank line before a token starts one
	para := make([]int, len(toks))
	for k := 1; k < len(toks); k++ {
		para[k] = para[k-1]
		if strings.Count(text[toks[k-1].end:toks[k].start], "\n") >= 2 {
			para[k]++
		}
	}
	sentLo := map[int]int{} // sentence -> first token
	for k := range toks {
		if _, ok := sentLo[toks[k].sent]; !ok {
			sentLo[toks[k].sent] = k
		}
	}
	var hits []cueHit
	for k := 0; k < len(toks); k++ {
		if m, ok := cd.dict.longest(toks, k, nil); ok {
			hits = append(hits, cueHit{m.start, m.end, m.payloads})
			k = m.end - 1
		}
	}
	var trusts []trustAt
	for _, e := range ents {
		if e.Type == Trust {
			tr := trustAt{value: e.Value, start: tokAt(e.Start), end: tokAt(e.End-1) + 1}
			// "... merge to form X", "to be called the X": a cue ending
			// right before it (hits are in order and do not overlap, so
			// their ends are too)
			i, _ := slices.BinarySearchFunc(hits, tr.start-1, func(h cueHit, end int) int { return cmp.Compare(h.end, end) })
			for ; i < len(hits) && hits[i].end <= tr.start; i++ {
				if slices.Contains(hits[i].classes, cueSuccessor) {
					tr.successor = true
				}
			}
			trusts = append(trusts, tr)
		}
	}
	// The mentions in order of their place, so that those of one
	// sentence are found by a binary search rather than by a walk over
	// all of them for each number (an article of 20,000 sentences, each
	// with a number and a trust, took seconds).
	slices.SortStableFunc(trusts, func(a, b trustAt) int { return cmp.Compare(a.start, b.start) })
	trustsIn := func(s int) []trustAt { return inSentence(toks, trusts, s, func(t trustAt) int { return t.start }) }
	hitsIn := func(s int) []cueHit { return inSentence(toks, hits, s, func(h cueHit) int { return h.start }) }
	// backref resolves the back-reference hit h to the last trust named
	// before it that it may stand for, or "".
	backref := func(h cueHit) string {
		for _, c := range h.classes {
			if c < cueBackref {
				continue
			}
			target := cd.backrefs[c-cueBackref]
			for i := len(trusts) - 1; i >= 0; i-- {
				tr := trusts[i]
				if tr.end > h.start {
					continue
				}
				if target == mergedRef && tr.successor || target != mergedRef && strings.HasSuffix(strings.ToLower(tr.value), target) {
					return tr.value
				}
			}
		}
		return ""
	}
	// sentRef: the trust a sentence refers back to ("the board", "the new
	// trust"), by its first resolvable back-reference
	sentRef := map[int]string{}
	for _, h := range hits {
		s := toks[h.start].sent
		if _, done := sentRef[s]; done {
			continue
		}
		if v := backref(h); v != "" {
			sentRef[s] = v
		}
	}
	main := MainTrust(text, ents)
	// paraTrust: the trust a paragraph's first sentence opens with (or
	// refers back to at its start: "The new trust will run ...")
	paraTrust := map[int]string{}
	for _, h := range hits {
		lo := sentLo[toks[h.start].sent]
		p := para[h.start]
		if lo == 0 || para[lo-1] != p {
			if v := backref(h); v != "" && h.start-lo <= 1 {
				if _, done := paraTrust[p]; !done {
					paraTrust[p] = v
				}
			}
		}
	}
	for _, tr := range trusts {
		p := para[tr.start]
		if _, done := paraTrust[p]; done {
			continue
		}
		s := toks[tr.start].sent
		lo := sentLo[s]
		if (lo == 0 || para[lo-1] != p) && tr.start-lo <= 3 {
			paraTrust[p] = tr.value
		} else if lo == 0 || para[lo-1] != p {
			paraTrust[p] = ""
		}
	}
	var out []linked
	seen := map[CutLink]bool{}
	for _, e := range ents {
		if e.Type != Jobs && e.Type != Amount {
			continue
		}
		k0, k1 := tokAt(e.Start), tokAt(e.End-1)+1
		s := toks[k0].sent
		trust, named := sentenceTrust(toks, trustsIn(s), sentLo[s], k0, k1)
		kind := classify(toks, hitsIn(s), e.Type, k0, k1)
		strength := linkNamed
		if !named {
			if t := sentRef[s]; t != "" {
				trust, strength = t, linkBackref
			} else if t, ok := paraTrust[para[k0]]; ok && t != "" {
				trust, strength = t, linkParagraph
			} else if sentenceHas(hitsIn(s), toks, s, cueNational) {
				trust, strength = "", linkNational
			} else {
				trust, strength = main, linkMain
			}
		}
		l := CutLink{Trust: trust, Kind: kind}
		if e.Type == Jobs {
			l.Jobs = e.Number
		} else {
			l.AmountGBP = e.Number
		}
		if seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, linked{CutEvent{CutLink: l, Start: e.Start, End: e.End}, strength})
	}
	// a number stated twice (a title, then the text) is one fact: keep its
	// links of the surest kind only
	best := map[[2]int64]linkStrength{}
	for _, l := range out {
		n := [2]int64{l.ev.Jobs, l.ev.AmountGBP}
		best[n] = max(best[n], l.strength)
	}
	var evs []CutEvent
	for _, l := range out {
		if l.strength == best[[2]int64{l.ev.Jobs, l.ev.AmountGBP}] {
			evs = append(evs, l.ev)
		}
	}
	return evs
}

// inSentence returns the part of xs, in the order of their first tokens
// (start), that starts in sentence s.
func inSentence[T any](toks []token, xs []T, s int, start func(T) int) []T {
	lo := sort.Search(len(xs), func(i int) bool { return toks[start(xs[i])].sent >= s })
	hi := lo + sort.Search(len(xs)-lo, func(i int) bool { return toks[start(xs[lo+i])].sent > s })
	return xs[lo:hi]
}

// linkStrength orders the ways a number is linked to its trust, surest
// last.
type linkStrength uint8

const (
	linkMain linkStrength = iota
	linkNational
	linkParagraph
	linkBackref
	linkNamed
)

// linked is an event and how surely it was linked.
type linked struct {
	ev       CutEvent
	strength linkStrength
}

// trustAt is a trust mention over tokens [start, end).
type trustAt struct {
	value      string
	start, end int
	successor  bool // the body a merger forms ("to form X")
}

// sentenceTrust returns the trust that the sentence of the number over
// tokens [k0, k1) links it to, in order: a trust named right before it
// ("NHS Fife (312)", "Liverpool PCT 85"); a trust named after it as its
// place ("50 posts will go at X", "90 posts in Monitor's ..."); the body a
// merger in the sentence forms ("150 jobs will go when X and Y merge to
// form Z"); the trust
// the sentence opens with, its subject ("X, the body formed from Y and Z,
// is to cut 250 posts"); the nearest trust before it; the nearest after.
// lo is the sentence's first token.
func sentenceTrust(toks []token, trusts []trustAt, lo, k0, k1 int) (string, bool) {
	s := toks[k0].sent
	var before, after, opening, successor *trustAt
	for i := range trusts {
		tr := &trusts[i]
		if toks[tr.start].sent != s {
			continue
		}
		if tr.successor && successor == nil {
			successor = tr
		}
		if opening == nil && tr.start-lo <= 3 && tr.end <= k0 {
			opening = tr
		}
		if tr.end <= k0 {
			before = tr
		} else if tr.start >= k1 && after == nil {
			after = tr
		}
	}
	switch {
	case before != nil && k0-before.end <= 2:
		return before.value, true
	case after != nil && after.start-k1 <= 10 && placePrep(toks, after.start):
		return after.value, true
	case successor != nil:
		return successor.value, true
	case opening != nil:
		return opening.value, true
	case before != nil:
		return before.value, true
	case after != nil:
		return after.value, true
	}
	return "", false
}

// placePrep reports whether the word before a trust's mention at token k
// makes the trust the place of what comes before it ("at", "in", "across",
// or "the" after one of them).
func placePrep(toks []token, k int) bool {
	if k < 1 {
		return false
	}
	w := toks[k-1].low
	if w == "the" && k >= 2 {
		w = toks[k-2].low
	}
	switch w {
	case "at", "in", "across", "within", "from":
		return true
	}
	return false
}

// sentenceHas reports whether sentence s holds a cue of class c.
func sentenceHas(hits []cueHit, toks []token, s, c int) bool {
	for _, h := range hits {
		if toks[h.start].sent == s && slices.Contains(h.classes, c) {
			return true
		}
	}
	return false
}

// classify returns the kind of the number over tokens [k0, k1): the class
// of the nearest cue of its type in its sentence (a cue before it wins a
// tie), else cut for a job count and other for an amount.
func classify(toks []token, hits []cueHit, typ Kind, k0, k1 int) EventKind {
	s := toks[k0].sent
	var classes []int
	var kinds []EventKind
	if typ == Jobs {
		classes, kinds = []int{cueJobsCut, cueJobsOther}, []EventKind{EventCut, EventOther}
	} else {
		classes = []int{cueSavings, cueDeficit, cueBudget, cueMoneyOther}
		kinds = []EventKind{EventSavings, EventDeficit, EventBudget, EventOther}
	}
	best, bestDist := -1, 1<<30
	for _, h := range hits {
		if toks[h.start].sent != s {
			continue
		}
		dist := 0
		switch {
		case h.end <= k0:
			dist = 2*(k0-h.end) + clauseBreaks(toks, h.end, k0)
		case h.start >= k1:
			dist = 2*(h.start-k1) + 1 + clauseBreaks(toks, k1, h.start)
		default:
			continue // a cue inside the number's own text
		}
		for i, c := range classes {
			if slices.Contains(h.classes, c) && dist < bestDist {
				best, bestDist = i, dist
			}
		}
	}
	if best < 0 {
		return defaultKind(typ)
	}
	return kinds[best]
}

// clauseBreaks is the distance a cue pays for each clause boundary between
// it and the number (tokens [i, j)): a comma, semicolon, colon, dash or
// "but" ("leaving vacancies unfilled, but that about 250 staff could face
// compulsory redundancy").
func clauseBreaks(toks []token, i, j int) int {
	n := 0
	for k := i; k < j; k++ {
		switch toks[k].low {
		case ",", ";", ":", "–", "—", "but":
			n += 12
		}
	}
	return n
}

func defaultKind(typ Kind) EventKind {
	if typ == Jobs {
		return EventCut
	}
	return EventOther
}

// Headline returns the article's headline cut from its events: the
// largest job count cut or at risk and the largest savings target (else
// deficit) linked to mainTrust. With no main trust it is zero.
func Headline(events []CutEvent, mainTrust string) HeadlineCut {
	h := HeadlineCut{Trust: mainTrust}
	if mainTrust == "" {
		return h
	}
	var deficit int64
	for _, e := range events {
		if e.Trust != mainTrust {
			continue
		}
		switch {
		case e.Jobs > 0 && e.Kind == EventCut:
			h.Jobs = max(h.Jobs, e.Jobs)
		case e.AmountGBP > 0 && e.Kind == EventSavings:
			h.AmountGBP = max(h.AmountGBP, e.AmountGBP)
		case e.AmountGBP > 0 && e.Kind == EventDeficit:
			deficit = max(deficit, e.AmountGBP)
		}
	}
	if h.AmountGBP == 0 {
		h.AmountGBP = deficit
	}
	return h
}

// ValidEventKind reports whether k is a kind of a job count's event (jobs)
// or of an amount's.
func ValidEventKind(jobs bool, k EventKind) bool {
	if jobs {
		return k == EventCut || k == EventOther
	}
	return k == EventSavings || k == EventDeficit || k == EventBudget || k == EventOther
}

// TrustCut is what an article says one trust cuts: the jobs cut or at
// risk and the savings target its cut events link to it.
type TrustCut struct {
	Trust      string `json:"trust"`
	Jobs       int64  `json:"jobs"`
	SavingsGBP int64  `json:"savings_gbp"`
}

// TrustCuts returns what an article's events say each trust cuts, in
// trust order, and the sum over the trusts (Trust ""): what the article
// counts for in the sums of jobs at risk and savings (histograms, facet
// sums, exports). A trust counts for the largest job count cut or at risk
// and the largest savings target linked to it, so that a figure restated
// ("the 300 posts", "all 300 jobs") or broken down ("120 nurses" of the
// 300) is counted once. Numbers linked to no trust (national totals,
// several bodies together), job counts of another kind (staff employed,
// vacancies) and amounts other than savings (deficits, budgets) count for
// none.
func TrustCuts(events []CutEvent) (per []TrustCut, total TrustCut) {
	for _, e := range events {
		jobs, savings := e.Jobs > 0 && e.Kind == EventCut, e.AmountGBP > 0 && e.Kind == EventSavings
		if e.Trust == "" || !jobs && !savings {
			continue
		}
		i, found := slices.BinarySearchFunc(per, e.Trust, func(t TrustCut, trust string) int { return strings.Compare(t.Trust, trust) })
		if !found {
			per = slices.Insert(per, i, TrustCut{Trust: e.Trust})
		}
		if jobs {
			per[i].Jobs = max(per[i].Jobs, e.Jobs)
		} else {
			per[i].SavingsGBP = max(per[i].SavingsGBP, e.AmountGBP)
		}
	}
	for _, t := range per {
		total.Jobs += t.Jobs
		total.SavingsGBP += t.SavingsGBP
	}
	return per, total
}
