// Package stack is the local Gatepass stack behind `make run`: one process
// that plays CloudFront and API Gateway on a laptop. It serves web/ and turns
// every API request into the API Gateway HTTP API v2 event AWS would send,
// then calls the real handler of the function that owns the route (from the
// route table). Only the outer adapters differ from AWS: the embedded store
// instead of DynamoDB.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/infra/local/idp"
	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/alias"
	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/passkeyapp"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/breached"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/mail/outbox"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/policy"
	"github.com/gatepass/gatepass/shared/recovery"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/sso"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
)

// Config configures the local stack. Zero fields take the defaults of API.md
// "Local stack only".
type Config struct {
	Addr      string // listen address; default 127.0.0.1:8080
	DataDir   string // embedded database folder; default .data
	PublicURL string // default http://localhost:<port> on loopback, else http://<listen address>
	Tenant    string // default "local"
	WebDir    string // static web app; default web
	Admin     bootstrap.Admin
	Hasher    password.Hasher // default argon2id with the OWASP parameters
	Clock     clock.Clock     // default the system clock
	Logger    *slog.Logger    // default JSON to stderr
	Pacer     recovery.Pacer  // duration of reset requests; default recovery.DefaultFloor
	// BreachedURL is the base URL of the breached-password range query;
	// default the stack's own LocalBreachedPath.
	BreachedURL string
	// DemoSSOUser creates, when missing, the SSO account the local
	// identity provider's form signs in as by default (make run sets it).
	DemoSSOUser bool
	// DevClock puts an offset on the stack's clock that POST /_dev/clock
	// moves forward (DevClockPath; GATEPASS_DEV_CLOCK=1): the browser tests
	// age an authentication past the step-up window in an instant. Off, the
	// path does not exist.
	DevClock bool
}

// The local single sign-on: the issuer standing in for Cognito lives under
// /_dev/oidc, with one seeded identity provider and its default identity.
const (
	LocalIssuerPath   = "/_dev/oidc"
	LocalProviderID   = "LocalIdP"
	LocalProviderName = "Local test IdP"
	DemoSSOUsername   = "jordan"
	DemoSSOEmail      = "jordan@example.test"
)

// FromEnv reads the configuration from the environment of API.md.
func FromEnv() Config {
	return Config{
		Addr:      os.Getenv("GATEPASS_ADDR"),
		DataDir:   os.Getenv("GATEPASS_DATA_DIR"),
		PublicURL: os.Getenv("GATEPASS_PUBLIC_URL"),
		Tenant:    os.Getenv("GATEPASS_TENANT"),
		WebDir:    os.Getenv("GATEPASS_WEB_DIR"),

		BreachedURL: os.Getenv("GATEPASS_BREACHED_PASSWORDS_URL"),
		Admin: bootstrap.Admin{
			Username: os.Getenv("GATEPASS_BOOTSTRAP_ADMIN_USERNAME"),
			Password: os.Getenv("GATEPASS_BOOTSTRAP_ADMIN_PASSWORD"),
			Email:    os.Getenv("GATEPASS_BOOTSTRAP_ADMIN_EMAIL"),
			// The initial admin alias, set at the first start only (API.md
			// "Admin alias"; CDK context adminAlias in AWS).
			Alias: os.Getenv("GATEPASS_ADMIN_ALIAS"),
		},
		DemoSSOUser: true,
		DevClock:    os.Getenv("GATEPASS_DEV_CLOCK") == "1",
	}
}

// Stack is a running local stack.
type Stack struct {
	// URL is where the stack answers.
	URL string
	// Bootstrap tells whether this start created the first admin.
	Bootstrap bootstrap.Result
	// AdminUsername is the bootstrap admin's username.
	AdminUsername string
	// DatabasePath is the embedded database file.
	DatabasePath string
	// DevClock tells whether the clock can be moved at DevClockPath.
	DevClock bool

	server *http.Server
	store  *embedded.Store
	done   chan error
	stop   context.CancelFunc
}

