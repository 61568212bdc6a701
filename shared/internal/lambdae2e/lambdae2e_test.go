package lambdae2e_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/infra/bench/awsfake"
	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/rie"
	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/internal/emulator"
	"github.com/gatepass/gatepass/shared/internal/seslocal"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
)

// The emulators, set once in TestMain before any test runs.
var (
	dynamoDB *dynamolocal.Shared
	ses      *seslocal.Shared
)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), emulator.MainStartTimeout)
	var wg sync.WaitGroup
	wg.Go(func() { dynamoDB = dynamolocal.StartShared(ctx) })
	wg.Go(func() { ses = seslocal.StartShared(ctx) })
	wg.Wait()
	cancel()
	code := m.Run()
	for _, stop := range []func() error{dynamoDB.Stop, ses.Stop} {
		if err := stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

// root is the repository root, from this package's directory.
const root = "../../.."

// publicURL is the tenant's public URL: https, so the session cookie is
// __Host-gatepass as in AWS.
const publicURL = "https://gatepass.example.com"

// testBuild builds the functions the way this test binary was built (its
// -race, cgo as the go command defaults, no -trimpath), with the Lambda
// tag: real main packages for the host, but from the packages the tests
// compiled already — a build with the Makefile's flags would compile every
// package a second way, minutes on a cold cache. The bench's figures come
// from the Makefile's flags (coldstart.Options{}).
func testBuild() coldstart.Options {
	flags := []string{"-tags", "lambda.norpc"}
	if raceEnabled {
		flags = append(flags, "-race")
	}
	return coldstart.Options{Flags: flags, CGO: true}
}

// functions are the functions the flow goes through.
var functions = []string{"login", "views", "reset-request", "authorizer"}

// Sign in, read the session, select a view, request a password reset (the
// mail arrives in aws-ses-v2-local) and have the authorizer allow the
// selected view's session — every step a real bootstrap under
// aws-lambda-rie, on DynamoDB Local.
func TestSignInToAuthorizerUnderTheEmulator(t *testing.T) {
	began := time.Now()
	emulatorBin := rie.Require(t)
	db, mail := dynamoDB.Require(t), ses.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	// The build (once per content of the module: the key takes a go list)
	// and the password hash run while DynamoDB Local creates the table.
	var (
		bins     map[string]string
		buildErr error
		ready    time.Duration
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		bins, buildErr = coldstart.BuildCached(ctx, root, filepath.Join(cache, "gatepass", "lambdae2e"), functions, testBuild())
		ready = time.Since(began)
	})
	account := make(chan newAccount, 1)
	go func() { account <- hashUser() }()
	client, table := dynamotest.NewTable(t, dynamoDB)
	user := seedUser(t, dynamo.New(client, table, clock.System{}), <-account)
	wg.Wait()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	seeded := time.Now()

	fake, err := awsfake.StartWith(t.TempDir(), awsfake.Options{DynamoDB: db.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })

	fns := map[string]*rie.Function{}
	for _, name := range functions {
		env := append(environment(name, table, mail.Endpoint()), fake.Env()...)
		f, err := rie.Start(ctx, rie.Config{Emulator: emulatorBin, Bootstrap: bins[name], Env: env})
		if err != nil {
			t.Fatal(err)
		}
		fns[name] = f
		t.Cleanup(func() {
			if t.Failed() {
				out, log := f.Output()
				t.Logf("%s output:\n%s\n%s emulator log:\n%s", name, out, name, log)
			}
			_ = f.Stop()
		})
	}
	c := caller{t: t, ctx: ctx, fns: fns, secret: fake.OriginSecret}

	// Sign in: a session cookie.
	resp, body := c.http("login", http.MethodPost, "/api/auth/login",
		map[string]string{"username": user.username, "password": user.password}, nil)
	if resp.StatusCode != http.StatusOK || body["status"] != "authenticated" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Body)
	}
	signedIn := sessionCookie(t, resp)

	// The session it opened.
	resp, body = c.http("login", http.MethodGet, "/api/auth/session", nil, signedIn)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"`+user.username+`"`) {
		t.Fatalf("session: %d %s", resp.StatusCode, resp.Body)
	}

	// The network view: a new session token, the old one ends.
	resp, _ = c.http("views", http.MethodGet, "/api/auth/views", nil, signedIn)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("views: %d %s", resp.StatusCode, resp.Body)
	}
	resp, _ = c.http("views", http.MethodPost, "/api/auth/views/select", map[string]string{"type": "network"}, signedIn)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"network"`) {
		t.Fatalf("views/select: %d %s", resp.StatusCode, resp.Body)
	}
	selected := sessionCookie(t, resp)
	if selected.Value == signedIn.Value {
		t.Fatal("selecting a view kept the session token")
	}

	// A password reset request: 202, and the link arrives by SES.
	resp, _ = c.http("reset-request", http.MethodPost, "/api/auth/password/reset",
		map[string]string{"identifier": user.username}, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("password/reset: %d %s", resp.StatusCode, resp.Body)
	}
	got := waitForMail(t, ctx, mail, user.email)
	if !strings.Contains(got.Text, publicURL+"/#/reset?token=") {
		t.Fatalf("reset mail %q has no reset link:\n%s", got.Subject, got.Text)
	}

	// The authorizer allows the selected view's session and denies the
	// token the selection replaced.
	if !c.authorize(selected) {
		t.Fatal("the authorizer denied the session after the view selection")
	}
	if c.authorize(signedIn) {
		t.Fatal("the authorizer allowed the token the view selection replaced")
	}

	for _, name := range functions {
		in, err := fns[name].Init(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: aws-lambda-rie init %s", name, in.Duration.Round(10*time.Microsecond))
	}
	t.Logf("emulator and bootstraps ready in %s, table and user in %s, the flow took %s", ready.Round(time.Millisecond),
		seeded.Sub(began).Round(time.Millisecond), time.Since(seeded).Round(time.Millisecond))
}

