package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/store/storecount"
)

// eventJSON is shaped like the payload 2.0 events API Gateway HTTP APIs send.
const eventJSON = `{
  "version": "2.0",
  "routeKey": "%ROUTE%",
  "rawPath": "%PATH%",
  "rawQueryString": "",
  "cookies": %COOKIES%,
  "headers": {
    "content-type": "application/json",
    "origin": "https://backoffice.example.com",
    "host": "backoffice.example.com",
    "user-agent": "Mozilla/5.0",
    "x-forwarded-for": "10.1.2.3, 198.51.100.20",
    "x-gatepass-origin": "%SECRET%",
    "cloudfront-viewer-address": "%VIEWER%"
  },
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "api-id",
    "domainName": "backoffice.example.com",
    "http": {"method": "%METHOD%", "path": "%PATH%", "protocol": "HTTP/1.1",
             "sourceIp": "198.51.100.20", "userAgent": "Mozilla/5.0"},
    "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    "routeKey": "%ROUTE%",
    "stage": "$default",
    "time": "23/Nov/2026:08:00:00 +0000",
    "timeEpoch": 1795420800000
  },
  "body": "%BODY%",
  "isBase64Encoded": true
}`

// event builds the event of a request that came through CloudFront, as
// viewer (CloudFront-Viewer-Address), with the current origin secret; API
// Gateway's sourceIp is the CloudFront edge 198.51.100.20.
func event(t *testing.T, method, path, body string, cookies []string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	return edgeEvent(t, method, path, body, cookies, originSecret, "2001:db8:1:2::7:51234")
}

// edgeEvent is event with the given origin secret and viewer address; an
// empty one is left out.
func edgeEvent(t *testing.T, method, path, body string, cookies []string, secret, viewer string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	c, _ := json.Marshal(cookies)
	if cookies == nil {
		c = []byte("null")
	}
	raw := strings.NewReplacer("%ROUTE%", method+" "+path, "%PATH%", path, "%METHOD%", method,
		"%COOKIES%", string(c), "%BODY%", base64.StdEncoding.EncodeToString([]byte(body)),
		"%SECRET%", secret, "%VIEWER%", viewer).Replace(eventJSON)
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatal(err)
	}
	for name, value := range ev.Headers {
		if value == "" {
			delete(ev.Headers, name)
		}
	}
	return ev
}

func TestLoginFunctionUnderLambdaEvents(t *testing.T) {
	d := deps(t)
	d.PublicURL = "https://backoffice.example.com"
	if _, err := bootstrap.FirstAdmin(context.Background(), d.Store, d.Hasher, d.Clock, nil,
		bootstrap.Admin{Username: "admin", Password: "a lambda test passphrase"}); err != nil {
		t.Fatal(err)
	}
	h, err := app.Handler("login", app.LoginHandlers, d)
	if err != nil {
		t.Fatal(err)
	}
	invoke := apigw.Handler(h)

	res, err := invoke(context.Background(), event(t, "POST", "/api/auth/login",
		`{"username":"admin","password":"a lambda test passphrase"}`, nil))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v %d %s", err, res.StatusCode, res.Body)
	}
	if len(res.Cookies) != 1 || !strings.HasPrefix(res.Cookies[0], "__Host-gatepass=") ||
		!strings.Contains(res.Cookies[0], "Secure") || !strings.Contains(res.Cookies[0], "HttpOnly") {
		t.Fatalf("cookies = %v", res.Cookies)
	}
	if res.Headers["Strict-Transport-Security"] == "" || res.Headers["X-Request-Id"] == "" {
		t.Fatalf("headers = %v", res.Headers)
	}
	cookie := strings.SplitN(res.Cookies[0], ";", 2)[0]

	res, err = invoke(context.Background(), event(t, "GET", "/api/auth/session", "", []string{"theme=dark", cookie}))
	if err != nil || res.StatusCode != 200 || !strings.Contains(res.Body, `"username":"admin"`) {
		t.Fatalf("session: %v %d %s", err, res.StatusCode, res.Body)
	}
	// The audit trail holds CloudFront's viewer address (IPv6 without
	// brackets), never X-Forwarded-For nor API Gateway's source address,
	// which is CloudFront's.
	page, _ := d.Store.ListAudit(context.Background(), storeQuery())
	if len(page.Items) == 0 || page.Items[0].IP != "2001:db8:1:2::7" {
		t.Fatalf("audit = %+v", page.Items)
	}
}

