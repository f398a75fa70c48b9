package tag

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// findHospitals tags named hospitals in five passes, each on the tokens
// the earlier ones left:
//
//  1. full names of the gazetteer (data/hospitals.tsv): "Diana, Princess of
//     Wales Hospital", "King's Mill Hospital", "City Hospital" (findKnownHospitals);
//  2. other full names, by their head word: "Dewsbury and District
//     Hospital", "Royal Victoria Infirmary", "Eastbourne DGH" (findHeadHospitals);
//  3. Welsh names, head word first: "Ysbyty Gwynedd" (findWelshHospitals);
//  4. lists before a plural head: "the Royal London, Whipps Cross and
//     Newham General hospitals" (findHospitalLists);
//  5. short and local names: "Guy's", "Treliske", "the Whittington", "the
//     QMC", "the DGH" (findShortHospitals).
func (d *doc) findHospitals() {
	d.findKnownHospitals()
	d.findHeadHospitals()
	d.findWelshHospitals()
	d.findHospitalLists()
	d.findShortHospitals()
}

// findKnownHospitals tags the full names of the gazetteer, longest first,
// unless a capitalised word before or after the name makes it part of a
// longer one ("Leeds City Hospital" is not Nottingham's City Hospital,
// "University Hospital Coventry Road" no hospital). A full name is reported
// as written; a short form that ends in a head word ("City Hospital") with
// the gazetteer's name.
func (d *doc) findKnownHospitals() {
	for k := 0; k < len(d.toks); k++ {
		if d.claimed[k] || d.toks[k].kind != tWord || !d.toks[k].cap {
			continue
		}
		var entry int
		canonical := false
		m, ok := d.kn.hospDict.longest(d.toks, k, func(m match) bool {
			if !d.free(m.start, m.end) || d.nameBefore(m.start) || d.nameContinues(m.end) {
				return false
			}
			var cands []int
			canonical = false
			for _, p := range m.payloads {
				n := d.kn.hospNames[p]
				if n.full && (!n.the || d.word(m.start-1) == "the") && (!n.upper || d.allUpper(m.start, m.end)) &&
					d.writtenAsName(m.start, m.end, d.kn.hosps[n.entry].name) {
					cands = append(cands, n.entry)
					canonical = canonical || n.canonical
				}
			}
			var ok bool
			entry, ok = d.pickHospital(cands)
			return ok
		})
		if !ok {
			continue
		}
		end := d.withApostrophe(m.end)
		if canonical {
			// the name as written ("St. Thomas' Hospital", "Ysbyty Ystrad-Fawr")
			d.addHospital(m.start, end)
		} else {
			// a short full form: "City Hospital" in Nottingham
			d.addHospitalAt(d.kn.hosps[entry].name, m.start, end)
		}
		k = m.end - 1
	}
}

// writtenAsName reports whether tokens [i, j) are written as the name
// name is: with capitals, except for connectors and the lower-case words
// of the name itself ("Bristol Royal Hospital for Children").
func (d *doc) writtenAsName(i, j int, name string) bool {
	if !d.isCapWord(i) {
		return false
	}
	for k := i; k < j; k++ {
		t := &d.toks[k]
		if t.kind == tWord && !t.cap && !d.kn.is("connector", t.low) && !d.hyphenInner(k) &&
			!(t.low == "s" && k > 0 && d.toks[k-1].low == "'") && !strings.Contains(" "+name+" ", " "+t.text+" ") {
			return false
		}
	}
	return true
}

// nameBefore reports whether the token before k is a capitalised word that
// carries a name on into token k ("Leeds City Hospital"), rather than a
// function word, a title or the first word of a sentence.
func (d *doc) nameBefore(k int) bool {
	if k == 0 || d.toks[k].sentStart || !d.isCapWord(k-1) || d.claimed[k-1] {
		return false
	}
	w := d.toks[k-1].low
	for _, c := range []string{"stop", "locative", "title", "role", "rolehead", "said", "calendar"} {
		if d.kn.is(c, w) {
			return false
		}
	}
	return true
}

