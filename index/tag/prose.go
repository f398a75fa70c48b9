package tag

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jdkato/prose/v2"
)

// posTagger wraps prose's averaged-perceptron part-of-speech tagger. The
// model is loaded once per process (0.33 s) and shared: prose only reads it
// while tagging, so one model serves every goroutine.
type posTagger struct {
	model *prose.Model
	calls atomic.Int64 // windows tagged, for benchmarks
}

var (
	posOnce   sync.Once
	posShared *posTagger
)

// sharedPOSTagger returns the process-wide tagger, loading the model on
// first use.
func sharedPOSTagger() *posTagger {
	posOnce.Do(func() {
		posShared = &posTagger{model: prose.ModelFromData("cutwatch")}
	})
	return posShared
}

// tags returns the part-of-speech tag of each of toks (word and punctuation
// tokens of one short window). prose re-tokenises its input and keeps no
// offsets, so the window is passed as its tokens joined by spaces and the
// result is aligned back by token text; a token prose splits or merges
// differently gets the tag "".
func (p *posTagger) tags(toks []token) []string {
	p.calls.Add(1)
	out := make([]string, len(toks))
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	doc, err := prose.NewDocument(b.String(),
		prose.UsingModel(p.model),
		prose.WithSegmentation(false),
		prose.WithExtraction(false))
	if err != nil {
		return out
	}
	ptoks := doc.Tokens()
	j := 0
	for i, t := range toks {
		want := sanitizeQuotes(t.text)
		for k := j; k < len(ptoks) && k < j+3; k++ {
			if ptoks[k].Text == want {
				out[i] = ptoks[k].Tag
				j = k + 1
				break
			}
		}
	}
	return out
}

// sanitizeQuotes mirrors prose's tokenizer, which writes curly quotes as
// ASCII ones.
var quoteReplacer = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'")

func sanitizeQuotes(s string) string { return quoteReplacer.Replace(s) }
