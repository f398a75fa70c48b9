package gen

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// Limits on the length of an article's text in bytes.
const (
	MinTextBytes = 1 << 10
	MaxTextBytes = 8 << 10
)

// poolStream is the PCG stream of the organisation pool; articles use
// streams 0, 1, 2, ... (their index).
const poolStream = math.MaxUint64

// Article is one generated article: what the index reads (id, title, text)
// and its true entities under the keys of the gold annotations.
type Article struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Published is the article's publication time (2008–2026, in bursts:
	// see published).
	Published time.Time `json:"published,omitzero"`
	// Events are the true cut events: each job count and amount linked to
	// the organisation the generator wrote it for, with its kind.
	Events []tag.CutLink `json:"cut_events,omitempty"`
	// Truth holds the true entities, encoded beside the fields above.
	Truth schema.Summary `json:"-"`
}

// articleFields is Article without its methods.
type articleFields Article

// MarshalJSON encodes the article's fields and its true entities.
func (a Article) MarshalJSON() ([]byte, error) { return schema.MarshalWith(articleFields(a), a.Truth) }

// UnmarshalJSON decodes what MarshalJSON encodes.
func (a *Article) UnmarshalJSON(data []byte) error {
	return schema.UnmarshalWith(data, (*articleFields)(a), &a.Truth)
}

// Generator makes the articles of one seed. It is safe for concurrent use:
// it holds only read-only vocabularies, and each article has its own random
// stream.
type Generator struct {
	seed  uint64
	v     *vocab
	orgs  []org               // real and built organisations
	local map[string][]place  // places by nation
	towns map[string][]place  // cities and towns by nation
	hosps map[string][]string // hospital names by nation
	byNat map[string][]org    // organisations by nation
	roles map[string][]string // roles by kind
	words map[string][]string // ordinary words by class
	tmpl  map[string][]string // sentence templates by section
	unW   []float64           // cumulative weights of unions
}

// New returns the Generator of seed. The organisation and hospital pools (a
// few hundred names built from place names and patterns, plus real ones)
// depend on the seed too.
func New(seed uint64) (*Generator, error) {
	v, err := loadVocab()
	if err != nil {
		return nil, err
	}
	g := &Generator{seed: seed, v: v, local: map[string][]place{}, towns: map[string][]place{},
		hosps: map[string][]string{}, byNat: map[string][]org{}, roles: v.roles, words: v.words, tmpl: v.templates}
	for _, p := range v.places {
		g.local[p.nation] = append(g.local[p.nation], p)
		if p.kind == "city" || p.kind == "town" {
			g.towns[p.nation] = append(g.towns[p.nation], p)
		}
	}
	r := rand.New(rand.NewPCG(seed, poolStream))
	seen := map[string]bool{}
	add := func(o org) {
		if !seen[o.canonical] {
			seen[o.canonical] = true
			g.orgs = append(g.orgs, o)
		}
	}
	for _, o := range v.orgs {
		add(o)
	}
	// Each English place gives its name to some of the patterns that fit
	// its kind: about 400 organisations in all.
	for _, p := range v.places {
		if p.nation != "england" {
			continue
		}
		for _, pat := range v.orgPatterns {
			if !slices.Contains(pat.placeKinds, p.kind) || r.Float64() > 0.42 {
				continue
			}
			q := p
			for q.name == p.name {
				q = pick(r, g.towns["england"])
			}
			fill := strings.NewReplacer("{P}", p.name, "{Q}", q.name)
			o := org{canonical: fill.Replace(pat.canonical), kind: pat.kind, nation: "england"}
			for _, s := range pat.surfaces {
				o.surfaces = append(o.surfaces, fill.Replace(s))
			}
			add(o)
		}
	}
	for _, o := range g.orgs {
		g.byNat[o.nation] = append(g.byNat[o.nation], o)
	}
	nations := slices.Sorted(maps.Keys(g.towns)) // a fixed order: the draws below depend on it
	for _, nation := range nations {
		for _, p := range g.towns[nation] {
			for _, pat := range v.hospPatterns {
				if r.Float64() < 0.3 {
					g.hosps[nation] = append(g.hosps[nation], strings.ReplaceAll(pat, "{P}", p.name))
				}
			}
		}
	}
	for _, h := range v.hospitals {
		g.hosps[h.nation] = append(g.hosps[h.nation], h.name)
	}
	// Unions: the big ones far more often than the small (weight 1/rank).
	total := 0.0
	for i := range v.unions {
		total += 1 / float64(i+1)
		g.unW = append(g.unW, total)
	}
	return g, nil
}

