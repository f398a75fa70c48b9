package tag

import "unicode/utf8"

// findPeople tags people's full names:
//   - a known given name (data/given_names.txt) followed by a surname, with
//     an optional middle name or initial and particles ("de", "van");
//   - after a title ("Dr Sarah Smith", "Sir Bruce Keogh", "Sir Zebedee
//     Quarshie QC"), the name without the title or post-nominals, whether or
//     not the given name is known;
//   - an unknown given name in a clear person context ("Ngozi Adeyemi, a
//     nurse, said"), confirmed by prose's part-of-speech tagger (both words
//     proper nouns). Only such sentences are POS-tagged, which keeps prose's
//     cost off the common path.
//
// Names never swallow titles or roles, and stop before a following name word
// ("Florence Nightingale Ward" is not a person).
func (d *doc) findPeople() {
	for k := 0; k < len(d.toks); k++ {
		t := &d.toks[k]
		if d.claimed[k] || t.kind != tWord || !t.cap || t.upper {
			continue
		}
		start := k
		if d.kn.is("title", t.low) {
			start = k + 1
			if start < len(d.toks) && d.toks[start].text == "." && !d.toks[start].spaceBef {
				start++
			}
			if start < len(d.toks) && d.isCapWord(start) && d.kn.is("title", d.toks[start].low) {
				start++ // "Professor Sir Bruce Keogh"
			}
		}
		if !d.isCapWord(start) || d.claimed[start] || d.inOrgName(start) {
			continue
		}
		if d.kn.given[d.toks[start].low] {
			if end, ok := d.nameEnd(start); ok {
				d.addPerson(d.extendBack(start), end)
				k = end - 1
				continue
			}
		}
		if start == k {
			if end, ok := d.contextName(k); ok {
				d.addPerson(d.extendBack(k), end)
				k = end - 1
			}
		} else if end, ok := d.nameShape(start); ok {
			// a title is context enough: "Sir Zebedee Quarshie QC"
			d.addPerson(start, end)
			k = end - 1
		}
	}
}

// inOrgName reports whether token k follows "of" after an institution word
// ("Institute of Biomedical Science", "University of Bradford"): the words
// are part of an organisation's name, not a person's.
func (d *doc) inOrgName(k int) bool {
	return d.word(k-1) == "of" && d.isCapWord(k-2) && d.kn.is("namehead", d.word(k-2))
}

// extendBack adds a first name written before a name already found: in
// "Dyfrig Wyn Thomas", "Ceri Lloyd Hughes" or "Siôn Rhys Morgan" the
// rules see the last two words (a known given name or a person context),
// and the capitalised word before them is the first name, unless it is a
// known word of another kind (a role, a place, a month, a function word),
// starts a sentence, or itself follows another capitalised word.
func (d *doc) extendBack(i int) int {
	p := i - 1
	if p < 0 || !d.isCapWord(p) || d.claimed[p] || d.toks[p].upper || d.toks[p].sent != d.toks[i].sent {
		return i
	}
	t := &d.toks[p]
	if t.sentStart && !d.kn.given[t.low] {
		return i
	}
	for _, c := range []string{"stop", "role", "rolehead", "title", "common", "calendar", "namehead", "said", "connector"} {
		if d.kn.is(c, t.low) {
			return i
		}
	}
	if _, place := d.kn.placeDict.entries[t.low]; place {
		return i
	}
	if d.isCapWord(p-1) && !d.kn.is("title", d.word(p-1)) && !d.kn.is("role", d.word(p-1)) && !d.kn.is("rolehead", d.word(p-1)) {
		return i
	}
	return p
}

// particles are lower-case surname prefixes.
var particles = map[string]bool{"de": true, "van": true, "von": true, "der": true, "da": true,
	"di": true, "du": true, "le": true, "la": true, "del": true, "dos": true, "den": true}

// nameEnd parses the rest of a name whose given name is token k and returns
// the token index after the surname.
func (d *doc) nameEnd(k int) (int, bool) {
	j := k + 1
	for n := 0; n < 2 && j < len(d.toks); n++ {
		t := &d.toks[j]
		if !d.isCapWord(j) || d.claimed[j] {
			break
		}
		next := j + 1
		if len(t.text) == 1 && next < len(d.toks) && d.toks[next].text == "." {
			next++
		}
		if !d.isCapWord(next) || d.claimed[next] {
			break
		}
		if len(t.text) == 1 || (d.kn.given[t.low] && d.surnameOK(next)) {
			j = next
			continue
		}
		break
	}
	// particles before the surname: "de Souza", "van der Berg", "de la Cruz"
	p := j
	for p < len(d.toks) && p-j < 2 && particles[d.toks[p].low] {
		p++
	}
	if p > j && d.isCapWord(p) {
		j = p
	}
	if !d.surnameOK(j) && !d.roleSurname(j) {
		return 0, false
	}
	end := j + 1
	for end+1 < len(d.toks) && d.toks[end].joiner && d.isCapWord(end+1) && !d.claimed[end+1] {
		end += 2
	}
	if end == j+1 && d.kn.is("namehead", d.toks[j].low) && !d.personContext(k, end) {
		// "Victoria Hall" is a venue, "Sam Hall said" a person; a
		// hyphenated surname ("Janet Street-Porter") is no venue
		return 0, false
	}
	if end < len(d.toks) && d.isCapWord(end) && !d.toks[end].sentStart && !d.postNominal(end) {
		// a longer proper noun: "Florence Nightingale Ward", "Grant Thornton UK"
		return 0, false
	}
	return end, true
}

