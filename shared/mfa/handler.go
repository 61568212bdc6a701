package mfa

import (
	"errors"
	"net/http"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Route keys of the MFA management endpoints (API.md).
const (
	RouteStatus        = "GET /api/auth/mfa"
	RouteEnrol         = "POST /api/auth/mfa/totp/enrol"
	RouteActivate      = "POST /api/auth/mfa/totp/activate"
	RouteDisable       = "DELETE /api/auth/mfa/totp"
	RouteRecoveryCodes = "POST /api/auth/mfa/recovery-codes"
)

// maxCodeBytes bounds a submitted code before any work is done on it.
const maxCodeBytes = 64

// Handlers serves the MFA management endpoints.
type Handlers struct {
	service  *Service
	sessions *sessions.Manager
}

// NewHandlers returns the HTTP side of MFA management.
func NewHandlers(svc *Service, m *sessions.Manager) *Handlers {
	return &Handlers{service: svc, sessions: m}
}

// Routes are the routes of the MFA management endpoints, by route key.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		RouteStatus:        http.HandlerFunc(h.status),
		RouteEnrol:         http.HandlerFunc(h.enrol),
		RouteActivate:      http.HandlerFunc(h.activate),
		RouteDisable:       http.HandlerFunc(h.disable),
		RouteRecoveryCodes: http.HandlerFunc(h.recoveryCodes),
	}
}

// authenticate returns the request's session or writes the refusal: 401
// without one, 403 for a session restricted to a password change, and 403
// mfa_enrolment_required for a session restricted to MFA enrolment unless
// the endpoint is one of those that lift it (enrolment allowed).
func (h *Handlers) authenticate(w http.ResponseWriter, r *http.Request, enrolment bool) (sessions.Current, bool) {
	if enrolment {
		return h.sessions.Require(w, r, store.RestrictionMFAEnrolment)
	}
	return h.sessions.Require(w, r)
}

func meta(r *http.Request) sessions.Meta {
	return sessions.Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
}

type totpStatus struct {
	Enabled    bool       `json:"enabled"`
	EnrolledAt *time.Time `json:"enrolledAt"`
}

type recoveryStatus struct {
	Remaining int `json:"remaining"`
}

// PasskeyDocument is a passkey as API.md shows it.
type PasskeyDocument struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

// DescribePasskey renders a passkey credential.
func DescribePasskey(c store.Credential) PasskeyDocument {
	d := PasskeyDocument{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt.UTC()}
	if !c.LastUsedAt.IsZero() {
		at := c.LastUsedAt.UTC()
		d.LastUsedAt = &at
	}
	return d
}

type statusResponse struct {
	TOTP          totpStatus        `json:"totp"`
	Passkeys      []PasskeyDocument `json:"passkeys"`
	RecoveryCodes recoveryStatus    `json:"recoveryCodes"`
}

func (h *Handlers) status(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.authenticate(w, r, true)
	if !ok {
		return
	}
	st, err := h.service.Status(r.Context(), cur.Account)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	res := statusResponse{TOTP: totpStatus{Enabled: st.TOTP}, Passkeys: []PasskeyDocument{},
		RecoveryCodes: recoveryStatus{Remaining: st.RecoveryCodes}}
	if st.TOTP {
		at := st.EnrolledAt.UTC()
		res.TOTP.EnrolledAt = &at
	}
	for _, c := range st.Passkeys {
		res.Passkeys = append(res.Passkeys, DescribePasskey(c))
	}
	_ = httpapi.WriteJSON(w, http.StatusOK, res)
}

type passwordRequest struct {
	Password string `json:"password"`
}

// DecodePassword reads a {"password"} body; the password is required and
// bounded before any hashing. Every re-authentication by password reads
// its body with it.
func DecodePassword(r *http.Request) (string, error) {
	var req passwordRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		return "", err
	}
	var v validate.List
	switch {
	case req.Password == "":
		v.Add("password", "required", "Enter your password.")
	case len(req.Password) > accounts.MaxIdentifierBytes:
		v.Add("password", "too_long", "The password is too long.")
	}
	return req.Password, v.Err()
}

