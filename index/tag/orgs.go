package tag

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// capsOK reports whether tokens [i, j) are written as a name: every word
// other than a connector ("and", "of", "upon") starts with a capital.
func (d *doc) capsOK(i, j int) bool {
	if !d.isCapWord(i) && d.toks[i].kind != tNum {
		return false
	}
	for k := i; k < j; k++ {
		t := &d.toks[k]
		if t.kind != tWord || t.cap {
			continue
		}
		if d.kn.is("connector", t.low) {
			continue
		}
		if t.low == "s" && k > 0 && d.toks[k-1].low == "'" {
			continue
		}
		if d.hyphenInner(k) {
			continue // "Weston-super-Mare", "Chapel-en-le-Frith"
		}
		return false
	}
	return true
}

// hyphenInner reports whether token k is a word joined by hyphens to the
// words on both sides, as the lower-case middle of "Weston-super-Mare" is.
func (d *doc) hyphenInner(k int) bool {
	return k > 0 && k+1 < len(d.toks) && d.toks[k-1].joiner && d.toks[k+1].joiner
}

// findGazetteerOrgs tags the NHS organisations and unions named in the
// gazetteers (data/nhs_orgs.tsv, data/unions.tsv), longest match first, and
// misspelt single-word union names (edit distance 1).
func (d *doc) findGazetteerOrgs() {
	for k := 0; k < len(d.toks); k++ {
		if d.claimed[k] || d.toks[k].kind == tPunct {
			continue
		}
		om, oko := d.kn.orgDict.longest(d.toks, k, func(m match) bool {
			if !d.capsOK(m.start, m.end) {
				return false
			}
			if d.isCapWord(m.start-1) && d.kn.is("hospitalprefix", d.word(m.start-1)) {
				return false // "Ysbyty Aneurin Bevan" is a hospital named after the man
			}
			if d.nameContinues(m.end) {
				return false // "NHS Leeds North CCG" is not NHS Leeds: leave it to the suffix rules
			}
			if d.suffixBeyond(m) {
				return false // "North Yorkshire and York PCT cluster": the cluster, not the PCT
			}
			if e := d.withApostrophe(m.end); d.word(e) == "hospitals" && !d.toks[e].cap {
				return false // "Guy's and St Thomas' hospitals" are two hospitals, not the trust
			}
			if t := &d.toks[m.start]; m.end-m.start == 1 && t.kind == tWord {
				if !t.upper && d.nameBefore(m.start) {
					return false // "the Christian Science Monitor"
				}
				if forms, ok := d.kn.acronyms[t.low]; ok {
					// an acronym alias only as written in the gazetteer or
					// in capitals: "EMAS", "RDaSH", not "Emas"
					return t.upper || slices.Contains(forms, t.text)
				}
			}
			return true
		})
		um, oku := d.kn.unionDict.longest(d.toks, k, func(m match) bool { return d.unionOK(m) })
		switch {
		case oko && (!oku || om.end >= um.end):
			o := d.eraOrg(om.payloads)
			end := om.end
			if e := d.withApostrophe(end); e > end && strings.Contains(o.canonical, strings.ReplaceAll(d.text[d.toks[om.start].start:d.toks[e-1].end], "\u2019", "'")) {
				end = e // "Guy's and St Thomas'": the apostrophe is the name's, not a possessive
			}
			d.addTrust(o, om.start, end)
			k = end - 1
		case oku:
			d.add(Union, d.kn.unions[um.payloads[0]].canonical, 0, um.start, um.end)
			k = um.end - 1
		default:
			if u, ok := d.fuzzyUnion(k); ok {
				d.add(Union, u, 0, k, k+1)
			}
		}
	}
}

// suffixBeyond reports whether an organisation suffix that starts inside
// gazetteer match m ends after it: "PCT cluster" after the PCT name
// "North Yorkshire and York PCT".
func (d *doc) suffixBeyond(m match) bool {
	for j := m.start + 1; j < m.end; j++ {
		if s, ok := d.kn.sufDict.longest(d.toks, j, func(s match) bool { return d.suffixCaseOK(s) }); ok && s.end > m.end {
			return true
		}
	}
	return false
}

