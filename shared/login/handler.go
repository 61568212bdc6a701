package login

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/devices"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Handlers serves the login function's routes.
type Handlers struct {
	service   *Service
	sessions  *sessions.Manager
	device    devices.Cookie
	store     Store
	tenant    string
	providers ProviderLister
	logger    *slog.Logger
}

// ProviderLister lists the tenant's SSO identity providers (sso.Catalog).
type ProviderLister interface {
	Providers(ctx context.Context) ([]sso.Provider, error)
}

// WithSSO makes GET /api/auth/config list the providers of l; failures to
// list them are logged to logger and shown as no SSO, so that the sign-in
// page never fails for them.
func (h *Handlers) WithSSO(l ProviderLister, logger *slog.Logger) *Handlers {
	h.providers, h.logger = l, logger
	return h
}

// NewHandlers returns the HTTP side of the login capability; device is the
// remembered-device cookie of the deployment.
func NewHandlers(svc *Service, m *sessions.Manager, device devices.Cookie, s Store, tenant string) *Handlers {
	return &Handlers{service: svc, sessions: m, device: device, store: s, tenant: tenant}
}

// Routes maps each route key of the login function (see package routes) to
// its handler.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/auth/config":           http.HandlerFunc(h.config),
		"POST /api/auth/login":           http.HandlerFunc(h.login),
		"POST /api/auth/login/mfa":       http.HandlerFunc(h.secondStep),
		"POST /api/auth/logout":          http.HandlerFunc(h.logout),
		"GET /api/auth/session":          http.HandlerFunc(h.session),
		"GET /api/auth/sessions":         http.HandlerFunc(h.listSessions),
		"DELETE /api/auth/sessions":      http.HandlerFunc(h.revokeOtherSessions),
		"DELETE /api/auth/sessions/{id}": http.HandlerFunc(h.revokeSession),
	}
}

type configResponse struct {
	Tenant         string         `json:"tenant"`
	SSO            ssoConfig      `json:"sso"`
	PasswordPolicy policyDocument `json:"passwordPolicy"`
}

type ssoConfig struct {
	Enabled   bool          `json:"enabled"`
	Providers []ssoProvider `json:"providers"`
}

type ssoProvider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type policyDocument struct {
	MinLength        int  `json:"minLength"`
	MaxLength        int  `json:"maxLength"`
	RequireUppercase bool `json:"requireUppercase"`
	RequireLowercase bool `json:"requireLowercase"`
	RequireDigit     bool `json:"requireDigit"`
	RequireSymbol    bool `json:"requireSymbol"`
}

func (h *Handlers) config(w http.ResponseWriter, r *http.Request) {
	snap, err := h.store.Load(r.Context(), store.Query{Parameters: true})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	pp := snap.Parameters.PasswordPolicy
	providers := []ssoProvider{}
	if h.providers != nil {
		list, err := h.providers.Providers(r.Context())
		if err != nil {
			h.logger.LogAttrs(r.Context(), slog.LevelWarn, "sso providers unavailable", slog.String("error", err.Error()))
		}
		for _, p := range list {
			providers = append(providers, ssoProvider{ID: p.ID, Name: snap.Parameters.SSO.ProviderName(p.ID)})
		}
	}
	httpapi.WriteJSON(w, http.StatusOK, configResponse{
		Tenant: h.tenant,
		SSO:    ssoConfig{Enabled: len(providers) > 0, Providers: providers},
		PasswordPolicy: policyDocument{
			MinLength: pp.MinLength, MaxLength: pp.MaxLength,
			RequireUppercase: pp.RequireUppercase, RequireLowercase: pp.RequireLowercase,
			RequireDigit: pp.RequireDigit, RequireSymbol: pp.RequireSymbol,
		},
	})
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Status         string             `json:"status"`
	Session        *sessions.Document `json:"session,omitempty"`
	Challenge      string             `json:"challenge,omitempty"`
	Methods        []string           `json:"methods,omitempty"`
	PasskeyOptions any                `json:"passkeyOptions,omitempty"`
}

