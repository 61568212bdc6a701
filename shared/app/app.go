// Package app wires Gatepass's capabilities into the handlers of its
// functions. The Lambda mains (through package lambdarun) and the local stack
// both build their handlers here, so that a route behaves the same on a
// laptop and in AWS: only the adapters in Deps differ.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatepass/gatepass/shared/admin"
	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/devices"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/notify"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/passwordchange"
	"github.com/gatepass/gatepass/shared/policy"
	"github.com/gatepass/gatepass/shared/reauth"
	"github.com/gatepass/gatepass/shared/recovery"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/views"
)

// Deps are the adapters and settings every function is built from.
type Deps struct {
	Tenant    string
	PublicURL string
	Store     store.Store
	Clock     clock.Clock
	Hasher    password.Hasher
	Logger    *slog.Logger
	// Mailer sends mail (SES in AWS, the outbox locally). Required by the
	// functions that mail.
	Mailer mail.Sender
	// Pacer sets the duration of reset requests; nil means
	// recovery.Floor{D: recovery.DefaultFloor}.
	Pacer recovery.Pacer
	// Secrets seals and opens TOTP secrets (key from Secrets Manager in
	// AWS, a key file in the data dir locally). Required by the functions
	// that check or set a second factor.
	Secrets *secretbox.Box
	// Policy checks new passwords; nil means each function builds its own
	// (a Lambda builds one function; the local stack shares one checker).
	Policy *policy.Checker
	// Breached answers the breached-password query of the tenants that turn
	// passwordPolicy.blockBreached on (package breached); nil never finds a
	// password breached.
	Breached credential.BreachChecker
	// AliasEdge tells that the edge in front of the functions enforces the
	// admin alias (package alias): the local gateway, which reads the
	// parameters on every request, and in AWS the CloudFront Function,
	// which reads what AliasPublisher writes. Only the admin function reads
	// it: without it (and without a publisher) setting an alias is refused
	// rather than locking everyone out. Every function checks the edge's
	// alias.Header whatever it says (Handler's gate).
	AliasEdge bool
	// AliasPublisher tells the edge every change of the alias, before it
	// is committed (admin.Config.AliasPublisher), and the alias the
	// parameters hold after every bootstrap (the initial alias of a first
	// deploy): in AWS the CloudFront KeyValueStore (lambdarun/aliaskvs), in
	// the admin and bootstrap functions only; nil locally, where the gateway
	// reads the parameters itself.
	AliasPublisher admin.AliasPublisher
	// SSO is the federation broker; zero for none.
	SSO SSODeps
	// Passkeys builds WebAuthn for the function that offers passkeys
	// (login: passkeyapp.New); nil in the others, whose binaries do not
	// link it.
	// Its error turns passkeys off (a public URL that is an IP address).
	Passkeys func(Deps) (Passkeys, error)
	// Origin checks that a request came through CloudFront (or the local
	// gateway playing it) and gives it the viewer's address (package
	// origin). Required by every HTTP function: Handler refuses to build
	// one without it rather than serve unverified.
	Origin *origin.Verifier
}

// SSODeps connect the functions to the federation broker (the Cognito user
// pool in AWS, the local issuer in the local stack). The zero value means no
// SSO: the sign-in page offers none and the sso routes know no provider.
type SSODeps struct {
	// Directory lists and manages the identity providers.
	Directory sso.Directory
	// Broker runs the code flow; required with a Directory by the sso
	// function.
	Broker sso.Broker
}

// Secure reports whether the public URL is https.
func (d Deps) Secure() bool {
	u, err := url.Parse(d.PublicURL)
	return err == nil && u.Scheme == "https"
}

// Builder makes the handlers of one function, keyed by route key.
type Builder func(Deps) (map[string]http.Handler, error)

// Builders returns the builder of every function of the route table.
func Builders() map[string]Builder {
	return map[string]Builder{
		"login":         LoginHandlers,
		"reset-request": ResetRequestHandlers,
		"reset-confirm": ResetConfirmHandlers,
		"password":      PasswordHandlers,
		"mfa":           MFAHandlers,
		"views":         ViewsHandlers,
		"sso":           SSOHandlers,
		"admin":         AdminHandlers,
	}
}

