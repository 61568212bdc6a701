package admin_test

import (
	"strings"
	"testing"

	"github.com/gatepass/gatepass/shared/audit"
)

type facilityDoc struct {
	ID, Name, Status string
}

func TestFacilities(t *testing.T) {
	f := newFixture(t)
	res := f.as(callerAdmin, "POST", "/api/admin/facilities", map[string]string{"name": "  Munich Store "})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	munich := decode[facilityDoc](t, res)
	if munich.Name != "Munich Store" || munich.Status != "active" || !strings.HasPrefix(munich.ID, "f_") {
		t.Fatalf("created %+v", munich)
	}
	if e := f.lastEvent(audit.FacilityCreated); e.Detail["facilityId"] != munich.ID || e.Detail["name"] != "Munich Store" {
		t.Fatalf("facility.created %+v", e)
	}
	list := decode[struct{ Items []facilityDoc }](t, f.as(callerAdmin, "GET", "/api/admin/facilities", nil)).Items
	var names []string
	for _, x := range list {
		names = append(names, x.Name)
	}
	if strings.Join(names, "|") != "Berlin Store|Hamburg Warehouse|Munich Store" {
		t.Fatalf("list %v", names)
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"duplicate name", "POST", "/api/admin/facilities", map[string]string{"name": "MUNICH store"}, 409, "conflict"},
		{"empty name", "POST", "/api/admin/facilities", map[string]string{"name": "  "}, 400, "invalid_request"},
		{"long name", "POST", "/api/admin/facilities", map[string]string{"name": strings.Repeat("n", 101)}, 400, "invalid_request"},
		{"unknown member", "POST", "/api/admin/facilities", map[string]string{"name": "X", "city": "Y"}, 400, "invalid_request"},
		{"rename onto another", "PATCH", "/api/admin/facilities/" + munich.ID, map[string]string{"name": "berlin store"}, 409, "conflict"},
		{"bad status", "PATCH", "/api/admin/facilities/" + munich.ID, map[string]string{"status": "closed"}, 400, "invalid_request"},
		{"unknown facility", "PATCH", "/api/admin/facilities/f_nope", map[string]string{"status": "inactive"}, 404, "not_found"},
		{"delete unknown", "DELETE", "/api/admin/facilities/f_nope", nil, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.as(callerAdmin, tc.method, tc.path, tc.body)
			if res.Status != tc.status || res.Code(t) != tc.code {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
		})
	}

	res = f.as(callerAdmin, "PATCH", "/api/admin/facilities/"+munich.ID, map[string]string{"name": "München Store", "status": "inactive"})
	if got := decode[facilityDoc](t, res); res.Status != 200 || got.Name != "München Store" || got.Status != "inactive" {
		t.Fatalf("patch: %d %s", res.Status, res.Body)
	}
	e := f.lastEvent(audit.FacilityUpdated)
	if e.Detail["fields"] != "name,status" || e.Detail["status"] != "active → inactive" || e.Detail["name"] != "Munich Store → München Store" {
		t.Fatalf("facility.updated %+v", e.Detail)
	}
	// Renaming to its own name in another case is no conflict.
	if res := f.as(callerAdmin, "PATCH", "/api/admin/facilities/"+munich.ID, map[string]string{"name": "MÜNCHEN STORE"}); res.Status != 200 {
		t.Fatalf("recase: %d %s", res.Status, res.Body)
	}

	u := f.Account("munich", pw, facilities(munich.ID, f.f1))
	if res := f.as(callerAdmin, "DELETE", "/api/admin/facilities/"+munich.ID, nil); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if e := f.lastEvent(audit.FacilityDeleted); e.Detail["facilityId"] != munich.ID {
		t.Fatalf("facility.deleted %+v", e)
	}
	// Users keep the id; it simply names nothing any more.
	if got := f.getUser(u.ID).FacilityIDs; len(got) != 2 {
		t.Fatalf("facilityIds %v", got)
	}
	if len(decode[struct{ Items []facilityDoc }](t, f.as(callerAdmin, "GET", "/api/admin/facilities", nil)).Items) != 2 {
		t.Fatal("deleted facility still listed")
	}
}
