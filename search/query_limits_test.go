package search

import (
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestPatternLimits checks the limits on wildcard and regexp terms, whose
// automata can take minutes to build: patterns that compile small are
// accepted, larger ones and too many of them are bad requests.
func TestPatternLimits(t *testing.T) {
	tests := []struct {
		q       string
		wantErr string // "" for a valid query
	}{
		{"nurs*", ""},
		{"re*dun*", ""},
		{"/redundanc(y|ies)/", ""},
		{"union:Uni*", ""},
		{"a* b* c* d* e*", ""},
		{"a* b* c* d* e* f*", "6 wildcard or regular expression terms, at most 5"},
		{"+(a* b*) +(c* (d* e* f*))", "6 wildcard or regular expression terms"},
		{strings.Repeat("a*", 500), "too complex"},
		{"/(.?){1000}/", "too complex"},
		{"/(.{0,30}){30}/", "too complex"},
		{`/\pL*a\pL{12}/`, "too complex"},
		{"/.{0,24}/", "too complex"},
	}
	for _, tt := range tests {
		t.Run(tt.q[:min(len(tt.q), 40)], func(t *testing.T) {
			_, err := ParseQuery(schema.Default, tt.q)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ParseQuery(%q) = %v, want no error", tt.q, err)
			case tt.wantErr != "" && (err == nil || !api.IsBadRequest(err) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ParseQuery(%q) = %v, want a bad request containing %q", tt.q, err, tt.wantErr)
			}
		})
	}
	// The accepted patterns find what they should.
	res := mustSearch(t, api.Request{Q: "+Pontefr* +Dewsb*"})
	if got := hitIDs(res); len(got) != 1 || got[0] != midYorks {
		t.Errorf("two prefix terms found %v, want [%s]", got, midYorks)
	}
}
