package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

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
