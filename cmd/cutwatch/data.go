package main

import "path/filepath"

// defaultDataDir is the default of the --data flag of the commands that use
// the index (serve, index, search).
const defaultDataDir = "./data"

// indexDir returns the folder of the bleve index inside the data folder
// given with --data. Every command that opens or builds the index uses it,
// so they all agree on where it is.
func indexDir(data string) string {
	return filepath.Join(data, "index")
}