type enrolResponse struct {
	Secret     string    `json:"secret"`
	OTPAuthURI string    `json:"otpauthUri"`
	QRCode     string    `json:"qrCode"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

func (h *Handlers) enrol(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.authenticate(w, r, true)
	if !ok {
		return
	}
	pw, err := DecodePassword(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	e, err := h.service.Enrol(r.Context(), cur, pw, meta(r))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	_ = httpapi.WriteJSON(w, http.StatusOK, enrolResponse{Secret: e.Secret, OTPAuthURI: e.URI, QRCode: e.QRCode,
		ExpiresAt: e.ExpiresAt.UTC()})
}

type codeRequest struct {
	Code string `json:"code"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}

func (h *Handlers) activate(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.authenticate(w, r, true)
	if !ok {
		return
	}
	var req codeRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	switch {
	case req.Code == "":
		v.Add("code", "required", "Enter the code from your authenticator app.")
	case len(req.Code) > maxCodeBytes:
		v.Add("code", "too_long", "The code is too long.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	act, err := h.service.Activate(r.Context(), cur, req.Code, meta(r))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if act.Session != nil {
		h.sessions.SetCookie(w, *act.Session)
	}
	_ = httpapi.WriteJSON(w, http.StatusOK, recoveryCodesResponse{RecoveryCodes: act.RecoveryCodes})
}

type disableRequest struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

func (h *Handlers) disable(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.authenticate(w, r, false)
	if !ok {
		return
	}
	var req disableRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	switch {
	case req.Password == "" && req.Code == "":
		v.Add("password", "required", "Enter your password or a code from your authenticator app.")
	case req.Password != "" && req.Code != "":
		v.Add("code", "not_allowed", "Send either your password or a code, not both.")
	case len(req.Password) > accounts.MaxIdentifierBytes:
		v.Add("password", "too_long", "The password is too long.")
	case len(req.Code) > maxCodeBytes:
		v.Add("code", "too_long", "The code is too long.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := h.service.Disable(r.Context(), cur, Removal{Password: req.Password, Code: req.Code}, meta(r)); err != nil {
		WriteError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}

func (h *Handlers) recoveryCodes(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.authenticate(w, r, false)
	if !ok {
		return
	}
	pw, err := DecodePassword(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	codes, err := h.service.RegenerateRecoveryCodes(r.Context(), cur, pw, meta(r))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	_ = httpapi.WriteJSON(w, http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

// WriteError maps the errors of second-factor management to API.md
// problems; package passkey answers with it too.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var locked *lockout.LockedError
	switch {
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
	case errors.Is(err, ErrCurrentPasswordInvalid):
		httpapi.WriteError(w, r, httpapi.CurrentPasswordInvalid())
	case errors.Is(err, ErrInvalidCode):
		httpapi.WriteError(w, r, httpapi.InvalidCode())
	case errors.Is(err, ErrSSOAccount):
		httpapi.WriteError(w, r, httpapi.SSOAccount())
	case errors.Is(err, ErrRequiredByPolicy):
		httpapi.WriteError(w, r, httpapi.MFARequiredByPolicy())
	case errors.Is(err, ErrAlreadyEnabled):
		httpapi.WriteError(w, r, httpapi.Conflict("Two-factor authentication is already enabled."))
	case errors.Is(err, ErrNothingPending):
		httpapi.WriteError(w, r, httpapi.Conflict("There is no pending enrolment; start again."))
	case errors.Is(err, ErrNotEnabled):
		httpapi.WriteError(w, r, httpapi.Conflict("Two-factor authentication is not enabled."))
	case errors.Is(err, ErrNoSecondFactor):
		httpapi.WriteError(w, r, httpapi.Conflict("Recovery codes come with a second factor; add one first."))
	case errors.Is(err, ErrChanged):
		httpapi.WriteError(w, r, httpapi.Conflict("The account changed meanwhile; try again."))
	default:
		httpapi.WriteError(w, r, err)
	}
}
