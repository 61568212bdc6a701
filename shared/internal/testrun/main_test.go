package main

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWantsRace(t *testing.T) {
	someDirs := []string{"shared/store/...", "infra/local", "-shared/store/dynamo"}
	for _, tc := range []struct {
		name     string
		patterns []string
		rel      string
		want     bool
	}{
		{"default: the service module", raceDetected, "shared/store/dynamo", true},
		{"default: its root", raceDetected, ".", true},
		{"default: infra/local", raceDetected, "infra/local/stack", true},
		{"default: the CDK app", raceDetected, "infra/aws", true},
		{"default: its packages", raceDetected, "infra/aws/tenant", true},
		{"CDK app excluded", []string{"...", "-infra/aws/..."}, "infra/aws/tenant", false},
		{"a sibling of an exclusion", []string{"...", "-infra/aws/..."}, "infra/awsome", true},
		{"subtree root", someDirs, "shared/store", true},
		{"in the subtree", someDirs, "shared/store/embedded", true},
		{"excluded later", someDirs, "shared/store/dynamo", false},
		{"below the exclusion", someDirs, "shared/store/dynamo/dynamotest", true},
		{"prefix is not a subtree", someDirs, "shared/storefront", false},
		{"exact", someDirs, "infra/local", true},
		{"exact only", someDirs, "infra/local/stack", false},
		{"unlisted", someDirs, "shared/views", false},
		{"no patterns", nil, "shared/views", false},
	} {
		if got := wantsRace(tc.patterns, tc.rel); got != tc.want {
			t.Errorf("%s: wantsRace(%q, %q) = %v, want %v", tc.name, tc.patterns, tc.rel, got, tc.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		want     options
		wantFail bool
	}{
		{name: "defaults", want: options{goCmd: "go", parallel: 2 * runtime.NumCPU(), race: raceDetected, modules: []string{".", "infra/aws"}, packages: []string{"./..."}}},
		{name: "race everywhere", args: []string{"-race", "..."}, want: options{goCmd: "go", parallel: 2 * runtime.NumCPU(), race: []string{"..."}, modules: []string{".", "infra/aws"}, packages: []string{"./..."}}},
		{name: "race nowhere", args: []string{"-race="}, want: options{goCmd: "go", parallel: 2 * runtime.NumCPU(), modules: []string{".", "infra/aws"}, packages: []string{"./..."}}},
		{name: "packages and go", args: []string{"-go", "go1.26", "./shared/...", "./infra/local/..."},
			want: options{goCmd: "go1.26", parallel: 2 * runtime.NumCPU(), race: raceDetected, modules: []string{".", "infra/aws"}, packages: []string{"./shared/...", "./infra/local/..."}}},
		{name: "one module", args: []string{"-modules", " . "}, want: options{goCmd: "go", parallel: 2 * runtime.NumCPU(), race: raceDetected, modules: []string{"."}, packages: []string{"./..."}}},
		{name: "parallel", args: []string{"-p", "3"}, want: options{goCmd: "go", parallel: 3, race: raceDetected, modules: []string{".", "infra/aws"}, packages: []string{"./..."}}},
		{name: "parallel below one", args: []string{"-p", "0"}, wantFail: true},
		{name: "no module", args: []string{"-modules", ","}, wantFail: true},
		{name: "unknown flag", args: []string{"-nope"}, wantFail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(tc.args, io.Discard)
			if tc.wantFail {
				if err == nil {
					t.Fatalf("parseOptions(%q) = %+v, want an error", tc.args, got)
				}
				return
			}
			if err != nil || got.goCmd != tc.want.goCmd || got.parallel != tc.want.parallel || !slices.Equal(got.race, tc.want.race) || !slices.Equal(got.modules, tc.want.modules) || !slices.Equal(got.packages, tc.want.packages) {
				t.Fatalf("parseOptions(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
			}
		})
	}
}

// events returns lines of go test -json with PKG replaced by pkg.
func events(pkg string, lines ...string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.ReplaceAll(l, "PKG", pkg)
	}
	return out
}

func TestReporter(t *testing.T) {
	began := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	passing := events("example.com/ok",
		`{"Time":"2026-12-08T01:00:30Z","Action":"start","Package":"PKG"}`,
		`{"Action":"run","Package":"PKG","Test":"TestA"}`,
		`{"Action":"output","Package":"PKG","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"pass","Package":"PKG","Test":"TestA","Elapsed":2.5}`,
		`{"Action":"output","Package":"PKG","Output":"PASS\n"}`,
		`{"Action":"output","Package":"PKG","Output":"ok  \tPKG\t2.6s\n"}`,
		`{"Action":"pass","Package":"PKG","Elapsed":2.6}`,
	)
	failing := events("example.com/bad",
		`{"Time":"2026-12-08T01:00:40Z","Action":"start","Package":"PKG"}`,
		`{"Action":"output","Package":"PKG","Test":"TestB","Output":"=== RUN   TestB\n"}`,
		`{"Action":"output","Package":"PKG","Test":"TestB/sub","Output":"    b_test.go:9: wrong answer\n"}`,
		`{"Action":"fail","Package":"PKG","Test":"TestB/sub","Elapsed":0.1}`,
		`{"Action":"fail","Package":"PKG","Test":"TestB","Elapsed":0.2}`,
		`{"Action":"output","Package":"PKG","Test":"TestC","Output":"=== RUN   TestC\n"}`,
		`{"Action":"output","Package":"PKG","Test":"TestC","Output":"    quiet on success\n"}`,
		`{"Action":"pass","Package":"PKG","Test":"TestC","Elapsed":0.1}`,
		`{"Action":"output","Package":"PKG","Output":"FAIL\tPKG\t0.3s\n"}`,
		`{"Action":"fail","Package":"PKG","Elapsed":0.3}`,
	)
	buildFailed := []string{
		`{"ImportPath":"example.com/broken","Action":"build-output","Output":"broken.go:1: syntax error\n"}`,
		`{"ImportPath":"example.com/broken","Action":"build-fail"}`,
	}
	unfinished := events("example.com/killed",
		`{"Time":"2026-12-08T01:00:50Z","Action":"start","Package":"PKG"}`,
	)
	for _, tc := range []struct {
		name       string
		lines      []string
		interrupt  bool
		wantFailed bool
		want       []string // in the output
		notWant    []string
	}{
		{name: "pass", lines: passing, want: []string{"ok  \texample.com/ok\t2.6s", "2.6s  + 30.0s  example.com/ok",
			"2.5s  example.com/ok TestA", "make test: ok, 1 test packages (2.6s of test binaries running, summed), wall time 1m0s"}, notWant: []string{"=== RUN"}},
		{name: "test fails", lines: append(slices.Clone(passing), failing...), wantFailed: true,
			want:    []string{"=== RUN   TestB\n    b_test.go:9: wrong answer\n", "FAIL\texample.com/bad\t0.3s", "FAIL example.com/bad\n", "make test: FAIL, 2 test packages"},
			notWant: []string{"quiet on success"}},
		{name: "build fails", lines: append(slices.Clone(passing), buildFailed...), wantFailed: true,
			want: []string{"broken.go:1: syntax error", "make test: FAIL"}},
		{name: "package never ends", lines: unfinished, wantFailed: true, want: []string{"FAIL example.com/killed"}},
		{name: "interrupted", lines: passing, interrupt: true, wantFailed: true, want: []string{"make test: INTERRUPTED"}},
		{name: "not an event", lines: []string{"go: downloading example.com/x v1.0.0"}, want: []string{"go: downloading example.com/x v1.0.0\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newReporter(&out, began)
			for _, l := range tc.lines {
				r.line([]byte(l))
			}
			if failed := r.summary(began.Add(time.Minute), tc.interrupt); failed != tc.wantFailed {
				t.Errorf("failed = %v, want %v", failed, tc.wantFailed)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}
