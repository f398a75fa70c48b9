package cluster

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestToken checks that every id, whatever bytes it holds, is one subject
// token (no '.', '*', '>', space or control byte) that decodes back to it.
func TestToken(t *testing.T) {
	for _, id := range []string{"a", "a.b", "*", ">", "a b", "a.*.>", "ünïcödé", "x\x00y", strings.Repeat("é.", 128), "-_", "+/="} {
		tok := Token(id)
		if tok == "" || strings.ContainsAny(tok, ".*> \t\r\n") {
			t.Errorf("Token(%q) = %q: not one safe subject token", id, tok)
		}
		for _, r := range tok {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Errorf("Token(%q) = %q holds %q", id, tok, r)
			}
		}
		back, err := IDOfToken(tok)
		if err != nil || back != id {
			t.Errorf("IDOfToken(Token(%q)) = %q, %v", id, back, err)
		}
	}
	if _, err := IDOfToken("a.b"); err == nil {
		t.Error("IDOfToken of a token with a '.' succeeded")
	}
}

// TestRecordRoundTrip encodes records and decodes the messages back.
func TestRecordRoundTrip(t *testing.T) {
	pub := time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC)
	long := strings.Repeat("The trust will cut 300 posts, Unison said. ", 20000) // ~860 KB, compresses
	for _, tc := range []struct {
		name   string
		prefix string
		rec    Record
	}{
		{"put", DefaultSubjectPrefix, Record{Article: api.Article{ID: "a.b c*>", Title: "T", Text: "Unison says 300 jobs go.", URL: "https://e.org/x", Published: pub},
			Entities: []tag.Entity{{Type: "union", Value: "Unison", Text: "Unison", Start: 0, End: 6}}}},
		{"put without entities", "cutwatch.articles.OTHER", Record{Article: api.Article{ID: "x", Title: "x", Text: "y"}, Entities: []tag.Entity{}}},
		{"large put", DefaultSubjectPrefix, Record{Article: api.Article{ID: "big", Title: "big", Text: long}, Entities: []tag.Entity{}}},
		{"delete", DefaultSubjectPrefix, Record{Delete: true, Article: api.Article{ID: "gone.id"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Encode(tc.prefix, tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.prefix + "." + Token(tc.rec.Article.ID); m.Subject != want {
				t.Fatalf("subject %q, want %q", m.Subject, want)
			}
			if tc.name == "large put" && len(m.Data) > len(long)/10 {
				t.Errorf("a repetitive %d-byte article is %d bytes compressed", len(long), len(m.Data))
			}
			got, err := Decode(m.Subject, m.Header, m.Data)
			if err != nil {
				t.Fatal(err)
			}
			if got.Delete != tc.rec.Delete || got.Article.ID != tc.rec.Article.ID || got.Article.Title != tc.rec.Article.Title ||
				got.Article.Text != tc.rec.Article.Text || got.Article.URL != tc.rec.Article.URL || !got.Article.Published.Equal(tc.rec.Article.Published) ||
				len(got.Entities) != len(tc.rec.Entities) {
				t.Fatalf("decoded %+v, want %+v", got, tc.rec)
			}
			for i := range got.Entities {
				if got.Entities[i] != tc.rec.Entities[i] {
					t.Errorf("entity %d: %+v, want %+v", i, got.Entities[i], tc.rec.Entities[i])
				}
			}
		})
	}
}

// TestDecodeRefuses checks that messages that are not records are errors.
func TestDecodeRefuses(t *testing.T) {
	good, err := Encode(DefaultSubjectPrefix, Record{Article: api.Article{ID: "a", Text: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := Encode(DefaultSubjectPrefix, Record{Article: api.Article{ID: "b", Text: "t"}})
	for _, tc := range []struct {
		name    string
		subject string
		header  nats.Header
		data    []byte
	}{
		{"no op", good.Subject, nats.Header{}, good.Data},
		{"unknown op", good.Subject, nats.Header{HeaderOp: {"rename"}}, good.Data},
		{"unknown encoding", good.Subject, nats.Header{HeaderOp: {"put"}, HeaderEncoding: {"gzip"}}, good.Data},
		{"not s2", good.Subject, good.Header, []byte("{\"article\":{}}")},
		{"bad token", DefaultSubjectPrefix + ".a=b", good.Header, good.Data},
		{"another id's record", other.Subject, good.Header, good.Data},
	} {
		if _, err := Decode(tc.subject, tc.header, tc.data); err == nil {
			t.Errorf("%s: decoded", tc.name)
		}
	}
}

// TestMsgIDs checks the Nats-Msg-Ids: a put's is the same for the same
// content and differs with any field; a deletion's differs per request.
func TestMsgIDs(t *testing.T) {
	base := api.Article{ID: "a", Title: "t", Text: "x", URL: "u", Published: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	same := base // a copy, with the same content
	if PutID(base) != PutID(same) {
		t.Fatal("PutID differs for the same article")
	}
	seen := map[string]string{PutID(base): "base"}
	for name, a := range map[string]api.Article{
		"id":    {ID: "b", Title: "t", Text: "x", URL: "u", Published: base.Published},
		"title": {ID: "a", Title: "t2", Text: "x", URL: "u", Published: base.Published},
		"text":  {ID: "a", Title: "t", Text: "x2", URL: "u", Published: base.Published},
		"url":   {ID: "a", Title: "t", Text: "x", URL: "u2", Published: base.Published},
		"date":  {ID: "a", Title: "t", Text: "x", URL: "u", Published: base.Published.Add(time.Second)},
		// Fields run together differently: lengths keep them apart.
		"shifted": {ID: "a", Title: "tx", Text: "", URL: "u", Published: base.Published},
	} {
		id := PutID(a)
		if prev, dup := seen[id]; dup {
			t.Errorf("PutID of another %s equals that of %s", name, prev)
		}
		seen[id] = name
	}
	n1, n2 := Nonce(), Nonce()
	if n1 == n2 || DeleteID("a", n1) == DeleteID("a", n2) {
		t.Error("two deletions of one id by two requests have the same id")
	}
	if d1, d2 := DeleteID("a", n1), DeleteID("a", strings.Clone(n1)); d1 != d2 || d1 == DeleteID("b", n1) {
		t.Error("DeleteID is not a function of the id and the nonce")
	}
	if strings.HasPrefix(DeleteID("a", n1), "put-") || !strings.HasPrefix(PutID(base), "put-") {
		t.Error("put and delete ids are not told apart")
	}
}
