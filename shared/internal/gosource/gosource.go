// Package gosource walks the module's Go source for the tests that check the
// code against something else (the web app's messages and audit labels).
package gosource

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
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
