package gen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// Write writes articles 0..n-1 of g as JSON Lines to w, one article a
// line. Articles are generated in parallel but written in order, so the
// output depends only on the seed and n. progress, if not nil, is called
// with the number of articles written so far after every 1,000 and at the
// end.
func (g *Generator) Write(ctx context.Context, w io.Writer, n int, progress func(done int)) error {
	if n < 0 {
		return fmt.Errorf("generate: n must be 0 or more, got %d", n)
	}
	workers := runtime.GOMAXPROCS(0)
	const chunk = 64
	type job struct {
		start int
		out   chan [][]byte
	}
	jobs := make(chan job, workers*2)
	order := make(chan job, workers*2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(jobs)
		defer close(order)
		for start := 0; start < n; start += chunk {
			j := job{start: start, out: make(chan [][]byte, 1)}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for j := range jobs {
				lines := make([][]byte, 0, chunk)
				for i := j.start; i < min(j.start+chunk, n); i++ {
					line, err := encode(g.Article(i))
					if err != nil {
						line = nil // reported by the writer
					}
					lines = append(lines, line)
				}
				j.out <- lines
			}
		}()
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	done := 0
	for j := range order {
		var lines [][]byte
		select {
		case lines = <-j.out:
		case <-ctx.Done():
			return ctx.Err()
		}
		for k, line := range lines {
			if line == nil {
				return fmt.Errorf("generate: encode article %d", j.start+k)
			}
			if _, err := bw.Write(line); err != nil {
				return fmt.Errorf("generate: write: %w", err)
			}
			done++
			if progress != nil && done%1000 == 0 {
				progress(done)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("generate: write: %w", err)
	}
	if progress != nil && done%1000 != 0 {
		progress(done)
	}
	return nil
}

// encode returns a's JSON line, newline included. HTML characters are left
// as they are: the lines are data, not markup.
func encode(a Article) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteFile writes articles 0..n-1 of g to path as JSON Lines. It writes a
// temporary file beside path and renames it into place when complete, so an
// interrupted run never leaves a truncated corpus that looks finished.
func (g *Generator) WriteFile(ctx context.Context, path string, n int, progress func(done int)) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("generate %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // no-op once renamed
	err = g.Write(ctx, f, n, progress)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("generate %s: %w", path, err)
	}
	return nil
}
