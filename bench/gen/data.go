package gen

import (
	"bufio"
	"embed"
	"fmt"
	"strings"
)

//go:embed data/*.tsv data/*.txt
var dataFS embed.FS

// place is a row of data/places.tsv.
type place struct {
	name   string
	kind   string // city, town, county, region
	nation string // england, scotland, wales, ni
}

// org is an NHS organisation: its canonical (gold) name, its kind and the
// surface forms of a first mention (the first is the usual one).
type org struct {
	canonical string
	kind      string
	nation    string
	surfaces  []string
}

// union is a row of data/unions.tsv.
type union struct {
	canonical string
	surfaces  []string
}

// orgPattern is a row of data/org_patterns.tsv.
type orgPattern struct {
	kind       string
	placeKinds []string
	canonical  string
	surfaces   []string
}

// hospital is a real hospital of data/hospitals.tsv.
type hospital struct {
	name   string
	nation string
}

// vocab holds everything read from the data files.
type vocab struct {
	places       []place
	orgs         []org
	orgPatterns  []orgPattern
	unions       []union
	hospPatterns []string
	hospitals    []hospital
	given        []string
	surnames     []string
	roles        map[string][]string
	templates    map[string][]string
	words        map[string][]string
}

// loadVocab reads and checks the embedded data files.
func loadVocab() (*vocab, error) {
	v := &vocab{roles: map[string][]string{}, templates: map[string][]string{}, words: map[string][]string{}}
	err := eachRow("places.tsv", 3, func(f []string) error {
		v.places = append(v.places, place{name: f[0], kind: f[1], nation: f[2]})
		return nil
	})
	if err == nil {
		err = eachRow("orgs.tsv", 2, func(f []string) error {
			o := org{canonical: f[0], kind: f[1], nation: orgNation(f[0], f[1]), surfaces: []string{f[0]}}
			if len(f) > 2 {
				o.surfaces = append(o.surfaces, strings.Split(f[2], "|")...)
			}
			v.orgs = append(v.orgs, o)
			return nil
		})
	}
	if err == nil {
		err = eachRow("org_patterns.tsv", 4, func(f []string) error {
			v.orgPatterns = append(v.orgPatterns, orgPattern{kind: f[0], placeKinds: strings.Split(f[1], ","),
				canonical: f[2], surfaces: strings.Split(f[3], "|")})
			return nil
		})
	}
	if err == nil {
		err = eachRow("unions.tsv", 2, func(f []string) error {
			v.unions = append(v.unions, union{canonical: f[0], surfaces: strings.Split(f[1], "|")})
			return nil
		})
	}
	if err == nil {
		err = eachRow("hospitals.tsv", 2, func(f []string) error {
			switch {
			case f[0] == "pattern":
				v.hospPatterns = append(v.hospPatterns, f[1])
			case f[0] == "real" && len(f) == 3:
				v.hospitals = append(v.hospitals, hospital{name: f[1], nation: f[2]})
			default:
				return fmt.Errorf("want pattern<TAB>NAME or real<TAB>NAME<TAB>NATION")
			}
			return nil
		})
	}
	if err == nil {
		err = eachRow("roles.tsv", 2, func(f []string) error {
			v.roles[f[0]] = append(v.roles[f[0]], f[1])
			return nil
		})
	}
	if err == nil {
		err = eachRow("templates.tsv", 2, func(f []string) error {
			v.templates[f[0]] = append(v.templates[f[0]], f[1])
			return nil
		})
	}
	if err == nil {
		err = eachRow("offtopic.tsv", 2, func(f []string) error {
			v.templates[f[0]] = append(v.templates[f[0]], f[1])
			return nil
		})
	}
	if err == nil {
		err = eachRow("vocab.tsv", 2, func(f []string) error {
			v.words[f[0]] = append(v.words[f[0]], strings.Fields(f[1])...)
			return nil
		})
	}
	if err == nil {
		v.given, err = readWords("given_names.txt")
	}
	if err == nil {
		v.surnames, err = readWords("surnames.txt")
	}
	if err != nil {
		return nil, err
	}
	for _, sec := range []string{"lead", "jobs", "money", "neg", "place", "union", "ctx", "quote", "fill", "title"} {
		if len(v.templates[sec]) == 0 {
			return nil, fmt.Errorf("data/templates.tsv: no %q templates", sec)
		}
	}
	for _, k := range OffTopicKinds {
		for _, sec := range []string{"lead", "body", "quote", "title"} {
			if len(v.templates[k+"."+sec]) == 0 {
				return nil, fmt.Errorf("data/offtopic.tsv: no %q templates", k+"."+sec)
			}
		}
	}
	for _, c := range []string{"n", "ns", "adj", "v", "vd", "adv"} {
		if len(v.words[c]) < 2 {
			return nil, fmt.Errorf("data/vocab.tsv: class %q needs at least 2 words", c)
		}
	}
	for _, k := range []string{"trust", "union", "staff"} {
		if len(v.roles[k]) == 0 {
			return nil, fmt.Errorf("data/roles.tsv: no %q roles", k)
		}
	}
	return v, nil
}

// orgNation tells where a real organisation is from its kind and name.
func orgNation(name, kind string) string {
	switch {
	case kind == "hsct":
		return "ni"
	case kind == "hb" && strings.HasSuffix(name, "University Health Board"):
		return "wales"
	case kind == "hb":
		return "scotland"
	}
	return "england"
}

// eachRow calls fn with the tab-separated fields of every line of a data
// file that is neither blank nor a # comment; rows need at least min fields.
func eachRow(name string, min int, fn func([]string) error) error {
	b, err := dataFS.ReadFile("data/" + name)
	if err != nil {
		return fmt.Errorf("read data/%s: %w", name, err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < min {
			return fmt.Errorf("data/%s:%d: want at least %d tab-separated fields, got %d", name, line, min, len(f))
		}
		if err := fn(f); err != nil {
			return fmt.Errorf("data/%s:%d: %w", name, line, err)
		}
	}
	return sc.Err()
}

// readWords returns the space-separated words of a data file's lines that
// are neither blank nor # comments.
func readWords(name string) ([]string, error) {
	var words []string
	b, err := dataFS.ReadFile("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("read data/%s: %w", name, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		words = append(words, strings.Fields(l)...)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("data/%s: no words", name)
	}
	return words, nil
}
