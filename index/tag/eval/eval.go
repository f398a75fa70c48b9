// Package eval scores the entity tagger against gold annotations, in the
// format and by the rules of index/tag/testdata/README.md: per article and
// per key, the set of values the tagger reports is compared with the gold
// set (names compared case-insensitively with spaces, dashes and quotes
// normalised; amounts and job counts as numbers); values listed under
// "optional" are neither right nor wrong; true positives, false positives
// and misses are summed over articles per key, and precision, recall and F1
// are reported per key, micro-averaged overall and macro-averaged over the
// keys. The misses and false positives are listed by key (the class of
// entity), so that the next round of work can start from them.
package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Keys are the scored keys of a gold annotation, in report order: the
// JSON keys of the schema's kinds.
var Keys = schema.Default.JSONKeys()

// Article is the gold annotation of one article. Values holds each key's
// gold values and Optional the values that may be reported or left out,
// both already normalised with Normalize. Text is the article text when the
// gold file carries it inline (JSONL corpora); otherwise the text is read
// from File in the article directory.
type Article struct {
	File     string
	Text     string
	HasText  bool
	Values   map[string][]string
	Optional map[string][]string
	// Events and OptionalEvents are the article's cut-event links as
	// EventKey strings, by EventKeys (jobs, amounts); HasEvents is false
	// for an annotation without "cut_events", whose links are not scored.
	Events         map[string][]string
	OptionalEvents map[string][]string
	HasEvents      bool
}

// EventKeys are the scored kinds of cut-event link, in report order: a job
// count's (trust, jobs, kind) and an amount's (trust, amount_gbp, kind).
var EventKeys = []string{"jobs links", "amount links"}

// EventKey is the form in which cut-event links are compared: the trust
// normalised as a name, the number and the kind; key is "jobs links" for a
// job count, "amount links" for an amount.
func EventKey(e tag.CutLink) (key, link string) {
	key, n := EventKeys[0], e.Jobs
	if e.Jobs == 0 {
		key, n = EventKeys[1], e.AmountGBP
	}
	return key, Normalize("trusts", e.Trust) + "|" + strconv.FormatInt(n, 10) + "|" + string(e.Kind)
}

// EventValues groups links as EventKey strings per key.
func EventValues(links []tag.CutLink) map[string][]string {
	out := map[string][]string{}
	for _, e := range links {
		k, l := EventKey(e)
		out[k] = append(out[k], l)
	}
	return out
}

// LoadGold reads a gold file: a JSON array of annotations (seeds.json) or
// JSON Lines with one annotation per line, whose "text" field may carry the
// article itself.
func LoadGold(path string) ([]Article, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read gold %s: %w", path, err)
	}
	arts, err := ParseGold(data)
	if err != nil {
		return nil, fmt.Errorf("gold %s: %w", path, err)
	}
	return arts, nil
}

// ParseGold parses gold annotations from a JSON array or JSON Lines.
func ParseGold(data []byte) ([]Article, error) {
	trimmed := bytes.TrimSpace(data)
	var raws []map[string]json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, fmt.Errorf("parse JSON array: %w", err)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(trimmed))
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(l, &m); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			raws = append(raws, m)
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	arts := make([]Article, 0, len(raws))
	for i, m := range raws {
		a, err := parseArticle(m)
		if err != nil {
			return nil, fmt.Errorf("annotation %d: %w", i+1, err)
		}
		arts = append(arts, a)
	}
	return arts, nil
}

func parseArticle(m map[string]json.RawMessage) (Article, error) {
	a := Article{Values: map[string][]string{}, Optional: map[string][]string{}}
	if raw, ok := m["file"]; ok {
		if err := json.Unmarshal(raw, &a.File); err != nil {
			return a, fmt.Errorf("file: %w", err)
		}
	}
	if a.File == "" {
		if raw, ok := m["id"]; ok {
			a.File = strings.Trim(string(raw), `"`)
		}
	}
	if raw, ok := m["text"]; ok {
		if err := json.Unmarshal(raw, &a.Text); err != nil {
			return a, fmt.Errorf("text: %w", err)
		}
		a.HasText = true
	}
	if a.File == "" && !a.HasText {
		return a, errors.New(`neither "file" nor "text"`)
	}
	for _, k := range Keys {
		vals, err := values(k, m[k])
		if err != nil {
			return a, err
		}
		a.Values[k] = vals
	}
	if raw, ok := m["cut_events"]; ok && len(raw) > 0 && string(raw) != "null" {
		evs, err := events(raw)
		if err != nil {
			return a, err
		}
		a.Events, a.HasEvents = EventValues(evs), true
	}
	if raw, ok := m["optional"]; ok && len(raw) > 0 && string(raw) != "null" {
		var opt map[string]json.RawMessage
		if err := json.Unmarshal(raw, &opt); err != nil {
			return a, fmt.Errorf("optional: %w", err)
		}
		for k, v := range opt {
			if k == "cut_events" {
				evs, err := events(v)
				if err != nil {
					return a, fmt.Errorf("optional: %w", err)
				}
				a.OptionalEvents = EventValues(evs)
				continue
			}
			vals, err := values(k, v)
			if err != nil {
				return a, fmt.Errorf("optional: %w", err)
			}
			a.Optional[k] = vals
		}
	}
	return a, nil
}

