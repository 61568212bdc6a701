// Package password hashes and verifies passwords with argon2id, stored as PHC
// strings so that parameters can be raised and old hashes upgraded at the next
// successful sign-in (SECURITY.md "Accounts and passwords").
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformedHash means a stored hash is not an argon2id PHC string this
// package can read.
var ErrMalformedHash = errors.New("password: malformed hash")

// Params are argon2id cost parameters.
type Params struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
	SaltLen     int
	KeyLen      uint32
}

// OWASP returns the OWASP Password Storage Cheat Sheet minimum for argon2id:
// m=19 MiB, t=2, p=1, with a 16-byte salt and a 32-byte key.
func OWASP() Params {
	return Params{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

// Hasher hashes and verifies passwords. Login and every flow that sets a
// password consume it; tests and benchmarks inject cheaper parameters.
type Hasher interface {
	// Hash returns a PHC string for password.
	Hash(password string) (string, error)
	// Verify reports whether password matches the PHC string encoded, and
	// whether the hash should be replaced because its parameters are below
	// the hasher's.
	Verify(password, encoded string) (ok, rehash bool, err error)
	// VerifyDummy costs what Verify costs and always fails: it stands in for
	// accounts that do not exist or may not sign in, so that their failures
	// take the same time as a wrong password.
	VerifyDummy(password string)
}

// Argon2id is the production Hasher.
type Argon2id struct {
	params Params
	dummy  string
}

// NewArgon2id returns a hasher with the given parameters.
func NewArgon2id(p Params) *Argon2id {
	// The dummy hash has the hasher's own parameters, an all-zero salt and an
	// all-zero key: verifying against it costs one full derivation and no
	// password derives to an all-zero key.
	salt := make([]byte, p.SaltLen)
	key := make([]byte, p.KeyLen)
	return &Argon2id{params: p, dummy: encode(p, salt, key)}
}

// Params returns the hasher's parameters.
func (h *Argon2id) Params() Params { return h.params }

// Hash implements Hasher.
func (h *Argon2id) Hash(password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.params.Iterations, h.params.MemoryKiB, h.params.Parallelism, h.params.KeyLen)
	return encode(h.params, salt, key), nil
}

// Verify implements Hasher. The password is used exactly as received.
func (h *Argon2id) Verify(password, encoded string) (bool, bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.MemoryKiB, p.Parallelism, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, weaker(p, len(salt), len(key), h.params), nil
}

// VerifyDummy implements Hasher.
func (h *Argon2id) VerifyDummy(password string) {
	_, _, _ = h.Verify(password, h.dummy)
}

func weaker(p Params, saltLen, keyLen int, want Params) bool {
	return p.MemoryKiB < want.MemoryKiB || p.Iterations < want.Iterations ||
		p.Parallelism < want.Parallelism || saltLen < want.SaltLen || keyLen < int(want.KeyLen)
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses "$argon2id$v=19$m=…,t=…,p=…$salt$key". Bounds keep a
// corrupted or hostile stored value from demanding absurd work.
func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, fmt.Errorf("%w: unsupported version", ErrMalformedHash)
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrMalformedHash
		}
		switch k {
		case "m":
			p.MemoryKiB = uint32(n)
		case "t":
			p.Iterations = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, ErrMalformedHash
			}
			p.Parallelism = uint8(n)
		default:
			return Params{}, nil, nil, ErrMalformedHash
		}
	}
	if p.MemoryKiB < 8 || p.MemoryKiB > 1<<20 || p.Iterations < 1 || p.Iterations > 64 || p.Parallelism < 1 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters out of bounds", ErrMalformedHash)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p.SaltLen = len(salt)
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}
