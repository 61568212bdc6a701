// Package accounts holds the rules about accounts that every capability
// shares: canonical forms of usernames and emails, the PRECIS rules for new
// usernames, display names and facility names, roles, and whether an
// account may sign in at a given moment.
package accounts

import (
	"time"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Roles (API.md "Roles and views"). There is no other role.
const (
	RoleSuperAdmin = "super_admin"
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleOperator   = "operator"
)

// MaxIdentifierBytes bounds any username or email before any work is done on
// it (SECURITY.md: refuse any field over 1 KiB before hashing).
const MaxIdentifierBytes = 1024

// CanonicalUsername returns the form under which a submitted username is
// looked up (sign-in, reset requests, searches). It never refuses: a name
// the PRECIS profile accepts gives the key a new account with that username
// has (NewUsernameKey, the mixed-script rule aside); any other gives its
// canonical form before PRECIS — trimmed, NFKC-normalised, case-folded —
// which is the key of accounts created then, such as "john doe". For every
// name both rules accept the two forms are equal, so no account created
// before PRECIS changes its key.
func CanonicalUsername(s string) string {
	if key, err := enforcedUsername(s); err == nil {
		return key
	}
	return legacyCanonicalUsername(s)
}

// CanonicalEmail returns the form under which an email address is unique and
// matched: trimmed, NFKC-normalised and case-folded, as before usernames
// followed PRECIS (email matching did not change). The whole address is
// folded: no mail provider a Backoffice uses treats local parts
// case-sensitively, and two accounts differing only in the case of their
// email would be a support incident, not a feature.
func CanonicalEmail(s string) string {
	return legacyCanonicalUsername(s)
}

// MayHoldPassword reports whether the account may have a local password
// under the tenant's parameters: a local account always; an SSO account
// only while sso.allowLocalPassword is on, beside its SSO identity (API.md
// POST /api/auth/password/reset).
func MayHoldPassword(a *store.Account, p params.Parameters) bool {
	return !a.SSO || p.SSO.AllowLocalPassword
}

// PasswordUsable reports whether the account has a local password it may
// use under the tenant's parameters (MayHoldPassword): an SSO account's
// stops working when sso.allowLocalPassword is turned off.
func PasswordUsable(a *store.Account, p params.Parameters) bool {
	return a.PasswordHash != "" && MayHoldPassword(a, p)
}

// CanSignIn reports whether an account may complete a password sign-in at
// now under the tenant's parameters: active, with a password it may use
// (PasswordUsable), and not past its validity. Every other case fails
// exactly like a wrong password.
func CanSignIn(a *store.Account, p params.Parameters, now time.Time) bool {
	if a == nil || a.Status != store.StatusActive || !PasswordUsable(a, p) {
		return false
	}
	return IsValidAt(a, now)
}

// IsValidAt reports whether the account's validUntil (if any) lies after now.
func IsValidAt(a *store.Account, now time.Time) bool {
	return a.ValidUntil.IsZero() || now.Before(a.ValidUntil)
}

// MayUseSession reports whether a signed-in account still may use its
// session at now. Checked on every request (SECURITY.md: every request
// re-checks the account state).
func MayUseSession(a *store.Account, now time.Time) bool {
	return a != nil && a.Status == store.StatusActive && IsValidAt(a, now)
}

// CheckIdentifier adds a violation to v when a submitted username or email
// is blank or over MaxIdentifierBytes. The size is checked first, before any
// normalisation work. what names the field for people ("username").
func CheckIdentifier(v *validate.List, field, value, what string) {
	switch {
	case len(value) > MaxIdentifierBytes:
		v.Add(field, "too_long", "The "+what+" is too long.")
	case CanonicalUsername(value) == "":
		v.Add(field, "required", "Enter your "+what+".")
	}
}
