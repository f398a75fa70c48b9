package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index"
	"github.com/cutwatch/cutwatch/index/indextest"
)

// TestStoreRecoverCommand removes the article store of a --data: the
// index still holds the articles, but 'cutwatch index' takes no writes and
// says to run 'cutwatch store recover', which brings the articles back
// from the index; writes then work again.
func TestStoreRecoverCommand(t *testing.T) {
	data := indexSeeds(t)
	seeds := []string{seedMidYorks, seedRotherham, seedOxford, seedTaunton, seedNorthEast}
	if err := os.Remove(filepath.Join(data, index.StoreFile)); err != nil {
		t.Fatal(err)
	}
	extra := filepath.Join(t.TempDir(), "leeds.txt")
	if err := os.WriteFile(extra, []byte("Leeds Teaching Hospitals NHS Trust is to cut 100 posts."), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, "index", "--data", data, extra)
	if code != 1 || !strings.Contains(errs, "cutwatch store recover") {
		t.Errorf("index without its store: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 and advice to run 'cutwatch store recover'", code, out, errs)
	}
	if res := searchJSON(t, data); res.Total != 5 {
		t.Errorf("without its store the index holds %q, want the 5 seeds", resultIDs(res))
	}

	code, out, errs = cli(t, "store", "recover", "--data", data)
	if code != 0 || !strings.HasPrefix(out, "recovered the article store of "+data+": 0 articles from the old store, 5 from the index, 0 deletions kept\n") ||
		!strings.Contains(out, "the old store is kept as "+filepath.Join(data, index.StoreFile)+".damaged-") {
		t.Fatalf("store recover: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if got := storedIDs(t, data); !slices.Equal(got, seeds) {
		t.Errorf("after recover the store holds %q, want the seeds %q", got, seeds)
	}

	code, out, errs = cli(t, "index", "--data", data, extra)
	if code != 0 || !strings.HasPrefix(out, "indexed 1 article in ") {
		t.Fatalf("index after recover: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if res := searchJSON(t, data); res.Total != 6 {
		t.Errorf("after recover and a write the index holds %q, want the 5 seeds and leeds", resultIDs(res))
	}

	for _, args := range [][]string{{"store"}, {"store", "recover", "--data", data, "extra"}, {"store", "nope"}} {
		if code, _, errs := cli(t, args...); code != 2 {
			t.Errorf("cutwatch %q: exit %d, stderr %q; want 2", args, code, errs)
		}
	}
}

// TestIndexMinFreeSpace runs 'cutwatch index' on a small disk: with the
// default --min-free-space (64MiB, more than the disk has) it writes
// nothing and says why; a smaller reserve, or 0 (no check), lets it write.
func TestIndexMinFreeSpace(t *testing.T) {
	disk := indextest.SmallDisk(t, 32<<20)
	data := filepath.Join(disk, "data")
	code, out, errs := cli(t, "index", "--data", data, indextest.SeedsDir())
	if code != 1 || !strings.Contains(errs, "--min-free-space") {
		t.Errorf("index with 64MiB to keep free on a 32MiB disk: exit %d\nstdout: %s\nstderr: %s\nwant exit 1 naming --min-free-space", code, out, errs)
	}
	if ids := storedIDs(t, data); len(ids) != 0 {
		t.Errorf("a write refused for lack of space stored %q", ids)
	}
	code, out, errs = cli(t, "index", "--data", data, "--min-free-space", "1MiB", indextest.SeedsDir())
	if code != 0 || !strings.HasPrefix(out, "indexed 5 articles in ") {
		t.Errorf("index --min-free-space 1MiB: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	extra := filepath.Join(t.TempDir(), "leeds.txt")
	if err := os.WriteFile(extra, []byte("Leeds Teaching Hospitals NHS Trust is to cut 100 posts."), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, "index", "--data", data, "--min-free-space", "0", extra)
	if code != 0 || !strings.HasPrefix(out, "indexed 1 article in ") {
		t.Errorf("index --min-free-space 0 (no check): exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}