// LoginHandlers builds the login function: password and passkey sign-in,
// the second step, sessions, remembered devices, step-up and passkey
// management.
func LoginHandlers(d Deps) (map[string]http.Handler, error) {
	if d.Secrets == nil {
		return nil, errors.New("app: the login function checks second factors and needs Secrets")
	}
	keys := d.passkeys(true)
	factors := secondFactors(d, keys)
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	svc := login.NewService(d.Store, d.Hasher, d.Clock, m, factors, d.Tenant, d.Logger)
	catalog := sso.NewCatalog(d.SSO.Directory, d.Clock)
	cookie := devices.NewCookie(d.Secure())
	out := login.NewHandlers(svc, m, cookie, d.Store, d.Tenant).WithSSO(catalog, d.Logger).Routes()
	maps.Copy(out, devices.NewHandlers(d.Store, m, cookie, d.Clock).Routes())
	verifier := mfa.NewVerifier(d.Store, d.Hasher, factors)
	var challenges reauth.PasskeyChallenges
	if keys != nil {
		n, err := notifier(d)
		if err != nil {
			return nil, err
		}
		var routes map[string]http.Handler
		routes, challenges = keys.SignIn(m)
		maps.Copy(out, routes)
		maps.Copy(out, keys.Manage(m, verifier, n))
	} else {
		maps.Copy(out, passkeysOff("login"))
	}
	step := reauth.NewService(d.Store, verifier, challenges, m, d.Clock, d.Logger)
	maps.Copy(out, reauth.NewHandlers(step, m).Routes())
	return out, nil
}

// Passkeys is WebAuthn for the function that offers it (login). It is built
// by package app/passkeyapp, which only that function links —
// go-webauthn and its attestation formats add about 2 MB to every binary
// that imports them — through Deps.Passkeys.
type Passkeys interface {
	// Factor is the passkey as a second factor.
	Factor() mfa.Factor
	// SignIn builds the login function's passkey routes (passwordless
	// sign-in, the step-up challenge) and the step-up's challenge reader.
	SignIn(m *sessions.Manager) (map[string]http.Handler, reauth.PasskeyChallenges)
	// Manage builds the passkey management routes: registration,
	// rename, removal.
	Manage(m *sessions.Manager, v mfa.Verifier, n *notify.Notifier) map[string]http.Handler
}

// passkeys builds the deployment's passkeys: nil without Deps.Passkeys or
// when the public URL is an IP address (WebAuthn needs a domain) — their
// routes then say so, and with announce the log does too.
func (d Deps) passkeys(announce bool) Passkeys {
	if d.Passkeys == nil {
		return nil
	}
	p, err := d.Passkeys(d)
	if err != nil {
		if announce && d.Logger != nil {
			d.Logger.Warn("passkeys are off", slog.String("reason", err.Error()))
		}
		return nil
	}
	return p
}

// secondFactors are the second factors a sign-in and a step-up accept, in
// API.md's order of methods. A new factor is added here.
func secondFactors(d Deps, keys Passkeys) mfa.Factors {
	fs := mfa.Factors{mfa.TOTP{Box: d.Secrets}}
	if keys != nil {
		fs = append(fs, keys.Factor())
	}
	return append(fs, mfa.RecoveryCodes{})
}

// passkeysOff answers the passkey routes of function when passkeys are off.
func passkeysOff(function string) map[string]http.Handler {
	off := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, httpapi.Conflict("Passkeys need the Backoffice to be reached by a domain name, not an IP address."))
	})
	out := map[string]http.Handler{}
	f, _ := routes.Lookup(function)
	for _, r := range f.Routes {
		if strings.Contains(r, "/passkey") {
			out[r] = off
		}
	}
	return out
}

// SSOHandlers builds the sso function.
func SSOHandlers(d Deps) (map[string]http.Handler, error) {
	if d.SSO.Directory != nil && d.SSO.Broker == nil {
		return nil, errors.New("app: the sso function needs the broker with the directory")
	}
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	svc := sso.NewService(sso.Config{Store: d.Store, Clock: d.Clock, Sessions: m,
		Catalog: sso.NewCatalog(d.SSO.Directory, d.Clock), Broker: d.SSO.Broker, Logger: d.Logger,
		PublicURL: d.PublicURL})
	return sso.NewHandlers(svc, m, d.Secure(), d.Logger).Routes(), nil
}

// ResetRequestHandlers builds the reset-request function.
func ResetRequestHandlers(d Deps) (map[string]http.Handler, error) {
	svc, err := recoveryService(d, nil) // takes requests only: no password rules to load
	if err != nil {
		return nil, err
	}
	pacer := d.Pacer
	if pacer == nil {
		pacer = recovery.Floor{D: recovery.DefaultFloor}
	}
	return recovery.NewHandlers(svc, pacer).RequestRoutes(), nil
}

// ResetConfirmHandlers builds the reset-confirm function.
func ResetConfirmHandlers(d Deps) (map[string]http.Handler, error) {
	svc, err := Recovery(d)
	if err != nil {
		return nil, err
	}
	return recovery.NewHandlers(svc, nil).ConfirmRoutes(), nil
}

// PasswordHandlers builds the password function.
func PasswordHandlers(d Deps) (map[string]http.Handler, error) {
	n, err := notifier(d)
	if err != nil {
		return nil, err
	}
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	svc := passwordchange.NewService(d.Store, d.Hasher, setter(d), m, n, d.Clock, d.Logger)
	return passwordchange.NewHandlers(svc, m).Routes(), nil
}

