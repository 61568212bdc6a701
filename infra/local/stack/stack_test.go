package stack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/recovery"
)

const adminPassword = "local stack admin passphrase"

func start(t *testing.T, dataDir string, admin bootstrap.Admin) *stack.Stack {
	t.Helper()
	s, err := stack.Start(context.Background(), stack.Config{Hasher: cheapHasher,
		Addr: "127.0.0.1:0", DataDir: dataDir, WebDir: "../../../web", Admin: admin,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pacer: recovery.Floor{D: 50 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stop(t *testing.T, s *stack.Stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

type client struct {
	t    *testing.T
	http *http.Client
	base string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, http: &http.Client{Jar: jar}, base: base}
}

func (c *client) do(method, path, body string) (*http.Response, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return res, m
}

// A person signs in over HTTP as the bootstrap admin, through the v2 event
// adapter and the login function, and nothing is lost across a restart.
func TestSignInOverHTTP(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir, bootstrap.Admin{Username: "admin", Password: adminPassword})
	if !s.Bootstrap.Created || s.Bootstrap.GeneratedPassword != "" {
		t.Fatalf("bootstrap = %+v", s.Bootstrap)
	}
	c := newClient(t, s.URL)

	res, body := c.do("POST", "/api/auth/login", `{"username":"Admin","password":"`+adminPassword+`"}`)
	if res.StatusCode != 200 || body["status"] != "authenticated" {
		t.Fatalf("login: %d %v", res.StatusCode, body)
	}
	roles := body["session"].(map[string]any)["user"].(map[string]any)["roles"].([]any)
	if len(roles) != 1 || roles[0] != "super_admin" {
		t.Fatalf("roles = %v", roles)
	}
	if res.Header.Get("X-Request-Id") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers = %v", res.Header)
	}
	if res, _ := c.do("GET", "/api/auth/session", ""); res.StatusCode != 200 {
		t.Fatalf("session: %d", res.StatusCode)
	}
	// Bad input gets a clear problem document through the gateway too.
	res, body = c.do("POST", "/api/auth/login", `{"user":"admin"}`)
	if res.StatusCode != 400 || body["code"] != "invalid_request" || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("bad input: %d %v", res.StatusCode, body)
	}
	if res, body := c.do("GET", "/api/nothing/here", ""); res.StatusCode != 404 || body["code"] != "not_found" {
		t.Fatalf("unknown route: %d %v", res.StatusCode, body)
	}
	// The web app is served with a strict CSP.
	res, _ = c.do("GET", "/", "")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("web: %d %v", res.StatusCode, res.Header)
	}
	stop(t, s)

	// Restart on the same data: the session and the admin are still there,
	// and no second admin is bootstrapped.
	s2 := start(t, dir, bootstrap.Admin{Username: "admin"})
	defer stop(t, s2)
	if s2.Bootstrap.Created {
		t.Fatal("bootstrapped twice")
	}
	c.base = s2.URL
	for _, ck := range c.http.Jar.Cookies(mustURL(t, s.URL)) {
		c.http.Jar.SetCookies(mustURL(t, s2.URL), []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	}
	if res, _ := c.do("GET", "/api/auth/session", ""); res.StatusCode != 200 {
		t.Fatalf("session lost across restart: %d", res.StatusCode)
	}
	if res, _ := c.do("POST", "/api/auth/logout", "{}"); res.StatusCode != 204 {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res, _ := c.do("GET", "/api/auth/session", ""); res.StatusCode != 401 {
		t.Fatalf("after logout: %d", res.StatusCode)
	}
}

// GATEPASS_BOOTSTRAP_ADMIN_USERNAME follows the rules of every new username:
// one they refuse stops the start, says which setting is wrong, and leaves
// the tenant to a valid name.
func TestBootstrapAdminUsernameFollowsPRECIS(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"ad\u200bmin", "\u0430dmin", "\u202enimda"} {
		s, err := stack.Start(context.Background(), stack.Config{Hasher: cheapHasher,
			Addr: "127.0.0.1:0", DataDir: dir, WebDir: "../../../web", Admin: bootstrap.Admin{Username: name, Password: adminPassword},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if !errors.Is(err, accounts.ErrInvalidCharacters) || !strings.Contains(err.Error(), "GATEPASS_BOOTSTRAP_ADMIN_USERNAME") {
			t.Fatalf("start with %q: %v", name, err)
		}
		if s != nil {
			t.Fatal("a stack started")
		}
	}
	s := start(t, dir, bootstrap.Admin{Username: "admin", Password: adminPassword})
	defer stop(t, s)
	if !s.Bootstrap.Created {
		t.Fatal("the refused names bootstrapped the tenant")
	}
}

func TestGeneratedAdminPassword(t *testing.T) {
	s := start(t, t.TempDir(), bootstrap.Admin{Username: "root"})
	defer stop(t, s)
	pw := s.Bootstrap.GeneratedPassword
	if len(pw) < 24 {
		t.Fatalf("generated password %q", pw)
	}
	c := newClient(t, s.URL)
	if res, body := c.do("POST", "/api/auth/login", `{"username":"root","password":"`+pw+`"}`); res.StatusCode != 200 {
		t.Fatalf("login with generated password: %d %v", res.StatusCode, body)
	}
}

// Process start to first served request: the binary of infra/local, built
// and started from scratch, answers its first request. Its budget (≤ 300 ms,
// the median of 3 runs) is held by make bench, which sets
// GATEPASS_TIMING=measure: within make test the other packages share the
// cores and it would time them, not us. There the binary is built with the
// test binary's own -race setting, so that it reuses the packages the test
// build compiled instead of compiling every dependency once more.
func TestProcessStartToFirstRequest(t *testing.T) {
	measure := os.Getenv(timingEnv) == "measure"
	args := []string{"build", "-o", filepath.Join(t.TempDir(), "gatepass-local")}
	runs := 1
	if measure {
		runs = 3
	} else if raceEnabled {
		args = append(args, "-race")
	}
	bin := args[2]
	build := exec.Command("go", append(args, "..")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var took []time.Duration
	for range runs {
		took = append(took, startOnce(t, bin, dir))
	}
	slices.Sort(took)
	t.Logf("process start → first served request, %d runs sorted: %v", runs, took)
	if measure && took[len(took)/2] > startBudget {
		t.Fatalf("median start %v over the %v budget", took[len(took)/2], startBudget)
	}
}

// timingEnv set to "measure" makes TestProcessStartToFirstRequest hold the
// start to startBudget (make bench sets it).
const (
	timingEnv   = "GATEPASS_TIMING"
	startBudget = 300 * time.Millisecond
)

func startOnce(t *testing.T, bin, dir string) time.Duration {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Dir = "../../.."
	cmd.Env = append(os.Environ(), "GATEPASS_ADDR="+addr, "GATEPASS_DATA_DIR="+dir,
		"GATEPASS_BOOTSTRAP_ADMIN_PASSWORD="+adminPassword)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	hc := &http.Client{Timeout: time.Second}
	for time.Since(began) < 10*time.Second {
		res, err := hc.Get("http://" + addr + "/api/auth/config")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(began)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("the local stack did not answer within 10 s")
	return 0
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mailLink reads the newest mail to addr from the local outbox over HTTP and
// returns the token of its link.
func mailLink(t *testing.T, c *client, addr string) string {
	t.Helper()
	res, body := c.do("GET", "/_dev/mail", "")
	if res.StatusCode != 200 {
		t.Fatalf("/_dev/mail: %d", res.StatusCode)
	}
	for _, it := range body["items"].([]any) {
		m := it.(map[string]any)
		if m["to"] != addr {
			continue
		}
		text := m["text"].(string)
		i := strings.Index(text, "token=")
		if i < 0 {
			continue
		}
		token := text[i+len("token="):]
		if j := strings.IndexAny(token, " \n\r\t"); j >= 0 {
			token = token[:j]
		}
		return token
	}
	t.Fatalf("no link mailed to %s", addr)
	return ""
}

// The reset flow of the seeds, by username and by email, through the local
// outbox — and an admin bootstrapped with an email is invited.
func TestResetThroughTheOutbox(t *testing.T) {
	s := start(t, t.TempDir(), bootstrap.Admin{Username: "admin", Email: "admin@example.com"})
	defer stop(t, s)
	if s.Bootstrap.InvitationLink == "" || s.Bootstrap.GeneratedPassword != "" {
		t.Fatalf("bootstrap = %+v", s.Bootstrap)
	}
	c := newClient(t, s.URL)
	token := mailLink(t, c, "admin@example.com")
	if !strings.HasSuffix(s.Bootstrap.InvitationLink, token) {
		t.Fatal("printed and mailed invitation links differ")
	}
	const first = "first passphrase of the boss"
	if res, body := c.do("POST", "/api/auth/invitation/accept",
		`{"token":"`+token+`","password":"`+first+`","passwordRepeat":"`+first+`"}`); res.StatusCode != 204 {
		t.Fatalf("accept: %d %v", res.StatusCode, body)
	}
	pw := first
	for i, identifier := range []string{"admin", "admin@example.com"} {
		if res, _ := c.do("POST", "/api/auth/password/reset", `{"identifier":"`+identifier+`"}`); res.StatusCode != 202 {
			t.Fatalf("reset request: %d", res.StatusCode)
		}
		token := mailLink(t, c, "admin@example.com")
		if res, body := c.do("POST", "/api/auth/password/reset/verify", `{"token":"`+token+`"}`); res.StatusCode != 200 || body["username"] != "admin" {
			t.Fatalf("verify: %d %v", res.StatusCode, body)
		}
		pw = "reset passphrase number " + strconv.Itoa(i)
		if res, body := c.do("POST", "/api/auth/password/reset/confirm",
			`{"token":"`+token+`","password":"`+pw+`","passwordRepeat":"`+pw+`"}`); res.StatusCode != 204 {
			t.Fatalf("confirm: %d %v", res.StatusCode, body)
		}
	}
	if res, body := c.do("POST", "/api/auth/login", `{"username":"admin","password":"`+pw+`"}`); res.StatusCode != 200 {
		t.Fatalf("login with the new password: %d %v", res.StatusCode, body)
	}
	res, _ := c.do("GET", "/_dev/mail/", "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/_dev/mail/: %d %v", res.StatusCode, res.Header)
	}
}

// passwordPolicy.blockBreached works offline: the stack serves a range
// endpoint built from the common-password list and asks it, so a password
// found there is refused with violation breached.
func TestBlockBreachedAgainstTheLocalRangeEndpoint(t *testing.T) {
	s := start(t, t.TempDir(), bootstrap.Admin{Username: "admin", Password: adminPassword})
	defer stop(t, s)
	c := newClient(t, s.URL)

	// The endpoint itself: a padded k-anonymity range answer.
	res, err := c.http.Get(s.URL + stack.LocalBreachedPath + "/5BAA6")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8.
	if res.StatusCode != 200 || !strings.Contains(string(raw), "1E4C9B93F3F0682250B6CF8331B7EE68FD8:") {
		t.Fatalf("range 5BAA6: %d %.200s", res.StatusCode, raw)
	}

	if res, body := c.do("POST", "/api/auth/login", `{"username":"admin","password":"`+adminPassword+`"}`); res.StatusCode != 200 {
		t.Fatalf("login: %d %v", res.StatusCode, body)
	}
	// Off by default: a breached password that meets the policy is taken.
	const breached = "nemvxyheqdd5oqxyxyzi" // on the common-password list, no pattern
	if res, body := c.do("PUT", "/api/admin/parameters",
		`{"passwordPolicy":{"blockCommon":false,"blockBreached":true}}`); res.StatusCode != 200 {
		t.Fatalf("parameters: %d %v", res.StatusCode, body)
	}
	res, body := c.do("POST", "/api/auth/password/change",
		`{"currentPassword":"`+adminPassword+`","newPassword":"`+breached+`","newPasswordRepeat":"`+breached+`"}`)
	if res.StatusCode != 422 || body["code"] != "password_policy" ||
		!strings.Contains(fmt.Sprint(body["violations"]), "breached") {
		t.Fatalf("change to a breached password: %d %v", res.StatusCode, body)
	}
	const fresh = "a fresh and unbreached passphrase 2027"
	res, body = c.do("POST", "/api/auth/password/change",
		`{"currentPassword":"`+adminPassword+`","newPassword":"`+fresh+`","newPasswordRepeat":"`+fresh+`"}`)
	if res.StatusCode != 204 {
		t.Fatalf("change to a fresh password: %d %v", res.StatusCode, body)
	}
}

// cheapHasher stands in for the stack's default argon2id (OWASP parameters,
// 19 MiB a hash) in the tests that start a stack in-process: every sign-in
// and password change derives a key, and under -race a derivation with the
// production parameters takes seconds. TestProcessStartToFirstRequest runs
// the binary, production parameters included.
var cheapHasher = password.NewArgon2id(password.Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32})
