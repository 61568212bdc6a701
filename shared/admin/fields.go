package admin

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/validate"
)

// Field bounds of a user.
const (
	maxUsernameChars    = 64
	maxDisplayNameChars = 200
	maxEmailBytes       = 254 // RFC 5321 path limit
	maxLocalPartBytes   = 64
)

// validLocale reports whether a user may have the locale: mail templates
// exist for these.
func validLocale(s string) bool { return s == "en" || s == "de" }

// allRoles lists the roles in the order documents show them.
func allRoles() []string {
	return []string{accounts.RoleSuperAdmin, accounts.RoleAdmin, accounts.RoleSupervisor, accounts.RoleOperator}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// checkUsername checks a new username and returns it trimmed with its key
// (accounts.NewUsernameKey: PRECIS UsernameCaseMapped, one script); the size
// is checked before any normalisation work. Characters the rules refuse are
// the violation invalid_characters (422).
func checkUsername(v *validate.List, raw string) (username, key string) {
	if len(raw) > accounts.MaxIdentifierBytes {
		v.Add("username", "too_long", "The username must not exceed 64 characters.")
		return "", ""
	}
	username = strings.TrimSpace(raw)
	key, err := accounts.NewUsernameKey(username)
	switch {
	case errors.Is(err, accounts.ErrMixedScripts):
		v.Add("username", validate.CodeInvalidCharacters,
			"The username must not mix letters of different scripts, such as Latin and Cyrillic.")
	case err != nil:
		v.Add("username", validate.CodeInvalidCharacters,
			"The username may hold letters, digits and punctuation, without spaces, symbols or invisible, formatting or control characters.")
	case key == "":
		v.Add("username", "required", "Enter a username.")
	case utf8.RuneCountInString(key) > maxUsernameChars:
		v.Add("username", "too_long", "The username must not exceed 64 characters.")
	}
	return username, key
}

// checkDisplayName checks a display name and returns it as stored.
func checkDisplayName(v *validate.List, raw string) string {
	return accounts.CheckName(v, "displayName", "display name", raw, maxDisplayNameChars)
}

// checkEmail checks an optional email address and returns it trimmed with
// its canonical form ("" for none).
func checkEmail(v *validate.List, raw string) (email, key string) {
	email = strings.TrimSpace(raw)
	if email == "" {
		return "", ""
	}
	if len(email) > maxEmailBytes {
		v.Add("email", "too_long", "The email address must not exceed 254 characters.")
		return "", ""
	}
	if !plausibleEmail(email) {
		v.Add("email", "invalid", "Enter a valid email address, like name@example.com.")
		return "", ""
	}
	return email, accounts.CanonicalEmail(email)
}

// plausibleEmail accepts a bare address local@domain with a dotted domain:
// enough to catch typos; only the mail that arrives proves an address.
func plausibleEmail(s string) bool {
	if hasControl(s) || strings.ContainsAny(s, " \t<>(),;:\"[]\\") || strings.Count(s, "@") != 1 {
		return false
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || len(local) > maxLocalPartBytes || domain == "" || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") ||
		strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s
}

// checkRoles checks a role list and returns it without duplicates, in the
// order of allRoles.
func checkRoles(v *validate.List, roles []string) []string {
	if len(roles) == 0 {
		v.Add("roles", "required", "Give the user at least one role.")
		return nil
	}
	for _, r := range roles {
		if !slices.Contains(allRoles(), r) {
			v.Add("roles", "invalid", "Roles are super_admin, admin, supervisor and operator.")
			return nil
		}
	}
	out := []string{}
	for _, r := range allRoles() {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	return out
}

// checkFacilityIDs returns the list without duplicates, in the order given;
// whether the facilities exist is checked against the store.
func checkFacilityIDs(v *validate.List, ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if !validID(id) {
			v.Add("facilityIds", "unknown", "Every facility must exist.")
			return nil
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkLocale returns the locale, "en" when none is given.
func checkLocale(v *validate.List, raw string) string {
	if raw == "" {
		return "en"
	}
	if !validLocale(raw) {
		v.Add("locale", "invalid", "The locale must be en or de.")
	}
	return raw
}

// checkValidUntil parses an RFC 3339 time that must lie after now; "" is no
// expiry (zero time).
func checkValidUntil(v *validate.List, raw string, now time.Time) time.Time {
	if raw == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, raw)
	switch {
	case err != nil:
		v.Add("validUntil", "invalid", "Give validUntil as an RFC 3339 time, like 2027-01-31T00:00:00Z.")
	case !t.After(now):
		v.Add("validUntil", "in_past", "validUntil must lie in the future.")
	default:
		return t.UTC()
	}
	return time.Time{}
}

// checkTemporaryPassword bounds a temporary password before any work is
// done on it; the policy is the credential setter's.
func checkTemporaryPassword(v *validate.List, field string, pw *string) {
	switch {
	case pw == nil:
	case *pw == "":
		v.Add(field, "required", "Enter a temporary password.")
	case len(*pw) > accounts.MaxIdentifierBytes:
		v.Add(field, "too_long", "The password is too long.")
	}
}
