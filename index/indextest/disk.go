package indextest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// SmallDisk mounts a tmpfs of size bytes on a new directory and returns
// it, unmounted at the end of the test (after the test's own deferred
// calls, so close what uses it in a defer). Mounting needs root: where it
// is refused the test is skipped, loudly, unless CUTWATCH_REQUIRE_MOUNT=1
// (as in CI) makes that a failure.
func SmallDisk(tb testing.TB, size int64) string {
	tb.Helper()
	return MountSmall(tb, tb.TempDir(), size)
}

// MountSmall mounts a tmpfs of size bytes on the directory dir (see
// SmallDisk) and returns dir.
func MountSmall(tb testing.TB, dir string, size int64) string {
	tb.Helper()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("SKIPPED: cannot mount a small tmpfs to fill (%v: %s); run as root, as CI does", err, out)
		if os.Getenv("CUTWATCH_REQUIRE_MOUNT") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			tb.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// Fill writes a file in dir until its disk is full, then gives back leave
// bytes, and returns the file's path: remove it to free the space.
func Fill(tb testing.TB, dir string, leave int64) string {
	tb.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				tb.Fatal(err)
			}
			break
		}
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.Truncate(max(st.Size()-leave, 0)); err != nil {
		tb.Fatal(err)
	}
	return path
}
