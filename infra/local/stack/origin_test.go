package stack_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/origin"
	"github.com/gatepass/gatepass/shared/recovery"
)

// The gateway plays CloudFront (API.md "The client address"): whatever
// origin secret, CloudFront-Viewer-Address or X-Forwarded-For a client
// sends, the functions see the gateway's own secret and the TCP peer, and
// the session and the audit trail hold the peer's address — over IPv4 and,
// where the machine has it, IPv6.
func TestForgedViewerAddressIsIgnoredLocally(t *testing.T) {
	listens := []struct{ name, addr, wantIP string }{{"IPv4", "127.0.0.1:0", "127.0.0.1"}}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		listens = append(listens, struct{ name, addr, wantIP string }{"IPv6", "[::1]:0", "::1"})
	} else {
		t.Logf("no IPv6 loopback here (%v): IPv4 only", err)
	}
	for _, l := range listens {
		t.Run(l.name, func(t *testing.T) {
			var logs strings.Builder
			s, err := stack.Start(context.Background(), stack.Config{Hasher: cheapHasher,
				Addr: l.addr, DataDir: t.TempDir(), WebDir: "../../../web",
				Admin:  bootstrap.Admin{Username: "admin", Password: adminPassword},
				Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Pacer: recovery.Floor{D: 50 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer stop(t, s)
			forged := map[string]string{
				origin.Header:              "a-forged-origin-secret-0123456789abcdef",
				origin.ViewerAddressHeader: "198.51.100.99:4242",
				"X-Forwarded-For":          "198.51.100.98",
			}
			c := newClient(t, s.URL)
			res, body := c.doWith("POST", "/api/auth/login", `{"username":"admin","password":"`+adminPassword+`"}`, forged)
			if res.StatusCode != 200 {
				t.Fatalf("login with forged headers: %d %v", res.StatusCode, body)
			}
			res, body = c.doWith("GET", "/api/auth/sessions", "", forged)
			items, _ := body["items"].([]any)
			if res.StatusCode != 200 || len(items) != 1 || items[0].(map[string]any)["ip"] != l.wantIP {
				t.Fatalf("sessions: %d %v, want the peer %s", res.StatusCode, body, l.wantIP)
			}
			res, body = c.doWith("GET", "/api/admin/audit?type=login.succeeded", "", forged)
			items, _ = body["items"].([]any)
			if res.StatusCode != 200 || len(items) != 1 || items[0].(map[string]any)["ip"] != l.wantIP {
				t.Fatalf("audit: %d %v, want the peer %s", res.StatusCode, body, l.wantIP)
			}
			if strings.Contains(logs.String(), origin.ViewerAddressMissingMetric) || strings.Contains(logs.String(), origin.RefusedMetric) {
				t.Fatalf("the gateway did not play CloudFront fully:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "a-forged-origin-secret") {
				t.Fatalf("a presented secret is in the logs:\n%s", logs.String())
			}
		})
	}
}

// doWith is do with extra request headers.
func (c *client) doWith(method, path, body string, header map[string]string) (*http.Response, map[string]any) {
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
	for k, v := range header {
		req.Header.Set(k, v)
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
