package search

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// FuzzParseRequest feeds URL query strings through the whole request path
// of /api/search: url.ParseQuery, ParseRequest, Parse (the query in
// both syntaxes, simple and bleve) and a real
// Service.Search on the seed index. The property: nothing panics, every
// error is a *BadRequestError (a 400) or ErrTimeout, never anything that
// would become a 500, and a result has at most Size hits and encodes as
// JSON.
//
// CI runs it for a short time (.ci/run); plain `go test` runs the seeds.
func FuzzParseRequest(f *testing.F) {
	deep := strings.Repeat("(", 10_000) + "nurse" + strings.Repeat(")", 10_000)
	for _, s := range []string{
		// Valid requests, so that mutations start from working ones.
		"q=redundancy",
		"q=nurse&union=Unison&union=GMB&sort=-jobs&from=1&size=3",
		"q=%2B(Banbury+Taunton)+-Musgrove&amount_min=1000000&jobs_max=600",
		`q=hospital:"Churchill Hospital"`,
		"q=Unsion~1&facet_size=5",
		"q=Pontefr*&sort=amount",
		"q=jobs:>=700",
		"",
		// Unbalanced quotes and brackets.
		`q="compulsory redundancies`,
		`q="a\"`,
		"q=(nurse midwife",
		"q=nurse)",
		"q=((nurse)",
		"q=()",
		"q=" + deep,
		"q=" + strings.Repeat("(", 10_000),
		"q=" + strings.Repeat(")", 10_000),
		"q=" + strings.Repeat("nurse ", 2000),
		"q=" + strings.Repeat("a ", 300),
		// Regular expressions.
		"q=/a(/",
		"q=/.*/",
		"q=/",
		"q=text:/[a-z]+/",
		"q=/(a|b){1000}/",
		"q=/" + strings.Repeat("a*", 500) + "/",
		"q=*a*b*c*d*e*",
		"q=?",
		// Found by the fuzzer: 1,000 bytes of a*a*a*... took minutes to
		// compile to an automaton (now refused by MaxRegexpSize).
		"q=" + strings.Repeat("a*", 500),
		"q=/(.?){1000}/",
		"q=/(.{0,30}){30}/",
		`q=/\pL*a\pL{12}/`,
		"q=a* b* c* d* e* f*",
		"q=union:Uni*",
		// Field syntax.
		"q=title:",
		"q=title:+",
		"q=:",
		"q=:nurse",
		"q=text:(nurse)",
		"q=jobs:>",
		"q=jobs:>abc",
		"q=jobs:>1e400",
		"q=amount:<-1e308",
		`q=published:>"2010-01-01"`,
		`q=published:>"not a date"`,
		`q=text:""`,
		`q=union:""`,
		// Fuzziness and boosts.
		"q=nurse~",
		"q=nurse~5",
		"q=nurse~-1",
		"q=~",
		"q=~1",
		"q=nurse^",
		"q=nurse^-1",
		"q=nurse^NaN",
		"q=nurse^1e400",
		"q=^",
		"q=" + `"nurse midwife"~2^3`,
		// Prefixes, escapes and odd characters.
		"q=+",
		"q=-",
		"q=+-nurse",
		"q=--nurse",
		`q=\`,
		`q=nurse\`,
		`q=\(nurse\)`,
		"q=%00",
		"q=%ff%fe",
		"q=nurse+%ff",
		"union=%ff",
		"trust=" + strings.Repeat("x", 600),
		// Numbers and paging.
		"size=1000",
		"size=0",
		"size=-5",
		"size=ten",
		"from=-1",
		"from=10001",
		"from=99999999999999999999",
		"amount_min=abc",
		"amount_min=1e400",
		"amount_max=NaN",
		"jobs_min=5&jobs_max=1",
		"jobs_min=-Inf",
		"facet_size=0",
		"facet_size=101",
		// The simple syntax (the default): operators, typographic quotes,
		// colons, fields, typos, entities; and the switch to bleve's.
		"q=nurses+AND+midwives",
		"q=nurses+OR+(midwives+NOT+agency)",
		"q=-nurses+-midwives",
		"q=NOT+NOT+OR+AND",
		"q=%E2%80%9Ccompulsory+redundancies%E2%80%9D",
		"q=%E2%80%9Ecompulsory+redundancies",
		"q=%C2%ABa%C2%BB+%E2%80%98b%E2%80%99s%E2%80%99",
		"q=Unison:+jobs+NHS:+cuts+11:30",
		"q=unions:Unison",
		"q=amounts_gbp:>1",
		"q=union:unison+trust:%22the+rotherham%22",
		`q=union:"`,
		"q=jobs:>500+amount:>1.5bn+amount:%C2%A32m",
		"q=jobs:1..2..3",
		"q=published:2024-03+published:>=2020",
		"q=published:2024-13",
		"q=Rotheram+Unsion+RCN+Guy's+the+Rotherham",
		"q=redundancys+hosptial",
		"q=" + strings.Repeat("nurse* ", 6),
		"q=" + strings.Repeat("(", MaxQueryDepth+1) + "a",
		"q=nurse&syntax=bleve",
		"q=nurse&syntax=lucene",
		"q=a+b&relax=false",
		"q=a+b&relax=maybe",
		// Repeated and unknown parameters, bad escapes.
		"q=a&q=b",
		"sort=title",
		"sort=-",
		"sort=",
		"colour=red",
		"q=%zz",
		"q=%",
		"&&&=&=",
		";",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// Like net/http's URL.Query, keep what parsed even if some pair
		// did not.
		v, _ := url.ParseQuery(raw)
		req, err := api.ParseRequest(schema.Default, v)
		if err != nil {
			if !api.IsBadRequest(err) {
				t.Fatalf("ParseRequest(%q): error %v (%T) is not a *BadRequestError", raw, err, err)
			}
			return
		}
		for _, syntax := range api.Syntaxes {
			if _, err := Parse(schema.Default, req.Q, syntax); err != nil && !api.IsBadRequest(err) {
				t.Fatalf("Parse(%q, %s): error %v (%T) is not a *BadRequestError", req.Q, syntax, err, err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		res, err := svc.Search(ctx, req)
		if err != nil {
			if !api.IsBadRequest(err) && !errors.Is(err, api.ErrTimeout) {
				t.Fatalf("Search(%+v): error %v (%T) is neither a *BadRequestError nor ErrTimeout", req, err, err)
			}
			return
		}
		if len(res.Hits) > req.Size || uint64(len(res.Hits)) > res.Total {
			t.Fatalf("Search(%+v): %d hits of %d, size %d", req, len(res.Hits), res.Total, req.Size)
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("Search(%+v): result does not encode as JSON: %v", req, err)
		}
	})
}