// allUpper reports whether every word of tokens [i, j) is in capitals, as
// an acronym must be ("QMC", not "Qmc").
func (d *doc) allUpper(i, j int) bool {
	for k := i; k < j; k++ {
		if t := &d.toks[k]; t.kind == tWord && !t.upper && t.text != "s" {
			if utf8.RuneCountInString(t.text) > 1 || !unicode.IsUpper([]rune(t.text)[0]) {
				return false
			}
		}
	}
	return true
}

// withApostrophe extends a name that ends before an attached apostrophe
// over it ("St Thomas'"), unless the apostrophe starts a possessive 's.
func (d *doc) withApostrophe(end int) int {
	if end < len(d.toks) && d.toks[end].low == "'" && !d.toks[end].spaceBef && d.toks[end].kind == tPunct {
		if end+1 < len(d.toks) && !d.toks[end+1].spaceBef && d.toks[end+1].kind == tWord {
			return end
		}
		return end + 1
	}
	return end
}

// pickHospital chooses among gazetteer hospitals (entry indices) that one
// name may mean: their common full name, else the one already named in
// the article, else the one whose town the article names. It fails when
// none or several remain.
func (d *doc) pickHospital(entries []int) (int, bool) {
	if len(entries) == 0 {
		return 0, false
	}
	same := true
	for _, e := range entries[1:] {
		if d.kn.hosps[e].name != d.kn.hosps[entries[0]].name {
			same = false
		}
	}
	if same {
		return entries[0], true
	}
	pick := func(ok func(e int) bool) (int, bool) {
		found, n := 0, 0
		var names []string
		for _, e := range entries {
			if ok(e) && !slices.Contains(names, d.kn.hosps[e].name) {
				found, n = e, n+1
				names = append(names, d.kn.hosps[e].name)
			}
		}
		return found, n == 1
	}
	if e, ok := pick(func(e int) bool { _, seen := d.hospSeen[d.kn.hosps[e].name]; return seen }); ok {
		return e, true
	}
	return pick(func(e int) bool { return d.townNamed(d.kn.hosps[e].town) })
}

// townNamed reports whether the article names town, itself or through a
// gazetteer hospital in it that it has named ("Southmead and the BRI":
// Southmead is in Bristol).
func (d *doc) townNamed(town string) bool {
	if strings.Contains(d.text, town) {
		return true
	}
	for v := range d.hospSeen {
		if d.kn.hospTown[v] == town {
			return true
		}
	}
	return false
}

// findHeadHospitals tags names by their head word: the capitalised words
// before "Hospital", "Infirmary" or "DGH" as in "Dewsbury and District
// Hospital", "Royal Victoria Infirmary", "Guy's Hospital", "Eastbourne DGH",
// and the name after it in "Hospital of St Cross". A possessive place
// before the name ("Taunton's Musgrove Park Hospital") is left out; a name
// made only of descriptors ("the General Hospital") is not a named
// hospital.
func (d *doc) findHeadHospitals() {
	for k := 0; k < len(d.toks); k++ {
		t := &d.toks[k]
		if d.claimed[k] || t.kind != tWord || !t.cap || !(d.kn.is("hospitalhead", t.low) || d.medicalCentre(k)) {
			continue
		}
		i := d.hospitalStart(k)
		end := k + 1
		if i < k && d.onlyDescriptors(i, k) {
			// "University Hospital Coventry": descriptors, head, place
			if m, ok := d.kn.placeDict.longest(d.toks, k+1, func(m match) bool { return d.capsOK(m.start, m.end) }); ok &&
				d.free(m.start, m.end) && !d.nameContinues(m.end) {
				d.addHospital(i, m.end)
				k = m.end - 1
				continue
			}
		}
		if i == k || d.onlyDescriptors(i, k) {
			// "Hospital of St Cross", "Royal Infirmary of Edinburgh": the
			// name follows the head; descriptors before it belong to it.
			if d.word(k+1) == "of" && d.isCapWord(k+2) {
				j := k + 2
				for j < len(d.toks) && !d.claimed[j] && (d.isCapWord(j) || (d.toks[j].text == "." && abbreviations[d.word(j-1)])) {
					j++
				}
				from := d.nameStart(k)
				if from < k && !d.onlyDescriptors(from, k) {
					from = k
				}
				d.addHospital(from, j)
				k = j - 1
			}
			continue
		}
		d.addHospital(i, end)
	}
}

