package authorizer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/authorizer"
	"github.com/gatepass/gatepass/shared/internal/dynamolocal"
	"github.com/gatepass/gatepass/shared/store"
)

const pw = "correct horse battery staple"

var local *dynamolocal.Shared

func TestMain(m *testing.M) { os.Exit(dynamolocal.Main(m, &local)) }

// newAuthorizer builds the authorizer over the environment's store and
// clock exactly as the Lambda main does (app.Authorizer), logging to the
// returned buffer.
func newAuthorizer(t *testing.T, e *apptest.Env, s store.Store) (*authorizer.Authorizer, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	if s == nil {
		s = e.Store
	}
	a, err := app.Authorizer(app.Deps{Tenant: "acme", PublicURL: e.Public, Store: s, Clock: e.Clock,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a, &logs
}

// event is an authorizer event carrying cookies, as API Gateway splits them.
func event(cookies ...string) events.APIGatewayV2CustomAuthorizerV2Request {
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "GET /api/orders", RawPath: "/api/orders",
		Cookies: cookies,
		Headers: map[string]string{"host": "backoffice.example.com"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "JKJaXmPLvHcESHA=", RouteKey: "GET /api/orders", Stage: "$default",
		},
	}
}

// signIn creates an account called user, signs it in and, when typ is set,
// selects that view; it returns the session cookie and the account.
func signIn(t *testing.T, e *apptest.Env, user string, mutate func(*store.Account), typ, facilityID string) (*http.Cookie, store.Account) {
	t.Helper()
	a := e.Account(user, pw, mutate)
	c, _ := e.SignIn(user, pw)
	if typ == "" {
		return c, a
	}
	body := map[string]string{"type": typ}
	if facilityID != "" {
		body["facilityId"] = facilityID
	}
	res := e.Post("/api/auth/views/select", body, c)
	if res.Status != http.StatusOK {
		t.Fatalf("select %s view: %d %s", typ, res.Status, res.Body)
	}
	return res.Cookie("gatepass"), a
}

// pair is a cookie as the cookies array of an event holds it.
func pair(c *http.Cookie) string { return c.Name + "=" + c.Value }

// sessionID is the public id of the cookie's session, from the session list.
func sessionID(t *testing.T, e *apptest.Env, c *http.Cookie) string {
	t.Helper()
	res := e.Get("/api/auth/sessions", c)
	if res.Status != http.StatusOK {
		t.Fatalf("sessions: %d %s", res.Status, res.Body)
	}
	for _, it := range res.JSON(t)["items"].([]any) {
		if item := it.(map[string]any); item["current"] == true {
			return item["id"].(string)
		}
	}
	t.Fatal("no current session in the list")
	return ""
}

func update(t *testing.T, e *apptest.Env, id string, change func(*store.Account)) {
	t.Helper()
	a := e.Load(id)
	change(&a)
	if err := e.Store.Commit(context.Background(), store.UpdateAccount{Account: a, PreviousEmailKey: a.EmailKey}); err != nil {
		t.Fatal(err)
	}
}

// logLine is the one JSON line a decision logs.
func logLine(t *testing.T, logs *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line per decision, got %d:\n%s", len(lines), logs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("log line %q: %v", lines[0], err)
	}
	return m
}

// noToken fails when a log holds the token or its secret.
func noToken(t *testing.T, logs string, tokens ...string) {
	t.Helper()
	for _, token := range tokens {
		if token == "" {
			continue
		}
		secret := token[strings.LastIndexByte(token, '.')+1:]
		if strings.Contains(logs, token) || strings.Contains(logs, secret) {
			t.Fatalf("the log holds the token: %s", logs)
		}
	}
}

// arrangement is what a case sends and, when allowed, the context it must get.
type arrangement struct {
	cookies []string
	account string         // the account id the log must name; "" when unknown
	context map[string]any // nil: denied
}

