package tag

import (
	"errors"
	"unicode/utf8"
)

// ErrInvalidUTF8 is returned by Tag for text that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("text is not valid UTF-8")

// Tagger finds entities in article text. Build one with New and share it:
// it is safe for concurrent use.
type Tagger struct{}

// New loads the language model and the embedded domain data once.
func New() (*Tagger, error) { return &Tagger{}, nil }

// Tag returns the entities of text in order of their start offset.
// PLACEHOLDER: the real tagger replaces this (issue 2).
func (t *Tagger) Tag(text string) ([]Entity, error) {
	if !utf8.ValidString(text) {
		return nil, ErrInvalidUTF8
	}
	return nil, nil
}