// Orgs returns the canonical names of the organisations the generator picks
// from.
func (g *Generator) Orgs() []string {
	out := make([]string, len(g.orgs))
	for i, o := range g.orgs {
		out[i] = o.canonical
	}
	return out
}

// person is someone quoted in an article.
type person struct {
	full, surname string
}

// state is the article being written: its random stream, its cast and the
// true entities mentioned so far (with repeats, removed at the end).
type state struct {
	g      *Generator
	r      *rand.Rand
	zipf   map[string]*rand.Zipf
	used   map[string]bool // templates used
	main   org
	nation string
	places []place
	hosps  []string
	unions []int // indexes into vocab.unions
	sum    schema.Summary
	people []person
	jobLo  int64
	// how many places and hospitals were named: the next is taken in turn
	nPlace, nHosp int
	// first money surface and job count, for the title
	moneyS string
	// the council and the company of an off-topic article
	council, firm string
	// the true cut events so far, and the organisation the sentence being
	// written names with {ORG}
	events  []tag.CutLink
	sentOrg string
}

// mark is a point to roll the article's entities back to when a paragraph
// does not fit: the number of values of each kind, and of people cast.
type mark struct {
	values map[tag.Kind]int
	cast   int
	events int
}

func (s *state) mark() mark {
	m := mark{values: map[tag.Kind]int{}, cast: len(s.people), events: len(s.events)}
	for _, k := range schema.Default.Kinds() {
		m.values[k.Kind] = s.sum.Len(k.Kind)
	}
	return m
}

func (s *state) reset(m mark) {
	for k, n := range m.values {
		s.sum.Truncate(k, n)
	}
	s.people = s.people[:m.cast]
	s.events = s.events[:m.events]
}

// Article returns article i (0-based) of the generator's seed.
func (g *Generator) Article(i int) Article {
	s := g.newState(rand.New(rand.NewPCG(g.seed, uint64(i))))
	r := s.r

	target := int(math.Exp(r.NormFloat64()*0.5 + math.Log(3000)))
	target = min(max(target, MinTextBytes+200), MaxTextBytes-300)

	var b strings.Builder
	b.WriteString(s.sentences("lead", 1)[0])
	for b.Len() < target {
		m := s.mark()
		p := s.paragraph()
		if b.Len()+2+len(p) > MaxTextBytes {
			s.reset(m)
			if b.Len() >= MinTextBytes {
				break
			}
			continue // a shorter paragraph will come
		}
		b.WriteString("\n\n")
		b.WriteString(p)
	}
	a := Article{ID: fmt.Sprintf("gen-%d-%07d", g.seed, i), Text: b.String()}
	a.Title = s.title()
	a.Published = g.published(i)
	a.Truth = distinct(s.sum)
	a.Events = distinctLinks(s.events)
	return a
}

// newState starts an article drawn from r, with its cast.
func (g *Generator) newState(r *rand.Rand) *state {
	s := &state{g: g, r: r, zipf: map[string]*rand.Zipf{}, used: map[string]bool{}}
	for c, ws := range g.words {
		s.zipf[c] = rand.NewZipf(r, 1.07, 1, uint64(len(ws)-1))
	}
	s.cast()
	return s
}

