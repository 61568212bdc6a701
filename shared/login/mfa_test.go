package login_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/mfa/mfatest"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

var recoveryCodes = []string{"abcd-efgh-jkmn-pqrs", "0123-4567-89ab-cdef"}

// withTOTP gives an account an active TOTP secret and two recovery codes.
func withTOTP(h *harness, secret []byte) func(*store.Account) {
	return func(a *store.Account) {
		ops, refs, err := mfatest.TOTP(h.Box, a.ID, secret, recoveryCodes, t0)
		if err != nil {
			h.t.Fatal(err)
		}
		if err := h.store.Commit(context.Background(), ops...); err != nil {
			h.t.Fatal(err)
		}
		a.Credentials = append(a.Credentials, refs...)
	}
}

// firstStep signs in with the password and returns the challenge.
func firstStep(t *testing.T, h *harness) string {
	t.Helper()
	res := h.login("jdoe", pw)
	body := res.JSON(t)
	if res.Status != 200 || body["status"] != "mfa_required" || len(res.Cookies()) != 0 {
		t.Fatalf("first step: %d %s (cookies %v)", res.Status, res.Body, res.Cookies())
	}
	if m := body["methods"].([]any); len(m) != 2 || m[0] != "totp" || m[1] != "recovery_code" {
		t.Fatalf("methods = %v", m)
	}
	return body["challenge"].(string)
}

func secondStep(h *harness, challenge, code, recovery string) response {
	h.t.Helper()
	body := map[string]string{"challenge": challenge}
	if code != "" {
		body["code"] = code
	}
	if recovery != "" {
		body["recoveryCode"] = recovery
	}
	return h.Post("/api/auth/login/mfa", body, nil)
}

func codeAt(secret []byte, t time.Time) string { return totp.Code(secret, totp.Step(t)) }

func TestTwoStepLogin(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		secret := totp.NewSecret()
		h.account("jdoe", pw, withTOTP(h, secret))
		challenge := firstStep(t, h)
		// No session at all before the second step.
		list, _ := h.store.ListSessions(context.Background(), challengeUser(challenge))
		if len(list) != 0 {
			t.Fatal("a session exists before the second step")
		}
		res := secondStep(h, challenge, codeAt(secret, h.clock.Now()), "")
		if res.Status != 200 || res.JSON(t)["status"] != "authenticated" {
			t.Fatalf("second step: %d %s", res.Status, res.Body)
		}
		c := res.Cookie("gatepass")
		if c == nil || h.get("/api/auth/session", c).Status != 200 {
			t.Fatal("no working session after the second step")
		}
		// The challenge is used up.
		if res := secondStep(h, challenge, codeAt(secret, h.clock.Now()), ""); res.Status != 401 || res.Code(t) != "challenge_invalid" {
			t.Fatalf("challenge reused: %d %s", res.Status, res.Body)
		}
	})
}

func challengeUser(challenge string) string {
	for i := range challenge {
		if challenge[i] == '.' {
			return challenge[:i]
		}
	}
	return ""
}

// A step once used is never accepted again, also in a new challenge.
func TestCodesAreNotReplayable(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret))
	code := codeAt(secret, h.clock.Now())
	if res := secondStep(h, firstStep(t, h), code, ""); res.Status != 200 {
		t.Fatalf("first use: %d %s", res.Status, res.Body)
	}
	h.clock.Advance(10 * time.Second) // same 30 s step
	if res := secondStep(h, firstStep(t, h), code, ""); res.Status != 401 || res.Code(t) != "invalid_code" {
		t.Fatalf("replayed code: %d %s", res.Status, res.Body)
	}
	h.clock.Advance(30 * time.Second) // the next step is fresh
	if res := secondStep(h, firstStep(t, h), codeAt(secret, h.clock.Now()), ""); res.Status != 200 {
		t.Fatalf("next step: %d %s", res.Status, res.Body)
	}
}

func TestStepWindow(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration
		status int
	}{
		{"T-2", -60 * time.Second, 401},
		{"T-1", -30 * time.Second, 200},
		{"T", 0, 200},
		{"T+1", 30 * time.Second, 200},
		{"T+2", 60 * time.Second, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			secret := totp.NewSecret()
			h.account("jdoe", pw, withTOTP(h, secret))
			h.clock.Set(t0.Add(15 * time.Second)) // mid-step
			res := secondStep(h, firstStep(t, h), codeAt(secret, h.clock.Now().Add(tt.offset)), "")
			if res.Status != tt.status {
				t.Fatalf("got %d, want %d: %s", res.Status, tt.status, res.Body)
			}
		})
	}
}