// user is the seeded account.
type user struct{ username, email, password string }

// newAccount is a user with its password hash, or the hashing error.
type newAccount struct {
	user
	hash string
	err  error
}

// hashUser makes a user of a fresh name and email (the mail store is
// shared by the tests of the package) and hashes its password as the
// functions do.
func hashUser() newAccount {
	var b [4]byte
	_, _ = rand.Read(b[:])
	u := user{username: "vera-" + hex.EncodeToString(b[:]), password: "correct horse battery staple 7"}
	u.email = u.username + "@example.com"
	hash, err := password.NewArgon2id(password.OWASP()).Hash(u.password)
	return newAccount{user: u, hash: hash, err: err}
}

// seedUser stores the user as an active operator with network access and
// a password, as the admin API would.
func seedUser(t *testing.T, st store.Store, n newAccount) user {
	t.Helper()
	if n.err != nil {
		t.Fatal(n.err)
	}
	now := time.Now().UTC()
	a := store.Account{
		ID: ids.New("u"), Username: n.username, UsernameKey: accounts.CanonicalUsername(n.username),
		DisplayName: "Vera Example", Email: n.email, EmailKey: accounts.CanonicalEmail(n.email), EmailVerified: true,
		PasswordHash: n.hash, PasswordSetAt: now, Roles: []string{accounts.RoleOperator}, NetworkAccess: true,
		Locale: "en", Status: store.StatusActive, CreatedAt: now, UpdatedAt: now,
	}
	if err := st.Commit(context.Background(), store.CreateAccount{Account: a}); err != nil {
		t.Fatal(err)
	}
	return n.user
}

// environment is what Lambda and the tenant stack give function name,
// with DynamoDB Local's region and dummy credentials (DynamoDB Local keeps
// a database per access key and region: the test's client uses the same)
// and the mailer pointed at aws-ses-v2-local.
func environment(name, table, sesEndpoint string) []string {
	return []string{
		"AWS_LAMBDA_FUNCTION_NAME=gatepass-e2e-" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/gatepass-e2e-" + name,
		"AWS_REGION=" + dynamolocal.Region,
		"AWS_DEFAULT_REGION=" + dynamolocal.Region,
		"AWS_ACCESS_KEY_ID=" + dynamolocal.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + dynamolocal.SecretAccessKey,
		"TZ=:UTC",
		"GATEPASS_TABLE=" + table,
		"GATEPASS_TENANT=e2e",
		"GATEPASS_PUBLIC_URL=" + publicURL,
		"GATEPASS_MAIL_FROM=no-reply@gatepass.example.com",
		"GATEPASS_SES_ENDPOINT=" + sesEndpoint,
		"GATEPASS_KEY_SECRET=gatepass-e2e-key",
		"GATEPASS_ORIGIN_SECRET_ARN=" + awsfake.OriginSecretID,
	}
}

