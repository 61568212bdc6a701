// Package routes is the one route table of Gatepass: every Lambda function
// and the API routes it owns. The Lambda mains, the local gateway, the CDK
// stack and the OpenAPI drift test all read it, so a route exists in exactly
// one place.
package routes

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Kind is how API Gateway invokes a function.
type Kind string

// Function kinds.
const (
	// KindHTTP is a function behind HTTP API routes: it receives payload
	// format 2.0 request events for exactly the routes of its row and
	// answers HTTP responses. The zero Kind.
	KindHTTP Kind = ""
	// KindAuthorizer is an HTTP API Lambda authorizer (payload format 2.0,
	// simple responses) that other Backoffice APIs attach to their routes.
	// It owns no routes and serves no HTTP.
	KindAuthorizer Kind = "authorizer"
	// KindCustomResource is a CloudFormation custom-resource handler,
	// invoked by the stack at deployment (create, update, delete). It owns
	// no routes and serves no HTTP.
	KindCustomResource Kind = "custom-resource"
)

// Function is one Lambda function and the routes it serves.
type Function struct {
	// Name is the function's directory under functions/ and its binary
	// name under bin/.
	Name string
	// Kind is how API Gateway invokes the function; KindHTTP ("") unless
	// set.
	Kind Kind
	// Routes are API Gateway route keys ("METHOD /path/{param}"), which are
	// also net/http ServeMux patterns. Only HTTP functions have routes.
	Routes []string
	// Hashes marks functions that run argon2id: they get more memory and
	// reserved concurrency in AWS.
	Hashes bool
}

// HTTP reports whether the function serves HTTP API routes (KindHTTP): only
// those have handlers built from app.Builders, a place in a ServeMux and
// routes in the OpenAPI document.
func (f Function) HTTP() bool { return f.Kind == KindHTTP }

// Table returns every function with its routes. Each call returns a fresh
// copy; nothing here is mutable shared state.
func Table() []Function {
	return []Function{
		{
			Name:   "login",
			Hashes: true,
			Routes: []string{
				"GET /api/auth/config",
				"POST /api/auth/login",
				"POST /api/auth/login/mfa",
				"POST /api/auth/logout",
				"GET /api/auth/session",
				"GET /api/auth/sessions",
				"DELETE /api/auth/sessions",
				"DELETE /api/auth/sessions/{id}",
				"POST /api/auth/reauth",
				"POST /api/auth/login/passkey/begin",
				"POST /api/auth/login/passkey/finish",
				"POST /api/auth/reauth/passkey/begin",
				// Passkey management lives here with every other WebAuthn
				// ceremony: only this function links go-webauthn (≈2 MB).
				"POST /api/auth/passkeys/register/begin",
				"POST /api/auth/passkeys/register/finish",
				"PATCH /api/auth/passkeys/{id}",
				"DELETE /api/auth/passkeys/{id}",
				"GET /api/auth/devices",
				"DELETE /api/auth/devices",
				"DELETE /api/auth/devices/{id}",
			},
		},
		{
			Name:   "reset-request",
			Routes: []string{"POST /api/auth/password/reset"},
		},
		{
			Name:   "reset-confirm",
			Hashes: true,
			Routes: []string{
				"POST /api/auth/password/reset/verify",
				"POST /api/auth/password/reset/confirm",
				"POST /api/auth/invitation/verify",
				"POST /api/auth/invitation/accept",
			},
		},
		{
			Name:   "password",
			Hashes: true,
			Routes: []string{"POST /api/auth/password/change"},
		},
		{
			Name:   "mfa",
			Hashes: true,
			Routes: []string{
				"GET /api/auth/mfa",
				"POST /api/auth/mfa/totp/enrol",
				"POST /api/auth/mfa/totp/activate",
				"DELETE /api/auth/mfa/totp",
				"POST /api/auth/mfa/recovery-codes",
			},
		},
		{
			Name: "views",
			Routes: []string{
				"GET /api/auth/views",
				"POST /api/auth/views/select",
			},
		},
		{
			Name: "sso",
			Routes: []string{
				"GET /api/auth/sso/{providerId}/start",
				"GET /api/auth/sso/callback",
			},
		},
		{
			Name:   "admin",
			Hashes: true, // temporary passwords
			Routes: []string{
				"GET /api/admin/users",
				"POST /api/admin/users",
				"GET /api/admin/users/{id}",
				"PATCH /api/admin/users/{id}",
				"DELETE /api/admin/users/{id}",
				"POST /api/admin/users/{id}/deactivate",
				"POST /api/admin/users/{id}/activate",
				"POST /api/admin/users/{id}/unlock",
				"POST /api/admin/users/{id}/mfa/reset",
				"POST /api/admin/users/{id}/invitation",
				"POST /api/admin/users/{id}/sessions/revoke",
				"POST /api/admin/users/{id}/password",
				"GET /api/admin/facilities",
				"POST /api/admin/facilities",
				"PATCH /api/admin/facilities/{id}",
				"DELETE /api/admin/facilities/{id}",
				"GET /api/admin/parameters",
				"PUT /api/admin/parameters",
				"GET /api/admin/audit",
				"GET /api/admin/help-requests",
				"DELETE /api/admin/help-requests/{id}",
				"GET /api/admin/sso/providers",
				"PUT /api/admin/sso/providers/{id}",
				"DELETE /api/admin/sso/providers/{id}",
			},
		},
		{
			// Attached by other Backoffice APIs to trust a Gatepass
			// session (README "Trusting a Gatepass session from another
			// Backoffice API"); not behind any Gatepass route.
			Name: "authorizer",
			Kind: KindAuthorizer,
		},
		{
			// The tenant stack's custom resource that creates the first
			// super_admin, once, and mails the invitation.
			Name: "bootstrap",
			Kind: KindCustomResource,
		},
	}
}

// Lookup returns the function called name.
func Lookup(name string) (Function, bool) {
	for _, f := range Table() {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Mux builds the ServeMux of one function from its handlers, keyed by route
// key. It refuses a handler for a route outside the function's row and a row
// route without a handler, so a function can serve exactly its row. Requests
// for any other route get the notFound handler. Only HTTP functions have a
// mux.
func Mux(f Function, handlers map[string]http.Handler, notFound http.Handler) (*http.ServeMux, error) {
	if !f.HTTP() {
		return nil, fmt.Errorf("routes: function %s is a %s function, not an HTTP one", f.Name, f.Kind)
	}
	mux := http.NewServeMux()
	for key := range handlers {
		if !slices.Contains(f.Routes, key) {
			return nil, fmt.Errorf("routes: function %s has a handler for %q outside its row", f.Name, key)
		}
	}
	for _, key := range f.Routes {
		h, ok := handlers[key]
		if !ok {
			return nil, fmt.Errorf("routes: function %s lacks a handler for %q", f.Name, key)
		}
		mux.Handle(key, h)
	}
	mux.Handle("/", notFound)
	return mux, nil
}

// Method and path of a route key.
func Split(key string) (method, path string) {
	method, path, _ = strings.Cut(key, " ")
	return method, path
}
