// Package gosource walks the module's Go source for the tests that check the
// code against something else (the web app's messages and audit labels).
package gosource

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EachFile parses every non-test Go file under root — skipping hidden
// folders, node_modules, cdk.out and web — and hands it to fn with its path.
func EachFile(root string, fset *token.FileSet, fn func(path string, f *ast.File) error) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "cdk.out" || name == "web") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		return fn(path, f)
	})
}

// ModuleRoot is the nearest directory at or above dir with a go.mod: the
// root the tests walk from their package's directory.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("gosource: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("gosource: no go.mod above " + dir)
		}
		dir = parent
	}
}
