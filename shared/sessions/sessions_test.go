package sessions

import (
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

func TestParseToken(t *testing.T) {
	good := "u_abcdefghij2345678901." + ids.Token()
	facility := "u_abcdefghij2345678901.f_qrstuvwxyz2345678901." + ids.Token()
	tests := []struct {
		name     string
		token    string
		ok       bool
		facility string
	}{
		{"well formed", good, true, ""},
		{"with a facility hint", facility, true, "f_qrstuvwxyz2345678901"},
		{"no dot", strings.Replace(good, ".", "", 1), false, ""},
		{"short secret", good[:len(good)-1], false, ""},
		{"long secret", good + "a", false, ""},
		{"id too short", "u." + ids.Token(), false, ""},
		{"id with a slash", "u_/x." + ids.Token(), false, ""},
		{"secret with padding", "u_abc." + strings.Repeat("a", 42) + "=", false, ""},
		{"empty", "", false, ""},
		{"empty hint", "u_abcdefghij2345678901.." + ids.Token(), false, ""},
		{"hint with a slash", "u_abcdefghij2345678901.f_/x." + ids.Token(), false, ""},
		{"four parts", "u_abc.def.ghi." + ids.Token(), false, ""},
		{"oversized", "u_" + strings.Repeat("a", 300) + "." + ids.Token(), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, ok := ParseToken(tt.token)
			if ok != tt.ok {
				t.Fatalf("ParseToken ok = %v", ok)
			}
			if ok && (tok.Key.UserID != "u_abcdefghij2345678901" || tok.Key.Hash != ids.Hash(tt.token) || tok.FacilityID != tt.facility) {
				t.Fatalf("token = %+v", tok)
			}
		})
	}
}

func TestIssuedTokensCarryTheFacilityHint(t *testing.T) {
	for _, v := range []View{{}, {Type: ViewNetwork}, {Type: ViewFacility, FacilityID: "f_berlin"}} {
		is := issue(store.Session{UserID: "u_jane", ViewType: v.Type, FacilityID: v.FacilityID})
		tok, ok := ParseToken(is.Token)
		if !ok || tok.Key.Hash != is.Session.Hash || !tok.matches(is.Session) {
			t.Fatalf("view %+v: token %+v, ok %v", v, tok, ok)
		}
		if v.Type != ViewFacility && tok.FacilityID != "" || v.Type == ViewFacility && tok.FacilityID != "f_berlin" {
			t.Fatalf("view %+v: hint %q", v, tok.FacilityID)
		}
	}
}

func TestAllowed(t *testing.T) {
	berlin := &store.Facility{ID: "f_b", Name: "Berlin", Status: FacilityActive}
	closed := &store.Facility{ID: "f_b", Name: "Berlin", Status: "inactive"}
	other := &store.Facility{ID: "f_o", Name: "Oslo", Status: FacilityActive}
	member := &store.Account{FacilityIDs: []string{"f_b"}}
	network := &store.Account{NetworkAccess: true}
	tests := []struct {
		name string
		a    *store.Account
		v    View
		f    *store.Facility
		want bool
	}{
		{"no view", member, View{}, nil, true},
		{"network with access", network, View{Type: ViewNetwork}, nil, true},
		{"network without access", member, View{Type: ViewNetwork}, nil, false},
		{"own facility", member, View{Type: ViewFacility, FacilityID: "f_b"}, berlin, true},
		{"own facility deleted", member, View{Type: ViewFacility, FacilityID: "f_b"}, nil, false},
		{"own facility inactive", member, View{Type: ViewFacility, FacilityID: "f_b"}, closed, false},
		{"foreign facility", member, View{Type: ViewFacility, FacilityID: "f_o"}, other, false},
		{"any facility with network access", network, View{Type: ViewFacility, FacilityID: "f_o"}, other, true},
		{"facility record of another id", member, View{Type: ViewFacility, FacilityID: "f_b"}, other, false},
		{"unknown type", network, View{Type: "planet"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allowed(tt.a, tt.v, tt.f); got != tt.want {
				t.Fatalf("Allowed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s := store.Session{ExpiresAt: at.Add(12 * time.Hour), Restriction: store.RestrictionPasswordChange,
		ViewType: "facility", FacilityID: "f_1"}
	a := store.Account{ID: "u_1", Username: "jdoe", DisplayName: "Jane", Roles: nil, Locale: "de"}
	d := Describe(s, a, View{Type: ViewFacility, FacilityID: "f_1", FacilityName: "Berlin Store"})
	if d.User.Email != nil || d.User.LastLogin != nil || d.User.Roles == nil {
		t.Fatalf("empty fields not rendered as null / []: %+v", d.User)
	}
	if !d.PasswordChangeRequired || d.View == nil || d.View.FacilityName != "Berlin Store" || !d.ExpiresAt.Equal(at.Add(12*time.Hour)) {
		t.Fatalf("document = %+v", d)
	}
	if Describe(s, a, View{}).View != nil {
		t.Fatal("no view must be null")
	}
	SignedIn(&a, at, "198.51.100.1")
	if Describe(s, a, View{}).User.LastLogin != nil {
		t.Fatal("a first sign-in has no previous one to show")
	}
	SignedIn(&a, at.Add(time.Hour), "198.51.100.2")
	if ll := Describe(s, a, View{}).User.LastLogin; ll == nil || !ll.At.Equal(at) || ll.IP != "198.51.100.1" {
		t.Fatalf("lastLogin = %+v, want the sign-in before the latest", ll)
	}
}