func TestAuthorize(t *testing.T) {
	apptest.ForEachStore(t, local, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		berlin, hamburg := e.Facility("Berlin Store"), e.Facility("Hamburg Warehouse")
		single := func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} }

		tests := []struct {
			name    string
			reason  string
			arrange func(t *testing.T, user string) arrangement
		}{
			{"facility view", authorizer.ReasonAllowed, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, func(a *store.Account) {
					a.FacilityIDs = []string{berlin.ID, hamburg.ID}
				}, "facility", hamburg.ID)
				return arrangement{cookies: []string{"theme=dark", pair(c)}, account: a.ID, context: map[string]any{
					"userId": a.ID, "username": user, "roles": "operator", "viewType": "facility",
					"facilityId": hamburg.ID, "sessionId": sessionID(t, e, c), "networkAccess": false,
				}}
			}},
			{"network view", authorizer.ReasonAllowed, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, func(a *store.Account) {
					a.NetworkAccess = true
					a.Roles = []string{"supervisor", "admin"}
				}, "network", "")
				return arrangement{cookies: []string{pair(c), "lang=de"}, account: a.ID, context: map[string]any{
					"userId": a.ID, "username": user, "roles": "supervisor,admin", "viewType": "network",
					"facilityId": "", "sessionId": sessionID(t, e, c), "networkAccess": true,
				}}
			}},
			{"no cookie", authorizer.ReasonNoCookie, func(t *testing.T, user string) arrangement {
				return arrangement{cookies: []string{"theme=dark"}}
			}},
			{"no cookies at all", authorizer.ReasonNoCookie, func(t *testing.T, user string) arrangement {
				return arrangement{}
			}},
			{"garbage cookie", authorizer.ReasonMalformed, func(t *testing.T, user string) arrangement {
				return arrangement{cookies: []string{"gatepass=not-a-session-token"}}
			}},
			{"altered secret", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, _ := signIn(t, e, user, single, "", "")
				last := c.Value[len(c.Value)-1]
				swap := byte('A')
				if last == 'A' {
					swap = 'B'
				}
				return arrangement{cookies: []string{"gatepass=" + c.Value[:len(c.Value)-1] + string(swap)}}
			}},
			{"altered facility hint", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, _ := signIn(t, e, user, func(a *store.Account) {
					a.FacilityIDs = []string{berlin.ID, hamburg.ID}
				}, "facility", berlin.ID)
				forged := strings.Replace(c.Value, berlin.ID, hamburg.ID, 1)
				if forged == c.Value {
					t.Fatal("no facility hint in the token")
				}
				return arrangement{cookies: []string{"gatepass=" + forged}}
			}},
			{"logged out", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, _ := signIn(t, e, user, single, "", "")
				if res := e.Post("/api/auth/logout", map[string]string{}, c); res.Status != http.StatusNoContent {
					t.Fatalf("logout: %d %s", res.Status, res.Body)
				}
				return arrangement{cookies: []string{pair(c)}}
			}},
			{"revoked by an epoch raise", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, single, "", "")
				update(t, e, a.ID, func(a *store.Account) { a.SessionEpoch++ })
				return arrangement{cookies: []string{pair(c)}}
			}},
			{"idle past the timeout", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, _ := signIn(t, e, user, single, "", "")
				e.Clock.Advance(time.Hour + time.Second)
				return arrangement{cookies: []string{pair(c)}}
			}},
			{"deactivated account", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, single, "", "")
				update(t, e, a.ID, func(a *store.Account) { a.Status = store.StatusInactive })
				return arrangement{cookies: []string{pair(c)}}
			}},
			{"account past validUntil", authorizer.ReasonNoSession, func(t *testing.T, user string) arrangement {
				c, _ := signIn(t, e, user, func(a *store.Account) {
					single(a)
					a.ValidUntil = e.Clock.Now().Add(30 * time.Minute)
				}, "", "")
				e.Clock.Advance(31 * time.Minute) // within the idle timeout
				return arrangement{cookies: []string{pair(c)}}
			}},
			{"password change restricted", authorizer.ReasonRestricted, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, func(a *store.Account) {
					single(a)
					a.PasswordChangeRequired = true
				}, "", "")
				return arrangement{cookies: []string{pair(c)}, account: a.ID}
			}},
			{"no view chosen", authorizer.ReasonNoView, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, func(a *store.Account) { a.NetworkAccess = true }, "", "")
				return arrangement{cookies: []string{pair(c)}, account: a.ID}
			}},
			{"view withdrawn", authorizer.ReasonNoView, func(t *testing.T, user string) arrangement {
				c, a := signIn(t, e, user, single, "", "")
				update(t, e, a.ID, func(a *store.Account) { a.FacilityIDs = nil })
				return arrangement{cookies: []string{pair(c)}, account: a.ID}
			}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				arr := tt.arrange(t, "user"+string(rune('a'+i)))
				a, logs := newAuthorizer(t, e, nil)
				res, err := a.Authorize(context.Background(), event(arr.cookies...))
				if err != nil {
					t.Fatal(err)
				}
				allowed := tt.reason == authorizer.ReasonAllowed
				if res.IsAuthorized != allowed {
					t.Fatalf("isAuthorized = %v, want %v", res.IsAuthorized, allowed)
				}
				if !allowed && res.Context != nil {
					t.Fatalf("a denial carries context %v", res.Context)
				}
				if allowed && !equalContext(res.Context, arr.context) {
					t.Fatalf("context = %#v\nwant      %#v", res.Context, arr.context)
				}
				line := logLine(t, logs)
				decision := map[bool]string{true: "allow", false: "deny"}[allowed]
				if line["decision"] != decision || line["reason"] != tt.reason || line["requestId"] != "JKJaXmPLvHcESHA=" {
					t.Fatalf("log line %v, want decision %s, reason %s", line, decision, tt.reason)
				}
				if got, _ := line["userId"].(string); got != arr.account {
					t.Fatalf("log userId = %q, want %q", got, arr.account)
				}
				var tokens []string
				for _, c := range arr.cookies {
					if v, ok := strings.CutPrefix(c, "gatepass="); ok {
						tokens = append(tokens, v)
					}
				}
				noToken(t, logs.String(), tokens...)
			})
		}
	})
}

