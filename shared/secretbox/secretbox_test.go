package secretbox_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gatepass/gatepass/shared/secretbox"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secretbox.KeySize) }

func TestNewKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := secretbox.New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) succeeded, want error", n)
		}
	}
	if _, err := secretbox.New(key(1)); err != nil {
		t.Fatalf("New(32-byte key): %v", err)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	box, err := secretbox.New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{0xAB}, 20), bytes.Repeat([]byte("s"), 4096)} {
		sealed, err := box.Seal(pt, []byte("totp-secret:user-1"))
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + 12 + len(pt) + 16; len(sealed) != want {
			t.Errorf("len(sealed) = %d, want %d", len(sealed), want)
		}
		if sealed[0] != 1 {
			t.Errorf("version byte = %d, want 1", sealed[0])
		}
		if len(pt) >= 4 && bytes.Contains(sealed, pt) {
			t.Error("sealed value contains the plaintext")
		}
		got, err := box.Open(sealed, []byte("totp-secret:user-1"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("Open = %x, want %x", got, pt)
		}
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	box, _ := secretbox.New(key(1))
	a, _ := box.Seal([]byte("same"), nil)
	b, _ := box.Seal([]byte("same"), nil)
	if bytes.Equal(a[1:13], b[1:13]) || bytes.Equal(a, b) {
		t.Error("two seals of the same plaintext share a nonce")
	}
}

func TestOpenFailures(t *testing.T) {
	box, _ := secretbox.New(key(1))
	other, _ := secretbox.New(key(2))
	ad := []byte("totp-secret:user-1")
	sealed, err := box.Seal([]byte("0123456789abcdefghij"), ad)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(sealed)) }

	tests := []struct {
		name   string
		box    *secretbox.Box
		sealed []byte
		ad     []byte
	}{
		{"wrong key", other, sealed, ad},
		{"other user id", box, sealed, []byte("totp-secret:user-2")},
		{"missing associated data", box, sealed, nil},
		{"flipped ciphertext bit", box, mutate(func(b []byte) []byte { b[14] ^= 1; return b }), ad},
		{"flipped tag bit", box, mutate(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), ad},
		{"flipped nonce bit", box, mutate(func(b []byte) []byte { b[1] ^= 1; return b }), ad},
		{"unknown version 0", box, mutate(func(b []byte) []byte { b[0] = 0; return b }), ad},
		{"unknown version 2", box, mutate(func(b []byte) []byte { b[0] = 2; return b }), ad},
		{"truncated by one", box, sealed[:len(sealed)-1], ad},
		{"header and tag only", box, sealed[:29], ad},
		{"shorter than overhead", box, sealed[:28], ad},
		{"version only", box, sealed[:1], ad},
		{"empty", box, nil, ad},
		{"extended", box, append(bytes.Clone(sealed), 0), ad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.sealed, tt.ad)
			if !errors.Is(err, secretbox.ErrOpen) {
				t.Fatalf("Open error = %v, want ErrOpen", err)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %x on failure", got)
			}
		})
	}
}

func TestBoxConcurrentUse(t *testing.T) {
	box, _ := secretbox.New(key(3))
	done := make(chan error)
	for i := range 8 {
		go func() {
			ad := []byte{byte(i)}
			s, err := box.Seal([]byte("secret"), ad)
			if err == nil {
				_, err = box.Open(s, ad)
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
