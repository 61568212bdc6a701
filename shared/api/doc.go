// Package api publishes the HTTP contract of Gatepass (API.md) as an OpenAPI
// 3.1 document. A test keeps it in step with the route table.
package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document, JSON.
//
//go:embed openapi.json
var OpenAPI []byte