func equalContext(got, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// A warm allow is one store read and no write; activity is recorded at most
// once a minute; nothing is cached, so a role change shows on the next call.
func TestRoundTripsAndNoCache(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	berlin := e.Facility("Berlin Store")
	c, acc := signIn(t, e, "clerk", func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} }, "", "")
	a, _ := newAuthorizer(t, e, nil)
	authorize := func() events.APIGatewayV2CustomAuthorizerSimpleResponse {
		t.Helper()
		res, err := a.Authorize(context.Background(), event(pair(c)))
		if err != nil || !res.IsAuthorized {
			t.Fatalf("authorize: %v %v", res, err)
		}
		return res
	}
	for _, step := range []struct {
		advance       time.Duration
		reads, writes int64
	}{
		{0, 1, 0},
		{0, 1, 0},
		{2 * time.Minute, 1, 1}, // touch: LastSeenAt is over a minute old
		{10 * time.Second, 1, 0},
	} {
		e.Clock.Advance(step.advance)
		e.Store.Reset()
		authorize()
		if n := e.Store.Counts(); n.Reads != step.reads || n.Writes != step.writes {
			t.Fatalf("after %v: %d reads, %d writes; want %d, %d", step.advance, n.Reads, n.Writes, step.reads, step.writes)
		}
	}
	update(t, e, acc.ID, func(a *store.Account) { a.Roles = []string{"supervisor"} })
	if got := authorize().Context["roles"]; got != "supervisor" {
		t.Fatalf("roles after the change = %v", got)
	}
}

// failingStore fails every read, as an unreachable DynamoDB would.
type failingStore struct{ store.Store }

var errUnavailable = errors.New("dynamodb: service unavailable")

func (failingStore) Load(context.Context, store.Query) (store.Snapshot, error) {
	return store.Snapshot{}, errUnavailable
}

// When the session cannot be checked the authorizer returns an error, so
// API Gateway answers 500: it fails closed, and the log holds no token.
func TestStoreFailureFailsClosed(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	berlin := e.Facility("Berlin Store")
	c, _ := signIn(t, e, "clerk", func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} }, "", "")
	a, logs := newAuthorizer(t, e, failingStore{e.Store})
	res, err := a.Authorize(context.Background(), event(pair(c)))
	if !errors.Is(err, errUnavailable) || res.IsAuthorized || res.Context != nil {
		t.Fatalf("store failure: %v, %v; want the store's error and no authorization", res, err)
	}
	line := logLine(t, logs)
	if line["decision"] != "error" || line["reason"] != authorizer.ReasonStoreFailed || line["level"] != "ERROR" {
		t.Fatalf("log line %v", line)
	}
	noToken(t, logs.String(), c.Value)
}

// The cookie is looked up by the name the public URL gives it: over https
// only __Host-gatepass counts, and a plain "gatepass" cookie is ignored. A
// cookie header serves when the event has no cookies array.
func TestCookieName(t *testing.T) {
	e := apptest.New(t, apptest.Options{PublicURL: "https://backoffice.example.com"})
	berlin := e.Facility("Berlin Store")
	e.Account("clerk", pw, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
	res := e.Post("/api/auth/login", map[string]string{"username": "clerk", "password": pw}, nil)
	c := res.Cookie("__Host-gatepass")
	if res.Status != http.StatusOK || c == nil {
		t.Fatalf("login over https: %d %s", res.Status, res.Body)
	}
	a, _ := newAuthorizer(t, e, nil)
	header := func(h string) events.APIGatewayV2CustomAuthorizerV2Request {
		ev := event()
		ev.Headers = map[string]string{"cookie": h}
		return ev
	}
	tests := []struct {
		name    string
		ev      events.APIGatewayV2CustomAuthorizerV2Request
		allowed bool
	}{
		{"__Host- cookie", event("theme=dark", pair(c)), true},
		{"plain name over https", event("gatepass=" + c.Value), false},
		{"cookie header fallback", header("theme=dark; " + pair(c)), true},
		{"cookie header with another name", header("gatepass=" + c.Value), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := a.Authorize(context.Background(), tt.ev)
			if err != nil || res.IsAuthorized != tt.allowed {
				t.Fatalf("isAuthorized = %v (%v), want %v", res.IsAuthorized, err, tt.allowed)
			}
		})
	}
}

