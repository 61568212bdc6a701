package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/api"
	"github.com/gatepass/gatepass/shared/routes"
)

// The document and the route table describe the same routes, no more, no less.
func TestOpenAPIMatchesTheRouteTable(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	var documented, routed []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, f := range routes.Table() {
		routed = append(routed, f.Routes...)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Fatalf("OpenAPI documents %v\nthe route table has %v", documented, routed)
	}
}
