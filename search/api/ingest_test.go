package api

import (
	"strings"
	"testing"
)

func TestContentID(t *testing.T) {
	a := ContentID("Unison warns of 40 job cuts at Leeds.")
	b := ContentID("  Unison warns of 40\njob   cuts at Leeds.\n")
	c := ContentID("Unison warns of 41 job cuts at Leeds.")
	if a != b {
		t.Errorf("same words with other spacing: %s != %s", a, b)
	}
	if a == c {
		t.Errorf("different texts share id %s", a)
	}
	if !strings.HasPrefix(a, ContentIDPrefix) || len(a) != len(ContentIDPrefix)+32 {
		t.Errorf("id %q: want %s and 32 hex digits", a, ContentIDPrefix)
	}
}

func TestDecodeIngest(t *testing.T) {
	tests := []struct {
		name, body, defaultID string
		wantID, wantErr       string
	}{
		{"derived id", `{"text":"Cuts at Leeds."}`, "", ContentID("Cuts at Leeds."), ""},
		{"given id", `{"id":"a1","text":"Cuts at Leeds."}`, "", "a1", ""},
		{"numeric id", `{"id":42,"text":"Cuts at Leeds."}`, "", "42", ""},
		{"default id", `{"text":"Cuts at Leeds."}`, "p1", "p1", ""},
		{"body id beats default", `{"id":"b","text":"Cuts at Leeds."}`, "p1", "b", ""},
		{"no text", `{"id":"a1","title":"T"}`, "", "", "text: missing or empty"},
		{"blank text", `{"text":"  \n "}`, "", "", "text: missing or empty"},
		{"text not a string", `{"text":12}`, "", "", "text: must be a string"},
		{"bad utf8 text", "{\"text\":\"caf\xe9 cuts\"}", "", "", "text: not valid UTF-8"},
		{"bad utf8 title", "{\"title\":\"\xff\",\"text\":\"ok\"}", "", "", "title: not valid UTF-8"},
		{"bad utf8 id", "{\"id\":\"\xff\",\"text\":\"ok\"}", "", "", "id: not valid UTF-8"},
		{"bad published", `{"text":"ok","published":"yesterday"}`, "", "", "published: cannot parse"},
		{"not JSON", `text=hello`, "", "", "invalid JSON"},
		{"array", `[{"text":"a"}]`, "", "", "invalid JSON"},
		{"control char in id", `{"id":"a\u0001","text":"ok"}`, "", "", "id: contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := DecodeIngest([]byte(tt.body), tt.defaultID)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != tt.wantID {
				t.Errorf("id %q, want %q", a.ID, tt.wantID)
			}
			if a.Title == "" {
				t.Error("title not derived from the text")
			}
		})
	}
}
