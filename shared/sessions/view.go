package sessions

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatepass/gatepass/shared/store"
)

// View types (API.md "Roles and views").
const (
	ViewNetwork  = "network"
	ViewFacility = "facility"
)

// FacilityActive is the status of a facility that can be viewed.
const FacilityActive = "active"

// View is what part of the Backoffice a session looks at: the whole network,
// one facility, or nothing yet (Type "").
type View struct {
	Type         string
	FacilityID   string
	FacilityName string // for documents; not stored with the session
}

// StoredView is the view a session chose, as stored.
func StoredView(s store.Session) View {
	return View{Type: s.ViewType, FacilityID: s.FacilityID}
}

// Allowed reports whether account a may use view v now. f is the facility of
// a facility view as read from the store (nil when absent): a deleted or
// inactive facility can't be viewed. Network view needs networkAccess; a
// facility view needs the facility in facilityIds, or networkAccess. No view
// is always allowed.
func Allowed(a *store.Account, v View, f *store.Facility) bool {
	switch v.Type {
	case "":
		return true
	case ViewNetwork:
		return a.NetworkAccess
	case ViewFacility:
		return f != nil && f.ID == v.FacilityID && f.Status == FacilityActive &&
			(a.NetworkAccess || slices.Contains(a.FacilityIDs, f.ID))
	default:
		return false
	}
}

// FacilityLoader reads one facility.
type FacilityLoader interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
}

// InitialView is the view a sign-in opens (API.md): a user without network
// access and with exactly one facility gets that facility, when it exists and
// is active; everyone else starts without a view and chooses. Only that case
// costs a read.
func InitialView(ctx context.Context, s FacilityLoader, a *store.Account) (View, error) {
	if a.NetworkAccess || len(a.FacilityIDs) != 1 {
		return View{}, nil
	}
	snap, err := s.Load(ctx, store.Query{Facility: a.FacilityIDs[0]})
	if err != nil {
		return View{}, fmt.Errorf("initial view: %w", err)
	}
	v := View{Type: ViewFacility, FacilityID: a.FacilityIDs[0]}
	if !Allowed(a, v, snap.Facility) {
		return View{}, nil
	}
	v.FacilityName = snap.Facility.Name
	return v, nil
}
