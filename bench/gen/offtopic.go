package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cutwatch/cutwatch/index/tag"
)

// OffTopicKinds are the kinds of off-topic article (see data/offtopic.tsv):
// NHS stories not about cuts, cuts outside the NHS, other local news.
var OffTopicKinds = []string{"nhs", "cuts", "local"}

// offStream is added to the seed of off-topic articles, so that their
// random streams differ from those of the articles of the same seed.
const offStream = 0x6f66662d746f7069 // "off-topi"

// OffTopic returns off-topic article i (0-based) of the generator's seed:
// the local news a paper's feed carries besides NHS job cuts, a third of
// each kind of OffTopicKinds in turn. The hard cases are deliberate: NHS
// organisations with jobs and posts (recruitment) but no cuts, and job
// cuts, unions and savings outside the NHS. Its id starts "off-"; Truth
// holds the entities its slots named.
func (g *Generator) OffTopic(i int) Article {
	s := g.newState(rand.New(rand.NewPCG(g.seed+offStream, uint64(i))))
	r := s.r
	kind := OffTopicKinds[i%len(OffTopicKinds)]
	town := s.places[0].name
	s.council = pick(r, []string{town + " Council", town + " Borough Council", town + " City Council", "the county council"})
	s.firm = town + pick(r, []string{" Engineering", " Foods", " Packaging", " Castings", " Logistics"})

	target := int(math.Exp(r.NormFloat64()*0.4 + math.Log(2000)))
	target = min(max(target, MinTextBytes+200), MaxTextBytes-600)
	var b strings.Builder
	b.WriteString(s.sentences(kind+".lead", 1)[0])
	for b.Len() < target {
		var p string
		switch x := r.IntN(10); {
		case x < 6:
			p = strings.Join(s.sentences(kind+".body", 1+r.IntN(3)), " ")
		case x < 8:
			p = s.offQuote(kind)
		default:
			p = strings.Join(s.sentences("fill", 2+r.IntN(3)), " ")
		}
		if b.Len()+2+len(p) > MaxTextBytes {
			break
		}
		b.WriteString("\n\n")
		b.WriteString(p)
	}
	a := Article{ID: fmt.Sprintf("off-%d-%07d", g.seed, i), Text: b.String(), Published: g.published(-1 - i)}
	a.Title = s.offTitle(kind)
	a.Truth = distinct(s.sum)
	return a
}

// offQuote is a paragraph of quoted words by a new person or a
// spokesperson.
func (s *state) offQuote(kind string) string {
	words := strings.Join(s.sentences(kind+".quote", 1), " ")
	who := "A spokesperson"
	if p, ok := s.newPerson(); ok {
		who = p.full
	}
	return fmt.Sprintf("%s said: “%s”", who, words)
}

// offTitle is a headline of kind that names only what the article does.
func (s *state) offTitle(kind string) string {
	facts := map[string]string{"COUNCILNAME": strings.TrimPrefix(s.council, "the "), "FIRMNAME": s.firm}
	if ts := s.sum.Terms(tag.Trust); len(ts) > 0 {
		facts["TRUSTNAME"] = strings.TrimPrefix(s.main.surfaces[0], "The ")
	}
	if hs := s.sum.Terms(tag.Hospital); len(hs) > 0 {
		facts["HOSPNAME"] = hs[0]
	}
	if js := s.sum.Numbers(tag.Jobs); len(js) > 0 {
		facts["JOBSN"] = commas(js[0])
	}
	if ps := s.sum.Terms(tag.Place); len(ps) > 0 {
		facts["PLACENAME"] = ps[0]
	}
	var ok []string
	for _, t := range s.g.tmpl[kind+".title"] {
		fits := true
		for _, k := range []string{"COUNCILNAME", "FIRMNAME", "TRUSTNAME", "HOSPNAME", "JOBSN", "PLACENAME"} {
			if strings.Contains(t, "{"+k+"}") && facts[k] == "" {
				fits = false
			}
		}
		if fits {
			ok = append(ok, t)
		}
	}
	if len(ok) == 0 {
		return capitalise(kind) + " news"
	}
	t := pick(s.r, ok)
	for k, v := range facts {
		t = strings.ReplaceAll(t, "{"+k+"}", v)
	}
	return t
}
