// Package credential holds the one rule set every path that sets a password
// goes through — invitation, reset, change, forced change, admin set
// (SECURITY.md: the same policy and the same violation codes everywhere).
package credential

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/policy"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/validate"
)

// ErrMismatch means the password and its repetition differ.
var ErrMismatch = errors.New("credential: passwords differ")

// PolicyError carries the policy violations of a new password.
type PolicyError struct{ Violations []validate.Violation }

func (e *PolicyError) Error() string { return (&validate.Error{Violations: e.Violations}).Error() }

// Checker checks a password against the tenant's policy.
type Checker interface {
	Check(p params.PasswordPolicy, pw string, c policy.Context) []validate.Violation
}

// BreachChecker tells whether a password appears in a breached-password
// corpus (package breached: a k-anonymity range query). It fails open: when
// the corpus cannot be asked it answers false, and says so in the log and a
// metric itself.
type BreachChecker interface {
	Breached(ctx context.Context, password string) bool
}

// CodeBreached is the violation of a password found in a breached-password
// corpus (API.md Parameters, blockBreached).
const CodeBreached = "breached"

// Setter checks and sets new passwords.
type Setter struct {
	hasher   password.Hasher
	checker  Checker
	breached BreachChecker
	tenant   string
}

// NewSetter returns a setter. breached is asked when the tenant turned
// blockBreached on; nil never finds a password breached.
func NewSetter(h password.Hasher, c Checker, breached BreachChecker, tenant string) *Setter {
	return &Setter{hasher: h, checker: c, breached: breached, tenant: tenant}
}

// Request is a new password and what it is set for.
type Request struct {
	Password string
	Repeat   string
	// Temporary marks a password an administrator sets: it only ever leads
	// to the forced change, and it expires (TemporaryExpired).
	Temporary bool
}

// Set checks the new password against every rule and returns the account
// with it set: a new hash, the old one pushed onto the history, the session
// epoch raised (which revokes every session issued before), the account's
// reset link ended (SECURITY.md: setting a password by any path ends every
// outstanding reset link; a link is valid only while the account names it),
// the time it was set, and the change-required flag as the request says. It
// writes nothing.
//
// Errors: ErrMismatch, *PolicyError (codes of package policy, plus "reused"
// when it equals the current or a remembered password).
func (s *Setter) Set(ctx context.Context, a store.Account, p params.Parameters, req Request, now time.Time) (store.Account, error) {
	if err := s.Validate(ctx, a, p, req); err != nil {
		return a, err
	}
	var violations []validate.Violation
	if s.reused(a, p, req.Password) {
		violations = append(violations, validate.Violation{Field: "password", Code: "reused",
			Message: "Choose a password you have not used before."})
	}
	if len(violations) > 0 {
		return a, &PolicyError{Violations: violations}
	}
	hash, err := s.hasher.Hash(req.Password)
	if err != nil {
		return a, fmt.Errorf("credential: %w", err)
	}
	if a.PasswordHash != "" && p.PasswordPolicy.HistoryCount > 0 {
		a.PasswordHistory = append([]string{a.PasswordHash}, a.PasswordHistory...)
		if len(a.PasswordHistory) > p.PasswordPolicy.HistoryCount {
			a.PasswordHistory = a.PasswordHistory[:p.PasswordPolicy.HistoryCount]
		}
	}
	a.PasswordHash = hash
	a.PasswordChangeRequired = req.Temporary
	a.PasswordSetAt = now
	a.ResetTokenHash = ""
	a.SessionEpoch++
	a.UpdatedAt = now
	return a, nil
}

// TemporaryExpired reports whether the account's password is a temporary
// one past temporaryPasswordTtlSeconds: it then answers exactly as a wrong
// password (SECURITY.md "Accounts and passwords"). A temporary password
// whose setting time was not recorded counts as expired.
func TemporaryExpired(a store.Account, p params.Parameters, now time.Time) bool {
	if !a.PasswordChangeRequired {
		return false
	}
	return a.PasswordSetAt.IsZero() || !now.Before(a.PasswordSetAt.Add(p.TemporaryPasswordTTL()))
}

// VerifyCurrent reports whether pw is the account's current password and
// still usable: set, matching, and not an expired temporary password. It is
// the check of every re-authentication (password change, step-up, factor
// enrolment); the sign-in itself adds its timing rules (package login). It
// always costs one argon2id derivation when the account has a password.
func VerifyCurrent(h password.Hasher, a store.Account, p params.Parameters, pw string, now time.Time) bool {
	if a.PasswordHash == "" {
		return false
	}
	ok, _, err := h.Verify(pw, a.PasswordHash)
	return ok && err == nil && !TemporaryExpired(a, p, now)
}

// Validate runs the checks of Set that need no hashing — the repetition, the
// policy and, once those pass and when the tenant asks for it, the
// breached-password query — so a flow can refuse a bad new password before
// it spends an argon2id derivation or an attempt on anything else.
func (s *Setter) Validate(ctx context.Context, a store.Account, p params.Parameters, req Request) error {
	if req.Password != req.Repeat {
		return ErrMismatch
	}
	violations := s.checker.Check(p.PasswordPolicy, req.Password, policy.Context{
		Username: a.Username, DisplayName: a.DisplayName, Email: a.Email, Tenant: s.tenant,
	})
	if len(violations) == 0 && p.PasswordPolicy.BlockBreached && s.breached != nil && s.breached.Breached(ctx, req.Password) {
		violations = append(violations, validate.Violation{Field: policy.Field, Code: CodeBreached,
			Message: "This password appears in known data breaches. Choose another one."})
	}
	if len(violations) > 0 {
		return &PolicyError{Violations: violations}
	}
	return nil
}

// reused reports whether pw is the current password or one of the
// remembered ones (one argon2id derivation per compared hash).
func (s *Setter) reused(a store.Account, p params.Parameters, pw string) bool {
	if a.PasswordHash != "" {
		if ok, _, _ := s.hasher.Verify(pw, a.PasswordHash); ok {
			return true
		}
	}
	return policy.Reused(s.hasher, pw, a.PasswordHistory, p.PasswordPolicy.HistoryCount)
}
