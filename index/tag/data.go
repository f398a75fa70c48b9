package tag

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// data holds the domain knowledge files. Each is plain UTF-8 text with a
// header of '#' comments that explains its format; users extend the tagger
// by adding lines.
//
//go:embed data/*.tsv data/*.txt
var dataFS embed.FS

// orgEntry is one NHS organisation of the gazetteer or one built from a
// suffix rule.
type orgEntry struct {
	canonical string
	kind      string   // trust, ft, pct, sha, hb, icb, ccg, national, ...
	stem      []string // the name without suffix, "NHS" and "The": [Mid Yorkshire Hospitals]
}

// suffixEntry is one organisation suffix rule (data/org_suffixes.tsv).
type suffixEntry struct {
	canonical string
	kind      string
	nhsPrefix bool // the official name starts with "NHS" (ICBs, CCGs)
	needsDesc bool // only after a health word: "X Hospitals Trust"
	acronym   bool // an upper-case acronym such as PCT: match case exactly
	capital   bool // must be written with a capital letter
	noNHS     bool // a leading "NHS" is not part of the name (PCT clusters)
	plural    bool // the name may be a list of names, one organisation each
}

// unionAlias is one name of a union (data/unions.tsv).
type unionAlias struct {
	canonical string
	alias     string
	exactCase bool // GMB, RCN: only as written
	capital   bool // Unite, Unison: must start with a capital (not "in unison")
	noFuzzy   bool // never match misspellings (Unite vs United)
	alone     bool // no capitalised word right before or after ("Prospect", not "Prospect Park")
}

// placeEntry is one place (data/places.tsv).
type placeEntry struct {
	name      string
	kind      string
	ambiguous bool // also a common word or surname: needs "in/at/from ..." before it
}

// hospEntry is one hospital of the gazetteer (data/hospitals.tsv).
type hospEntry struct {
	name string // the usual full name: the value of every short mention
	town string // decides between hospitals sharing a short name
	stem string // dictionary key of the name without its head word and trailing descriptors ("royal cornwall")
	list string // dictionary key of the name without its last word, if that is a head word ("newham general")
}

// hospName is one name of a gazetteer hospital: its full name, a full
// variant or a short name.
type hospName struct {
	entry     int
	full      bool // ends with a head word ("City Hospital") or is the full name
	canonical bool // the full name itself
	the       bool // only straight after "the"
	named     bool // only once the hospital has been named in the article
	upper     bool // an acronym: only in capitals
}

// knowledge is the parsed domain data shared by every Tagger.
type knowledge struct {
	orgs      []orgEntry
	orgDict   *phraseDict
	orgByKey  map[string]int      // loose key -> orgs index
	acronyms  map[string][]string // one-word acronym alias of an org, lower case -> forms as written ("RDaSH")
	suffixes  []suffixEntry
	sufDict   *phraseDict
	unions    []unionAlias
	unionDict *phraseDict
	fuzzy     []int // unions indices of single-word aliases open to fuzzy matching
	places    []placeEntry
	placeDict *phraseDict
	given     map[string]bool
	hosps     []hospEntry
	hospNamed map[string]bool   // full names of the gazetteer's hospitals
	hospTown  map[string]string // full name -> town, for names of one town
	hospNames []hospName
	hospDict  *phraseDict                // full names and short names -> hospNames indices
	hospList  *phraseDict                // names as items of "the X and Y hospitals" -> hospNames indices
	lex       map[string]map[string]bool // class -> lower-case word set
	lexDict   map[string]*phraseDict     // class -> multi-word phrases
	sentWords map[string]uint8           // word -> sentCut|sentJobs, the lexicon classes sentenceFlags reads
}

// The bits of knowledge.sentWords.
const (
	sentCut  uint8 = 1 << iota // cutword or jobcutnoun
	sentJobs                   // jobnoun or jobcutnoun
)

// parseLines calls fn for each non-comment, non-blank line of a data file,
// split on tabs, with its line number.
func parseLines(name string, fn func(fields []string, line int) error) error {
	f, err := dataFS.Open("data/" + name)
	if err != nil {
		return fmt.Errorf("open data %s: %w", name, err)
	}
	defer f.Close()
	return parseReader(f, name, fn)
}

// parseReader is parseLines on data read from r.
func parseReader(r io.Reader, name string, fn func(fields []string, line int) error) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(s) == "" || strings.HasPrefix(strings.TrimSpace(s), "#") {
			continue
		}
		fields := strings.Split(s, "\t")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if err := fn(fields, line); err != nil {
			return fmt.Errorf("data/%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read data %s: %w", name, err)
	}
	return nil
}