// events decodes a list of cut events, each with a trust ("" for none),
// exactly one of jobs and amount_gbp, and a kind.
func events(raw json.RawMessage) ([]tag.CutLink, error) {
	var evs []tag.CutLink
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&evs); err != nil {
		return nil, fmt.Errorf("cut_events: %w", err)
	}
	for i, e := range evs {
		if (e.Jobs > 0) == (e.AmountGBP > 0) {
			return nil, fmt.Errorf("cut_events: event %d: want exactly one of jobs and amount_gbp", i+1)
		}
		if !tag.ValidEventKind(e.Jobs > 0, e.Kind) {
			return nil, fmt.Errorf("cut_events: event %d: kind %q is not one of a %s", i+1, e.Kind, map[bool]string{true: "job count's cut, other", false: "amount's savings, deficit, budget, other"}[e.Jobs > 0])
		}
	}
	return evs, nil
}

// values decodes one key's list of strings or numbers and normalises it.
func values(key string, raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: want a list: %w", key, err)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var s string
		if err := json.Unmarshal(it, &s); err != nil {
			var n json.Number
			dec := json.NewDecoder(bytes.NewReader(it))
			dec.UseNumber()
			if err := dec.Decode(&n); err != nil {
				return nil, fmt.Errorf("%s: value %s is neither a string nor a number", key, it)
			}
			s = n.String()
		}
		out = append(out, Normalize(key, s))
	}
	return out, nil
}

