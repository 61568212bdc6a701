package secretbox_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gatepass/gatepass/shared/secretbox"
)

func TestLoadOrCreateKeyFileCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secretbox.key")
	k1, err := secretbox.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != secretbox.KeySize || bytes.Equal(k1, make([]byte, secretbox.KeySize)) {
		t.Fatalf("created key has length %d or is all zero", len(k1))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if got := strings.TrimSpace(string(data)); got != base64.StdEncoding.EncodeToString(k1) {
		t.Errorf("file content is not the base64 of the key")
	}
	k2, err := secretbox.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1, k2) {
		t.Error("second load returned a different key")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (temp files left behind?)", len(entries))
	}
}

func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secretbox.key")
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keys[i], errs[i] = secretbox.LoadOrCreateKeyFile(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("caller %d got a different key", i)
		}
	}
}

func TestLoadOrCreateKeyFileExisting(t *testing.T) {
	want := bytes.Repeat([]byte{7}, 32)
	enc := base64.StdEncoding.EncodeToString(want)
	type keyFileCase struct {
		name    string
		content string
		mode    os.FileMode
		wantErr bool
	}
	tests := []keyFileCase{
		{"base64 with newline", enc + "\n", 0o600, false},
		{"base64 with spaces", "  " + enc + " \r\n", 0o400, false},
		{"raw 32 bytes", string(want), 0o600, true},
		{"short key", base64.StdEncoding.EncodeToString(want[:16]), 0o600, true},
		{"long key", base64.StdEncoding.EncodeToString(append(want, 1)), 0o600, true},
		{"not base64", "this is not a key!!", 0o600, true},
		{"empty", "", 0o600, true},
		{"too large", strings.Repeat("A", 2000), 0o600, true},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests,
			keyFileCase{"group readable", enc, 0o640, true},
			keyFileCase{"world readable", enc, 0o604, true},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			got, err := secretbox.LoadOrCreateKeyFile(path)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want error, got key")
				}
				if len(tt.content) > 8 && strings.Contains(err.Error(), strings.TrimSpace(tt.content)[:8]) {
					t.Errorf("error %q echoes file content", err)
				}
				after, _ := os.ReadFile(path)
				if string(after) != tt.content {
					t.Error("invalid key file was overwritten")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("key = %x, want %x", got, want)
			}
		})
	}
}

func TestLoadOrCreateKeyFileMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "k")
	if _, err := secretbox.LoadOrCreateKeyFile(path); err == nil {
		t.Fatal("want error for a missing parent directory")
	}
}

func TestLoadOrCreateKeyFileDirectory(t *testing.T) {
	if _, err := secretbox.LoadOrCreateKeyFile(t.TempDir()); err == nil {
		t.Fatal("want error when path is a directory")
	}
}