// MFAHandlers builds the mfa function: second-factor status, TOTP and
// recovery codes. (Passkey management is the login function's, with every
// other WebAuthn ceremony.)
func MFAHandlers(d Deps) (map[string]http.Handler, error) {
	svc, err := MFA(d)
	if err != nil {
		return nil, err
	}
	return mfa.NewHandlers(svc, sessions.NewManager(d.Store, d.Clock, d.Secure())).Routes(), nil
}

// ViewsHandlers builds the views function.
func ViewsHandlers(d Deps) (map[string]http.Handler, error) {
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	return views.NewHandlers(views.NewService(d.Store, m, d.Clock, d.Logger), m).Routes(), nil
}

// AdminHandlers builds the admin function.
func AdminHandlers(d Deps) (map[string]http.Handler, error) {
	inviter, err := recoveryService(d, nil) // invites only: the admin sets passwords itself
	if err != nil {
		return nil, err
	}
	resetter, err := MFA(d)
	if err != nil {
		return nil, err
	}
	n, err := notifier(d)
	if err != nil {
		return nil, err
	}
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	svc := admin.NewService(admin.Config{Store: d.Store, Clock: d.Clock, Setter: setter(d), Inviter: inviter,
		MFA: resetter, Notifier: n, Logger: d.Logger, AliasEdge: d.AliasEdge, AliasPublisher: d.AliasPublisher})
	return admin.NewHandlers(svc, m).WithProviders(d.SSO.Directory).Routes(), nil
}

// MFA builds the two-factor service, which the admin capability also uses
// to reset a user's two-factor.
func MFA(d Deps) (*mfa.Service, error) {
	if d.Secrets == nil {
		return nil, errors.New("app: two-factor needs Secrets")
	}
	n, err := notifier(d)
	if err != nil {
		return nil, err
	}
	m := sessions.NewManager(d.Store, d.Clock, d.Secure())
	return mfa.NewService(d.Store, d.Hasher, d.Secrets, secondFactors(d, d.passkeys(false)), d.Clock, m, n, d.Tenant,
		d.Logger), nil
}

// Recovery builds the recovery service (reset and invitations), which the
// admin capability and the bootstrap also use to invite.
func Recovery(d Deps) (*recovery.Service, error) {
	return recoveryService(d, setter(d))
}

// recoveryService builds the recovery service; a nil setter makes one that
// only takes reset requests and sends invitations.
func recoveryService(d Deps, s *credential.Setter) (*recovery.Service, error) {
	n, err := notifier(d)
	if err != nil {
		return nil, err
	}
	return recovery.NewService(d.Store, s, n, d.Clock, recovery.Links{Base: d.PublicURL}, d.Logger), nil
}

// notifier builds the mailer side every mailing function needs.
func notifier(d Deps) (*notify.Notifier, error) {
	if d.Mailer == nil {
		return nil, errors.New("app: this function sends mail and needs a Mailer")
	}
	templates, err := mail.NewTemplates()
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return notify.New(d.Mailer, templates, d.Tenant, d.Clock, d.Logger), nil
}

// setter builds the password rule set, only in the functions that set
// passwords: its common-password list costs ~10 ms at cold start.
func setter(d Deps) *credential.Setter {
	checker := d.Policy
	if checker == nil {
		checker = policy.NewChecker()
	}
	return credential.NewSetter(d.Hasher, checker, d.Breached, d.Tenant)
}

// Mux returns the ServeMux of the named function: exactly its routes, and
// 404 not_found for anything else, as API Gateway answers unknown routes.
func Mux(name string, build Builder, d Deps) (*http.ServeMux, error) {
	f, ok := routes.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("app: no function %q in the route table", name)
	}
	handlers, err := build(d)
	if err != nil {
		return nil, fmt.Errorf("app: build %s: %w", name, err)
	}
	return routes.Mux(f, handlers, notFound())
}

// Handler returns the named function's complete handler: its mux behind the
// admin alias gate and the middleware every API response goes through, with
// the origin check (d.Origin) first in it — after the security headers and
// the request id, before the CSRF checks, the alias gate and the handler, so
// that a request that did not come through the edge reads nothing.
func Handler(name string, build Builder, d Deps) (http.Handler, error) {
	if d.Origin == nil {
		return nil, fmt.Errorf("app: %s: HTTP functions need the origin check (Deps.Origin)", name)
	}
	plain := d.Store
	d.Store = alias.Watch(d.Store) // a request's first read also decides its alias
	mux, err := Mux(name, build, d)
	if err != nil {
		return nil, err
	}
	return httpapi.Chain(alias.Gate(mux, plain, notFound()),
		httpapi.Config{PublicURL: d.PublicURL, Logger: d.Logger, Admit: d.Origin.Admit, Tenant: d.Tenant})
}

func notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, httpapi.NotFound())
	})
}
