package cluster

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// Headers of an article record.
const (
	// HeaderOp is "put" or "delete".
	HeaderOp = "Cutwatch-Op"
	// HeaderEncoding is "s2": the body is S2-compressed JSON.
	HeaderEncoding = "Cutwatch-Encoding"
	opPut          = "put"
	opDelete       = "delete"
	encS2          = "s2"
)

// maxDecoded bounds the decoded size of one record: an article is at most
// web.MaxArticleBody (2 MiB) of JSON, its entities a few times more.
const maxDecoded = 64 << 20

// DefaultSubjectPrefix is the subjects' prefix of the default stream.
const DefaultSubjectPrefix = "cutwatch.articles"

// subjectPrefix returns the subjects' prefix for a stream name: the
// default stream's is cutwatch.articles, another's cutwatch.articles.NAME
// (which never overlaps it: one token more).
func subjectPrefix(stream string) string {
	if stream == DefaultStream {
		return DefaultSubjectPrefix
	}
	return DefaultSubjectPrefix + "." + stream
}

// Token encodes an article id as one subject token: unpadded base64url, so
// ids holding '.', '*', '>', spaces or any other byte are safe.
func Token(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// IDOfToken decodes Token.
func IDOfToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", fmt.Errorf("subject token %.40q: %w", tok, err)
	}
	return string(b), nil
}

// Record is one message of the article stream.
type Record struct {
	// Delete marks a tombstone; only Article.ID is set.
	Delete   bool         `json:"-"`
	Article  api.Article  `json:"article"`
	Entities []tag.Entity `json:"entities"`
}

// PutID is the Nats-Msg-Id of a put: a hash of the article's content, so
// that the same article published again within the duplicate window is
// stored once.
func PutID(a api.Article) string {
	h := sha256.New()
	for _, f := range []string{a.ID, a.Title, a.Text, a.URL, a.Published.UTC().Format(time.RFC3339Nano)} {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return "put-" + hex.EncodeToString(h.Sum(nil))
}

// DeleteID is the Nats-Msg-Id of a deletion of id by one request: nonce
// is unique per request, so that a retried publish of it is stored once
// and a later deletion of the same id (after a new put) is not mistaken
// for it.
func DeleteID(id, nonce string) string {
	h := sha256.New()
	fmt.Fprintf(h, "delete:%d:%s:%s", len(id), id, nonce)
	return "del-" + hex.EncodeToString(h.Sum(nil))
}

// Nonce returns a random string unique to a request.
func Nonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Encode makes the message of a record for the stream with the subject
// prefix prefix.
func Encode(prefix string, r Record) (*nats.Msg, error) {
	m := nats.NewMsg(prefix + "." + Token(r.Article.ID))
	if r.Delete {
		m.Header.Set(HeaderOp, opDelete)
		return m, nil
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode article %q: %w", api.Truncate(r.Article.ID, 100), err)
	}
	m.Header.Set(HeaderOp, opPut)
	m.Header.Set(HeaderEncoding, encS2)
	m.Data = s2.Encode(nil, data)
	return m, nil
}

// Decode reads a record from a message of the stream.
func Decode(subject string, h nats.Header, data []byte) (Record, error) {
	var r Record
	i := len(subject) - 1
	for i >= 0 && subject[i] != '.' {
		i--
	}
	id, err := IDOfToken(subject[i+1:])
	if err != nil {
		return r, err
	}
	switch h.Get(HeaderOp) {
	case opDelete:
		r.Delete, r.Article.ID = true, id
		return r, nil
	case opPut:
	default:
		return r, fmt.Errorf("message of %q: unknown %s %q", id, HeaderOp, h.Get(HeaderOp))
	}
	if enc := h.Get(HeaderEncoding); enc != encS2 {
		return r, fmt.Errorf("message of %q: unknown %s %q", id, HeaderEncoding, enc)
	}
	n, err := s2.DecodedLen(data)
	if err != nil {
		return r, fmt.Errorf("message of %q: %w", id, err)
	}
	if n > maxDecoded {
		return r, fmt.Errorf("message of %q: decodes to %d bytes, more than %d", id, n, maxDecoded)
	}
	raw, err := s2.Decode(nil, data)
	if err != nil {
		return r, fmt.Errorf("message of %q: %w", id, err)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("message of %q: %w", id, err)
	}
	if r.Article.ID != id {
		return r, errors.New("message of " + fmt.Sprintf("%q", id) + ": the record holds another id")
	}
	return r, nil
}