// medicalCentre reports whether token k is the "Centre" of a hospital
// called "... Medical Centre" whose name shows it is a hospital, not a GP
// surgery: a possessive ("Queen's Medical Centre") or "University"/"Royal".
func (d *doc) medicalCentre(k int) bool {
	if d.toks[k].low != "centre" || d.word(k-1) != "medical" || !d.isCapWord(k-1) {
		return false
	}
	for j := k - 2; j >= 0 && j >= k-5 && !d.claimed[j]; j-- {
		switch w := d.word(j); {
		case w == "s" && d.word(j-1) == "'":
			return true
		case w == "university" || w == "royal":
			return true
		case !d.isCapWord(j) && w != "'":
			return false
		}
	}
	return false
}

// findWelshHospitals tags hospitals named in Welsh, where the head word
// comes first: "Ysbyty Gwynedd", "Ysbyty Glan Clwyd".
func (d *doc) findWelshHospitals() {
	for k := 0; k+1 < len(d.toks); k++ {
		if d.claimed[k] || !d.isCapWord(k) || !d.kn.is("hospitalprefix", d.toks[k].low) {
			continue
		}
		j := k + 1
		for j < len(d.toks) && !d.claimed[j] && (d.isCapWord(j) || d.toks[j].joiner) {
			j++
		}
		if j > k+1 {
			d.addHospital(k, j)
			k = j - 1
		}
	}
}

// hospitalStart finds the first token of the name before head token k.
func (d *doc) hospitalStart(k int) int {
	i := d.nameStart(k)
	if i == k {
		return k
	}
	// A lower-case "the" starts the name: "Save the DGH", "Defend the
	// Whittington Hospital" (names with "the" inside, such as the Queen
	// Elizabeth the Queen Mother Hospital, are in the gazetteer).
	for j := k - 1; j > i; j-- {
		if d.toks[j].text == "the" {
			i = j + 1
			for i < k && !d.isCapWord(i) {
				i++
			}
			break
		}
	}
	if i == k {
		return k
	}
	// Drop a possessive place and everything before it when words that are
	// not descriptors follow it: "Taunton's Musgrove Park Hospital".
	for j := k - 1; j > i; j-- {
		if d.toks[j].low == "s" && d.toks[j-1].low == "'" && !d.toks[j].spaceBef {
			if _, place := d.kn.placeDict.entries[d.spanKey(i, j-1)]; !place {
				break // "King's Mill Hospital", "Queen's Medical Centre": part of the name
			}
			if !d.onlyDescriptors(j+1, k) {
				i = j + 1
			}
			break
		}
	}
	return i
}

// onlyDescriptors reports whether tokens [i, k) are all descriptor words
// (General, Royal, District, University, ...), connectors or punctuation.
func (d *doc) onlyDescriptors(i, k int) bool {
	for j := i; j < k; j++ {
		t := &d.toks[j]
		if t.kind != tWord {
			continue
		}
		if d.kn.is("hospitaldesc", t.low) || d.kn.is("connector", t.low) || t.low == "s" {
			continue
		}
		return false
	}
	return true
}

// addHospital tags tokens [i, j) as the hospital named by their text, with
// "DGH" written out as "District General Hospital".
func (d *doc) addHospital(i, j int) {
	v := d.nameText(i, j)
	v = strings.TrimPrefix(v, "The ")
	if d.toks[j-1].text == "DGH" {
		v = strings.TrimSuffix(v, "DGH") + "District General Hospital"
	}
	d.addHospitalAt(v, i, j)
}

