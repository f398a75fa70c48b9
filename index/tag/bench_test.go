package tag

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedTexts reads the seed articles of the repository.
func seedTexts(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("../../seeds/*.txt")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no seed articles in ../../seeds: %v", err)
	}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	return texts
}

func newTagger(tb testing.TB) *Tagger {
	tb.Helper()
	tg, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	return tg
}

// BenchmarkTag tags the seed articles in turn and reports articles/s.
func BenchmarkTag(b *testing.B) {
	texts := seedTexts(b)
	tg := newTagger(b)
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	b.SetBytes(int64(size / len(texts)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := tg.Tag(texts[n%len(texts)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkTagDev tags the 18 held-out dev articles, which name more people
// the given-name list does not know, and reports how many windows per
// article went to prose's POS tagger.
func BenchmarkTagDev(b *testing.B) {
	files, _ := filepath.Glob("testdata/dev/*.txt")
	var texts []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, string(data))
	}
	tg := newTagger(b)
	before := tg.pos.calls.Load()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := tg.Tag(texts[n%len(texts)]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
	b.ReportMetric(float64(tg.pos.calls.Load()-before)/float64(n), "prose-windows/article")
}

// BenchmarkProsePOSWindow measures one call of prose's POS tagger on a
// 25-token window, the unit of prose work in Tag.
func BenchmarkProsePOSWindow(b *testing.B) {
	toks := scan("Lezli Boswell, the trust's chief executive, said: \"We are facing the most difficult financial year in our history, and we will act.\"")
	tg := newTagger(b)
	b.ResetTimer()
	for b.Loop() {
		tg.pos.tags(toks)
	}
}

// sizedText repeats the seed articles up to n bytes (cut at a paragraph).
func sizedText(tb testing.TB, n int) string {
	texts := seedTexts(tb)
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(texts[i%len(texts)])
		sb.WriteString("\n\n")
	}
	s := sb.String()
	if i := strings.LastIndex(s[:n], "\n"); i > n/2 {
		s = s[:i]
	} else {
		s = s[:n]
	}
	return s
}

// BenchmarkTagSize shows that tagging time grows linearly with text size:
// ns/op at 250 KB should be about 100 times that at 2.5 KB (MB/s equal).
func BenchmarkTagSize(b *testing.B) {
	for _, sz := range []struct {
		name string
		n    int
	}{{"2.5KB", 2500}, {"250KB", 250_000}} {
		b.Run(sz.name, func(b *testing.B) {
			text := sizedText(b, sz.n)
			tg := newTagger(b)
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := tg.Tag(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEvents links the cut events of the seed articles (already
// tagged) in turn, with their headline cut, as a search does for each hit
// of a page, and reports articles/s.
func BenchmarkEvents(b *testing.B) {
	texts := seedTexts(b)
	tg := newTagger(b)
	ents := make([][]Entity, len(texts))
	for i, t := range texts {
		var err error
		if ents[i], err = tg.Tag(t); err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for b.Loop() {
		i := n % len(texts)
		ArticleHeadline(texts[i], ents[i], Events(texts[i], ents[i]))
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkEventsDense links the numbers of an entity-dense article (800
// KB, a trust, a union and a job count in each of its 9,000 sentences):
// linear in the sentences, not in their product with the mentions.
func BenchmarkEventsDense(b *testing.B) {
	tg, err := New()
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("Unison says 12 nurses at Leeds Teaching Hospitals NHS Trust in Leeds lose their posts. ", 9000)
	ents, err := tg.Tag(text)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Events(text, ents)
	}
}
