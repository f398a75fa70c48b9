package tag

import "strings"

// findHospitals tags named hospitals: the capitalised words before a head
// word ("Hospital", "Infirmary") as in "Dewsbury and District Hospital",
// "Royal Victoria Infirmary", "Guy's Hospital", and "Hospital of St Cross".
// A possessive place before the name ("Taunton's Musgrove Park Hospital") is
// left out; a name made only of descriptors ("the General Hospital") is not
// a named hospital.
func (d *doc) findHospitals() {
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
	d.findWelshHospitals()
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

func (d *doc) addHospital(i, j int) {
	v := d.nameText(i, j)
	v = strings.TrimPrefix(v, "The ")
	d.add(Hospital, v, 0, i, j)
	// the stem is the name up to the head without trailing descriptors:
	// "Royal London" for Royal London Hospital, "Horton" for Horton General
	// Hospital; a short form must start with it ("the Royal London").
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
	if len(stem) == 0 {
		return
	}
	for _, h := range d.hospitals[stem[0]] {
		if h.value == v {
			return
		}
	}
	d.hospitals[stem[0]] = append(d.hospitals[stem[0]], hospitalMention{value: v, stem: stem, tok: i})
}
