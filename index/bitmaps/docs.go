package bitmaps

import (
	"iter"
	"slices"
	"sync"

	"github.com/cutwatch/cutwatch/index/minhash"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Doc is what a Set knows of one article. A Set keeps one for every live
// article (100,000 at the scale the benchmarks measure), so it is kept
// small: its values are in short slices by field, not maps (two small
// maps an article were 75 MB at 100,000), and Build shares each value's
// string with the Set's bitmap of it.
type Doc struct {
	ID string
	// terms holds the values of each facet field (a name kind's field, a
	// numeric kind's bucket field), each value once; nums the values of
	// each numeric field (a date as Unix nanoseconds). A field is in each
	// at most once, and never with no values.
	terms []fieldTerms
	nums  []fieldNums
	// Sketch is the MinHash of its text that near-duplicates are found by
	// (nil: none, for a text without words or an article indexed before
	// sketches were kept).
	Sketch *minhash.Sketch
	// TrustCuts holds what the article says each trust cuts
	// (tag.TrustCuts), in trust order; nil when it links nothing.
	TrustCuts []tag.TrustCut
}

type fieldTerms struct {
	field string
	vals  []string
}

type fieldNums struct {
	field string
	vals  []int64
}

// Terms returns the values of the facet field (nil: none). The slice must
// not be changed.
func (d *Doc) Terms(field string) []string {
	for _, t := range d.terms {
		if t.field == field {
			return t.vals
		}
	}
	return nil
}

// Numbers returns the values of the numeric field (nil: none). The slice
// must not be changed.
func (d *Doc) Numbers(field string) []int64 {
	for _, n := range d.nums {
		if n.field == field {
			return n.vals
		}
	}
	return nil
}

// SetTerms makes vals (each once) the values of field, or removes the
// field for none. It is for making a Doc, before a Set holds it.
func (d *Doc) SetTerms(field string, vals []string) {
	d.terms = slices.DeleteFunc(d.terms, func(t fieldTerms) bool { return t.field == field })
	if len(vals) > 0 {
		d.terms = append(d.terms, fieldTerms{field, slices.Clip(vals)})
	}
}

// AddTerm adds v to the values of field unless it is there.
func (d *Doc) AddTerm(field, v string) {
	for i := range d.terms {
		if d.terms[i].field == field {
			if !slices.Contains(d.terms[i].vals, v) {
				d.terms[i].vals = append(d.terms[i].vals, v)
			}
			return
		}
	}
	d.terms = append(d.terms, fieldTerms{field, []string{v}})
}

// SetNumbers makes vals the values of field, or removes the field for
// none.
func (d *Doc) SetNumbers(field string, vals []int64) {
	d.nums = slices.DeleteFunc(d.nums, func(n fieldNums) bool { return n.field == field })
	if len(vals) > 0 {
		d.nums = append(d.nums, fieldNums{field, slices.Clip(vals)})
	}
}

// AddNumber adds v to the values of field.
func (d *Doc) AddNumber(field string, v int64) {
	for i := range d.nums {
		if d.nums[i].field == field {
			d.nums[i].vals = append(d.nums[i].vals, v)
			return
		}
	}
	d.nums = append(d.nums, fieldNums{field, []int64{v}})
}

// AllTerms yields every facet field that has values, and them.
func (d *Doc) AllTerms() iter.Seq2[string, []string] {
	return func(yield func(string, []string) bool) {
		for _, t := range d.terms {
			if !yield(t.field, t.vals) {
				return
			}
		}
	}
}

// AllNumbers yields every numeric field that has values, and them.
func (d *Doc) AllNumbers() iter.Seq2[string, []int64] {
	return func(yield func(string, []int64) bool) {
		for _, n := range d.nums {
			if !yield(n.field, n.vals) {
				return
			}
		}
	}
}

// compact packs the Doc's values into one block of strings and one of
// numbers, each exactly sized (a Doc built up by AddTerm and AddNumber
// holds a small, half-empty slice for every field), with its values and
// field names the strings intern gives (the keys of the Set's bitmaps),
// so that 100,000 articles naming one trust hold one copy of its name.
// It is for Build and Apply, before the Set holds the Doc.
func (d *Doc) compact(intern func(field, v string) (string, string)) {
	nt, nn := 0, 0
	for _, t := range d.terms {
		nt += len(t.vals)
	}
	for _, n := range d.nums {
		nn += len(n.vals)
	}
	strs, nums := make([]string, 0, nt), make([]int64, 0, nn)
	terms := make([]fieldTerms, len(d.terms))
	for i, t := range d.terms {
		at := len(strs)
		for _, v := range t.vals {
			var iv string
			t.field, iv = intern(t.field, v)
			strs = append(strs, iv)
		}
		terms[i] = fieldTerms{t.field, strs[at:len(strs):len(strs)]}
	}
	numbers := make([]fieldNums, len(d.nums))
	for i, n := range d.nums {
		at := len(nums)
		nums = append(nums, n.vals...)
		numbers[i] = fieldNums{n.field, nums[at:len(nums):len(nums)]}
	}
	d.terms, d.nums = terms, numbers
	if len(d.terms) == 0 {
		d.terms = nil
	}
	if len(d.nums) == 0 {
		d.nums = nil
	}
	d.TrustCuts = slices.Clip(d.TrustCuts)
}

// stringTable gives one copy of each field name and value the Docs of a line
// of Sets hold (Build's and those Apply makes from it). It only grows, by
// the values ever written. It is safe for concurrent use.
type stringTable struct {
	mu sync.Mutex
	m  map[string]string
}

func newStringTable() *stringTable { return &stringTable{m: map[string]string{}} }

// intern returns the table's copy of field and v.
func (t *stringTable) intern(field, v string) (string, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.one(field), t.one(v)
}

func (t *stringTable) one(s string) string {
	if c, ok := t.m[s]; ok {
		return c
	}
	t.m[s] = s
	return s
}
