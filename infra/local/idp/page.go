package idp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// pagesHTML are the sign-in form and the error page. html/template escapes
// every value; the only style is a <style> block allowed by a per-response
// CSP nonce, and there is no script at all.
const pagesHTML = `
{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Title}}</title>
<style nonce="{{.CSPNonce}}">
:root { color-scheme: light dark; --fg: #1f2328; --bg: #f6f8fa; --card: #fff; --line: #d0d7de; --muted: #57606a; --accent: #0969da; --warn-bg: #fff8c5; --warn-line: #d4a72c; --err-bg: #ffebe9; --err-line: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --card: #161b22; --line: #30363d; --muted: #8d96a0; --accent: #4493f8; --warn-bg: #2e2a1a; --warn-line: #9e6a03; --err-bg: #2d1416; --err-line: #f85149; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 34rem; margin: 2rem auto; padding: 1.5rem 2rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; overflow-wrap: anywhere; }
.note { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; padding: .6rem .8rem; font-size: .9rem; }
.error { background: var(--err-bg); border: 1px solid var(--err-line); border-radius: 6px; padding: .6rem .8rem; }
.field { margin: 1rem 0; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.hint { display: block; color: var(--muted); font-size: .85rem; margin-top: .2rem; }
input[type=text], input[type=email] { width: 100%; padding: .5rem .6rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--line); border-radius: 6px; }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
button { font: inherit; font-weight: 600; padding: .5rem 1.2rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--fg); border-color: var(--line); }
.meta { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
</style>
</head>
<body>
<main>
{{end}}

{{define "foot"}}</main>
</body>
</html>
{{end}}

{{define "form"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<p class="note">This page exists only in the local stack. It stands in for the Cognito hosted sign-in and for the {{.ProviderType}} identity provider “{{.ProviderID}}”: no password is checked, and Gatepass receives the identity you enter below.</p>
{{if .Error}}<p class="error" role="alert" id="form-error">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}"{{if .Error}} aria-describedby="form-error"{{end}}>
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<div class="field">
<label for="email">Email</label>
<input type="email" id="email" name="email" value="{{.Form.Email}}" required maxlength="254" autocomplete="off" spellcheck="false">
</div>
<div class="field">
<label for="name">Display name</label>
<input type="text" id="name" name="name" value="{{.Form.Name}}" maxlength="256" autocomplete="off">
</div>
<div class="field">
<label for="groups">Groups</label>
<input type="text" id="groups" name="groups" value="{{.Form.Groups}}" autocomplete="off" spellcheck="false" aria-describedby="groups-hint">
<span class="hint" id="groups-hint">Comma-separated, for example: store-managers, berlin. They reach Gatepass as the custom:groups claim.</span>
</div>
<div class="field">
<label for="subject">Subject</label>
<input type="text" id="subject" name="subject" value="{{.Form.Subject}}" maxlength="128" autocomplete="off" spellcheck="false" aria-describedby="subject-hint">
<span class="hint" id="subject-hint">The user's id at the identity provider; empty means the email. The same subject is the same SSO identity.</span>
</div>
<div class="actions">
<button type="submit" name="action" value="sign_in">Sign in</button>
<button type="submit" name="action" value="cancel" class="secondary" formnovalidate>Cancel</button>
</div>
</form>
<p class="meta">After signing in you return to {{.RedirectURI}}</p>
{{template "foot"}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<p class="error" role="alert">{{.Message}}</p>
<p class="note">This page exists only in the local stack: it stands in for the Cognito hosted sign-in.</p>
{{template "foot"}}{{end}}
`

func parsePages() (*template.Template, error) {
	return template.New("pages").Parse(pagesHTML)
}

type hiddenField struct{ Name, Value string }

type formPage struct {
	Title, CSPNonce            string
	ProviderID, ProviderType   string
	Action, RedirectURI, Error string
	Hidden                     []hiddenField
	Form                       identityForm
}

type errorPage struct {
	Title, CSPNonce, Message string
}

// renderForm answers the sign-in form of a checked request.
func (i *Issuer) renderForm(w http.ResponseWriter, status int, req authRequest, form identityForm, problem string) {
	nonce := cspNonce()
	typ := "OIDC"
	if req.provider.Type != "oidc" {
		typ = "SAML"
	}
	data := formPage{
		Title:    "Local test identity provider — " + req.provider.ID,
		CSPNonce: nonce, ProviderID: req.provider.ID, ProviderType: typ,
		Action: i.base + PathAuthorize, RedirectURI: req.redirectURI, Error: problem, Form: form,
	}
	for _, name := range authParams() {
		data.Hidden = append(data.Hidden, hiddenField{name, req.params.Get(name)})
	}
	// The form posts to this origin, which then redirects to the client's.
	formAction := "'self'"
	if u, err := url.Parse(req.redirectURI); err == nil {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	i.render(w, status, "form", data, nonce, formAction)
}

// errorPage answers a page that explains a refused request, without
// redirecting anywhere.
func (i *Issuer) errorPage(w http.ResponseWriter, status int, message string) {
	nonce := cspNonce()
	i.render(w, status, "error", errorPage{Title: "Local test identity provider — error", CSPNonce: nonce, Message: message}, nonce, "'none'")
}

func (i *Issuer) render(w http.ResponseWriter, status int, name string, data any, nonce, formAction string) {
	var buf bytes.Buffer
	if err := i.pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", strings.Join([]string{
		"default-src 'none'",
		"style-src 'nonce-" + nonce + "'",
		"form-action " + formAction,
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; "))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// cspNonce returns a fresh 128-bit nonce for the page's <style>.
func cspNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