// Normalize puts a value in the form in which values are compared: numbers
// for amounts and job counts ("6,500,000" and "6500000" are equal), and for
// names lower case with dashes as spaces, curly quotes straight and runs of
// white space single.
func Normalize(key, v string) string {
	if k, ok := schema.Default.ByJSON(key); ok && k.Numeric {
		s := strings.ReplaceAll(strings.TrimSpace(v), ",", "")
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		switch {
		case r == '-' || r == '\u2010' || r == '\u2011' || r == '\u2013' || r == '\u2014' || r == '_':
			b.WriteRune(' ')
		case r == '\u2018' || r == '\u2019' || r == '`' || r == '\u00b4':
			b.WriteRune('\'')
		case r == '\u201c' || r == '\u201d':
			b.WriteRune('"')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// SummaryValues returns a tagger summary as normalised values per key.
func SummaryValues(s schema.Summary) map[string][]string {
	out := map[string][]string{}
	for _, k := range s.Schema().Kinds() {
		for _, v := range s.Values(k.Kind) {
			out[k.JSON] = append(out[k.JSON], Normalize(k.JSON, v))
		}
	}
	return out
}

// Counts are true positives, false positives and false negatives.
type Counts struct {
	TP, FP, FN int
}

// Add sums counts.
func (c *Counts) Add(o Counts) { c.TP += o.TP; c.FP += o.FP; c.FN += o.FN }

// Precision is TP/(TP+FP), or 1 when nothing was reported.
func (c Counts) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN), or 1 when there was nothing to find.
func (c Counts) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 1
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// KeyResult is the comparison of one key of one article.
type KeyResult struct {
	Counts
	FalsePositives []string // reported, neither gold nor optional
	Misses         []string // gold, not reported
}

// Compare scores one key: got and gold are normalised value lists
// (duplicates count once); optional values are neither right nor wrong.
func Compare(got, gold, optional []string) KeyResult {
	g := set(gold)
	o := set(optional)
	r := set(got)
	var res KeyResult
	for _, v := range sortedKeys(r) {
		switch {
		case g[v]:
			res.TP++
		case o[v]:
		default:
			res.FP++
			res.FalsePositives = append(res.FalsePositives, v)
		}
	}
	for _, v := range sortedKeys(g) {
		if !r[v] && !o[v] {
			res.FN++
			res.Misses = append(res.Misses, v)
		}
	}
	return res
}

func set(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// FileResult holds the per-key results of one article. Written holds, per
// key and normalised reported value, the texts the value was found as
// ("Whipps Cross" for the person "whipps cross"), when the report was made
// from entities (Score); it is nil for a report made from summaries.
type FileResult struct {
	File    string
	Keys    map[string]KeyResult
	Events  map[string]KeyResult // by EventKeys; nil when not annotated
	Written map[string]map[string][]string
}

// Report is the result of scoring a gold set.
type Report struct {
	Files  []FileResult
	PerKey map[string]Counts
	Total  Counts
	// PerEvent scores the cut-event links by EventKeys over the articles
	// whose annotation has them (EventFiles of them); not part of Total.
	PerEvent   map[string]Counts
	EventFiles int
}

// Tagger is what Score needs from the tagger.
type Tagger interface {
	Tag(text string) ([]tag.Entity, error)
}

// Score tags every article (from its inline text or from dir/File) and
// scores it against its gold annotation.
func Score(t Tagger, arts []Article, dir string) (*Report, error) {
	rep := &Report{PerKey: map[string]Counts{}, PerEvent: map[string]Counts{}}
	for _, a := range arts {
		text := a.Text
		if !a.HasText {
			if dir == "" {
				return nil, fmt.Errorf("article %s: no inline text and no --dir", a.File)
			}
			b, err := os.ReadFile(filepath.Join(dir, a.File))
			if err != nil {
				return nil, fmt.Errorf("article %s: %w", a.File, err)
			}
			text = string(b)
		}
		ents, err := t.Tag(text)
		if err != nil {
			return nil, fmt.Errorf("tag %s: %w", a.File, err)
		}
		rep.Add(a, schema.Default.Summarize(ents))
		rep.Files[len(rep.Files)-1].Written = written(ents)
		rep.AddEvents(a, tag.Events(text, ents))
	}
	return rep, nil
}

// written maps each key and normalised value of ents to the distinct texts
// it was found as, in order of first appearance.
func written(ents []tag.Entity) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, e := range ents {
		k, ok := schema.Default.Lookup(string(e.Type))
		if !ok {
			continue
		}
		if out[k.JSON] == nil {
			out[k.JSON] = map[string][]string{}
		}
		v := Normalize(k.JSON, e.Value)
		if !slices.Contains(out[k.JSON][v], e.Text) {
			out[k.JSON][v] = append(out[k.JSON][v], e.Text)
		}
	}
	return out
}

// Add scores one article's summary against its gold annotation.
func (rep *Report) Add(a Article, s schema.Summary) {
	got := SummaryValues(s)
	fr := FileResult{File: a.File, Keys: map[string]KeyResult{}}
	for _, k := range Keys {
		kr := Compare(got[k], a.Values[k], a.Optional[k])
		fr.Keys[k] = kr
		c := rep.PerKey[k]
		c.Add(kr.Counts)
		rep.PerKey[k] = c
		rep.Total.Add(kr.Counts)
	}
	rep.Files = append(rep.Files, fr)
}

// AddEvents scores the cut events found in the last article added (a)
// against its annotated links; an article without them is not scored.
func (rep *Report) AddEvents(a Article, evs []tag.CutEvent) {
	if !a.HasEvents {
		return
	}
	if rep.PerEvent == nil {
		rep.PerEvent = map[string]Counts{}
	}
	links := make([]tag.CutLink, len(evs))
	for i, e := range evs {
		links[i] = e.CutLink
	}
	got := EventValues(links)
	fr := &rep.Files[len(rep.Files)-1]
	fr.Events = map[string]KeyResult{}
	for _, k := range EventKeys {
		kr := Compare(got[k], a.Events[k], a.OptionalEvents[k])
		fr.Events[k] = kr
		c := rep.PerEvent[k]
		c.Add(kr.Counts)
		rep.PerEvent[k] = c
	}
	rep.EventFiles++
}

// A Miss is one value of one key that the tagger got wrong, with every
// article it was wrong in: a gold value it did not report, or (False) a
// value it reported that is neither gold nor optional.
type Miss struct {
	Key     string
	False   bool
	Value   string   // normalised
	Files   []string // in report order
	Written []string // a false positive's texts as written, if known
}

// Misses groups the report's misses and false positives by key (the class
// of entity: trusts, jobs, hospitals, ...) and then by value, the values
// wrong in most articles first, then misses before false positives, then
// by value.
func (rep *Report) Misses() map[string][]Miss {
	type id struct {
		key, value string
		fp         bool
	}
	index := map[id]int{}
	out := map[string][]Miss{}
	for _, f := range rep.Files {
		for _, k := range Keys {
			kr := f.Keys[k]
			add := func(v string, fp bool) {
				i, ok := index[id{k, v, fp}]
				if !ok {
					out[k] = append(out[k], Miss{Key: k, False: fp, Value: v})
					i = len(out[k]) - 1
					index[id{k, v, fp}] = i
				}
				m := &out[k][i]
				m.Files = append(m.Files, f.File)
				if fp {
					for _, w := range f.Written[k][v] {
						if !slices.Contains(m.Written, w) {
							m.Written = append(m.Written, w)
						}
					}
				}
			}
			for _, v := range kr.Misses {
				add(v, false)
			}
			for _, v := range kr.FalsePositives {
				add(v, true)
			}
		}
	}
	for _, ms := range out {
		slices.SortStableFunc(ms, func(a, b Miss) int {
			if len(a.Files) != len(b.Files) {
				return len(b.Files) - len(a.Files)
			}
			if a.False != b.False {
				if a.False {
					return 1
				}
				return -1
			}
			return strings.Compare(a.Value, b.Value)
		})
	}
	return out
}

// MacroF1 is the mean of the keys' F1 scores.
func (rep *Report) MacroF1() float64 {
	sum := 0.0
	for _, k := range Keys {
		sum += rep.PerKey[k].F1()
	}
	return sum / float64(len(Keys))
}

// shortList is how many values per key and files per value Write lists
// unless verbose.
const shortList = 15

// Write prints the per-key table, the macro-averaged F1 and the misses and
// false positives by key (class), each value once with the articles it was
// wrong in and, for a false positive, the texts it was found as. Unless
// verbose, each class lists its first 15 values and each value its first
// 15 articles.
func (rep *Report) Write(w io.Writer, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %5s %5s %5s %7s %7s %7s\n", "key", "TP", "FP", "FN", "P", "R", "F1")
	row := func(name string, c Counts) {
		fmt.Fprintf(&b, "%-12s %5d %5d %5d %7.3f %7.3f %7.3f\n", name, c.TP, c.FP, c.FN, c.Precision(), c.Recall(), c.F1())
	}
	for _, k := range Keys {
		row(k, rep.PerKey[k])
	}
	row("overall", rep.Total)
	fmt.Fprintf(&b, "macro F1 %.3f (the mean of the keys' F1)\n", rep.MacroF1())
	if rep.EventFiles > 0 {
		fmt.Fprintf(&b, "\nCut events: links (trust, number, kind) on the %d annotated articles\n", rep.EventFiles)
		fmt.Fprintf(&b, "%-12s %5s %5s %5s %7s %7s %7s\n", "link", "TP", "FP", "FN", "P", "R", "F1")
		for _, k := range EventKeys {
			row(k, rep.PerEvent[k])
		}
		n := 0
		for _, f := range rep.Files {
			for _, k := range EventKeys {
				kr := f.Events[k]
				for _, v := range kr.Misses {
					if n < shortList || verbose {
						fmt.Fprintf(&b, "  MISS %s %s: %s\n", k, v, f.File)
					}
					n++
				}
				for _, v := range kr.FalsePositives {
					if n < shortList || verbose {
						fmt.Fprintf(&b, "  FP   %s %s: %s\n", k, v, f.File)
					}
					n++
				}
			}
		}
		if n > shortList && !verbose {
			fmt.Fprintf(&b, "  ... and %d more (-v lists all)\n", n-shortList)
		}
	}
	misses := rep.Misses()
	if len(misses) > 0 {
		b.WriteString("\nMisses by class (MISS: gold, not reported; FP: reported, neither gold nor optional)\n")
	}
	for _, k := range Keys {
		ms := misses[k]
		if len(ms) == 0 {
			continue
		}
		c := rep.PerKey[k]
		fmt.Fprintf(&b, "\n%s: %d missed, %d false positive%s\n", k, c.FN, c.FP, plural(c.FP))
		for i, m := range ms {
			if i == shortList && !verbose {
				fmt.Fprintf(&b, "  ... and %d more values (-v lists all)\n", len(ms)-i)
				break
			}
			label := "MISS"
			if m.False {
				label = "FP"
			}
			fmt.Fprintf(&b, "  %-4s %3dx %s", label, len(m.Files), m.Value)
			if len(m.Written) > 0 {
				fmt.Fprintf(&b, " (as %s)", quoteAll(m.Written))
			}
			files := m.Files
			more := 0
			if len(files) > shortList && !verbose {
				files, more = files[:shortList], len(files)-shortList
			}
			fmt.Fprintf(&b, ": %s", strings.Join(files, " "))
			if more > 0 {
				fmt.Fprintf(&b, " ... +%d", more)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