// 15 concurrent submissions of one valid code: exactly one session.
func TestConcurrentSubmissionsOneSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, newHarness func(*testing.T) *harness) {
		h := newHarness(t)
		secret := totp.NewSecret()
		a := h.account("jdoe", pw, withTOTP(h, secret))
		challenge := firstStep(t, h)
		code := codeAt(secret, h.clock.Now())
		statuses := make([]int, 15)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range statuses {
			wg.Go(func() {
				<-gate
				statuses[i] = secondStep(h, challenge, code, "").Status
			})
		}
		close(gate)
		wg.Wait()
		if n := count(statuses, 200); n != 1 {
			t.Fatalf("%d successes: %v", n, statuses)
		}
		list, _ := h.store.ListSessions(context.Background(), a.ID)
		if len(list) != 1 {
			t.Fatalf("%d sessions, want exactly 1", len(list))
		}
	})
}

// The same code in two parallel challenges: one success.
func TestSameCodeInTwoParallelChallenges(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret))
	challenges := []string{firstStep(t, h), firstStep(t, h)}
	code := codeAt(secret, h.clock.Now())
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i := range challenges {
		wg.Go(func() { statuses[i] = secondStep(h, challenges[i], code, "").Status })
	}
	wg.Wait()
	if count(statuses, 200) != 1 {
		t.Fatalf("statuses %v, want one success", statuses)
	}
}

func count(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

// Five tries per challenge; wrong codes count towards the account lockout
// across challenges, while the correct password takes back its own count.
func TestWrongCodes(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret))
	challenge := firstStep(t, h)
	for i := 1; i <= 4; i++ {
		if res := secondStep(h, challenge, "000000", ""); res.Status != 401 || res.Code(t) != "invalid_code" {
			t.Fatalf("try %d: %d %s", i, res.Status, res.Body)
		}
	}
	// Four wrong codes after a correct password: not locked yet.
	if res := secondStep(h, challenge, codeAt(secret, h.clock.Now()), ""); res.Status != 200 {
		t.Fatalf("the right code after four wrong ones: %d %s", res.Status, res.Body)
	}

	// Across challenges: 3 + 2 wrong codes lock the account.
	h.clock.Advance(time.Minute)
	first := firstStep(t, h)
	for i := 0; i < 3; i++ {
		secondStep(h, first, "000000", "")
	}
	second := firstStep(t, h)
	for i := 0; i < 2; i++ {
		secondStep(h, second, "000000", "")
	}
	if res := h.login("jdoe", pw); res.Status != 429 {
		t.Fatalf("five wrong codes did not lock the account: %d %s", res.Status, res.Body)
	}
}

func TestChallengeEndsAfterFiveTries(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret))
	// A lenient lockout so that only the challenge's own limit applies.
	p := params.Defaults()
	p.Lockout.MaxFailures = 50
	if err := h.store.Commit(context.Background(), store.PutParameters{Parameters: p}); err != nil {
		t.Fatal(err)
	}
	challenge := firstStep(t, h)
	for i := 0; i < 5; i++ {
		secondStep(h, challenge, "000000", "")
	}
	if res := secondStep(h, challenge, codeAt(secret, h.clock.Now()), ""); res.Status != 401 || res.Code(t) != "challenge_invalid" {
		t.Fatalf("sixth try: %d %s", res.Status, res.Body)
	}
}