func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	accounts.CheckIdentifier(&v, "username", req.Username, "username")
	switch {
	case req.Password == "":
		v.Add("password", "required", "Enter your password.")
	case len(req.Password) > accounts.MaxIdentifierBytes:
		// Refused before any hashing work (SECURITY.md).
		v.Add("password", "too_long", "The password is too long.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := h.service.Login(r.Context(), Attempt{
		Username: req.Username, Password: req.Password,
		IP: httpapi.ClientIP(r), UserAgent: r.UserAgent(), Device: h.device.Token(r),
	})
	var locked *lockout.LockedError
	switch {
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
		return
	case errors.Is(err, ErrInvalidCredentials):
		httpapi.WriteError(w, r, httpapi.InvalidCredentials())
		return
	case err != nil:
		// Fail closed: a store failure never lets anyone in.
		httpapi.WriteError(w, r, err)
		return
	}
	h.respond(w, out)
}

// respond answers a successful step: a challenge and no cookie for
// mfa_required, else the session cookie (and a newly remembered device's)
// and document.
func (h *Handlers) respond(w http.ResponseWriter, out Outcome) {
	if out.Status == StatusMFARequired {
		httpapi.WriteJSON(w, http.StatusOK, loginResponse{Status: out.Status, Challenge: out.Challenge,
			Methods: out.Methods, PasskeyOptions: out.Options[mfa.MethodPasskey]})
		return
	}
	h.sessions.SetCookie(w, out.Issued)
	if out.Device != nil {
		h.device.Set(w, out.Device.Token, out.Device.ExpiresAt, h.service.clock.Now())
	}
	doc := sessions.Describe(out.Issued.Session, out.Account, out.View)
	httpapi.WriteJSON(w, http.StatusOK, loginResponse{Status: out.Status, Session: &doc})
}

type secondStepRequest struct {
	Challenge      string          `json:"challenge"`
	Code           string          `json:"code"`
	RecoveryCode   string          `json:"recoveryCode"`
	Passkey        json.RawMessage `json:"passkey"`
	RememberDevice bool            `json:"rememberDevice"`
}

// maxPasskeyBytes bounds a submitted WebAuthn assertion before it is parsed.
const maxPasskeyBytes = 16 << 10

// proof returns the one proof the request carries.
func (req secondStepRequest) proof() (mfa.Proof, int) {
	var p mfa.Proof
	n := 0
	if req.Code != "" {
		p, n = mfa.Proof{Method: mfa.MethodTOTP, Code: req.Code}, n+1
	}
	if req.RecoveryCode != "" {
		p, n = mfa.Proof{Method: mfa.MethodRecoveryCode, Code: req.RecoveryCode}, n+1
	}
	if len(req.Passkey) > 0 && string(req.Passkey) != "null" {
		p, n = mfa.Proof{Method: mfa.MethodPasskey, Response: req.Passkey}, n+1
	}
	return p, n
}

func (h *Handlers) secondStep(w http.ResponseWriter, r *http.Request) {
	var req secondStepRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	if req.Challenge == "" {
		v.Add("challenge", "required", "The challenge is missing.")
	}
	proof, given := req.proof()
	if given != 1 {
		v.Add("code", "required", "Enter a code from your authenticator app or a recovery code, or use your passkey.")
	}
	if len(req.Code) > 64 || len(req.RecoveryCode) > 64 || len(req.Challenge) > 256 || len(req.Passkey) > maxPasskeyBytes {
		v.Add("code", "too_long", "The code is too long.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	out, err := h.service.SecondStep(r.Context(), Second{Challenge: req.Challenge, Proof: proof,
		RememberDevice: req.RememberDevice, Meta: sessions.Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}})
	var locked *lockout.LockedError
	switch {
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
	case errors.Is(err, ErrChallengeInvalid):
		httpapi.WriteError(w, r, httpapi.ChallengeInvalid())
	case errors.Is(err, mfa.ErrInvalidCode):
		httpapi.WriteError(w, r, httpapi.InvalidCode())
	case err != nil:
		httpapi.WriteError(w, r, err) // fail closed
	default:
		h.respond(w, out)
	}
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.sessions.Revoke(r.Context(), r); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	h.sessions.ClearCookie(w)
	httpapi.NoContent(w)
}

// authenticate returns the request's session, answering 401 itself when there
// is none. With unrestricted set, a restricted session is refused with the
// 403 of its restriction (API.md).
func (h *Handlers) authenticate(w http.ResponseWriter, r *http.Request, unrestricted bool) (sessions.Current, bool) {
	if unrestricted {
		return h.sessions.Require(w, r)
	}
	return h.sessions.Require(w, r, store.RestrictionPasswordChange, store.RestrictionMFAEnrolment)
}

