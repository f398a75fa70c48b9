package tag

import (
	"math"
	"strings"
)

// sentenceFlags says, per sentence, whether it talks about cuts and about
// jobs; job counts need a cut in their sentence.
type sentenceFlags struct {
	cut, jobs []bool
}

func (d *doc) sentenceFlags() sentenceFlags {
	n := 0
	if len(d.toks) > 0 {
		n = d.toks[len(d.toks)-1].sent + 1
	}
	f := sentenceFlags{cut: make([]bool, n), jobs: make([]bool, n)}
	for k := range d.toks {
		t := &d.toks[k]
		if t.kind != tWord {
			continue
		}
		bits := d.kn.sentWords[t.low] // one lookup for the four of kn.is
		if bits&sentCut != 0 {
			f.cut[t.sent] = true
		}
		if bits&sentJobs != 0 {
			f.jobs[t.sent] = true
		}
	}
	return f
}

// findJobs tags stated counts of jobs, posts or staff cut or at risk:
//
//	N [modifiers] JOBNOUN      "750 jobs", "516 administrative posts",
//	                           "500 North-East jobs", "200 redundancies"
//	CUTVERB N                  "Middlesbrough, which loses 82" (the sentence
//	                           or the one before names jobs)
//	workforce ... by N         "cut its workforce by 300"
//	JOBNOUN of N               "job losses of up to 300"
//
// A count needs a cut or risk word in its sentence unless its noun is one
// ("redundancies", "job losses"). Workforce sizes ("employs 7,000", "out of
// 10,000"), grades ("band 5 nurses"), percentages, years, new or extra jobs,
// beds and patients are not counts. Vague quantities ("hundreds of jobs")
// have no number and so are never counts.
func (d *doc) findJobs() {
	f := d.sentenceFlags()
	lastJobsSent := -10
	orgEnds := map[int]bool{}
	for _, e := range d.ents {
		if e.Type == Trust || e.Type == Hospital {
			orgEnds[e.End] = true
		}
	}
	for k := 0; k < len(d.toks); k++ {
		if d.claimed[k] {
			continue
		}
		v, end, ok := d.countAt(k)
		if !ok {
			continue
		}
		s := d.toks[k].sent
		if d.notACount(k, end, v) {
			continue
		}
		// a range "between 150 and 200 posts", "40 to 50 jobs": both ends
		// are counts, judged by what follows the second.
		k2, end2 := k, end
		if v2, e2, ok := d.rangeEnd(k, end); ok && !d.notACount(end+1, e2, v2) {
			k2, end2 = end+1, e2
		}
		accept := false
		switch nounEnd, strong, found := d.jobNounAfter(end2); {
		case found:
			if d.word(nounEnd-1) == "people" {
				// "people" counts anyone (patients, protesters): a count of
				// people is a job count only in a sentence that says jobs go
				accept = f.cut[s] && f.jobs[s] && d.sentenceHas(s, "redundan", "lose their jobs", "jobs")
			} else {
				// "90 nursing posts were included in the total" after a
				// sentence of cuts, "a further 60 posts" after a count
				accept = strong || f.cut[s] || !d.holdsBefore(k) &&
					((lastJobsSent >= s-1 && s > 0 && f.cut[s-1]) ||
						(d.furtherBefore(k) && lastJobsSent >= 0) ||
						(d.positionNoun(nounEnd) && cutBefore(f, s)))
			}
		case k2 == k && d.bracketed(k, end) && (d.listedAfterOrg(k-1, orgEnds) || d.kn.is("superlative", d.word(k-2))) &&
			(f.cut[s] || lastJobsSent >= s-1):
			// "NHS Fife (312) and NHS Borders (95)", "cutting the most (1,100)"
			accept = true
		case k2 == k && d.bracketed(k, end) && d.isCapWord(k-2) && f.cut[s] && (f.jobs[s] || lastJobsSent >= s-1):
			// a name the rules do not know as an organisation, in a list
			// of job cuts: "three trusts: Mid Yorkshire (450) and Airedale (350)"
			accept = true
		case d.kn.is("cutverb", d.word(k-1)) && d.toks[k].kind == tNum:
			// "which loses 82": the noun is understood from context
			accept = !d.kn.is("notjob", d.word(end)) && (f.jobs[s] || lastJobsSent >= s-1)
		case d.furtherBefore(k) && k2 == k && d.ellipsisEnd(end) && (lastJobsSent >= s-1 || f.jobs[s] && f.cut[s]):
			// "45 posts in pathology and a further 30 in radiology"
			accept = true
		case k2 == k && d.listedAfterOrg(k, orgEnds) && d.ellipsisEnd(end) && (f.cut[s] || lastJobsSent >= s-1):
			// "Liverpool PCT 85, Knowsley PCT 40 and Sefton PCT 35"
			accept = true
		case k2 == k && d.listedAfterNoun(k) && d.ellipsisEnd(end) && lastJobsSent == s:
			// "Scunthorpe General will lose 60 posts and the Grimsby hospital 55"
			accept = true
		case k2 == k && d.listedAfterCount(k) && d.ellipsisEnd(end) && lastJobsSent == s:
			// "30 nursing posts and 25 in the laboratory", "90 posts ...,
			// along with 110 in the regional offices"
			accept = true
		case d.workforceBy(k) && (f.cut[s] || d.kn.is("reduceverb", d.word(d.skipApprox(k-1)-1))):
			// "cut its workforce by a further 210", "bring its headcount
			// down by at least 275", "staff numbers will fall by 230"
			accept = true
		case d.jobNounOfBefore(k):
			accept = true
		case d.word(end2) == "of" && (f.cut[s] || cutBefore(f, s)):
			// "150 of the jobs at risk", "Between 60 and 80 of the posts
			// are in finance" after a sentence of cuts
			if w := d.word(end2 + 1); w == "the" || w == "these" || w == "those" || w == "its" || w == "their" {
				if _, _, ok := d.jobNounAfter(end2 + 2); ok {
					accept = true
				}
			}
			if w := d.word(end2 + 1); (w == "these" || w == "those" || w == "them") && lastJobsSent >= s-1 &&
				pronounEnd(d.word(end2+2)) && d.lastNumberIsJobs(k) {
				// "about 400 jobs. Some 250 of those will go this year":
				// the pronoun stands for the count before it, the last
				// number written (not "9,000 patients ... 250 of those")
				accept = true
			}
		}
		if !accept {
			continue
		}
		n := int64(v)
		d.add(Jobs, numberValue(n), n, k, end)
		if k2 != k {
			v2, _, _ := d.countAt(k2)
			n2 := int64(v2)
			d.add(Jobs, numberValue(n2), n2, k2, end2)
		}
		lastJobsSent = s
		k = end2 - 1
	}
}

