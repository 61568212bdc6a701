package devices

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Route keys of the remembered-device endpoints (function login).
const (
	RouteList      = "GET /api/auth/devices"
	RouteForget    = "DELETE /api/auth/devices/{id}"
	RouteForgetAll = "DELETE /api/auth/devices"
)

// Store is what the device endpoints need from the store.
type Store interface {
	Commit(ctx context.Context, ops ...store.Op) error
	ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error)
}

// Handlers serves the remembered-device endpoints.
type Handlers struct {
	store    Store
	sessions *sessions.Manager
	cookie   Cookie
	clock    clock.Clock
}

// NewHandlers returns the HTTP side of remembered devices.
func NewHandlers(s Store, m *sessions.Manager, c Cookie, clk clock.Clock) *Handlers {
	return &Handlers{store: s, sessions: m, cookie: c, clock: clk}
}

// Routes maps the endpoints' route keys to their handlers.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		RouteList:      http.HandlerFunc(h.list),
		RouteForget:    http.HandlerFunc(h.forget),
		RouteForgetAll: http.HandlerFunc(h.forgetAll),
	}
}

// Device is a remembered device as API.md shows it.
type Device struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt"`
	UserAgent  string    `json:"userAgent"`
	Current    bool      `json:"current"`
}

type deviceList struct {
	Items []Device `json:"items"`
}

// remembered lists the devices that still remember the session's account:
// those bound to an older session epoch, or kept past a shortened
// mfa.rememberDeviceDays, are forgotten already and not shown.
func (h *Handlers) remembered(w http.ResponseWriter, r *http.Request) (sessions.Current, []store.Credential, bool) {
	cur, ok := h.sessions.Require(w, r)
	if !ok {
		return cur, nil, false
	}
	list, err := h.store.ListCredentials(r.Context(), cur.Account.ID, store.CredentialDevice)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return cur, nil, false
	}
	rememberFor := cur.Parameters.MFA.RememberDeviceFor()
	now := h.clock.Now()
	live := list[:0]
	for _, d := range list {
		if Recognised(d, cur.Account, rememberFor, now) {
			live = append(live, d)
		}
	}
	return cur, live, true
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	cur, list, ok := h.remembered(w, r)
	if !ok {
		return
	}
	current, _ := Key(h.cookie.Token(r), cur.Account.ID)
	items := make([]Device, 0, len(list))
	for _, d := range list {
		items = append(items, Device{ID: PublicID(d), CreatedAt: d.CreatedAt.UTC(), LastUsedAt: d.LastUsedAt.UTC(),
			UserAgent: d.Name, Current: d.Key() == current})
	}
	httpapi.WriteJSON(w, http.StatusOK, deviceList{Items: items})
}

func (h *Handlers) forget(w http.ResponseWriter, r *http.Request) {
	cur, list, ok := h.remembered(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	for _, d := range list {
		if PublicID(d) != id {
			continue
		}
		if err := h.drop(r, cur, []store.Credential{d}, "single"); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if key, ok := Key(h.cookie.Token(r), cur.Account.ID); ok && key == d.Key() {
			h.cookie.Clear(w)
		}
		httpapi.NoContent(w)
		return
	}
	httpapi.WriteError(w, r, httpapi.NotFound())
}

func (h *Handlers) forgetAll(w http.ResponseWriter, r *http.Request) {
	cur, list, ok := h.remembered(w, r)
	if !ok {
		return
	}
	if err := h.drop(r, cur, list, "all"); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	h.cookie.Clear(w)
	httpapi.NoContent(w)
}

// drop deletes devices in batches that fit one commit, each batch with its
// mfa.device.forgotten event.
func (h *Handlers) drop(r *http.Request, cur sessions.Current, list []store.Credential, scope string) error {
	src := audit.Source{ActorID: cur.Account.ID, IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
	return Forget(r.Context(), h.store, cur.Account.ID, list, scope, src, h.clock.Now())
}

// Forget deletes devices of userID, in batches that fit one commit, each
// with its mfa.device.forgotten event (detail: scope and count). The login's
// "sign out other sessions" uses it for the other browsers too.
func Forget(ctx context.Context, s Store, userID string, list []store.Credential, scope string, src audit.Source,
	now time.Time) error {
	ops := make([]store.Op, 0, len(list))
	for _, d := range list {
		ops = append(ops, store.DeleteCredential{Key: d.Key()})
	}
	return audit.CommitInBatches(ctx, s, httpapi.Logger(ctx), ops, func(n int) store.AuditEvent {
		return audit.New(now, audit.MFADeviceForgotten, userID, src, map[string]string{"scope": scope, "count": strconv.Itoa(n)})
	})
}
