// Package secretbox seals small secrets (such as TOTP secrets) for storage at
// rest with AES-256-GCM.
//
// A sealed value has the versioned layout
//
//	version (1 byte, currently 1) || nonce (12 random bytes) || ciphertext || GCM tag (16 bytes)
//
// The associated data passed to Seal and Open is authenticated but not stored:
// callers bind a sealed value to its owner and purpose by passing, for
// example, []byte("totp-secret:" + userID). A value sealed for one user then
// fails to open for another (SECURITY.md "TOTP and recovery codes").
//
// Nonces are random, so one key must not seal more than about 2^32 values;
// that is far beyond the number of users of a Backoffice.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the required key length in bytes (AES-256).
const KeySize = 32

const (
	version1  = 1
	nonceSize = 12
	tagSize   = 16
	overhead  = 1 + nonceSize + tagSize
)

// ErrOpen is returned by Open for every failure: wrong key, wrong associated
// data, tampering, truncation or an unknown version. The causes are
// deliberately indistinguishable.
var ErrOpen = errors.New("secretbox: cannot open sealed value")

// Box seals and opens values with one key. It is immutable and safe for
// concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box using key, which must be exactly KeySize bytes. The key
// is not retained beyond the expanded cipher state.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: new GCM: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts and authenticates plaintext, binding it to associatedData,
// and returns a newly allocated sealed value in the versioned format.
func (b *Box) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out := make([]byte, 1+nonceSize, overhead+len(plaintext))
	out[0] = version1
	nonce := out[1 : 1+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secretbox: read nonce: %w", err)
	}
	return b.aead.Seal(out, nonce, plaintext, associatedData), nil
}

// Open authenticates and decrypts a value produced by Seal with the same key
// and associated data. Any failure yields ErrOpen.
func (b *Box) Open(sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < overhead || sealed[0] != version1 {
		return nil, ErrOpen
	}
	nonce := sealed[1 : 1+nonceSize]
	plaintext, err := b.aead.Open(nil, nonce, sealed[1+nonceSize:], associatedData)
	if err != nil {
		return nil, ErrOpen
	}
	return plaintext, nil
}
