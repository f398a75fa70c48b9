//go:build unix

package index

import "syscall"

// freeBytes returns the bytes available to an unprivileged process on the
// file system of dir, and whether it could be read.
func freeBytes(dir string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true //nolint:unconvert // Bsize is int64 on some systems
}
