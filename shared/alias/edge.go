package alias

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// EdgeFunction is the source of the CloudFront Function (runtime
// cloudfront-js-2.0, viewer request) that enforces the alias at the edge in
// AWS; see the package documentation and the comment at its top. The CDK
// stack deploys it with a KeyValueStore holding the key EdgeKey.
//
//go:embed edge.js
var EdgeFunction string

// EdgeKey is the KeyValueStore key EdgeFunction reads the alias from; its
// value is EdgeValue of the alias.
const EdgeKey = "adminAlias"

// EdgeValue is the KeyValueStore value that makes EdgeFunction enforce
// alias ("" for none): the JSON document {"alias":"<alias>"}, which the
// function reads with format "json".
func EdgeValue(alias string) string {
	b, _ := json.Marshal(struct {
		Alias string `json:"alias"`
	}{alias}) // a struct of one string always encodes
	return string(b)
}

// Hidden answers a request for a path outside the alias: one 404 for every
// such path, API or web app — Go's http.NotFound bytes with no-store — the
// same that EdgeFunction answers at the edge, so that no path outside the
// alias can be told from another, nor from a path that does not exist.
func Hidden(w http.ResponseWriter) {
	h := w.Header()
	clear(h)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(HiddenBody))
}

// HiddenBody is the body Hidden and EdgeFunction answer.
const HiddenBody = "404 page not found\n"
