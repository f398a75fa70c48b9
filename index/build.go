package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cutwatch/cutwatch/index/tag"
)

// ErrNothingIndexed is returned (wrapped) by Build and Rebuild when not
// one article of the inputs could be indexed. No index is written then, so
// a wrong path or a folder of bad files never replaces a good index with an
// empty one.
var ErrNothingIndexed = errors.New("no article could be indexed")

// Build creates a complete index in dir from the article files in paths.
// It writes to a temporary directory beside dir and renames it into place
// only when all articles are in, so a crash or an error never leaves a
// half-built index at dir. dir must not exist yet: an existing index is
// replaced only by Rebuild.
func Build(ctx context.Context, dir string, paths []string, t *tag.Tagger, progress func(Progress)) (Stats, error) {
	return build(ctx, dir, paths, t, progress, false)
}

// Rebuild is Build for a dir that may already hold an index. The old index
// is first checked to be unused (not locked), then moved aside once the new
// one is complete, and removed after the new one is in place. A dir that
// exists but is neither an index nor empty is refused, not removed.
func Rebuild(ctx context.Context, dir string, paths []string, t *tag.Tagger, progress func(Progress)) (Stats, error) {
	return build(ctx, dir, paths, t, progress, true)
}

func build(ctx context.Context, dir string, paths []string, t *tag.Tagger, progress func(Progress), replace bool) (Stats, error) {
	dir = filepath.Clean(dir)
	if _, err := os.Stat(dir); err == nil {
		if !replace {
			return Stats{}, fmt.Errorf("build index %s: %w", dir, os.ErrExist)
		}
		if !Exists(dir) {
			// Replacing means removing what is there: never do that to a
			// folder of other files (a mistyped --data), only to an index
			// or an empty folder.
			ents, err := os.ReadDir(dir)
			if err != nil {
				return Stats{}, fmt.Errorf("build index %s: %w", dir, err)
			}
			if len(ents) > 0 {
				return Stats{}, fmt.Errorf("build index %s: the folder exists and is not an index; refusing to replace it", dir)
			}
		} else {
			// Fail now, not after tagging everything, if a server has it open.
			old, err := Open(dir)
			if err != nil && errors.Is(err, ErrLocked) {
				return Stats{}, err
			}
			if err == nil {
				_ = old.Close()
			}
		}
	}
	files, skips, err := FindFiles(paths)
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return Stats{}, fmt.Errorf("build index %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".building-")
	if err != nil {
		return Stats{}, fmt.Errorf("build index %s: %w", dir, err)
	}
	// bleve wants to create the directory itself.
	if err := os.Remove(tmp); err != nil {
		return Stats{}, fmt.Errorf("build index %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed

	idx, err := Create(tmp)
	if err != nil {
		return Stats{}, err
	}
	stats, err := NewIndexer(idx, t).IndexFiles(ctx, files, progress)
	stats.Skipped = append(skips, stats.Skipped...)
	if cerr := idx.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close index: %w", cerr)
	}
	if err != nil {
		return stats, fmt.Errorf("build index %s: %w", dir, err)
	}
	if stats.Indexed == 0 {
		return stats, fmt.Errorf("build index %s: %w (%d inputs skipped)", dir, ErrNothingIndexed, len(stats.Skipped))
	}

	var old string
	if _, err := os.Stat(dir); err == nil {
		old = fmt.Sprintf("%s.old-%d", dir, time.Now().UnixNano())
		if err := os.Rename(dir, old); err != nil {
			return stats, fmt.Errorf("build index %s: move old index aside: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return stats, fmt.Errorf("build index %s: %w", dir, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return stats, fmt.Errorf("build index %s: remove old index %s: %w", dir, old, err)
		}
	}
	return stats, nil
}
