package tag

import (
	"sort"
	"strings"
)

// findAliases tags later mentions of entities already found, by another
// name, and gives them the same canonical value:
//   - trusts by acronym (defined in brackets, or the initials of the name:
//     "MYHT"), by the start of the name ("the Rotherham", "Oxford
//     Radcliffe"), or by their kind when only one of that kind is named
//     ("the Strategic Health Authority", "the PCT");
//   - hospitals by the start of the name ("the Churchill");
//   - people by title and surname ("Mr Ladbrooke") or surname alone ("James
//     said"), if one full name with that surname is in the article.
func (d *doc) findAliases() {
	acr := d.trustAcronyms()
	for k := 0; k < len(d.toks); k++ {
		if d.claimed[k] || d.toks[k].kind != tWord {
			continue
		}
		t := &d.toks[k]
		if looksLikeAcronym(t.text) {
			if o, ok := acr[t.text]; ok {
				d.addTrust(o, k, k+1)
				continue
			}
		}
		if end, ok := d.genericTrust(k); ok {
			k = end - 1
			continue
		}
		if !t.cap {
			continue
		}
		if end, ok := d.personAlias(k); ok {
			k = end - 1
			continue
		}
		if end, ok := d.trustShortForm(k); ok {
			k = end - 1
			continue
		}
		if end, ok := d.hospitalShortForm(k); ok {
			k = end - 1
		}
	}
}

// trustAcronyms maps acronyms to the article's trusts: acronyms written as a
// trust mention (a bracketed definition or a gazetteer alias) and the
// initials of each trust's name, with and without its suffix.
func (d *doc) trustAcronyms() map[string]orgEntry {
	acr := map[string]orgEntry{}
	for _, m := range d.trusts {
		if e := d.ents[m.ent]; looksLikeAcronym(e.Text) {
			acr[e.Text] = m.org
		}
	}
	for _, name := range d.orgOrder() {
		o := d.orgByName[name]
		var full, stem strings.Builder
		for _, w := range strings.Fields(o.canonical) {
			if w == "NHS" || w == "and" || w == "of" || w == "&" {
				continue
			}
			full.WriteString(strings.ToUpper(w[:1]))
		}
		for _, w := range o.stem {
			if w == "and" || w == "of" {
				continue
			}
			stem.WriteString(strings.ToUpper(w[:1]))
		}
		for _, a := range []string{full.String(), stem.String()} {
			if len(a) >= 3 && !d.kn.is("common", strings.ToLower(a)) {
				if _, clash := acr[a]; !clash {
					acr[a] = o
				}
			}
		}
	}
	return acr
}

// genericTrust tags "the Strategic Health Authority", "the SHA", "the PCT"
// when exactly one organisation of that kind is named in the article.
func (d *doc) genericTrust(k int) (int, bool) {
	if k == 0 || d.word(k-1) != "the" {
		return 0, false
	}
	m, ok := d.kn.sufDict.longest(d.toks, k, func(m match) bool {
		return d.suffixCaseOK(m) && d.toks[m.start].cap
	})
	if !ok {
		return 0, false
	}
	kind := d.kn.suffixes[m.payloads[0]].kind
	if len(d.kindOrgs[kind]) != 1 {
		return 0, false
	}
	for name := range d.kindOrgs[kind] {
		d.addTrust(d.orgByName[name], m.start, m.end)
	}
	return m.end, true
}

// trustShortForm tags a mention by the leading words of a trust named
// earlier: "the Rotherham" (one word needs "the" and must not be a generic
// word such as "North"), "Oxford Radcliffe" (two or more words).
func (d *doc) trustShortForm(k int) (int, bool) {
	if d.toks[k].text == "NHS" && k+1 < len(d.toks) {
		// "NHS Greater Manchester" for NHS Greater Manchester Integrated
		// Care Board: "NHS" and the whole name without its suffix.
		for _, name := range d.orgByWord[d.toks[k+1].low] {
			o := d.orgByName[name]
			if d.orgFirst[name] >= k {
				continue
			}
			if end, ok := d.wholeStem(k+1, o.stem); ok {
				d.addTrust(o, k, end)
				return end, true
			}
		}
	}
	for _, name := range d.orgByWord[d.toks[k].low] {
		if d.orgFirst[name] >= k {
			continue
		}
		o := d.orgByName[name]
		if end, ok := d.stemPrefix(k, o.stem); ok {
			d.addTrust(o, k, end)
			return end, true
		}
	}
	return 0, false
}

// hospitalShortForm tags "the Churchill" after "Churchill Hospital".
func (d *doc) hospitalShortForm(k int) (int, bool) {
	for _, h := range d.hospitals[d.toks[k].low] {
		if h.tok >= k {
			continue
		}
		if end, ok := d.stemPrefix(k, h.stem); ok {
			d.add(Hospital, h.value, 0, k, end)
			return end, true
		}
	}
	return 0, false
}

// stemPrefix matches the longest prefix of stem (lower-case words) at token
// k under the short-form rules and returns the end token.
func (d *doc) stemPrefix(k int, stem []string) (int, bool) {
	var lows []string
	for _, w := range stem {
		lows = append(lows, strings.ToLower(w))
	}
	// collect the word units at k
	end, n := k, 0
	var ends []int
	for j := k; j < len(d.toks) && n < len(lows); j++ {
		u := unitKey(d.toks, j)
		if u == "" {
			continue
		}
		if u != lows[n] || d.claimed[j] {
			break
		}
		n++
		end = j + 1
		ends = append(ends, end)
	}
	for n > 0 {
		end = ends[n-1]
		if d.shortFormOK(k, end, n) {
			return end, true
		}
		n--
	}
	return 0, false
}

