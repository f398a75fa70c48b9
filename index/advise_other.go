//go:build !linux

package index

// adviseRandom does nothing where the advice is not known (see
// advise_linux.go).
func adviseRandom(string) {}
