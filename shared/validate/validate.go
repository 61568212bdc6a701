// Package validate holds the violation type shared by every capability that
// checks client input, so that the HTTP layer can render any of them as the
// "violations" member of a problem document.
package validate

import "strings"

// Violation names one rule that one field broke. Code is stable and machine
// readable (clients switch on it); Message is for people.
type Violation struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error carries one or more violations. Handlers turn it into 400 or 422
// problem documents depending on the capability.
type Error struct {
	Violations []Violation
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