func (d *doc) shortFormOK(k, end, n int) bool {
	if !d.capsOK(k, end) {
		return false
	}
	if end < len(d.toks) && d.isCapWord(end) && !d.toks[end].sentStart {
		return false // part of a longer name
	}
	if d.kn.is("placenoun", d.word(end)) {
		return false // "the Rotherham area"
	}
	the := k > 0 && d.word(k-1) == "the"
	isPlace := d.allPlaces(k, end)
	if isPlace && the && d.kn.is("locative", d.word(k-2)) {
		return false // "in the North-East" is the region, not its SHA
	}
	if isPlace && d.region(k, end) && !d.kn.is("said", d.word(end)) {
		return false // "The South West has lost 300 jobs": the region; "the South West said": its SHA
	}
	if n == 1 {
		return the && !d.kn.is("generic", d.toks[k].low)
	}
	return !isPlace || the
}

// allPlaces reports whether tokens [k, end) are a place or places joined
// by connectors ("Norfolk", "Norfolk and Suffolk", "Cheshire and
// Merseyside"): such words name the places when they stand alone, even if a
// trust of the article is named after them.
func (d *doc) allPlaces(k, end int) bool {
	if _, ok := d.kn.placeDict.entries[d.spanKey(k, end)]; ok {
		return true
	}
	j := k
	joined := true // a place may start here: at k or after a connector
	for j < end {
		if d.toks[j].kind == tWord && d.kn.is("connector", d.toks[j].low) || d.toks[j].kind == tPunct {
			j++
			joined = true
			continue
		}
		if !joined {
			return false // "Oxford Radcliffe": two place names side by side are one name
		}
		m, ok := d.kn.placeDict.longest(d.toks, j, nil)
		if !ok || m.end > end {
			return false
		}
		j = m.end
		joined = false
	}
	return true
}

// region reports whether tokens [k, end) name a region or a country of
// the place gazetteer ("North West", "South Wales"), which "the" makes no
// short form of an organisation named after it, as it does a town ("the
// Rotherham").
func (d *doc) region(k, end int) bool {
	m, ok := d.kn.placeDict.longest(d.toks, k, nil)
	if !ok || m.end != end {
		return false
	}
	for _, p := range m.payloads {
		if kind := d.kn.places[p].kind; kind != "region" && kind != "country" {
			return false
		}
	}
	return true
}

// spanKey is the dictionary key of tokens [i, j).
func (d *doc) spanKey(i, j int) string {
	var parts []string
	for k := i; k < j; k++ {
		if u := unitKey(d.toks, k); u != "" {
			parts = append(parts, u)
		}
	}
	return strings.Join(parts, " ")
}

// personAlias tags "Mr Ladbrooke" and "Ladbrooke" when exactly one full
// name in the article ends in that surname (the most recent one before the
// mention wins when several do).
func (d *doc) personAlias(k int) (int, bool) {
	start := k
	if d.kn.is("title", d.toks[k].low) {
		start = k + 1
		if start < len(d.toks) && d.toks[start].text == "." && !d.toks[start].spaceBef {
			start++
		}
	}
	if !d.isCapWord(start) || d.claimed[start] {
		return 0, false
	}
	end := start + 1
	for end+1 < len(d.toks) && d.toks[end].joiner && d.isCapWord(end+1) {
		end += 2
	}
	surname := d.spanText(start, end)
	if end < len(d.toks) && d.isCapWord(end) && !d.toks[end].sentStart && !d.postNominal(end) {
		return 0, false
	}
	var best *personMention
	cands := d.people[surname]
	for i := range cands {
		p := &cands[i]
		if best == nil || (p.tok < k && (best.tok > k || p.tok > best.tok)) {
			best = p
		}
	}
	if best == nil {
		return 0, false
	}
	if start == k {
		// a bare surname: only after the full name, and not a common word
		// at the start of a sentence ("Hill" yes, "Toward the end" no).
		if best.tok > k || d.kn.is("stop", d.toks[k].low) || d.kn.is("common", d.toks[k].low) {
			return 0, false
		}
	}
	d.add(Person, best.value, 0, start, end) // the title is not part of the name
	return end, true
}

// orgOrder returns the article's distinct trusts in order of first mention.
func (d *doc) orgOrder() []string {
	names := make([]string, 0, len(d.orgByName))
	for n := range d.orgByName {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return d.orgFirst[names[i]] < d.orgFirst[names[j]] })
	return names
}

// wholeStem matches all of stem at token k, not followed by another
// capitalised word, and returns the end token.
func (d *doc) wholeStem(k int, stem []string) (int, bool) {
	n := 0
	end := k
	for j := k; j < len(d.toks) && n < len(stem); j++ {
		u := unitKey(d.toks, j)
		if u == "" {
			continue
		}
		if u != strings.ToLower(stem[n]) || d.claimed[j] || !d.capsOK(j, j+1) && !d.kn.is("connector", u) {
			return 0, false
		}
		n++
		end = j + 1
	}
	if n < len(stem) || n == 0 {
		return 0, false
	}
	if end < len(d.toks) && d.isCapWord(end) && !d.toks[end].sentStart {
		return 0, false
	}
	return end, true
}