// positionNoun reports whether the job noun ending before token end names
// positions ("posts", "jobs", "nursing posts") rather than people: in an
// article about cuts, a count of posts is a count of posts cut ("120
// nursing posts were included in the plans").
func (d *doc) positionNoun(end int) bool {
	switch d.word(end - 1) {
	case "posts", "jobs", "roles", "positions":
		return true
	}
	return false
}

// cutBefore reports whether a sentence before s is about cutting jobs.
func cutBefore(f sentenceFlags, s int) bool {
	for i := 0; i < s && i < len(f.cut); i++ {
		if f.cut[i] && f.jobs[i] {
			return true
		}
	}
	return false
}

// holdsBefore reports whether the count at token k is what something has
// rather than loses: "has 300 posts", "with 70 vacant posts".
func (d *doc) holdsBefore(k int) bool {
	for n := 0; n < 3 && d.kn.is("approx", d.word(k-1)); n++ {
		k-- // "has about 300 posts"
	}
	switch d.word(k - 1) {
	case "has", "have", "had", "with", "of", "vacant", "fill", "filled", "recruit", "advertise", "advertised":
		return true
	}
	return false
}

// rangeEnd reads the second number of a range that starts with the count
// at [k, end): "150 to 200", "between 150 and 200", "20 or 30", "40-50".
// It returns the value and end token of the second number.
func (d *doc) rangeEnd(k, end int) (float64, int, bool) {
	switch w := d.word(end); {
	case w == "to" || w == "or" || w == "-" || w == "\u2013":
	case w == "and" && d.word(k-1) == "between":
	default:
		return 0, 0, false
	}
	if end+1 >= len(d.toks) || d.claimed[end+1] {
		return 0, 0, false
	}
	if d.toks[end+1].kind != d.toks[k].kind {
		return 0, 0, false // "two to 300" is no range
	}
	v1, _, _ := d.countAt(k)
	v2, e2, ok := d.countAt(end + 1)
	if !ok || v2 < v1 || v2 > 10*v1 {
		return 0, 0, false // "from 300 to 250", "between 2 and 300": not a range of counts
	}
	return v2, e2, true
}

