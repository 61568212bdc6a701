package lambdae2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/gatepass/gatepass/infra/bench/awsfake"
	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/hashlimit"
	"github.com/gatepass/gatepass/infra/bench/loadtest"
	"github.com/gatepass/gatepass/infra/bench/rie"
	"github.com/gatepass/gatepass/shared/app/hashmem"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store/dynamo"
	"github.com/gatepass/gatepass/shared/store/dynamo/dynamotest"
)

// The Lambda path of make bench's sign-in load test: what the environment
// names, the test measures; without it the test skips (it is a measurement,
// not a check: make test does not run it).
const (
	// EnvLambdaLoadOut is the file the loadtest.Result is written to.
	envLambdaLoadOut = "GATEPASS_LAMBDA_LOAD_OUT"
	// envLambdaLoadDuration and envLambdaLoadWarmup are Go durations (10s
	// and 2s unless set).
	envLambdaLoadDuration = "GATEPASS_LAMBDA_LOAD_DURATION"
	envLambdaLoadWarmup   = "GATEPASS_LAMBDA_LOAD_WARMUP"
)

// Password sign-ins, one after another, to the real login bootstrap under
// aws-lambda-rie on DynamoDB Local — one Lambda execution environment,
// which serves one invocation at a time — measured like the local stack's
// load test: against the hash limit of one core, with the bootstrap's own
// CPU, page faults and memory from /proc. Once with GODEBUG=madvdontneed=0
// as the tenant stack runs the hashing functions, once with the runtime's
// default release as the reference.
func TestLoginLoadUnderTheEmulator(t *testing.T) {
	out := os.Getenv(envLambdaLoadOut)
	if out == "" {
		t.Skip("a make bench measurement (its lambda-load step): set " + envLambdaLoadOut + " to the result file to run it")
	}
	duration, warmup := durationEnv(t, envLambdaLoadDuration, 10*time.Second), durationEnv(t, envLambdaLoadWarmup, 2*time.Second)
	emulatorBin := rie.Require(t)
	db, mail := dynamoDB.Require(t), ses.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	bins, err := coldstart.BuildCached(ctx, root, filepath.Join(cache, "gatepass", "lambdae2e"), functions, coldstart.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hasher := password.NewArgon2id(password.OWASP())
	hash, err := hasher.Hash(loadtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	client, table := dynamotest.NewTable(t, dynamoDB)
	account := hashUser()
	account.password, account.hash = loadtest.Password, hash
	u := seedUser(t, dynamo.New(client, table, clock.System{}), account)

	fake, err := awsfake.StartWith(t.TempDir(), awsfake.Options{DynamoDB: db.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })

	// One Lambda environment runs one derivation at a time: its limit is
	// one core's.
	limitCfg := hashlimit.Config{
		Derive: func() error {
			if ok, _, err := hasher.Verify(loadtest.Password, hash); !ok || err != nil {
				return fmt.Errorf("verify the load test's hash: %v, %w", ok, err)
			}
			return nil
		},
		Derivations: 20, Warmup: 5, Cores: 1,
	}
	before, err := hashlimit.Measure(ctx, limitCfg)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]string{"username": u.username, "password": u.password})
	if err != nil {
		t.Fatal(err)
	}
	event := func() ([]byte, error) {
		ev, err := browserEvent(http.MethodPost, "/api/auth/login", bytes.NewReader(body), nil, fake.OriginSecret)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ev)
	}

	// level runs warm-ups until the bootstrap's heap has settled, then one
	// measured level, in a fresh environment; first, when storeWarmup is
	// set, it signs in for that long unmeasured.
	level := func(madvFree bool, storeWarmup time.Duration) loadtest.Level {
		t.Helper()
		env := hashmem.With(append(environment("login", table, mail.Endpoint()), fake.Env()...), madvFree)
		f, err := rie.Start(ctx, rie.Config{Emulator: emulatorBin, Bootstrap: bins["login"], Env: env})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Stop() }()
		signIn := func(ctx context.Context, _ int) (bool, error) {
			payload, err := event()
			if err != nil {
				return false, err
			}
			inv, err := f.Invoke(ctx, payload)
			if err != nil {
				return false, err
			}
			var resp events.APIGatewayV2HTTPResponse
			if inv.Status != http.StatusOK || json.Unmarshal(inv.Body, &resp) != nil {
				return false, fmt.Errorf("emulator answered %d: %s", inv.Status, inv.Body)
			}
			return resp.StatusCode == http.StatusOK && strings.Contains(resp.Body, `"authenticated"`), nil
		}
		if ok, err := signIn(ctx, 0); !ok || err != nil {
			stdout, log := f.Output()
			t.Fatalf("first sign-in: %v, %v\n%s\n%s", ok, err, stdout, log)
		}
		pid := f.BootstrapPID()
		if pid == 0 {
			t.Fatal("no bootstrap process under the emulator")
		}
		cfg := loadtest.LevelConfig{PID: pid, Clients: 1, Duration: storeWarmup, Limit: before, Login: signIn}
		if storeWarmup > 0 {
			w, err := loadtest.MeasureLevel(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if w.Errors > 0 {
				t.Fatalf("store warm-up: %d of %d sign-ins failed", w.Errors, w.Errors+w.Logins)
			}
		}
		cfg.Duration = warmup
		for range loadtest.MaxSettle {
			w, err := loadtest.MeasureLevel(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if w.Errors > 0 {
				t.Fatalf("warm-up: %d of %d sign-ins failed", w.Errors, w.Errors+w.Logins)
			}
			if loadtest.Settled(w) {
				break
			}
		}
		cfg.Duration = duration
		l, err := loadtest.MeasureLevel(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if l.Errors > 0 || l.Logins == 0 {
			t.Fatalf("%d sign-ins, %d failed", l.Logins, l.Errors)
		}
		return l
	}
	// Whichever level came first took about a fifth longer per sign-in in
	// wall time (not in the bootstrap's CPU), in either order (6 runs):
	// most likely DynamoDB Local, a JVM, still compiling its request paths.
	// The first level first signs in for as long as a level, unmeasured,
	// so that both meet a warm store.
	free := level(true, duration)
	ref := level(false, 0)
	after, err := hashlimit.Measure(ctx, limitCfg)
	if err != nil {
		t.Fatal(err)
	}
	limit := before.Combine(after)
	free.Hash = limit.Against(free.Logins, free.Elapsed, free.Used)
	ref.Hash = limit.Against(ref.Logins, ref.Elapsed, ref.Used)
	// The bootstrap's environment sets no GOMAXPROCS: it runs with the
	// runtime's default for this machine, as this process does (unless the
	// test's own environment sets one). Its limit is still one core's.
	res := loadtest.Result{Hash: loadtest.ParamsOf(hash), GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), MADVFree: true,
		Limit: limit, Levels: []loadtest.Level{free}, Reference: &ref}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		release string
		loadtest.Level
	}{{"MADV_FREE", free}, {"the runtime's default release", ref}} {
		t.Logf("%s: %.1f logins/s (%.0f %% of %.1f), p50 %s, per login %s user + %s system, %.1f faults (%s), %s besides the hash, RSS %d MiB",
			l.release, l.PerSecond, l.Hash.PercentOfLimit, limit.PerSecond, l.P50.Round(100*time.Microsecond), l.Hash.Process.User, l.Hash.Process.System,
			l.Hash.Process.MinorFaults, l.Hash.PageFaultCPU, l.Hash.NonHashCPU, l.RSS>>20)
	}
}

// durationEnv is the duration the environment variable name holds, or def.
func durationEnv(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatal(errors.Join(fmt.Errorf("%s=%q: not a positive duration", name, v), err))
	}
	return d
}
