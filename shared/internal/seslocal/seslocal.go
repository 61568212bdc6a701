// Package seslocal starts aws-ses-v2-local, a local SES v2 emulator, for
// tests, builds SDK clients that talk to it and to nothing else, and reads
// back the mails it received.
//
// aws-ses-v2-local is installed by npm (infra/emulators pins it); run
// `npm ci --prefix infra/emulators` once. Start runs the package's CLI (the
// "bin" of its package.json) with node, on loopback only:
//
//	node <repo>/infra/emulators/node_modules/aws-ses-v2-local/dist/cli.js \
//	    --host 127.0.0.1 --port <free port>
//
// and waits until GET /health-check answers 200. The emulator keeps the mails
// in memory and serves them at GET /store; it never forwards them (Start
// removes SMTP_TRANSPORT from its environment).
//
// One process is meant to serve a whole test package: start it in TestMain
// with Main or StartShared, reach it from tests with (*Shared).Require, and
// give each test its own recipient address (the store is shared; Address
// makes one no other Server uses). Process management is package emulator's.
//
// When EndpointEnv names a running aws-ses-v2-local (make test starts one for
// every package), Main attaches to it instead of starting a process. Its store
// is then shared with other packages' tests: send to addresses from Address,
// read back with EmailsTo; Clear refuses to empty a store it does not own.
package seslocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/gatepass/gatepass/shared/internal/emulator"
)

// ErrNotInstalled reports that node or the aws-ses-v2-local package is
// missing. Tests skip on it, except in CI (see (*Shared).Require). It also
// matches emulator.ErrNotInstalled.
var ErrNotInstalled = emulator.NotInstalled("seslocal: aws-ses-v2-local is not installed")

// InstallHint tells how to install aws-ses-v2-local.
const InstallHint = "run `npm ci --prefix infra/emulators` in the repository root (needs Node.js 20.19+ on PATH)"

// PackageDir locates the npm package relative to the repository root.
const PackageDir = "infra/emulators/node_modules/aws-ses-v2-local"

// Region and credentials used for the emulator. They are dummies: the
// emulator only checks that requests are signed.
const (
	Region          = "us-east-1"
	AccessKeyID     = "gatepasslocal"
	SecretAccessKey = "gatepasslocal"
)

// EndpointEnv is the environment variable through which the test runner
// hands every test package the endpoint of the aws-ses-v2-local it started.
const EndpointEnv = "GATEPASS_TEST_SES_ENDPOINT"

const (
	name          = "aws-ses-v2-local"
	maxStoreBytes = 64 << 20
)

// Server is a running aws-ses-v2-local process. Endpoint and Output come
// from emulator.Process.
type Server struct {
	*emulator.Process
	http   *http.Client // for the emulator's own endpoints
	domain string       // of the addresses Address makes, unique to this Server
}

// Shared is one aws-ses-v2-local process shared by the tests of a package:
//
//	var local *seslocal.Shared // set once, before any test runs
//
//	func TestMain(m *testing.M) { os.Exit(seslocal.Main(m, &local)) }
//
// The emulator's store is shared: each test sends to its own recipient and
// reads back with (*Server).EmailsTo.
type Shared = emulator.Shared[*Server]

// Start locates aws-ses-v2-local from the repository root (found by walking
// up from the working directory to go.mod), starts it on a free loopback
// port and waits until it answers (at most 60 s). It returns an error
// wrapping ErrNotInstalled when node or the package is missing.
func Start(ctx context.Context) (*Server, error) {
	node, cli, err := locate()
	if err != nil {
		return nil, err
	}
	p, err := emulator.Start(ctx, spec(node, cli))
	if err != nil {
		return nil, err
	}
	return newServer(p)
}

// Attach returns a Server for the aws-ses-v2-local that another process runs
// at endpoint, once it answers. Stop leaves the process running and Clear
// fails: the store belongs to every package that uses the server.
func Attach(ctx context.Context, endpoint string) (*Server, error) {
	p, err := emulator.Attach(ctx, spec("", ""), endpoint)
	if err != nil {
		return nil, err
	}
	return newServer(p)
}

