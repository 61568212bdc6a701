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
	ExpiresAt              time.Time     `json:"expiresAt"`
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

// LastLoginInfo tells when the account last signed in.
type LastLoginInfo struct {
	At time.Time `json:"at"`
}

// ViewDocument is the session's current view: network or one facility.
type ViewDocument struct {
	Type         string `json:"type"`
	FacilityID   string `json:"facilityId,omitempty"`
	FacilityName string `json:"facilityName,omitempty"`
}

// MFADocument tells which second factors the account has.
type MFADocument struct {
	TOTP bool `json:"totp"`
}

// Describe renders the Session document of a session and its account.
// facilityName is the name of the session's facility view, if it has one.
func Describe(s store.Session, a store.Account, facilityName string) Document {
	d := Document{
		User: UserDocument{
			ID: a.ID, Username: a.Username, DisplayName: a.DisplayName,
			Roles: nonNil(a.Roles), Locale: a.Locale, SSO: a.SSO,
		},
		PasswordChangeRequired: s.Restriction == store.RestrictionPasswordChange,
		ExpiresAt:              s.ExpiresAt.UTC(),
	}
	if a.Email != "" {
		email := a.Email
		d.User.Email = &email
	}
	if !a.LastLoginAt.IsZero() {
		d.User.LastLogin = &LastLoginInfo{At: a.LastLoginAt.UTC()}
	}
	switch s.ViewType {
	case "network":
		d.View = &ViewDocument{Type: "network"}
	case "facility":
		d.View = &ViewDocument{Type: "facility", FacilityID: s.FacilityID, FacilityName: facilityName}
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
