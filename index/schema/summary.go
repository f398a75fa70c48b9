package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/cutwatch/cutwatch/index/tag"
)

// Summary holds the distinct canonical values of an article's entities,
// one list per kind of its schema, in order of first mention: names for
// name kinds, whole numbers for numeric kinds. Its JSON is an object with
// each kind's JSON key and a list (never null), in schema order; keys of
// other kinds are ignored when decoding. The zero Summary is empty and
// belongs to Default.
type Summary struct {
	schema *Schema
	terms  map[tag.Kind][]string
	nums   map[tag.Kind][]int64
}

// NewSummary returns an empty Summary of s.
func (s *Schema) NewSummary() Summary { return Summary{schema: s} }

// Summarize collects the distinct values of ents by kind. Entities of
// kinds that s does not know are left out.
func (s *Schema) Summarize(ents []tag.Entity) Summary {
	sum := s.NewSummary()
	type key struct {
		kind  tag.Kind
		value string
	}
	seen := make(map[key]bool, len(ents))
	for _, e := range ents {
		k := s.lookup(string(e.Type))
		if k == nil || seen[key{e.Type, e.Value}] {
			continue
		}
		seen[key{e.Type, e.Value}] = true
		if k.Numeric {
			sum.AddNumber(e.Type, e.Number)
		} else {
			sum.AddTerm(e.Type, e.Value)
		}
	}
	return sum
}

// Schema returns the schema of m (Default for the zero Summary).
func (m Summary) Schema() *Schema {
	if m.schema == nil {
		return Default
	}
	return m.schema
}

// Terms returns the values of the name kind k (never nil).
func (m Summary) Terms(k tag.Kind) []string {
	if v := m.terms[k]; v != nil {
		return v
	}
	return []string{}
}

// Numbers returns the values of the numeric kind k (never nil).
func (m Summary) Numbers(k tag.Kind) []int64 {
	if v := m.nums[k]; v != nil {
		return v
	}
	return []int64{}
}

// Values returns the values of k as strings (numbers in decimal).
func (m Summary) Values(k tag.Kind) []string {
	if kind := m.Schema().lookup(string(k)); kind != nil && kind.Numeric {
		out := make([]string, len(m.nums[k]))
		for i, n := range m.nums[k] {
			out[i] = strconv.FormatInt(n, 10)
		}
		return out
	}
	return slices.Clone(m.Terms(k))
}

// Len returns the number of values of k.
func (m Summary) Len(k tag.Kind) int { return len(m.terms[k]) + len(m.nums[k]) }

// AddTerm appends a value of the name kind k.
func (m *Summary) AddTerm(k tag.Kind, v string) {
	if m.terms == nil {
		m.terms = map[tag.Kind][]string{}
	}
	m.terms[k] = append(m.terms[k], v)
}

// AddNumber appends a value of the numeric kind k.
func (m *Summary) AddNumber(k tag.Kind, n int64) {
	if m.nums == nil {
		m.nums = map[tag.Kind][]int64{}
	}
	m.nums[k] = append(m.nums[k], n)
}

// Truncate keeps the first n values of k.
func (m *Summary) Truncate(k tag.Kind, n int) {
	if len(m.terms[k]) > n {
		m.terms[k] = m.terms[k][:n]
	}
	if len(m.nums[k]) > n {
		m.nums[k] = m.nums[k][:n]
	}
}

// Clone returns a copy of m that shares no slices with it.
func (m Summary) Clone() Summary {
	c := Summary{schema: m.schema}
	for k, v := range m.terms {
		for _, s := range v {
			c.AddTerm(k, s)
		}
	}
	for k, v := range m.nums {
		for _, n := range v {
			c.AddNumber(k, n)
		}
	}
	return c
}

// Size is an estimate of the bytes m holds, for caches.
func (m Summary) Size() int64 {
	var n int64
	for _, v := range m.terms {
		n += 24
		for _, s := range v {
			n += 16 + int64(len(s))
		}
	}
	for _, v := range m.nums {
		n += 24 + 8*int64(len(v))
	}
	return n
}

// MarshalJSON encodes m as an object of every kind's JSON key and values.
func (m Summary) MarshalJSON() ([]byte, error) {
	b := append(m.AppendFields([]byte{'{'}), '}')
	return b, nil
}

// AppendFields appends m's "key":[values] pairs, comma-separated, in
// schema order: the JSON of a struct that embeds a Summary, written by hand.
func (m Summary) AppendFields(b []byte) []byte {
	for i, k := range m.Schema().kinds {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k.JSON)
		b = append(b, ':', '[')
		if k.Numeric {
			for j, n := range m.nums[k.Kind] {
				if j > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendInt(b, n, 10)
			}
		} else {
			for j, s := range m.terms[k.Kind] {
				if j > 0 {
					b = append(b, ',')
				}
				b = AppendString(b, s)
			}
		}
		b = append(b, ']')
	}
	return b
}

// UnmarshalJSON reads the values of every kind of m's schema (Default for
// the zero Summary) from an object; other keys are ignored.
func (m *Summary) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	s := m.Schema()
	*m = s.NewSummary()
	for _, k := range s.kinds {
		v, ok := raw[k.JSON]
		if !ok || string(v) == "null" {
			continue
		}
		if k.Numeric {
			var ns []int64
			if err := json.Unmarshal(v, &ns); err != nil {
				return fmt.Errorf("%s: %w", k.JSON, err)
			}
			for _, n := range ns {
				m.AddNumber(k.Kind, n)
			}
			continue
		}
		var ss []string
		if err := json.Unmarshal(v, &ss); err != nil {
			return fmt.Errorf("%s: %w", k.JSON, err)
		}
		for _, s := range ss {
			m.AddTerm(k.Kind, s)
		}
	}
	return nil
}

// MarshalWith encodes v, which must encode as a JSON object, with the
// fields of sum added after its own: the JSON of a struct that embeds a
// Summary, such as a search hit.
func MarshalWith(v any, sum Summary) ([]byte, error) {
	base, err := Marshal(v)
	if err != nil {
		return nil, err
	}
	base = bytes.TrimSpace(base)
	if len(base) < 2 || base[0] != '{' || base[len(base)-1] != '}' {
		return nil, fmt.Errorf("schema: MarshalWith needs a value that encodes as an object, got %.20s", base)
	}
	b := make([]byte, 0, len(base)+256)
	b = append(b, base[:len(base)-1]...)
	if len(base) > 2 {
		b = append(b, ',')
	}
	b = sum.AppendFields(b)
	return append(b, '}'), nil
}

// Marshal is json.Marshal without escaping <, > and &: snippets carry
// <mark> tags, and the API's encoder does not escape them either.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// UnmarshalWith decodes data, a JSON object, into v (a pointer to a struct
// whose Summary field is left out of its JSON) and the values of every kind
// of sum's schema into sum: the inverse of MarshalWith.
func UnmarshalWith(data []byte, v any, sum *Summary) error {
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	return sum.UnmarshalJSON(data)
}