func newServer(p *emulator.Process) (*Server, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("seslocal: address domain: %w", err)
	}
	return &Server{
		Process: p,
		http:    &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}},
		domain:  "s" + hex.EncodeToString(b[:]) + ".example.com",
	}, nil
}

// StartShared starts aws-ses-v2-local for a test package; see
// emulator.StartShared.
func StartShared(ctx context.Context) *Shared { return emulator.StartShared(ctx, name, Start) }

// StartOrAttachShared attaches to the aws-ses-v2-local at EndpointEnv's
// endpoint when it is set, and otherwise starts one, for a test package.
func StartOrAttachShared(ctx context.Context) *Shared {
	return emulator.StartShared(ctx, name, emulator.StartOrAttach(EndpointEnv, Attach, Start))
}

// Main is a test package's TestMain body (see emulator.Main); it attaches to
// the server at EndpointEnv's endpoint when it is set:
//
//	var local *seslocal.Shared
//	func TestMain(m *testing.M) { os.Exit(seslocal.Main(m, &local)) }
func Main(m *testing.M, shared **Shared) int { return emulator.Main(m, shared, StartOrAttachShared) }

// Address returns the mail address local@<domain>, where the domain is this
// Server's own: no other Server, in this process or another one sharing the
// emulator, hands out the same addresses, so EmailsTo finds only the mails
// sent to it by its own tests.
func (s *Server) Address(local string) string { return local + "@" + s.domain }

// Client returns an SDK client for this server (see Client).
func (s *Server) Client(ctx context.Context) (*sesv2.Client, error) {
	return Client(ctx, s.Endpoint())
}

// Email is a mail as the emulator received it.
type Email struct {
	MessageID string
	From      string
	ReplyTo   []string
	To        []string
	Cc        []string
	Bcc       []string
	Subject   string
	Text      string
	HTML      string
	// At is when the emulator received the mail, to the second.
	At time.Time
}

// storedEmail is an entry of GET /store (aws-ses-v2-local's store.ts).
type storedEmail struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
	At int64 `json:"at"`
}

// Emails returns every mail the server received, oldest first.
func (s *Server) Emails(ctx context.Context) ([]Email, error) {
	body, err := s.call(ctx, http.MethodGet, "/store")
	if err != nil {
		return nil, err
	}
	var store struct {
		Emails []storedEmail `json:"emails"`
	}
	if err := json.Unmarshal(body, &store); err != nil {
		return nil, fmt.Errorf("seslocal: decode /store: %w", err)
	}
	out := make([]Email, 0, len(store.Emails))
	for _, e := range store.Emails {
		out = append(out, Email{
			MessageID: e.MessageID, From: e.From, ReplyTo: e.ReplyTo,
			To: e.Destination.To, Cc: e.Destination.Cc, Bcc: e.Destination.Bcc,
			Subject: e.Subject, Text: e.Body.Text, HTML: e.Body.HTML,
			At: time.Unix(e.At, 0).UTC(),
		})
	}
	return out, nil
}