func field(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

func hasFlag(flags, f string) bool {
	for _, x := range strings.Split(flags, ",") {
		if strings.TrimSpace(x) == f {
			return true
		}
	}
	return false
}

// loadKnowledge parses every data file.
func loadKnowledge() (*knowledge, error) {
	kn := &knowledge{
		orgDict: newPhraseDict(), orgByKey: map[string]int{}, acronyms: map[string][]string{}, sufDict: newPhraseDict(),
		unionDict: newPhraseDict(), placeDict: newPhraseDict(), given: map[string]bool{},
		hospDict: newPhraseDict(), hospList: newPhraseDict(), hospNamed: map[string]bool{}, hospTown: map[string]string{},
		lex: map[string]map[string]bool{}, lexDict: map[string]*phraseDict{},
	}
	err := parseLines("lexicon.tsv", func(f []string, _ int) error {
		class, phrase := field(f, 0), field(f, 1)
		if class == "" || phrase == "" {
			return fmt.Errorf("want class<TAB>word, got %q", strings.Join(f, "\t"))
		}
		if kn.lex[class] == nil {
			kn.lex[class] = map[string]bool{}
			kn.lexDict[class] = newPhraseDict()
		}
		key, n := phraseKey(phrase)
		if n == 1 {
			kn.lex[class][key] = true
		}
		kn.lexDict[class].add(phrase, 0)
		return nil
	})
	if err != nil {
		return nil, err
	}
	kn.sentWords = map[string]uint8{}
	for _, cb := range []struct {
		class string
		bits  uint8
	}{{"cutword", sentCut}, {"jobcutnoun", sentCut | sentJobs}, {"jobnoun", sentJobs}} {
		for w := range kn.lex[cb.class] {
			kn.sentWords[w] |= cb.bits
		}
	}
	err = parseLines("org_suffixes.tsv", func(f []string, _ int) error {
		surface, canon, kind, flags := field(f, 0), field(f, 1), field(f, 2), field(f, 3)
		if surface == "" || canon == "" || kind == "" {
			return fmt.Errorf("want surface<TAB>canonical<TAB>kind[<TAB>flags]")
		}
		kn.suffixes = append(kn.suffixes, suffixEntry{
			canonical: canon, kind: kind,
			nhsPrefix: hasFlag(flags, "nhsprefix"), needsDesc: hasFlag(flags, "needsdesc"),
			acronym: isAcronym(strings.TrimSuffix(surface, "s")), capital: hasFlag(flags, "capital"),
			noNHS: hasFlag(flags, "nonhs"), plural: hasFlag(flags, "plural"),
		})
		kn.sufDict.add(surface, len(kn.suffixes)-1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = parseLines("nhs_orgs.tsv", func(f []string, _ int) error {
		canon, kind, aliases := field(f, 0), field(f, 1), field(f, 2)
		if canon == "" || kind == "" {
			return fmt.Errorf("want canonical<TAB>kind[<TAB>alias|alias...]")
		}
		idx := kn.addOrg(canon, kind)
		kn.orgDict.add(canon, idx)
		kn.addOrgAliases(idx, aliases)
		return nil
	})
	if err != nil {
		return nil, err
	}
	renamed, err := dataFS.Open("data/renamed.tsv")
	if err != nil {
		return nil, fmt.Errorf("open data renamed.tsv: %w", err)
	}
	defer renamed.Close()
	if err := kn.loadRenamed(renamed); err != nil {
		return nil, err
	}
	kn.addBrandNames()
	kn.addShortTrustNames()
	err = parseLines("unions.tsv", func(f []string, _ int) error {
		canon, alias, flags := field(f, 0), field(f, 1), field(f, 2)
		if canon == "" || alias == "" {
			return fmt.Errorf("want canonical<TAB>alias[<TAB>flags]")
		}
		u := unionAlias{canonical: canon, alias: alias,
			exactCase: hasFlag(flags, "case") || isAcronym(alias),
			capital:   hasFlag(flags, "capital"), noFuzzy: hasFlag(flags, "exact"), alone: hasFlag(flags, "alone")}
		kn.unions = append(kn.unions, u)
		kn.unionDict.add(alias, len(kn.unions)-1)
		if _, n := phraseKey(alias); n == 1 && !u.noFuzzy && !u.exactCase && utf8.RuneCountInString(alias) >= 5 {
			kn.fuzzy = append(kn.fuzzy, len(kn.unions)-1)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = parseLines("places.tsv", func(f []string, _ int) error {
		name, kind, flags := field(f, 0), field(f, 1), field(f, 2)
		if name == "" || kind == "" {
			return fmt.Errorf("want name<TAB>kind[<TAB>flags]")
		}
		kn.places = append(kn.places, placeEntry{name: name, kind: kind, ambiguous: hasFlag(flags, "ambiguous")})
		kn.placeDict.add(name, len(kn.places)-1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = parseLines("hospitals.tsv", func(f []string, _ int) error {
		name, town, short := field(f, 0), field(f, 1), field(f, 2)
		if name == "" || town == "" {
			return fmt.Errorf("want name<TAB>town[<TAB>short|short...]")
		}
		return kn.addHospitalEntry(name, town, short)
	})
	if err != nil {
		return nil, err
	}
	err = parseLines("given_names.txt", func(f []string, _ int) error {
		for _, n := range strings.Fields(strings.Join(f, " ")) {
			kn.given[strings.ToLower(n)] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return kn, nil
}

// addOrgAliases registers the "|"-separated aliases of organisation idx.
func (kn *knowledge) addOrgAliases(idx int, aliases string) {
	for _, a := range strings.Split(aliases, "|") {
		if a = strings.TrimSpace(a); a != "" {
			kn.orgDict.add(a, idx)
			if _, n := phraseKey(a); n == 1 && looksLikeAcronym(a) {
				low := strings.ToLower(a)
				kn.acronyms[low] = append(kn.acronyms[low], a)
			}
		}
	}
}

// loadRenamed loads data/renamed.tsv, the renamed, merged and abolished
// bodies, as organisations of their own (the historical policy of its
// header). It refuses a body declared twice, a body's name that is
// another's alias (which would report the body under another name), and a
// successor that is no organisation of the gazetteer.
func (kn *knowledge) loadRenamed(r io.Reader) error {
	type succession struct {
		name, became string
		line         int
	}
	var lineage []succession
	err := parseReader(r, "renamed.tsv", func(f []string, line int) error {
		name, kind, became, aliases := field(f, 0), field(f, 1), field(f, 2), field(f, 3)
		if name == "" || kind == "" || became == "" {
			return fmt.Errorf("want name<TAB>kind<TAB>became[<TAB>alias|alias...]")
		}
		if i, dup := kn.orgByKey[kn.looseKey(name)]; dup {
			return fmt.Errorf("%s is declared twice (as %s)", name, kn.orgs[i].canonical)
		}
		key, _ := phraseKey(name)
		if ps := kn.orgDict.entries[key]; len(ps) > 0 {
			return fmt.Errorf("%s is an alias of %s: a former name is an organisation of its own", name, kn.orgs[ps[0]].canonical)
		}
		idx := kn.addOrg(name, kind)
		kn.orgDict.add(name, idx)
		kn.addOrgAliases(idx, aliases)
		lineage = append(lineage, succession{name, became, line})
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range lineage {
		if s.became == "-" {
			continue
		}
		if i, ok := kn.orgByKey[kn.looseKey(s.became)]; !ok || kn.orgs[i].canonical != s.became {
			return fmt.Errorf("data/renamed.tsv:%d: %s became %q, which is no organisation of the gazetteer", s.line, s.name, s.became)
		}
	}
	return nil
}

// addOrg adds an organisation (or returns the existing one with the same
// loose key) and returns its index.
func (kn *knowledge) addOrg(canon, kind string) int {
	lk := kn.looseKey(canon)
	if i, ok := kn.orgByKey[lk]; ok {
		return i
	}
	kn.orgs = append(kn.orgs, orgEntry{canonical: canon, kind: kind, stem: kn.stemOf(canon)})
	kn.orgByKey[lk] = len(kn.orgs) - 1
	return len(kn.orgs) - 1
}

// addBrandNames adds "NHS <place>" for every primary care trust, care
// trust and integrated care board of the gazetteer ("NHS Western Cheshire"
// for Western Cheshire Primary Care Trust, "NHS North East Lincolnshire" for
// North East Lincolnshire Care Trust Plus, "NHS Cheshire and Merseyside" for
// NHS Cheshire and Merseyside Integrated Care Board): PCTs traded under
// such names from 2007 and ICBs do, and reporters used them as often as the
// legal ones. A brand name that is already some other organisation's name
// or alias is left to that organisation.
func (kn *knowledge) addBrandNames() {
	for i, o := range kn.orgs {
		if o.kind != "pct" && o.kind != "caretrust" && o.kind != "icb" || len(o.stem) == 0 {
			continue
		}
		brand := "NHS " + strings.Join(o.stem, " ")
		if key, _ := phraseKey(brand); len(kn.orgDict.entries[key]) > 0 {
			continue
		}
		kn.orgDict.add(brand, i)
	}
}

// addShortTrustNames adds the name without its suffix of every trust and
// foundation trust whose name ends in "Hospitals", "Health" or
// "Healthcare" ("Frimley Health", "Mid Yorkshire Hospitals") or starts with
// "University Hospitals" ("University Hospitals Birmingham"): reporters
// name trusts so from the first mention. Names that are only places
// ("Calderdale and Huddersfield") or another body's name are left out, and
// so are names ending in "Hospital", which are hospitals.
func (kn *knowledge) addShortTrustNames() {
	for i, o := range kn.orgs {
		n := len(o.stem)
		if o.kind != "ft" && o.kind != "trust" || n < 2 {
			continue
		}
		switch {
		case o.stem[n-1] == "Hospitals", o.stem[n-1] == "Health", o.stem[n-1] == "Healthcare":
		case n >= 3 && o.stem[0] == "University" && o.stem[1] == "Hospitals":
			// "University Hospitals Birmingham", "University Hospitals of Leicester"
		default:
			continue
		}
		short := strings.Join(o.stem, " ")
		key, _ := phraseKey(short)
		if len(kn.orgDict.entries[key]) > 0 {
			continue
		}
		kn.orgDict.add(short, i)
	}
}

// looseKey identifies an organisation whatever the form of its suffix and
// whether "The" or "NHS" are written: "Rotherham Foundation Trust" and "The
// Rotherham NHS Foundation Trust" share one key.
func (kn *knowledge) looseKey(canon string) string {
	key, _ := phraseKey(canon)
	var out []string
	for _, w := range strings.Fields(key) {
		if w == "the" || w == "nhs" {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// stemOf strips the organisation suffix, "NHS" and "The" from a canonical
// name: "Mid Yorkshire Hospitals NHS Trust" -> [Mid Yorkshire Hospitals].
func (kn *knowledge) stemOf(canon string) []string {
	words := strings.Fields(canon)
	if len(words) > 0 && words[0] == "The" {
		words = words[1:]
	}
	if len(words) > 0 && words[0] == "NHS" {
		words = words[1:]
	}
	// strip the longest suffix that is a canonical suffix form
	best := 0
	for _, s := range kn.suffixes {
		sw := strings.Fields(s.canonical)
		if len(sw) <= best || len(sw) >= len(words) {
			continue
		}
		if strings.EqualFold(strings.Join(words[len(words)-len(sw):], " "), s.canonical) {
			best = len(sw)
		}
	}
	words = words[:len(words)-best]
	if n := len(words); n > 1 && words[n-1] == "NHS" {
		words = words[:n-1]
	}
	return words
}

// isAcronym reports whether s is an upper-case acronym such as "PCT" or "RCN".
func isAcronym(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		} else if r != '&' {
			return false
		}
	}
	return letters >= 2
}

// is reports whether the lower-case word w is in lexicon class c.
func (kn *knowledge) is(c, w string) bool { return kn.lex[c][w] }

// addHospitalEntry adds a hospital of data/hospitals.tsv and its names.
func (kn *knowledge) addHospitalEntry(name, town, short string) error {
	e := hospEntry{name: name, town: town}
	key, _ := phraseKey(name)
	words := strings.Fields(key)
	head := len(words)
	for i, w := range words {
		if kn.is("hospitalhead", w) {
			head = i
			break
		}
	}
	if head == len(words)-1 && head > 0 {
		e.list = strings.Join(words[:head], " ")
	}
	stem := words[:head]
	for len(stem) > 0 && (kn.is("hospitaldesc", stem[len(stem)-1]) || kn.is("connector", stem[len(stem)-1])) {
		stem = stem[:len(stem)-1]
	}
	e.stem = strings.Join(stem, " ")
	kn.hosps = append(kn.hosps, e)
	if t, seen := kn.hospTown[name]; seen && t != town {
		kn.hospTown[name] = "" // "St Mary's Hospital" is in several towns
	} else if !kn.hospNamed[name] {
		kn.hospTown[name] = town
	}
	kn.hospNamed[name] = true
	idx := len(kn.hosps) - 1
	add := func(d *phraseDict, phrase string, n hospName) {
		kn.hospNames = append(kn.hospNames, n)
		d.add(phrase, len(kn.hospNames)-1)
	}
	add(kn.hospDict, name, hospName{entry: idx, full: true, canonical: true})
	if e.list != "" {
		add(kn.hospList, e.list, hospName{entry: idx})
	}
	for _, a := range strings.Split(short, "|") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		n := hospName{entry: idx}
		if rest, ok := strings.CutPrefix(a, "@"); ok {
			n.named, a = true, rest
		}
		if rest, ok := strings.CutPrefix(a, "the "); ok {
			n.the, a = true, rest
		}
		k, units := phraseKey(a)
		if units == 0 || strings.ContainsAny(a, "@") {
			return fmt.Errorf("bad short name %q", a)
		}
		n.upper = isAcronym(a)
		n.full = kn.is("hospitalhead", k[strings.LastIndexByte(k, ' ')+1:])
		add(kn.hospDict, a, n)
		if !n.full {
			add(kn.hospList, a, hospName{entry: idx, upper: n.upper})
		}
	}
	return nil
}
