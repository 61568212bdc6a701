package admin

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// Route keys of the admin function (package routes, row "admin").
const (
	RouteListUsers      = "GET /api/admin/users"
	RouteCreateUser     = "POST /api/admin/users"
	RouteGetUser        = "GET /api/admin/users/{id}"
	RouteUpdateUser     = "PATCH /api/admin/users/{id}"
	RouteDeleteUser     = "DELETE /api/admin/users/{id}"
	RouteDeactivate     = "POST /api/admin/users/{id}/deactivate"
	RouteActivate       = "POST /api/admin/users/{id}/activate"
	RouteUnlock         = "POST /api/admin/users/{id}/unlock"
	RouteResetMFA       = "POST /api/admin/users/{id}/mfa/reset"
	RouteInvitation     = "POST /api/admin/users/{id}/invitation"
	RouteRevokeSessions = "POST /api/admin/users/{id}/sessions/revoke"
	RouteSetPassword    = "POST /api/admin/users/{id}/password"
	RouteListFacilities = "GET /api/admin/facilities"
	RouteCreateFacility = "POST /api/admin/facilities"
	RouteUpdateFacility = "PATCH /api/admin/facilities/{id}"
	RouteDeleteFacility = "DELETE /api/admin/facilities/{id}"
	RouteGetParameters  = "GET /api/admin/parameters"
	RoutePutParameters  = "PUT /api/admin/parameters"
	RouteListAudit      = "GET /api/admin/audit"
	RouteListHelp       = "GET /api/admin/help-requests"
	RouteDismissHelp    = "DELETE /api/admin/help-requests/{id}"
)

// Handlers serves the admin function.
type Handlers struct {
	service   *Service
	auth      Authenticator
	providers sso.Directory // nil without SSO
}

// WithProviders makes the handlers manage the identity providers of d (nil:
// no SSO in this deployment).
func (h *Handlers) WithProviders(d sso.Directory) *Handlers {
	h.providers = d
	return h
}

// NewHandlers returns the HTTP side of administration.
func NewHandlers(s *Service, a Authenticator) *Handlers {
	return &Handlers{service: s, auth: a}
}

// actorHandler is an admin handler, called once the caller passed its
// route's access check.
type actorHandler func(w http.ResponseWriter, r *http.Request, actor Actor)

type route struct {
	access  Access
	handler actorHandler
}

// table declares every admin route with who may call it.
func (h *Handlers) table() map[string]route {
	return map[string]route{
		RouteListUsers:      {ManagersAndSupervisors, h.listUsers},
		RouteCreateUser:     {Managers, h.createUser},
		RouteGetUser:        {Managers, h.getUser},
		RouteUpdateUser:     {Managers, h.updateUser},
		RouteDeleteUser:     {Managers, h.deleteUser},
		RouteDeactivate:     {Managers, h.deactivate},
		RouteActivate:       {Managers, h.activate},
		RouteUnlock:         {ManagersAndSupervisors, h.unlock},
		RouteResetMFA:       {ManagersAndSupervisors, h.resetMFA},
		RouteInvitation:     {Managers, h.resendInvitation},
		RouteRevokeSessions: {Managers, h.revokeSessions},
		RouteSetPassword:    {ManagersAndSupervisors, h.setPassword},
		RouteListFacilities: {Managers, h.listFacilities},
		RouteCreateFacility: {Managers, h.createFacility},
		RouteUpdateFacility: {Managers, h.updateFacility},
		RouteDeleteFacility: {Managers, h.deleteFacility},
		RouteGetParameters:  {Managers, h.getParameters},
		RoutePutParameters:  {SuperAdmins, h.putParameters},
		RouteListAudit:      {Managers, h.listAudit},
		RouteListHelp:       {ManagersAndSupervisors, h.listHelpRequests},
		RouteDismissHelp:    {ManagersAndSupervisors, h.dismissHelpRequest},
		RouteListProviders:  {SuperAdmins, h.listProviders},
		RoutePutProvider:    {SuperAdmins, h.putProvider},
		RouteDeleteProvider: {SuperAdmins, h.deleteProvider},
	}
}

