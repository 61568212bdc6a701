package outbox

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/httpapi"
)

// ContentSecurityPolicy is set on every response of Handler. The pages
// have no script at all; styles are inline. A mail's HTML part is shown in a
// sandboxed srcdoc iframe, which inherits this policy and may run no script
// either.
const ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Paths served by Handler.
const (
	PathJSON = "/_dev/mail"  // GET: {"items": [...]}, newest first
	PathPage = "/_dev/mail/" // GET: the HTML list; PathPage + id: one mail
)

//go:embed pages.html.tmpl
var pagesSource string

// linkPattern finds the http(s) links of a text part, offered as clickable
// links next to the sandboxed HTML part (whose own links cannot navigate).
var linkPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// Handler serves the outbox:
//
//	GET /_dev/mail        {"items": [{"id", "to", "subject", "text", "html", "kind", "sentAt"}]}, newest first
//	GET /_dev/mail/       an HTML page listing the mails, newest first
//	GET /_dev/mail/{id}   one mail: its HTML part in a sandboxed iframe, its links and its text part
//
// Every response carries Cache-Control: no-store and ContentSecurityPolicy.
// Other methods answer 405, other paths 404 (problem+json).
func (o *Outbox) Handler() http.Handler {
	pages := template.Must(template.New("pages").Funcs(template.FuncMap{
		"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"links": links,
	}).Parse(pagesSource))
	mux := http.NewServeMux()
	mux.Handle(PathJSON, readOnly(http.HandlerFunc(o.serveJSON)))
	mux.Handle(PathPage+"{$}", readOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		render(w, r, pages, "list", o.List())
	})))
	mux.Handle(PathPage+"{id}", readOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		it, ok := o.Get(r.PathValue("id"))
		if !ok {
			httpapi.WriteProblem(w, r, httpapi.NotFound())
			return
		}
		render(w, r, pages, "item", it)
	})))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		devHeaders(w.Header())
		httpapi.WriteProblem(w, r, httpapi.NotFound())
	}))
	return mux
}

func (o *Outbox) serveJSON(w http.ResponseWriter, _ *http.Request) {
	_ = httpapi.WriteJSON(w, http.StatusOK, struct {
		Items []Item `json:"items"`
	}{Items: o.List()})
}

// readOnly sets the headers of every outbox response and allows only GET
// and HEAD.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		devHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpapi.WriteProblem(w, r, httpapi.NewProblem(http.StatusMethodNotAllowed, "method_not_allowed", "",
				"Only GET and HEAD are allowed here."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func devHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// render executes a page into a buffer first, so that a failure becomes a
// clean 500 instead of half a page.
func render(w http.ResponseWriter, r *http.Request, pages *template.Template, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// links returns the distinct http(s) links of a text, at most 20, without
// the punctuation that ends a sentence.
func links(text string) []string {
	var out []string
	for _, l := range linkPattern.FindAllString(text, 20) {
		l = strings.TrimRight(l, ".,;:!?)]")
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}
