// Package minhash sketches an article's text so that near-identical
// copies (an agency story run by many papers, lightly rewritten) can be
// found: b-bit MinHash (Broder; Li and König) over word shingles. The
// share of slots in which two sketches agree estimates the Jaccard
// similarity of the two texts' sets of shingles; copies of one story
// share most of their shingles, different stories about the same trust
// almost none.
//
// The sketch depends only on the text (FNV-64a and fixed seeds), so it is
// the same in every process and after a restart, and can be stored in the
// index.
package minhash

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"strings"
	"unicode"
)

const (
	// Slots is the number of min-hashes in a sketch; each keeps the low
	// 8 bits of its minimum.
	Slots = 256
	// Shingle is the number of words in a shingle.
	Shingle = 3
	// MinWords is the fewest words (title and text) a text must have to
	// be sketched. In a shorter one a changed fact (a number, a place, a
	// union) changes a large share of the shingles, and short items built
	// alike ("Unison says 12 porters go at …", "GMB: 30 cleaners at …")
	// are different stories that a sketch would take for copies.
	MinWords = 40
	// Agree is how many of the Slots two sketches must agree in to be
	// near-duplicates: half, an estimated Jaccard similarity of 1/2. It
	// was chosen from measurements (TestAgreement): five papers' light
	// rewrites of one agency story share 60–90% of their 3-word shingles
	// and agree in 157 or more slots; different stories about the same
	// trust share at most 7%; among 1,000 articles of bench/gen (made
	// from shared templates) no pair agrees in more than 97 slots, and two
	// short stories on pages with the same boilerplate in 92. 128 lies
	// between, about four standard deviations of the estimate from each.
	Agree = Slots / 2
	// Rows is the number of slots in a band, and Bands the number of
	// bands: two sketches are candidates when they agree in every slot of
	// at least one band. For a Jaccard similarity of 1/2 the chance that
	// no band agrees is (1-1/8)⁸⁵ < 10⁻⁴; two articles sharing a tenth of
	// their shingles are candidates with a chance of about 1 in 10.
	Rows  = 3
	Bands = Slots / Rows
)

// Sketch is the b-bit MinHash of a text.
type Sketch [Slots]byte

// seeds are the fixed seeds of the Slots hash functions.
var seeds = func() (s [Slots]uint64) {
	x := uint64(0x6375747761746368) // "cutwatch"
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix(x)
	}
	return s
}()

// mix is splitmix64's finaliser.
func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Of returns the sketch of title and text: their lower-cased words (runs
// of letters and digits) in Shingle-word shingles, each hashed with
// FNV-64a and then by each slot's function; a slot keeps the low 8 bits of
// its smallest hash. ok is false for a text of fewer than MinWords words.
func Of(title, text string) (s Sketch, ok bool) {
	words := Words(title + "\n" + text)
	if len(words) < MinWords {
		return s, false
	}
	var mins [Slots]uint64
	for i := range mins {
		mins[i] = math.MaxUint64
	}
	add := func(ws []string) {
		h := fnv.New64a()
		for i, w := range ws {
			if i > 0 {
				h.Write([]byte{' '})
			}
			h.Write([]byte(w))
		}
		v := h.Sum64()
		for i, seed := range seeds {
			if m := mix(v ^ seed); m < mins[i] {
				mins[i] = m
			}
		}
	}
	for i := 0; i+Shingle <= len(words); i++ {
		add(words[i : i+Shingle])
	}
	for i, m := range mins {
		s[i] = byte(m)
	}
	return s, true
}

// Words returns the lower-cased words of s: runs of letters and digits.
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Agreement is the number of slots in which a and b agree. It compares
// eight slots at a time: linking the stories of 100,000 articles at open
// compares millions of pairs, and a byte at a time this was 40% of it.
func Agreement(a, b *Sketch) int {
	n := 0
	for i := 0; i < Slots; i += 8 {
		n += agreeIn8(a, b, i)
	}
	return n
}

// agreeIn8 is the number of slots i to i+7 in which a and b agree.
func agreeIn8(a, b *Sketch, i int) int {
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
	// A byte of x is zero where the slots agree; set the high bit of every
	// byte that is not zero, without carries between bytes.
	nz := ((x & low7) + low7) | x
	return 8 - bits.OnesCount64(nz&^low7)
}

// agreeAtLeast reports whether a and b agree in at least k slots, as
// Agreement(a, b) >= k, stopping once the slots left cannot make up k:
// most pairs compared are not near-duplicates, and stop about half-way.
func agreeAtLeast(a, b *Sketch, k int) bool {
	n := 0
	for i := 0; i < Slots; i += 8 {
		n += agreeIn8(a, b, i)
		if n+Slots-(i+8) < k {
			return false
		}
	}
	return n >= k
}

// Band returns the i-th band of s (0 ≤ i < Bands) as a key that differs
// from every other band's keys.
func (s *Sketch) Band(i int) uint32 {
	k := uint32(i) << (8 * Rows)
	for j := range Rows {
		k |= uint32(s[i*Rows+j]) << (8 * (Rows - 1 - j))
	}
	return k
}

// Near reports whether a and b are sketches of near-duplicates: they
// agree in a whole band and in at least Agree slots. The first condition
// is what finding candidates by bands can see; it makes the relation the
// same whether found by bands or by comparing every pair.
func Near(a, b *Sketch) bool {
	if !agreeAtLeast(a, b, Agree) {
		return false
	}
	for i := range Bands {
		if a.Band(i) == b.Band(i) {
			return true
		}
	}
	return false
}

// String is the sketch in hex, as the index stores it.
func (s Sketch) String() string { return hex.EncodeToString(s[:]) }

// Parse reads what String writes.
func Parse(v string) (Sketch, error) {
	var s Sketch
	if hex.DecodedLen(len(v)) != Slots {
		return s, fmt.Errorf("sketch %q: want %d hex digits", v, 2*Slots)
	}
	if _, err := hex.Decode(s[:], []byte(v)); err != nil {
		return s, fmt.Errorf("sketch: %w", err)
	}
	return s, nil
}