// caller sends events to the functions.
type caller struct {
	t      *testing.T
	ctx    context.Context
	fns    map[string]*rie.Function
	secret string // the origin secret CloudFront sends
}

// response is an HTTP function's answer.
type response struct {
	StatusCode int
	Body       string
	Cookies    []string // Set-Cookie values
}

// http invokes function fn with the API Gateway v2 event of a browser's
// request through CloudFront (origin secret, viewer address, the site's
// Origin on a POST) and returns the answer with its JSON body.
func (c caller) http(fn, method, path string, body any, cookie *http.Cookie) (response, map[string]any) {
	c.t.Helper()
	var payload *strings.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		payload = strings.NewReader(string(b))
	} else {
		payload = strings.NewReader("")
	}
	ev, err := browserEvent(method, path, payload, cookie, c.secret)
	if err != nil {
		c.t.Fatal(err)
	}
	var out events.APIGatewayV2HTTPResponse
	c.invoke(fn, ev, &out)
	resp := response{StatusCode: out.StatusCode, Body: out.Body, Cookies: out.Cookies}
	var parsed map[string]any
	_ = json.Unmarshal([]byte(out.Body), &parsed)
	return resp, parsed
}

// browserEvent is the API Gateway v2 event of a browser's request through
// CloudFront: the origin secret, the viewer's address, and on anything but
// a GET a JSON body and the site's Origin.
func browserEvent(method, path string, body io.Reader, cookie *http.Cookie, originSecret string) (events.APIGatewayV2HTTPRequest, error) {
	r := httptest.NewRequest(method, publicURL+path, body)
	r.RemoteAddr = "203.0.113.7:41000"
	r.Header.Set("User-Agent", "gatepass-e2e/1.0")
	if method != http.MethodGet {
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Origin", publicURL)
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	origin.SetEdgeHeaders(r, originSecret)
	return apigw.NewEvent(r, method+" "+path, time.Now())
}

// authorize sends the authorizer the event API Gateway sends for a
// Backoffice API route guarded by it, with cookie.
func (c caller) authorize(cookie *http.Cookie) bool {
	c.t.Helper()
	ev := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "GET /api/orders", RawPath: "/api/orders",
		RouteArn: "arn:aws:execute-api:us-east-1:111111111111:backoffice/$default/GET/api/orders",
		Cookies:  []string{cookie.Name + "=" + cookie.Value},
		Headers:  map[string]string{"host": "backoffice.example.com", "user-agent": "gatepass-e2e/1.0"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "e2e", RouteKey: "GET /api/orders", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: "/api/orders", SourceIP: "203.0.113.7"}},
	}
	var out events.APIGatewayV2CustomAuthorizerSimpleResponse
	c.invoke("authorizer", ev, &out)
	return out.IsAuthorized
}

// invoke sends ev to function fn under the emulator and decodes its answer
// into out, failing the test on an error or a failed invocation.
func (c caller) invoke(fn string, ev, out any) {
	c.t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		c.t.Fatal(err)
	}
	inv, err := c.fns[fn].Invoke(c.ctx, b)
	if err != nil {
		c.t.Fatalf("%s: %v", fn, err)
	}
	c.t.Logf("%s: answered in %s (REPORT Duration %s)", fn, inv.Took.Round(10*time.Microsecond), inv.Report.Duration)
	if inv.Status != http.StatusOK {
		c.t.Fatalf("%s: the emulator answered %d: %s", fn, inv.Status, inv.Body)
	}
	if err := json.Unmarshal(inv.Body, out); err != nil {
		c.t.Fatalf("%s: answer %q: %v", fn, inv.Body, err)
	}
}

// sessionCookie is the session cookie a response sets.
func sessionCookie(t *testing.T, resp response) *http.Cookie {
	t.Helper()
	name := sessions.NewManager(nil, clock.System{}, true).CookieName()
	for _, line := range resp.Cookies {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name && c.Value != "" {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("no %s cookie in %q", name, resp.Cookies)
	return nil
}

// waitForMail polls the emulator until a mail to addr arrives (10 s at
// most): the function sent it before it answered, so it is there at once
// unless something is wrong.
func waitForMail(t *testing.T, ctx context.Context, s *seslocal.Server, addr string) seslocal.Email {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		got, err := s.EmailsTo(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 {
			return got[0]
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no mail to %s: %v", addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
