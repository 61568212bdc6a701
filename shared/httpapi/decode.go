package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gatepass/gatepass/shared/validate"
)

// MaxBodyBytes is the largest request body Gatepass accepts (API.md
// "Conventions": bodies over 16 KiB are refused with 413).
const MaxBodyBytes = 16 << 10

// maxFieldNameInDetail bounds how much of a client-supplied field name is
// echoed back in a problem detail.
const maxFieldNameInDetail = 64

// DecodeJSON reads the JSON object in r's body into dst, which must be a
// non-nil pointer. It returns a *Problem that WriteError renders:
//   - 415 unsupported_media_type unless Content-Type is application/json
//     (parameters such as charset=utf-8 allowed, case-insensitive);
//   - 413 payload_too_large when the body exceeds MaxBodyBytes;
//   - 400 invalid_request for an empty body, invalid UTF-8, a syntax error, a
//     value that is not an object, an unknown field (named in the detail and
//     in violations), a wrong type, or data after the object.
//
// Problem details never echo submitted values. Reading never goes further
// than MaxBodyBytes+1 bytes. A dst that cannot be decoded into is a
// programming error and returns a plain error (rendered as 500).
func DecodeJSON(r *http.Request, dst any) error {
	if !IsJSONContentType(r.Header.Get("Content-Type")) {
		return UnsupportedMediaType()
	}
	if r.ContentLength > MaxBodyBytes {
		return PayloadTooLarge()
	}
	if r.Body == nil {
		return InvalidRequest("The request body is empty.")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return PayloadTooLarge()
		}
		return InvalidRequest("The request body could not be read.")
	}
	if len(body) > MaxBodyBytes {
		return PayloadTooLarge()
	}
	return decodeObject(body, dst)
}

// decodeObject strictly decodes one JSON object from body into dst.
func decodeObject(body []byte, dst any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return InvalidRequest("The request body is empty.")
	case !utf8.Valid(body):
		return InvalidRequest("The request body is not valid UTF-8.")
	case trimmed[0] != '{':
		return InvalidRequest("The request body must be a JSON object.")
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return InvalidRequest("The request body must contain a single JSON object.")
	}
	return nil
}

// decodeProblem turns an encoding/json error into a problem without echoing
// any part of the submitted values (UnmarshalTypeError.Value may hold a
// number literal, SyntaxError messages quote input characters).
func decodeProblem(err error) error {
	var (
		syntaxErr  *json.SyntaxError
		typeErr    *json.UnmarshalTypeError
		invalidErr *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &invalidErr):
		return fmt.Errorf("httpapi: decode request body: %w", err)
	case errors.As(err, &syntaxErr),
		errors.Is(err, io.ErrUnexpectedEOF):
		return InvalidRequest("The request body is not valid JSON.")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return InvalidRequest("The request body must be a JSON object.")
		}
		field := clip(typeErr.Field)
		p := InvalidRequest(fmt.Sprintf("Field %q has the wrong type.", field))
		p.Violations = []validate.Violation{{
			Field: field, Code: "invalid_type", Message: "This field has the wrong type.",
		}}
		return p
	}
	// encoding/json reports unknown fields only through the message
	// `json: unknown field "<name>"`; the name is the client's, not secret.
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		field := clip(strings.TrimSuffix(name, `"`))
		p := InvalidRequest(fmt.Sprintf("Unknown field %q.", field))
		p.Violations = []validate.Violation{{
			Field: field, Code: "unknown_field", Message: "This field is not allowed.",
		}}
		return p
	}
	return InvalidRequest("The request body is not valid JSON.")
}

// clip shortens a client-supplied field name for use in a detail.
func clip(s string) string {
	if len(s) <= maxFieldNameInDetail {
		return s
	}
	cut := maxFieldNameInDetail
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// IsJSONContentType reports whether a Content-Type header value names
// application/json, ignoring case and parameters (e.g. charset=utf-8).
// A charset other than UTF-8 is refused: API.md bodies are UTF-8.
func IsJSONContentType(value string) bool {
	if value == "" {
		return false
	}
	mediaType, params, err := mime.ParseMediaType(value)
	if err != nil || mediaType != "application/json" {
		return false
	}
	charset, ok := params["charset"]
	return !ok || strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "utf8")
}
