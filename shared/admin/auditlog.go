package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// AuditLog returns a page of the audit trail, newest first. A cursor from
// another listing is store.ErrInvalidCursor.
func (s *Service) AuditLog(ctx context.Context, q store.AuditQuery) (store.AuditPage, error) {
	page, err := s.store.ListAudit(ctx, q)
	if err != nil {
		return store.AuditPage{}, fmt.Errorf("admin: list audit: %w", err)
	}
	return page, nil
}

// HTTP.

type auditDoc struct {
	ID        string            `json:"id"`
	At        time.Time         `json:"at"`
	Type      string            `json:"type"`
	UserID    *string           `json:"userId"`
	ActorID   *string           `json:"actorId"`
	IP        *string           `json:"ip"`
	UserAgent *string           `json:"userAgent"`
	Detail    map[string]string `json:"detail"`
}

type auditList struct {
	Items      []auditDoc `json:"items"`
	NextCursor *string    `json:"nextCursor"`
}

// maxAuditFilterBytes bounds the userId and type filters.
const maxAuditFilterBytes = 128

func (h *Handlers) listAudit(w http.ResponseWriter, r *http.Request, _ Actor) {
	qs := r.URL.Query()
	q := store.AuditQuery{UserID: qs.Get("userId"), Type: qs.Get("type"), Cursor: qs.Get("cursor")}
	var v validate.List
	if raw := qs.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > store.MaxAuditLimit {
			v.Add("limit", "out_of_range", "limit must be a whole number from 1 to 200.")
		}
		q.Limit = n
	}
	if len(q.UserID) > maxAuditFilterBytes {
		v.Add("userId", "too_long", "The user id is too long.")
	}
	if len(q.Type) > maxAuditFilterBytes {
		v.Add("type", "too_long", "The type is too long.")
	}
	if len(q.Cursor) > maxCursorBytes {
		v.Add("cursor", "invalid", "The cursor is invalid.")
	}
	if err := v.Err(); err != nil {
		writeError(w, r, err)
		return
	}
	page, err := h.service.AuditLog(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := auditList{Items: make([]auditDoc, 0, len(page.Items)), NextCursor: optionalString(page.NextCursor)}
	for _, e := range page.Items {
		detail := e.Detail
		if detail == nil {
			detail = map[string]string{}
		}
		out.Items = append(out.Items, auditDoc{ID: e.ID, At: e.At.UTC(), Type: e.Type,
			UserID: optionalString(e.UserID), ActorID: optionalString(e.ActorID), IP: optionalString(e.IP),
			UserAgent: optionalString(e.UserAgent), Detail: detail})
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}