// cast picks the article's main organisation, its places, hospitals and
// unions.
func (s *state) cast() {
	g, r := s.g, s.r
	// Most articles are English, as most NHS staff are.
	switch x := r.Float64(); {
	case x < 0.82:
		s.nation = "england"
	case x < 0.9:
		s.nation = "scotland"
	case x < 0.96:
		s.nation = "wales"
	default:
		s.nation = "ni"
	}
	s.main = pick(r, g.byNat[s.nation])
	for range 2 + r.IntN(3) {
		p := pick(r, g.local[s.nation])
		if !slices.Contains(s.places, p) {
			s.places = append(s.places, p)
		}
	}
	for range 1 + r.IntN(3) {
		h := pick(r, g.hosps[s.nation])
		if !slices.Contains(s.hosps, h) {
			s.hosps = append(s.hosps, h)
		}
	}
	s.nPlace, s.nHosp = r.IntN(len(s.places)), r.IntN(len(s.hosps))
	for range 1 + r.IntN(3) {
		u := s.unionIndex()
		if !slices.Contains(s.unions, u) {
			s.unions = append(s.unions, u)
		}
	}
}

func (s *state) unionIndex() int {
	x := s.r.Float64() * s.g.unW[len(s.g.unW)-1]
	i, _ := slices.BinarySearch(s.g.unW, x)
	return min(i, len(s.g.unW)-1)
}

// paragraph writes one paragraph of a randomly chosen kind. Facts thin out
// as an article grows: past five job counts or amounts, their paragraphs
// give way to plain ones.
func (s *state) paragraph() string {
	r := s.r
	var sents []string
	section, n := "", 1
	switch x := r.IntN(100); {
	case x < 10:
		section, n = "jobs", 1+r.IntN(2)
	case x < 20:
		section, n = "money", 1+r.IntN(2)
	case x < 44:
		return s.quote()
	case x < 52:
		section = "place"
	case x < 59:
		section = "union"
	case x < 67:
		section, n = "neg", 1+r.IntN(2)
	case x < 80:
		section, n = "ctx", 1+r.IntN(2)
	default:
		section, n = "fill", 2+r.IntN(4)
	}
	if section == "jobs" && s.sum.Len(tag.Jobs) >= 5 || section == "money" && s.sum.Len(tag.Amount) >= 5 {
		section = "ctx"
	}
	sents = s.sentences(section, n)
	if section == "fill" && r.IntN(3) == 0 {
		sents = append(sents, s.sentences("ctx", 1)...)
	}
	return strings.Join(sents, " ")
}

// sentences writes n sentences from the templates of section. A template
// other than ordinary prose is used at most once an article while unused
// ones remain.
func (s *state) sentences(section string, n int) []string {
	ts := s.g.tmpl[section]
	out := make([]string, n)
	for i := range out {
		t := pick(s.r, ts)
		for tries := 0; section != "fill" && s.used[t] && tries < 8; tries++ {
			t = pick(s.r, ts)
		}
		s.used[t] = true
		from := len(s.events)
		s.sentOrg = ""
		out[i] = s.sentence(t)
		if s.sentOrg != "" { // the sentence's numbers are the other organisation's
			for j := from; j < len(s.events); j++ {
				if s.events[j].Trust != "" {
					s.events[j].Trust = s.sentOrg
				}
			}
		}
	}
	return out
}

// sentence fills the slots of a template and capitalises its first letter.
func (s *state) sentence(t string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			b.WriteString(t)
			break
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			break
		}
		b.WriteString(t[:i])
		b.WriteString(s.slot(t[i+1 : i+j]))
		t = t[i+j+1:]
	}
	return capitalise(b.String())
}