// Start opens the database, bootstraps the first admin when the tenant is
// new, and starts serving. It returns once the listener is bound.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	cfg = withDefaults(cfg)
	var devClk *devClock
	if cfg.DevClock {
		devClk = newDevClock(cfg.Clock)
		cfg.Clock = devClk
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("local stack: data dir: %w", err)
	}
	dbPath := filepath.Join(cfg.DataDir, "gatepass.db")
	st, err := embedded.Open(dbPath, cfg.Clock)
	if err != nil {
		return nil, fmt.Errorf("local stack: %w", err)
	}
	box, err := outbox.Open(cfg.DataDir, cfg.Clock)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("local stack: %w", err)
	}
	secrets, err := openSecrets(cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("local stack: listen: %w", err)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = defaultPublicURL(ln.Addr())
	}
	checker := policy.NewChecker()
	deps := app.Deps{Tenant: cfg.Tenant, PublicURL: cfg.PublicURL, Store: st, Clock: cfg.Clock,
		Hasher: cfg.Hasher, Logger: cfg.Logger, Mailer: box, Pacer: cfg.Pacer, Secrets: secrets,
		Policy: checker, AliasEdge: true, // the gateway plays the edge
		Passkeys: passkeyapp.New}
	fail := func(err error) (*Stack, error) {
		ln.Close()
		st.Close()
		return nil, err
	}
	// The gateway plays CloudFront with the origin secret too: a fresh one
	// per start, known to this process only.
	originSecret := origin.NewSecret()
	if deps.Origin, err = origin.NewVerifier(ctx, origin.Config{Source: origin.Static{Current: originSecret},
		Clock: cfg.Clock, Logger: cfg.Logger, Tenant: cfg.Tenant}); err != nil {
		return fail(fmt.Errorf("local stack: %w", err))
	}
	if deps.Breached, err = breachedClient(cfg, ln.Addr().String()); err != nil {
		return fail(err)
	}
	issuer, err := localIssuer(cfg)
	if err != nil {
		return fail(err)
	}
	deps.SSO = app.SSODeps{Directory: issuer, Broker: sso.NewOIDCBroker(sso.OIDCBrokerConfig{
		Issuer: issuer.URL(), ClientID: localClientID, ClientSecret: localClientSecret, Clock: cfg.Clock})}
	inviter, err := app.Recovery(deps)
	if err != nil {
		return fail(err)
	}
	res, err := bootstrap.FirstAdmin(ctx, st, cfg.Hasher, cfg.Clock, inviter, cfg.Admin)
	if errors.Is(err, accounts.ErrInvalidCharacters) {
		return fail(fmt.Errorf("local stack: GATEPASS_BOOTSTRAP_ADMIN_USERNAME is not a valid username "+
			"(no spaces, no invisible or control characters, letters of one script): %w", err))
	}
	if err != nil {
		return fail(err)
	}
	if cfg.DemoSSOUser {
		if err := seedDemoSSOUser(ctx, st, cfg.Clock); err != nil {
			return fail(err)
		}
	}
	dev := http.NewServeMux()
	dev.Handle(LocalIssuerPath+"/", issuer)
	dev.Handle(LocalBreachedPath+"/", lazyRange(checker))
	if devClk != nil {
		dev.Handle(DevClockPath, devClk)
	}
	dev.Handle("/", box.Handler())
	gw, err := newGateway(deps, originSecret, cfg.WebDir, dev)
	if err != nil {
		return fail(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	s := &Stack{
		URL: cfg.PublicURL, Bootstrap: res, AdminUsername: cfg.Admin.Username, DatabasePath: dbPath, DevClock: cfg.DevClock,
		server: &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second,
			ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)},
		store: st, done: make(chan error, 1), stop: stop,
	}
	go s.sweep(runCtx, cfg.Logger)
	go func() { s.done <- s.server.Serve(ln) }()
	return s, nil
}

// LocalBreachedPath serves the breached-password range query locally, from
// the common-password list, so that passwordPolicy.blockBreached can be
// tried offline: GET /_dev/breached/range/<first 5 hex of the SHA-1>.
const LocalBreachedPath = "/_dev/breached/range"

// breachedClient is the breached-password client of the local functions:
// the range endpoint of GATEPASS_BREACHED_PASSWORDS_URL, else the stack's
// own, reached on the listen address so that it works whatever the public
// URL says.
func breachedClient(cfg Config, listen string) (*breached.Client, error) {
	base := cfg.BreachedURL
	if base == "" {
		base = "http://" + listen + LocalBreachedPath + "/"
	}
	c, err := breached.New(breached.Config{BaseURL: base, Clock: cfg.Clock, Logger: cfg.Logger, Tenant: cfg.Tenant})
	if err != nil {
		return nil, fmt.Errorf("local stack: breached passwords: %w", err)
	}
	return c, nil
}

