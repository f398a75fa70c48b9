package index

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cutwatch/cutwatch/index/indextest/segfiles"
	"github.com/cutwatch/cutwatch/index/schema"
	"github.com/cutwatch/cutwatch/search/api"
)

// copyDir copies the regular files of the tree src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenDamagedSegments damages a segment file of a closed index in the
// ways a disk fault, a full disk or an interrupted copy do, and checks
// that Open calls the index damaged, names the file and advises a
// rebuild, rather than opening it as a smaller or empty index (which is
// what bleve alone does: it falls back to an older snapshot, or none).
// The file damaged is the largest one bleve serves the index from
// (segfiles.Live), not merely the largest on disk: a merge that Close cut
// short can leave a larger file that no snapshot uses.
func TestOpenDamagedSegments(t *testing.T) {
	orig := filepath.Join(t.TempDir(), "index")
	idx, err := Create(orig, schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	// Three batches make (at least) a few segments.
	for b := range 3 {
		batch := idx.NewBatch()
		for i := range 40 {
			id := fmt.Sprintf("a-%d-%d", b, i)
			if err := batch.Index(id, map[string]any{FieldTitle: "Trust news " + id, FieldText: "Unison fears cuts at ward " + id + "."}); err != nil {
				t.Fatal(err)
			}
		}
		if err := idx.Batch(batch); err != nil {
			t.Fatal(err)
		}
	}
	want, err := idx.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	flip := func(off func(size int64) int64) func(t *testing.T, p string) {
		return func(t *testing.T, p string) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[off(int64(len(b)))] ^= 0x01
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	truncate := func(to func(size int64) int64) func(t *testing.T, p string) {
		return func(t *testing.T, p string) {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, to(fi.Size())); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		damage  func(t *testing.T, segment string) // nil: intact
		wantMsg string
	}{
		{"intact", nil, ""},
		{"truncated to 0 bytes", truncate(func(int64) int64 { return 0 }), "too short"},
		{"cut in half", truncate(func(n int64) int64 { return n / 2 }), "cut short"},
		{"last byte cut", truncate(func(n int64) int64 { return n - 1 }), "cut short"},
		{"byte flipped in the footer's doc count", flip(func(n int64) int64 { return n - zapFooterMin - 8 + 7 }), "checksum"},
		{"byte flipped in the footer's CRC", flip(func(n int64) int64 { return n - 1 }), "checksum"},
		{"byte flipped in the middle", flip(func(n int64) int64 { return n / 2 }), "checksum"},
		{"file removed", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			copyDir(t, orig, dir)
			seg := segfiles.Live(t, dir)[0]
			if tt.damage != nil {
				tt.damage(t, seg)
			}
			idx, err := Open(dir)
			if tt.damage == nil {
				if err != nil {
					t.Fatalf("intact index: %v", err)
				}
				defer idx.Close()
				if n, err := idx.DocCount(); err != nil || n != want {
					t.Fatalf("intact index: %d docs (%v), want %d", n, err, want)
				}
				return
			}
			if err == nil {
				n, _ := idx.DocCount()
				idx.Close()
				t.Fatalf("opened with %d of %d docs, want a damaged-index error", n, want)
			}
			msg := err.Error()
			if !errors.Is(err, api.ErrDamaged) || !strings.Contains(msg, filepath.Base(seg)) ||
				!strings.Contains(msg, tt.wantMsg) || !strings.Contains(msg, "--rebuild") {
				t.Errorf("Open = %v, want api.ErrDamaged naming %s, saying %q, advising --rebuild", err, filepath.Base(seg), tt.wantMsg)
			}
			// Open changed nothing: the evidence stays for a look.
			if tt.name != "file removed" {
				if _, err := os.Stat(seg); err != nil {
					t.Errorf("damaged segment gone after Open: %v", err)
				}
			}
		})
	}
}

// TestOpenLeftoverSegmentFile checks the converse of
// TestOpenDamagedSegments: a segment file in the store that no snapshot
// uses, even a damaged one, is not damage of the index. Closing scorch
// while its merger is writing leaves such a file (a merged segment whose
// snapshot was never persisted), often the largest in the store; the next
// open deletes it. Open must serve the whole index, not refuse it.
func TestOpenLeftoverSegmentFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, err := Create(dir, schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	batch := idx.NewBatch()
	for i := range 40 {
		id := fmt.Sprintf("a-%d", i)
		if err := batch.Index(id, map[string]any{FieldTitle: "Trust news " + id, FieldText: "Unison fears cuts at ward " + id + "."}); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Batch(batch); err != nil {
		t.Fatal(err)
	}
	want, err := idx.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	// The leftover: a copy of a live segment, cut in half, under a
	// segment file name that no snapshot uses.
	live := segfiles.Live(t, dir)
	onDisk, err := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, "store", fmt.Sprintf("%012x.zap", 1<<20))
	if slices.Contains(onDisk, leftover) {
		t.Fatalf("%s already in the store", leftover)
	}
	b, err := os.ReadFile(live[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(leftover, b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}

	idx, err = Open(dir)
	if err != nil {
		t.Fatalf("Open with a damaged leftover segment file: %v", err)
	}
	defer idx.Close()
	if n, err := idx.DocCount(); err != nil || n != want {
		t.Errorf("%d docs (%v), want %d", n, err, want)
	}
}

// TestOpenDamagedRoot covers the root file: missing, or not a bolt file.
func TestOpenDamagedRoot(t *testing.T) {
	orig := filepath.Join(t.TempDir(), "index")
	idx, err := Create(orig, schema.Default)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Index("a", map[string]any{FieldTitle: "Trust news", FieldText: "Unison fears cuts."}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		damage func(root string) error
	}{
		{"root removed", os.Remove},
		{"root overwritten", func(root string) error { return os.WriteFile(root, []byte("not a bolt file"), 0o600) }},
		{"root emptied", func(root string) error { return os.Truncate(root, 0) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			copyDir(t, orig, dir)
			if err := tt.damage(filepath.Join(dir, "store", "root.bolt")); err != nil {
				t.Fatal(err)
			}
			idx, err := Open(dir)
			if err == nil {
				idx.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, api.ErrDamaged) || !strings.Contains(err.Error(), "root") {
				t.Errorf("Open = %v, want api.ErrDamaged naming the root file", err)
			}
		})
	}
}
