package sessions

import (
	"time"

	"github.com/gatepass/gatepass/shared/store"
)

// Document is the Session object of API.md, returned by several endpoints.
type Document struct {
	User                   UserDocument  `json:"user"`
	View                   *ViewDocument `json:"view"`
	MFA                    MFADocument   `json:"mfa"`
	PasswordChangeRequired bool          `json:"passwordChangeRequired"`
	// MFAEnrolmentRequired tells that the session may only set up
	// two-factor authentication (an extension of API.md's Session object).
	MFAEnrolmentRequired bool      `json:"mfaEnrolmentRequired"`
	ExpiresAt            time.Time `json:"expiresAt"`
}

// UserDocument is the user part of a Session document.
type UserDocument struct {
	ID          string         `json:"id"`
	Username    string         `json:"username"`
	DisplayName string         `json:"displayName"`
	Email       *string        `json:"email"`
	Roles       []string       `json:"roles"`
	Locale      string         `json:"locale"`
	SSO         bool           `json:"sso"`
	LastLogin   *LastLoginInfo `json:"lastLogin"`
}

// LastLoginInfo tells when and from where the account signed in before its
// latest sign-in, so that a person notices a sign-in that was not theirs.
type LastLoginInfo struct {
	At time.Time `json:"at"`
	IP string    `json:"ip,omitempty"`
}

// ViewDocument is the session's current view: network or one facility.
type ViewDocument struct {
	Type         string `json:"type"`
	FacilityID   string `json:"facilityId,omitempty"`
	FacilityName string `json:"facilityName,omitempty"`
}

// MFADocument tells which second factors the account has.
type MFADocument struct {
	TOTP     bool `json:"totp"`
	Passkeys int  `json:"passkeys"`
}

// Describe renders the Session document of a session and its account, with
// view v (see Current.View: the view as it stands now, with its facility's
// name).
func Describe(s store.Session, a store.Account, v View) Document {
	d := Document{
		User: UserDocument{
			ID: a.ID, Username: a.Username, DisplayName: a.DisplayName,
			Roles: nonNil(a.Roles), Locale: a.Locale, SSO: a.SSO,
		},
		MFA: MFADocument{TOTP: a.HasCredential(store.CredentialTOTP),
			Passkeys: len(a.CredentialIDs(store.CredentialPasskey))},
		PasswordChangeRequired: s.Restriction == store.RestrictionPasswordChange,
		MFAEnrolmentRequired:   s.Restriction == store.RestrictionMFAEnrolment,
		ExpiresAt:              s.ExpiresAt.UTC(),
	}
	if a.Email != "" {
		email := a.Email
		d.User.Email = &email
	}
	if !a.PreviousLoginAt.IsZero() {
		d.User.LastLogin = &LastLoginInfo{At: a.PreviousLoginAt.UTC(), IP: a.PreviousLoginIP}
	}
	d.View = DescribeView(v)
	return d
}

// DescribeView renders a view for documents: nil (JSON null) for none.
func DescribeView(v View) *ViewDocument {
	switch v.Type {
	case ViewNetwork:
		return &ViewDocument{Type: ViewNetwork}
	case ViewFacility:
		return &ViewDocument{Type: ViewFacility, FacilityID: v.FacilityID, FacilityName: v.FacilityName}
	default:
		return nil
	}
}

// SignedIn records a sign-in at now from ip on a: the latest sign-in
// becomes the previous one.
func SignedIn(a *store.Account, now time.Time, ip string) {
	a.PreviousLoginAt, a.PreviousLoginIP = a.LastLoginAt, a.LastLoginIP
	a.LastLoginAt, a.LastLoginIP = now, ip
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