// addHospitalAt tags tokens [i, j) as the hospital v and remembers it for
// later short mentions: by its stem, the name up to the head without
// trailing descriptors ("Royal London" for Royal London Hospital, "Horton"
// for Horton General Hospital), and by its value, for the gazetteer's
// short names that need the hospital named first.
func (d *doc) addHospitalAt(v string, i, j int) {
	d.add(Hospital, v, 0, i, j)
	if _, seen := d.hospSeen[v]; !seen {
		d.hospSeen[v] = i
	}
	var stem []string
	for k := i; k < j; k++ {
		t := &d.toks[k]
		if t.kind == tWord && d.kn.is("hospitalhead", t.low) {
			break
		}
		if u := unitKey(d.toks, k); u != "" && t.kind == tWord {
			stem = append(stem, u)
		}
	}
	for len(stem) > 0 && (d.kn.is("hospitaldesc", stem[len(stem)-1]) || d.kn.is("connector", stem[len(stem)-1])) {
		stem = stem[:len(stem)-1]
	}
	if len(stem) > 0 && d.kn.is("hospitaldesc", stem[0]) && len(stem) == 1 {
		stem = nil
	}
	if len(stem) == 0 || d.allUpper(i, j) {
		return // an acronym's later mentions are the gazetteer's, in capitals
	}
	for _, h := range d.hospitals[stem[0]] {
		if h.value == v {
			return
		}
	}
	d.hospitals[stem[0]] = append(d.hospitals[stem[0]], hospitalMention{value: v, stem: stem, tok: i})
}

// findHospitalLists tags the hospitals of a list before a plural head
// word: "the Royal London, St Bartholomew's, Whipps Cross, Newham General
// and the London Chest hospitals", "the Samuel Johnson and Sir Robert Peel
// community hospitals". Each item is a gazetteer hospital by its full name
// without its last word or by a short name (in a list, short names need
// neither "the" nor an earlier mention), or else a name of its own plus the
// head ("Alpha" gives "Alpha Hospital"). An item that is only a place
// ("Derby and Burton hospitals") describes hospitals without naming one
// and is left to the place rules; a list with no other item names none.
func (d *doc) findHospitalLists() {
	for k := 1; k < len(d.toks); k++ {
		t := &d.toks[k]
		if d.claimed[k] || t.kind != tWord || t.low != "hospitals" || t.cap {
			continue
		}
		end := k
		for end > 0 && d.toks[end-1].kind == tWord && !d.toks[end-1].cap && !d.claimed[end-1] &&
			d.kn.is("hospitaldesc", d.toks[end-1].low) && !d.kn.is("connector", d.toks[end-1].low) {
			end-- // "community hospitals"
		}
		items := d.hospitalListItems(end)
		if len(items) < 2 {
			continue
		}
		named := false
		for _, it := range items {
			if it.entry >= 0 || !d.allPlaces(it.start, it.end) {
				named = true
			}
		}
		if !named {
			continue
		}
		var head strings.Builder
		for j := end; j <= k; j++ {
			w := d.toks[j].text
			if j == k {
				w = "hospital"
			}
			r, size := utf8.DecodeRuneInString(w)
			head.WriteString(" ")
			head.WriteRune(unicode.ToUpper(r))
			head.WriteString(w[size:])
		}
		for _, it := range items {
			switch {
			case it.entry >= 0:
				d.addHospitalAt(d.kn.hosps[it.entry].name, it.start, it.end)
			case it.ambiguous || !d.allPlaces(it.start, it.end):
				d.addHospitalAt(d.nameText(it.start, it.end)+head.String(), it.start, it.end)
			}
		}
		d.claim(end, k+1)
	}
}

// listItem is one item of a list of hospitals: tokens [start, end) and
// the gazetteer hospital it names (-1 for none; ambiguous when it names
// several that the article does not decide between).
type listItem struct {
	start, end int
	entry      int
	ambiguous  bool
}

