// Package mfatest gives test accounts second factors the way the flows
// store them: credential items, and the index entries their account holds.
package mfatest

import (
	"time"

	"github.com/gatepass/gatepass/shared/mfa"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/secretbox"
	"github.com/gatepass/gatepass/shared/store"
)

// TOTP returns the writes that give userID an active TOTP factor with
// secret, enrolled at, and — unless codes is empty — the recovery codes;
// and the entries to add to the account's credential index.
func TOTP(box *secretbox.Box, userID string, secret []byte, codes []string, at time.Time) ([]store.Op, []store.CredentialRef, error) {
	sealed, err := mfa.Seal(box, userID, secret)
	if err != nil {
		return nil, nil, err
	}
	cred := store.Credential{UserID: userID, Kind: store.CredentialTOTP, ID: mfa.TOTPKey(userID).ID, Secret: sealed,
		CreatedAt: at}
	ops := []store.Op{store.PutCredential{Credential: cred}}
	refs := []store.CredentialRef{cred.Ref()}
	if len(codes) > 0 {
		op, ref := RecoveryCodes(userID, codes, at)
		ops, refs = append(ops, op), append(refs, ref)
	}
	return ops, refs, nil
}

// RecoveryCodes returns the write that stores codes as userID's recovery
// codes, and its index entry.
func RecoveryCodes(userID string, codes []string, at time.Time) (store.Op, store.CredentialRef) {
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = totp.HashRecoveryCode(c)
	}
	k := mfa.RecoveryKey(userID)
	set := store.Credential{UserID: userID, Kind: k.Kind, ID: k.ID, Hashes: hashes, CreatedAt: at}
	return store.PutCredential{Credential: set}, set.Ref()
}
