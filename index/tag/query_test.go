package tag

import (
	"fmt"
	"strings"
	"testing"
)

// TestQueryNames checks the entities that search queries name: aliases and
// acronyms in any case, misspelt unions, "the" + the start of a trust's
// name, hospital short names, and lower-case common words that name
// nothing.
func TestQueryNames(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want string // kind:value[start,end) ..., or "" for none
	}{
		{"RCN", "union:Royal College of Nursing[0,1)"},
		{"rcn strike", "union:Royal College of Nursing[0,1)"},
		{"royal college of nursing", "union:Royal College of Nursing[0,4)"},
		{"Unsion", "union:Unison[0,1)~"},
		{"unsion jobs", "union:Unison[0,1)~"},
		{"Unison", "union:Unison[0,1)"},
		{"unison", ""}, // the gazetteer wants it capitalised ("in unison")
		{"unite", ""},
		{"the Rotherham", "trust:Rotherham NHS Foundation Trust[0,2)"},
		{"cuts at the rotherham", "trust:Rotherham NHS Foundation Trust[2,4)"},
		{"Rotherham", "place:Rotherham[0,1)"},
		{"Guy's", "hospital:Guy's Hospital[0,1)"},
		{"guy's and st thomas'", "trust:Guy's and St Thomas' NHS Foundation Trust[0,4)"},
		{"Barts", "hospital:St Bartholomew's Hospital[0,1)"},
		{"leeds nurses", "place:Leeds[0,1)"},
		{"nurses", ""},
		{"monitor", ""}, // a common word in lower case
		{"", ""},
	} {
		t.Run(tt.q, func(t *testing.T) {
			got, err := QueryNames(strings.Fields(tt.q))
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, n := range got {
				s := fmt.Sprintf("%s:%s[%d,%d)", n.Kind, n.Value, n.Start, n.End)
				if n.Fuzzy {
					s += "~"
				}
				parts = append(parts, s)
			}
			if s := strings.Join(parts, " "); s != tt.want {
				t.Errorf("QueryNames(%q) = %q, want %q", tt.q, s, tt.want)
			}
		})
	}
}
