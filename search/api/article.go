package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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

// Article is one news article as it enters cutwatch (the write API, a file,
// and later a feed) and as the article store keeps it: the source of
// truth from which its index document is derived.
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

// ContentIDPrefix starts every id derived from an article's text.
const ContentIDPrefix = "sha256-"

// ContentID returns the id of an article that came without one: a prefix
// and the first 128 bits of the SHA-256 of its text with runs of white space
// collapsed to one space. Posting the same text again (re-wrapped or with
// other spacing) so gives the same id and replaces the article rather than
// adding a duplicate.
func ContentID(text string) string {
	sum := sha256.Sum256([]byte(strings.Join(strings.Fields(text), " ")))
	return ContentIDPrefix + hex.EncodeToString(sum[:16])
}

// ingestFields are the fields of an ingested JSON article, in the order in
// which their errors are reported.
var ingestFields = []string{"id", "title", "text", "url", "published"}

// DecodeIngest decodes and checks one article sent to the write API: a JSON
// object {id?, title?, text, url?, published?}. An article without an id
// gets defaultID if that is not empty, else ContentID of its text. Unlike
// encoding/json, which silently turns invalid UTF-8 into U+FFFD, it rejects
// a field holding invalid UTF-8. Every error names the field at fault.
func DecodeIngest(data []byte, defaultID string) (Article, error) {
	if !utf8.Valid(data) {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return Article{}, fmt.Errorf("invalid JSON: %w", err)
		}
		for _, f := range ingestFields {
			if !utf8.Valid(raw[f]) {
				return Article{}, fmt.Errorf("%s: not valid UTF-8", f)
			}
		}
		return Article{}, errors.New("body: not valid UTF-8")
	}
	var probe struct {
		Text json.RawMessage `json:"text"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Article{}, fmt.Errorf("invalid JSON: %w", err)
	}
	var text string
	if len(probe.Text) > 0 && string(probe.Text) != "null" {
		if err := json.Unmarshal(probe.Text, &text); err != nil {
			return Article{}, errors.New("text: must be a string")
		}
	}
	if strings.TrimSpace(text) == "" {
		return Article{}, errors.New("text: missing or empty")
	}
	if defaultID == "" {
		defaultID = ContentID(text)
	}
	return DecodeArticle(data, defaultID)
}

// jsonArticle is the JSON form of an article in .json and .jsonl files.
// Other keys (e.g. gold annotations) are ignored.
type jsonArticle struct {
	ID        *json.RawMessage `json:"id"`
	Title     string           `json:"title"`
	Text      string           `json:"text"`
	URL       string           `json:"url"`
	Published string           `json:"published"`
}

// DecodeArticle decodes one JSON article object. defaultID is used when the
// object has no id (pass "" to require one). A numeric id is accepted and
// used in its decimal form. Data that is not valid UTF-8 is an error, as it
// is for .txt files: encoding/json would silently replace the bad bytes
// with U+FFFD and index a corrupted text.
func DecodeArticle(data []byte, defaultID string) (Article, error) {
	if !utf8.Valid(data) {
		return Article{}, errors.New("invalid JSON: not valid UTF-8")
	}
	var ja jsonArticle
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ja); err != nil {
		return Article{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return Article{}, errors.New("invalid JSON: more than one value")
	}
	a := Article{Title: ja.Title, Text: ja.Text, URL: ja.URL, ID: defaultID}
	if ja.ID != nil && string(*ja.ID) != "null" {
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(*ja.ID, &s) == nil:
			a.ID = s
		case json.Unmarshal(*ja.ID, &n) == nil:
			a.ID = n.String()
		default:
			return Article{}, errors.New("id: must be a string or a number")
		}
	}
	var dateErr error
	if ja.Published != "" {
		t, err := ParsePublished(ja.Published)
		if err != nil {
			dateErr = err
		}
		a.Published = t
	}
	if err := a.Normalize(); err != nil {
		return Article{}, err
	}
	if dateErr != nil {
		return Article{}, &DateError{Err: dateErr, Undated: a}
	}
	return a, nil
}

// DateError is the error of an article that is good but for its date,
// which does not parse. Undated is the article without a date: a reader of
// files may take it so, with a warning, rather than lose the article; the
// write API refuses it (400), so that the client can send the date right.
type DateError struct {
	Err     error
	Undated Article
}

func (e *DateError) Error() string { return e.Err.Error() }
func (e *DateError) Unwrap() error { return e.Err }

// ParsePublished parses a publication time: RFC 3339, or a date YYYY-MM-DD
// (taken as midnight UTC).
func ParsePublished(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("published: cannot parse %q (want RFC 3339 or YYYY-MM-DD)", s)
}

// IDChars lists the characters besides letters and digits that an id
// written through the API may hold: none of them has a meaning in a URL
// path, so /api/articles/ID and /articles/ID reach the article as written.
const IDChars = "-_.:~@+=,"

// CheckWriteID checks an id given to the write API (in the body or the
// path): letters, digits and IDChars only, not "." or "..". Ids of files
// ('cutwatch index') and of feeds (hashes) are not checked here: a file
// name is the user's own, and a hash is always safe.
func CheckWriteID(id string) error {
	if id == "." || id == ".." {
		return fmt.Errorf("id: %q is not an id", id)
	}
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(IDChars, r) {
			return fmt.Errorf("id: %q may not hold %q: use letters, digits and %s only, so that the article can be read, replaced and deleted at /api/articles/ID", Truncate(id, 100), r, IDChars)
		}
	}
	return nil
}
