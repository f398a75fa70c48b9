//go:build linux

package index

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutwatch/cutwatch/index/tag"
	"github.com/cutwatch/cutwatch/search/api"
)

// zapFlags returns the VmFlags of every mapping of a segment file in
// store, by file name.
func zapFlags(t *testing.T, store string) map[string]string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	var mapping string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fs := strings.Fields(line); len(fs) >= 5 && !strings.HasSuffix(fs[0], ":") {
			// A mapping's first line: range, perms, offset, dev, inode,
			// and a path unless anonymous.
			mapping = ""
			if len(fs) >= 6 {
				mapping = fs[5]
			}
			continue
		}
		if strings.HasPrefix(line, "VmFlags:") && filepath.Dir(mapping) == store && strings.HasSuffix(mapping, ".zap") {
			out[filepath.Base(mapping)] += line
		}
	}
	return out
}

// TestSegmentsAdvisedRandom checks that a Writer's mapped segment files
// are advised as read at random (the kernel shows the advice as "rr" in
// a mapping's VmFlags): at open, and a segment written later when the
// index is next advised.
func TestSegmentsAdvisedRandom(t *testing.T) {
	tg, err := tag.New()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	ctx := context.Background()
	w, err := OpenWriter(ctx, data, WriterOptions{Tagger: tg})
	if err != nil {
		t.Fatal(err)
	}
	put := func(id string) {
		a := api.Article{ID: id, Title: "Cuts", Text: "Unison says 12 porters at Kirkwall face cuts."}
		if _, err := w.Put(ctx, []api.Article{a}); err != nil {
			t.Fatal(err)
		}
	}
	put("first")
	must := func(when string, flags map[string]string) {
		t.Helper()
		if len(flags) == 0 {
			t.Fatalf("%s: no mapped segment", when)
		}
		for name, f := range flags {
			if !strings.Contains(f, " rr") {
				t.Errorf("%s: segment %s is mapped without the random-read advice: %s", when, name, f)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w, err = OpenWriter(ctx, data, WriterOptions{Tagger: tg}); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	store := filepath.Join(w.Dir(), "store")
	must("after open", zapFlags(t, store))

	// scorch writes and maps a new segment some time after the write, and
	// may merge segments into another soon after: advising again (as
	// searches do, once a second) finds every one.
	before := zapFlags(t, store)
	put("second")
	deadline := time.Now().Add(20 * time.Second)
	for {
		w.advise(true)
		now := zapFlags(t, store)
		added, all := false, true
		for name, f := range now {
			if _, ok := before[name]; !ok {
				added = true
			}
			all = all && strings.Contains(f, " rr")
		}
		if added && all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20 s after a write: new segment mapped %v, all advised %v: %v", added, all, now)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
