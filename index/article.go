package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/index/tag"
)

// Limits on an article's fields. They keep one bad record from bloating the
// index or a response.
const (
	MaxIDLen    = 256
	MaxTitleLen = 1000
	MaxURLLen   = 2048
	// titleCut is where a title derived from the text is cut (at a word
	// boundary) when the first sentence is longer.
	titleCut = 140
)

// Article is one news article as read from a source file.
type Article struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Text      string    `json:"text"`
	URL       string    `json:"url,omitempty"`
	Published time.Time `json:"published,omitzero"`
}

// Normalize fills the title from the text when it is empty and trims space
// from the fields, then checks the article. The error names the bad field.
func (a *Article) Normalize() error {
	a.ID = strings.TrimSpace(a.ID)
	a.Title = strings.TrimSpace(a.Title)
	a.Text = strings.TrimSpace(a.Text)
	a.URL = strings.TrimSpace(a.URL)
	switch {
	case a.ID == "":
		return errors.New("id: missing")
	case len(a.ID) > MaxIDLen:
		return fmt.Errorf("id: longer than %d bytes", MaxIDLen)
	case !utf8.ValidString(a.ID):
		return errors.New("id: not valid UTF-8")
	case strings.IndexFunc(a.ID, unicode.IsControl) >= 0:
		return errors.New("id: contains a control character")
	case a.Text == "":
		return errors.New("text: missing or empty")
	case !utf8.ValidString(a.Text):
		return errors.New("text: not valid UTF-8")
	case !utf8.ValidString(a.Title):
		return errors.New("title: not valid UTF-8")
	case len(a.Title) > MaxTitleLen:
		return fmt.Errorf("title: longer than %d bytes", MaxTitleLen)
	case len(a.URL) > MaxURLLen:
		return fmt.Errorf("url: longer than %d bytes", MaxURLLen)
	case !utf8.ValidString(a.URL):
		return errors.New("url: not valid UTF-8")
	}
	if a.Title == "" {
		a.Title = DeriveTitle(a.Text)
	}
	return nil
}

// DeriveTitle returns the first sentence of text, for sources that have no
// title. A sentence ends at a line break or at '.', '!' or '?' followed by a
// space. A first sentence longer than about 140 bytes is cut at the last word
// boundary before that and ends in "…".
func DeriveTitle(text string) string {
	text = strings.TrimSpace(text)
	end := len(text)
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		end = i
	}
	for i := 0; i < end; i++ {
		switch text[i] {
		case '.', '!', '?':
			if i+1 == end || text[i+1] == ' ' {
				end = i + 1
			}
		}
	}
	s := strings.TrimSpace(text[:end])
	if len(s) <= titleCut {
		return s
	}
	cut := strings.LastIndexFunc(s[:titleCut+1], unicode.IsSpace)
	if cut <= 0 {
		// One very long word: cut at a rune boundary instead.
		cut = titleCut
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return strings.TrimRightFunc(s[:cut], func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}) + "…"
}

// document returns the fields of a to be indexed, with its entities.
func document(a Article, ents []tag.Entity) (map[string]any, error) {
	sum := tag.Summarize(ents)
	entsJSON, err := json.Marshal(ents)
	if err != nil {
		return nil, fmt.Errorf("encode entities: %w", err)
	}
	doc := map[string]any{
		FieldTitle:       a.Title,
		FieldText:        a.Text,
		FieldTrust:       sum.Trusts,
		FieldUnion:       sum.Unions,
		FieldPerson:      sum.People,
		FieldPlace:       sum.Places,
		FieldHospital:    sum.Hospitals,
		FieldAmount:      floats(sum.AmountsGBP),
		FieldJobs:        floats(sum.Jobs),
		FieldAmountRange: bucketKeys(AmountBuckets, sum.AmountsGBP),
		FieldJobsRange:   bucketKeys(JobsBuckets, sum.Jobs),
		FieldEntities:    string(entsJSON),
	}
	if a.URL != "" {
		doc[FieldURL] = a.URL
	}
	if !a.Published.IsZero() {
		doc[FieldPublished] = a.Published
	}
	return doc, nil
}

func floats(vs []int64) []float64 {
	fs := make([]float64, len(vs))
	for i, v := range vs {
		fs[i] = float64(v)
	}
	return fs
}
