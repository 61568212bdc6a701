// Package apptest runs every Gatepass function in one test environment:
// handlers built by package app exactly as in Lambda, routed by the route
// table, over a store of the test's choice, a fake clock, a cheap hasher and a
// mailbox that records what would be sent. Requests reach the functions the
// way they do through CloudFront: with the environment's origin secret and
// the caller's address as CloudFront-Viewer-Address (Env.ViaEdge), checked
// by the functions' real origin check.
package apptest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/passkeyapp"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mfa/mfatest"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/policy"
	"github.com/gatepass/gatepass/shared/routes"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
	"github.com/gatepass/gatepass/shared/store/embedded"
	"github.com/gatepass/gatepass/shared/store/storecount"
)

// Start is where every environment's clock starts.
var Start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// Public is the environment's public URL.
const Public = "http://localhost:8080"

// CheapParams are argon2id parameters that keep tests fast.
func CheapParams() password.Params {
	return password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

// Mailbox is a mail.Sender that records messages, optionally taking a fixed
// time per send like a real mail service.
type Mailbox struct {
	mu    sync.Mutex
	sent  []mail.Message
	Delay time.Duration
	Fail  bool
}

// Send implements mail.Sender.
func (m *Mailbox) Send(ctx context.Context, msg mail.Message) error {
	if m.Delay > 0 {
		time.Sleep(m.Delay)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail {
		return io.ErrClosedPipe
	}
	m.sent = append(m.sent, msg)
	return nil
}

// Sent returns the messages sent so far.
func (m *Mailbox) Sent() []mail.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mail.Message(nil), m.sent...)
}

// To returns the messages sent to one address.
func (m *Mailbox) To(addr string) []mail.Message {
	var out []mail.Message
	for _, msg := range m.Sent() {
		if msg.To == addr {
			out = append(out, msg)
		}
	}
	return out
}

var tokenInLink = regexp.MustCompile(`#/(?:reset|invite)\?token=([A-Za-z0-9_.\-]+)`)

// Token extracts the token of the link in a message's text part.
func Token(tb testing.TB, msg mail.Message) string {
	tb.Helper()
	m := tokenInLink.FindStringSubmatch(msg.Text)
	if m == nil {
		tb.Fatalf("no link in mail %q", msg.Subject)
	}
	return m[1]
}

// Env is one test environment.
type Env struct {
	T       testing.TB
	Clock   *clock.Fake
	Store   *storecount.Store
	Hasher  password.Hasher
	Mail    *Mailbox
	Handler http.Handler
	// Public is the environment's public URL.
	Public string
	// Box seals TOTP secrets, with a random key per environment.
	Box *secretbox.Box
	// Deps are what every function of the environment is built from, for
	// the tests of functions that serve no routes (the authorizer, the
	// bootstrap custom resource) to build them the same way.
	Deps app.Deps
	// OriginSecret is the environment's origin-verification secret, random
	// per environment: the only value Deps.Origin accepts.
	OriginSecret string
}

// Options adjust an environment.
type Options struct {
	// Open opens the store; default an embedded store in a temp dir.
	Open func(tb testing.TB, clk clock.Clock) store.Store
	// Hasher replaces the cheap argon2id hasher.
	Hasher password.Hasher
	// Pacer sets reset request durations; default none.
	Pacer interface {
		Wait(ctx context.Context, began time.Time)
	}
	// MailDelay makes every send take this long.
	MailDelay time.Duration
	// PublicURL replaces Public (an https URL turns on Secure cookies).
	PublicURL string
	// Log receives every function's JSON log lines; default discarded.
	Log io.Writer
	// NoAliasEdge builds the functions as for a deployment whose edge does
	// not enforce the admin alias (tests send alias.Header themselves,
	// playing the edge, unless this is set).
	NoAliasEdge bool
	// SSO connects the functions to a federation broker; default none.
	SSO app.SSODeps
	// Clock is the environment's clock; default a fake at Start.
	Clock *clock.Fake
	// FunctionStore, when set, gives each HTTP function of the route table
	// its own store instead of the environment's, called once per function
	// with its name. It must reach the same data as the environment's store,
	// which the helpers (Account, SessionFor, SetParameters, …) and the 404
	// answer keep using: a test can then tell what each function's own flows
	// sent (the DynamoDB actions each function is granted, for instance).
	FunctionStore func(tb testing.TB, function string) store.Store
}

