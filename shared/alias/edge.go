package alias

import _ "embed"

// EdgeFunction is the source of the CloudFront Function (runtime
// cloudfront-js-2.0, viewer request) that enforces the alias at the edge in
// AWS; see the package documentation and the comment at its top. The CDK
// stack deploys it with a KeyValueStore holding the key "adminAlias".
//
//go:embed edge.js
var EdgeFunction string
