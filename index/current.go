package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Layout of a --data directory:
//
//	CURRENT      names the index directory being served (one line)
//	index/       the first index (used when there is no CURRENT)
//	index-<n>/   indexes built by a re-index; the old one is removed
//	articles.db  the Store
const (
	// CurrentFile is the pointer file naming the live index directory.
	CurrentFile = "CURRENT"
	// DefaultIndexName is the index directory of a --data without CURRENT.
	DefaultIndexName = "index"
	// reindexPrefix starts the names of directories built by a re-index.
	reindexPrefix = "index-"
)

// CurrentDir returns the index directory of the --data directory data:
// the one named in its CURRENT file, or data/index when there is none.
func CurrentDir(data string) (string, error) {
	b, err := os.ReadFile(filepath.Join(data, CurrentFile))
	if errors.Is(err, os.ErrNotExist) {
		return filepath.Join(data, DefaultIndexName), nil
	}
	if err != nil {
		return "", fmt.Errorf("read index pointer: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return "", fmt.Errorf("index pointer %s: %q is not an index directory name", filepath.Join(data, CurrentFile), name)
	}
	return filepath.Join(data, name), nil
}

// SetCurrent makes dir (a directory directly inside data) the current index
// of data. The pointer file is replaced atomically: written to a temporary
// file, synced, renamed over CURRENT, and the directory synced so that the
// rename itself survives a crash. A reader sees the old or the new name,
// never a torn one.
func SetCurrent(data, dir string) error {
	if filepath.Clean(filepath.Dir(dir)) != filepath.Clean(data) {
		return fmt.Errorf("set current index: %s is not inside %s", dir, data)
	}
	name := filepath.Base(dir)
	tmp, err := os.CreateTemp(data, CurrentFile+".tmp-")
	if err != nil {
		return fmt.Errorf("set current index: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.WriteString(name + "\n"); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("set current index: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("set current index: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("set current index: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(data, CurrentFile)); err != nil {
		return fmt.Errorf("set current index: %w", err)
	}
	return syncDir(data)
}

// syncDir fsyncs a directory, making renames and creations in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// removeStale removes index directories of data left by an interrupted
// re-index: those named index-* that are not the current one, and index
// itself when CURRENT names another. It is called
// at start, with the store's lock held, so no other server is using them.
func removeStale(data, current string) ([]string, error) {
	ents, err := os.ReadDir(data)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", data, err)
	}
	var removed []string
	for _, e := range ents {
		p := filepath.Join(data, e.Name())
		if !e.IsDir() || !(strings.HasPrefix(e.Name(), reindexPrefix) || e.Name() == DefaultIndexName) || p == filepath.Clean(current) {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return removed, fmt.Errorf("remove stale index %s: %w", p, err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}