type noPacer struct{}

func (noPacer) Wait(context.Context, time.Time) {}

// New builds an environment with every function of the route table.
func New(tb testing.TB, o Options) *Env {
	tb.Helper()
	clk := o.Clock
	if clk == nil {
		clk = clock.NewFake(Start)
	}
	if o.Open == nil {
		o.Open = func(tb testing.TB, clk clock.Clock) store.Store {
			st, err := embedded.Open(filepath.Join(tb.TempDir(), "gatepass.db"), clk)
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { st.Close() })
			return st
		}
	}
	if o.Hasher == nil {
		o.Hasher = password.NewArgon2id(CheapParams())
	}
	if o.PublicURL == "" {
		o.PublicURL = Public
	}
	e := &Env{T: tb, Clock: clk, Store: storecount.New(o.Open(tb, clk)), Hasher: o.Hasher,
		Mail: &Mailbox{Delay: o.MailDelay}, Public: o.PublicURL}
	logTo := o.Log
	if logTo == nil {
		logTo = io.Discard
	}
	key := make([]byte, secretbox.KeySize)
	_, _ = rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	e.Box = box
	e.OriginSecret = origin.NewSecret()
	verifier, err := origin.NewVerifier(context.Background(), origin.Config{
		Source: origin.Static{Current: e.OriginSecret}, Clock: clk, Logger: slog.New(slog.NewJSONHandler(logTo, nil)), Tenant: "acme"})
	if err != nil {
		tb.Fatal(err)
	}
	d := app.Deps{Passkeys: passkeyapp.New, Origin: verifier, Tenant: "acme", PublicURL: o.PublicURL, Store: e.Store, Clock: clk, Hasher: o.Hasher, Secrets: box, Policy: policy.NewChecker(),
		AliasEdge: !o.NoAliasEdge, SSO: o.SSO,
		Logger: slog.New(slog.NewJSONHandler(logTo, nil)), Mailer: e.Mail, Pacer: noPacer{}}
	if o.Pacer != nil {
		d.Pacer = o.Pacer
	}
	e.Deps = d
	mux := http.NewServeMux()
	builders := app.Builders()
	for _, f := range routes.Table() {
		if !f.HTTP() {
			continue // the authorizer and the custom resources serve no routes; their tests call them with e.Deps
		}
		if builders[f.Name] == nil {
			tb.Fatalf("apptest: no builder for the HTTP function %s", f.Name)
		}
		fd := d
		if o.FunctionStore != nil {
			fd.Store = o.FunctionStore(tb, f.Name)
		}
		h, err := app.Handler(f.Name, builders[f.Name], fd)
		if err != nil {
			tb.Fatal(err)
		}
		for _, key := range f.Routes {
			mux.Handle(key, h)
		}
	}
	// Like API Gateway, answer every other route with 404 (as problem+json).
	notFound, err := app.Handler(routes.Table()[0].Name, builders[routes.Table()[0].Name], d)
	if err != nil {
		tb.Fatal(err)
	}
	mux.Handle("/", notFound)
	e.Handler = mux
	return e
}

// Account creates an active operator with a password and an email
// (<username>@example.com); mutate adjusts it before it is stored.
func (e *Env) Account(username, pw string, mutate ...func(*store.Account)) store.Account {
	e.T.Helper()
	hash := ""
	if pw != "" {
		var err error
		if hash, err = e.Hasher.Hash(pw); err != nil {
			e.T.Fatal(err)
		}
	}
	a := store.Account{
		ID: ids.New("u"), Username: username, UsernameKey: accounts.CanonicalUsername(username),
		DisplayName: "Jane Doe", Email: username + "@example.com", PasswordHash: hash,
		Roles: []string{accounts.RoleOperator}, Locale: "en", Status: store.StatusActive,
		CreatedAt: Start, UpdatedAt: Start,
	}
	if hash != "" {
		a.PasswordSetAt = Start
	}
	for _, m := range mutate {
		m(&a)
	}
	if a.Email != "" {
		a.EmailKey = accounts.CanonicalEmail(a.Email)
	}
	if err := e.Store.Commit(context.Background(), store.CreateAccount{Account: a}); err != nil {
		e.T.Fatal(err)
	}
	a.Version = 1
	return a
}

