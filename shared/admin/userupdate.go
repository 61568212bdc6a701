package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// UserPatch is a partial update of a user: nil fields stay as they are.
type UserPatch struct {
	DisplayName   *string
	Email         *string // "" (null in JSON) removes the address
	Roles         *[]string
	NetworkAccess *bool
	FacilityIDs   *[]string
	Locale        *string
	ValidUntil    *string // RFC 3339; "" (null in JSON) removes the expiry
	// TemporaryPassword sets a password the user must change at the next
	// sign-in, as POST …/password with temporary true does.
	TemporaryPassword *string
}

// patchValues are a patch's checked values.
type patchValues struct {
	displayName, email, emailKey, locale string
	roles, facilityIDs                   []string
	validUntil                           time.Time
}

func (p UserPatch) check(now time.Time) (patchValues, error) {
	var v validate.List
	var out patchValues
	if p.DisplayName != nil {
		out.displayName = checkDisplayName(&v, *p.DisplayName)
	}
	if p.Email != nil {
		out.email, out.emailKey = checkEmail(&v, *p.Email)
	}
	if p.Roles != nil {
		out.roles = checkRoles(&v, *p.Roles)
	}
	if p.FacilityIDs != nil {
		out.facilityIDs = checkFacilityIDs(&v, *p.FacilityIDs)
	}
	if p.Locale != nil {
		if *p.Locale == "" {
			v.Add("locale", "required", "The locale must be en or de.")
		} else {
			out.locale = checkLocale(&v, *p.Locale)
		}
	}
	if p.ValidUntil != nil {
		out.validUntil = checkValidUntil(&v, *p.ValidUntil, now)
	}
	checkTemporaryPassword(&v, "temporaryPassword", p.TemporaryPassword)
	return out, v.Err()
}

// UpdateUser applies a partial update. Only a super_admin grants or takes
// away admin and super_admin; nobody changes their own roles or sets an
// expiry on their own account (409). A new email is unverified, moves the
// email claim and revokes the links mailed to the old address. The change is
// audited as user.updated with what changed (never a password); a temporary
// password is audited as password.set_by_admin as well, and resolves the
// account's open help request (password.help.resolved) in the same commit. An empty or
// ineffective patch writes nothing.
func (s *Service) UpdateUser(ctx context.Context, actor Actor, id string, p UserPatch) (User, error) {
	now := s.clock.Now()
	vals, err := p.check(now)
	if err != nil {
		return User{}, err
	}
	var claims []store.ClaimKey
	if vals.emailKey != "" {
		claims = identifierClaims("", vals.emailKey)
	}
	var (
		result   User
		notify   bool
		password bool
	)
	err = s.changeUser(ctx, actor, id, claims, func(t target) (userChange, error) {
		before := *t.account
		result, notify, password = User{Account: before, Locked: t.locked()}, false, false
		a := before
		self := a.ID == actor.Account.ID
		var ops []store.Op
		var fields []string
		detail := map[string]string{}
		note := func(field, old, updated string) {
			fields = append(fields, field)
			if old != "" || updated != "" {
				detail[field] = orNone(old) + " → " + orNone(updated)
			}
		}
		if p.DisplayName != nil && vals.displayName != a.DisplayName {
			a.DisplayName = vals.displayName
			note("displayName", "", "")
		}
		if p.Email != nil && vals.email != a.Email {
			if err := claimConflict(t.claims, "", vals.emailKey, a.ID); err != nil {
				return userChange{}, err
			}
			switch {
			case a.Email == "":
				detail["email"] = "added"
			case vals.email == "":
				detail["email"] = "removed"
			default:
				detail["email"] = "changed"
			}
			fields = append(fields, "email")
			if vals.emailKey != a.EmailKey {
				// A new address is unproven, and the links mailed to the
				// old one must not outlive the change.
				a.EmailVerified = false
				ops = append(ops, dropLinks(&a)...)
			}
			a.Email, a.EmailKey = vals.email, vals.emailKey
		}
		if p.Roles != nil && !slices.Equal(vals.roles, canonicalRoles(a.Roles)) {
			if !actor.mayAssign(vals.roles) {
				return userChange{}, ErrForbidden
			}
			if self {
				return userChange{}, conflict("You cannot change your own roles.")
			}
			if touchesPrivilege(a.Roles, vals.roles) {
				if err := actor.stepUp(t.now); err != nil {
					return userChange{}, err
				}
			}
			note("roles", strings.Join(canonicalRoles(a.Roles), ","), strings.Join(vals.roles, ","))
			a.Roles = vals.roles
		}
		if p.NetworkAccess != nil && *p.NetworkAccess != a.NetworkAccess {
			note("networkAccess", strconv.FormatBool(a.NetworkAccess), strconv.FormatBool(*p.NetworkAccess))
			a.NetworkAccess = *p.NetworkAccess
		}
		if p.FacilityIDs != nil && !sameSet(vals.facilityIDs, a.FacilityIDs) {
			if err := s.checkFacilitiesExist(ctx, vals.facilityIDs, a.FacilityIDs); err != nil {
				return userChange{}, err
			}
			note("facilityIds", strings.Join(a.FacilityIDs, ","), strings.Join(vals.facilityIDs, ","))
			a.FacilityIDs = vals.facilityIDs
		}
		if p.Locale != nil && vals.locale != a.Locale {
			note("locale", a.Locale, vals.locale)
			a.Locale = vals.locale
		}
		if p.ValidUntil != nil && !vals.validUntil.Equal(a.ValidUntil) {
			if self && !vals.validUntil.IsZero() {
				return userChange{}, conflict("You cannot set an expiry on your own account.")
			}
			note("validUntil", formatTime(a.ValidUntil), formatTime(vals.validUntil))
			a.ValidUntil = vals.validUntil
		}
		var events []store.AuditEvent
		if p.TemporaryPassword != nil {
			if a.SSO {
				return userChange{}, ErrSSOAccount
			}
			if err := actor.stepUp(t.now); err != nil {
				return userChange{}, err
			}
			pw := *p.TemporaryPassword
			updated, err := s.setter.Set(ctx, a, t.params, credential.Request{Password: pw, Repeat: pw, Temporary: true}, now)
			if err != nil {
				return userChange{}, renameViolations(err, "temporaryPassword")
			}
			a = activated(updated)
			ops = append(ops, dropLinks(&a)...)
			ops = append(ops, store.DeleteCounter{Key: lockout.AccountKey(a.ID)})
			fields = append(fields, "temporaryPassword")
			events = append(events, audit.New(now, audit.PasswordSetByAdmin, a.ID, actor.Source,
				map[string]string{"temporary": "true"}))
			helpOps, helpEvents := resolveHelp(t, actor, audit.HelpResolvedPasswordSet)
			ops, events = append(ops, helpOps...), append(events, helpEvents...)
			notify, password = before.PasswordHash != "", true
		}
		if a.Status == store.StatusInvited && a.Email == "" && a.PasswordHash == "" && !a.SSO {
			return userChange{}, invalidField("email", "required",
				"An invited user needs an email address; give a temporary password to remove it.")
		}
		if len(fields) == 0 {
			return userChange{}, nil
		}
		a.UpdatedAt = now
		detail["fields"] = strings.Join(fields, ",")
		events = append([]store.AuditEvent{audit.New(now, audit.UserUpdated, a.ID, actor.Source, detail)}, events...)
		ops = append([]store.Op{store.UpdateAccount{Account: a, PreviousEmailKey: before.EmailKey}}, ops...)
		updated := a
		updated.Version++
		result = User{Account: updated, Locked: t.locked() && !password}
		return userChange{ops: ops, events: events}, nil
	})
	if err != nil {
		return User{}, err
	}
	if password {
		s.afterPasswordSet(ctx, result.Account, notify)
	}
	return result, nil
}

