// Package mfa is the two-factor capability: TOTP enrolment, activation and
// removal, recovery codes, MFA required by role, and the second-factor check
// the two-step login uses (SECURITY.md "TOTP and recovery codes").
package mfa

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/store"
)

// ErrInvalidCode means a code or recovery code was wrong, reused or
// replayed — all alike.
var ErrInvalidCode = errors.New("mfa: invalid code")

// Methods of a second factor, as API.md names them.
const (
	MethodTOTP         = "totp"
	MethodRecoveryCode = "recovery_code"
)

// associatedData binds a sealed TOTP secret to its account: a secret copied
// to another account's record does not open.
func associatedData(userID string) []byte { return []byte("gatepass/totp-secret/" + userID) }

// Seal seals a TOTP secret for an account.
func Seal(box *secretbox.Box, userID string, secret []byte) ([]byte, error) {
	sealed, err := box.Seal(secret, associatedData(userID))
	if err != nil {
		return nil, fmt.Errorf("mfa: seal: %w", err)
	}
	return sealed, nil
}

// Open opens an account's sealed TOTP secret.
func Open(box *secretbox.Box, userID string, sealed []byte) ([]byte, error) {
	secret, err := box.Open(sealed, associatedData(userID))
	if err != nil {
		return nil, fmt.Errorf("mfa: open: %w", err)
	}
	return secret, nil
}

// Enabled reports whether the account has an active TOTP factor.
func Enabled(a store.Account) bool { return len(a.TOTPSecret) > 0 }

// Required reports whether the tenant requires two-factor for one of the
// account's roles (parameter mfa.requiredForRoles).
func Required(a store.Account, p params.Parameters) bool {
	for _, r := range a.Roles {
		if slices.Contains(p.MFA.RequiredForRoles, r) {
			return true
		}
	}
	return false
}

// Proof is what a second step submitted: a TOTP code or a recovery code.
type Proof struct {
	Code         string
	RecoveryCode string
}

// Check verifies a second factor against an account and returns the account
// as it must be stored for the proof to count: with TOTPLastStep advanced to
// the matched step, or with the used recovery code removed. Committing it
// under the account's version condition is what makes a code single-use
// across concurrent requests; Check itself writes nothing.
func Check(box *secretbox.Box, a store.Account, p Proof, now time.Time) (store.Account, string, error) {
	switch {
	case p.Code != "" && p.RecoveryCode == "":
		if !Enabled(a) {
			return a, MethodTOTP, ErrInvalidCode
		}
		secret, err := Open(box, a.ID, a.TOTPSecret)
		if err != nil {
			return a, MethodTOTP, err
		}
		step, ok := totp.Verify(secret, p.Code, now, a.TOTPLastStep)
		if !ok {
			return a, MethodTOTP, ErrInvalidCode
		}
		a.TOTPLastStep = step
		return a, MethodTOTP, nil
	case p.RecoveryCode != "" && p.Code == "":
		hash := totp.HashRecoveryCode(p.RecoveryCode)
		i := slices.Index(a.RecoveryCodeHashes, hash)
		if i < 0 || !Enabled(a) {
			return a, MethodRecoveryCode, ErrInvalidCode
		}
		a.RecoveryCodeHashes = slices.Delete(slices.Clone(a.RecoveryCodeHashes), i, i+1)
		return a, MethodRecoveryCode, nil
	default:
		return a, "", ErrInvalidCode
	}
}