// lazyRange serves the local range query, building its index (about 40 ms)
// at the first request rather than at every start.
func lazyRange(checker *policy.Checker) http.Handler {
	build := sync.OnceValue(func() http.Handler { return breached.RangeHandler(checker.CommonPasswords()) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { build().ServeHTTP(w, r) })
}

// The local app client of the local issuer. Its secret protects nothing a
// laptop user could not read anyway; it exists so that the token request is
// authenticated exactly as Cognito's is.
const (
	localClientID     = "gatepass-local"
	localClientSecret = "local-client-secret-not-for-production"
)

// localIssuer is the OIDC issuer standing in for the Cognito user pool:
// same-origin under /_dev/oidc, one seeded provider whose sign-in form
// defaults to the demo SSO user.
func localIssuer(cfg Config) (*idp.Issuer, error) {
	base := strings.TrimSuffix(cfg.PublicURL, "/")
	iss, err := idp.New(idp.Config{
		Issuer: base + LocalIssuerPath, ClientID: localClientID, ClientSecret: localClientSecret,
		RedirectURIs: []string{base + sso.CallbackPath}, DataDir: cfg.DataDir, Clock: cfg.Clock,
		Seed: []idp.SeedProvider{{
			Provider: sso.Provider{ID: LocalProviderID, Type: sso.TypeOIDC,
				OIDC: &sso.OIDCSettings{Issuer: base + LocalIssuerPath + "/upstream", ClientID: "local-upstream",
					ClientSecret: "local-upstream-secret", Scopes: []string{"openid", "email", "profile"}},
				Attributes: map[string]string{"email": "email", "name": "name", "groups": "groups"}},
			Identity: idp.TestIdentity{Email: DemoSSOEmail, Name: "Jordan Example", Subject: "jordan",
				Groups: []string{"store-leads"}},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("local stack: oidc issuer: %w", err)
	}
	return iss, nil
}

// seedDemoSSOUser creates the demo SSO account (network supervisor) and
// names the local provider on the sign-in page, in one commit, at the first
// start; once the account exists (or its username or email is taken) it
// does nothing, so an admin's later changes stay.
func seedDemoSSOUser(ctx context.Context, st store.Store, clk clock.Clock) error {
	now := clk.Now()
	a := store.Account{ID: ids.New("u"), Username: DemoSSOUsername, UsernameKey: accounts.CanonicalUsername(DemoSSOUsername),
		DisplayName: "Jordan Example", Email: DemoSSOEmail, EmailKey: accounts.CanonicalEmail(DemoSSOEmail),
		EmailVerified: true, Roles: []string{accounts.RoleSupervisor}, NetworkAccess: true, Locale: "en",
		Status: store.StatusActive, SSO: true, CreatedAt: now, UpdatedAt: now}
	snap, err := st.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return fmt.Errorf("local stack: parameters: %w", err)
	}
	ops := []store.Op{store.CreateAccount{Account: a}}
	if p := snap.Parameters; p.SSO.ProviderName(LocalProviderID) == LocalProviderID {
		p.SSO.Providers = append(p.SSO.Providers, params.SSOProvider{ID: LocalProviderID, Name: LocalProviderName})
		ops = append(ops, store.PutParameters{Parameters: p, Version: snap.ParametersVersion})
	}
	if err := st.Commit(ctx, ops...); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("local stack: demo SSO user: %w", err)
	}
	return nil
}

// openSecrets loads the key that seals TOTP secrets from the data dir,
// creating it (mode 0600) on first start. In AWS the key comes from Secrets
// Manager instead.
func openSecrets(dataDir string) (*secretbox.Box, error) {
	key, err := secretbox.LoadOrCreateKeyFile(filepath.Join(dataDir, "secrets.key"))
	if err != nil {
		return nil, fmt.Errorf("local stack: %w", err)
	}
	return secretbox.New(key)
}

// defaultPublicURL is the URL the stack is reached at when none is set. On
// loopback it names localhost, not the IP: WebAuthn refuses IP origins, and
// passkeys work on http://localhost as on any https origin. The stack still
// binds the loopback address only. (An IPv6 loopback listener keeps its
// address: localhost resolves to 127.0.0.1 first on many machines.)
func defaultPublicURL(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() && tcp.IP.To4() != nil {
		return "http://localhost:" + strconv.Itoa(tcp.Port)
	}
	return "http://" + addr.String()
}

func withDefaults(cfg Config) Config {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = ".data"
	}
	if cfg.Tenant == "" {
		cfg.Tenant = "local"
	}
	if cfg.WebDir == "" {
		cfg.WebDir = "web"
	}
	if cfg.Admin.Username == "" {
		cfg.Admin.Username = "admin"
	}
	if cfg.Hasher == nil {
		cfg.Hasher = password.NewArgon2id(password.OWASP())
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return cfg
}

// sweep removes expired sessions and counters now and then (clean-up only:
// every read checks expiry itself).
func (s *Stack) sweep(ctx context.Context, logger *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.store.Sweep(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("sweep failed", slog.Any("error", err))
			}
		}
	}
}

