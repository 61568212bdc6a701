package accounts

import (
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

func TestCanonicalUsername(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower stays", "jdoe", "jdoe"},
		{"case folds", "JDoe", "jdoe"},
		{"trims", "  jdoe\t", "jdoe"},
		{"german sharp s folds", "STRASSE", "strasse"},
		{"sharp s folds to ss", "straße", "strasse"},
		{"fullwidth compatibility", "ｊｄｏｅ", "jdoe"},
		{"composed and decomposed agree", "re\u0301ne", "r\u00e9ne"},
		{"ligature", "ﬁona", "fiona"},
		{"inner spaces kept", "Jane Doe", "jane doe"},
		{"greek final sigma", "ΟΔΟΣ", "οδοσ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalUsername(tt.in); got != tt.want {
				t.Errorf("CanonicalUsername(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanSignIn(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	ok := store.Account{Status: store.StatusActive, PasswordHash: "$argon2id$..."}
	off, on := params.Defaults(), params.Defaults()
	on.SSO.AllowLocalPassword = true
	tests := []struct {
		name   string
		mutate func(a *store.Account)
		p      params.Parameters
		want   bool
	}{
		{"active with password", func(*store.Account) {}, off, true},
		{"inactive", func(a *store.Account) { a.Status = store.StatusInactive }, off, false},
		{"invited", func(a *store.Account) { a.Status = store.StatusInvited }, off, false},
		{"sso without a password", func(a *store.Account) { a.SSO, a.PasswordHash = true, "" }, on, false},
		{"sso with a password, local passwords off", func(a *store.Account) { a.SSO = true }, off, false},
		{"sso with a password, local passwords on", func(a *store.Account) { a.SSO = true }, on, true},
		{"sso with a password, on, inactive", func(a *store.Account) { a.SSO, a.Status = true, store.StatusInactive }, on, false},
		{"no password", func(a *store.Account) { a.PasswordHash = "" }, off, false},
		{"valid until future", func(a *store.Account) { a.ValidUntil = now.Add(time.Hour) }, off, true},
		{"valid until now", func(a *store.Account) { a.ValidUntil = now }, off, false},
		{"valid until past", func(a *store.Account) { a.ValidUntil = now.Add(-time.Second) }, off, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.mutate(&a)
			if got := CanSignIn(&a, tt.p, now); got != tt.want {
				t.Errorf("CanSignIn = %v, want %v", got, tt.want)
			}
		})
	}
	if CanSignIn(nil, on, now) {
		t.Error("CanSignIn(nil) = true")
	}
}

func TestMayHoldPassword(t *testing.T) {
	off, on := params.Defaults(), params.Defaults()
	on.SSO.AllowLocalPassword = true
	tests := []struct {
		name string
		sso  bool
		p    params.Parameters
		want bool
	}{
		{"local, off", false, off, true},
		{"local, on", false, on, true},
		{"sso, off", true, off, false},
		{"sso, on", true, on, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := store.Account{SSO: tt.sso}
			if got := MayHoldPassword(&a, tt.p); got != tt.want {
				t.Errorf("MayHoldPassword = %v, want %v", got, tt.want)
			}
			a.PasswordHash = "$argon2id$..."
			if got := PasswordUsable(&a, tt.p); got != tt.want {
				t.Errorf("PasswordUsable with a hash = %v, want %v", got, tt.want)
			}
			a.PasswordHash = ""
			if PasswordUsable(&a, tt.p) {
				t.Error("PasswordUsable without a hash = true")
			}
		})
	}
}

func TestCheckIdentifier(t *testing.T) {
	tests := []struct {
		name, value, code string
	}{
		{"fine", "jdoe", ""},
		{"empty", "", "required"},
		{"blank", " \t ", "required"},
		{"exactly 1 KiB", strings.Repeat("a", MaxIdentifierBytes), ""},
		{"over 1 KiB", strings.Repeat("a", MaxIdentifierBytes+1), "too_long"},
		{"over 1 KiB of blanks is too long, decided before normalising", strings.Repeat(" ", MaxIdentifierBytes+1), "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v validate.List
			CheckIdentifier(&v, "username", tt.value, "username")
			switch {
			case tt.code == "" && len(v) != 0:
				t.Fatalf("violations %v", v)
			case tt.code != "" && (len(v) != 1 || v[0].Code != tt.code || v[0].Field != "username"):
				t.Fatalf("violations %v, want %s", v, tt.code)
			}
		})
	}
}
