package search

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// TestQueryCost checks the cost estimate on the queries that held search
// slots to the timeout in the adversarial test of issue 18 (refused, or
// expensive), and on ordinary ones (cheap).
func TestQueryCost(t *testing.T) {
	rep := func(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }
	tests := []struct {
		q       string
		heavy   bool
		wantErr string
	}{
		{"nurse", false, ""},
		{"nurses redundancy unison trust:\"Leeds Teaching Hospitals NHS Trust\"", false, ""},
		{`"job cuts" "nursing posts"`, false, ""},
		{"nurs*", false, ""},
		{"redundanc~1", false, ""},
		{"*a*", true, ""},
		{"a*", true, ""},
		{"/.*x.*/", true, ""},
		{"redundanc~2 nurse~2", true, ""},
		{rep("/.*x.*/", 5), true, "query too costly"},
		{rep("*a*", 4), true, "query too costly"},
		{rep("word~2", 250), true, "most costly part here is a fuzzy term (word~2)"},
		{rep(`"job cuts"`, 250), true, "most costly part here is a phrase"},
	}
	for _, tt := range tests {
		t.Run(tt.q[:min(len(tt.q), 30)], func(t *testing.T) {
			q, err := ParseQuery(schema.Default, tt.q)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			heavy, err := checkCost(q)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkCost = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !api.IsBadRequest(err) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkCost = %v, want a bad request containing %q", err, tt.wantErr)
			case heavy != tt.heavy:
				cost, _ := queryCost(q)
				t.Errorf("heavy = %v (cost %d), want %v", heavy, cost, tt.heavy)
			}
		})
	}
	// Search refuses the costly one as a bad request before it takes a slot.
	if _, err := svc.Search(context.Background(), api.Request{Q: rep("/.*x.*/", 5), Syntax: api.SyntaxBleve}); !api.IsBadRequest(err) {
		t.Errorf("Search of five open regexps: %v, want a bad request", err)
	}
}

// TestHeavyShare fills the expensive searches' share of the slots (two of
// four) with held wildcard searches: a third expensive search is refused
// at once with ErrOverloaded, while cheap searches still get the other
// slots.
func TestHeavyShare(t *testing.T) {
	release := make(chan struct{})
	s := New(svc.idx, Options{MaxSearches: 4, MaxQueued: 8, HeavyShare: 0.5,
		Admitted: func(ctx context.Context) {
			if isHeavy(ctx) {
				select {
				case <-release:
				case <-ctx.Done():
				}
			}
		}})
	ctx := context.Background()
	errc := make(chan error, 2)
	for _, q := range []string{"*a*", "*e*"} {
		go func() { _, err := s.Search(ctx, api.Request{Q: q, Syntax: api.SyntaxBleve}); errc <- err }()
	}
	waitFor(t, "two expensive searches running", func() bool { return s.AdmissionStats().Running == 2 })
	if _, err := s.Search(ctx, api.Request{Q: "*o*", Syntax: api.SyntaxBleve}); !errors.Is(err, api.ErrOverloaded) {
		t.Errorf("a third expensive search: %v, want ErrOverloaded", err)
	}
	for _, q := range []string{"nurse", "unison", "redundancy"} {
		if _, err := s.Search(ctx, api.Request{Q: q, NoCache: true}); err != nil {
			t.Errorf("cheap search %q beside two expensive ones: %v", q, err)
		}
	}
	close(release)
	for range 2 {
		if err := <-errc; err != nil {
			t.Errorf("expensive search: %v", err)
		}
	}
	if st := s.AdmissionStats(); st.MaxHeavy != 2 || st.RejectedHeavy != 1 || st.RunningHeavy != 0 {
		t.Errorf("stats %+v, want 2 expensive at most, 1 refused", st)
	}
}

// TestQueryCostSimple checks the cost of the search box's own syntax: a
// few words with typo tolerance are cheap, a pasted wall of them is
// refused, and the message names what cost most.
func TestQueryCostSimple(t *testing.T) {
	rep := func(s string, n int) string { return strings.TrimSpace(strings.Repeat(s+" ", n)) }
	tests := []struct {
		q       string
		heavy   bool
		wantErr string
	}{
		{"Rotheram nurses redundancies", false, ""},
		{"RCN strike ballot", false, ""},
		{rep("redundancies", 20), true, ""},
		{rep("redundancies", 120), true, "word with typo tolerance"},
	}
	for _, tt := range tests {
		t.Run(tt.q[:min(len(tt.q), 30)], func(t *testing.T) {
			p, err := Parse(schema.Default, tt.q, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			heavy, err := checkCost(p.Query)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkCost = %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkCost = %v, want an error with %q", err, tt.wantErr)
			case heavy != tt.heavy:
				t.Errorf("heavy = %v, want %v", heavy, tt.heavy)
			}
		})
	}
}
