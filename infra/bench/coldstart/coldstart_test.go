package coldstart_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatepass/gatepass/infra/bench/coldstart"
	"github.com/gatepass/gatepass/infra/bench/rie"
	"github.com/gatepass/gatepass/infra/bench/stats"
	"github.com/gatepass/gatepass/shared/routes"
)

const root = "../../.."

// The host binaries are built exactly like make build's Lambda binaries.
func TestBuildFlagsAreTheMakefiles(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_FLAGS := (.*)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no LAMBDA_FLAGS in the Makefile")
	}
	want := strings.ReplaceAll(string(m[1]), "'", "")
	got := strings.Join(coldstart.BuildFlags, " ")
	if got != want {
		t.Fatalf("BuildFlags %q, Makefile %q", got, want)
	}
}

// Every function of the route table can be invoked by the tool.
func TestEveryFunctionHasAnEvent(t *testing.T) {
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, ok := routes.Lookup(d.Name()); !ok {
			t.Errorf("functions/%s is not in the route table", d.Name())
		}
	}
	env := strings.Join(coldstart.Environment("login", "127.0.0.1:9", 1024), "\n")
	for _, want := range []string{"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9", "GATEPASS_TABLE=", "GATEPASS_KEY_SECRET=", "GATEPASS_ORIGIN_SECRET_ARN=", "AWS_REGION="} {
		if !strings.Contains(env, want) {
			t.Errorf("environment lacks %s", want)
		}
	}
}

// One real function, end to end: built, started against the loopback
// Runtime API and fakes, invoked.
func TestMeasureOneFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function")
	}
	res, err := coldstart.Measure(context.Background(), coldstart.Config{
		Root: root, Functions: []string{"login", "authorizer"}, Dir: t.TempDir(), Runs: 2, Warm: 3, MemoryMB: 1024,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(res, "", " ")
	t.Logf("%s", b)
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	login, authz := res[0], res[1]
	if login.Outcome != "200" || login.Event != "GET /api/auth/config" || len(login.ExecToNext) != 2 || len(login.Warm) != 6 {
		t.Fatalf("login: %+v", login)
	}
	// The sealing key and the origin secret's two stages.
	if !strings.Contains(login.InitCalls, "secretsmanager.GetSecretValue×3") || login.InvokeCalls != "dynamodb.BatchGetItem×1" {
		t.Fatalf("login calls: init %s, invoke %s", login.InitCalls, login.InvokeCalls)
	}
	if authz.Outcome != "deny" || authz.InitCalls != "none" || authz.InvokeCalls != "dynamodb.BatchGetItem×1" {
		t.Fatalf("authorizer: %+v", authz)
	}
	if stats.Median(login.ExecToNext) <= 0 || slices.Min(login.Warm) <= 0 {
		t.Fatalf("timings: %+v", login)
	}
}

func TestParseInitTrace(t *testing.T) {
	out := `init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs
some log line
init github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas @4.1 ms, 3.5 ms clock, 1597440 bytes, 21005 allocs
init encoding/xml @1.2 ms, 0.55 ms clock, 18752 bytes, 80 allocs
init github.com/aws/aws-sdk-go-v2/service/sesv2/schemas @8.0 ms, 3.1 ms clock, 1 bytes, 1 allocs
`
	total, top := coldstart.ParseInitTrace(out, 2)
	if total != 7150*time.Microsecond {
		t.Fatalf("total %v", total)
	}
	if len(top) != 2 || top[0].Package != "github.com/aws/aws-sdk-go-v2/service/dynamodb/schemas" ||
		top[1].Took != 3100*time.Microsecond {
		t.Fatalf("top %+v", top)
	}
	if total, top := coldstart.ParseInitTrace("", 3); total != 0 || len(top) != 0 {
		t.Fatalf("empty: %v %v", total, top)
	}
}

// Under the official emulator too: the same binary, environment and fakes,
// the emulator's own init duration recorded per start.
func TestMeasureUnderTheEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the emulator and a function")
	}
	res, err := coldstart.Measure(context.Background(), coldstart.Config{
		Root: root, Functions: []string{"views"}, Dir: t.TempDir(), Runs: 1, Warm: 1, MemoryMB: 1024,
		Emulator: rie.Require(t), EmulatorRuns: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	t.Logf("views: harness exec → /next %v, aws-lambda-rie init %v, first invoke %v", r.ExecToNext, r.RIEInit, r.RIEFirstInvoke)
	if len(r.RIEInit) != 2 || len(r.RIEFirstInvoke) != 2 || slices.Min(r.RIEInit) <= 0 || slices.Min(r.RIEFirstInvoke) <= 0 {
		t.Fatalf("%+v", r)
	}
}

// A module of one function: the key follows its source, and a cached build
// is reused until the source changes.
func TestBuildCachedFollowsTheSource(t *testing.T) {
	mod := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(mod, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/fn\n\ngo 1.26\n")
	write("functions/hello/main.go", "package main\n\nfunc main() { println(\"hello\") }\n")
	ctx, cache := context.Background(), t.TempDir()
	fns := []string{"hello"}

	first, err := coldstart.BuildCached(ctx, mod, cache, fns, coldstart.Options{Flags: testFlags(), CGO: true})
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(first["hello"])
	if err != nil {
		t.Fatal(err)
	}
	again, err := coldstart.BuildCached(ctx, mod, cache, fns, coldstart.Options{Flags: testFlags(), CGO: true})
	if err != nil {
		t.Fatal(err)
	}
	if after, err := os.Stat(again["hello"]); err != nil || again["hello"] != first["hello"] || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("rebuilt: %s then %s (%v)", first["hello"], again["hello"], err)
	}

	write("functions/hello/main.go", "package main\n\nfunc main() { println(\"hello, again\") }\n")
	changed, err := coldstart.BuildCached(ctx, mod, cache, fns, coldstart.Options{Flags: testFlags(), CGO: true})
	if err != nil {
		t.Fatal(err)
	}
	if changed["hello"] == first["hello"] {
		t.Fatal("a changed source reused the old binary")
	}
	out, err := exec.Command(changed["hello"]).CombinedOutput()
	if err != nil || string(out) != "hello, again\n" {
		t.Fatalf("the cached binary says %q (%v)", out, err)
	}
}
