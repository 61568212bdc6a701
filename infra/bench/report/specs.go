package report

import (
	"github.com/gatepass/gatepass/infra/bench/gobench"
)

// Bench is one Go benchmark `make bench` runs and reports.
type Bench struct {
	// Pkg is the package ("./shared/login") and Name the benchmark.
	Pkg, Name string
	// Label is its row in the results table.
	Label string
	// Hash marks benchmarks whose operations cost a full argon2id hash:
	// they run a fixed number of iterations rather than a time.
	Hash bool
	// Tags are build tags for the test binary ("purego").
	Tags string
	// Suffix is appended to the benchmark's name in the raw output, to
	// tell a tagged run from the plain one (benchstat compares by name).
	Suffix string
}

// Key is the benchmark's key in the raw output (gobench.Key).
func (b Bench) Key() string {
	return gobench.Key("github.com/gatepass/gatepass/"+b.Pkg[2:], b.Name+b.Suffix)
}

// Benches are the benchmarks of the results table, in its order: every
// flow of the issue, then the hash alone and the cold-start helpers.
func Benches() []Bench {
	return []Bench{
		{Pkg: "./shared/login", Name: "BenchmarkLoginArgon2idOWASP", Hash: true,
			Label: "login, argon2id m=19 MiB t=2 p=1 (embedded store, fsync)"},
		{Pkg: "./shared/login", Name: "BenchmarkLoginCheapHasher",
			Label: "login, cheap hasher (embedded store, fsync)"},
		{Pkg: "./shared/login", Name: "BenchmarkLoginCheapHasherNoFsync",
			Label: "login, cheap hasher, no fsync: Gatepass's own work"},
		{Pkg: "./shared/login", Name: "BenchmarkLoginFailureCheapHasher",
			Label: "login failure (unknown user), cheap hasher (fsync)"},
		{Pkg: "./shared/login", Name: "BenchmarkLoginMFAStep",
			Label: "MFA step (TOTP code)"},
		{Pkg: "./shared/login", Name: "BenchmarkLoginRememberedDevice",
			Label: "login of a TOTP user from a remembered browser, cheap hasher, no fsync"},
		{Pkg: "./shared/passkey", Name: "BenchmarkPasskeySignIn",
			Label: "passkey sign-in, begin + finish (the authenticator's signing left out)"},
		{Pkg: "./shared/passkey", Name: "BenchmarkPasskeyVerifyAlone",
			Label: "passkey assertion parse + ECDSA P-256 verify alone"},
		{Pkg: "./shared/recovery", Name: "BenchmarkResetRequest",
			Label: "reset request (without the 400 ms pacing)"},
		{Pkg: "./shared/recovery", Name: "BenchmarkResetConfirm",
			Label: "reset confirm, cheap hasher"},
		{Pkg: "./shared/login", Name: "BenchmarkSessionCheck",
			Label: "session check (facility view)"},
		{Pkg: "./shared/authorizer", Name: "BenchmarkAuthorize",
			Label: "authorizer, warm allow"},
		{Pkg: "./shared/views", Name: "BenchmarkViewsSelect",
			Label: "views select (into a facility)"},
		{Pkg: "./shared/password", Name: "BenchmarkVerifyOWASP", Hash: true,
			Label: "argon2id verify alone, amd64 assembly"},
		{Pkg: "./shared/password", Name: "BenchmarkVerifyOWASP", Hash: true, Tags: "purego", Suffix: "Purego",
			Label: "argon2id verify alone, pure Go (the code arm64 runs)"},
		{Pkg: "./shared/policy", Name: "BenchmarkNewChecker",
			Label: "password policy checker, NewChecker (the list itself loads at the first check)"},
	}
}

// Benchmark keys the budgets and the cost model read (a test checks that
// Benches has them).
const (
	keyLoginHash    = "login.BenchmarkLoginArgon2idOWASP"
	keyLoginNoFsync = "login.BenchmarkLoginCheapHasherNoFsync"
	keyVerifyPure   = "password.BenchmarkVerifyOWASPPurego"
	keyMFAStep      = "login.BenchmarkLoginMFAStep"
	keyDeviceLogin  = "login.BenchmarkLoginRememberedDevice"
	keyPasskey      = "passkey.BenchmarkPasskeySignIn"
	keyPasskeyCrypt = "passkey.BenchmarkPasskeyVerifyAlone"
	keyResetRequest = "recovery.BenchmarkResetRequest"
	keyResetConfirm = "recovery.BenchmarkResetConfirm"
	keySessionCheck = "login.BenchmarkSessionCheck"
	keyAuthorize    = "authorizer.BenchmarkAuthorize"
	keyViewsSelect  = "views.BenchmarkViewsSelect"
)
