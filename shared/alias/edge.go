package alias

import (
	_ "embed"
	"encoding/json"
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
