package stack_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/recovery"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// A person signs in with the local identity provider: the sign-in page
// lists it, the start leaves for the local issuer's form, the form sends the
// browser back with a code, and the callback signs the demo SSO user in —
// all over real HTTP through the gateway, as `make run` serves it.
func TestSSOSignInThroughTheLocalIssuer(t *testing.T) {
	s, err := stack.Start(context.Background(), stack.Config{Hasher: cheapHasher,
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), WebDir: "../../../web",
		Admin:  bootstrap.Admin{Username: "admin", Password: adminPassword},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Pacer: recovery.Floor{D: 50 * time.Millisecond},
		DemoSSOUser: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, s)
	c := newClient(t, s.URL)
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	_, cfg := c.do("GET", "/api/auth/config", "")
	providers := cfg["sso"].(map[string]any)["providers"].([]any)
	if len(providers) != 1 || providers[0].(map[string]any)["id"] != stack.LocalProviderID ||
		providers[0].(map[string]any)["name"] != stack.LocalProviderName {
		t.Fatalf("config sso = %v", cfg["sso"])
	}

	res, _ := c.do("GET", "/api/auth/sso/"+stack.LocalProviderID+"/start", "")
	authURL := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(authURL, s.URL+stack.LocalIssuerPath+"/oauth2/authorize?") {
		t.Fatalf("start: %d %q", res.StatusCode, authURL)
	}
	page, err := c.http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.Contains(string(body), stack.DemoSSOEmail) {
		t.Fatalf("issuer form: %d %s", page.StatusCode, body)
	}
	form := url.Values{"email": {stack.DemoSSOEmail}, "name": {"Jordan Example"}, "groups": {"store-leads"},
		"subject": {"jordan"}, "action": {"sign_in"}}
	for _, m := range hiddenInput.FindAllStringSubmatch(string(body), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	req, _ := http.NewRequest("POST", s.URL+stack.LocalIssuerPath+"/oauth2/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	back, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	back.Body.Close()
	callback := back.Header.Get("Location")
	if back.StatusCode != http.StatusFound || !strings.HasPrefix(callback, s.URL+"/api/auth/sso/callback?") {
		t.Fatalf("issuer form post: %d %q", back.StatusCode, callback)
	}
	done, err := c.http.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	done.Body.Close()
	if done.StatusCode != http.StatusFound || done.Header.Get("Location") != "/" {
		t.Fatalf("callback: %d %q", done.StatusCode, done.Header.Get("Location"))
	}
	_, session := c.do("GET", "/api/auth/session", "")
	user, _ := session["user"].(map[string]any)
	if user == nil || user["username"] != stack.DemoSSOUsername || user["sso"] != true {
		t.Fatalf("session after SSO: %v", session)
	}
	// The same callback again: the state is spent.
	again, err := c.http.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.Header.Get("Location") != "/#/login?error=sso_failed" {
		t.Fatalf("replayed callback: %d %q", again.StatusCode, again.Header.Get("Location"))
	}
}