// postNominal reports whether token k is a post-nominal written after a
// name and not part of it: "Robert Francis QC", "Rhodri Bevan AM".
func (d *doc) postNominal(k int) bool {
	t := &d.toks[k]
	return t.kind == tWord && t.upper && d.kn.is("postnominal", t.low)
}

// surnameOK reports whether token j can be a surname.
func (d *doc) surnameOK(j int) bool {
	if j >= len(d.toks) || !d.isCapWord(j) || d.claimed[j] {
		return false
	}
	t := &d.toks[j]
	if t.upper || len(t.text) < 2 {
		return false
	}
	for _, c := range []string{"role", "title", "calendar"} {
		if d.kn.is(c, t.low) {
			return false
		}
	}
	// Short function words ("The", "And", "Then") are not surnames; longer
	// ones after a given name usually are ("Kath Toward"), and so are words
	// such as "Little", "West" or "Young".
	return !d.kn.is("stop", t.low) || utf8.RuneCountInString(t.low) > 5
}

// roleSurname reports whether token j, after a known given name, is a
// role word that is also a common surname, written as a name mid-sentence
// and not followed by another capitalised word: "Cheryl Porter, a ward
// clerk".
func (d *doc) roleSurname(j int) bool {
	if j >= len(d.toks) || !d.isCapWord(j) || d.claimed[j] || d.toks[j].sentStart || d.toks[j].upper {
		return false
	}
	return d.kn.is("rolesurname", d.toks[j].low) && !(d.isCapWord(j+1) && !d.toks[j+1].sentStart)
}

// contextName accepts two capitalised words whose first is not a known given
// name when the context says "person" (", a nurse", "said", "chief
// executive ...") and prose tags both as proper nouns.
func (d *doc) contextName(k int) (int, bool) {
	end, ok := d.nameShape(k)
	if !ok || !d.personContext(k, end) {
		return 0, false
	}
	// POS-tag the sentence window around the candidate.
	lo, hi := k, end
	for lo > 0 && k-lo < 12 && d.toks[lo-1].sent == d.toks[k].sent {
		lo--
	}
	for hi < len(d.toks) && hi-end < 12 && d.toks[hi].sent == d.toks[k].sent {
		hi++
	}
	tags := d.t.pos.tags(d.toks[lo:hi])
	for i := k; i < end; i++ {
		if tg := tags[i-lo]; tg != "NNP" && tg != "NNPS" && !d.toks[i].joiner {
			return 0, false
		}
	}
	return end, true
}

// nameShape reads two capitalised words at token k (the second with any
// hyphenated parts) that could be a first name and a surname: no function,
// role or common word, no place, and no capitalised word after them but a
// post-nominal.
func (d *doc) nameShape(k int) (int, bool) {
	t := &d.toks[k]
	if d.kn.is("stop", t.low) || d.kn.is("role", t.low) || d.kn.is("common", t.low) || d.kn.is("namehead", t.low) {
		return 0, false
	}
	if _, place := d.kn.placeDict.entries[t.low]; place || abbreviations[t.low] {
		return 0, false // "St Ives" is a town, not Mr Ives
	}
	if !d.surnameOK(k + 1) {
		return 0, false
	}
	if _, place := d.kn.placeDict.entries[d.spanKey(k, k+2)]; place {
		return 0, false
	}
	if _, place := d.kn.placeDict.entries[d.toks[k+1].low]; place {
		return 0, false
	}
	end := k + 2
	for end+1 < len(d.toks) && d.toks[end].joiner && d.isCapWord(end+1) && !d.claimed[end+1] {
		end += 2 // "Gwyn Morgan-Price"
	}
	if end < len(d.toks) && d.isCapWord(end) && !d.postNominal(end) {
		return 0, false
	}
	return end, true
}

// personContext reports whether tokens [i, j) sit where a person's name is
// expected: followed by ", (a|the) <role>" or a speech verb, or preceded by a
// role word or a speech verb.
func (d *doc) personContext(i, j int) bool {
	if j < len(d.toks) {
		if d.kn.is("said", d.word(j)) {
			return true
		}
		if d.word(j) == "," {
			// ", a nurse", ", the trust's chief executive", ", who ..."
			for n := j + 1; n < len(d.toks) && n <= j+8; n++ {
				w := d.word(n)
				if d.kn.is("role", w) || d.kn.is("said", w) {
					return true
				}
				if d.toks[n].kind == tPunct && w != "'" {
					break
				}
			}
		}
	}
	if i > 0 {
		p := d.word(i - 1)
		if d.kn.is("role", p) || d.kn.is("said", p) {
			return true
		}
	}
	return false
}

func (d *doc) addPerson(i, j int) {
	v := d.nameText(i, j)
	// surname: the last word with any hyphenated parts
	s := j - 1
	for s-2 >= i && d.toks[s-1].joiner {
		s -= 2
	}
	d.add(Person, v, 0, i, j)
	sn := d.spanText(s, j)
	for _, p := range d.people[sn] {
		if p.value == v {
			return
		}
	}
	d.people[sn] = append(d.people[sn], personMention{value: v, surname: sn, tok: i})
}