// eraOrg chooses among the organisations one gazetteer name may mean, a
// brand that bodies of two eras used ("NHS Sussex": the PCT cluster of
// 2011-13 and the ICB since 2022): one the article has named already, else
// the one whose era the article's words show (lexicon.tsv's era-KIND
// classes: "PCTs" and "cluster", or "ICB" and "integrated care"), else the
// first declared.
func (d *doc) eraOrg(payloads []int) orgEntry {
	first := d.kn.orgs[payloads[0]]
	if len(payloads) == 1 {
		return first
	}
	for _, p := range payloads {
		if _, named := d.orgByName[d.kn.orgs[p].canonical]; named {
			return d.kn.orgs[p]
		}
	}
	var shown []orgEntry
	for _, p := range payloads {
		if o := d.kn.orgs[p]; d.eraWords(o.kind) {
			shown = append(shown, o)
		}
	}
	if len(shown) == 1 {
		return shown[0]
	}
	return first
}

// eraWords reports whether the article has a word of lexicon class
// era-<kind>.
func (d *doc) eraWords(kind string) bool {
	if v, ok := d.era[kind]; ok {
		return v
	}
	found := false
	if dict := d.kn.lexDict["era-"+kind]; dict != nil {
		for k := range d.toks {
			if _, ok := dict.longest(d.toks, k, nil); ok {
				found = true
				break
			}
		}
	}
	if d.era == nil {
		d.era = map[string]bool{}
	}
	d.era[kind] = found
	return found
}

