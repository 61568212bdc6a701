// Package loadtest runs a bounded sign-in load against the local stack on
// loopback: the stack (infra/local/stack, embedded store with fsync, the
// same handlers and v2 event adapter as `make run`) is started in this
// process on a free port with its production hasher, distinct users are
// created, and each concurrency level signs them in over HTTP for a fixed
// time. It reports logins per second, latency percentiles, errors and the
// process CPU time per login; and, against the hash limit measured in the
// same run (package hashlimit), the share of the limit reached, the page
// faults and their CPU, the CPU besides the hash and the resident memory
// (package procstat, read from /proc for this process). Whether the
// process releases memory with MADV_FREE (package hashmem) is the
// caller's: the runtime reads it from GODEBUG at start, so the bench runs
// the load test in a child process, once with it and once without.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gatepass/gatepass/infra/bench/hashlimit"
	"github.com/gatepass/gatepass/infra/bench/procstat"
	"github.com/gatepass/gatepass/infra/bench/stats"
	"github.com/gatepass/gatepass/infra/local/stack"
	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app/hashmem"
	"github.com/gatepass/gatepass/shared/bootstrap"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/password"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/embedded"
)

// Password is every load-test user's password.
const Password = "load test passphrase 2026"

// Config bounds a load test.
type Config struct {
	// Concurrency lists the levels: clients signing in at once.
	Concurrency []int
	// Duration is how long each level is measured, after Warmup.
	Duration, Warmup time.Duration
	// Params are the argon2id parameters (the local stack's, OWASP, unless
	// set).
	Params password.Params
	// DataDir holds the stack's database.
	DataDir string
	// LimitDerivations are the derivations timed for the hash limit, after
	// LimitWarmup untimed ones (40 and 10 unless set).
	LimitDerivations, LimitWarmup int
}

// Level is one concurrency level's outcome.
type Level struct {
	Concurrency int `json:"concurrency"`
	// Logins succeeded and Errors failed (any status but 200
	// "authenticated", or a transport error).
	Logins int `json:"logins"`
	Errors int `json:"errors"`
	// Elapsed is the measured time; PerSecond = Logins / Elapsed.
	Elapsed   time.Duration `json:"elapsed"`
	PerSecond float64       `json:"perSecond"`
	// P50, P99 and Max are the successful logins' latencies.
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
	// CPUPerLogin is the serving process's CPU time per login (this
	// process's for the local stack: stack and clients), from /proc in
	// 10 ms ticks.
	CPUPerLogin time.Duration `json:"cpuPerLogin"`
	// CoresUsed is the process's CPU time over the elapsed time: how many
	// cores it kept busy. Less than GOMAXPROCS on a saturated level means
	// other processes took the rest.
	CoresUsed float64 `json:"coresUsed"`
	// Hash are the level's figures against the run's hash limit: its share
	// of the limit, and per login the process's CPU and page faults, their
	// CPU and the CPU besides the derivation.
	Hash hashlimit.Load `json:"hash"`
	// Used is what the serving process used over the level, from which
	// Hash is computed.
	Used procstat.Delta `json:"used"`
	// RSS is the process's resident memory at the end of the level and
	// PeakRSS the most sampled during it (every 50 ms).
	RSS     int64 `json:"rss"`
	PeakRSS int64 `json:"peakRSS"`
	// RSSGrowth is how much RSS grew over the level: first touches of
	// memory the heap had never used (growing to its high-water mark), as
	// opposed to faults on memory that went back to the OS and returned.
	RSSGrowth int64 `json:"rssGrowth"`
}

// FirstTouchFaults estimates the level's page faults per login that grew
// RSS (4 KiB pages), at most all of them: the rest faulted in memory that
// had been resident before.
func (l Level) FirstTouchFaults() float64 {
	if l.Logins == 0 || l.RSSGrowth <= 0 {
		return 0
	}
	return min(float64(l.RSSGrowth>>12)/float64(l.Logins), l.Hash.Process.MinorFaults)
}