// Access returns who may call each admin route, by route key.
func (h *Handlers) Access() map[string]Access {
	out := map[string]Access{}
	for key, rt := range h.table() {
		out[key] = rt.access
	}
	return out
}

// Routes maps each route key of the admin function to its handler.
func (h *Handlers) Routes() map[string]http.Handler {
	out := map[string]http.Handler{}
	for key, rt := range h.table() {
		out[key] = h.guard(rt.access, rt.handler)
	}
	return out
}

// guard authenticates the request and checks the route's access: 401
// without a session, the restriction's 403 for a restricted session, 403
// forbidden for a caller the route does not admit.
func (h *Handlers) guard(access Access, next actorHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, ok := h.auth.Require(w, r) // no restriction is lifted here
		if !ok {
			return
		}
		actor := Actor{Account: cur.Account, AuthenticatedAt: cur.Session.AuthenticatedAt, Source: audit.Source{
			ActorID: cur.Account.ID, IP: httpapi.ClientIP(r), UserAgent: r.UserAgent(),
		}}
		if !access.allows(actor.rank()) {
			httpapi.WriteError(w, r, httpapi.Forbidden())
			return
		}
		next(w, r, actor)
	})
}

// writeError renders an admin flow's error.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		conflictErr *ConflictError
		policyErr   *credential.PolicyError
		paramsErr   *ParametersError
	)
	switch {
	case errors.Is(err, ErrForbidden):
		httpapi.WriteError(w, r, httpapi.Forbidden())
	case errors.Is(err, ErrNotFound):
		httpapi.WriteError(w, r, httpapi.NotFound())
	case errors.As(err, &conflictErr):
		httpapi.WriteError(w, r, httpapi.Conflict(conflictErr.Detail))
	case errors.Is(err, ErrConflict):
		httpapi.WriteError(w, r, httpapi.Conflict("The request conflicts with the current state."))
	case errors.Is(err, ErrSSOAccount):
		httpapi.WriteError(w, r, httpapi.SSOAccount())
	case errors.Is(err, ErrStepUpRequired):
		httpapi.WriteError(w, r, httpapi.StepUpRequired())
	case errors.As(err, &policyErr):
		httpapi.WriteError(w, r, httpapi.PasswordPolicy(policyErr.Violations))
	case errors.As(err, &paramsErr):
		// API.md names 422 with violations but no code: invalid_request.
		p := httpapi.NewProblem(http.StatusUnprocessableEntity, httpapi.CodeInvalidRequest, "",
			"The parameters are out of bounds.")
		p.Violations = paramsErr.Violations
		httpapi.WriteError(w, r, p)
	case errors.Is(err, store.ErrInvalidCursor):
		httpapi.WriteError(w, r, invalidField("cursor", "invalid", "The cursor is invalid."))
	default:
		httpapi.WriteError(w, r, err) // problems, *validate.Error (400 or 422), else 500
	}
}

// invalidField is 400 invalid_request for one field.
func invalidField(field, code, message string) error {
	return httpapi.InvalidRequestViolations([]validate.Violation{{Field: field, Code: code, Message: message}})
}

// decodeEmpty accepts the body of a bodiless POST: nothing, or an empty JSON
// object ("Bodiless POSTs send {}"); unknown members are refused with 400.
func decodeEmpty(r *http.Request) error {
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxBodyBytes+1))
	if err != nil {
		return httpapi.InvalidRequest("The request body could not be read.")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	var empty struct{}
	return httpapi.DecodeJSON(r, &empty)
}

// validID reports whether a path id is shaped like a record id; others are
// answered like unknown ids without a read.
func validID(id string) bool {
	if len(id) < 3 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
