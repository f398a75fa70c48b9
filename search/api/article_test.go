package api

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDeriveTitle(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", ""},
		{"one short sentence", "Trust to cut 750 jobs", "Trust to cut 750 jobs"},
		{"first of several sentences", "Trust to cut 750 jobs. Unison objects.", "Trust to cut 750 jobs."},
		{"question mark", "Why cut nurses? Unison asks the board.", "Why cut nurses?"},
		{"exclamation mark", "Stop the cuts! said the banner.", "Stop the cuts!"},
		{"decimal point is not an end", "Musgrove Park must save £6.5m. Staff are worried.", "Musgrove Park must save £6.5m."},
		{"line break ends the title", "Unison warns of redundancies\nThe trust plans to cut jobs.", "Unison warns of redundancies"},
		{"CRLF line break", "Unison warns of redundancies\r\nThe trust plans to cut jobs.", "Unison warns of redundancies"},
		{"leading space and blank lines", "  \n\n  Headline here\nBody.", "Headline here"},
		{"full stop at the end of the line", "Headline here.\nBody.", "Headline here."},
		{
			"long sentence cut at a word boundary",
			strings.Repeat("word ", 40) + "end.",
			// s[:141] ends inside the 29th word; the last space before it
			// is after the 28th word.
			strings.Repeat("word ", 27) + "word…",
		},
		{
			"punctuation before the cut is dropped",
			strings.Repeat("a, ", 50) + "end",
			// s[:141] is 47 "a, " (141 bytes); its last space is at 140,
			// the comma before it goes.
			strings.TrimSuffix(strings.Repeat("a, ", 47), ", ") + "…",
		},
		{
			"multi-byte words cut at a word boundary",
			strings.Repeat("café ", 40),
			// "café " is 6 bytes: s[:141] holds 23 words and "caf"; the
			// last space is after word 23.
			strings.Repeat("café ", 22) + "café…",
		},
		{
			"one long multi-byte word cut at a rune boundary",
			strings.Repeat("€", 70),
			// € is 3 bytes: byte 140 is inside the 47th, so 46 are kept.
			strings.Repeat("€", 46) + "…",
		},
		{
			"exactly 140 bytes is not cut",
			strings.Repeat("x", 140),
			strings.Repeat("x", 140),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DeriveTitle(tt.text)
			if got != tt.want {
				t.Errorf("DeriveTitle(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("DeriveTitle(%q) = %q is not valid UTF-8", tt.text, got)
			}
			if len(got) > titleCut+len("…") {
				t.Errorf("DeriveTitle(%q) is %d bytes, more than %d", tt.text, len(got), titleCut+len("…"))
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name    string
		a       Article
		wantErr string // prefix of the error; "" for success
	}{
		{"good", Article{ID: "a1", Text: "Some text."}, ""},
		{"missing id", Article{Text: "Some text."}, "id: missing"},
		{"blank id", Article{ID: " \t", Text: "Some text."}, "id: missing"},
		{"long id", Article{ID: long(MaxIDLen + 1), Text: "Some text."}, "id: longer than"},
		{"id of max length", Article{ID: long(MaxIDLen), Text: "Some text."}, ""},
		{"id not UTF-8", Article{ID: "caf\xe9", Text: "Some text."}, "id: not valid UTF-8"},
		{"id with control character", Article{ID: "a\x00b", Text: "Some text."}, "id: contains a control character"},
		{"missing text", Article{ID: "a1"}, "text: missing"},
		{"blank text", Article{ID: "a1", Text: "\n\t "}, "text: missing"},
		{"text not UTF-8", Article{ID: "a1", Text: "caf\xe9"}, "text: not valid UTF-8"},
		{"title not UTF-8", Article{ID: "a1", Title: "caf\xe9", Text: "Some text."}, "title: not valid UTF-8"},
		{"long title", Article{ID: "a1", Title: long(MaxTitleLen + 1), Text: "Some text."}, "title: longer than"},
		{"long url", Article{ID: "a1", Text: "Some text.", URL: "https://example.org/" + long(MaxURLLen)}, "url: longer than"},
		{"url not UTF-8", Article{ID: "a1", Text: "Some text.", URL: "https://example.org/caf\xe9"}, "url: not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			err := a.Normalize()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Normalize() = %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("Normalize() = nil, want error %q", tt.wantErr)
			case tt.wantErr != "" && !strings.HasPrefix(err.Error(), tt.wantErr):
				t.Errorf("Normalize() = %q, want an error starting %q", err, tt.wantErr)
			}
		})
	}
}

func TestNormalizeTrimsAndDerivesTitle(t *testing.T) {
	a := Article{ID: "  a1 ", Text: "\n Trust to cut 750 jobs. Unison objects.\n", URL: " https://example.org/a1 "}
	if err := a.Normalize(); err != nil {
		t.Fatal(err)
	}
	want := Article{ID: "a1", Title: "Trust to cut 750 jobs.", Text: "Trust to cut 750 jobs. Unison objects.", URL: "https://example.org/a1"}
	if a != want {
		t.Errorf("Normalize gave %+v, want %+v", a, want)
	}
	// A given title is kept (trimmed), not derived.
	b := Article{ID: "b", Title: " Headline ", Text: "Body. More body."}
	if err := b.Normalize(); err != nil {
		t.Fatal(err)
	}
	if b.Title != "Headline" {
		t.Errorf("title = %q, want %q", b.Title, "Headline")
	}
}
