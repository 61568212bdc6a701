// Package devices is "remember this browser" (API.md "POST
// /api/auth/login/mfa" rememberDevice, "GET /api/auth/devices"; SECURITY.md
// "Remembered devices"): a browser that completed the second step may skip
// it at later sign-ins of the same account for mfa.rememberDeviceDays — the
// password is always asked.
//
// A remembered device is a credential of kind store.CredentialDevice keyed
// by the SHA-256 of an opaque 256-bit token that only the browser holds, in
// an HttpOnly, SameSite=Strict cookie. The token is user-scoped
// ("<userID>.<secret>", ids.UserToken), so the login reads the device with
// the account in the read it makes anyway. The credential records the
// account's session epoch when it was remembered: every password set, MFA
// reset, deactivation and revocation of all sessions raises the epoch, and
// with it every device of the account is forgotten at once, in the same
// commit, without a list to walk.
package devices

import (
	"net/http"
	"time"

	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
)

// maxUserAgent bounds the user agent stored as a device's name.
const maxUserAgent = 256

// Cookie handles the device cookie of one deployment.
type Cookie struct {
	secure bool
}

// NewCookie returns the device cookie of a deployment; over https (secure)
// it carries Secure and the __Host- prefix, like the session cookie.
func NewCookie(secure bool) Cookie { return Cookie{secure: secure} }

// Name is the cookie's name.
func (c Cookie) Name() string {
	if c.secure {
		return "__Host-gatepass-device"
	}
	return "gatepass-device"
}

// Token returns the request's device token, "" without one.
func (c Cookie) Token(r *http.Request) string {
	ck, err := r.Cookie(c.Name())
	if err != nil {
		return ""
	}
	return ck.Value
}

// Set stores token in the browser until expires.
func (c Cookie) Set(w http.ResponseWriter, token string, expires, now time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: token, Path: "/", Expires: expires,
		MaxAge:   max(1, int(expires.Sub(now).Seconds())),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

// Clear removes the cookie from the browser.
func (c Cookie) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: c.Name(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

// Key returns the credential key of a device token when the token is shaped
// like one and names userID; a token of another account is no device of
// this one.
func Key(token, userID string) (store.CredentialKey, bool) {
	owner, hash, ok := ids.ParseUserToken(token)
	if !ok || owner != userID {
		return store.CredentialKey{}, false
	}
	return store.CredentialKey{UserID: userID, Kind: store.CredentialDevice, ID: hash}, true
}

// Recognised reports whether the device d — as a Load found it, so live —
// still remembers account a at now: remembering is on, the device is
// younger than mfa.rememberDeviceDays (which may have been shortened since)
// and nothing raised the account's session epoch since.
func Recognised(d store.Credential, a store.Account, rememberFor time.Duration, now time.Time) bool {
	return rememberFor > 0 && d.Kind == store.CredentialDevice && d.UserID == a.ID &&
		d.Counter == a.SessionEpoch && now.Before(d.CreatedAt.Add(rememberFor))
}

// Remember returns a new remembered device of a — its credential, to be put
// in the commit that completes the second step — and the token for the
// cookie. The token is shown to nobody but the browser; only its hash is
// stored.
func Remember(a store.Account, userAgent string, rememberFor time.Duration, now time.Time) (store.Credential, string) {
	token := ids.UserToken(a.ID)
	if len(userAgent) > maxUserAgent {
		userAgent = userAgent[:maxUserAgent]
	}
	return store.Credential{
		UserID: a.ID, Kind: store.CredentialDevice, ID: ids.Hash(token), Name: userAgent,
		Counter: a.SessionEpoch, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(rememberFor),
		Data: map[string]string{"id": ids.New("d")},
	}, token
}

// Used returns d with its use at now recorded.
func Used(d store.Credential, now time.Time) store.Credential {
	d.LastUsedAt = now
	return d
}

// PublicID is the id a device is shown and forgotten by: not its key, which
// is the hash of the browser's secret.
func PublicID(d store.Credential) string { return d.Data["id"] }
