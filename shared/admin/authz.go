package admin

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Actor is the authenticated, unrestricted caller of an admin route, with
// where its request came from (for the audit trail).
type Actor struct {
	Account store.Account
	Source  audit.Source
	// AuthenticatedAt is when the caller last proved who they are (its
	// session's authentication time): sensitive actions need it recent.
	AuthenticatedAt time.Time
}

// stepUp refuses a sensitive action — setting a user's password, resetting
// a user's MFA, granting or revoking admin or super_admin, changing the
// parameters or the SSO providers — with ErrStepUpRequired unless the
// caller authenticated within sessions.StepUpWindow of now (API.md POST
// /api/auth/reauth). It runs after the authorization checks and before
// anything is written, so a refused action changes nothing.
func (a Actor) stepUp(now time.Time) error {
	at := a.AuthenticatedAt
	if at.IsZero() || now.After(at.Add(sessions.StepUpWindow)) {
		return ErrStepUpRequired
	}
	return nil
}

// touchesPrivilege reports whether changing roles from before to after
// grants or revokes admin or super_admin.
func touchesPrivilege(before, after []string) bool {
	for _, r := range []string{accounts.RoleAdmin, accounts.RoleSuperAdmin} {
		if slices.Contains(before, r) != slices.Contains(after, r) {
			return true
		}
	}
	return false
}

// rank is how much a caller may administer, from its highest role.
type rank int

const (
	rankNone       rank = iota // operators, and accounts without a known role
	rankSupervisor             // the operators of its own facilities, a little
	rankAdmin                  // users and facilities, but not admins
	rankSuperAdmin             // everything
)

func rankOf(a store.Account) rank {
	switch {
	case slices.Contains(a.Roles, accounts.RoleSuperAdmin):
		return rankSuperAdmin
	case slices.Contains(a.Roles, accounts.RoleAdmin):
		return rankAdmin
	case slices.Contains(a.Roles, accounts.RoleSupervisor):
		return rankSupervisor
	default:
		return rankNone
	}
}

func (a Actor) rank() rank { return rankOf(a.Account) }

// Access is who may call a route at all. Every admin route declares one
// (handler.go); anything not declared is refused. Routes that act on a user
// check the caller against that user as well (Service.authorize).
type Access int

// Accesses.
const (
	// SuperAdmins: super_admin only.
	SuperAdmins Access = iota + 1
	// Managers: admin and super_admin.
	Managers
	// ManagersAndSupervisors: admin, super_admin, and supervisors — the
	// latter only for the operators of their own facilities.
	ManagersAndSupervisors
)

// allows reports whether a caller of rank r may call a route of access ac.
func (ac Access) allows(r rank) bool {
	switch ac {
	case SuperAdmins:
		return r == rankSuperAdmin
	case Managers:
		return r == rankSuperAdmin || r == rankAdmin
	case ManagersAndSupervisors:
		return r == rankSuperAdmin || r == rankAdmin || r == rankSupervisor
	default:
		return false // deny by default
	}
}

// String names the access for people (test output, docs).
func (ac Access) String() string {
	switch ac {
	case SuperAdmins:
		return "super_admin"
	case Managers:
		return "admin, super_admin"
	case ManagersAndSupervisors:
		return "admin, super_admin, supervisor (own operators)"
	default:
		return fmt.Sprintf("Access(%d)", int(ac))
	}
}

// privilegedRole reports whether a role administers others.
func privilegedRole(role string) bool {
	return role == accounts.RoleAdmin || role == accounts.RoleSuperAdmin
}

// privileged reports whether an account holds admin or super_admin. Only a
// super_admin may act on such an account: otherwise an admin could take over
// a super_admin with a temporary password.
func privileged(a store.Account) bool { return slices.ContainsFunc(a.Roles, privilegedRole) }

// operatorOnly reports whether an account's roles are exactly operator.
func operatorOnly(a store.Account) bool {
	return len(a.Roles) > 0 && !slices.ContainsFunc(a.Roles, func(r string) bool { return r != accounts.RoleOperator })
}

// mayAssign reports whether the actor may give roles to someone: only a
// super_admin grants admin or super_admin.
func (a Actor) mayAssign(roles []string) bool {
	return a.rank() == rankSuperAdmin || !slices.ContainsFunc(roles, privilegedRole)
}

// scope is the set of facilities a supervisor administers.
type scope struct {
	all bool     // network access: every facility, no filter
	ids []string // otherwise its facilities that still exist; never nil
	// existing are the ids of every facility that exists (only without
	// network access): a deleted facility named on an account grants
	// nothing, so the subset rule (actsOn) passes over it.
	existing []string
}

// supervisorScope returns a supervisor's scope. A facility that was deleted
// but is still named on the supervisor grants nothing.
func (s *Service) supervisorScope(ctx context.Context, a store.Account) (scope, error) {
	if a.NetworkAccess {
		return scope{all: true}, nil
	}
	sc := scope{ids: []string{}}
	if len(a.FacilityIDs) == 0 {
		return sc, nil
	}
	list, err := s.store.ListFacilities(ctx)
	if err != nil {
		return scope{}, fmt.Errorf("admin: scope: %w", err)
	}
	for _, f := range list {
		sc.existing = append(sc.existing, f.ID)
		if slices.Contains(a.FacilityIDs, f.ID) {
			sc.ids = append(sc.ids, f.ID)
		}
	}
	return sc, nil
}

// actsOn is the supervisor subset rule (API.md "Admin endpoints", SECURITY.md
// "Sessions and authorization"): a supervisor acts — password, unlock, MFA
// reset, help requests — only on an operator without network access whose
// every facility is the supervisor's, and who has at least one. Sharing one
// facility is not enough: setting a temporary password on an operator of
// Berlin and Munich, a supervisor of Berlin could sign in as that operator
// and open Munich. No account reached this way can see more than the
// supervisor itself.
func (sc scope) actsOn(target store.Account) bool {
	if !operatorOnly(target) || target.NetworkAccess {
		return false
	}
	if sc.all {
		return true
	}
	held := 0
	for _, id := range target.FacilityIDs {
		switch {
		case slices.Contains(sc.ids, id):
			held++
		case slices.Contains(sc.existing, id):
			return false // a facility of the target's that the supervisor lacks
		}
	}
	return held > 0
}

// authorize checks that actor may act on target (nil when it does not
// exist); write is true for every change. The route's Access has already
// been checked.
//
//   - super_admin: any user; an unknown one is ErrNotFound.
//   - admin: reads any user; changes only users without admin or
//     super_admin. Unknown: ErrNotFound.
//   - supervisor: changes (the few its routes allow) only the operators the
//     subset rule lets it act on (scope.actsOn). An unknown user is
//     ErrForbidden like an out-of-scope one, so that a supervisor cannot
//     probe which ids exist.
func (s *Service) authorize(ctx context.Context, actor Actor, target *store.Account, write bool) error {
	switch actor.rank() {
	case rankSuperAdmin:
		if target == nil {
			return ErrNotFound
		}
		return nil
	case rankAdmin:
		if target == nil {
			return ErrNotFound
		}
		if write && privileged(*target) {
			return ErrForbidden
		}
		return nil
	case rankSupervisor:
		if target == nil || !write {
			return ErrForbidden
		}
		sc, err := s.supervisorScope(ctx, actor.Account)
		if err != nil {
			return err
		}
		if !sc.actsOn(*target) {
			return ErrForbidden
		}
		return nil
	default:
		return ErrForbidden
	}
}