// authorizerEvent is an authorizer event as API Gateway sends it to a Lambda
// authorizer of an HTTP API (payload format 2.0, identity source
// $request.header.Cookie).
const authorizerEvent = `{
  "version": "2.0",
  "type": "REQUEST",
  "routeArn": "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5/$default/GET/api/orders",
  "identitySource": ["theme=dark; %COOKIE%"],
  "routeKey": "GET /api/orders",
  "rawPath": "/api/orders",
  "rawQueryString": "status=open",
  "cookies": ["theme=dark", "%COOKIE%"],
  "headers": {
    "accept": "application/json",
    "host": "backoffice.example.com",
    "user-agent": "Mozilla/5.0",
    "x-amzn-trace-id": "Root=1-6741a9d0-0123456789abcdef01234567",
    "x-forwarded-for": "198.51.100.20",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https"
  },
  "queryStringParameters": {"status": "open"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "a1b2c3d4e5",
    "domainName": "backoffice.example.com",
    "domainPrefix": "backoffice",
    "http": {
      "method": "GET",
      "path": "/api/orders",
      "protocol": "HTTP/1.1",
      "sourceIp": "198.51.100.20",
      "userAgent": "Mozilla/5.0"
    },
    "requestId": "JKJaXmPLvHcESHA=",
    "routeKey": "GET /api/orders",
    "stage": "$default",
    "time": "23/Nov/2026:08:00:00 +0000",
    "timeEpoch": 1795420800000
  },
  "pathParameters": {},
  "stageVariables": {}
}`

// A real-shaped event goes through json.Unmarshal into the handler, and the
// answers marshal as API Gateway expects simple responses.
func TestRealisticEvent(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	berlin := e.Facility("Berlin Store")
	c, acc := signIn(t, e, "clerk", func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} }, "", "")
	handler, err := app.AuthorizerHandler(app.Deps{PublicURL: e.Public, Store: e.Store, Clock: e.Clock,
		Logger: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	authorize, ok := handler.(func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error))
	if !ok {
		t.Fatalf("the Lambda handler is a %T", handler)
	}
	for _, tt := range []struct {
		name, cookie, want string
	}{
		{"allowed", pair(c), `{"isAuthorized":true,"context":{"facilityId":"` + berlin.ID + `","networkAccess":false,` +
			`"roles":"operator","sessionId":"` + sessionID(t, e, c) + `","userId":"` + acc.ID + `","username":"clerk","viewType":"facility"}}`},
		{"denied", "gatepass=forged", `{"isAuthorized":false}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ev events.APIGatewayV2CustomAuthorizerV2Request
			if err := json.Unmarshal([]byte(strings.ReplaceAll(authorizerEvent, "%COOKIE%", tt.cookie)), &ev); err != nil {
				t.Fatal(err)
			}
			res, err := authorize(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Fatalf("response %s\nwant     %s", out, tt.want)
			}
		})
	}
}

// No input panics or authorizes: cookies and cookie headers of any shape.
func FuzzAuthorize(f *testing.F) {
	e := apptest.New(f, apptest.Options{})
	var logs bytes.Buffer
	a, err := app.Authorizer(app.Deps{PublicURL: e.Public, Store: e.Store, Clock: e.Clock,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"", "gatepass", "gatepass=", "=gatepass", ";;;", "gatepass=a.b", "gatepass=u_1.f_2.x",
		`gatepass="u_abc.` + strings.Repeat("A", 43) + `"`, "gatepass=u_abc." + strings.Repeat("A", 43),
		"gatepass=u_abc.f_def." + strings.Repeat("-", 43), "gatepass=..." + strings.Repeat("_", 43),
		"gatepass=" + strings.Repeat("x.", 200), "gatepass=\x00\xff", "gatepass=ü.ö", "gatepass=a; gatepass=b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, ev := range []events.APIGatewayV2CustomAuthorizerV2Request{
			event(s), event(strings.Split(s, ";")...), {Headers: map[string]string{"Cookie": s}}, {},
		} {
			res, err := a.Authorize(context.Background(), ev)
			if err != nil || res.IsAuthorized || res.Context != nil {
				t.Fatalf("%q: %v %v", s, res, err)
			}
		}
	})
}
