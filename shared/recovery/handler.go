package recovery

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/validate"
)

// Pacer holds a response back until a fixed time after the request began,
// so that every reset request takes the same time whatever happened inside
// (SECURITY.md: same response and timing for every identifier). In Lambda a
// mail cannot be sent after the response, so the send stays on the path and
// the floor is set above its usual duration.
type Pacer interface {
	Wait(ctx context.Context, began time.Time)
}

// Floor is the production Pacer: it waits on the wall clock until began +
// D. Physical waiting is the one use of real time here; decisions still use
// the injected clock.
type Floor struct{ D time.Duration }

// Wait implements Pacer.
func (f Floor) Wait(ctx context.Context, began time.Time) {
	t := time.NewTimer(time.Until(began.Add(f.D)))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// DefaultFloor is the duration every reset request takes: above SES's usual
// send latency, so that a sent mail does not show in the timing.
const DefaultFloor = 400 * time.Millisecond

// Handlers serves the recovery routes.
type Handlers struct {
	service *Service
	pacer   Pacer
}

// NewHandlers returns the HTTP side of recovery.
func NewHandlers(s *Service, p Pacer) *Handlers { return &Handlers{service: s, pacer: p} }

// RequestRoutes are the routes of the reset-request function.
func (h *Handlers) RequestRoutes() map[string]http.Handler {
	return map[string]http.Handler{"POST /api/auth/password/reset": http.HandlerFunc(h.requestReset)}
}

// ConfirmRoutes are the routes of the reset-confirm function.
func (h *Handlers) ConfirmRoutes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/auth/password/reset/verify":  h.verify(Reset),
		"POST /api/auth/password/reset/confirm": h.complete(Reset),
		"POST /api/auth/invitation/verify":      h.verify(Invitation),
		"POST /api/auth/invitation/accept":      h.complete(Invitation),
	}
}

type resetRequest struct {
	Identifier string `json:"identifier"`
}

func source(r *http.Request) audit.Source {
	return audit.Source{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
}

func (h *Handlers) requestReset(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	var req resetRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	accounts.CheckIdentifier(&v, "identifier", req.Identifier, "username or email address")
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	err := h.service.RequestReset(r.Context(), req.Identifier, source(r))
	h.pacer.Wait(r.Context(), began)
	var locked *lockout.LockedError
	switch {
	case errors.As(err, &locked):
		httpapi.WriteError(w, r, httpapi.TooManyRequests(locked.RetryAfter))
	case err != nil:
		// Neutral even when the store fails: the client learns nothing.
		httpapi.Logger(r.Context()).ErrorContext(r.Context(), "reset request failed", "error", err)
		httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
	default:
		httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
	}
}

type tokenRequest struct {
	Token string `json:"token"`
}

type verifyResponse struct {
	Valid    bool   `json:"valid"`
	Username string `json:"username"`
}

func (h *Handlers) verify(p Purpose) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req tokenRequest
		if err := httpapi.DecodeJSON(r, &req); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		username, err := h.service.Verify(r.Context(), p, req.Token)
		if err != nil {
			writeLinkError(w, r, err)
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, verifyResponse{Valid: true, Username: username})
	})
}

type completeRequest struct {
	Token          string `json:"token"`
	Password       string `json:"password"`
	PasswordRepeat string `json:"passwordRepeat"`
}

func (h *Handlers) complete(p Purpose) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req completeRequest
		if err := httpapi.DecodeJSON(r, &req); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if len(req.Password) > accounts.MaxIdentifierBytes || len(req.PasswordRepeat) > accounts.MaxIdentifierBytes {
			// Refused before any hashing work (SECURITY.md).
			httpapi.WriteError(w, r, httpapi.PasswordPolicy([]validate.Violation{{Field: "password", Code: "too_long",
				Message: "The password is too long."}}))
			return
		}
		if err := h.service.Complete(r.Context(), p, req.Token, req.Password, req.PasswordRepeat, source(r)); err != nil {
			writeLinkError(w, r, err)
			return
		}
		httpapi.NoContent(w)
	})
}

// writeLinkError maps the errors of link flows to API.md's problems.
func writeLinkError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *credential.PolicyError
	switch {
	case errors.Is(err, ErrTokenInvalid):
		httpapi.WriteError(w, r, httpapi.TokenInvalid())
	case errors.Is(err, credential.ErrMismatch):
		httpapi.WriteError(w, r, httpapi.PasswordMismatch())
	case errors.As(err, &pe):
		httpapi.WriteError(w, r, httpapi.PasswordPolicy(pe.Violations))
	default:
		httpapi.WriteError(w, r, err)
	}
}