// slot renders one template slot, noting the entities it names and the
// cut events of its numbers ("MONEY:savings": an amount of kind savings).
func (s *state) slot(name string) string {
	r := s.r
	name, kind, _ := strings.Cut(name, ":")
	switch name {
	case "TRUST":
		return s.trustRef()
	case "ORG":
		o := s.main
		for tries := 0; o.canonical == s.main.canonical && tries < 10; tries++ {
			o = pick(r, s.g.byNat[s.nation])
		}
		if o.canonical == s.main.canonical {
			return "the trust"
		}
		s.sum.AddTerm(tag.Trust, o.canonical)
		s.sentOrg = o.canonical
		return surface(r, o.surfaces)
	case "UNION":
		return s.unionRef()
	case "PLACE":
		// In turn, so that two places in one sentence differ.
		p := s.places[s.nPlace%len(s.places)]
		s.nPlace++
		s.sum.AddTerm(tag.Place, p.name)
		return p.name
	case "HOSP":
		h := s.hosps[s.nHosp%len(s.hosps)]
		s.nHosp++
		s.sum.AddTerm(tag.Hospital, h)
		if strings.HasPrefix(h, "Royal ") || strings.HasPrefix(h, "University ") || strings.HasPrefix(h, "Queen ") {
			return "the " + h
		}
		return h
	case "MONEY":
		text, v := money(r)
		s.sum.AddNumber(tag.Amount, v)
		s.event(0, v, kind)
		if s.moneyS == "" {
			s.moneyS = text
		}
		return text
	case "SALARY":
		v := (18 + r.Int64N(140)) * 1000
		text := fmt.Sprintf("£%dk", v/1000)
		if r.IntN(2) == 0 {
			text = "£" + commas(v)
		}
		s.sum.AddNumber(tag.Amount, v)
		s.event(0, v, "other")
		return text
	case "JOBS":
		v := jobCount(r)
		s.sum.AddNumber(tag.Jobs, v)
		s.event(v, 0, "cut")
		return commas(v)
	case "JOBLO":
		s.jobLo = jobCount(r)
		s.sum.AddNumber(tag.Jobs, s.jobLo)
		s.event(s.jobLo, 0, "cut")
		return commas(s.jobLo)
	case "JOBHI":
		step := max(10, s.jobLo/2/10*10)
		hi := s.jobLo + step*int64(1+r.IntN(3))
		s.sum.AddNumber(tag.Jobs, hi)
		s.event(hi, 0, "cut")
		return commas(hi)
	case "WORKFORCE":
		return commas(int64(1000 + r.IntN(29)*500 + r.IntN(2)*250))
	case "PERCENT":
		if r.IntN(4) == 0 {
			return strconv.Itoa(2+r.IntN(30)) + " per cent"
		}
		if r.IntN(3) == 0 {
			return fmt.Sprintf("%d.%d%%", 1+r.IntN(20), 1+r.IntN(9))
		}
		return strconv.Itoa(2+r.IntN(30)) + "%"
	case "YEAR":
		return strconv.Itoa(2008 + r.IntN(18))
	case "FY":
		y := 2008 + r.IntN(17)
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%d-%02d", y, (y+1)%100)
		}
		return fmt.Sprintf("%d/%02d", y, (y+1)%100)
	case "SMALL":
		return strconv.Itoa(2 + r.IntN(59))
	case "BAND":
		return strconv.Itoa(2 + r.IntN(7))
	case "DAY":
		return pick(r, []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"})
	case "MONTH":
		return pick(r, []string{"January", "February", "April", "June", "July", "September", "October", "November", "December"})
	case "PAPER":
		return pick(r, []string{"the Gazette", "the Echo", "the Chronicle", "the Evening Post", "the Journal", "reporters"})
	case "COUNCIL":
		return s.council
	case "FIRM":
		return s.firm
	case "jobnoun":
		return pick(r, []string{"jobs", "posts", "health jobs", "administrative posts", "nursing posts",
			"management posts", "full-time equivalent posts", "roles", "back-office jobs", "clinical posts"})
	}
	if ws, ok := s.g.words[name]; ok {
		return ws[s.zipf[name].Uint64()]
	}
	return "{" + name + "}"
}

// event notes the cut event of a job count (jobs) or an amount (gbp) of
// kind ("savings", "savings:national" for the NHS's as a whole, none for
// other): the main organisation's until the sentence names another.
func (s *state) event(jobs, gbp int64, kind string) {
	kind, scope, _ := strings.Cut(kind, ":")
	if kind == "" {
		kind = string(tag.EventOther)
	}
	l := tag.CutLink{Trust: s.main.canonical, Jobs: jobs, AmountGBP: gbp, Kind: tag.EventKind(kind)}
	if scope == "national" {
		l.Trust = ""
	}
	s.events = append(s.events, l)
}

// trustRef names the main organisation: in full (in one of its surface
// forms) at first mention, by a short common noun after that.
func (s *state) trustRef() string {
	if !slices.Contains(s.sum.Terms(tag.Trust), s.main.canonical) {
		s.sum.AddTerm(tag.Trust, s.main.canonical)
		return surface(s.r, s.main.surfaces)
	}
	switch s.main.kind {
	case "pct":
		return pick(s.r, []string{"the trust", "the PCT"})
	case "sha":
		return "the strategic health authority"
	case "hb":
		return "the health board"
	case "icb":
		return "the ICB"
	case "ccg":
		return "the CCG"
	case "national":
		return "the national body"
	}
	return "the trust"
}

