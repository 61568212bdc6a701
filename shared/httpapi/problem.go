// Package httpapi holds the plain net/http helpers every Gatepass handler
// uses: RFC 9457 problem documents, JSON request decoding and response
// writing, the common middleware (request ids, access log, CSRF checks,
// security headers, panic recovery) and the client IP. It carries no
// business logic: sessions, cookies and authorization live elsewhere.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/validate"
)

// ProblemTypePrefix starts the "type" member of every problem document:
// the type of a problem with code C is ProblemTypePrefix + C, e.g.
// "/problems/invalid_credentials".
//
// RFC 9457 §3.1.1 allows a relative URI reference and recommends, when one is
// used, a full path such as this one. It is a stable identifier, not a page:
// clients must not dereference it and switch on "code" anyway (API.md). An
// absolute URI would need a domain the product owns in every deployment,
// and "about:blank" would make every code share one type.
const ProblemTypePrefix = "/problems/"

// ContentTypeProblem is the media type of problem documents (RFC 9457 §3).
const ContentTypeProblem = "application/problem+json"

// ContentTypeJSON is the media type of every success body.
const ContentTypeJSON = "application/json; charset=utf-8"

// The error codes of API.md ("Error codes used below"). Clients switch on
// them; they never change.
const (
	CodeInvalidRequest         = "invalid_request"
	CodeUnsupportedMediaType   = "unsupported_media_type"
	CodePayloadTooLarge        = "payload_too_large"
	CodeInvalidCredentials     = "invalid_credentials"
	CodeUnauthenticated        = "unauthenticated"
	CodeInvalidCode            = "invalid_code"
	CodeChallengeInvalid       = "challenge_invalid"
	CodeCurrentPasswordInvalid = "current_password_invalid"
	CodePasswordMismatch       = "password_mismatch"
	CodePasswordPolicy         = "password_policy"
	CodeMFAEnrolmentRequired   = "mfa_enrolment_required"
	CodeTokenInvalid           = "token_invalid"
	CodeForbidden              = "forbidden"
	CodePasswordChangeRequired = "password_change_required"
	CodeSSOAccount             = "sso_account"
	CodeStepUpRequired         = "step_up_required"
	CodeMFARequiredByPolicy    = "mfa_required_by_policy"
	CodeNotFound               = "not_found"
	CodeConflict               = "conflict"
	CodeTooManyRequests        = "too_many_requests"
	CodeInternal               = "internal"
	CodeUnavailable            = "unavailable"
)

// Problem is an RFC 9457 problem document extended with the stable
// machine-readable "code" of API.md and, for validation errors, the
// violated rules. It implements error so that capabilities can return it and
// WriteError can render it.
//
// Detail is shown to clients: it must never hold a secret, a stack trace or
// a storage error message.
type Problem struct {
	Type       string               `json:"type"`
	Title      string               `json:"title"`
	Status     int                  `json:"status"`
	Code       string               `json:"code"`
	Detail     string               `json:"detail"`
	Violations []validate.Violation `json:"violations,omitempty"`

	// RetryAfter, when positive, is sent as the Retry-After header in whole
	// seconds, rounded up. 429 responses always carry at least 1 second.
	RetryAfter time.Duration `json:"-"`
}

// Error returns the problem's code. It never includes Detail, which may echo
// what the client sent.
func (p *Problem) Error() string { return p.Code }

// Is reports whether target is a *Problem with the same status and code, so
// that errors.Is(err, httpapi.Unauthenticated()) works on wrapped problems.
func (p *Problem) Is(target error) bool {
	t, ok := target.(*Problem)
	return ok && t.Status == p.Status && t.Code == p.Code
}

// NewProblem returns a problem with the given status and code. An empty title
// is replaced by the fixed title of a known code, else by the status text.
// Capabilities use it for codes that have no constructor of their own.
func NewProblem(status int, code, title, detail string) *Problem {
	if title == "" {
		title = titleFor(code, status)
	}
	return &Problem{
		Type:   ProblemTypePrefix + code,
		Title:  title,
		Status: status,
		Code:   code,
		Detail: detail,
	}
}

func newKnown(status int, code, detail string) *Problem {
	return NewProblem(status, code, "", detail)
}

// titleFor returns the fixed human title of a code, falling back to the HTTP
// status text for codes this package does not know.
func titleFor(code string, status int) string {
	switch code {
	case CodeInvalidRequest:
		return "Invalid request"
	case CodeUnsupportedMediaType:
		return "Unsupported media type"
	case CodePayloadTooLarge:
		return "Payload too large"
	case CodeInvalidCredentials:
		return "Invalid credentials"
	case CodeUnauthenticated:
		return "Authentication required"
	case CodeInvalidCode:
		return "Invalid code"
	case CodeChallengeInvalid:
		return "Invalid or expired challenge"
	case CodeCurrentPasswordInvalid:
		return "Current password is incorrect"
	case CodePasswordMismatch:
		return "Passwords do not match"
	case CodePasswordPolicy:
		return "Password does not meet the policy"
	case CodeMFAEnrolmentRequired:
		return "MFA enrolment required"
	case CodeTokenInvalid:
		return "Invalid or expired link"
	case CodeForbidden:
		return "Forbidden"
	case CodePasswordChangeRequired:
		return "Password change required"
	case CodeSSOAccount:
		return "Account uses single sign-on"
	case CodeStepUpRequired:
		return "Re-authentication required"
	case CodeMFARequiredByPolicy:
		return "MFA required by policy"
	case CodeNotFound:
		return "Not found"
	case CodeConflict:
		return "Conflict"
	case CodeTooManyRequests:
		return "Too many requests"
	case CodeInternal:
		return "Internal error"
	case CodeUnavailable:
		return "Service unavailable"
	}
	if text := http.StatusText(status); text != "" {
		return text
	}
	return "Error"
}

