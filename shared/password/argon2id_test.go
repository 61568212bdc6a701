package password

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps unit tests fast; the real parameters are measured in benchmarks.
func cheap() Params {
	return Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

func TestHashAndVerify(t *testing.T) {
	h := NewArgon2id(cheap())
	tests := []struct {
		name, password, attempt string
		want                    bool
	}{
		{"same", "correct horse battery staple", "correct horse battery staple", true},
		{"case differs", "Correct Horse", "correct horse", false},
		{"no truncation", strings.Repeat("a", 200) + "b", strings.Repeat("a", 200) + "c", false},
		{"trailing space matters", "secret phrase ", "secret phrase", false},
		{"unicode exact", "pässwörd 🔑 long enough", "pässwörd 🔑 long enough", true},
		{"unicode normalisation is not applied", "re\u0301sume\u0301 passphrase", "r\u00e9sum\u00e9 passphrase", false},
		{"empty attempt", "something", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := h.Hash(tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
				t.Fatalf("unexpected PHC string %q", enc)
			}
			ok, rehash, err := h.Verify(tt.attempt, enc)
			if err != nil || ok != tt.want || rehash {
				t.Fatalf("Verify = %v, %v, %v; want %v, false, nil", ok, rehash, err, tt.want)
			}
		})
	}
}

func TestSaltsDiffer(t *testing.T) {
	h := NewArgon2id(cheap())
	a, _ := h.Hash("same password here")
	b, _ := h.Hash("same password here")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestRehashWhenParametersRise(t *testing.T) {
	old := NewArgon2id(cheap())
	enc, _ := old.Hash("a long enough passphrase")
	stronger := cheap()
	stronger.Iterations = 2
	ok, rehash, err := NewArgon2id(stronger).Verify("a long enough passphrase", enc)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
}

func TestOWASPParameters(t *testing.T) {
	p := OWASP()
	if p.MemoryKiB < 19*1024 || p.Iterations < 2 || p.Parallelism < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("below OWASP minimum: %+v", p)
	}
	enc, err := NewArgon2id(p).Hash("x")
	if err != nil || !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("Hash = %q, %v", enc, err)
	}
}

func TestMalformedHashes(t *testing.T) {
	h := NewArgon2id(cheap())
	good, _ := h.Hash("pw")
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1$" + parts[4] + "$" + parts[5] + "$x",
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,x=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$short",
	} {
		if ok, _, err := h.Verify("pw", bad); ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", bad, ok, err)
		}
	}
}

func TestVerifyDummyNeverPanicsAndCostsADerivation(t *testing.T) {
	h := NewArgon2id(cheap())
	h.VerifyDummy("anything")
	if ok, _, err := h.Verify("anything", h.dummy); ok || err != nil {
		t.Fatalf("dummy hash verified: %v %v", ok, err)
	}
}

func BenchmarkVerifyOWASP(b *testing.B) {
	h := NewArgon2id(OWASP())
	enc, _ := h.Hash("correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		h.Verify("correct horse battery staple", enc)
	}
}
