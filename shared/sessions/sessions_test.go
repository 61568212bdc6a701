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
	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"well formed", good, true},
		{"no dot", strings.Replace(good, ".", "", 1), false},
		{"short secret", good[:len(good)-1], false},
		{"long secret", good + "a", false},
		{"id too short", "u." + ids.Token(), false},
		{"id with a slash", "u_/x." + ids.Token(), false},
		{"secret with padding", "u_abc." + strings.Repeat("a", 42) + "=", false},
		{"empty", "", false},
		{"two dots", "u_abc.def." + ids.Token(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, ok := ParseToken(tt.token)
			if ok != tt.ok {
				t.Fatalf("ParseToken ok = %v", ok)
			}
			if ok && (key.UserID != "u_abcdefghij2345678901" || key.Hash != ids.Hash(tt.token)) {
				t.Fatalf("key = %+v", key)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	s := store.Session{ExpiresAt: at.Add(12 * time.Hour), Restriction: store.RestrictionPasswordChange,
		ViewType: "facility", FacilityID: "f_1"}
	a := store.Account{ID: "u_1", Username: "jdoe", DisplayName: "Jane", Roles: nil, Locale: "de"}
	d := Describe(s, a, "Berlin Store")
	if d.User.Email != nil || d.User.LastLogin != nil || d.User.Roles == nil {
		t.Fatalf("empty fields not rendered as null / []: %+v", d.User)
	}
	if !d.PasswordChangeRequired || d.View == nil || d.View.FacilityName != "Berlin Store" || !d.ExpiresAt.Equal(at.Add(12*time.Hour)) {
		t.Fatalf("document = %+v", d)
	}
	if Describe(store.Session{}, a, "").View != nil {
		t.Fatal("no view must be null")
	}
}
