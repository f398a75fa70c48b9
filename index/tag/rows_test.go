package tag

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// entRow is one row of a finder's table test (orgs_test.go, people_test.go,
// places_test.go, aliases_test.go, hospitals_test.go): a short text and
// every entity of the test's kinds that Tag must report in it, with its
// canonical value and exact span. A row with no want is a negative row:
// nothing of those kinds may be found. rule names the rule or branch of the
// finder that the row exercises.
type entRow struct {
	rule string
	text string
	want []Entity
}

// at is an expected entity: its kind, canonical value, the text exactly as
// written and its byte offset in the row's text.
func at(k Kind, value, text string, start int) Entity {
	return Entity{Type: k, Value: value, Text: text, Start: start, End: start + len(text)}
}

// atNum is an expected Amount or Jobs entity, whose value is the number n.
func atNum(k Kind, n int64, text string, start int) Entity {
	e := at(k, strconv.FormatInt(n, 10), text, start)
	e.Number = n
	return e
}

// runRows tags each row's text and compares the entities of the given kinds
// with the row's want, values and offsets included.
func runRows(t *testing.T, kinds []Kind, rows []entRow) {
	t.Helper()
	tg := newTagger(t)
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.rule] {
			t.Errorf("two rows named %q", r.rule)
		}
		seen[r.rule] = true
		t.Run(r.rule, func(t *testing.T) {
			for _, w := range r.want {
				// the row itself must be right: its span is its text
				if w.End > len(r.text) || r.text[w.Start:w.End] != w.Text {
					t.Fatalf("bad row: %q is not at [%d:%d] of %q", w.Text, w.Start, w.End, r.text)
				}
			}
			ents, err := tg.Tag(r.text)
			if err != nil {
				t.Fatal(err)
			}
			var got []Entity
			for _, e := range ents {
				if slices.Contains(kinds, e.Type) {
					got = append(got, e)
				}
			}
			if !slices.Equal(got, r.want) {
				t.Errorf("%q\n got %s\nwant %s", r.text, fmtEnts(got), fmtEnts(r.want))
			}
		})
	}
}

var kindNames = map[Kind]string{Trust: "Trust", Union: "Union", Amount: "Amount", Jobs: "Jobs",
	Person: "Person", Place: "Place", Hospital: "Hospital"}

// fmtEnts writes entities as at(...) calls, as the rows write them.
func fmtEnts(ents []Entity) string {
	if len(ents) == 0 {
		return "nothing"
	}
	var b strings.Builder
	for _, e := range ents {
		fmt.Fprintf(&b, "\n\tat(%s, %q, %q, %d)", kindNames[e.Type], e.Value, e.Text, e.Start)
		if e.End != e.Start+len(e.Text) || e.Number != 0 {
			fmt.Fprintf(&b, " end %d number %d", e.End, e.Number)
		}
	}
	return b.String()
}
