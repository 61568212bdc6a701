package sso

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/sessions"
)

// Handlers serve the routes of the sso function.
type Handlers struct {
	service  *Service
	sessions *sessions.Manager
	secure   bool
	logger   *slog.Logger
}

// NewHandlers returns the sso function's handlers. secure is true when the
// public URL is https (cookies get Secure and the __Host- prefix).
func NewHandlers(s *Service, m *sessions.Manager, secure bool, logger *slog.Logger) *Handlers {
	return &Handlers{service: s, sessions: m, secure: secure, logger: logger}
}

// Routes maps each route key of the sso function (see package routes) to its
// handler.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/auth/sso/{providerId}/start": http.HandlerFunc(h.start),
		"GET /api/auth/sso/callback":           http.HandlerFunc(h.callback),
	}
}

// bindingCookie is the name of the cookie that binds a flow to its browser.
func (h *Handlers) bindingCookie() string {
	if h.secure {
		return "__Host-gatepass-sso"
	}
	return "gatepass-sso"
}

func (h *Handlers) meta(r *http.Request) Meta {
	m := Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
	if c, err := r.Cookie(h.bindingCookie()); err == nil {
		m.Binding = c.Value
	}
	if a := r.Header.Get(alias.Header); a != "" {
		m.AliasPrefix = "/" + a
	}
	return m
}

func (h *Handlers) start(w http.ResponseWriter, r *http.Request) {
	m := h.meta(r)
	started, err := h.service.Start(r.Context(), r.PathValue("providerId"), r.URL.Query().Get("returnTo"), m)
	switch {
	case errors.Is(err, ErrUnknownProvider):
		httpapi.WriteProblem(w, r, httpapi.NotFound())
		return
	case err != nil:
		h.logger.LogAttrs(r.Context(), slog.LevelError, "sso start failed", slog.String("error", err.Error()))
		httpapi.WriteProblem(w, r, httpapi.Unavailable())
		return
	}
	// SameSite=Lax, not Strict: the cookie must come back on the top-level
	// navigation from the identity provider to the callback.
	http.SetCookie(w, &http.Cookie{Name: h.bindingCookie(), Value: started.Binding, Path: "/",
		MaxAge: int(StateTTL.Seconds()), HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	redirect(w, started.RedirectURL)
}

func (h *Handlers) callback(w http.ResponseWriter, r *http.Request) {
	m := h.meta(r)
	q := r.URL.Query()
	done, err := h.service.Complete(r.Context(), Callback{Code: q.Get("code"), State: q.Get("state"),
		Error: q.Get("error")}, m)
	// The binding served its one flow.
	http.SetCookie(w, &http.Cookie{Name: h.bindingCookie(), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	var f *Failure
	switch {
	case errors.As(err, &f):
		redirect(w, m.AliasPrefix+"/#/login?error="+url.QueryEscape(f.Code))
		return
	case err != nil:
		h.logger.LogAttrs(r.Context(), slog.LevelError, "sso callback failed", slog.String("error", err.Error()))
		redirect(w, m.AliasPrefix+"/#/login?error="+CodeFailed)
		return
	}
	h.sessions.SetCookie(w, done.Issued)
	redirect(w, m.AliasPrefix+done.ReturnTo)
}

func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
}
