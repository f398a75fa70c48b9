package sources

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"
)

// PageScore is how Extract did on one test page.
type PageScore struct {
	Name      string
	Precision float64 // of the extracted words, the share in the expected text
	Recall    float64 // of the expected words, the share extracted
	F1        float64
	// TitleWant is the expected title; TitleOK whether Extract's equals it
	// (case and spacing aside).
	TitleWant string
	TitleOK   bool
	// DateWant says the page has an expected published time; DateOK that
	// Extract found one on the same day.
	DateWant, DateOK bool
	Err              error
}

// PagesReport sums up an evaluation of Extract over test pages.
type PagesReport struct {
	Pages                    []PageScore
	MeanF1, MeanP, MeanR     float64
	MedianF1                 float64
	Titles, TitlesOK         int
	Dates, DatesOK, DatesAny int // pages with an expected date, found on that day, found at all
	Failed                   int
}

// EvalPages runs Extract, the page-to-article step of every source, over
// test pages laid out as go-readability's test-pages/ (written by
// Mozilla's Readability project, not here): one folder a page with
// source.html, expected.html (the article's expected content) and
// expected-metadata.json (title, publishedTime). It scores the text
// Extract returns against the text of expected.html with a word-level F1
// (bags of lower-cased words), and the title and date found.
func EvalPages(dir string) (*PagesReport, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("test pages: %w", err)
	}
	base, _ := url.Parse("http://fakehost/test/page.html")
	rep := &PagesReport{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		src, err1 := os.ReadFile(filepath.Join(p, "source.html"))
		exp, err2 := os.ReadFile(filepath.Join(p, "expected.html"))
		meta, err3 := os.ReadFile(filepath.Join(p, "expected-metadata.json"))
		if err := errors.Join(err1, err2, err3); err != nil {
			continue // not a test page
		}
		var md struct {
			Title         string `json:"title"`
			PublishedTime string `json:"publishedTime"`
		}
		if err := json.Unmarshal(meta, &md); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		s := PageScore{Name: e.Name(), TitleWant: md.Title, DateWant: md.PublishedTime != ""}
		page, err := Extract(src, base)
		if err != nil {
			s.Err = err
			rep.Failed++
		}
		want, err := fragmentText(exp)
		if err != nil {
			return nil, fmt.Errorf("%s: expected.html: %w", p, err)
		}
		s.Precision, s.Recall, s.F1 = wordF1(words(page.Text), words(want))
		s.TitleOK = md.Title != "" && strings.EqualFold(strings.Join(strings.Fields(page.Title), " "), strings.Join(strings.Fields(md.Title), " "))
		if s.DateWant {
			rep.Dates++
			if !page.Published.IsZero() {
				rep.DatesAny++
				if day, ok := parseDay(md.PublishedTime); ok && (page.Published.Format(time.DateOnly) == day || page.Published.UTC().Format(time.DateOnly) == day) {
					s.DateOK = true
					rep.DatesOK++
				}
			}
		}
		if md.Title != "" {
			rep.Titles++
			if s.TitleOK {
				rep.TitlesOK++
			}
		}
		rep.Pages = append(rep.Pages, s)
	}
	if len(rep.Pages) == 0 {
		return nil, fmt.Errorf("test pages: none in %s", dir)
	}
	f1s := make([]float64, len(rep.Pages))
	for i, s := range rep.Pages {
		rep.MeanF1 += s.F1
		rep.MeanP += s.Precision
		rep.MeanR += s.Recall
		f1s[i] = s.F1
	}
	n := float64(len(rep.Pages))
	rep.MeanF1, rep.MeanP, rep.MeanR = rep.MeanF1/n, rep.MeanP/n, rep.MeanR/n
	sort.Float64s(f1s)
	rep.MedianF1 = f1s[len(f1s)/2]
	return rep, nil
}

// parseDay returns the day of an expected publishedTime (which comes with
// or without seconds and zone).
func parseDay(s string) (string, bool) {
	if len(s) >= 10 {
		if _, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return s[:10], true
		}
	}
	return "", false
}

// fragmentText is the text of an HTML document or fragment.
func fragmentText(b []byte) (string, error) {
	doc, err := html.Parse(strings.NewReader(string(b)))
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
			sb.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return sb.String(), nil
}

// words splits text into lower-cased runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// wordF1 scores got against want as bags of words.
func wordF1(got, want []string) (p, r, f1 float64) {
	if len(got) == 0 && len(want) == 0 {
		return 1, 1, 1
	}
	bag := map[string]int{}
	for _, w := range want {
		bag[w]++
	}
	common := 0
	for _, w := range got {
		if bag[w] > 0 {
			bag[w]--
			common++
		}
	}
	if common == 0 {
		return 0, 0, 0
	}
	p, r = float64(common)/float64(len(got)), float64(common)/float64(len(want))
	return p, r, 2 * p * r / (p + r)
}