// activated returns an invited account that just got a password as active.
func activated(a store.Account) store.Account {
	if a.Status == store.StatusInvited {
		a.Status = store.StatusActive
	}
	return a
}

// afterPasswordSet tidies up after a password was set: the revoked sessions'
// records go, and the user is told when a password it had was replaced.
func (s *Service) afterPasswordSet(ctx context.Context, a store.Account, notify bool) {
	s.cleanUpSessions(ctx, a)
	if notify {
		s.notifier.Send(ctx, mail.KindPasswordChanged, a, "", 0)
	}
}

func canonicalRoles(roles []string) []string {
	var v validate.List
	out := checkRoles(&v, roles)
	if len(v) > 0 {
		return roles // an unknown stored role: compare as stored
	}
	return out
}

func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// HTTP.

// parsePatch reads a PATCH body, telling absent members from null ones.
// username and unknown members are refused; null only clears email and
// validUntil.
func parsePatch(r *http.Request) (UserPatch, error) {
	var raw map[string]json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		return UserPatch{}, err
	}
	var p UserPatch
	var v validate.List
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		msg := raw[k]
		null := bytes.Equal(bytes.TrimSpace(msg), []byte("null"))
		ok := true
		switch k {
		case "username":
			v.Add("username", "read_only", "The username cannot be changed.")
		case "displayName":
			p.DisplayName, ok = decodeMember[string](msg, null)
		case "email":
			p.Email, ok = decodeNullable(msg, null)
		case "roles":
			p.Roles, ok = decodeMember[[]string](msg, null)
		case "networkAccess":
			p.NetworkAccess, ok = decodeMember[bool](msg, null)
		case "facilityIds":
			p.FacilityIDs, ok = decodeMember[[]string](msg, null)
		case "locale":
			p.Locale, ok = decodeMember[string](msg, null)
		case "validUntil":
			p.ValidUntil, ok = decodeNullable(msg, null)
		case "temporaryPassword":
			p.TemporaryPassword, ok = decodeMember[string](msg, null)
		default:
			v.Add(clipField(k), "unknown_field", "This field is not allowed.")
		}
		if !ok {
			v.Add(k, "invalid_type", "This field has the wrong type.")
		}
	}
	return p, v.Err()
}

// decodeMember decodes a non-null member.
func decodeMember[T any](msg json.RawMessage, null bool) (*T, bool) {
	var x T
	if null || json.Unmarshal(msg, &x) != nil {
		return nil, false
	}
	return &x, true
}

// decodeNullable decodes a string member where null means "remove" ("").
func decodeNullable(msg json.RawMessage, null bool) (*string, bool) {
	if null {
		empty := ""
		return &empty, true
	}
	return decodeMember[string](msg, false)
}

func clipField(k string) string {
	if len(k) > 64 {
		return k[:64]
	}
	return k
}

func (h *Handlers) updateUser(w http.ResponseWriter, r *http.Request, actor Actor) {
	p, err := parsePatch(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	u, err := h.service.UpdateUser(r.Context(), actor, r.PathValue("id"), p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, userDocument(u))
}