func (h *Handlers) session(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.authenticate(w, r, false)
	if !ok {
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, sessions.Describe(cur.Session, cur.Account, cur.View))
}

type sessionItem struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	UserAgent  string    `json:"userAgent"`
	IP         string    `json:"ip"`
	Current    bool      `json:"current"`
}

type sessionList struct {
	Items []sessionItem `json:"items"`
}

// ownSessions authenticates an unrestricted session and lists the account's
// sessions, answering the request itself when either fails.
func (h *Handlers) ownSessions(w http.ResponseWriter, r *http.Request) (sessions.Current, []store.Session, bool) {
	cur, ok := h.authenticate(w, r, true)
	if !ok {
		return cur, nil, false
	}
	list, err := h.store.ListSessions(r.Context(), cur.Account.ID)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return cur, nil, false
	}
	return cur, list, true
}

func (h *Handlers) listSessions(w http.ResponseWriter, r *http.Request) {
	cur, list, ok := h.ownSessions(w, r)
	if !ok {
		return
	}
	idle := cur.Parameters.Session.IdleTimeout()
	now := h.service.clock.Now()
	items := make([]sessionItem, 0, len(list))
	for _, s := range list {
		if !now.Before(s.LastSeenAt.Add(idle)) || !sessions.Live(s, cur.Account) {
			continue // idle or revoked by epoch: over, even if not yet cleaned up
		}
		items = append(items, sessionItem{
			ID: s.ID, CreatedAt: s.CreatedAt.UTC(), LastSeenAt: s.LastSeenAt.UTC(),
			UserAgent: s.UserAgent, IP: s.IP, Current: s.Hash == cur.Session.Hash,
		})
	}
	httpapi.WriteJSON(w, http.StatusOK, sessionList{Items: items})
}

func (h *Handlers) revokeSession(w http.ResponseWriter, r *http.Request) {
	cur, list, ok := h.ownSessions(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	for _, s := range list {
		if s.ID != id {
			continue
		}
		if err := h.revoke(r, cur, []store.Session{s}, "single"); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if s.Hash == cur.Session.Hash {
			h.sessions.ClearCookie(w)
		}
		httpapi.NoContent(w)
		return
	}
	httpapi.WriteError(w, r, httpapi.NotFound())
}

func (h *Handlers) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	cur, list, ok := h.ownSessions(w, r)
	if !ok {
		return
	}
	others := list[:0:0]
	for _, s := range list {
		if s.Hash != cur.Session.Hash {
			others = append(others, s)
		}
	}
	if err := h.revoke(r, cur, others, "others"); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	// Signing out everywhere else also forgets every other browser this
	// account remembered: whoever was there must pass the second step again.
	if err := h.forgetOtherDevices(r, cur); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}

func (h *Handlers) forgetOtherDevices(r *http.Request, cur sessions.Current) error {
	list, err := h.store.ListCredentials(r.Context(), cur.Account.ID, store.CredentialDevice)
	if err != nil {
		return err
	}
	mine, _ := devices.Key(h.device.Token(r), cur.Account.ID)
	others := list[:0]
	for _, d := range list {
		if d.Key() != mine {
			others = append(others, d)
		}
	}
	src := audit.Source{ActorID: cur.Account.ID, IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
	return devices.Forget(r.Context(), h.store, cur.Account.ID, others, "others", src, h.service.clock.Now())
}

// revoke deletes sessions in batches that fit one commit, each batch with its
// audit event.
func (h *Handlers) revoke(r *http.Request, cur sessions.Current, list []store.Session, scope string) error {
	now := h.service.clock.Now()
	src := audit.Source{ActorID: cur.Account.ID, IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
	ops := make([]store.Op, 0, len(list))
	for _, s := range list {
		ops = append(ops, store.DeleteSession{Key: store.SessionKey{UserID: s.UserID, Hash: s.Hash}})
	}
	return audit.CommitInBatches(r.Context(), h.store, httpapi.Logger(r.Context()), ops, func(n int) store.AuditEvent {
		return audit.New(now, audit.SessionRevoked, cur.Account.ID, src, map[string]string{"scope": scope, "count": strconv.Itoa(n)})
	})
}
