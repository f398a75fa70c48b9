package tag

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// moneyRE finds amounts written with a pound sign: £55m, £6.5 million,
// £6.5million, £1million, £20 billion, £2bn, £500,000, £27k, £1.2bn,
// £300m-a-year, and the first half of ranges such as £20-25m (group 4).
var moneyRE = regexp.MustCompile(`£\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?` +
	`(?:\s?(?:-|–|to)\s?(\d+(?:\.\d+)?))?` +
	`(?:\s?((?i:billion|bn|million|mn|m|thousand|k|trillion|tn))\b)?`)

// poundsRE finds amounts written in words: "55 million pounds", "£" missing.
var poundsRE = regexp.MustCompile(`\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?` +
	`((?i:billion|bn|million|mn|m|thousand|k))?\s(?:pounds|pound|quid)\b`)

// multiplier returns the factor of a unit word ("m" -> 1e6).
func multiplier(unit string) int64 {
	switch strings.ToLower(unit) {
	case "bn", "billion":
		return 1_000_000_000
	case "m", "mn", "million":
		return 1_000_000
	case "k", "thousand":
		return 1_000
	case "tn", "trillion":
		return 1_000_000_000_000
	}
	return 1
}

// poundsValue computes integer pounds from the integer digits (commas
// allowed), fraction digits and unit, in exact decimal arithmetic so that
// £1.2bn is 1200000000, not 1199999999. ok is false on overflow.
func poundsValue(intPart, frac, unit string) (int64, bool) {
	n, err := strconv.ParseInt(strings.ReplaceAll(intPart, ",", ""), 10, 64)
	if err != nil {
		return 0, false
	}
	m := multiplier(unit)
	if n > math.MaxInt64/m {
		return 0, false
	}
	v := n * m
	if frac != "" {
		if len(frac) > 12 {
			frac = frac[:12]
		}
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return 0, false
		}
		scale := int64(1)
		for range len(frac) {
			scale *= 10
		}
		// f/scale of m pounds, rounded to the nearest pound.
		if m >= scale {
			v += f * (m / scale)
		} else {
			v += (f*m + scale/2) / scale
		}
	}
	return v, true
}

// moneySpan is one amount found on the raw text.
type moneySpan struct {
	start, end int
	value      int64
}

// findMoney adds an Amount entity for every money expression in d.text.
func (d *doc) findMoney() {
	var spans []moneySpan
	for _, loc := range moneyRE.FindAllStringSubmatchIndex(d.text, -1) {
		sub := func(i int) string {
			if loc[2*i] < 0 {
				return ""
			}
			return d.text[loc[2*i]:loc[2*i+1]]
		}
		unit := sub(4)
		if sub(3) != "" {
			// a range: "£20-25m" gives £20m and 25m as two mentions.
			hi := loc[6]
			if lo, ok := poundsValue(sub(1), sub(2), unit); ok {
				spans = append(spans, moneySpan{loc[0], trimRangeEnd(d.text, loc[0], hi), lo})
			}
			ip, fp, _ := strings.Cut(sub(3), ".")
			if v, ok := poundsValue(ip, fp, unit); ok {
				spans = append(spans, moneySpan{hi, loc[1], v})
			}
			continue
		}
		if v, ok := poundsValue(sub(1), sub(2), unit); ok {
			spans = append(spans, moneySpan{loc[0], loc[1], v})
		}
	}
	var words [][]int
	if strings.Contains(d.text, "pound") || strings.Contains(d.text, "quid") {
		// poundsRE has no literal prefix to skip to, so its backtracker
		// would walk every article; only texts with its words can match
		words = poundsRE.FindAllStringSubmatchIndex(d.text, -1)
	}
	for _, loc := range words {
		if loc[0] > 0 && strings.HasSuffix(d.text[:loc[0]], "£") {
			continue
		}
		sub := func(i int) string {
			if loc[2*i] < 0 {
				return ""
			}
			return d.text[loc[2*i]:loc[2*i+1]]
		}
		if v, ok := poundsValue(sub(1), sub(2), sub(3)); ok {
			spans = append(spans, moneySpan{loc[0], loc[1], v})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for _, m := range spans {
		d.addSpan(Amount, strconv.FormatInt(m.value, 10), m.value, m.start, m.end)
	}
}

// trimRangeEnd returns the end of the first half of a range "£20-25m": the
// byte before the dash or "to", without trailing spaces.
func trimRangeEnd(text string, start, hi int) int {
	s := text[start:hi]
	s = strings.TrimRight(s, " ")
	s = strings.TrimSuffix(s, "to")
	s = strings.TrimSuffix(s, "-")
	s = strings.TrimSuffix(s, "–")
	s = strings.TrimRight(s, " ")
	return start + len(s)
}