// Result is a whole load test.
type Result struct {
	// Hash is the stored hashes' parameters, read back from a user's hash
	// ("m=19456,t=2,p=1").
	Hash       string  `json:"hash"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	NumCPU     int     `json:"numCPU"`
	Levels     []Level `json:"levels"`
	// MADVFree tells whether the process released memory with MADV_FREE
	// (GODEBUG, hashmem.Selected), as the local stack does.
	MADVFree bool `json:"madvFree"`
	// Limit is the hash limit, measured in this process before the stack
	// started.
	Limit hashlimit.Limit `json:"limit"`
	// Reference is a level measured the same way in another process with
	// the runtime's default release (MADV_DONTNEED), if the caller ran one:
	// what the setting changes.
	Reference *Level `json:"reference,omitempty"`
}

// Run starts the stack, creates one user per client of the highest level,
// and measures every level in turn.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.Concurrency) == 0 || cfg.Duration <= 0 {
		return Result{}, errors.New("loadtest: no levels or no duration")
	}
	if cfg.Params == (password.Params{}) {
		cfg.Params = password.OWASP()
	}
	if cfg.LimitDerivations < 1 {
		cfg.LimitDerivations, cfg.LimitWarmup = 40, 10
	}
	hasher := password.NewArgon2id(cfg.Params)
	users := 0
	for _, c := range cfg.Concurrency {
		users = max(users, c)
	}
	hash, err := createUsers(cfg.DataDir, hasher, users)
	if err != nil {
		return Result{}, err
	}
	limitCfg := hashlimit.Config{
		Derive: func() error {
			if ok, _, err := hasher.Verify(Password, hash); !ok || err != nil {
				return fmt.Errorf("verify the load test's hash: %v, %w", ok, err)
			}
			return nil
		},
		Derivations: cfg.LimitDerivations, Warmup: cfg.LimitWarmup, Cores: runtime.GOMAXPROCS(0),
	}
	limit, err := hashlimit.Measure(ctx, limitCfg)
	if err != nil {
		return Result{}, fmt.Errorf("loadtest: %w", err)
	}
	web := filepath.Join(cfg.DataDir, "web")
	if err := os.MkdirAll(web, 0o700); err != nil {
		return Result{}, fmt.Errorf("loadtest: %w", err)
	}
	s, err := stack.Start(ctx, stack.Config{
		Addr: "127.0.0.1:0", DataDir: cfg.DataDir, WebDir: web, Hasher: hasher,
		Admin:  bootstrap.Admin{Username: "admin", Password: Password + " admin"},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), // formatted like in AWS, written nowhere
	})
	if err != nil {
		return Result{}, fmt.Errorf("loadtest: %w", err)
	}
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(shutdown)
	}()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true,
	}}
	defer client.CloseIdleConnections()
	res := Result{Hash: ParamsOf(hash), GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		MADVFree: hashmem.Selected(os.Getenv("GODEBUG")), Limit: limit}
	measure := func(c int) (Level, error) {
		if cfg.Warmup > 0 {
			if _, err := level(ctx, client, s.URL, c, cfg.Warmup, limit); err != nil {
				return Level{}, err
			}
		}
		return level(ctx, client, s.URL, c, cfg.Duration, limit)
	}
	// The heap grows to its high-water mark at the highest level, in steps
	// (when a collection happens to find that many arrays live): warmed
	// there until a warm-up leaves the resident memory where it found it
	// (at most MaxSettle times), the levels measure a stack that has seen
	// its peak, as a running one has, rather than the one-time faults of
	// that growth.
	if cfg.Warmup > 0 {
		for range MaxSettle {
			w, err := level(ctx, client, s.URL, users, cfg.Warmup, limit)
			if err != nil {
				return Result{}, err
			}
			if Settled(w) {
				break
			}
		}
	}
	for _, c := range cfg.Concurrency {
		l, err := measure(c)
		if err != nil {
			return Result{}, err
		}
		res.Levels = append(res.Levels, l)
	}
	// Once more after the levels, the stack idle: the levels are held
	// against the mean of both, which halves the drift of a derivation's
	// CPU on a machine shared with other work (the two are kept).
	after, err := hashlimit.Measure(ctx, limitCfg)
	if err != nil {
		return Result{}, fmt.Errorf("loadtest: %w", err)
	}
	res.Limit = limit.Combine(after)
	for i, l := range res.Levels {
		res.Levels[i].Hash = res.Limit.Against(l.Logins, l.Elapsed, l.Used)
	}
	return res, nil
}

// Settling before the levels: at most MaxSettle warm-ups at the highest
// level, until one is Settled. The Lambda path settles its bootstrap the
// same way.
const (
	MaxSettle     = 5
	SettledFaults = 256
)

// Settled tells whether warm-up w took fewer than SettledFaults page faults
// in all (1 MiB of 4 KiB pages): the heap has stopped growing.
func Settled(w Level) bool { return w.Hash.Process.MinorFaults*float64(w.Logins) < SettledFaults }

// userName is the i-th load-test user.
func userName(i int) string { return "load" + strconv.Itoa(i) }

// createUsers opens the database before the stack does and stores n active
// users with Password, returning one stored hash.
func createUsers(dir string, h password.Hasher, n int) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("loadtest: %w", err)
	}
	st, err := embedded.Open(filepath.Join(dir, "gatepass.db"), clock.System{})
	if err != nil {
		return "", fmt.Errorf("loadtest: %w", err)
	}
	defer st.Close()
	hash, err := h.Hash(Password)
	if err != nil {
		return "", fmt.Errorf("loadtest: hash: %w", err)
	}
	now := time.Now()
	for i := range n {
		name := userName(i)
		a := store.Account{
			ID: ids.New("u"), Username: name, UsernameKey: accounts.CanonicalUsername(name), DisplayName: "Load " + name,
			PasswordHash: hash, Roles: []string{accounts.RoleOperator}, Locale: "en", Status: store.StatusActive,
			CreatedAt: now, UpdatedAt: now,
		}
		if err := st.Commit(context.Background(), store.CreateAccount{Account: a}); err != nil {
			return "", fmt.Errorf("loadtest: create %s: %w", name, err)
		}
	}
	return hash, nil
}

// ParamsOf returns the "m=…,t=…,p=…" part of a PHC string.
func ParamsOf(phc string) string {
	parts := bytes.Split([]byte(phc), []byte("$"))
	if len(parts) < 4 {
		return ""
	}
	return string(parts[3])
}

// level signs in with c clients of the stack at base, each its own user,
// until d has passed, and holds this process's figures against limit.
func level(ctx context.Context, client *http.Client, base string, c int, d time.Duration, limit hashlimit.Limit) (Level, error) {
	bodies := make([][]byte, c)
	for w := range c {
		bodies[w], _ = json.Marshal(map[string]string{"username": userName(w), "password": Password})
	}
	return MeasureLevel(ctx, LevelConfig{PID: os.Getpid(), Clients: c, Duration: d, Limit: limit,
		Login: func(ctx context.Context, w int) (bool, error) { return login(ctx, client, base, bodies[w]) }})
}

// LevelConfig is one level of any sign-in load: the local stack's here, a
// Lambda bootstrap's under the runtime interface emulator for the Lambda
// path.
type LevelConfig struct {
	// PID is the process that serves the sign-ins, whose CPU, faults and
	// memory the level reports (package procstat): this one for the local
	// stack, which then also counts the clients; the bootstrap's under RIE.
	PID int
	// Clients sign in at once, one after another each, for Duration.
	Clients  int
	Duration time.Duration
	// Limit is the run's hash limit.
	Limit hashlimit.Limit
	// Login makes one sign-in as client w (0 ≤ w < Clients) and reports
	// whether it succeeded; an error while ctx is live counts as a failure.
	Login func(ctx context.Context, w int) (bool, error)
}

// MeasureLevel runs one level and returns its figures.
func MeasureLevel(ctx context.Context, cfg LevelConfig) (Level, error) {
	type worker struct {
		lat    []time.Duration
		errors int
	}
	c := cfg.Clients
	workers := make([]worker, c)
	proc, err := procstat.Read(cfg.PID)
	if err != nil {
		return Level{}, fmt.Errorf("loadtest: %w", err)
	}
	peak := sampleRSS(cfg.PID, 50*time.Millisecond)
	began := time.Now()
	deadline := began.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				start := time.Now()
				ok, err := cfg.Login(ctx, w)
				took := time.Since(start)
				switch {
				case err != nil && ctx.Err() != nil:
					return
				case ok:
					workers[w].lat = append(workers[w].lat, took)
				default:
					workers[w].errors++
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	peakRSS := peak()
	procAfter, err := procstat.Read(cfg.PID)
	if err != nil {
		return Level{}, fmt.Errorf("loadtest: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Level{}, fmt.Errorf("loadtest: %w", err)
	}
	used := procAfter.Sub(proc)
	l := Level{Concurrency: c, Elapsed: elapsed, Used: used, RSS: procAfter.RSS, PeakRSS: max(peakRSS, procAfter.RSS),
		RSSGrowth: procAfter.RSS - proc.RSS}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		l.Errors += w.errors
	}
	l.Logins = len(all)
	l.PerSecond = float64(l.Logins) / elapsed.Seconds()
	sum := stats.Summarise(all)
	l.P50, l.P99, l.Max = sum.P50, sum.P99, sum.Max
	if l.Logins > 0 {
		l.CPUPerLogin = (used.User + used.System) / time.Duration(l.Logins)
	}
	l.CoresUsed = (used.User + used.System).Seconds() / elapsed.Seconds()
	l.Hash = cfg.Limit.Against(l.Logins, elapsed, used)
	return l, nil
}

// sampleRSS reads process pid's resident memory every interval until the
// returned function is called, which returns the most it read (0 if no
// read succeeded).
func sampleRSS(pid int, interval time.Duration) (stop func() int64) {
	done := make(chan struct{})
	most := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if s, err := procstat.Read(pid); err == nil {
				peak = max(peak, s.RSS)
			}
			select {
			case <-done:
				most <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-most
	}
}

// login posts one sign-in and reports whether it was authenticated.
func login(ctx context.Context, client *http.Client, base string, body []byte) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/auth/login", bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("loadtest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	res, err := client.Do(req)
	if err != nil {
		return false, fmt.Errorf("loadtest: %w", err)
	}
	defer res.Body.Close()
	var out struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return false, nil
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode == http.StatusOK && out.Status == "authenticated", nil
}
