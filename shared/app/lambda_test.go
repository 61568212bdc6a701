package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/shared/apigw"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/bootstrap"
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
    "x-forwarded-for": "10.1.2.3, 198.51.100.20"
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

func event(t *testing.T, method, path, body string, cookies []string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	c, _ := json.Marshal(cookies)
	if cookies == nil {
		c = []byte("null")
	}
	raw := strings.NewReplacer("%ROUTE%", method+" "+path, "%PATH%", path, "%METHOD%", method,
		"%COOKIES%", string(c), "%BODY%", base64.StdEncoding.EncodeToString([]byte(body))).Replace(eventJSON)
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		t.Fatal(err)
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
	// The audit trail holds API Gateway's source IP, never X-Forwarded-For.
	page, _ := d.Store.ListAudit(context.Background(), storeQuery())
	if len(page.Items) == 0 || page.Items[0].IP != "198.51.100.20" {
		t.Fatalf("audit = %+v", page.Items)
	}
}
