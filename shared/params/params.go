// Package params holds the tenant-adjustable parameters of Gatepass (API.md
// "Parameters"), their defaults and their bounds.
package params

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/validate"
)

// Parameters are the tenant's adjustable settings. The JSON form is the one of
// API.md and the one persisted by the store.
type Parameters struct {
	PasswordPolicy       PasswordPolicy `json:"passwordPolicy"`
	Lockout              Lockout        `json:"lockout"`
	ResetRequests        ResetRequests  `json:"resetRequests"`
	ResetTokenTTLSeconds int            `json:"resetTokenTtlSeconds"`
	InvitationTTLSeconds int            `json:"invitationTtlSeconds"`
	Session              Session        `json:"session"`
	MFA                  MFA            `json:"mfa"`
	SSO                  SSO            `json:"sso"`
	// TemporaryPasswordTTLSeconds is how long a temporary password (set by
	// an administrator) can be used for the forced change.
	TemporaryPasswordTTLSeconds int    `json:"temporaryPasswordTtlSeconds"`
	AdminAlias                  string `json:"adminAlias"`
}

// PasswordPolicy are the rules every new password must meet.
type PasswordPolicy struct {
	MinLength        int  `json:"minLength"`
	MaxLength        int  `json:"maxLength"`
	RequireUppercase bool `json:"requireUppercase"`
	RequireLowercase bool `json:"requireLowercase"`
	RequireDigit     bool `json:"requireDigit"`
	RequireSymbol    bool `json:"requireSymbol"`
	BlockCommon      bool `json:"blockCommon"`
	BlockBreached    bool `json:"blockBreached"`
	HistoryCount     int  `json:"historyCount"`
}

// Lockout bounds failed sign-in attempts per account and per client IP.
type Lockout struct {
	MaxFailures      int `json:"maxFailures"`
	MaxFailuresPerIP int `json:"maxFailuresPerIp"`
	WindowSeconds    int `json:"windowSeconds"`
	LockSeconds      int `json:"lockSeconds"`
	MaxLockSeconds   int `json:"maxLockSeconds"`
}

// ResetRequests limits password reset mails.
type ResetRequests struct {
	PerAccountPerHour int `json:"perAccountPerHour"`
	PerIPPerHour      int `json:"perIpPerHour"`
}

// Session holds the session timeouts.
type Session struct {
	IdleTimeoutSeconds     int `json:"idleTimeoutSeconds"`
	AbsoluteTimeoutSeconds int `json:"absoluteTimeoutSeconds"`
}

// MFA holds the two-factor requirements.
type MFA struct {
	RequiredForRoles []string `json:"requiredForRoles"`
	// RememberDeviceDays is how long a browser remembered at the second
	// step skips it (0–90); 0 turns remembering off, and devices already
	// remembered stop being recognised.
	RememberDeviceDays int `json:"rememberDeviceDays"`
}

// RememberDeviceFor is how long a remembered device lasts; zero when
// remembering is off.
func (m MFA) RememberDeviceFor() time.Duration {
	return time.Duration(m.RememberDeviceDays) * 24 * time.Hour
}

// SSO holds the single sign-on account strategy, the providers' display
// names and the mapping of identity-provider groups to roles and views.
type SSO struct {
	// Strategy is "existing_only" (an SSO identity signs in only to an SSO
	// account with its email) or "provision" (such an account is created
	// at the first sign-in).
	Strategy string `json:"strategy"`
	// DefaultRoles are the roles of a provisioned account.
	DefaultRoles []string `json:"defaultRoles"`
	// Providers names the identity providers on the sign-in page; a
	// provider without an entry shows its id.
	Providers []SSOProvider `json:"providers"`
	// GroupMappings grant a provisioned account more roles and views for
	// each identity-provider group it is in.
	GroupMappings []GroupMapping `json:"groupMappings"`
	// AllowLocalPassword lets SSO accounts hold a local password beside
	// their SSO identity (API.md POST /api/auth/password/reset): while it
	// is true a reset request for an SSO account with an email mails a
	// reset link rather than "sign in with SSO", and an SSO account with a
	// local password signs in and changes it like a local account. Turned
	// off, those passwords stop working (they are kept, not erased). Off by
	// default.
	AllowLocalPassword bool `json:"allowLocalPassword"`
}