// hospitalListItems reads the items of a list of names that ends before
// token end: "the Royal Victoria, the Ulster, Altnagelvin and Craigavon
// Area" (separated by commas, "and", "&" and "the").
func (d *doc) hospitalListItems(end int) []listItem {
	start := end
	for start > 0 && !d.claimed[start-1] {
		t := &d.toks[start-1]
		if t.kind == tWord && t.cap {
			if t.low != "the" && (d.kn.is("stop", t.low) || d.kn.is("locative", t.low) || d.kn.is("said", t.low) || d.kn.is("rolehead", t.low)) {
				break
			}
		} else if !(t.low == "and" || t.low == "the" || t.low == "of" || t.low == "," || t.low == "&" || t.joiner ||
			t.low == "'" && !t.spaceBef || t.low == "s" && d.word(start-2) == "'" && !t.spaceBef ||
			t.text == "." && abbreviations[d.word(start-2)] && !t.spaceBef) {
			break
		}
		start--
	}
	for start < end && !d.isCapWord(start) {
		start++ // "of Frimley Park and ...": the list starts with a name
	}
	sep := func(j int) bool {
		w := d.word(j)
		return w == "," || w == "and" || w == "&"
	}
	var items []listItem
	for p := start; p < end; {
		if sep(p) || d.word(p) == "the" {
			p++
			continue
		}
		if !d.isCapWord(p) && d.toks[p].kind != tNum {
			return nil
		}
		it := listItem{start: p, entry: -1}
		m, ok := d.kn.hospList.longest(d.toks, p, func(m match) bool {
			return m.end <= end && (m.end == end || sep(m.end)) && d.capsOK(m.start, m.end)
		})
		if ok {
			var cands []int
			for _, q := range m.payloads {
				if n := d.kn.hospNames[q]; !n.upper || d.allUpper(m.start, m.end) {
					cands = append(cands, n.entry)
				}
			}
			if e, ok := d.pickHospital(cands); ok {
				it.entry = e
			} else if len(cands) > 0 {
				it.ambiguous = true
			}
			it.end = m.end
		} else {
			q := p
			for q < end && !sep(q) {
				q++
			}
			if !d.capsOK(p, q) {
				return nil
			}
			it.end = q
		}
		items = append(items, it)
		p = it.end
	}
	return items
}

// findShortHospitals tags the gazetteer's short and local names ("Guy's",
// "Treliske", "the Whittington", "the QMC"), under the conditions its
// entries set, and "the DGH" when the article names one district general
// hospital. A short name never starts or ends inside a longer name ("King's
// Fund", "St James's Park"). Its value is the hospital the article named
// with the same stem, if any ("the Horton" after "Horton Hospital"), else
// the gazetteer's full name.
func (d *doc) findShortHospitals() {
	for k := 0; k < len(d.toks); k++ {
		t := &d.toks[k]
		if d.claimed[k] || t.kind != tWord || !t.cap {
			continue
		}
		if t.text == "DGH" && d.word(k-1) == "the" {
			if v, ok := d.onlyDGH(); ok {
				d.addHospitalAt(v, k, k+1)
			}
			continue
		}
		var entry int
		m, ok := d.kn.hospDict.longest(d.toks, k, func(m match) bool {
			if !d.free(m.start, m.end) || !d.capsOK(m.start, m.end) || d.nameBefore(m.start) || d.nameContinues(m.end) {
				return false
			}
			var cands []int
			for _, p := range m.payloads {
				n := d.kn.hospNames[p]
				if n.full || n.the && d.word(m.start-1) != "the" || n.upper && !d.allUpper(m.start, m.end) ||
					n.named && !d.hospitalNamed(n.entry, m.start) && !d.hospitalsRun(m.start) && !d.afterHospitalInList(m.start) {
					continue
				}
				cands = append(cands, n.entry)
			}
			var ok bool
			entry, ok = d.pickHospital(cands)
			return ok
		})
		if !ok {
			continue
		}
		e := d.kn.hosps[entry]
		if _, place := d.kn.placeDict.entries[d.spanKey(m.start, m.end)]; place && d.amongPlaces(m.start, m.end) {
			k = m.end - 1
			continue // "staff in Tower Hamlets, Newham and Waltham Forest": the borough
		}
		v := e.name
		if h, ok := d.hospitalByStem(e, m.start); ok {
			v = h
		}
		d.addHospitalAt(v, m.start, d.withApostrophe(m.end))
		k = m.end - 1
	}
}

// afterHospitalInList reports whether token k follows a hospital and a
// comma or "and" directly: "Hairmyres, Monklands and Wishaw General", where
// a name that is also a place or a surname ("@Monklands") is the next
// hospital of the list.
func (d *doc) afterHospitalInList(k int) bool {
	if k < 2 {
		return false
	}
	if w := d.word(k - 1); w != "," && w != "and" && w != "&" {
		return false
	}
	prevEnd := d.toks[k-2].end
	for i := len(d.ents) - 1; i >= 0; i-- {
		if e := d.ents[i]; e.Type == Hospital && e.End == prevEnd {
			return true
		}
	}
	return false
}

