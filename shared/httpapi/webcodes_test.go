package httpapi_test

// Every problem code the Go code can answer has a message in the web app,
// in every locale: the web app shows t("error.<code>") for a failed call
// (web/js/api.js message()), and a code without one falls back to a vague
// "That did not work". The codes are read from the source: the Code*
// constants of problem.go, and the code of every NewProblem call and Problem
// literal anywhere in the module — a code the test cannot read (neither a
// string literal nor a Code* constant) fails it, so none slips past.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/internal/gosource"
)

// devOnlyCodes are codes answered only outside the API, by the local stack's
// /_dev/ pages, which the web app never calls; each is allowed in the listed
// files only.
var devOnlyCodes = map[string][]string{
	// GET /_dev/mail, the local outbox: other methods.
	"method_not_allowed": {"shared/mail/outbox/handler.go"},
}

func TestEveryProblemCodeHasAWebMessage(t *testing.T) {
	root := repoRoot(t)
	codes := problemCodes(t, root)
	if len(codes) < 20 {
		t.Fatalf("found only %d problem codes (%v): is the source scan broken?", len(codes), codes)
	}
	locales := webLocales(t, root)
	web := webSources(t, root)
	for code, files := range codes {
		if allowed, ok := devOnlyCodes[code]; ok {
			for _, f := range files {
				if !slices.Contains(allowed, f) {
					t.Errorf("code %q is written in %s, beyond the /_dev/ files it is exempt in (%v): give it a web message", code, f, allowed)
				}
			}
			continue
		}
		key := `"error.` + code + `":`
		if n := strings.Count(web, key); n != len(locales) {
			t.Errorf("code %q (written in %v): the web app registers %s %d times, want once per locale %v (web/js/i18n.js)",
				code, files, strings.TrimSuffix(key, ":"), n, locales)
		}
	}
}

// problemCodes returns every problem code of the module's Go source (tests
// excluded) with the files that write it.
func problemCodes(t *testing.T, root string) map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	consts := map[string]string{} // Code* constant name -> value
	problemFile := filepath.Join(root, "shared", "httpapi", "problem.go")
	pf, err := parser.ParseFile(fset, problemFile, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range pf.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					consts[name.Name] = v
				}
			}
		}
	}
	codes := map[string][]string{}
	add := func(code, file string) {
		if !slices.Contains(codes[code], file) {
			codes[code] = append(codes[code], file)
		}
	}
	for _, v := range consts {
		add(v, "shared/httpapi/problem.go")
	}
	// resolve reads a code expression: a string literal, or a Code* constant
	// (httpapi.CodeX outside the package, CodeX inside).
	resolve := func(e ast.Expr, inHTTPAPI bool) (string, bool) {
		switch x := e.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				v, err := strconv.Unquote(x.Value)
				return v, err == nil
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "httpapi" {
				v, ok := consts[x.Sel.Name]
				return v, ok
			}
		case *ast.Ident:
			if inHTTPAPI {
				v, ok := consts[x.Name]
				return v, ok
			}
		}
		return "", false
	}
	err = gosource.EachFile(root, fset, func(path string, f *ast.File) error {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		inHTTPAPI := f.Name.Name == "httpapi"
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if !isNewProblem(x.Fun, inHTTPAPI) || len(x.Args) < 2 {
					return true
				}
				if path == problemFile && isParam(x.Args[1]) {
					return true // newKnown(status, code, …) passes its parameter on
				}
				code, ok := resolve(x.Args[1], inHTTPAPI)
				if !ok {
					t.Errorf("%s: a NewProblem call whose code is neither a string literal nor a Code* constant", fset.Position(x.Pos()))
					return true
				}
				add(code, rel)
			case *ast.CompositeLit:
				if !isProblemType(x.Type, inHTTPAPI) {
					return true
				}
				for _, el := range x.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Code" {
						continue
					}
					if path == problemFile && isParam(kv.Value) {
						continue // NewProblem's own literal
					}
					code, ok := resolve(kv.Value, inHTTPAPI)
					if !ok {
						t.Errorf("%s: a Problem literal whose code is neither a string literal nor a Code* constant", fset.Position(kv.Pos()))
						continue
					}
					add(code, rel)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

func isNewProblem(fun ast.Expr, inHTTPAPI bool) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		id, ok := f.X.(*ast.Ident)
		return ok && id.Name == "httpapi" && f.Sel.Name == "NewProblem"
	case *ast.Ident:
		return inHTTPAPI && f.Name == "NewProblem"
	}
	return false
}

func isProblemType(typ ast.Expr, inHTTPAPI bool) bool {
	switch x := typ.(type) {
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		return ok && id.Name == "httpapi" && x.Sel.Name == "Problem"
	case *ast.Ident:
		return inHTTPAPI && x.Name == "Problem"
	}
	return false
}

// isParam reports a lower-case identifier: a function's parameter (code).
func isParam(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "code"
}

// webLocales reads the locales of web/js/i18n.js.
func webLocales(t *testing.T, root string) []string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "web", "js", "i18n.js"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`export const locales = \[([^\]]*)\]`).FindSubmatch(src)
	if m == nil {
		t.Fatal("web/js/i18n.js: no `export const locales = [...]`")
	}
	var out []string
	for _, q := range regexp.MustCompile(`"([a-z]+)"`).FindAllSubmatch(m[1], -1) {
		out = append(out, string(q[1]))
	}
	if len(out) == 0 {
		t.Fatal("web/js/i18n.js: no locales")
	}
	return out
}

// webSources is the text of every web/js module.
func webSources(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(filepath.Join(root, "web", "js"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		src, err := os.ReadFile(path)
		b.Write(src)
		b.WriteByte('\n')
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// repoRoot is the module root (where go.mod is), above this package, with
// the web app beside it.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := gosource.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "web", "js", "i18n.js")); err != nil {
		t.Fatalf("no web/js/i18n.js beside %s/go.mod", dir)
	}
	return dir
}