// furtherBefore reports whether the count at token k follows "a further",
// "another" or "a further" with an approximator ("another 25 posts").
func (d *doc) furtherBefore(k int) bool {
	w := d.word(k - 1)
	return w == "another" || (w == "further" && d.word(k-2) == "a")
}

// ellipsisEnd reports whether the count ending at token end stands alone,
// its noun understood: it is followed by punctuation, "and", or a
// preposition ("a further 30 in radiology"), not by a noun of its own.
func (d *doc) ellipsisEnd(end int) bool {
	if end >= len(d.toks) {
		return true
	}
	t := &d.toks[end]
	if t.kind == tPunct {
		return t.text != "%" && t.text != "£"
	}
	switch t.low {
	case "and", "in", "at", "from", "across", "on", "of", "more", "will", "would", "could", "are", "were":
		return t.low != "of" || d.word(end+1) == "them"
	case "to":
		// "a further 40 to follow", not "40 to 50"
		return end+1 < len(d.toks) && d.toks[end+1].kind == tWord && smallNumbers[d.toks[end+1].low] == 0
	}
	return false
}

// listedAfterOrg reports whether token k directly follows the name of a
// trust or hospital in a list: the count of "Knowsley PCT 40,", the
// bracket of "NHS Fife (312)". orgEnds holds the end offsets of the
// article's trust and hospital mentions.
func (d *doc) listedAfterOrg(k int, orgEnds map[int]bool) bool {
	if k == 0 || !d.toks[k].spaceBef || d.toks[k].kind != tNum && d.toks[k].text != "(" {
		return false
	}
	return orgEnds[d.toks[k-1].end]
}

// bracketed reports whether the count at tokens [k, end) stands alone in
// brackets: "(312)".
func (d *doc) bracketed(k, end int) bool {
	return d.word(k-1) == "(" && d.word(end) == ")" && !d.toks[k].spaceBef
}

// listedAfterNoun reports whether the count at token k directly follows a
// noun for a place of work in a list of counts: "and the Grimsby hospital
// 55".
func (d *doc) listedAfterNoun(k int) bool {
	if k == 0 || d.toks[k].kind != tNum {
		return false
	}
	switch d.word(k - 1) {
	case "hospital", "trust", "board", "site", "unit", "service", "ccg", "pct":
		return !d.toks[k-1].cap
	}
	return false
}

// listedAfterCount reports whether the count at token k is the next item of
// a list after another count of its sentence: "and 25 in", "along with
// 110 in", ", 40 in".
func (d *doc) listedAfterCount(k int) bool {
	switch d.word(d.skipApprox(k - 1)) {
	case "and", ",", "with", "plus", ":":
		return true
	}
	return false
}

// skipApprox returns the index of the first token at or before j that is
// not an approximator ("about", "at least", "up to") or "a further" or
// "another".
func (d *doc) skipApprox(j int) int {
	for n := 0; n < 3 && j >= 0; n++ {
		switch w := d.word(j); {
		case d.kn.is("approx", w) || w == "another":
			j--
		case w == "further" && d.word(j-1) == "a":
			j -= 2
		default:
			return j
		}
	}
	return j
}

// workforceBy reports whether the count at token k follows "by" (and
// approximators or "a further") after a workforce noun: "cut its workforce
// by a further 210", "bring its headcount down by at least 275".
func (d *doc) workforceBy(k int) bool {
	j := d.skipApprox(k - 1)
	return d.word(j) == "by" && d.workforceBefore(j)
}

