package main

import (
	"path/filepath"

	"github.com/cutwatch/cutwatch/index"
)

// defaultDataDir is the default of the --data flag of the commands that use
// the index (serve, index, search).
const defaultDataDir = "./data"

// indexDir is where the live index lives inside a --data directory: the
// directory named by its CURRENT pointer (a re-index moves it), else
// data/index. An unreadable pointer gives data/index; 'cutwatch serve'
// reports it (index.CurrentDir).
func indexDir(data string) string {
	dir, err := index.CurrentDir(data)
	if err != nil {
		return filepath.Join(data, index.DefaultIndexName)
	}
	return dir
}