// WithTOTP is an Account mutation that gives the account an active TOTP
// factor with secret, enrolled at Start, and codes as its recovery codes
// (none when empty): its credentials are stored at once, its index set.
func (e *Env) WithTOTP(secret []byte, codes ...string) func(*store.Account) {
	return func(a *store.Account) {
		e.T.Helper()
		ops, refs, err := mfatest.TOTP(e.Box, a.ID, secret, codes, Start)
		if err != nil {
			e.T.Fatal(err)
		}
		if err := e.Store.Commit(context.Background(), ops...); err != nil {
			e.T.Fatal(err)
		}
		a.Credentials = append(a.Credentials, refs...)
	}
}

// Load reads an account.
func (e *Env) Load(id string) store.Account {
	e.T.Helper()
	snap, err := e.Store.Load(context.Background(), store.Query{AccountID: id})
	if err != nil || snap.Account == nil {
		e.T.Fatalf("load %s: %v", id, err)
	}
	return *snap.Account
}

// HelpRequest reads the open help request of an account, nil when it has
// none.
func (e *Env) HelpRequest(userID string) *store.HelpRequest {
	e.T.Helper()
	snap, err := e.Store.Load(context.Background(), store.Query{HelpRequests: []string{userID}})
	if err != nil {
		e.T.Fatalf("help request of %s: %v", userID, err)
	}
	h, ok := snap.HelpRequests[userID]
	if !ok {
		return nil
	}
	return &h
}

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	res    *http.Response
}

// JSON decodes the body.
func (r Response) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

// Code is the problem code of an error response.
func (r Response) Code(tb testing.TB) string {
	tb.Helper()
	c, _ := r.JSON(tb)["code"].(string)
	return c
}

// Cookies returns every cookie the response sets.
func (r Response) Cookies() []*http.Cookie { return r.res.Cookies() }

// Cookie returns the response's cookie called name.
func (r Response) Cookie(name string) *http.Cookie {
	for _, c := range r.res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Request is one request to the environment.
type Request struct {
	Method, Path, Body string
	Cookie             *http.Cookie
	// Cookies are further cookies the browser sends (a device cookie).
	Cookies []*http.Cookie
	// IP is the caller's address, with or without a port (default
	// 203.0.113.7): the TCP peer CloudFront sees and sends on as
	// CloudFront-Viewer-Address.
	IP string
	// ContentType replaces application/json on requests with a body.
	ContentType string
	// Header adds request headers (Origin, X-Forwarded-For, …).
	Header map[string]string
	// Host replaces the Host the request names (default the public URL's).
	Host string
	// Direct sends the request straight to the functions, as a call to the
	// API Gateway endpoint around CloudFront would arrive: without the
	// origin secret or a CloudFront-Viewer-Address but those in Header, and
	// IP as API Gateway's source address.
	Direct bool
}

// Do serves one request.
func (e *Env) Do(rq Request) Response {
	e.T.Helper()
	var body io.Reader = http.NoBody
	if rq.Body != "" {
		body = strings.NewReader(rq.Body)
	}
	r := httptest.NewRequest(rq.Method, e.Public+rq.Path, body)
	r.RemoteAddr = "203.0.113.7"
	if rq.IP != "" {
		r.RemoteAddr = rq.IP
	}
	if !rq.Direct {
		r.RemoteAddr = withPort(r.RemoteAddr)
	}
	if rq.Method != http.MethodGet {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.ContentType != "" {
		r.Header.Set("Content-Type", rq.ContentType)
	}
	for k, v := range rq.Header {
		r.Header.Set(k, v)
	}
	if rq.Host != "" {
		r.Host = rq.Host
	}
	r.Header.Set("User-Agent", "apptest/1.0")
	if rq.Cookie != nil {
		r.AddCookie(rq.Cookie)
	}
	for _, c := range rq.Cookies {
		r.AddCookie(c)
	}
	if !rq.Direct {
		e.ViaEdge(r)
	}
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b, res: res}
}

// ViaEdge does to r what CloudFront does before it forwards a request to
// the functions (origin.SetEdgeHeaders with the environment's secret), for
// tests and benchmarks that serve requests on Handler themselves. r's
// RemoteAddr is the peer's address and port.
func (e *Env) ViaEdge(r *http.Request) {
	origin.SetEdgeHeaders(r, e.OriginSecret)
}

// peerPort is the port of a test caller's address given without one.
const peerPort = 41000

// withPort returns addr with a port, as a TCP peer's address always has
// one: addr itself when it has one or is no address.
func withPort(addr string) string {
	if _, err := netip.ParseAddrPort(addr); err == nil {
		return addr
	}
	if a, err := netip.ParseAddr(strings.Trim(addr, "[]")); err == nil {
		return netip.AddrPortFrom(a, peerPort).String()
	}
	return addr
}

// Post sends a JSON body built from v.
func (e *Env) Post(path string, v any, c *http.Cookie) Response {
	e.T.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.T.Fatal(err)
	}
	return e.Do(Request{Method: http.MethodPost, Path: path, Body: string(b), Cookie: c})
}

