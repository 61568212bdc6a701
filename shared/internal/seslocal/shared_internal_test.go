package seslocal

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gatepass/gatepass/shared/internal/emulator"
)

func TestCLIPath(t *testing.T) {
	for _, tc := range []struct {
		name, packageJSON string
		makeCLI           bool
		notInstalled      bool
		fail              bool
	}{
		{name: "bin map", packageJSON: `{"bin": {"aws-ses-v2-local": "dist/cli.js"}}`, makeCLI: true},
		{name: "bin string", packageJSON: `{"bin": "dist/cli.js"}`, makeCLI: true},
		{name: "no package", notInstalled: true},
		{name: "cli missing", packageJSON: `{"bin": "dist/cli.js"}`, notInstalled: true},
		{name: "no bin", packageJSON: `{"name": "x"}`, fail: true},
		{name: "other bin", packageJSON: `{"bin": {"other": "x.js"}}`, fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.packageJSON != "" {
				if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(tc.packageJSON), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want := filepath.Join(dir, "dist", "cli.js")
			if tc.makeCLI {
				if err := os.MkdirAll(filepath.Dir(want), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(want, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := cliPath(dir)
			switch {
			case tc.notInstalled:
				if !errors.Is(err, ErrNotInstalled) {
					t.Fatalf("cliPath = %q, %v; want ErrNotInstalled", got, err)
				}
			case tc.fail:
				if err == nil || errors.Is(err, ErrNotInstalled) {
					t.Fatalf("cliPath = %q, %v; want another error", got, err)
				}
			default:
				if err != nil || got != want {
					t.Fatalf("cliPath = %q, %v; want %q", got, err, want)
				}
			}
		})
	}
}

func TestChildEnvDropsForwarding(t *testing.T) {
	got := childEnv([]string{"PATH=/bin", `SMTP_TRANSPORT={"host":"smtp"}`, "AWS_SES_ACCOUNT={}", "HOME=/h"})
	if !slices.Equal(got, []string{"PATH=/bin", "HOME=/h"}) {
		t.Fatalf("childEnv = %q", got)
	}
}

// TestTakenPortIsRecognised makes node fail to bind a port another listener
// holds: the output must be recognised as emulator.ErrPortTaken, on which
// Start retries with a fresh port.
func TestTakenPortIsRecognised(t *testing.T) {
	node, cli, err := locate()
	if errors.Is(err, ErrNotInstalled) && !emulator.InCI() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p, err := emulator.StartOnPort(t.Context(), spec(node, cli), l.Addr().(*net.TCPAddr).Port)
	if err == nil {
		_ = p.Stop()
		t.Fatal("start on a taken port succeeded")
	}
	if !errors.Is(err, emulator.ErrPortTaken) {
		t.Fatalf("StartOnPort = %v, want emulator.ErrPortTaken", err)
	}
}
