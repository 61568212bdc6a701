package passkey

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Route keys of the passkey endpoints, all served by the login function:
// the one function that links WebAuthn.
const (
	RouteRegisterBegin  = "POST /api/auth/passkeys/register/begin"
	RouteRegisterFinish = "POST /api/auth/passkeys/register/finish"
	RouteRename         = "PATCH /api/auth/passkeys/{id}"
	RouteRemove         = "DELETE /api/auth/passkeys/{id}"
	RouteSignInBegin    = "POST /api/auth/login/passkey/begin"
	RouteSignInFinish   = "POST /api/auth/login/passkey/finish"
	RouteReauthBegin    = "POST /api/auth/reauth/passkey/begin"
)

// maxNameChars bounds a passkey's name.
const maxNameChars = 64

// Handlers serves the passkey endpoints.
type Handlers struct {
	manage   *Service
	signIn   *SignIn
	sessions *sessions.Manager
}

// NewHandlers returns the HTTP side of passkeys; manage or signIn may be
// nil in a function that serves only the other's routes.
func NewHandlers(manage *Service, signIn *SignIn, m *sessions.Manager) *Handlers {
	return &Handlers{manage: manage, signIn: signIn, sessions: m}
}

// ManageRoutes are the management routes.
func (h *Handlers) ManageRoutes() map[string]http.Handler {
	return map[string]http.Handler{
		RouteRegisterBegin:  http.HandlerFunc(h.registerBegin),
		RouteRegisterFinish: http.HandlerFunc(h.registerFinish),
		RouteRename:         http.HandlerFunc(h.rename),
		RouteRemove:         http.HandlerFunc(h.remove),
	}
}

// SignInRoutes are the sign-in routes (function login).
func (h *Handlers) SignInRoutes() map[string]http.Handler {
	return map[string]http.Handler{
		RouteSignInBegin:  http.HandlerFunc(h.signInBegin),
		RouteSignInFinish: http.HandlerFunc(h.signInFinish),
		RouteReauthBegin:  http.HandlerFunc(h.reauthBegin),
	}
}

func meta(r *http.Request) sessions.Meta {
	return sessions.Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
}

type registrationResponse struct {
	Registration string `json:"registration"`
	Options      any    `json:"options"`
}

func (h *Handlers) registerBegin(w http.ResponseWriter, r *http.Request) {
	// A session restricted to MFA enrolment may add a passkey: it
	// satisfies mfa.requiredForRoles.
	cur, ok := h.sessions.Require(w, r, store.RestrictionMFAEnrolment)
	if !ok {
		return
	}
	pw, err := mfa.DecodePassword(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	reg, err := h.manage.BeginRegistration(r.Context(), cur, pw, meta(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, registrationResponse{Registration: reg.Handle, Options: reg.Options})
}

type finishRequest struct {
	Registration string          `json:"registration"`
	Name         string          `json:"name"`
	Credential   json.RawMessage `json:"credential"`
}

type addedResponse struct {
	Passkey       mfa.PasskeyDocument `json:"passkey"`
	RecoveryCodes []string            `json:"recoveryCodes,omitempty"`
}

func (h *Handlers) registerFinish(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r, store.RestrictionMFAEnrolment)
	if !ok {
		return
	}
	var req finishRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	if req.Registration == "" || len(req.Registration) > 256 {
		v.Add("registration", "required", "The registration is missing; start again.")
	}
	if len(req.Credential) == 0 || len(req.Credential) > maxResponseBytes {
		v.Add("credential", "required", "The passkey's answer is missing.")
	}
	name := "Passkey"
	if req.Name != "" {
		name = accounts.CheckName(&v, "name", "name", req.Name, maxNameChars)
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	added, err := h.manage.FinishRegistration(r.Context(), cur, req.Registration, name, req.Credential, meta(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if added.Session != nil {
		h.sessions.SetCookie(w, *added.Session)
	}
	httpapi.WriteJSON(w, http.StatusCreated, addedResponse{Passkey: mfa.DescribePasskey(added.Passkey),
		RecoveryCodes: added.RecoveryCodes})
}

type renameRequest struct {
	Name string `json:"name"`
}

func (h *Handlers) rename(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r)
	if !ok {
		return
	}
	var req renameRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	name := accounts.CheckName(&v, "name", "name", req.Name, maxNameChars)
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	pk, err := h.manage.Rename(r.Context(), cur, r.PathValue("id"), name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"passkey": mfa.DescribePasskey(pk)})
}

func (h *Handlers) remove(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r)
	if !ok {
		return
	}
	pw, err := mfa.DecodePassword(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if err := h.manage.Remove(r.Context(), cur, r.PathValue("id"), pw, meta(r)); err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}

type challengeResponse struct {
	Challenge string `json:"challenge"`
	Options   any    `json:"options"`
}

func (h *Handlers) signInBegin(w http.ResponseWriter, r *http.Request) {
	var body struct{}
	if err := httpapi.DecodeJSON(r, &body); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c, err := h.signIn.Begin(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, challengeResponse{Challenge: c.Handle, Options: c.Options})
}

type signInRequest struct {
	Challenge  string          `json:"challenge"`
	Credential json.RawMessage `json:"credential"`
}

type signedInResponse struct {
	Status  string            `json:"status"`
	Session sessions.Document `json:"session"`
}

func (h *Handlers) signInFinish(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	if req.Challenge == "" || len(req.Challenge) > 256 {
		v.Add("challenge", "required", "The challenge is missing; start again.")
	}
	if len(req.Credential) == 0 || len(req.Credential) > maxResponseBytes {
		v.Add("credential", "required", "The passkey's answer is missing.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := h.signIn.Finish(r.Context(), Attempt{Handle: req.Challenge, Response: req.Credential, Meta: meta(r)})
	var locked *lockout.LockedError
	switch {
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
		return
	case errors.Is(err, ErrSignInFailed):
		httpapi.WriteError(w, r, httpapi.InvalidCredentials())
		return
	case err != nil:
		httpapi.WriteError(w, r, err) // fail closed
		return
	}
	h.sessions.SetCookie(w, out.Issued)
	httpapi.WriteJSON(w, http.StatusOK, signedInResponse{Status: "authenticated",
		Session: sessions.Describe(out.Issued.Session, out.Account, out.View)})
}

func (h *Handlers) reauthBegin(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r)
	if !ok {
		return
	}
	var body struct{}
	if err := httpapi.DecodeJSON(r, &body); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c, err := h.signIn.BeginReauth(r.Context(), cur.Account)
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, challengeResponse{Challenge: c.Handle, Options: c.Options})
}

// writeError maps passkey errors to API.md problems, and the shared ones
// of second-factor management through mfa.WriteError.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrRegistrationInvalid):
		httpapi.WriteError(w, r, httpapi.InvalidRequest("The passkey could not be verified; start again."))
	case errors.Is(err, ErrAlreadyRegistered):
		httpapi.WriteError(w, r, httpapi.Conflict("This passkey is registered already."))
	case errors.Is(err, ErrTooMany):
		httpapi.WriteError(w, r, httpapi.Conflict("An account holds at most 10 passkeys; remove one first."))
	case errors.Is(err, ErrNotFound):
		httpapi.WriteError(w, r, httpapi.NotFound())
	default:
		mfa.WriteError(w, r, err)
	}
}
