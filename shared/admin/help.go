package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/store"
)

// Help requests (API.md GET /api/admin/help-requests): a reset request for
// an active local account without an email opens one (package recovery);
// the account's administrators see it here, and it closes when one of them
// sets a password for the account (SetPassword, or UpdateUser with a
// temporary password: resolveHelp in the same commit) or dismisses it.

// HelpRequest is an open help request as administration lists it: the
// request and its account.
type HelpRequest struct {
	Request store.HelpRequest
	Account store.Account
}

// ListHelpRequests lists the open help requests the actor may see, newest
// first: an admin or super_admin every one, as it sees every user; a
// supervisor those of the accounts it acts on (scope.actsOn), as for every
// other thing it does to a user. Round trips: the listing and one Load of
// the requests' accounts (a supervisor without network access also reads
// the facilities, for its scope).
func (s *Service) ListHelpRequests(ctx context.Context, actor Actor) ([]HelpRequest, error) {
	var sc *scope
	switch actor.rank() {
	case rankSuperAdmin, rankAdmin:
	case rankSupervisor:
		got, err := s.supervisorScope(ctx, actor.Account)
		if err != nil {
			return nil, err
		}
		sc = &got
	default:
		return nil, ErrForbidden
	}
	list, err := s.store.ListHelpRequests(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: list help requests: %w", err)
	}
	out := []HelpRequest{}
	if len(list) == 0 {
		return out, nil
	}
	userIDs := make([]string, len(list))
	for i, h := range list {
		userIDs[i] = h.UserID
	}
	snap, err := s.store.Load(ctx, store.Query{Accounts: userIDs})
	if err != nil {
		return nil, fmt.Errorf("admin: list help requests: read accounts: %w", err)
	}
	for _, h := range list {
		a, ok := snap.Accounts[h.UserID]
		if !ok || (sc != nil && !sc.actsOn(a)) {
			// An account deleted as its request was opened leaves a
			// request nobody can act on: it is not shown.
			continue
		}
		out = append(out, HelpRequest{Request: h, Account: a})
	}
	return out, nil
}

// DismissHelpRequest closes an open help request without setting a
// password, audited as password.help.resolved (how: dismissed). Who may is
// who may set the account's password: anything else is ErrForbidden, and an
// unknown request ErrNotFound — ErrForbidden for a supervisor, which must
// not learn which requests exist outside its scope (as for users).
func (s *Service) DismissHelpRequest(ctx context.Context, actor Actor, id string) error {
	unknown := ErrNotFound
	if actor.rank() == rankSupervisor {
		unknown = ErrForbidden
	}
	if !validID(id) {
		return unknown
	}
	list, err := s.store.ListHelpRequests(ctx)
	if err != nil {
		return fmt.Errorf("admin: dismiss help request: %w", err)
	}
	userID := ""
	for _, h := range list {
		if h.ID == id {
			userID = h.UserID
			break
		}
	}
	if userID == "" {
		return unknown
	}
	err = s.changeUser(ctx, actor, userID, nil, func(t target) (userChange, error) {
		if t.help == nil || t.help.ID != id {
			return userChange{}, unknown // resolved or dismissed meanwhile
		}
		ops, events := resolveHelp(t, actor, audit.HelpResolvedDismissed)
		return userChange{ops: ops, events: events}, nil
	})
	if errors.Is(err, ErrNotFound) {
		return unknown // the account went meanwhile
	}
	return err
}

// resolveHelp returns the op and the event that close the target's open
// help request, none when it has none; how is one of the
// audit.HelpResolved… values. The delete names the request's id, so that a
// dismissal and a resolution racing for it close it — and audit it — once:
// the loser's commit conflicts and its flow decides again.
func resolveHelp(t target, actor Actor, how string) ([]store.Op, []store.AuditEvent) {
	if t.help == nil {
		return nil, nil
	}
	// A nanosecond later, so that it sorts after the change that resolved it.
	event := audit.New(t.now.Add(time.Nanosecond), audit.PasswordHelpResolved, t.help.UserID, actor.Source,
		map[string]string{"how": how, "helpRequestId": t.help.ID})
	return []store.Op{store.DeleteHelpRequest{UserID: t.help.UserID, ID: t.help.ID}}, []store.AuditEvent{event}
}

// HTTP.

// helpRequestDoc is one item of GET /api/admin/help-requests.
type helpRequestDoc struct {
	ID          string    `json:"id"`
	UserID      string    `json:"userId"`
	Username    string    `json:"username"`
	DisplayName string    `json:"displayName"`
	CreatedAt   time.Time `json:"createdAt"`
	IP          string    `json:"ip"`
}

type helpRequestList struct {
	Items []helpRequestDoc `json:"items"`
}

func (h *Handlers) listHelpRequests(w http.ResponseWriter, r *http.Request, actor Actor) {
	list, err := h.service.ListHelpRequests(r.Context(), actor)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := helpRequestList{Items: make([]helpRequestDoc, 0, len(list))}
	for _, hr := range list {
		out.Items = append(out.Items, helpRequestDoc{ID: hr.Request.ID, UserID: hr.Account.ID,
			Username: hr.Account.Username, DisplayName: hr.Account.DisplayName,
			CreatedAt: hr.Request.CreatedAt.UTC(), IP: hr.Request.IP})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) dismissHelpRequest(w http.ResponseWriter, r *http.Request, actor Actor) {
	h.action(w, r, actor, h.service.DismissHelpRequest)
}