// InvalidRequest is 400 invalid_request. The detail is shown to the client.
func InvalidRequest(detail string) *Problem {
	return newKnown(http.StatusBadRequest, CodeInvalidRequest, detail)
}

// InvalidRequestViolations is 400 invalid_request listing the broken rules.
func InvalidRequestViolations(violations []validate.Violation) *Problem {
	p := newKnown(http.StatusBadRequest, CodeInvalidRequest, "The request has invalid fields.")
	p.Violations = violations
	return p
}

// UnprocessableViolations is 422 invalid_request listing the broken rules:
// the request is well-formed, but its content is refused (API.md: characters
// a PRECIS profile refuses, parameter values out of bounds).
func UnprocessableViolations(violations []validate.Violation) *Problem {
	p := newKnown(http.StatusUnprocessableEntity, CodeInvalidRequest, "The request has fields whose content is refused.")
	p.Violations = violations
	return p
}

// UnsupportedMediaType is 415 unsupported_media_type.
func UnsupportedMediaType() *Problem {
	return newKnown(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType,
		"The request body must be application/json.")
}

// PayloadTooLarge is 413 payload_too_large.
func PayloadTooLarge() *Problem {
	return newKnown(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
		fmt.Sprintf("The request body must not exceed %d bytes.", MaxBodyBytes))
}

// InvalidCredentials is 401 invalid_credentials: one body for every login
// failure (API.md "POST /api/auth/login").
func InvalidCredentials() *Problem {
	return newKnown(http.StatusUnauthorized, CodeInvalidCredentials,
		"The username or password is incorrect.")
}

// Unauthenticated is 401 unauthenticated: no valid session.
func Unauthenticated() *Problem {
	return newKnown(http.StatusUnauthorized, CodeUnauthenticated, "A valid session is required.")
}

// InvalidCode is 401 invalid_code: a wrong, reused or replayed MFA code.
func InvalidCode() *Problem {
	return newKnown(http.StatusUnauthorized, CodeInvalidCode, "The code is incorrect.")
}

// ChallengeInvalid is 401 challenge_invalid: an unknown, expired, completed
// or exhausted MFA challenge.
func ChallengeInvalid() *Problem {
	return newKnown(http.StatusUnauthorized, CodeChallengeInvalid,
		"The sign-in attempt is no longer valid. Sign in again.")
}

// CurrentPasswordInvalid is 400 current_password_invalid.
func CurrentPasswordInvalid() *Problem {
	return newKnown(http.StatusBadRequest, CodeCurrentPasswordInvalid,
		"The current password is incorrect.")
}

// PasswordMismatch is 400 password_mismatch: the repeated password differs.
func PasswordMismatch() *Problem {
	return newKnown(http.StatusBadRequest, CodePasswordMismatch,
		"The two passwords do not match.")
}

// PasswordPolicy is 422 password_policy listing the rules the new password
// breaks.
func PasswordPolicy(violations []validate.Violation) *Problem {
	p := newKnown(http.StatusUnprocessableEntity, CodePasswordPolicy,
		"The password does not meet the password policy.")
	p.Violations = violations
	return p
}

// MFAEnrolmentRequired is 403 mfa_enrolment_required.
func MFAEnrolmentRequired() *Problem {
	return newKnown(http.StatusForbidden, CodeMFAEnrolmentRequired,
		"Set up multi-factor authentication to continue.")
}

// TokenInvalid is 410 token_invalid: an unknown, expired, used or superseded
// reset or invitation token (indistinguishable on purpose).
func TokenInvalid() *Problem {
	return newKnown(http.StatusGone, CodeTokenInvalid, "The link is invalid or has expired.")
}

// Forbidden is 403 forbidden.
func Forbidden() *Problem {
	return newKnown(http.StatusForbidden, CodeForbidden, "You may not do this.")
}

// PasswordChangeRequired is 403 password_change_required.
func PasswordChangeRequired() *Problem {
	return newKnown(http.StatusForbidden, CodePasswordChangeRequired,
		"Change your password to continue.")
}

// SSOAccount is 403 sso_account: the account signs in through single sign-on
// and has no local password.
func SSOAccount() *Problem {
	return newKnown(http.StatusForbidden, CodeSSOAccount,
		"This account signs in with single sign-on.")
}

