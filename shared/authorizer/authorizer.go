// Package authorizer is the API Gateway HTTP API Lambda authorizer that other
// Backoffice APIs attach to trust a Gatepass session (DESIGN.md, function
// "authorizer"; README "Trusting a Gatepass session from another Backoffice
// API"). It speaks payload format 2.0 with simple responses.
//
// A request is authorized only when its Gatepass session cookie names a
// live, unrestricted session whose account may still use it and which has a
// current view: Gatepass's promise is "I see my view", and a session without
// one has not chosen what to look at yet. The check is the one Gatepass's own
// routes make (sessions.Manager.AuthenticateToken): one store read, at most
// one touch write per minute, nothing cached, so a revocation, a
// deactivation or a role change applies to the next request.
package authorizer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Keys of the context an authorized request carries. A Lambda integration
// reads them under event.requestContext.authorizer.lambda, parameter mapping
// as $context.authorizer.<key>.
const (
	KeyUserID        = "userId"        // the account id
	KeyUsername      = "username"      // as chosen at creation
	KeyRoles         = "roles"         // comma-separated role names
	KeyViewType      = "viewType"      // "network" or "facility"
	KeyFacilityID    = "facilityId"    // the facility of a facility view; "" for network
	KeySessionID     = "sessionId"     // the session's public id, as in the session list
	KeyNetworkAccess = "networkAccess" // bool: the account may view the whole network
)

// Reasons of the decisions, as logged.
const (
	ReasonAllowed     = "allowed"
	ReasonNoCookie    = "no_cookie"     // no session cookie in the event
	ReasonMalformed   = "malformed"     // a cookie not shaped like a session token
	ReasonNoSession   = "no_session"    // unknown, expired, idle, revoked, or its account may not use it
	ReasonRestricted  = "restricted"    // a session that must change its password or enrol a second factor first
	ReasonNoView      = "no_view"       // a session that has not chosen a view, or lost it
	ReasonStoreFailed = "store_failure" // the check could not be made; the request fails (500)
)

// Authorizer decides whether an API Gateway request carries a usable
// Gatepass session.
type Authorizer struct {
	sessions *sessions.Manager
	logger   *slog.Logger
}

// New returns an authorizer that checks sessions with m and logs one line
// per decision to logger.
func New(m *sessions.Manager, logger *slog.Logger) *Authorizer {
	return &Authorizer{sessions: m, logger: logger}
}

// Authorize is the Lambda handler: API Gateway calls it with the request's
// authorizer event and lets the request through when IsAuthorized is true,
// handing Context to the integration. A denied request gets no context (API
// Gateway answers 403). An error means the session could not be checked —
// the store failed — and API Gateway answers 500: it fails closed.
func (a *Authorizer) Authorize(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	value, ok := sessionCookie(ev, a.sessions.CookieName())
	if !ok {
		return a.deny(ctx, ev, ReasonNoCookie, nil)
	}
	t, ok := sessions.ParseToken(value)
	if !ok {
		return a.deny(ctx, ev, ReasonMalformed, nil)
	}
	cur, err := a.sessions.AuthenticateToken(ctx, t)
	switch {
	case errors.Is(err, sessions.ErrUnauthenticated):
		return a.deny(ctx, ev, ReasonNoSession, nil)
	case err != nil:
		a.logger.LogAttrs(ctx, slog.LevelError, "authorizer decision", append(requestAttrs(ev),
			slog.String("decision", "error"), slog.String("reason", ReasonStoreFailed), slog.Any("error", err))...)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, fmt.Errorf("authorizer: %w", err)
	}
	if cur.Session.Restriction != store.RestrictionNone {
		return a.deny(ctx, ev, ReasonRestricted, &cur, slog.String("restriction", cur.Session.Restriction))
	}
	if cur.View.Type == "" {
		return a.deny(ctx, ev, ReasonNoView, &cur)
	}
	a.log(ctx, ev, "allow", ReasonAllowed, &cur, slog.String("viewType", cur.View.Type))
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true,
		Context: map[string]any{
			KeyUserID:        cur.Account.ID,
			KeyUsername:      cur.Account.Username,
			KeyRoles:         strings.Join(cur.Account.Roles, ","),
			KeyViewType:      cur.View.Type,
			KeyFacilityID:    cur.View.FacilityID,
			KeySessionID:     cur.Session.ID,
			KeyNetworkAccess: cur.Account.NetworkAccess,
		},
	}, nil
}

// deny logs a denial and returns it, without context.
func (a *Authorizer) deny(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request, reason string, cur *sessions.Current, extra ...slog.Attr) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	a.log(ctx, ev, "deny", reason, cur, extra...)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
}

// log writes the decision's one line: the decision, its reason, the API
// Gateway request, and the user and session when they are known — never the
// cookie or any part of it.
func (a *Authorizer) log(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request, decision, reason string, cur *sessions.Current, extra ...slog.Attr) {
	attrs := append(requestAttrs(ev), slog.String("decision", decision), slog.String("reason", reason))
	if cur != nil {
		attrs = append(attrs, slog.String("userId", cur.Account.ID), slog.String("sessionId", cur.Session.ID))
	}
	a.logger.LogAttrs(ctx, slog.LevelInfo, "authorizer decision", append(attrs, extra...)...)
}

// requestAttrs identify the API Gateway request a decision is about.
func requestAttrs(ev events.APIGatewayV2CustomAuthorizerV2Request) []slog.Attr {
	return []slog.Attr{
		slog.String("requestId", ev.RequestContext.RequestID),
		slog.String("routeKey", ev.RouteKey),
	}
}

// sessionCookie returns the value of the cookie called name: from the
// event's cookies array, where API Gateway puts the request's cookies, or
// else from a cookie header. Cookies are parsed by net/http, as Gatepass's
// own routes parse them (apigw.NewRequest joins the same array into one
// Cookie header), and the first one of that name counts, as there.
func sessionCookie(ev events.APIGatewayV2CustomAuthorizerV2Request, name string) (string, bool) {
	if v, ok := cookieNamed(ev.Cookies, name); ok {
		return v, true
	}
	var lines []string // API Gateway lower-cases names; sorted for hand-made events
	for _, k := range slices.Sorted(maps.Keys(ev.Headers)) {
		if strings.EqualFold(k, "cookie") {
			lines = append(lines, ev.Headers[k])
		}
	}
	return cookieNamed(lines, name)
}

// cookieNamed finds the first cookie called name in Cookie header lines
// (each one or more "name=value" pairs separated by ";").
func cookieNamed(lines []string, name string) (string, bool) {
	if len(lines) == 0 {
		return "", false
	}
	r := http.Request{Header: http.Header{"Cookie": {strings.Join(lines, "; ")}}}
	c, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	return c.Value, true
}
