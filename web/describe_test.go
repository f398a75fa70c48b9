package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cutwatch/cutwatch/search/api"
)

func TestFirstSentence(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"Trusts cut 500 jobs. Unions object.", "Trusts cut 500 jobs."},
		{"\n\n  The trust saves £1.5m a year.  More follows.", "The trust saves £1.5m a year."},
		{"Will it close? Nobody knows.", "Will it close?"},
		{`He said: "We are no longer confident." Then he left.`, `He said: "We are no longer confident."`},
		{"Staff were told (in a letter.) Later.", "Staff were told (in a letter.)"},
		{"No full stop at all\nSecond line. Here.", "No full stop at all"},
		{"Ends with a stop.", "Ends with a stop."},
		{"A line\nwrapped. Next.", "A line"},
		{"", ""},
		{"   \n\n", ""},
	} {
		if got := firstSentence(tt.text); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestLeadSentence(t *testing.T) {
	title := "Trust to cut 300 jobs."
	if got := leadSentence(title, title+"\n\nThe trust said so on Monday. More."); got != "The trust said so on Monday." {
		t.Errorf("lead after the title: %q", got)
	}
	if got := leadSentence("A headline", "The text does not repeat it. More."); got != "The text does not repeat it." {
		t.Errorf("lead of a text without its title: %q", got)
	}
	if got := leadSentence("", "Untitled text. More."); got != "Untitled text." {
		t.Errorf("lead of an untitled article: %q", got)
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"one two three four", 12, "one two…"},
		{"one two, three four", 13, "one two…"}, // the comma before the cut goes too
		{"abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi…"},
		{"£££££ £££££", 8, "£££££…"},
	} {
		got := clip(tt.s, tt.n)
		if got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
		if utf8.RuneCountInString(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q: longer than %d", tt.s, tt.n, got, tt.n)
		}
	}
}

// description is the content of the page's one <meta name="description">.
func (p *page) description(t *testing.T) string {
	t.Helper()
	return attr(p.one(t, "meta[name=description]"), "content")
}

// Every page has a meta description (Lighthouse's SEO audit asks for one;
// issue 16), and it says what that page holds.
func TestPagesHaveAMetaDescription(t *testing.T) {
	srv, svc := uiServer(t)
	_, res := apiIDs(t, svc, "q=redundancy&union=Unison")
	if res.Total < 2 {
		t.Fatalf("the seeds have %d articles for redundancy at Unison, want several", res.Total)
	}
	_, all := apiIDs(t, svc, "")
	rotherham := struct{ Trust string }{"Rotherham NHS Foundation Trust"}
	_, trustRes := apiIDs(t, svc, "trust="+url.QueryEscape(rotherham.Trust)+"&histogram=year")
	if trustRes.Total == 0 {
		t.Fatal("no article names the Rotherham trust")
	}
	a, err := svc.Article(context.Background(), oxford)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Text, a.Title) {
		t.Fatalf("the Oxford seed's text does not start with its title %q", a.Title)
	}
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"/?q=redundancy&union=Unison", http.StatusOK, fmt.Sprintf("%d news articles about NHS job cuts for “redundancy”, Union: Unison.", res.Total)},
		{"/", http.StatusOK, fmt.Sprintf("%d news articles about NHS job cuts.", all.Total)},
		{"/?q=nosuchwordanywhere", http.StatusOK, "0 news articles about NHS job cuts for “nosuchwordanywhere”."},
		{"/?q=%28redundancy", http.StatusBadRequest, siteDescription},
		// The Oxford seed's title is its first sentence: the description
		// is the next one, cut at a space to 160 characters.
		{"/articles/" + oxford, http.StatusOK, "Last week it emerged that 366 health jobs could be lost after Oxford Radcliffe Hospitals NHS Trust announced the intended savings as part of its efficiency…"},
		{"/articles/no-such-article", http.StatusNotFound, "There is no article with this address. It may have been removed from the index."},
		{"/no/such/page", http.StatusNotFound, "There is no page at this address."},
		{"/trusts/" + url.PathEscape(rotherham.Trust), http.StatusOK, fmt.Sprintf("Trust: %s. %d news articles about its job cuts; %s jobs cut or at risk in those with a date.",
			rotherham.Trust, trustRes.Total, groupThousands(jobsSum(trustRes.Histogram)))},
	} {
		p := getPage(t, srv, tt.path)
		p.wantHTML(t, tt.status)
		if got := p.description(t); got != tt.want {
			t.Errorf("GET %s: description %q, want %q", tt.path, got, tt.want)
		}
	}
}

// jobsSum adds the jobs of a histogram's buckets.
func jobsSum(h []api.HistogramBucket) int64 {
	var n int64
	for _, b := range h {
		n += b.Jobs
	}
	return n
}

// A page whose data says nothing of itself still gets the site's
// description, never an empty one.
func TestPageDescriptionFallsBack(t *testing.T) {
	for _, data := range []any{nil, struct{ Title string }{"x"}, errorView{Message: "  "}, &searchView{Failed: true}} {
		if got := pageDescription(data); got != siteDescription {
			t.Errorf("pageDescription(%#v) = %q, want the site's", data, got)
		}
	}
	long := &articleView{Title: strings.Repeat("word ", 100)}
	if got := pageDescription(long); utf8.RuneCountInString(got) > descriptionMax || !strings.HasSuffix(got, "…") {
		t.Errorf("a long description is not clipped: %q", got)
	}
}