// countAt reads a whole number at token k: digits ("1,200") or number words
// ("two hundred", "twenty-five"). end is the token after it.
func (d *doc) countAt(k int) (float64, int, bool) {
	t := &d.toks[k]
	if t.kind == tNum {
		if strings.HasPrefix(t.text, "0") || strings.Contains(t.text, ".") || t.num < 1 || t.num >= 1e6 {
			return 0, 0, false
		}
		if k+1 < len(d.toks) && !d.toks[k+1].spaceBef && d.toks[k+1].kind == tWord {
			return 0, 0, false
		}
		return t.num, k + 1, true
	}
	if t.kind == tWord {
		return d.numberWords(k)
	}
	return 0, 0, false
}

var smallNumbers = map[string]float64{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
	"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
	"fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
	"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
	"eighty": 80, "ninety": 90,
}

// numberWords parses "two hundred and fifty", "twenty-five", "a thousand".
func (d *doc) numberWords(k int) (float64, int, bool) {
	total, cur := 0.0, 0.0
	j := k
	seen := false
	for j < len(d.toks) {
		w := d.toks[j].low
		switch n := smallNumbers[w]; {
		case n > 0:
			cur += n
		case w == "hundred" && seen:
			cur *= 100
		case w == "thousand" && seen:
			total += cur * 1000
			cur = 0
		case (w == "and" && (d.word(j-1) == "hundred" || d.word(j-1) == "thousand") || d.toks[j].joiner) &&
			seen && j+1 < len(d.toks) && smallNumbers[d.toks[j+1].low] > 0:
			// "two hundred and fifty", "twenty-five"; not "two and three"
		default:
			if !seen {
				return 0, 0, false
			}
			v := total + cur
			return v, j, v >= 1
		}
		seen = true
		j++
	}
	if !seen {
		return 0, 0, false
	}
	return total + cur, j, total+cur >= 1
}

// notACount rejects numbers that are not job counts by their neighbours.
func (d *doc) notACount(k, end int, v float64) bool {
	next := d.word(end)
	if next == "%" || next == "per" || next == "percent" || next == "pc" {
		return true
	}
	prev := d.word(k - 1)
	if prev == "£" || prev == "$" || prev == "€" {
		return true
	}
	if d.kn.is("numprefix", prev) || d.kn.is("workforce", prev) || d.kn.is("hireverb", d.word(d.skipApprox(k-1))) {
		return true // "band 5", "employs 7,000", "recruiting 40 midwives"
	}
	if prev2 := d.word(k - 2); (prev2 == "out" && prev == "of") || (prev == "of" && d.kn.is("workforce", prev2)) {
		// "out of 10,000", "a workforce of 7,000"; but "A total of 90
		// posts are affected" counts when its sentence sizes no workforce
		if !(prev2 == "total" && d.word(k-3) == "a" && !d.sentenceHas(d.toks[k].sent, "employ", "workforce", "headcount")) {
			return true
		}
	}
	if prev == "in" && (d.toks[k-1].kind == tWord) && (d.word(k-2) == "one" || (k >= 2 && d.toks[k-2].kind == tNum)) {
		return true // "one in 10"
	}
	if v == 1 && (prev == "every" || prev == "each" || prev == "any" || prev == "no") {
		return true // "every one of these jobs"
	}
	// a bare four-digit year must be followed directly by its noun
	t := &d.toks[k]
	if t.kind == tNum && len(t.text) == 4 && v >= 1950 && v <= 2099 {
		if _, _, ok := d.jobNounAfterNoMods(end); !ok {
			return true
		}
	}
	if t.kind == tWord && math.Mod(v, 1) != 0 {
		return true
	}
	return false
}

