package main

import "path/filepath"

// indexDir is where the index lives inside a --data directory.
func indexDir(data string) string {
	return filepath.Join(data, "index")
}
