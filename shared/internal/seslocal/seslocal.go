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
// give each test its own recipient address (the store is shared).
package seslocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// ErrNotInstalled reports that node or the aws-ses-v2-local package is
// missing. Tests skip on it, except in CI (see (*Shared).Require).
var ErrNotInstalled = errors.New("seslocal: aws-ses-v2-local is not installed")

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

const (
	startTimeout  = 60 * time.Second
	startAttempts = 3
	maxOutput     = 64 << 10
	maxStoreBytes = 64 << 20
)

// Server is a running aws-ses-v2-local process.
type Server struct {
	endpoint string
	cmd      *exec.Cmd
	out      *tailBuffer
	http     *http.Client
	done     chan struct{} // closed when the process has exited
	waitErr  error         // set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start locates aws-ses-v2-local from the repository root (found by walking
// up from the working directory to go.mod), starts it on a free loopback
// port and waits until it answers (at most 60 s). It returns an error
// wrapping ErrNotInstalled when node or the package is missing.
func Start(ctx context.Context) (*Server, error) {
	node, cli, err := locate()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := start(ctx, node, cli, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// Endpoint is the server's base URL, such as "http://127.0.0.1:41234".
func (s *Server) Endpoint() string { return s.endpoint }

// Client returns an SDK client for this server (see Client).
func (s *Server) Client(ctx context.Context) (*sesv2.Client, error) {
	return Client(ctx, s.endpoint)
}

// Output returns what the process wrote to stdout and stderr so far (the
// last 64 KiB).
func (s *Server) Output() string { return s.out.String() }

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
// use their own recipients: Clear affects every test of the package.
func (s *Server) Clear(ctx context.Context) error {
	_, err := s.call(ctx, http.MethodPost, "/clear-store")
	return err
}

// call makes an unsigned request to one of the emulator's own endpoints.
func (s *Server) call(ctx context.Context, method, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.endpoint+path, nil)
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

// Stop kills the process group of the server and waits for the process to
// exit. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
			// Exited by itself: that is a failure worth reporting.
			s.stopErr = fmt.Errorf("seslocal: server exited early: %v\n%s", s.waitErr, s.out.String())
			return
		default:
		}
		if err := killGroup(s.cmd); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.stopErr = fmt.Errorf("seslocal: kill: %w", err)
		}
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.stopErr = errors.Join(s.stopErr, errors.New("seslocal: process did not exit within 10s of SIGKILL"))
		}
		s.http.CloseIdleConnections()
	})
	return s.stopErr
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

var errPortTaken = errors.New("seslocal: port taken")

func start(ctx context.Context, node, cli string, port int) (*Server, error) {
	cmd := exec.Command(node, cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Dir = filepath.Dir(cli)
	cmd.Env = childEnv(os.Environ())
	out := &tailBuffer{max: maxOutput}
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("seslocal: start %s: %w", node, err)
	}
	s := &Server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		out:      out,
		http:     &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}},
		done:     make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, port); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
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

// waitReady polls GET /health-check until it answers 200, the process
// exits, the context ends or the start timeout passes.
func (s *Server) waitReady(ctx context.Context, port int) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	probe := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint+"/health-check", nil)
		if err != nil {
			return fmt.Errorf("seslocal: probe request: %w", err)
		}
		if resp, err := probe.Do(req); err == nil {
			_ = resp.Body.Close()
			// Make sure the answer came from our process, not from whoever
			// else may have taken the port.
			select {
			case <-s.done:
			default:
				if resp.StatusCode == http.StatusOK {
					return nil
				}
			}
		}
		select {
		case <-s.done:
			out := s.out.String()
			if strings.Contains(out, "EADDRINUSE") || strings.Contains(out, "does not have an address") {
				return fmt.Errorf("%w: %d", errPortTaken, port)
			}
			return fmt.Errorf("seslocal: node exited before aws-ses-v2-local answered (%v); output:\n%s", s.waitErr, out)
		case <-ctx.Done():
			return fmt.Errorf("seslocal: aws-ses-v2-local did not answer on %s: %w; output:\n%s", s.endpoint, ctx.Err(), s.out.String())
		case <-tick.C:
		}
	}
}

// locate finds node and the CLI script of the installed package.
func locate() (node, cli string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", fmt.Errorf("%w: node not found (%v); %s", ErrNotInstalled, err, InstallHint)
	}
	root, err := RepoRoot()
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

// RepoRoot returns the nearest directory at or above the working directory
// that holds a go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("seslocal: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("seslocal: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// freePort asks the kernel for a free loopback port. Another process may take
// it before node binds it; Start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("seslocal: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("seslocal: release port: %w", err)
	}
	return port, nil
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if extra := b.buf.Len() - b.max; extra > 0 {
		b.buf.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