// The origin check in the API Gateway v2 adapter's path, as in Lambda: an
// event without the secret is refused before any store access whatever
// CloudFront-Viewer-Address it carries; with the current or the previous
// secret, the client address is CloudFront-Viewer-Address, or API Gateway's
// sourceIp when that is missing or unusable (logged and counted), never
// X-Forwarded-For.
func TestOriginCheckUnderLambdaEvents(t *testing.T) {
	const pass = "a lambda test passphrase"
	tests := []struct {
		name, secret, viewer string
		wantStatus           int
		wantIP               string
		wantFallbackLog      bool
	}{
		{"no secret, forged viewer address", "", "192.0.2.66:4242", 403, "", false},
		{"wrong secret", originSecret + "x", "192.0.2.66:4242", 403, "", false},
		{"secret twice", originSecret + "," + originSecret, "192.0.2.66:4242", 403, "", false},
		{"current secret, IPv4", originSecret, "203.0.113.50:46532", 200, "203.0.113.50", false},
		{"previous secret", previousOriginSecret, "203.0.113.51:46532", 200, "203.0.113.51", false},
		{"IPv6 as CloudFront writes it", originSecret, "2001:DB8:0:0::9:443", 200, "2001:db8::9", false},
		{"IPv6 bracketed", originSecret, "[2001:db8::a]:443", 200, "2001:db8::a", false},
		{"IPv4-mapped IPv6", originSecret, "::ffff:203.0.113.52:443", 200, "203.0.113.52", false},
		{"no viewer address", originSecret, "", 200, "198.51.100.20", true},
		{"garbage viewer address", originSecret, "10.9.8.7", 200, "198.51.100.20", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deps(t)
			d.PublicURL = "https://backoffice.example.com"
			var logs bytes.Buffer
			d.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			if _, err := bootstrap.FirstAdmin(context.Background(), d.Store, d.Hasher, d.Clock, nil,
				bootstrap.Admin{Username: "admin", Password: pass}); err != nil {
				t.Fatal(err)
			}
			counted := storecount.New(d.Store)
			d.Store = counted
			h, err := app.Handler("login", app.LoginHandlers, d)
			if err != nil {
				t.Fatal(err)
			}
			res, err := apigw.Handler(h)(context.Background(), edgeEvent(t, "POST", "/api/auth/login",
				`{"username":"admin","password":"`+pass+`"}`, nil, tt.secret, tt.viewer))
			if err != nil || res.StatusCode != tt.wantStatus {
				t.Fatalf("%v %d %s", err, res.StatusCode, res.Body)
			}
			if tt.wantStatus == 403 {
				if !strings.Contains(res.Body, `"code":"forbidden"`) || res.Headers["Content-Type"] != "application/problem+json" ||
					res.Headers["Strict-Transport-Security"] == "" || len(res.Cookies) != 0 {
					t.Fatalf("refusal: %v %s", res.Headers, res.Body)
				}
				if c := counted.Counts(); c != (storecount.Counts{}) {
					t.Fatalf("a refused request reached the store: %+v", c)
				}
			} else {
				page, _ := d.Store.ListAudit(context.Background(), storeQuery())
				if len(page.Items) != 1 || page.Items[0].IP != tt.wantIP {
					t.Fatalf("audit = %+v, want the IP %s", page.Items, tt.wantIP)
				}
			}
			if got := strings.Contains(logs.String(), origin.ViewerAddressMissingMetric); got != tt.wantFallbackLog {
				t.Errorf("fallback logged and counted: %v, want %v; logs:\n%s", got, tt.wantFallbackLog, logs.String())
			}
			if tt.wantStatus == 403 && !strings.Contains(logs.String(), origin.RefusedMetric) {
				t.Errorf("refusal not counted; logs:\n%s", logs.String())
			}
			for _, secret := range []string{originSecret, previousOriginSecret} {
				if strings.Contains(logs.String(), secret) {
					t.Fatalf("a secret is in the logs:\n%s", logs.String())
				}
			}
		})
	}
}