// SSOProvider is how Gatepass treats one identity provider: its display
// name, and whether its email assertions are trusted.
type SSOProvider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// TrustEmail vouches for every email the provider asserts (Keycloak's
	// "Trust Email"), verified or not: set by a super_admin for a provider
	// whose directory alone assigns addresses. Off by default.
	TrustEmail bool `json:"trustEmail"`
}

// GroupMapping maps one identity-provider group to roles and views.
type GroupMapping struct {
	// Provider limits the mapping to one provider; "" applies it to all.
	Provider      string   `json:"provider"`
	Group         string   `json:"group"`
	Roles         []string `json:"roles"`
	NetworkAccess bool     `json:"networkAccess"`
	FacilityIDs   []string `json:"facilityIds"`
}

// ProviderName is the display name of provider id: its entry in Providers,
// else the id itself.
func (s SSO) ProviderName(id string) string {
	for _, p := range s.Providers {
		if p.ID == id && p.Name != "" {
			return p.Name
		}
	}
	return id
}

// TrustsEmail reports whether a super_admin marked provider id trustEmail.
func (s SSO) TrustsEmail(id string) bool {
	for _, p := range s.Providers {
		if p.ID == id {
			return p.TrustEmail
		}
	}
	return false
}

// Limits of the SSO parameters.
const (
	MaxSSOProviders     = 50
	MaxGroupMappings    = 100
	MaxSSONameBytes     = 128
	MaxGroupNameBytes   = 256
	MaxMappedFacilities = 200
)

// Defaults returns the parameters a new tenant starts with (API.md).
func Defaults() Parameters {
	return Parameters{
		PasswordPolicy: PasswordPolicy{MinLength: 15, MaxLength: 128, BlockCommon: true},
		Lockout: Lockout{MaxFailures: 5, MaxFailuresPerIP: 100, WindowSeconds: 900,
			LockSeconds: 300, MaxLockSeconds: 3600},
		ResetRequests:        ResetRequests{PerAccountPerHour: 3, PerIPPerHour: 30},
		ResetTokenTTLSeconds: 3600,
		InvitationTTLSeconds: 604800,
		Session:              Session{IdleTimeoutSeconds: 3600, AbsoluteTimeoutSeconds: 43200},
		MFA:                  MFA{RequiredForRoles: []string{}, RememberDeviceDays: 30},
		SSO: SSO{Strategy: "existing_only", DefaultRoles: []string{"operator"},
			Providers: []SSOProvider{}, GroupMappings: []GroupMapping{}},
		TemporaryPasswordTTLSeconds: 72 * 3600,
	}
}

// Decode reads a stored parameters document. Members missing from the
// document keep their defaults, so documents written by older versions stay
// readable. An empty document yields the defaults.
func Decode(doc []byte) (Parameters, error) {
	p := Defaults()
	if len(doc) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		return Parameters{}, fmt.Errorf("decode parameters: %w", err)
	}
	return p, nil
}

// Encode serialises parameters for storage.
func (p Parameters) Encode() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode parameters: %w", err)
	}
	return b, nil
}

// IdleTimeout is the session idle timeout.
func (s Session) IdleTimeout() time.Duration {
	return time.Duration(s.IdleTimeoutSeconds) * time.Second
}

// AbsoluteTimeout is the session lifetime.
func (s Session) AbsoluteTimeout() time.Duration {
	return time.Duration(s.AbsoluteTimeoutSeconds) * time.Second
}

// TemporaryPasswordTTL is how long a temporary password stays usable.
func (p Parameters) TemporaryPasswordTTL() time.Duration {
	return time.Duration(p.TemporaryPasswordTTLSeconds) * time.Second
}

// Window is the period over which lockout failures are counted.
func (l Lockout) Window() time.Duration { return time.Duration(l.WindowSeconds) * time.Second }