func TestChallengeExpiresAfterFiveMinutes(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret))
	challenge := firstStep(t, h)
	h.clock.Advance(5 * time.Minute)
	if res := secondStep(h, challenge, codeAt(secret, h.clock.Now()), ""); res.Status != 401 || res.Code(t) != "challenge_invalid" {
		t.Fatalf("expired challenge: %d %s", res.Status, res.Body)
	}
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	a := h.account("jdoe", pw, withTOTP(h, secret))
	if res := secondStep(h, firstStep(t, h), "", "ABCD EFGH JKMN PQRS"); res.Status != 200 {
		t.Fatalf("recovery code: %d %s", res.Status, res.Body)
	}
	if res := secondStep(h, firstStep(t, h), "", recoveryCodes[0]); res.Status != 401 || res.Code(t) != "invalid_code" {
		t.Fatalf("recovery code reused: %d %s", res.Status, res.Body)
	}
	set, err := h.store.ListCredentials(context.Background(), a.ID, store.CredentialRecoveryCodes)
	if err != nil || len(set) != 1 || len(set[0].Hashes) != 1 {
		t.Fatalf("recovery codes left: %+v (%v), want 1", set, err)
	}
	if !slices.Contains(h.auditTypes(a.ID), "mfa.recovery_code.used") {
		t.Fatalf("audit = %v", h.auditTypes(a.ID))
	}
	// The last code uses the set up: the method is no longer offered.
	if res := secondStep(h, firstStep(t, h), "", recoveryCodes[1]); res.Status != 200 {
		t.Fatalf("last recovery code: %d %s", res.Status, res.Body)
	}
	if acct := h.Load(a.ID); acct.HasCredential(store.CredentialRecoveryCodes) {
		t.Fatalf("index still lists the used-up set: %v", acct.Credentials)
	}
	res := h.login("jdoe", pw)
	if m := res.JSON(t)["methods"].([]any); len(m) != 1 || m[0] != "totp" {
		t.Fatalf("methods without codes = %v", m)
	}
}

func TestSecondStepBadInput(t *testing.T) {
	h := newHarness(t)
	for _, body := range []map[string]string{
		{"challenge": "x"},
		{"challenge": "x", "code": "123456", "recoveryCode": "abcd"},
		{"code": "123456"},
	} {
		if res := h.Post("/api/auth/login/mfa", body, nil); res.Status != 400 {
			t.Fatalf("%v: %d", body, res.Status)
		}
	}
	if res := secondStep(h, "u_nobody00000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "123456", ""); res.Status != 401 || res.Code(t) != "challenge_invalid" {
		t.Fatalf("unknown challenge: %d %s", res.Status, res.Body)
	}
}

// A role that requires two-factor, without TOTP: a restricted session.
func TestMFAEnrolmentRequiredByRole(t *testing.T) {
	h := newHarness(t)
	h.account("jdoe", pw, func(a *store.Account) { a.Roles = []string{"supervisor"} })
	p := params.Defaults()
	p.MFA.RequiredForRoles = []string{"supervisor", "admin"}
	if err := h.store.Commit(context.Background(), store.PutParameters{Parameters: p}); err != nil {
		t.Fatal(err)
	}
	res := h.login("jdoe", pw)
	if res.Status != 200 || res.JSON(t)["status"] != "mfa_enrolment_required" {
		t.Fatalf("login: %d %s", res.Status, res.Body)
	}
	c := res.Cookie("gatepass")
	if got := h.get("/api/auth/session", c); got.Status != 200 {
		t.Fatalf("restricted session cannot read itself: %d", got.Status)
	}
	if got := h.do(req{method: http.MethodGet, path: "/api/auth/sessions", cookie: c}); got.Status != 403 || got.Code(t) != "mfa_enrolment_required" {
		t.Fatalf("restricted session reached the list: %d %s", got.Status, got.Body)
	}
}

func TestSecondStepRoundTrips(t *testing.T) {
	h := newHarness(t)
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret))
	challenge := firstStep(t, h)
	h.store.Reset()
	if res := secondStep(h, challenge, codeAt(secret, h.clock.Now()), ""); res.Status != 200 {
		t.Fatal(res.Status)
	}
	// Read: challenge, account, parameters, counter, credentials. Writes:
	// the attempt counted; challenge, proof and account in one transaction;
	// session and events appended.
	if got := h.store.Counts(); got.Reads != 1 || got.Writes != 3 {
		t.Fatalf("round trips %+v, want 1 read + 3 writes", got)
	}
}

// A single-facility user with two-factor lands in its facility once the
// second step completes, as after a password-only sign-in.
func TestSecondStepOpensTheOnlyFacility(t *testing.T) {
	h := newHarness(t)
	berlin := h.Facility("Berlin Store")
	secret := totp.NewSecret()
	h.account("jdoe", pw, withTOTP(h, secret), func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
	res := secondStep(h, firstStep(t, h), codeAt(secret, h.clock.Now()), "")
	view, _ := res.JSON(t)["session"].(map[string]any)["view"].(map[string]any)
	if res.Status != 200 || view["facilityId"] != berlin.ID || view["facilityName"] != "Berlin Store" {
		t.Fatalf("second step: %d %s", res.Status, res.Body)
	}
	if got := h.get("/api/auth/session", res.Cookie("gatepass")).JSON(t)["view"].(map[string]any); got["facilityId"] != berlin.ID {
		t.Fatalf("session view = %v", got)
	}
}
