// Package validate holds the violation type shared by every capability that
// checks client input, so that the HTTP layer can render any of them as the
// "violations" member of a problem document.
package validate

import (
	"slices"
	"strings"
)

// Violation names one rule that one field broke. Code is stable and machine
// readable (clients switch on it); Message is for people.
type Violation struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CodeInvalidCharacters is the violation code of a value holding characters
// its rules refuse: a username, display name or facility name that its
// PRECIS profile (or the mixed-script rule) refuses (API.md "Usernames and
// display names"). Such a request is well-formed but its content cannot be
// accepted, so an Error with this violation is answered 422, not 400.
const CodeInvalidCharacters = "invalid_characters"

// Error carries one or more violations. The HTTP layer answers it with 400
// invalid_request, or 422 invalid_request when it is Unprocessable.
type Error struct {
	Violations []Violation
}

// Unprocessable reports whether a violation refuses the content of
// well-formed input rather than its form: whether any has the code
// CodeInvalidCharacters. The status belongs to the request as a whole, so
// one such violation makes it 422 whatever else is listed.
func (e *Error) Unprocessable() bool {
	return slices.ContainsFunc(e.Violations, func(v Violation) bool { return v.Code == CodeInvalidCharacters })
}

// Error implements error without echoing any submitted value.
func (e *Error) Error() string {
	parts := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		parts = append(parts, v.Field+": "+v.Code)
	}
	return "validation failed: " + strings.Join(parts, ", ")
}

// List accumulates violations.
type List []Violation

// Add appends a violation.
func (l *List) Add(field, code, message string) {
	*l = append(*l, Violation{Field: field, Code: code, Message: message})
}

// Err returns nil when the list is empty and an *Error otherwise.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return &Error{Violations: l}
}
