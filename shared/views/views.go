// Package views is the choice of what a signed-in person looks at: the whole
// network or one facility (API.md "Roles and views", GET /api/auth/views and
// POST /api/auth/views/select). The rule itself — who may use which view —
// lives in package sessions, because every session check applies it.
package views

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// ErrNotAllowed means the account may not use the view it asked for, or the
// facility does not exist.
var ErrNotAllowed = errors.New("views: view not allowed")

// Store is what the views capability needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
	ListFacilities(ctx context.Context) ([]store.Facility, error)
}

// Service lists and selects views.
type Service struct {
	store    Store
	sessions *sessions.Manager
	clock    clock.Clock
	logger   *slog.Logger
}

// NewService returns a views service.
func NewService(s Store, m *sessions.Manager, c clock.Clock, logger *slog.Logger) *Service {
	return &Service{store: s, sessions: m, clock: c, logger: logger}
}

// Facility is a facility a person may view.
type Facility struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Choice is what a person may choose from, and what they look at now.
type Choice struct {
	Network    bool                   `json:"network"`
	Facilities []Facility             `json:"facilities"`
	Current    *sessions.ViewDocument `json:"current"`
}

// Available lists the views cur's account may use: the network when it has
// network access, and the active facilities it is assigned to (all of them
// with network access), ordered by name.
func (s *Service) Available(ctx context.Context, cur sessions.Current) (Choice, error) {
	all, err := s.store.ListFacilities(ctx)
	if err != nil {
		return Choice{}, fmt.Errorf("views: list facilities: %w", err)
	}
	c := Choice{Network: cur.Account.NetworkAccess, Facilities: []Facility{}, Current: sessions.DescribeView(cur.View)}
	for _, f := range all {
		v := sessions.View{Type: sessions.ViewFacility, FacilityID: f.ID}
		if sessions.Allowed(&cur.Account, v, &f) {
			c.Facilities = append(c.Facilities, Facility{ID: f.ID, Name: f.Name})
		}
	}
	return c, nil
}

// Select opens view v for the session of cur. The session gets a new token
// (API.md: the token is replaced at view selection) and keeps its absolute
// timeout. It returns the new session, its view with the facility's name,
// ErrNotAllowed, or sessions.ErrUnauthenticated when a concurrent request
// renewed or revoked the session first (a session never forks).
func (s *Service) Select(ctx context.Context, cur sessions.Current, v sessions.View, meta sessions.Meta) (sessions.Issued, sessions.View, error) {
	var facility *store.Facility
	if v.Type == sessions.ViewFacility {
		snap, err := s.store.Load(ctx, store.Query{Facility: v.FacilityID})
		if err != nil {
			return sessions.Issued{}, v, fmt.Errorf("views: read facility: %w", err)
		}
		facility = snap.Facility
	}
	if !sessions.Allowed(&cur.Account, v, facility) || v.Type == "" {
		return sessions.Issued{}, v, ErrNotAllowed
	}
	if facility != nil {
		v.FacilityName = facility.Name
	}
	issued := s.sessions.Renew(cur.Session, &cur.Account, cur.Session.Restriction, v, meta)
	detail := map[string]string{"type": v.Type}
	if v.FacilityID != "" {
		detail["facilityId"] = v.FacilityID
	}
	src := audit.Source{ActorID: cur.Account.ID, IP: meta.IP, UserAgent: meta.UserAgent}
	event := audit.New(s.clock.Now(), audit.ViewSelected, cur.Account.ID, src, detail)
	err := s.store.Commit(ctx, issued.Op(), audit.Op(event))
	if errors.Is(err, store.ErrConflict) {
		// Another request replaced (or revoked) this session's token first:
		// the token this request carried is spent.
		return sessions.Issued{}, v, sessions.ErrUnauthenticated
	}
	if err != nil {
		return sessions.Issued{}, v, fmt.Errorf("views: select: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	return issued, v, nil
}

// Handlers serves the views function's routes.
type Handlers struct {
	service  *Service
	sessions *sessions.Manager
}

// NewHandlers returns the HTTP side of views.
func NewHandlers(s *Service, m *sessions.Manager) *Handlers {
	return &Handlers{service: s, sessions: m}
}

// Routes maps each route key of the views function to its handler.
func (h *Handlers) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/auth/views":         http.HandlerFunc(h.list),
		"POST /api/auth/views/select": http.HandlerFunc(h.selectView),
	}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r)
	if !ok {
		return
	}
	c, err := h.service.Available(r.Context(), cur)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, c)
}

type selectRequest struct {
	Type       string `json:"type"`
	FacilityID string `json:"facilityId"`
}

func (h *Handlers) selectView(w http.ResponseWriter, r *http.Request) {
	cur, ok := h.sessions.Require(w, r)
	if !ok {
		return
	}
	var req selectRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	var v validate.List
	switch {
	case !slices.Contains([]string{sessions.ViewNetwork, sessions.ViewFacility}, req.Type):
		v.Add("type", "invalid", "Choose network or facility.")
	case req.Type == sessions.ViewFacility && req.FacilityID == "":
		v.Add("facilityId", "required", "Choose a facility.")
	case req.Type == sessions.ViewNetwork && req.FacilityID != "":
		v.Add("facilityId", "invalid", "The network view has no facility.")
	case len(req.FacilityID) > 64:
		v.Add("facilityId", "too_long", "The facility id is too long.")
	}
	if err := v.Err(); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	meta := sessions.Meta{IP: httpapi.ClientIP(r), UserAgent: r.UserAgent()}
	issued, view, err := h.service.Select(r.Context(), cur, sessions.View{Type: req.Type, FacilityID: req.FacilityID}, meta)
	switch {
	case errors.Is(err, ErrNotAllowed):
		httpapi.WriteError(w, r, httpapi.Forbidden())
		return
	case errors.Is(err, sessions.ErrUnauthenticated):
		h.sessions.ClearCookie(w)
		httpapi.WriteError(w, r, httpapi.Unauthenticated())
		return
	case err != nil:
		httpapi.WriteError(w, r, err)
		return
	}
	h.sessions.SetCookie(w, issued)
	httpapi.WriteJSON(w, http.StatusOK, sessions.Describe(issued.Session, cur.Account, view))
}