// jobNounAfter looks for a job noun after up to four modifier words
// ("administrative", "North-East", "full-time", "nursing and midwifery").
// strong is true for nouns that are cuts themselves ("redundancies").
func (d *doc) jobNounAfter(j int) (end int, strong, found bool) {
	mods := 0
	for j < len(d.toks) && mods <= 4 {
		if e, s, ok := d.jobNounAt(j); ok {
			return e, s, true
		}
		t := &d.toks[j]
		switch {
		case t.joiner:
		case isHyphen([]rune(t.text)[0]) && !t.spaceBef && j+1 < len(d.toks) && !d.toks[j+1].spaceBef && j > 0 && d.toks[j-1].kind == tNum:
			// "a 500-job cut", "1,000-plus jobs"
			if d.word(j+1) == "plus" {
				j++
			}
		case t.kind == tWord:
			if d.kn.is("notjob", t.low) && (t.low == "hospital" || t.low == "trust") {
				if _, _, ok := d.jobNounAt(j + 1); ok {
					break // "200 hospital jobs"
				}
			}
			if d.kn.is("stop", t.low) && t.low != "and" || d.kn.is("notjob", t.low) || d.kn.is("posword", t.low) {
				return 0, false, false
			}
			if d.kn.is("cutword", t.low) || d.kn.is("said", t.low) {
				return 0, false, false
			}
			mods++
		default:
			return 0, false, false
		}
		j++
	}
	return 0, false, false
}

func (d *doc) jobNounAfterNoMods(j int) (int, bool, bool) { return d.jobNounAt(j) }

// pronounEnd reports whether w, after "N of those", shows "those" to be a
// pronoun rather than a determiner: a verb, an auxiliary or punctuation
// ("250 of those will go", "of them, 40 are nurses"), not a noun ("of those
// patients").
func pronounEnd(w string) bool {
	switch w {
	case "", ".", ",", ";", ":", ")", "will", "would", "could", "may", "might", "are", "were", "is", "was",
		"have", "has", "had", "to", "being", "go", "went":
		return true
	}
	return false
}

// lastNumberIsJobs reports whether the last number before token k is a job
// count already found.
func (d *doc) lastNumberIsJobs(k int) bool {
	for j := k - 1; j >= 0; j-- {
		if d.toks[j].kind != tNum {
			continue
		}
		for _, e := range d.ents {
			if e.Type == Jobs && e.Start <= d.toks[j].start && d.toks[j].end <= e.End {
				return true
			}
		}
		return false
	}
	return false
}

// jobNounAt matches a (possibly multi-word) job noun at token j.
func (d *doc) jobNounAt(j int) (int, bool, bool) {
	if j >= len(d.toks) || d.toks[j].kind != tWord {
		return 0, false, false
	}
	if m, ok := d.kn.lexDict["jobcutnoun"].longest(d.toks, j, nil); ok {
		return m.end, true, true
	}
	if m, ok := d.kn.lexDict["jobnoun"].longest(d.toks, j, nil); ok {
		return m.end, false, true
	}
	return 0, false, false
}

// workforceBefore reports whether a workforce noun ("workforce", "staff",
// "headcount", "posts") is among the five words before token k.
func (d *doc) workforceBefore(k int) bool {
	for j := k - 1; j >= 0 && j >= k-5; j-- {
		if w := d.word(j); w == "workforce" || w == "headcount" || w == "establishment" || d.kn.is("jobnoun", w) {
			return true
		}
	}
	return false
}

// jobNounOfBefore matches "job losses of (up to) N", "redundancies
// totalling N".
func (d *doc) jobNounOfBefore(k int) bool {
	j := k - 1
	for n := 0; n < 3 && j >= 0 && d.kn.is("approx", d.word(j)); n++ {
		j--
	}
	if j < 1 {
		return false
	}
	if w := d.word(j); w != "of" && w != "totalling" && w != "totaling" && w != "numbering" {
		return false
	}
	w := d.word(j - 1)
	return d.kn.is("jobcutnoun", w) || w == "cuts" && d.word(j-2) == "job" || w == "losses" && d.word(j-2) == "job"
}

// sentenceHas reports whether sentence s contains any of the phrases
// (lower case) in its lower-cased text.
func (d *doc) sentenceHas(s int, phrases ...string) bool {
	if s >= len(d.sentLo) {
		return false
	}
	lo := d.sentLo[s]
	hi := len(d.toks)
	if s+1 < len(d.sentLo) {
		hi = d.sentLo[s+1]
	}
	text := strings.ToLower(d.text[d.toks[lo].start:d.toks[hi-1].end])
	for _, p := range phrases {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}
