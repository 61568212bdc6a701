package login_test

import (
	"crypto/subtle"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
)

// plainHasher stands in for argon2id so that a benchmark measures everything
// but the hash. Never used outside tests.
type plainHasher struct{}

func (plainHasher) Hash(pw string) (string, error) { return "plain$" + pw, nil }
func (plainHasher) Verify(pw, enc string) (bool, bool, error) {
	return subtle.ConstantTimeCompare([]byte("plain$"+pw), []byte(enc)) == 1, false, nil
}
func (plainHasher) VerifyDummy(pw string) {}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchLogin(b *testing.B, hasher password.Hasher, user, pass string, want int, opts ...embedded.Option) {
	h := buildOn(b, "http://127.0.0.1:8080", hasher, func(tb testing.TB, clk clock.Clock) store.Store {
		st, err := embedded.Open(filepath.Join(tb.TempDir(), "gatepass.db"), clk, opts...)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st
	})
	h.account("jdoe", pw)
	h.store.Reset()
	body := loginBody(user, pass)
	b.ReportAllocs()
	b.ResetTimer()
	began := cpuTime()
	for b.Loop() {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8080/api/auth/login", strings.NewReader(body))
		r.RemoteAddr = "203.0.113.7"
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.Handler.ServeHTTP(w, r)
		if w.Code != want {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if want == http.StatusUnauthorized {
			h.clock.Advance(time.Hour) // stay clear of the lockout
		}
	}
	b.ReportMetric(float64(cpuTime()-began)/float64(b.N), "cpu-ns/op")
	c := h.store.Counts()
	b.ReportMetric(float64(c.Reads)/float64(b.N), "reads/op")
	b.ReportMetric(float64(c.Writes)/float64(b.N), "writes/op")
}

// Non-hash cost of a successful login through the whole HTTP stack and the
// embedded store, two fsyncs included.
func BenchmarkLoginCheapHasher(b *testing.B) {
	benchLogin(b, plainHasher{}, "jdoe", pw, http.StatusOK)
}

// Gatepass's own non-hash CPU per login (budget ≤ 1 ms): the same path with
// the embedded store's fsync left out, since in AWS the store is DynamoDB
// across the network, not a local disk.
func BenchmarkLoginCheapHasherNoFsync(b *testing.B) {
	benchLogin(b, plainHasher{}, "jdoe", pw, http.StatusOK, embedded.WithoutSync())
}

// The same login with argon2id at the OWASP parameters.
func BenchmarkLoginArgon2idOWASP(b *testing.B) {
	benchLogin(b, password.NewArgon2id(password.OWASP()), "jdoe", pw, http.StatusOK)
}

// A failed login (unknown user) with the cheap hasher.
func BenchmarkLoginFailureCheapHasher(b *testing.B) {
	benchLogin(b, plainHasher{}, "nobody", pw, http.StatusUnauthorized)
}

// A warm session check (GET /api/auth/session) of a facility view: one
// BatchGet of session, account, parameters and facility, the alias gate
// included; no write within the touch interval.
func BenchmarkSessionCheck(b *testing.B) {
	h := buildOn(b, "http://127.0.0.1:8080", plainHasher{}, func(tb testing.TB, clk clock.Clock) store.Store {
		st, err := embedded.Open(filepath.Join(tb.TempDir(), "gatepass.db"), clk, embedded.WithoutSync())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { st.Close() })
		return st
	})
	berlin := h.Facility("Berlin Store")
	h.account("jdoe", pw, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
	c, _ := h.SignIn("jdoe", pw)
	h.store.Reset()
	b.ReportAllocs()
	b.ResetTimer()
	began := cpuTime()
	for b.Loop() {
		r := httptest.NewRequest("GET", "http://127.0.0.1:8080/api/auth/session", nil)
		r.RemoteAddr = "203.0.113.7"
		r.AddCookie(c)
		w := httptest.NewRecorder()
		h.Handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(cpuTime()-began)/float64(b.N), "cpu-ns/op")
	n := h.store.Counts()
	b.ReportMetric(float64(n.Reads)/float64(b.N), "reads/op")
	b.ReportMetric(float64(n.Writes)/float64(b.N), "writes/op")
}