// SignIn logs in and returns the session cookie, failing the test otherwise.
func (e *Env) SignIn(username, pw string) (*http.Cookie, map[string]any) {
	e.T.Helper()
	res := e.Post("/api/auth/login", map[string]string{"username": username, "password": pw}, nil)
	if res.Status != http.StatusOK {
		e.T.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	c := res.Cookie("gatepass")
	if c == nil {
		e.T.Fatal("no session cookie")
	}
	return c, res.JSON(e.T)
}

// ForEachStore runs test once on the embedded store and once on DynamoDB
// Local (started by the package's TestMain through dynamolocal.Main), with a
// constructor of environments over that store.
func ForEachStore(t *testing.T, local *dynamolocal.Shared, test func(t *testing.T, newEnv func(*testing.T) *Env)) {
	t.Run("embedded", func(t *testing.T) {
		test(t, func(t *testing.T) *Env { return New(t, Options{}) })
	})
	t.Run("dynamodb", func(t *testing.T) {
		test(t, func(t *testing.T) *Env {
			return New(t, Options{Open: func(tb testing.TB, clk clock.Clock) store.Store {
				return dynamotest.NewStore(tb, local, clk)
			}})
		})
	})
}

// SessionFor stores an unrestricted session for the account as a completed
// sign-in would (for accounts the tests cannot sign in over HTTP, such as
// SSO accounts) and returns its cookie.
func (e *Env) SessionFor(a store.Account) *http.Cookie {
	e.T.Helper()
	snap, err := e.Store.Load(context.Background(), store.Query{AccountID: a.ID, Parameters: true})
	if err != nil || snap.Account == nil {
		e.T.Fatalf("session for %s: %v", a.ID, err)
	}
	m := sessions.NewManager(e.Store, e.Clock, false)
	is := m.New(snap.Account, sessions.Meta{IP: "203.0.113.7", UserAgent: "apptest/1.0"}, store.RestrictionNone,
		sessions.View{}, snap.Parameters)
	if err := e.Store.Commit(context.Background(), is.Op()); err != nil {
		e.T.Fatal(err)
	}
	return &http.Cookie{Name: m.CookieName(), Value: is.Token}
}

// Audit returns the audit events of type typ, newest first.
func (e *Env) Audit(tb testing.TB, typ string) []store.AuditEvent {
	tb.Helper()
	page, err := e.Store.ListAudit(context.Background(), store.AuditQuery{Type: typ, Limit: store.MaxAuditLimit})
	if err != nil {
		tb.Fatal(err)
	}
	return page.Items
}

// SetParameters changes the stored parameters (the defaults until some are
// stored) with mutate.
func (e *Env) SetParameters(mutate func(*params.Parameters)) {
	e.T.Helper()
	snap, err := e.Store.Load(context.Background(), store.Query{Parameters: true})
	if err != nil {
		e.T.Fatal(err)
	}
	p := snap.Parameters
	mutate(&p)
	if err := e.Store.Commit(context.Background(), store.PutParameters{Parameters: p, Version: snap.ParametersVersion}); err != nil {
		e.T.Fatal(err)
	}
}

// Facility stores an active facility called name and returns it.
func (e *Env) Facility(name string) store.Facility {
	e.T.Helper()
	now := e.Clock.Now()
	f := store.Facility{ID: ids.New("f"), Name: name, Status: "active", CreatedAt: now, UpdatedAt: now}
	if err := e.Store.Commit(context.Background(), store.PutFacility{Facility: f}); err != nil {
		e.T.Fatal(err)
	}
	f.Version = 1
	return f
}

// Get sends a GET request.
func (e *Env) Get(path string, c *http.Cookie) Response {
	e.T.Helper()
	return e.Do(Request{Method: http.MethodGet, Path: path, Cookie: c})
}
