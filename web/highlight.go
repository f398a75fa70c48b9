package web

import (
	"cmp"
	"html"
	"html/template"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/index/tag"
)

// segment is a piece of an article's text: plain, or one entity mention
// that links to the search filtered by that entity. Text is plain text;
// the template escapes it.
type segment struct {
	Text  string
	Kind  string // entity type, "" for plain text
	Label string // the entity's type and canonical value, for a tooltip
	Href  string // the search filtered by the entity
}

// paragraph is one paragraph of an article: the segments in order.
type paragraph []segment

// paragraphBreak is a blank line (maybe with spaces) between paragraphs.
var paragraphBreak = regexp.MustCompile(`\n[ \t\r]*\n\s*`)

// highlight splits text into paragraphs of plain and entity segments.
//
// Entities are taken in order of their start offset (the longer first when
// two start together); an entity that overlaps one already taken, whose
// offsets are out of range or not on character boundaries, whose Text does
// not match the text at its offsets, or that spans a paragraph break is
// left as plain text. Nothing here produces HTML: every segment's text is
// escaped by html/template when the page is rendered, so a hostile article
// cannot inject markup however its entities are laid out.
func highlight(sch *schema.Schema, text string, ents []tag.Entity) []paragraph {
	sorted := slices.Clone(ents)
	slices.SortStableFunc(sorted, func(a, b tag.Entity) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(b.End, a.End)
	})
	var (
		paras = []paragraph{nil}
		pos   int // text before pos has been emitted
	)
	plain := func(s string) {
		for i, part := range paragraphBreak.Split(s, -1) {
			if i > 0 {
				paras = append(paras, nil)
			}
			if part != "" {
				last := &paras[len(paras)-1]
				*last = append(*last, segment{Text: part})
			}
		}
	}
	for _, e := range sorted {
		if e.Start < pos || e.End <= e.Start || e.End > len(text) ||
			!utf8.RuneStart(text[e.Start]) || (e.End < len(text) && !utf8.RuneStart(text[e.End])) {
			continue
		}
		mention := text[e.Start:e.End]
		if mention != e.Text || paragraphBreak.MatchString(mention) {
			continue
		}
		href := entityURL(sch, string(e.Type), e.Value)
		if href == "" {
			continue
		}
		plain(text[pos:e.Start])
		last := &paras[len(paras)-1]
		*last = append(*last, segment{
			Text:  mention,
			Kind:  string(e.Type),
			Label: kindLabel(sch, string(e.Type)) + ": " + entityDisplay(sch, string(e.Type), e.Value),
			Href:  href,
		})
		pos = e.End
	}
	plain(text[pos:])
	// A text that starts or ends with a break leaves an empty paragraph.
	return slices.DeleteFunc(paras, func(p paragraph) bool { return len(p) == 0 })
}

// markOpen and markClose are the only tags a search snippet may carry.
const (
	markOpen  = "<mark>"
	markClose = "</mark>"
)

// safeSnippet returns a search snippet as HTML that can hold nothing but
// text and <mark> elements.
//
// The search layer already gives escaped text with <mark> around the
// matches (bleve's HTML fragment formatter escapes every piece of the
// article). Rather than trust that blindly, the snippet is split at the
// exact strings <mark> and </mark>, each piece between them is unescaped and
// escaped again, and the pieces are joined with those two tags. Whatever
// the input, the output therefore contains no '<' except in <mark> and
// </mark>, no '>' outside them, and no unescaped '&' or quote: it is safe to
// insert as template.HTML, which is the one place the UI does so.
func safeSnippet(s string) template.HTML {
	var b strings.Builder
	b.Grow(len(s) + 16)
	open := 0
	for s != "" {
		i := strings.Index(s, "<")
		var tok string
		for i >= 0 {
			if strings.HasPrefix(s[i:], markOpen) {
				tok = markOpen
				break
			}
			if strings.HasPrefix(s[i:], markClose) {
				tok = markClose
				break
			}
			j := strings.Index(s[i+1:], "<")
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			b.WriteString(html.EscapeString(html.UnescapeString(s)))
			break
		}
		b.WriteString(html.EscapeString(html.UnescapeString(s[:i])))
		switch {
		case tok == markOpen && open == 0:
			b.WriteString(markOpen)
			open++
		case tok == markClose && open > 0:
			b.WriteString(markClose)
			open--
		}
		s = s[i+len(tok):]
	}
	if open > 0 {
		b.WriteString(markClose)
	}
	return template.HTML(b.String()) // #nosec: built above from escaped text and <mark> tags only
}
