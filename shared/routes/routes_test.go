package routes_test

import (
	"net/http"
	"testing"

	"github.com/gatepass/gatepass/shared/routes"
)

// Every row is of a known kind; HTTP functions own routes, the others none.
func TestTableKinds(t *testing.T) {
	names := map[string]bool{}
	for _, f := range routes.Table() {
		if names[f.Name] {
			t.Errorf("function %s twice in the table", f.Name)
		}
		names[f.Name] = true
		switch f.Kind {
		case routes.KindHTTP:
			if !f.HTTP() || len(f.Routes) == 0 {
				t.Errorf("HTTP function %s: HTTP() = %v, %d routes", f.Name, f.HTTP(), len(f.Routes))
			}
		case routes.KindAuthorizer, routes.KindCustomResource:
			if f.HTTP() || len(f.Routes) != 0 || f.Hashes {
				t.Errorf("%s %s: HTTP() = %v, routes %v, hashes %v", f.Kind, f.Name, f.HTTP(), f.Routes, f.Hashes)
			}
		default:
			t.Errorf("function %s has unknown kind %q", f.Name, f.Kind)
		}
	}
	f, ok := routes.Lookup("authorizer")
	if !ok || f.Kind != routes.KindAuthorizer {
		t.Fatalf("authorizer row = %+v, %v", f, ok)
	}
	if f, ok := routes.Lookup("bootstrap"); !ok || f.Kind != routes.KindCustomResource {
		t.Fatalf("bootstrap row = %+v, %v", f, ok)
	}
}

func TestMuxRefusesNonHTTPFunctions(t *testing.T) {
	f := routes.Function{Name: "authorizer", Kind: routes.KindAuthorizer}
	if _, err := routes.Mux(f, map[string]http.Handler{}, http.NotFoundHandler()); err == nil {
		t.Fatal("an authorizer got a ServeMux")
	}
}