// StepUpRequired is 403 step_up_required.
func StepUpRequired() *Problem {
	return newKnown(http.StatusForbidden, CodeStepUpRequired,
		"Confirm your identity again to continue.")
}

// MFARequiredByPolicy is 403 mfa_required_by_policy.
func MFARequiredByPolicy() *Problem {
	return newKnown(http.StatusForbidden, CodeMFARequiredByPolicy,
		"Multi-factor authentication is required for your role.")
}

// NotFound is 404 not_found.
func NotFound() *Problem {
	return newKnown(http.StatusNotFound, CodeNotFound, "The resource does not exist.")
}

// Conflict is 409 conflict. The detail is shown to the client.
func Conflict(detail string) *Problem {
	return newKnown(http.StatusConflict, CodeConflict, detail)
}

// TooManyRequests is 429 too_many_requests; the response carries Retry-After
// with retryAfter in whole seconds, rounded up, at least 1.
func TooManyRequests(retryAfter time.Duration) *Problem {
	p := newKnown(http.StatusTooManyRequests, CodeTooManyRequests,
		"Too many attempts. Try again later.")
	p.RetryAfter = max(retryAfter, time.Second)
	return p
}

// Internal is 500 internal. Its detail is generic on purpose.
func Internal() *Problem {
	return newKnown(http.StatusInternalServerError, CodeInternal,
		"An unexpected error occurred.")
}

// Unavailable is 503 unavailable.
func Unavailable() *Problem {
	return newKnown(http.StatusServiceUnavailable, CodeUnavailable,
		"The service is temporarily unavailable. Try again later.")
}

// retryAfterSeconds rounds d up to whole seconds.
func retryAfterSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

// WriteProblem writes p as an application/problem+json response with its
// status and, when set (and always for 429), a Retry-After header. A nil p
// or one without a valid status is written as 500 internal. r may be nil.
func WriteProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p == nil || p.Status < 400 || p.Status > 599 {
		p = Internal()
	}
	doc := *p
	if doc.Code == "" {
		doc.Code = CodeInternal
	}
	if doc.Type == "" {
		doc.Type = ProblemTypePrefix + doc.Code
	}
	if doc.Title == "" {
		doc.Title = titleFor(doc.Code, doc.Status)
	}
	body, err := json.Marshal(&doc)
	if err != nil { // unreachable: every member is a string, int or string slice
		body = []byte(`{"type":"` + ProblemTypePrefix + CodeInternal + `","title":"Internal error","status":500,"code":"internal"}`)
		doc.Status = http.StatusInternalServerError
		loggerFor(r).Error("encode problem document", slog.Any("error", err))
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeProblem)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if doc.RetryAfter > 0 || doc.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", strconv.FormatInt(max(retryAfterSeconds(doc.RetryAfter), 1), 10))
	}
	w.WriteHeader(doc.Status)
	_, _ = w.Write(body) // a failed write means the client is gone
}

// WriteError renders err:
//   - a *Problem anywhere in the chain (errors.As) as is;
//   - a *validate.Error as invalid_request with its violations: 422 when
//     it is Unprocessable (validate.CodeInvalidCharacters), else 400;
//   - an *http.MaxBytesError as 413 payload_too_large;
//   - anything else as 500 internal with a generic detail.
//
// Errors answered with a 5xx status are logged with the request's logger
// (which carries the request id); their text never reaches the response.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		problem  *Problem
		invalid  *validate.Error
		tooLarge *http.MaxBytesError
	)
	switch {
	case err == nil:
		problem = Internal()
		loggerFor(r).Error("WriteError called without an error", requestAttrs(r)...)
	case errors.As(err, &problem):
		if problem.Status >= http.StatusInternalServerError {
			loggerFor(r).Error("request failed", append(requestAttrs(r), slog.String("error", err.Error()))...)
		}
	case errors.As(err, &invalid):
		problem = InvalidRequestViolations(invalid.Violations)
		if invalid.Unprocessable() {
			problem = UnprocessableViolations(invalid.Violations)
		}
	case errors.As(err, &tooLarge):
		problem = PayloadTooLarge()
	default:
		problem = Internal()
		loggerFor(r).Error("request failed", append(requestAttrs(r), slog.String("error", err.Error()))...)
	}
	WriteProblem(w, r, problem)
}

// requestAttrs names the request in an error log line: method and path, never
// the query string or any header.
func requestAttrs(r *http.Request) []any {
	if r == nil || r.URL == nil {
		return nil
	}
	return []any{slog.String("method", r.Method), slog.String("path", r.URL.Path)}
}

// loggerFor is Logger(r.Context()) that tolerates a nil request.
func loggerFor(r *http.Request) *slog.Logger {
	if r == nil {
		return slog.Default()
	}
	return Logger(r.Context())
}

// WriteJSON writes v as an application/json success body with the given
// status. v is encoded before anything is written: when encoding fails, the
// response is a 500 internal problem and the encoding error is returned for
// the caller to log. Write errors (a client that went away) are not reported.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		WriteProblem(w, nil, Internal())
		return fmt.Errorf("httpapi: encode response body: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// NoContent writes an empty 204 response.
func NoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}
