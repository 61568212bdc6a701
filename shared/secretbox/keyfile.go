package secretbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// maxKeyFileSize bounds how much of a key file is read; a valid file is 45
// bytes (44 base64 characters and a newline).
const maxKeyFileSize = 1024

// LoadOrCreateKeyFile returns the KeySize-byte key stored at path, creating
// the file with a fresh random key when it does not exist. It is meant for the
// local stack; in AWS the key comes from Secrets Manager (package
// secretbox/awskey).
//
// File format: the standard, padded base64 encoding of the 32 key bytes
// (44 characters), optionally surrounded by whitespace such as a trailing
// newline — the same text that awskey accepts as a SecretString, so a key can
// be copied between the two.
//
// Permissions: the file is created with mode 0600. On Unix-like systems an
// existing file readable or writable by group or others is refused rather
// than used, so a key that may have leaked is never trusted silently.
//
// Creation is atomic: the key is written and synced to a temporary file in the
// same directory, which is then hard-linked into place. Linking never replaces
// an existing file, so when several processes start at once exactly one key
// wins and every process returns that key. Where hard links are unsupported
// it falls back to rename. The parent directory must already exist.
//
// Errors never contain key material.
func LoadOrCreateKeyFile(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKeyFile(path); err != nil {
		return nil, err
	}
	// Read back what is on disk: another process may have won the race.
	return readKeyFile(path)
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secretbox: open key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secretbox: stat key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secretbox: key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secretbox: key file %s has mode %v; want 0600 (chmod 600 it)", path, info.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("secretbox: read key file: %w", err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("secretbox: key file %s is too large", path)
	}
	key, ok := decodeKey(data)
	if !ok {
		// Do not wrap the decoder error: keep any key material out of errors.
		return nil, fmt.Errorf("secretbox: key file %s must hold base64 of %d bytes", path, KeySize)
	}
	return key, nil
}

// decodeKey decodes trimmed standard base64 text into a KeySize-byte key.
func decodeKey(text []byte) ([]byte, bool) {
	text = bytes.TrimSpace(text)
	key := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(key, text)
	if err != nil || n != KeySize {
		return nil, false
	}
	return key[:n], true
}

func createKeyFile(path string) (err error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("secretbox: generate key: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("secretbox: create key file: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		os.Remove(tmpName) // no-op after a successful rename
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("secretbox: chmod key file: %w", err)
	}
	text := base64.StdEncoding.EncodeToString(key) + "\n"
	if _, err := tmp.WriteString(text); err != nil {
		return fmt.Errorf("secretbox: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("secretbox: sync key file: %w", err)
	}
	closeErr := tmp.Close()
	tmp = nil
	if closeErr != nil {
		return fmt.Errorf("secretbox: close key file: %w", closeErr)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // another process created it first; caller reads it
		}
		if err := os.Rename(tmpName, path); err != nil {
			return fmt.Errorf("secretbox: install key file: %w", err)
		}
	}
	syncDir(dir)
	return nil
}

// syncDir makes the new directory entry durable, best effort (not every
// platform supports syncing a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