// hospitalsRun reports whether token k is in a list of the hospitals an
// organisation runs: "which runs Treliske in Truro, West Cornwall Hospital
// in Penzance and St Michael's in Hayle". The verb is in k's sentence, and
// k follows it directly or after a hospital tagged since.
func (d *doc) hospitalsRun(k int) bool {
	if d.kn.is("locative", d.word(k-1)) {
		return false // "community hospitals in Bexhill": the place
	}
	for j := k - 1; j >= 0 && j >= k-30 && d.toks[j].sent == d.toks[k].sent; j-- {
		switch d.toks[j].low {
		case "runs", "run", "running", "manages", "manage":
			if j == k-1 {
				return true
			}
			for _, e := range d.ents {
				if e.Type == Hospital && e.Start > d.toks[j].start && e.End <= d.toks[k].start {
					return true
				}
			}
			return false
		case ".", ";":
			return false
		}
	}
	return false
}

// amongPlaces reports whether tokens [i, j), a name that is also a place,
// stand where a place does: after "in", "from" or "to" ("at" goes with
// hospitals as well as places), or beside another place in a list.
func (d *doc) amongPlaces(i, j int) bool {
	switch d.word(i - 1) {
	case "in", "across", "around", "near", "throughout", "outside", "within", "from", "to":
		return true
	case ",", "and", "or":
		for n := 1; n <= 3 && i-1-n >= 0; n++ {
			if _, ok := d.kn.placeDict.entries[d.spanKey(i-1-n, i-1)]; ok && d.free(i-1-n, i-1) && d.capsOK(i-1-n, i-1) {
				return true
			}
		}
	}
	switch d.word(j) {
	case ",", "and", "or":
		if m, ok := d.kn.placeDict.longest(d.toks, j+1, nil); ok && d.free(m.start, m.end) && d.capsOK(m.start, m.end) {
			return true
		}
	}
	return false
}

// onlyDGH returns the one district general hospital the article names.
func (d *doc) onlyDGH() (string, bool) {
	found := ""
	for _, e := range d.ents {
		if e.Type == Hospital && strings.HasSuffix(e.Value, " District General Hospital") && e.Value != found {
			if found != "" {
				return "", false
			}
			found = e.Value
		}
	}
	return found, found != ""
}

// hospitalByStem returns the value of a hospital named in the article
// before token k with the stem of gazetteer hospital e ("Horton Hospital"
// for the Horton General Hospital's "the Horton"), unless that value is
// another hospital of the gazetteer (the Bristol Royal Hospital for
// Children is not the Bristol Royal Infirmary).
func (d *doc) hospitalByStem(e hospEntry, k int) (string, bool) {
	if e.stem == "" {
		return "", false
	}
	first, _, _ := strings.Cut(e.stem, " ")
	for _, h := range d.hospitals[first] {
		if h.tok < k && strings.Join(h.stem, " ") == e.stem && (h.value == e.name || !d.kn.hospNamed[h.value]) {
			return h.value, true
		}
	}
	return "", false
}

// hospitalNamed reports whether gazetteer hospital entry was named before
// token k: by its full name or a short name, by a name with its stem, or
// as the start of the name of a trust of the article ("King's College
// Hospital NHS Foundation Trust" names King's College Hospital, "Royal
// Cornwall Hospitals NHS Trust" the Royal Cornwall Hospital).
func (d *doc) hospitalNamed(entry, k int) bool {
	e := d.kn.hosps[entry]
	if tok, ok := d.hospSeen[e.name]; ok && tok < k {
		return true
	}
	if _, ok := d.hospitalByStem(e, k); ok {
		return true
	}
	if e.stem == "" {
		return false
	}
	for _, m := range d.trusts {
		if m.tok >= k {
			continue
		}
		key, _ := phraseKey(strings.Join(m.org.stem, " "))
		if key == e.stem || strings.HasPrefix(key, e.stem+" ") {
			return true
		}
	}
	return false
}
