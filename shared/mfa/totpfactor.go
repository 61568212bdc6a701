package mfa

import (
	"slices"
	"strconv"
	"time"

	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/store"
)

// Credential ids of the factors an account holds at most one of.
const (
	totpID     = "totp"
	recoveryID = "set"
)

// TOTPKey is the key of an account's TOTP credential.
func TOTPKey(userID string) store.CredentialKey {
	return store.CredentialKey{UserID: userID, Kind: store.CredentialTOTP, ID: totpID}
}

// PendingKey is the key of an account's pending TOTP enrolment.
func PendingKey(userID string) store.CredentialKey {
	return store.CredentialKey{UserID: userID, Kind: store.CredentialTOTPPending, ID: totpID}
}

// RecoveryKey is the key of an account's recovery-code set.
func RecoveryKey(userID string) store.CredentialKey {
	return store.CredentialKey{UserID: userID, Kind: store.CredentialRecoveryCodes, ID: recoveryID}
}

// TOTP is the TOTP factor: the credential's Secret is the sealed secret, its
// Counter the last used 30-second step, which only grows.
type TOTP struct {
	Box *secretbox.Box
}

// Method implements Factor.
func (TOTP) Method() string { return MethodTOTP }

// Offered implements Factor.
func (TOTP) Offered(a store.Account) bool { return a.HasCredential(store.CredentialTOTP) }

// Needs implements Factor.
func (TOTP) Needs(userID string, _ Proof) []store.CredentialKey {
	return []store.CredentialKey{TOTPKey(userID)}
}

// Verify accepts a code of the current step or one either side that is
// later than the last used one, and uses its step.
func (f TOTP) Verify(c Check) (Use, error) {
	cred, ok := c.Credentials[TOTPKey(c.Account.ID)]
	if !ok || c.Proof.Code == "" {
		return Use{}, ErrInvalidCode
	}
	secret, err := Open(f.Box, c.Account.ID, cred.Secret)
	if err != nil {
		return Use{}, err
	}
	step, ok := totp.Verify(secret, c.Proof.Code, c.Now, cred.Counter)
	if !ok {
		return Use{}, ErrInvalidCode
	}
	cred.Counter, cred.LastUsedAt = step, c.Now
	return Use{Ops: []store.Op{store.UpdateCredential{Credential: cred}}, Credential: cred}, nil
}

// RecoveryCodes is the recovery-code factor: the credential's Hashes are the
// unused codes' hashes. It is offered while codes remain; the last code used
// deletes the set (Use.Spent).
type RecoveryCodes struct{}

// Method implements Factor.
func (RecoveryCodes) Method() string { return MethodRecoveryCode }

// Offered implements Factor: the set exists only while codes remain.
func (RecoveryCodes) Offered(a store.Account) bool {
	return a.HasCredential(store.CredentialRecoveryCodes) && HasSecondFactor(a)
}

// Needs implements Factor.
func (RecoveryCodes) Needs(userID string, _ Proof) []store.CredentialKey {
	return []store.CredentialKey{RecoveryKey(userID)}
}

// Verify accepts an unused code once, and records mfa.recovery_code.used.
func (RecoveryCodes) Verify(c Check) (Use, error) {
	set, ok := c.Credentials[RecoveryKey(c.Account.ID)]
	if !ok || c.Proof.Code == "" {
		return Use{}, ErrInvalidCode
	}
	i := slices.Index(set.Hashes, totp.HashRecoveryCode(c.Proof.Code))
	if i < 0 {
		return Use{}, ErrInvalidCode
	}
	set.Hashes = slices.Delete(slices.Clone(set.Hashes), i, i+1)
	set.LastUsedAt = c.Now
	use := Use{Credential: set}
	if len(set.Hashes) == 0 {
		// The last code: the set goes, and with it the method.
		use.Ops = []store.Op{store.DeleteCredential{Key: set.Key(), Version: set.Version}}
		use.Spent = true
	} else {
		use.Ops = []store.Op{store.UpdateCredential{Credential: set}}
	}
	// A nanosecond after the sign-in's own event, so that it sorts after it.
	use.Events = []store.AuditEvent{audit.New(c.Now.Add(time.Nanosecond), audit.MFARecoveryCodeUsed, c.Account.ID,
		c.Source, map[string]string{"remaining": strconv.Itoa(len(set.Hashes))})}
	return use, nil
}

// RecoveryRef is the index entry of an account's recovery codes.
func RecoveryRef() store.CredentialRef {
	return store.CredentialRef{Kind: store.CredentialRecoveryCodes, ID: recoveryID}
}

// FirstFactorCodes gives an account that gains its first second factor its
// recovery codes (API.md: the first second factor comes with them): the
// codes to show once, the op that stores them — replacing a leftover set
// read (nil when there is none) — and a's index with them. For an account
// that has a second factor already it returns no codes and no op.
func FirstFactorCodes(a *store.Account, read *store.Credential, now time.Time) ([]string, store.Op) {
	if HasSecondFactor(*a) {
		return []string{}, nil
	}
	codes := totp.NewRecoveryCodes(totp.RecoveryCodeCount)
	a.Credentials = a.WithCredential(RecoveryRef())
	return codes, putRecoverySet(a.ID, codes, read, now)
}

// putRecoverySet returns the op that stores codes (hashed) as the account's
// recovery codes, replacing the set read (nil when there is none).
func putRecoverySet(userID string, codes []string, read *store.Credential, now time.Time) store.Op {
	set := store.Credential{UserID: userID, Kind: store.CredentialRecoveryCodes, ID: recoveryID,
		Hashes: hashCodes(codes), CreatedAt: now}
	if read != nil {
		set.Version = read.Version
		return store.UpdateCredential{Credential: set}
	}
	return store.PutCredential{Credential: set}
}

func hashCodes(codes []string) []string {
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = totp.HashRecoveryCode(c)
	}
	return hashes
}