// unionOK checks a union dictionary hit against the case rules of its
// aliases: acronyms exactly as written, names such as Unite with a capital.
func (d *doc) unionOK(m match) bool {
	surface := d.spanText(m.start, m.end)
	for _, p := range m.payloads {
		u := d.kn.unions[p]
		if u.alone && (d.nameBefore(m.start) || d.nameContinues(m.end)) {
			continue
		}
		switch {
		case u.exactCase:
			if surface == u.alias {
				return true
			}
		case u.capital:
			if d.toks[m.start].cap {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// fuzzyUnion matches a capitalised word of five letters or more that is one
// edit (insertion, deletion, substitution or transposition) from a
// single-word union name ("Unsion" -> Unison), unless the word is known as
// something else (a name, a place, a common word).
func (d *doc) fuzzyUnion(k int) (string, bool) {
	t := &d.toks[k]
	if t.kind != tWord || !t.cap || utf8.RuneCountInString(t.low) < 5 {
		return "", false
	}
	if d.kn.given[t.low] || d.kn.is("common", t.low) || d.kn.is("stop", t.low) {
		return "", false
	}
	if _, ok := d.kn.placeDict.entries[t.low]; ok {
		return "", false
	}
	for _, i := range d.kn.fuzzy {
		u := d.kn.unions[i]
		if osa(t.low, strings.ToLower(u.alias)) == 1 {
			return u.canonical, true
		}
	}
	return "", false
}

// osa returns the optimal string alignment distance between a and b
// (Levenshtein plus transposition of adjacent runes), capped at 2.
func osa(a, b string) int { return OSADistance(a, b, 1) }

// OSADistance is the optimal string alignment distance between a and b
// in runes (Levenshtein with transpositions of adjacent runes, as the
// automata of scorch count), or max+1 when it exceeds max.
func OSADistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], max+1)
}

// addTrust records a trust mention.
func (d *doc) addTrust(o orgEntry, i, j int) {
	e := d.add(Trust, o.canonical, 0, i, j)
	d.trusts = append(d.trusts, orgMention{ent: e, org: o, tok: i, tend: j})
	if _, seen := d.orgByName[o.canonical]; seen {
		return
	}
	d.orgByName[o.canonical] = o
	d.orgFirst[o.canonical] = i
	if len(o.stem) > 0 {
		w := strings.ToLower(o.stem[0])
		d.orgByWord[w] = append(d.orgByWord[w], o.canonical)
	}
	if d.kindOrgs[o.kind] == nil {
		d.kindOrgs[o.kind] = map[string]bool{}
	}
	d.kindOrgs[o.kind][o.canonical] = true
}

// findSuffixOrgs tags organisations that are not in the gazetteer by their
// suffix ("... NHS Foundation Trust", "... PCT", "... Health Board"): the
// capitalised words before the suffix are the name.
func (d *doc) findSuffixOrgs() {
	for k := 0; k < len(d.toks); k++ {
		if d.claimed[k] || d.toks[k].kind != tWord {
			continue
		}
		m, ok := d.kn.sufDict.longest(d.toks, k, func(m match) bool { return d.suffixCaseOK(m) })
		if !ok {
			continue
		}
		s := d.kn.suffixes[m.payloads[0]]
		i := d.nameStart(k)
		if i == k {
			continue
		}
		if d.toks[k-1].low == "s" && k >= 2 && d.toks[k-2].low == "'" {
			continue // "Cornwall's clinical commissioning group" describes, it does not name
		}
		if s.needsDesc && !d.kn.is("healthdesc", d.toks[k-1].low) {
			continue
		}
		if s.plural {
			// "the East Midlands and East of England SHAs" names each; "the
			// three Leeds CCGs" names none
			items := d.listItems(d.listStart(i), k, s)
			for n, it := range items {
				end := it[1]
				if n == len(items)-1 {
					end = m.end
				}
				d.addSuffixOrg(s, it[0], it[1], end)
			}
			k = m.end - 1
			continue
		}
		if d.descriptorsOnly(i, k) {
			// "the county's Mental Health NHS Foundation Trust": no place or
			// name word, so no organisation of its own; it may be the end of
			// one named earlier.
			name := strings.TrimPrefix(d.nameText(i, k), "The ")
			o := orgEntry{kind: s.kind, stem: d.kn.stemOf(name + " " + s.canonical)}
			if prev, ok := d.partOfEarlierName(o); ok {
				d.addTrust(prev, i, m.end)
			}
			k = m.end - 1
			continue
		}
		d.addSuffixOrg(s, i, k, m.end)
		k = m.end - 1
	}
	d.resolveShortNames()
}

// addSuffixOrg tags tokens [i, end) as the organisation named by tokens
// [i, k) and suffix s: the gazetteer's organisation of that name, else
// one named earlier of which it is a part ("the West CCG" after "NHS Leeds
// West CCG"), else a new one.
func (d *doc) addSuffixOrg(s suffixEntry, i, k, end int) {
	name := strings.TrimPrefix(d.nameText(i, k), "The ")
	if s.noNHS {
		name = strings.TrimPrefix(name, "NHS ")
	}
	canon := name + " " + s.canonical
	if s.nhsPrefix && !strings.HasPrefix(name, "NHS ") {
		canon = "NHS " + canon
	}
	o, known := d.lookupOrg(canon)
	built := false
	if !known {
		o = orgEntry{canonical: canon, kind: s.kind, stem: d.kn.stemOf(canon)}
		if prev, ok := d.partOfEarlierName(o); ok {
			o = prev
		} else {
			built = true
		}
	}
	d.addTrust(o, i, end)
	d.trusts[len(d.trusts)-1].built = built
}

// listStart extends the name that starts at token i back over the earlier
// items of a list: "NHS Leeds North, Leeds West and Leeds South and East
// CCGs".
func (d *doc) listStart(i int) int {
	for i >= 2 && d.word(i-1) == "," && d.isCapWord(i-2) && !d.claimed[i-1] {
		j := d.nameStart(i - 1)
		if j == i-1 {
			break
		}
		i = j
	}
	return i
}

// listItems splits the names of tokens [i, k), before plural suffix s,
// into one name per organisation, as [start, end) token pairs: the split
// at commas, "and" and "&" whose items all name organisations of the
// gazetteer ("East Midlands" and "East of England" SHAs), else every comma
// and the first "and" of the last item. It returns nil for a single name.
func (d *doc) listItems(i, k int, s suffixEntry) [][2]int {
	var seps []int
	for j := i; j < k; j++ {
		if w := d.word(j); w == "," || w == "and" || w == "&" {
			seps = append(seps, j)
		}
	}
	if len(seps) == 0 || len(seps) > 8 {
		return nil
	}
	split := func(cut []int) [][2]int {
		var items [][2]int
		from := i
		for _, c := range append(cut, k) {
			a := from
			for a < c && (d.word(a) == "the" || d.toks[a].kind == tPunct) {
				a++
			}
			if a >= c || !d.isCapWord(a) {
				return nil
			}
			items = append(items, [2]int{a, c})
			from = c + 1
		}
		return items
	}
	known := func(it [2]int) bool {
		name := strings.TrimPrefix(d.nameText(it[0], it[1]), "NHS ")
		canon := name + " " + s.canonical
		if s.nhsPrefix {
			canon = "NHS " + canon
		}
		_, ok := d.lookupOrg(canon)
		return ok
	}
	var best [][2]int
	for mask := 1; mask < 1<<len(seps); mask++ {
		var cut []int
		for b, j := range seps {
			if mask&(1<<b) != 0 {
				cut = append(cut, j)
			}
		}
		items := split(cut)
		if items == nil {
			continue
		}
		all := true
		for _, it := range items {
			all = all && known(it)
		}
		if all && len(items) > len(best) {
			best = items
		}
	}
	if best != nil {
		return best
	}
	var cut []int
	for _, j := range seps {
		if d.word(j) == "," {
			cut = append(cut, j)
		}
	}
	last := i
	if len(cut) > 0 {
		last = cut[len(cut)-1]
	}
	for _, j := range seps {
		if j > last && d.word(j) != "," {
			cut = append(cut, j)
			break
		}
	}
	return split(cut)
}

// resolveShortNames gives an organisation that the suffix rules built from
// a short name the name of the one longer organisation of its kind that
// the article names later: a headline's "Birmingham PCT cluster" before
// "the Birmingham and Solihull PCT cluster".
func (d *doc) resolveShortNames() {
	for n := range d.trusts {
		m := &d.trusts[n]
		if !m.built {
			continue
		}
		p, ok := d.partOfEarlierName(m.org)
		if !ok {
			continue
		}
		old := m.org.canonical
		m.org, m.built = p, false
		d.ents[m.ent].Value = p.canonical
		if !slices.ContainsFunc(d.trusts, func(o orgMention) bool { return o.org.canonical == old }) {
			d.forgetOrg(old)
		}
	}
}

// forgetOrg removes the organisation named name from the article's maps.
func (d *doc) forgetOrg(name string) {
	o := d.orgByName[name]
	delete(d.orgByName, name)
	delete(d.orgFirst, name)
	delete(d.kindOrgs[o.kind], name)
	if len(o.stem) > 0 {
		w := strings.ToLower(o.stem[0])
		d.orgByWord[w] = slices.DeleteFunc(d.orgByWord[w], func(n string) bool { return n == name })
	}
}

// descriptorsOnly reports whether the words of tokens [i, k) only describe
// a health organisation ("Mental Health", "Hospital", "University
// Hospitals", "Community Healthcare") without naming it. Specialties are
// names: "Royal Orthopaedic Hospital NHS Foundation Trust" is one.
func (d *doc) descriptorsOnly(i, k int) bool {
	for j := i; j < k; j++ {
		t := &d.toks[j]
		if t.kind != tWord {
			continue
		}
		switch {
		case d.kn.is("healthdesc", t.low), d.kn.is("hospitalhead", t.low),
			d.kn.is("connector", t.low), d.kn.is("orgdesc", t.low):
		default:
			return false
		}
	}
	return true
}

// lookupOrg finds a gazetteer organisation by loose key.
func (d *doc) lookupOrg(canon string) (orgEntry, bool) {
	if i, ok := d.kn.orgByKey[d.kn.looseKey(canon)]; ok {
		return d.kn.orgs[i], true
	}
	return orgEntry{}, false
}

// suffixCaseOK: acronyms (PCT, SHA) must be upper case as written; word
// suffixes may be in any case, but a bare "Trust" needs its capital.
func (d *doc) suffixCaseOK(m match) bool {
	s := d.kn.suffixes[m.payloads[0]]
	if s.acronym {
		for k := m.start; k < m.end; k++ {
			if t := &d.toks[k]; t.kind == tWord && len(t.text) > 1 && !t.upper && !isAcronym(strings.TrimSuffix(t.text, "s")) {
				return false // "PCT" and "PCTs", not "Pct"
			}
		}
	}
	if s.capital || s.needsDesc {
		return d.toks[m.start].cap
	}
	return true
}

// nameStart walks back from token k over the words of a proper name:
// capitalised words, connectors between them ("and", "of", "&", "upon"),
// hyphens, possessives ("Guy's") and "St." It stops at a claimed token, a
// function word ("The", "At", "Yesterday"), a role word ("Executive") or
// punctuation, and returns the index of the name's first token (k if none).
func (d *doc) nameStart(k int) int {
	i := k
	for j := k - 1; j >= 0 && k-j <= 12; j-- {
		t := &d.toks[j]
		if d.claimed[j] {
			break
		}
		if t.joiner {
			continue
		}
		if t.kind == tPunct {
			if t.low == "'" && !t.spaceBef {
				continue
			}
			if t.text == "." && j > 0 && abbreviations[d.toks[j-1].low] && !t.spaceBef {
				continue
			}
			if t.text == "&" {
				continue
			}
			break
		}
		if t.kind != tWord {
			break
		}
		if t.cap {
			if d.kn.is("stop", t.low) || d.kn.is("rolehead", t.low) || d.kn.is("title", t.low) {
				break
			}
			i = j
			continue
		}
		if t.low == "s" && j > 0 && d.toks[j-1].low == "'" {
			continue
		}
		if d.hyphenInner(j) {
			continue // "Weston-super-Mare General Hospital"
		}
		if d.kn.is("connector", t.low) && j > 0 && (d.isCapWord(j-1) || d.toks[j-1].joiner || d.toks[j-1].low == "'") {
			if t.low == "and" && d.townListBefore(j) && !d.onlyDescriptors(j+1, k) {
				break // "in Penzance and St Michael's Hospital"
			}
			if t.low == "and" && (d.kn.is("hospitalhead", d.word(j-1)) || d.medicalCentre(j-1)) {
				break // "Queen's Medical Centre and Nottingham City Hospital": two
			}
			continue
		}
		break
	}
	// the name starts with a word, not a connector or possessive
	for i < k && (d.toks[i].kind != tWord || !d.toks[i].cap) {
		i++
	}
	return i
}

// findAcronymDefinitions links an acronym in brackets after a trust, union
// or hospital ("Oxford Radcliffe Hospitals NHS Trust (ORH)") to it; the
// bracketed acronym is itself a mention, and so are later uses.
func (d *doc) findAcronymDefinitions() {
	n := len(d.ents)
	for e := 0; e < n; e++ {
		ent := d.ents[e]
		if ent.Type != Trust && ent.Type != Union && ent.Type != Hospital {
			continue
		}
		j := d.tokenAt(ent.End)
		if j+2 >= len(d.toks) || d.toks[j].text != "(" || d.toks[j+2].text != ")" {
			continue
		}
		a := &d.toks[j+1]
		if a.kind != tWord || !looksLikeAcronym(a.text) || d.claimed[j+1] {
			continue
		}
		if _, generic := d.kn.sufDict.entries[a.low]; generic || a.low == "nhs" {
			continue
		}
		if o, ok := d.orgByName[ent.Value]; ok && ent.Type == Trust {
			d.addTrust(o, j+1, j+2)
			continue
		}
		d.add(ent.Type, ent.Value, 0, j+1, j+2)
	}
}

// tokenAt returns the index of the first token starting at or after byte
// offset off.
func (d *doc) tokenAt(off int) int {
	lo, hi := 0, len(d.toks)
	for lo < hi {
		m := (lo + hi) / 2
		if d.toks[m].start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// looksLikeAcronym accepts acronyms as organisations write them: two to
// eight letters, starting with a capital, at least two capitals ("ORH",
// "SLaM", "RDaSH").
func looksLikeAcronym(s string) bool {
	if len(s) < 2 || len(s) > 8 {
		return false
	}
	upper := 0
	for i, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
		if unicode.IsUpper(r) {
			upper++
		} else if i == 0 {
			return false
		}
	}
	return upper >= 2
}

// nameContinues reports whether token k carries on a proper name: a
// capitalised word that does not start a sentence, or an organisation
// suffix such as "PCT".
func (d *doc) nameContinues(k int) bool {
	if k >= len(d.toks) || d.toks[k].sentStart {
		return false
	}
	if d.isCapWord(k) && !d.kn.is("connector", d.toks[k].low) {
		return true
	}
	_, ok := d.kn.sufDict.longest(d.toks, k, func(m match) bool { return d.suffixCaseOK(m) })
	return ok
}

// partOfEarlierName finds an organisation of the same kind named earlier
// whose name ends with, or starts with, all of o's name words: a later
// "West CCG" is "NHS Leeds West CCG", if only one such organisation exists.
func (d *doc) partOfEarlierName(o orgEntry) (orgEntry, bool) {
	if len(o.stem) == 0 {
		return o, false
	}
	var found []orgEntry
	for _, name := range d.orgOrder() {
		p := d.orgByName[name]
		if p.kind != o.kind || len(p.stem) <= len(o.stem) {
			continue
		}
		n := len(o.stem)
		if strings.EqualFold(strings.Join(p.stem[len(p.stem)-n:], " "), strings.Join(o.stem, " ")) ||
			strings.EqualFold(strings.Join(p.stem[:n], " "), strings.Join(o.stem, " ")) {
			found = append(found, p)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return o, false
}

// townListBefore reports whether the "and" at token j follows a place
// that itself follows a locative ("in", "near"): "... Hospital in Penzance
// and St Michael's Hospital" joins two mentions, not one name (unless only
// descriptors follow: "at Dewsbury and District Hospital").
func (d *doc) townListBefore(j int) bool {
	for n := 1; n <= 3 && j-n-1 >= 0; n++ {
		l := j - n - 1
		if d.isCapWord(l) && !d.toks[l].sentStart {
			continue // "East Midlands": the capital makes "East" part of the place
		}
		if _, place := d.kn.placeDict.entries[d.spanKey(j-n, j)]; place && d.kn.is("locative", d.word(l)) && d.word(l) != "of" {
			return true // "in Penzance and ...", "near Merthyr Tydfil and ..."
		}
	}
	return false
}
