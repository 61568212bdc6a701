package emulator

import (
	"os"
	"path/filepath"
	"testing"
)

// ChdirToEmptyRepo makes a new temporary directory holding only a go.mod
// the repository root for the rest of tb, so that no emulator is installed
// there: it changes the working directory (with tb.Chdir) to a subdirectory
// of it and returns the root.
func ChdirToEmptyRepo(tb testing.TB) string {
	tb.Helper()
	root := tb.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/empty\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		tb.Fatal(err)
	}
	tb.Chdir(sub)
	return root
}
