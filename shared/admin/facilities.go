package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Facility statuses.
const (
	FacilityActive   = "active"
	FacilityInactive = "inactive"
)

const maxFacilityNameChars = 100

// ListFacilities returns every facility, ordered by name.
func (s *Service) ListFacilities(ctx context.Context) ([]store.Facility, error) {
	list, err := s.store.ListFacilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("admin: list facilities: %w", err)
	}
	return list, nil
}

// checkFacilityName checks a facility name and returns it as stored (PRECIS
// Nickname, like display names).
func checkFacilityName(v *validate.List, raw string) string {
	return accounts.CheckName(v, "name", "name", raw, maxFacilityNameChars)
}

// nameTaken reports whether another facility than self has the name, case
// and Unicode form aside.
func nameTaken(list []store.Facility, name, self string) bool {
	key := accounts.CanonicalUsername(name)
	for _, f := range list {
		if f.ID != self && accounts.CanonicalUsername(f.Name) == key {
			return true
		}
	}
	return false
}

// CreateFacility creates an active facility. Names are unique, case
// aside (409). Two concurrent creations of one name are not prevented: the
// store has no claim for facility names, and a duplicate is merely confusing.
func (s *Service) CreateFacility(ctx context.Context, actor Actor, name string) (store.Facility, error) {
	var v validate.List
	name = checkFacilityName(&v, name)
	if err := v.Err(); err != nil {
		return store.Facility{}, err
	}
	list, err := s.ListFacilities(ctx)
	if err != nil {
		return store.Facility{}, err
	}
	if nameTaken(list, name, "") {
		return store.Facility{}, conflict("A facility with this name exists already.")
	}
	now := s.clock.Now()
	f := store.Facility{ID: ids.New("f"), Name: name, Status: FacilityActive, CreatedAt: now, UpdatedAt: now}
	event := audit.New(now, audit.FacilityCreated, "", actor.Source, map[string]string{"facilityId": f.ID, "name": f.Name})
	err = s.commit(ctx, []store.Op{store.PutFacility{Facility: f}}, event)
	if err != nil {
		return store.Facility{}, fmt.Errorf("admin: create facility: %w", err)
	}
	f.Version = 1
	return f, nil
}

// FacilityPatch is a partial update of a facility: nil fields stay.
type FacilityPatch struct {
	Name   *string
	Status *string
}

// UpdateFacility renames a facility or changes its status, audited as
// facility.updated with what changed. An ineffective patch writes nothing.
func (s *Service) UpdateFacility(ctx context.Context, actor Actor, id string, p FacilityPatch) (store.Facility, error) {
	var v validate.List
	name := ""
	if p.Name != nil {
		name = checkFacilityName(&v, *p.Name)
	}
	if p.Status != nil && *p.Status != FacilityActive && *p.Status != FacilityInactive {
		v.Add("status", "invalid", "status must be active or inactive.")
	}
	if err := v.Err(); err != nil {
		return store.Facility{}, err
	}
	var out store.Facility
	err := store.Optimistic(ctx, maxAttempts, func(int) error {
		f, err := s.loadFacility(ctx, id)
		if err != nil {
			return err
		}
		before := f
		var fields []string
		detail := map[string]string{"facilityId": f.ID}
		if p.Name != nil && name != f.Name {
			list, err := s.ListFacilities(ctx)
			if err != nil {
				return err
			}
			if nameTaken(list, name, f.ID) {
				return conflict("A facility with this name exists already.")
			}
			fields = append(fields, "name")
			detail["name"] = f.Name + " → " + name
			f.Name = name
		}
		if p.Status != nil && *p.Status != f.Status {
			fields = append(fields, "status")
			detail["status"] = f.Status + " → " + *p.Status
			f.Status = *p.Status
		}
		out = f
		if len(fields) == 0 {
			return nil
		}
		now := s.clock.Now()
		f.UpdatedAt = now
		detail["fields"] = strings.Join(fields, ",")
		event := audit.New(now, audit.FacilityUpdated, "", actor.Source, detail)
		if err := s.commit(ctx, []store.Op{store.PutFacility{Facility: f}}, event); err != nil {
			return writeErr("update facility", err)
		}
		f.Version = before.Version + 1
		out = f
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return store.Facility{}, errChanged("facility")
	}
	if err != nil {
		return store.Facility{}, err
	}
	return out, nil
}

// DeleteFacility removes a facility. Users keep its id and simply lose it:
// views ignore missing facilities.
func (s *Service) DeleteFacility(ctx context.Context, actor Actor, id string) error {
	err := store.Optimistic(ctx, maxAttempts, func(int) error {
		f, err := s.loadFacility(ctx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		event := audit.New(now, audit.FacilityDeleted, "", actor.Source, map[string]string{"facilityId": f.ID, "name": f.Name})
		return writeErr("delete facility", s.commit(ctx, []store.Op{store.DeleteFacility{ID: f.ID, Version: f.Version}}, event))
	})
	if errors.Is(err, store.ErrConflict) {
		return errChanged("facility")
	}
	return err
}

// loadFacility reads one facility; ErrNotFound when absent.
func (s *Service) loadFacility(ctx context.Context, id string) (store.Facility, error) {
	if !validID(id) {
		return store.Facility{}, ErrNotFound
	}
	snap, err := s.store.Load(ctx, store.Query{Facility: id})
	if err != nil {
		return store.Facility{}, fmt.Errorf("admin: read facility: %w", err)
	}
	if snap.Facility == nil {
		return store.Facility{}, ErrNotFound
	}
	return *snap.Facility, nil
}

// HTTP.

type facilityDoc struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

func facilityDocument(f store.Facility) facilityDoc {
	return facilityDoc{ID: f.ID, Name: f.Name, Status: f.Status}
}

type facilityList struct {
	Items []facilityDoc `json:"items"`
}

func (h *Handlers) listFacilities(w http.ResponseWriter, r *http.Request, _ Actor) {
	list, err := h.service.ListFacilities(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := facilityList{Items: make([]facilityDoc, 0, len(list))}
	for _, f := range list {
		out.Items = append(out.Items, facilityDocument(f))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

type createFacilityRequest struct {
	Name string `json:"name"`
}

func (h *Handlers) createFacility(w http.ResponseWriter, r *http.Request, actor Actor) {
	var req createFacilityRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	f, err := h.service.CreateFacility(r.Context(), actor, req.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusCreated, facilityDocument(f))
}

type updateFacilityRequest struct {
	Name   *string `json:"name"`
	Status *string `json:"status"`
}

func (h *Handlers) updateFacility(w http.ResponseWriter, r *http.Request, actor Actor) {
	var req updateFacilityRequest
	if err := httpapi.DecodeJSON(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	f, err := h.service.UpdateFacility(r.Context(), actor, r.PathValue("id"), FacilityPatch(req))
	if err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, facilityDocument(f))
}

func (h *Handlers) deleteFacility(w http.ResponseWriter, r *http.Request, actor Actor) {
	if err := decodeEmpty(r); err != nil {
		writeError(w, r, err)
		return
	}
	if err := h.service.DeleteFacility(r.Context(), actor, r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	httpapi.NoContent(w)
}
