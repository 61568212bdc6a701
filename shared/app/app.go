// Package app wires Gatepass's capabilities into the handlers of its
// functions. The Lambda mains (through package lambdarun) and the local stack
// both build their handlers here, so that a route behaves the same on a
// laptop and in AWS: only the adapters in Deps differ.
package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Deps are the adapters and settings every function is built from.
type Deps struct {
	Tenant    string
	PublicURL string
	Store     store.Store
	Clock     clock.Clock
	Hasher    password.Hasher
	Logger    *slog.Logger
}

// Secure reports whether the public URL is https.
func (d Deps) Secure() bool {
	u, err := url.Parse(d.PublicURL)
	return err == nil && u.Scheme == "https"
}

// Builder makes the handlers of one function, keyed by route key.
type Builder func(Deps) map[string]http.Handler

// Builders returns the builder of every function of the route table.
func Builders() map[string]Builder {
	return map[string]Builder{
		"login": LoginHandlers,
	}
}

// LoginHandlers builds the login function.
func LoginHandlers(d Deps) map[string]http.Handler {
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	svc := login.NewService(d.Store, d.Hasher, d.Clock, m, d.Logger)
	return login.NewHandlers(svc, m, d.Store, d.Tenant).Routes()
}

// Mux returns the ServeMux of the named function: exactly its routes, and
// 404 not_found for anything else, as API Gateway answers unknown routes.
func Mux(name string, build Builder, d Deps) (*http.ServeMux, error) {
	f, ok := routes.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("app: no function %q in the route table", name)
	}
	return routes.Mux(f, build(d), notFound())
}

// Handler returns the named function's complete handler: its mux behind the
// middleware every API response goes through.
func Handler(name string, build Builder, d Deps) (http.Handler, error) {
	mux, err := Mux(name, build, d)
	if err != nil {
		return nil, err
	}
	return httpapi.Chain(mux, httpapi.Config{PublicURL: d.PublicURL, Logger: d.Logger})
}

func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, httpapi.NotFound())
	})
}
