package web

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// minContrast is WCAG 2.2 AA's least contrast ratio for normal text
// (success criterion 1.4.3), which Lighthouse's colour-contrast audit
// checks. The tests ask it of all text, large or not.
const minContrast = 4.5

// cssComment and cssRule find comments and innermost rules (those of an
// @media block too) in a stylesheet without nesting.
var (
	cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssRule    = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
)

// cssRuleSet is a stylesheet's rules (selector and declarations) and the
// custom properties of :root.
type cssRuleSet struct {
	rules []cssDecls
	vars  map[string]string
}

type cssDecls struct {
	selector string
	props    map[string]string
}

func parseCSS(src string) cssRuleSet {
	src = cssComment.ReplaceAllString(src, "")
	set := cssRuleSet{vars: map[string]string{}}
	for _, m := range cssRule.FindAllStringSubmatch(src, -1) {
		r := cssDecls{selector: strings.Join(strings.Fields(m[1]), " "), props: map[string]string{}}
		for d := range strings.SplitSeq(m[2], ";") {
			k, v, ok := strings.Cut(d, ":")
			if ok {
				r.props[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		if r.selector == ":root" {
			for k, v := range r.props {
				set.vars[k] = v
			}
		}
		set.rules = append(set.rules, r)
	}
	return set
}

// colour resolves a colour value (#rgb, #rrggbb or var(--name) of one) to
// its red, green and blue; ok is false for anything else (inherit,
// currentColor, rgba, a gradient), which the tests then do not judge.
func (s cssRuleSet) colour(v string) (rgb [3]float64, ok bool) {
	v = strings.TrimSpace(v)
	for range 10 { // var() chains, without looping forever
		name, isVar := strings.CutPrefix(v, "var(")
		if !isVar {
			break
		}
		v = strings.TrimSpace(s.vars[strings.TrimSuffix(strings.TrimSpace(name), ")")])
	}
	hex, ok := strings.CutPrefix(v, "#")
	if !ok || (len(hex) != 3 && len(hex) != 6) {
		return rgb, false
	}
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	for i := range 3 {
		n, err := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		if err != nil {
			return rgb, false
		}
		rgb[i] = float64(n) / 255
	}
	return rgb, true
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(rgb [3]float64) float64 {
	var l [3]float64
	for i, c := range rgb {
		if c <= 0.04045 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is WCAG's contrast ratio of two colours, from 1 to 21.
func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastFormula(t *testing.T) {
	// Reference values: WCAG's black on white, and WebAIM's contrast
	// checker for the pairs Lighthouse reported on the old stylesheet.
	s := cssRuleSet{vars: map[string]string{"--x": "#8a94a3"}}
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"#000", "#fff", 21},
		{"#fff", "#fff", 1},
		{"#ffffff", "#3d7fd9", 4.01},
		{"var(--x)", "#f6f7f9", 2.86},
		{"var(--x)", "#ffffff", 3.07},
	} {
		a, okA := s.colour(tt.a)
		b, okB := s.colour(tt.b)
		if !okA || !okB {
			t.Fatalf("colour(%q), colour(%q) not resolved", tt.a, tt.b)
		}
		if got := contrast(a, b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
	for _, v := range []string{"inherit", "rgba(0,0,0,.5)", "var(--nope)", "#12345"} {
		if _, ok := s.colour(v); ok {
			t.Errorf("colour(%q) resolved", v)
		}
	}
}

// TestStylesheetContrast checks the text colours of style.css against the
// backgrounds they are drawn on, at WCAG AA's 4.5:1: every rule that sets
// both a text colour and a background, and the pairs below, where the text
// colour of one rule sits on the background of another (an ancestor's).
// Lighthouse checks the rendered pages (bench/lighthouse); this catches a
// colour change that breaks contrast on a page or state it does not visit.
func TestStylesheetContrast(t *testing.T) {
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	s := parseCSS(string(css))
	check := func(where, fg, bg string) {
		t.Helper()
		f, okF := s.colour(fg)
		b, okB := s.colour(bg)
		if !okF || !okB {
			t.Errorf("%s: cannot resolve %q on %q", where, fg, bg)
			return
		}
		if c := contrast(f, b); c < minContrast {
			t.Errorf("%s: %s on %s has contrast %.2f:1, want at least %.1f:1", where, fg, bg, c, minContrast)
		}
	}

	// Rules that set both.
	judged := 0
	for _, r := range s.rules {
		fg := r.props["color"]
		bg := r.props["background-color"]
		if bg == "" {
			bg = r.props["background"]
		}
		if _, ok := s.colour(fg); !ok {
			continue
		}
		if _, ok := s.colour(bg); !ok {
			continue
		}
		check(r.selector, fg, bg)
		judged++
	}
	// body, .masthead, .brand-mark, .searchbox button, .field-error, .count,
	// .buckets a.active, .buckets a.active .count, .chip, .chip-remove,
	// .pager a[aria-current], .button, .footer at least.
	if judged < 13 {
		t.Errorf("judged %d rules with a text colour and a background, want at least 13: is the parser broken?", judged)
	}

	// Text colours on the backgrounds they inherit.
	pageText := []string{"var(--text)", "var(--muted)", "var(--faint)", "var(--accent)", "var(--accent-dark)", "#15396b", "#4a5563", "#3a4452", "#56606e", "#222b36"}
	for _, bg := range []string{"var(--bg)", "var(--surface)"} {
		for _, fg := range pageText {
			check("page text", fg, bg)
		}
	}
	for _, fg := range []string{"var(--text)", "var(--muted)"} {
		check(".chip-kind, .count", fg, "#eef1f4")
		check(".chip-kind in .chip-remove", fg, "var(--accent-soft)")
	}
	check(".tagline", "#b9c6d8", "#12233b")
	check(".snippet mark", "#3a4452", "#fff0a8")
	for _, kind := range []string{"trust", "union", "person", "place", "hospital", "amount", "jobs"} {
		bg := fmt.Sprintf("var(--%s-bg)", kind)
		check("highlight and chip "+kind, "#222b36", bg)
		check("highlight and chip "+kind, "var(--text)", bg)
	}
}