// EmailsTo returns the mails addressed (To) to addr, oldest first.
func (s *Server) EmailsTo(ctx context.Context, addr string) ([]Email, error) {
	all, err := s.Emails(ctx)
	if err != nil {
		return nil, err
	}
	var out []Email
	for _, e := range all {
		for _, to := range e.To {
			if strings.EqualFold(to, addr) {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}

// Clear empties the server's store. Tests sharing a server should rather
// use their own recipients: Clear affects every test of the package. It
// fails on an attached server, whose store other packages use too.
func (s *Server) Clear(ctx context.Context) error {
	if s.Attached() {
		return fmt.Errorf("seslocal: Clear on the shared %s at %s would empty other packages' mail", name, s.Endpoint())
	}
	_, err := s.call(ctx, http.MethodPost, "/clear-store")
	return err
}

// call makes an unsigned request to one of the emulator's own endpoints.
func (s *Server) call(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.Endpoint()+path, nil)
	if err != nil {
		return nil, fmt.Errorf("seslocal: %s %s: %w", method, path, err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("seslocal: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxStoreBytes))
	if err != nil {
		return nil, fmt.Errorf("seslocal: %s %s: read: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("seslocal: %s %s: status %d", method, path, resp.StatusCode)
	}
	return body, nil
}

// Stop kills the emulator (see (*emulator.Process).Stop) and closes the
// connections to it. It is safe to call more than once.
func (s *Server) Stop() error {
	err := s.Process.Stop()
	s.http.CloseIdleConnections()
	return err
}

// Client builds an SES v2 client for a local endpoint. It reads no shared
// configuration or credential files and no environment, never asks the EC2
// instance metadata service and bypasses HTTP proxies: the only host it can
// reach is endpoint. The context is accepted for symmetry with config
// loading; nothing here blocks.
func Client(_ context.Context, endpoint string) (*sesv2.Client, error) {
	if endpoint == "" {
		return nil, errors.New("seslocal: empty endpoint")
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.Proxy = nil
	})
	return sesv2.New(sesv2.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		HTTPClient:   httpClient,
	}), nil
}

// spec runs the CLI with node on 127.0.0.1 and waits for GET /health-check
// to answer 200.
func spec(node, cli string) emulator.Spec {
	return emulator.Spec{
		Name: name,
		Command: func(port int) *exec.Cmd {
			cmd := exec.Command(node, cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
			cmd.Dir = filepath.Dir(cli)
			cmd.Env = childEnv(os.Environ())
			return cmd
		},
		ProbePath:        "/health-check",
		ProbeStatus:      http.StatusOK,
		PortTakenMarkers: []string{"EADDRINUSE", "does not have an address"},
	}
}

// childEnv is the emulator's environment: the test's, without the variables
// that would make it forward mails (SMTP_TRANSPORT) or change its answers.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "SMTP_TRANSPORT", "AWS_SES_ACCOUNT", "AWS_SES_STRICT_TEMPLATE_RENDERING":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// locate finds node and the CLI script of the installed package.
func locate() (node, cli string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("%w: node not found (%v); %s", ErrNotInstalled, err, InstallHint)
	}
	root, err := emulator.RepoRoot()
	if err != nil {
		return "", "", err
	}
	cli, err = cliPath(filepath.Join(root, PackageDir))
	if err != nil {
		return "", "", err
	}
	return node, cli, nil
}

// cliPath reads the "bin" of the package's package.json: either a path or a
// map whose "aws-ses-v2-local" entry is one.
func cliPath(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: no %s; %s", ErrNotInstalled, filepath.Join(dir, "package.json"), InstallHint)
	}
	if err != nil {
		return "", fmt.Errorf("seslocal: read package.json: %w", err)
	}
	var pkg struct {
		Bin json.RawMessage `json:"bin"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return "", fmt.Errorf("seslocal: decode %s: %w", filepath.Join(dir, "package.json"), err)
	}
	var rel string
	if err := json.Unmarshal(pkg.Bin, &rel); err != nil {
		var bins map[string]string
		if err := json.Unmarshal(pkg.Bin, &bins); err != nil {
			return "", fmt.Errorf("seslocal: %s has no usable \"bin\": %w", filepath.Join(dir, "package.json"), err)
		}
		rel = bins["aws-ses-v2-local"]
	}
	if rel == "" {
		return "", fmt.Errorf("seslocal: %s names no aws-ses-v2-local CLI", filepath.Join(dir, "package.json"))
	}
	cli := filepath.Join(dir, filepath.FromSlash(rel))
	if fi, err := os.Stat(cli); err != nil || fi.IsDir() {
		return "", fmt.Errorf("%w: no CLI at %s; %s", ErrNotInstalled, cli, InstallHint)
	}
	return cli, nil
}