// Validate checks every parameter against its bounds. Bounds keep a tenant
// from configuring itself out of the security requirements (SECURITY.md:
// floor 8 for passwords, lockout within sane limits, sessions within AAL2).
func (p Parameters) Validate() error {
	var v validate.List
	between := func(field string, got, lo, hi int) {
		if got < lo || got > hi {
			v.Add(field, "out_of_range", fmt.Sprintf("must be between %d and %d", lo, hi))
		}
	}
	pp := p.PasswordPolicy
	between("passwordPolicy.minLength", pp.MinLength, 8, 128)
	between("passwordPolicy.maxLength", pp.MaxLength, 64, 1024)
	if pp.MaxLength < pp.MinLength {
		v.Add("passwordPolicy.maxLength", "out_of_range", "must not be below minLength")
	}
	between("passwordPolicy.historyCount", pp.HistoryCount, 0, 24)
	l := p.Lockout
	between("lockout.maxFailures", l.MaxFailures, 3, 100)
	between("lockout.maxFailuresPerIp", l.MaxFailuresPerIP, 10, 100000)
	between("lockout.windowSeconds", l.WindowSeconds, 60, 86400)
	between("lockout.lockSeconds", l.LockSeconds, 30, 86400)
	between("lockout.maxLockSeconds", l.MaxLockSeconds, l.LockSeconds, 604800)
	between("resetRequests.perAccountPerHour", p.ResetRequests.PerAccountPerHour, 1, 100)
	between("resetRequests.perIpPerHour", p.ResetRequests.PerIPPerHour, 1, 100000)
	between("resetTokenTtlSeconds", p.ResetTokenTTLSeconds, 300, 86400)
	between("invitationTtlSeconds", p.InvitationTTLSeconds, 3600, 30*86400)
	between("temporaryPasswordTtlSeconds", p.TemporaryPasswordTTLSeconds, 3600, 30*86400)
	between("mfa.rememberDeviceDays", p.MFA.RememberDeviceDays, 0, 90)
	between("session.idleTimeoutSeconds", p.Session.IdleTimeoutSeconds, 60, 86400)
	between("session.absoluteTimeoutSeconds", p.Session.AbsoluteTimeoutSeconds, 300, 7*86400)
	if p.Session.AbsoluteTimeoutSeconds < p.Session.IdleTimeoutSeconds {
		v.Add("session.absoluteTimeoutSeconds", "out_of_range", "must not be below idleTimeoutSeconds")
	}
	if p.SSO.Strategy != "existing_only" && p.SSO.Strategy != "provision" {
		v.Add("sso.strategy", "invalid", "must be existing_only or provision")
	}
	validateSSO(&v, p.SSO)
	if p.AdminAlias != "" && !ValidAlias(p.AdminAlias) {
		v.Add("adminAlias", "invalid", "must be 8 to 64 characters of a-z, A-Z, 0-9, - and _")
	}
	return v.Err()
}

func validateSSO(v *validate.List, s SSO) {
	if len(s.Providers) > MaxSSOProviders {
		v.Add("sso.providers", "too_many", fmt.Sprintf("at most %d providers", MaxSSOProviders))
	}
	seen := map[string]bool{}
	for i, p := range s.Providers {
		field := fmt.Sprintf("sso.providers[%d]", i)
		switch {
		case p.ID == "" || len(p.ID) > 32:
			v.Add(field+".id", "invalid", "must be 1 to 32 characters")
		case seen[p.ID]:
			v.Add(field+".id", "duplicate", "each provider is named once")
		}
		seen[p.ID] = true
		if len(p.Name) > MaxSSONameBytes {
			v.Add(field+".name", "too_long", fmt.Sprintf("at most %d bytes", MaxSSONameBytes))
		}
	}
	if len(s.GroupMappings) > MaxGroupMappings {
		v.Add("sso.groupMappings", "too_many", fmt.Sprintf("at most %d mappings", MaxGroupMappings))
	}
	for i, m := range s.GroupMappings {
		field := fmt.Sprintf("sso.groupMappings[%d]", i)
		if m.Group == "" || len(m.Group) > MaxGroupNameBytes {
			v.Add(field+".group", "invalid", fmt.Sprintf("must be 1 to %d bytes", MaxGroupNameBytes))
		}
		if len(m.Provider) > 32 {
			v.Add(field+".provider", "invalid", "must be at most 32 characters")
		}
		if len(m.FacilityIDs) > MaxMappedFacilities {
			v.Add(field+".facilityIds", "too_many", fmt.Sprintf("at most %d facilities", MaxMappedFacilities))
		}
	}
}

// ValidAlias reports whether s may be an admin alias: 8 to 64 characters of
// a-z, A-Z, 0-9, - and _.
func ValidAlias(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}
