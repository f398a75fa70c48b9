package web

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// siteDescription is the meta description of a page that gives none of
// its own.
const siteDescription = "Search news about NHS job cuts: articles tagged with the trusts, unions, people, places, hospitals, money and job counts they name."

// descriptionMax is the longest meta description a page gives, in
// characters: about what search engines and link previews show.
const descriptionMax = 160

// describer is the data of a page that says what the page holds, for its
// <meta name="description">.
type describer interface{ Description() string }

// pageDescription is the content of a page's <meta name="description">
// (search engines and link previews show it, and Lighthouse asks for one):
// the page's own description when its data gives one, else
// siteDescription, so that every page has one.
func pageDescription(data any) string {
	if d, ok := data.(describer); ok {
		if s := strings.TrimSpace(d.Description()); s != "" {
			return clip(s, descriptionMax)
		}
	}
	return siteDescription
}

// Description says how many articles the search found, for what and with
// which filters: "3 news articles about NHS job cuts for “redundancy”,
// Union: Unison." A rejected search has none of its own.
func (v *searchView) Description() string {
	if v.Failed {
		return ""
	}
	var b strings.Builder
	b.WriteString(v.Total)
	if v.Total == "1" {
		b.WriteString(" news article about NHS job cuts")
	} else {
		b.WriteString(" news articles about NHS job cuts")
	}
	if v.Q != "" {
		b.WriteString(" for “" + v.Q + "”")
	}
	for i, f := range v.Active {
		if i == 0 {
			b.WriteString(", ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Kind + ": " + f.Value)
	}
	b.WriteString(".")
	return b.String()
}

// Description is the article's first sentence after its title, else its
// title.
func (v *articleView) Description() string {
	if v.Lead != "" {
		return v.Lead
	}
	return v.Title
}

// Description is the error page's message.
func (v errorView) Description() string { return v.Message }

// leadSentence is the first sentence of an article's text after its title:
// a plain-text article's title is its first line, which the text repeats.
func leadSentence(title, text string) string {
	text = strings.TrimSpace(text)
	if title != "" {
		text = strings.TrimPrefix(text, title)
	}
	return firstSentence(text)
}

// firstSentence is the first sentence of text's first non-blank line: up
// to and including the first '.', '!' or '?' (and any closing quotes or
// brackets after it) that ends a word, the whole line when there is none.
func firstSentence(text string) string {
	var line string
	for l := range strings.Lines(text) {
		if line = strings.Join(strings.Fields(l), " "); line != "" {
			break
		}
	}
	for i, r := range line {
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		end := i + 1
		for end < len(line) {
			c, size := utf8.DecodeRuneInString(line[end:])
			if !strings.ContainsRune(`"'”’)]`, c) {
				break
			}
			end += size
		}
		if end == len(line) || line[end] == ' ' {
			return line[:end]
		}
	}
	return line
}

// clip shortens s to at most n characters, at a space where it can, and
// marks the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, count := 0, 0 // cut: the byte offset of the (n-1)th character, leaving room for "…"
	for i := range s {
		if count == n-1 {
			cut = i
			break
		}
		count++
	}
	// Back off to the last space before the cut, unless that loses most of
	// the text (one long word).
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRightFunc(s[:cut], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// Description says what the entity page holds: "Trust: Rotherham NHS
// Foundation Trust. 3 news articles about its job cuts; 750 jobs cut or
// at risk in those with a date."
func (v *entityView) Description() string {
	s := v.KindLabel + ": " + v.Name + ". " + v.Total
	if v.Total == "1" {
		s += " news article about its job cuts"
	} else {
		s += " news articles about its job cuts"
	}
	return s + "; " + v.Jobs + " jobs cut or at risk in those with a date."
}