// unionRef names one of the article's unions: in any of its forms, or as
// "the union" once it has been named.
func (s *state) unionRef() string {
	u := s.g.v.unions[pick(s.r, s.unions)]
	if slices.Contains(s.sum.Terms(tag.Union), u.canonical) && s.r.IntN(4) == 0 {
		return "the union"
	}
	s.sum.AddTerm(tag.Union, u.canonical)
	return surface(s.r, u.surfaces)
}

// quote writes a paragraph quoting a new or an already named person.
func (s *state) quote() string {
	r := s.r
	words := strings.Join(s.sentences("quote", 1+r.IntN(2)), " ")
	if len(s.people) > 0 && r.IntN(3) == 0 {
		p := pick(r, s.people)
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%s added: “%s”", p.full, words)
		}
		return fmt.Sprintf("%s said: “%s”", p.surname, words)
	}
	p, ok := s.newPerson()
	if !ok {
		return fmt.Sprintf("A spokesman said: “%s”", words)
	}
	switch r.IntN(6) {
	case 0, 1:
		return fmt.Sprintf("%s, %s of %s, said: “%s”", p.full, pick(r, s.g.roles["trust"]), s.trustRef(), words)
	case 2:
		return fmt.Sprintf("%s %s told %s: “%s”", capitalise(pick(r, s.g.roles["trust"])), p.full, s.slot("PAPER"), words)
	case 3:
		return fmt.Sprintf("%s, %s for %s, said: “%s”", p.full, pick(r, s.g.roles["union"]), s.unionRef(), words)
	case 4:
		return fmt.Sprintf("“%s”, said %s, %s for %s.", words, p.full, pick(r, s.g.roles["union"]), s.unionRef())
	default:
		return fmt.Sprintf("%s, %s at %s, said: “%s”", p.full, pick(r, s.g.roles["staff"]), s.slot("HOSP"), words)
	}
}

// newPerson makes a person whose full name and surname are new to the
// article, so that a later "Surname said" is unambiguous.
func (s *state) newPerson() (person, bool) {
	for range 20 {
		p := person{surname: pick(s.r, s.g.v.surnames)}
		p.full = pick(s.r, s.g.v.given) + " " + p.surname
		if slices.ContainsFunc(s.people, func(q person) bool { return q.surname == p.surname }) ||
			strings.HasPrefix(p.full, p.surname+" ") {
			continue
		}
		s.people = append(s.people, p)
		s.sum.AddTerm(tag.Person, p.full)
		return p, true
	}
	return person{}, false
}

// title builds a headline from the article's first facts.
func (s *state) title() string {
	facts := map[string]string{"TRUSTNAME": strings.TrimPrefix(s.main.surfaces[0], "The ")}
	if s.sum.Len(tag.Jobs) > 0 {
		facts["JOBSN"] = commas(s.sum.Numbers(tag.Jobs)[0])
	}
	if s.moneyS != "" {
		facts["MONEYS"] = s.moneyS
	}
	if s.sum.Len(tag.Union) > 0 {
		facts["UNIONNAME"] = s.sum.Terms(tag.Union)[0]
	}
	if s.sum.Len(tag.Place) > 0 {
		facts["PLACENAME"] = s.sum.Terms(tag.Place)[0]
	}
	var ok []string
	for _, t := range s.g.tmpl["title"] {
		fits := true
		for _, k := range []string{"TRUSTNAME", "JOBSN", "MONEYS", "UNIONNAME", "PLACENAME"} {
			if strings.Contains(t, "{"+k+"}") && facts[k] == "" {
				fits = false
			}
		}
		if fits {
			ok = append(ok, t)
		}
	}
	t := pick(s.r, ok) // the last template needs only the organisation
	for k, v := range facts {
		t = strings.ReplaceAll(t, "{"+k+"}", v)
	}
	return t
}

