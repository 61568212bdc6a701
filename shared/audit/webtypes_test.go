package audit_test

// The audit log screen of the web app (web/js/screens/admin/audit.js) names
// every event type in its filter, with an English and a German label; this
// test holds that list to Go's: the event-type constants of audit.go (the
// dotted ones, "login.succeeded"; others there are detail values) plus every
// other event type the module writes — a constant passed to audit.New
// anywhere, and the other dotted constants of its const block
// (providers.go declares created, updated and deleted together and passes
// one of them through a variable). The web app must name each of them, and
// nothing else.

import (
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/internal/gosource"
)

func TestTheWebAppNamesEveryAuditEventType(t *testing.T) {
	root := repoRoot(t)
	goTypes := goEventTypes(t, root)
	if len(goTypes) < 30 {
		t.Fatalf("found only %d event types in the Go source: is the scan broken? %v", len(goTypes), goTypes)
	}
	src, err := os.ReadFile(filepath.Join(root, "web", "js", "screens", "admin", "audit.js"))
	if err != nil {
		t.Fatal(err)
	}
	listed := quoted(t, block(t, src, `export const EVENT_TYPES = [`, `];`), `"([a-z_.]+)"`)
	en := quoted(t, block(t, src, `const EN = {`, `};`), `"([a-z_.]+)":`)
	de := quoted(t, block(t, src, `const DE = {`, `};`), `"([a-z_.]+)":`)

	for typ, where := range goTypes {
		if !slices.Contains(listed, typ) {
			t.Errorf("event type %q (%s) is missing from EVENT_TYPES in web/js/screens/admin/audit.js", typ, where)
		}
		if !slices.Contains(en, typ) || !slices.Contains(de, typ) {
			t.Errorf("event type %q (%s) needs a label in EN and DE in web/js/screens/admin/audit.js", typ, where)
		}
	}
	for _, typ := range listed {
		if _, ok := goTypes[typ]; !ok {
			t.Errorf("web/js/screens/admin/audit.js names %q, which the Go code never writes", typ)
		}
	}
	for name, labels := range map[string][]string{"EN": en, "DE": de} {
		for _, typ := range labels {
			if !slices.Contains(listed, typ) {
				t.Errorf("web/js/screens/admin/audit.js: %s labels %q, which EVENT_TYPES does not list", name, typ)
			}
		}
	}
	seen := map[string]bool{}
	for _, typ := range listed {
		if seen[typ] {
			t.Errorf("web/js/screens/admin/audit.js: EVENT_TYPES lists %q twice", typ)
		}
		seen[typ] = true
	}
}

// goEventTypes returns every event type of the Go source (tests excluded),
// each with where it is declared.
func goEventTypes(t *testing.T, root string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	type constant struct {
		value string
		block *ast.GenDecl
		pos   token.Position
	}
	// Every string constant of every package (by directory), and the
	// audit.New calls with the expression of their type argument.
	consts := map[string]map[string]constant{}
	type call struct {
		dir string
		arg ast.Expr
	}
	var calls []call
	auditDir := filepath.Join(root, "shared", "audit")
	err := gosource.EachFile(root, fset, func(path string, f *ast.File) error {
		dir := filepath.Dir(path)
		if consts[dir] == nil {
			consts[dir] = map[string]constant{}
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						consts[dir][name.Name] = constant{value: v, block: g, pos: fset.Position(name.Pos())}
					}
				}
			}
		}
		inAudit := dir == auditDir
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || len(c.Args) < 2 {
				return true
			}
			switch fun := c.Fun.(type) {
			case *ast.SelectorExpr:
				if id, ok := fun.X.(*ast.Ident); ok && id.Name == "audit" && fun.Sel.Name == "New" {
					calls = append(calls, call{dir, c.Args[1]})
				}
			case *ast.Ident:
				if inAudit && fun.Name == "New" {
					calls = append(calls, call{dir, c.Args[1]})
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	types := map[string]string{}
	where := func(c constant) string {
		rel, _ := filepath.Rel(root, c.pos.Filename)
		return filepath.ToSlash(rel) + ":" + strconv.Itoa(c.pos.Line)
	}
	// The event types of audit.go: all its string constants.
	for _, c := range consts[auditDir] {
		if filepath.Base(c.pos.Filename) == "audit.go" && eventType.MatchString(c.value) {
			types[c.value] = where(c)
		}
	}
	// Constants passed to audit.New, and their const blocks.
	blocks := map[*ast.GenDecl]bool{}
	for _, c := range calls {
		var found constant
		var ok bool
		switch x := c.arg.(type) {
		case *ast.SelectorExpr:
			if id, isID := x.X.(*ast.Ident); isID && id.Name == "audit" {
				found, ok = consts[auditDir][x.Sel.Name]
			}
		case *ast.Ident:
			found, ok = consts[c.dir][x.Name]
		case *ast.BasicLit:
			v, _ := strconv.Unquote(x.Value)
			t.Errorf("%s: audit.New with the literal type %q: declare it as a constant", fset.Position(x.Pos()), v)
		}
		if ok {
			types[found.value] = where(found)
			blocks[found.block] = true
		}
	}
	for _, pkg := range consts {
		for _, c := range pkg {
			if blocks[c.block] && eventType.MatchString(c.value) {
				types[c.value] = where(c)
			}
		}
	}
	return types
}

// eventType is the form of an event type: dotted lower-case words.
var eventType = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)

// block returns the text of src between the first start and the next end.
func block(t *testing.T, src []byte, start, end string) string {
	t.Helper()
	s := string(src)
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("web/js/screens/admin/audit.js: no %q", start)
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		t.Fatalf("web/js/screens/admin/audit.js: %q is not closed by %q", start, end)
	}
	return s[i+len(start) : i+j]
}

// quoted returns the first group of every match of pattern in s.
func quoted(t *testing.T, s, pattern string) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatalf("web/js/screens/admin/audit.js: nothing matches %s", pattern)
	}
	return out
}

// repoRoot is the module root (where go.mod is), above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := gosource.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
