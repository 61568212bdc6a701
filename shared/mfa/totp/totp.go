// Package totp implements the RFC 6238 time-based one-time passwords used for
// Gatepass two-factor authentication, fixed to the parameters authenticator
// apps expect: HMAC-SHA-1, 6 digits, 30-second steps, and a ±1 step window
// (DESIGN.md, SECURITY.md "TOTP and recovery codes").
//
// The package is pure: it reads no clock (callers pass the server time) and
// stores nothing. Replay protection is the caller's job: Verify returns the
// matched step, which the caller must persist as the user's last used step
// with a conditional write, and pass back as lastUsedStep next time.
package totp

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
)

const (
	// SecretSize is the length in bytes of a secret from NewSecret (160 bits,
	// the HMAC-SHA-1 output size recommended by RFC 4226 §4).
	SecretSize = 20
	// Digits is the number of digits in a code.
	Digits = 6
	// Period is the length of a time step.
	Period = 30 * time.Second
	// Skew is how many steps before and after the current one are accepted.
	Skew = 1
	// QRCodeSize is the width and height in pixels of QRCodePNG's image.
	QRCodeSize = 240
)

const (
	periodSeconds = int64(Period / time.Second)
	modulus       = 1_000_000 // 10^Digits
	qrQuietZone   = 20        // pixels of white border kept around the code
)

// NewSecret returns a fresh 160-bit secret from crypto/rand.
func NewSecret() []byte {
	secret := make([]byte, SecretSize)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go ≥ 1.24); it crashes the program instead.
	return secret
}

// EncodeSecret returns secret in unpadded upper-case base32 (RFC 4648), the
// form authenticator apps accept for manual entry and in otpauth URIs.
func EncodeSecret(secret []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

// URI returns the otpauth key URI for enrolment
// (https://github.com/google/google-authenticator/wiki/Key-Uri-Format):
//
//	otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Issuer and account name are percent-encoded (spaces as %20). Neither should
// contain a colon: some apps split the label on it even when encoded.
func URI(issuer, accountName string, secret []byte) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(escape(issuer))
	b.WriteString(":")
	b.WriteString(escape(accountName))
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(secret))
	b.WriteString("&issuer=")
	b.WriteString(escape(issuer))
	b.WriteString("&algorithm=SHA1&digits=6&period=30")
	return b.String()
}

// escape percent-encodes s for both the label and the query of an otpauth
// URI, writing spaces as %20 (some apps show a "+" literally).
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// errQRCode is returned by QRCodePNG. The underlying causes are not wrapped
// because their messages can quote the URI, which contains the secret.
var errQRCode = errors.New("totp: cannot render QR code for the otpauth URI")

// QRCodePNG renders uri as a QRCodeSize×QRCodeSize PNG QR code (error
// correction level M, with a white quiet zone) and returns it as a
// "data:image/png;base64,…" URI for an <img> element. Errors never contain
// the URI.
func QRCodePNG(uri string) (dataURI string, err error) {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return "", errQRCode
	}
	inner := QRCodeSize - 2*qrQuietZone
	code, err := key.Image(inner, inner)
	if err != nil {
		return "", errQRCode
	}
	img := image.NewGray(image.Rect(0, 0, QRCodeSize, QRCodeSize))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	b := code.Bounds()
	draw.Draw(img, b.Add(image.Pt(qrQuietZone, qrQuietZone)).Sub(b.Min), code, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("totp: encode QR code PNG: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Step returns the RFC 6238 time step containing t: floor(Unix(t) / 30).
func Step(t time.Time) int64 {
	u := t.Unix()
	s := u / periodSeconds
	if u < 0 && u%periodSeconds != 0 {
		s-- // floor, not truncation, before 1970
	}
	return s
}

// Code returns the 6-digit code for secret at step: HOTP (RFC 4226) with the
// step as counter, HMAC-SHA-1 and dynamic truncation, zero-padded.
func Code(secret []byte, step int64) string {
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, bin%modulus)
}

// Verify reports whether code is valid for secret at time now, and which step
// it matched. A code is accepted only if it is exactly 6 ASCII digits, equals
// the code of step(now)−1, step(now) or step(now)+1, and that step is greater
// than lastUsedStep, so a step once used is never accepted again. When no
// step has been used yet, pass 0: every step since 1970-01-01T00:00:30Z is
// greater.
//
// All candidate steps are computed and compared in constant time, without an
// early exit. If several match (a 10^-6 coincidence), the latest is returned,
// so storing it also rules out replaying the same code at a later step.
//
// On success the caller must store step as the new last used step, with a
// condition that the stored value is still below step (concurrent use of one
// code yields exactly one winner). On failure step is 0.
func Verify(secret []byte, code string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	if len(secret) == 0 || !isDigits(code) {
		return 0, false
	}
	current := Step(now)
	matched := 0
	for s := current - Skew; s <= current+Skew; s++ {
		eq := subtle.ConstantTimeCompare([]byte(Code(secret, s)), []byte(code))
		fresh := 0
		if s > lastUsedStep {
			fresh = 1
		}
		hit := eq & fresh
		mask := -int64(hit) // all ones on a hit, else zero
		step = s&mask | step&^mask
		matched |= hit
	}
	if matched == 0 {
		return 0, false
	}
	return step, true
}

// isDigits reports whether s is exactly Digits ASCII digits. Only the format
// is checked here, so an early return leaks nothing about the secret.
func isDigits(s string) bool {
	if len(s) != Digits {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
