package login_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/metrics"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
)

// logHarness is a harness whose functions log into a buffer.
func logHarness(t *testing.T) (*harness, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	counting := &countingHasher{Hasher: password.NewArgon2id(cheapParams())}
	e := apptest.New(t, apptest.Options{Hasher: counting, Log: &logs})
	return &harness{Env: e, t: t, clock: e.Clock, store: e.Store, hasher: counting}, &logs
}

// lockMetrics returns the LoginLocked EMF lines logged so far, checking
// each against the metric's contract: namespace, one dimension (the
// tenant), count 1.
func lockMetrics(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	for sc.Scan() {
		var line struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace  string
					Dimensions [][]string
					Metrics    []struct{ Name, Unit string }
				}
			} `json:"_aws"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %s: %v", sc.Bytes(), err)
		}
		cwm := line.AWS.CloudWatchMetrics
		if len(cwm) == 0 || len(cwm[0].Metrics) == 0 || cwm[0].Metrics[0].Name != login.LockedMetric {
			continue
		}
		var all map[string]any
		_ = json.Unmarshal(sc.Bytes(), &all)
		if len(cwm) != 1 || cwm[0].Namespace != metrics.Namespace || len(cwm[0].Metrics) != 1 || cwm[0].Metrics[0].Unit != "Count" ||
			!slices.EqualFunc(cwm[0].Dimensions, [][]string{{login.LockedMetricDimension}, {}}, slices.Equal) ||
			all[login.LockedMetricDimension] != "acme" || all[login.LockedMetric] != float64(1) {
			t.Errorf("metric line %s", sc.Bytes())
		}
		// Never who or where from.
		if strings.Contains(sc.Text(), "jdoe") || strings.Contains(sc.Text(), "192.0.2.") || strings.Contains(sc.Text(), "203.0.113.") {
			t.Errorf("metric line names a user or an IP: %s", sc.Bytes())
		}
		out = append(out, all)
	}
	return out
}

// LoginLocked counts the locks sign-in attempts start — one for each, at
// the attempt that starts it — and nothing for the attempts a lock refuses
// or for a lock the attempt's own success lifts.
func TestLockStartsAreCounted(t *testing.T) {
	const ip = "192.0.2.44"
	wrongPassword := func() attemptFunc {
		return func(t *testing.T, h *harness, i int) int { return h.login("jdoe", "wrong").Status }
	}
	// codes: one challenge, then wrong codes on it; last, on attempt
	// len(want), does what it says instead.
	codes := func(last func(t *testing.T, h *harness, challenge string) int, n int) func() attemptFunc {
		return func() attemptFunc {
			var challenge string
			return func(t *testing.T, h *harness, i int) int {
				if challenge == "" {
					challenge = firstStep(t, h)
				}
				if i == n && last != nil {
					return last(t, h, challenge)
				}
				return secondStep(h, challenge, "000000", "").Status
			}
		}
	}
	for _, tc := range []struct {
		name    string
		totp    bool
		attempt func() attemptFunc
		// want is the number of metric lines after each attempt.
		want []int
	}{
		{name: "the account locks at the fifth wrong password", attempt: wrongPassword,
			want: []int{0, 0, 0, 0, 1, 1, 1}},
		{name: "an unknown name locks alike",
			attempt: func() attemptFunc {
				return func(t *testing.T, h *harness, i int) int { return h.login("nobody", "wrong").Status }
			},
			want: []int{0, 0, 0, 0, 1, 1}},
		{name: "the next lock, after the first was served, counts again",
			attempt: func() attemptFunc {
				return func(t *testing.T, h *harness, i int) int {
					if i == 7 {
						h.clock.Advance(6 * time.Minute) // past the first lock (300 s)
					}
					return h.login("jdoe", "wrong").Status
				}
			},
			want: []int{0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2}},
		{name: "the client IP locks at its tenth failure (maxFailuresPerIp 10), over many names",
			attempt: func() attemptFunc {
				return func(t *testing.T, h *harness, i int) int {
					if i == 1 {
						putLockout(t, h, 10)
					}
					return h.loginFrom(ip, "user"+strconv.Itoa(i), "wrong").Status
				}
			},
			want: []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}},
		{name: "wrong codes at the second step lock the account", totp: true,
			attempt: codes(func(t *testing.T, h *harness, _ string) int { return h.login("jdoe", pw).Status }, 6),
			want:    []int{0, 0, 0, 0, 1, 1}},
		{name: "a right password completing the count wrong codes began keeps its lock", totp: true,
			attempt: codes(func(t *testing.T, h *harness, _ string) int { return h.login("jdoe", pw).Status }, 5),
			want:    []int{0, 0, 0, 0, 1}},
		{name: "a right code completing the count lifts its lock: nothing counted", totp: true,
			attempt: codes(func(t *testing.T, h *harness, challenge string) int {
				return secondStep(h, challenge, codeAt(totpSecret, h.clock.Now()), "").Status
			}, 5),
			want: []int{0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := logHarness(t)
			h.account("jdoe", pw, withTOTPIf(h, tc.totp))
			attempt := tc.attempt()
			for i, want := range tc.want {
				status := attempt(t, h, i+1)
				if got := len(lockMetrics(t, logs)); got != want {
					t.Fatalf("after attempt %d (%d): %d LoginLocked lines, want %d", i+1, status, got, want)
				}
			}
		})
	}
}

// attemptFunc makes sign-in attempt i (from 1) and returns its status.
type attemptFunc func(t *testing.T, h *harness, i int) int

var totpSecret = totp.NewSecret()

func withTOTPIf(h *harness, on bool) func(*store.Account) {
	if !on {
		return func(*store.Account) {}
	}
	return withTOTP(h, totpSecret)
}

// putLockout sets the tenant's per-IP failure limit.
func putLockout(t *testing.T, h *harness, perIP int) {
	t.Helper()
	ctx := context.Background()
	snap, err := h.store.Load(ctx, store.Query{Parameters: true})
	if err != nil {
		t.Fatal(err)
	}
	p := snap.Parameters
	p.Lockout.MaxFailuresPerIP = perIP
	if err := h.store.Commit(ctx, store.PutParameters{Parameters: p, Version: snap.ParametersVersion}); err != nil {
		t.Fatal(err)
	}
}
