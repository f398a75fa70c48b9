package tag

// findPlaces tags towns, cities, counties and regions from data/places.tsv
// that are not part of another name: a place directly before or after
// another capitalised word ("Wakefield Council", "Royal Berkshire") is part
// of that name, while lists ("Wakefield, Dewsbury and Pontefract") and
// possessives ("Taunton's") are places. Names that are also common words or
// surnames are marked ambiguous in the data and need a word such as "in",
// "at" or "from" before them.
func (d *doc) findPlaces() {
	for k := 0; k < len(d.toks); k++ {
		if d.claimed[k] || !d.isCapWord(k) {
			continue
		}
		m, ok := d.kn.placeDict.longest(d.toks, k, func(m match) bool { return d.capsOK(m.start, m.end) })
		if !ok {
			continue
		}
		p := d.kn.places[m.payloads[0]]
		if m.end-m.start == 1 && d.kn.is("calendar", d.toks[m.start].low) {
			k = m.end - 1
			continue // "March" and "May" are months far more often than towns
		}
		if !d.placeContextOK(m, p) {
			k = m.end - 1
			continue
		}
		d.add(Place, p.name, 0, m.start, m.end)
		k = m.end - 1
	}
}

func (d *doc) placeContextOK(m match, p placeEntry) bool {
	if m.start > 0 {
		prev := &d.toks[m.start-1]
		if prev.kind == tWord && prev.cap && !m.startsSentence(d) && !d.kn.is("stop", prev.low) && !d.kn.is("locative", prev.low) {
			return false
		}
		if prev.joiner {
			return false
		}
	}
	if m.end < len(d.toks) {
		next := &d.toks[m.end]
		if next.kind == tWord && next.cap && !next.sentStart && !d.kn.is("connector", next.low) {
			return false
		}
		if next.kind == tNum && !next.spaceBef {
			return false
		}
	}
	if p.ambiguous {
		return m.start > 0 && (d.kn.is("locative", d.toks[m.start-1].low) || d.afterPlaceInList(m.start))
	}
	return true
}

// afterPlaceInList reports whether token k follows a place in a list:
// "Wakefield and York", "Lambeth, Southwark".
func (d *doc) afterPlaceInList(k int) bool {
	if k < 2 {
		return false
	}
	if w := d.word(k - 1); w != "and" && w != "," && w != "or" {
		return false
	}
	if n := len(d.ents); n > 0 {
		last := d.ents[n-1]
		return last.Type == Place && last.End == d.toks[k-2].end
	}
	return false
}

func (m match) startsSentence(d *doc) bool { return d.toks[m.start].sentStart }
