package outbox_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mail/outbox"
)

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), method, path, nil))
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func checkDevHeaders(t *testing.T, resp *http.Response, contentType string) {
	t.Helper()
	if got, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || got != contentType {
		t.Errorf("Content-Type = %q, want %q", resp.Header.Get("Content-Type"), contentType)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if csp != outbox.ContentSecurityPolicy || !strings.HasPrefix(csp, "default-src 'self'; style-src 'self' 'unsafe-inline'") ||
		strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
}

func TestJSON(t *testing.T) {
	clk := clock.NewFake(start)
	o := openBox(t, t.TempDir(), clk)
	h := o.Handler()

	resp, body := get(t, h, http.MethodGet, "/_dev/mail")
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != `{"items":[]}` {
		t.Fatalf("empty outbox: %d %s", resp.StatusCode, body)
	}
	checkDevHeaders(t, resp, "application/json")

	send(t, o, msg(1))
	clk.Advance(90 * time.Second)
	send(t, o, msg(2))
	resp, body = get(t, h, http.MethodGet, "/_dev/mail")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkDevHeaders(t, resp, "application/json")
	var doc map[string][]map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	items := doc["items"]
	if len(doc) != 1 || len(items) != 2 {
		t.Fatalf("document %s", body)
	}
	wantKeys := []string{"html", "id", "kind", "sentAt", "subject", "text", "to"}
	for i, it := range items {
		var keys []string
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("item %d keys %v, want %v", i, keys, wantKeys)
		}
	}
	newest, oldest := items[0], items[1]
	if newest["subject"] != "Subject 2" || newest["to"] != "user2@example.com" || newest["text"] != "text 2\n" ||
		newest["html"] != "<p>html 2</p>" || newest["kind"] != "password_changed" ||
		newest["sentAt"] != "2026-11-23T08:01:30Z" || oldest["sentAt"] != "2026-11-23T08:00:00Z" {
		t.Errorf("items %v", items)
	}
	if id, _ := newest["id"].(string); id != o.List()[0].ID {
		t.Errorf("id %q", id)
	}
}

const hostile = `</pre><script>alert("x")</script><img src=x onerror=alert(1)>`

func TestListPageEscapesAndOrders(t *testing.T) {
	clk := clock.NewFake(start)
	o := openBox(t, t.TempDir(), clk)
	h := o.Handler()

	resp, body := get(t, h, http.MethodGet, "/_dev/mail/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No mail yet") {
		t.Fatalf("empty list: %d\n%s", resp.StatusCode, body)
	}
	send(t, o, mail.Message{To: "first@example.com", Subject: "First mail", Text: "one"})
	clk.Advance(time.Minute)
	send(t, o, mail.Message{To: `"<b>x</b>"@example.com`, Subject: "<script>alert(1)</script> & more", Text: hostile, HTML: "<p>html</p>"})

	resp, body = get(t, h, http.MethodGet, "/_dev/mail/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkDevHeaders(t, resp, "text/html")
	for _, raw := range []string{"<script", "<img", "<b>x", "onerror=alert(1)>"} {
		if strings.Contains(body, raw) {
			t.Errorf("list page holds unescaped %q", raw)
		}
	}
	for _, escaped := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt; &amp; more",
		"&lt;/pre&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"&lt;b&gt;x&lt;/b&gt;",
	} {
		if !strings.Contains(body, escaped) {
			t.Errorf("list page lacks %q", escaped)
		}
	}
	items := o.List()
	for _, it := range items {
		if !strings.Contains(body, `<a href="/_dev/mail/`+it.ID+`">`) {
			t.Errorf("list page does not link %s", it.ID)
		}
	}
	if strings.Index(body, items[0].ID) > strings.Index(body, items[1].ID) {
		t.Error("list page is not newest first")
	}
	if !strings.Contains(body, "2026-11-23 08:01:00 UTC") || !strings.Contains(body, `<pre>one</pre>`) {
		t.Errorf("list page lacks the time or the text part:\n%s", body)
	}
	if strings.Contains(body, "<p>html</p>") {
		t.Error("list page shows the HTML part")
	}
}

var srcdoc = regexp.MustCompile(`<iframe sandbox srcdoc="([^"]*)"`)

func TestItemPageSandboxesTheHTMLPart(t *testing.T) {
	o := openBox(t, t.TempDir(), clock.NewFake(start))
	link := "http://127.0.0.1:8080/#/reset?token=u_abc.def-_ghi"
	mailHTML := `<!DOCTYPE html><p style="color:red">Hi "you" &amp; co</p><a href="` + link + `">Reset</a></iframe>` + hostile
	send(t, o, mail.Message{To: "a@example.com", Subject: "Reset <now>", Text: "Open " + link + ".\n" + hostile, HTML: mailHTML, Kind: mail.KindResetLink})
	id := o.List()[0].ID

	resp, body := get(t, o.Handler(), http.MethodGet, "/_dev/mail/"+id)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkDevHeaders(t, resp, "text/html")
	m := srcdoc.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sandboxed iframe:\n%s", body)
	}
	if got := html.UnescapeString(m[1]); got != mailHTML {
		t.Fatalf("srcdoc holds %q, want the HTML part %q", got, mailHTML)
	}
	outside := strings.Replace(body, m[0], "", 1)
	for _, raw := range []string{"<script", "<img", "<p style", "Reset <now>"} {
		if strings.Contains(outside, raw) {
			t.Errorf("item page holds unescaped %q outside the iframe", raw)
		}
	}
	if !strings.Contains(body, `<a href="`+link+`" rel="noreferrer noopener" target="_blank">`) {
		t.Errorf("item page does not offer the link:\n%s", body)
	}
	if !strings.Contains(body, "&lt;/pre&gt;&lt;script&gt;") {
		t.Error("item page lacks the escaped text part")
	}
}

func TestItemPageWithoutHTMLPart(t *testing.T) {
	o := openBox(t, t.TempDir(), clock.NewFake(start))
	send(t, o, mail.Message{To: "a@example.com", Subject: "Plain", Text: "only text"})
	_, body := get(t, o.Handler(), http.MethodGet, "/_dev/mail/"+o.List()[0].ID)
	if strings.Contains(body, "<iframe") || !strings.Contains(body, "no HTML part") {
		t.Fatalf("page:\n%s", body)
	}
}

func TestRoutes(t *testing.T) {
	o := openBox(t, t.TempDir(), clock.NewFake(start))
	send(t, o, msg(1))
	h := o.Handler()
	for _, tc := range []struct {
		method, path string
		status       int
		contentType  string
	}{
		{http.MethodHead, "/_dev/mail", http.StatusOK, "application/json"},
		{http.MethodHead, "/_dev/mail/", http.StatusOK, "text/html"},
		{http.MethodGet, "/_dev/mail/m_unknown", http.StatusNotFound, "application/problem+json"},
		{http.MethodGet, "/_dev/mail/a/b", http.StatusNotFound, "application/problem+json"},
		{http.MethodGet, "/_dev/other", http.StatusNotFound, "application/problem+json"},
		{http.MethodPost, "/_dev/mail", http.StatusMethodNotAllowed, "application/problem+json"},
		{http.MethodDelete, "/_dev/mail/" + o.List()[0].ID, http.StatusMethodNotAllowed, "application/problem+json"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, _ := get(t, h, tc.method, tc.path)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			checkDevHeaders(t, resp, tc.contentType)
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
		})
	}
}