// Shutdown stops accepting requests, waits for those in flight, and closes
// the database, so nothing committed is lost.
func (s *Stack) Shutdown(ctx context.Context) error {
	s.stop()
	err := s.server.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// gateway routes API requests to their function through the v2 event
// adapter and serves everything else from the web folder.
type gateway struct {
	api    *http.ServeMux
	static http.Handler
	dev    http.Handler
	clock  clock.Clock
	// store is read for the admin alias on every request, as CloudFront
	// reads its KeyValueStore: a change applies to the next request.
	store alias.Loader
	// originSecret is what the gateway sends as origin.Header, as
	// CloudFront sends the deployment's secret.
	originSecret string
}

func newGateway(d app.Deps, originSecret, webDir string, dev http.Handler) (*gateway, error) {
	g := &gateway{api: http.NewServeMux(), clock: d.Clock, static: staticFiles(webDir), dev: dev, store: d.Store,
		originSecret: originSecret}
	builders := app.Builders()
	for _, f := range routes.Table() {
		if !f.HTTP() {
			// The authorizer guards other Backoffice APIs, not these
			// routes; the bootstrap custom resource runs at deployment,
			// which Start plays by calling bootstrap.FirstAdmin itself.
			continue
		}
		build, ok := builders[f.Name]
		if !ok {
			return nil, fmt.Errorf("local stack: no builder for function %s", f.Name)
		}
		h, err := app.Handler(f.Name, build, d)
		if err != nil {
			return nil, err
		}
		invoke := apigw.Handler(h) // exactly what lambda.Start receives in AWS
		for _, key := range f.Routes {
			g.api.Handle(key, g.viaEvent(invoke))
		}
	}
	g.api.HandleFunc("/api/", unknownAPIPath)
	return g, nil
}

// unknownAPIPath answers an API path no function owns, as API Gateway does.
func unknownAPIPath(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteError(w, r, httpapi.NotFound())
}

// ServeHTTP plays CloudFront: /_dev/ (local only, whatever the alias), the
// admin alias — only paths under /<alias>/ exist, stripped of it and marked
// with alias.Header for the functions' own check — then /api/ to the
// functions, with the origin secret and the TCP peer as
// CloudFront-Viewer-Address in place of whatever the client sent of either
// (origin.SetEdgeHeaders), and everything else to the web app.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_dev/mail" || strings.HasPrefix(r.URL.Path, "/_dev/") {
		g.dev.ServeHTTP(w, r) // local stack only; never in a Lambda deployment
		return
	}
	snap, err := g.store.Load(r.Context(), store.Query{Parameters: true})
	if err != nil {
		httpapi.WriteError(w, r, fmt.Errorf("local gateway: read parameters: %w", err))
		return
	}
	secret := snap.Parameters.AdminAlias
	path, err := alias.Strip(r.URL.Path, secret)
	r.Header.Del(alias.Header) // only the edge says which alias a request came in under
	switch {
	case err != nil:
		// Outside the alias, the API and the web app alike: the one 404
		// the edge function answers in AWS.
		alias.Hidden(w)
		return
	case secret != "" && r.URL.Path == "/"+secret:
		// The app's relative links need the trailing slash.
		http.Redirect(w, r, "/"+secret+"/", http.StatusPermanentRedirect)
		return
	}
	if secret != "" {
		r = r.Clone(r.Context())
		r.URL.Path, r.URL.RawPath = path, ""
		r.Header.Set(alias.Header, secret)
	}
	if isAPIPath(path) {
		origin.SetEdgeHeaders(r, g.originSecret)
		g.api.ServeHTTP(w, r)
		return
	}
	g.static.ServeHTTP(w, r)
}

func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// viaEvent plays API Gateway for one route: request → v2 event → the
// function's Lambda handler → v2 response → HTTP response.
func (g *gateway) viaEvent(invoke func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := apigw.NewEvent(r, r.Pattern, g.clock.Now())
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				httpapi.WriteError(w, r, httpapi.PayloadTooLarge())
				return
			}
			httpapi.WriteError(w, r, httpapi.InvalidRequest("The request could not be read."))
			return
		}
		resp, err := invoke(r.Context(), ev)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		if err := apigw.WriteResponse(w, resp); err != nil {
			httpapi.Logger(r.Context()).Warn("write response", slog.Any("error", err))
		}
	})
}

// staticFiles serves the web app with the headers CloudFront adds in AWS: a
// strict CSP without inline script, and no referrer.
func staticFiles(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// Host returns host:port of the stack's URL.
func (s *Stack) Host() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return u.Host
}

// AppURL is where the web app and the API answer now: URL, or URL/<alias>
// while the tenant's admin alias is set.
func (s *Stack) AppURL(ctx context.Context) (string, error) {
	snap, err := s.store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		return "", fmt.Errorf("local stack: read parameters: %w", err)
	}
	if a := snap.Parameters.AdminAlias; a != "" {
		return s.URL + "/" + a, nil
	}
	return s.URL, nil
}