// money returns an amount of money in one of the written forms the tagger
// must read, and its value in pounds.
func money(r *rand.Rand) (string, int64) {
	whole := func(lo, hi float64) int64 { return int64(math.Exp(lo + r.Float64()*(hi-lo))) }
	tenth := func() (int64, int64) { return 1 + r.Int64N(19), 1 + r.Int64N(9) } // 1.1 .. 19.9
	switch r.IntN(12) {
	case 0, 1, 2: // £55m
		m := max(1, whole(0, math.Log(600)))
		return fmt.Sprintf("£%dm", m), m * 1_000_000
	case 3: // £6.5m
		a, b := tenth()
		return fmt.Sprintf("£%d.%dm", a, b), a*1_000_000 + b*100_000
	case 4: // £6.5 million
		a, b := tenth()
		return fmt.Sprintf("£%d.%d million", a, b), a*1_000_000 + b*100_000
	case 5: // £6.5million
		a, b := tenth()
		return fmt.Sprintf("£%d.%dmillion", a, b), a*1_000_000 + b*100_000
	case 6: // £1million, £40 million
		m := max(1, whole(0, math.Log(300)))
		if r.IntN(2) == 0 {
			return fmt.Sprintf("£%dmillion", m), m * 1_000_000
		}
		return fmt.Sprintf("£%d million", m), m * 1_000_000
	case 7: // £20 billion
		bn := 1 + r.Int64N(30)
		return fmt.Sprintf("£%d billion", bn), bn * 1_000_000_000
	case 8: // £2bn, £1.2bn
		bn := 1 + r.Int64N(20)
		if r.IntN(2) == 0 {
			d := 1 + r.Int64N(9)
			return fmt.Sprintf("£%d.%dbn", bn, d), bn*1_000_000_000 + d*100_000_000
		}
		return fmt.Sprintf("£%dbn", bn), bn * 1_000_000_000
	case 9, 10: // £500,000, £27,500
		v := (10 + r.Int64N(980)) * 1000
		if r.IntN(3) == 0 {
			v += 500
		}
		return "£" + commas(v), v
	default: // £27k
		k := 15 + r.Int64N(140)
		return fmt.Sprintf("£%dk", k), k * 1000
	}
}

// jobCount returns a count of jobs, spread from a handful to thousands.
func jobCount(r *rand.Rand) int64 {
	v := int64(math.Exp(math.Log(5) + r.Float64()*(math.Log(3000)-math.Log(5))))
	if v > 100 && r.IntN(2) == 0 {
		v = v / 10 * 10
	}
	return v
}

// commas writes n with thousands separators, as newspapers do.
func commas(n int64) string {
	return thousands.Sprint(n)
}

// thousands prints integers with British thousands separators.
var thousands = message.NewPrinter(language.BritishEnglish)

// surface picks how a name is written: its usual form more than half the
// time, else any of its forms.
func surface(r *rand.Rand, forms []string) string {
	if r.IntN(10) < 6 {
		return forms[0]
	}
	return pick(r, forms)
}

func pick[T any](r *rand.Rand, xs []T) T {
	return xs[r.IntN(len(xs))]
}

// capitalise upper-cases the first letter of s.
func capitalise(s string) string {
	c, n := utf8.DecodeRuneInString(s)
	if c == utf8.RuneError || unicode.IsUpper(c) {
		return s
	}
	return string(unicode.ToUpper(c)) + s[n:]
}

// distinctLinks returns links with each one once, in order of first
// mention.
func distinctLinks(links []tag.CutLink) []tag.CutLink {
	var out []tag.CutLink
	for _, l := range links {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// distinct returns sum with each value once, in order of first mention.
func distinct(sum schema.Summary) schema.Summary {
	out := schema.Default.NewSummary()
	for _, k := range schema.Default.Kinds() {
		for _, v := range sum.Terms(k.Kind) {
			if !slices.Contains(out.Terms(k.Kind), v) {
				out.AddTerm(k.Kind, v)
			}
		}
		for _, v := range sum.Numbers(k.Kind) {
			if !slices.Contains(out.Numbers(k.Kind), v) {
				out.AddNumber(k.Kind, v)
			}
		}
	}
	return out
}
