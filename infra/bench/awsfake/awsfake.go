// Package awsfake stands in, on loopback, for the AWS endpoints a Gatepass
// function reaches, so that a real `bootstrap` can be started and invoked
// on a laptop without anything leaving the machine.
//
// The functions build their SDK clients from the Lambda environment and
// honour no endpoint override, so the fake works one level lower: it is an
// HTTPS proxy. The process gets HTTPS_PROXY pointing here and SSL_CERT_FILE
// pointing at a bundle that holds the fake's own certificate authority
// (after the system's roots, as Lambda's bundle has them); every CONNECT is
// answered by terminating TLS with a certificate for the requested host,
// signed by that authority, and the requests inside are answered by minimal
// fakes of DynamoDB (every key missing, every write accepted), Secrets
// Manager (GetSecretValue returns a fixed 32-byte key, or for OriginSecretID
// the origin secret) and SES v2 (SendEmail accepted). Each request is
// counted by service and operation. With Options.DynamoDB the DynamoDB
// requests go on, as they came, to a real endpoint (DynamoDB Local): the
// end-to-end tests run the real bootstraps against it that way.
package awsfake

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatepass/gatepass/shared/origin"
)

// SystemBundle is the system's root bundle on Debian-like machines; its
// roots are put in the fake's bundle too when it exists, so that the first
// TLS handshake parses a bundle of realistic size, as in Lambda.
const SystemBundle = "/etc/ssl/certs/ca-certificates.crt"

// OriginSecretID names the secret whose GetSecretValue answer is
// OriginSecret, as a string: the origin-verification secret, never rotated
// (AWSCURRENT only; AWSPREVIOUS is not found).
const OriginSecretID = "gatepass-bench-origin"

// Server is a running fake.
type Server struct {
	// SecretKey is what GetSecretValue returns (SecretBinary) for every
	// secret but OriginSecretID.
	SecretKey []byte
	// OriginSecret is OriginSecretID's value (SecretString).
	OriginSecret string

	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	proxy  *http.Server
	inner  *http.Server
	ln     net.Listener
	tlsIn  *connListener
	bundle string

	dynamo http.Handler // nil: the fake answers DynamoDB

	mu    sync.Mutex
	certs map[string]*tls.Certificate
	calls map[string]int
}

// Options change what the fake answers.
type Options struct {
	// DynamoDB, when set, is the base URL of a DynamoDB endpoint (such as
	// DynamoDB Local's http://127.0.0.1:<port>) to which every DynamoDB
	// request is forwarded unchanged — Host header and SigV4 signature
	// included — instead of being answered by the fake.
	DynamoDB string
}

// Start creates a certificate authority, writes its bundle into dir and
// starts the proxy on a free loopback port.
func Start(dir string) (*Server, error) { return StartWith(dir, Options{}) }

// StartWith is Start with options.
func StartWith(dir string, o Options) (*Server, error) {
	var dynamo http.Handler
	if o.DynamoDB != "" {
		target, err := url.Parse(o.DynamoDB)
		if err != nil || target.Scheme == "" || target.Host == "" {
			return nil, fmt.Errorf("awsfake: DynamoDB endpoint %q is not a URL", o.DynamoDB)
		}
		dynamo = &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.Out.Host = r.In.Host // signed
			},
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16},
		}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("awsfake: ca key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gatepass bench fake AWS CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("awsfake: ca certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("awsfake: ca certificate: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("awsfake: secret key: %w", err)
	}
	s := &Server{SecretKey: key, OriginSecret: origin.NewSecret(), dir: dir, ca: ca, caKey: caKey, dynamo: dynamo,
		certs: map[string]*tls.Certificate{}, calls: map[string]int{}}
	if err := s.writeBundle(der); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("awsfake: listen: %w", err)
	}
	s.ln = ln
	s.tlsIn = newConnListener(ln.Addr())
	s.inner = &http.Server{Handler: http.HandlerFunc(s.serveAWS), ReadHeaderTimeout: 10 * time.Second}
	s.proxy = &http.Server{Handler: http.HandlerFunc(s.serveConnect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.inner.Serve(s.tlsIn) }()
	go func() { _ = s.proxy.Serve(ln) }()
	return s, nil
}

// writeBundle writes the CA (and the system's roots, if any) to dir.
func (s *Server) writeBundle(caDER []byte) error {
	var b []byte
	if sys, err := os.ReadFile(SystemBundle); err == nil {
		b = append(b, sys...)
		b = append(b, '\n')
	}
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	s.bundle = filepath.Join(s.dir, "ca-bundle.pem")
	if err := os.WriteFile(s.bundle, b, 0o600); err != nil {
		return fmt.Errorf("awsfake: write bundle: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "no-cert-dir"), 0o700); err != nil {
		return fmt.Errorf("awsfake: cert dir: %w", err)
	}
	return nil
}

// ProxyURL is the proxy's URL (HTTPS_PROXY).
func (s *Server) ProxyURL() string { return "http://" + s.ln.Addr().String() }

// Roots returns a pool holding the fake's authority, for in-process
// clients.
func (s *Server) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.ca)
	return p
}

// Env is the environment that sends a process's AWS calls here: the proxy,
// the bundle as its only root file and no extra root directory.
func (s *Server) Env() []string {
	return []string{
		"HTTPS_PROXY=" + s.ProxyURL(),
		"NO_PROXY=",
		"SSL_CERT_FILE=" + s.bundle,
		"SSL_CERT_DIR=" + filepath.Join(s.dir, "no-cert-dir"),
	}
}

// Calls returns the requests answered so far, by "service.Operation"
// ("dynamodb.BatchGetItem", "secretsmanager.GetSecretValue",
// "sesv2.SendEmail"), and sets the count back to zero.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = map[string]int{}
	return c
}

// FormatCalls renders calls as "a.B×2, c.D×1" in name order ("none" for
// none).
func FormatCalls(calls map[string]int) string {
	if len(calls) == 0 {
		return "none"
	}
	names := make([]string, 0, len(calls))
	for n := range calls {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s×%d", n, calls[n])
	}
	return strings.Join(parts, ", ")
}

// Close stops the proxy and the fake services.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.proxy.Shutdown(ctx)
	if e := s.inner.Shutdown(ctx); err == nil {
		err = e
	}
	if err != nil {
		_ = s.proxy.Close()
		_ = s.inner.Close()
		return fmt.Errorf("awsfake: close: %w", err)
	}
	return nil
}

// serveConnect answers a CONNECT by taking over the connection and
// terminating TLS on it as the requested host.
func (s *Server) serveConnect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "awsfake: only CONNECT (HTTPS) is proxied", http.StatusMethodNotAllowed)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "awsfake: cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	var raw net.Conn = conn
	if n := buf.Reader.Buffered(); n > 0 {
		early, _ := buf.Reader.Peek(n)
		raw = &prefixConn{Conn: conn, prefix: append([]byte(nil), early...)}
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}, GetCertificate: s.certificate}
	s.tlsIn.push(tls.Server(raw, cfg))
}

// certificate issues (once per host) a leaf for the name the client asks.
func (s *Server) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := hello.ServerName
	if host == "" {
		return nil, errors.New("awsfake: no server name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.certs[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("awsfake: leaf key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca, &key.PublicKey, s.caKey)
	if err != nil {
		return nil, fmt.Errorf("awsfake: leaf certificate: %w", err)
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	s.certs[host] = c
	return c, nil
}

func (s *Server) count(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[name]++
}

// serveAWS answers the requests that arrive through the tunnel.
func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	host := r.Host
	target := r.Header.Get("X-Amz-Target")
	_, op, _ := strings.Cut(target, ".")
	switch {
	case strings.HasPrefix(host, "dynamodb.") || strings.Contains(host, ".ddb."):
		s.count("dynamodb." + op)
		if s.dynamo != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.dynamo.ServeHTTP(w, r)
			return
		}
		writeJSON(w, "application/x-amz-json-1.0", dynamoAnswer(op))
	case strings.HasPrefix(host, "secretsmanager."):
		s.count("secretsmanager." + op)
		if op != "GetSecretValue" {
			writeAWSError(w, "application/x-amz-json-1.1", "InvalidRequestException", "awsfake: only GetSecretValue")
			return
		}
		var in struct{ SecretId, VersionStage string }
		_ = json.Unmarshal(body, &in)
		if in.SecretId == OriginSecretID {
			if in.VersionStage != "" && in.VersionStage != "AWSCURRENT" {
				writeAWSError(w, "application/x-amz-json-1.1", "ResourceNotFoundException",
					"Secrets Manager can't find the specified secret value for staging label: "+in.VersionStage)
				return
			}
			writeJSON(w, "application/x-amz-json-1.1", map[string]any{
				"ARN": "arn:aws:secretsmanager:eu-central-1:111111111111:secret:" + OriginSecretID, "Name": OriginSecretID,
				"SecretString": s.OriginSecret, "VersionId": "bench-origin",
			})
			return
		}
		writeJSON(w, "application/x-amz-json-1.1", map[string]any{
			"ARN": "arn:aws:secretsmanager:eu-central-1:111111111111:secret:gatepass-bench", "Name": "gatepass-bench",
			"SecretBinary": base64.StdEncoding.EncodeToString(s.SecretKey), "VersionId": "bench",
		})
	case strings.HasPrefix(host, "email."):
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v2/email/outbound-emails") {
			s.count("sesv2.SendEmail")
			writeJSON(w, "application/json", map[string]any{"MessageId": "bench"})
			return
		}
		s.count("sesv2.other")
		writeJSON(w, "application/json", map[string]any{})
	default:
		s.count("unknown." + host)
		http.Error(w, "awsfake: no fake for "+host, http.StatusNotFound)
	}
}

// dynamoAnswer is the fake DynamoDB's answer: every key missing, every
// write accepted.
func dynamoAnswer(op string) map[string]any {
	switch op {
	case "BatchGetItem":
		return map[string]any{"Responses": map[string]any{}, "UnprocessedKeys": map[string]any{}}
	case "GetItem":
		return map[string]any{}
	case "Query", "Scan":
		return map[string]any{"Items": []any{}, "Count": 0, "ScannedCount": 0}
	default: // PutItem, UpdateItem, DeleteItem, TransactWriteItems, …
		return map[string]any{}
	}
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(v)
}

func writeAWSError(w http.ResponseWriter, contentType, code, msg string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// connListener is a net.Listener fed with connections by push.
type connListener struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *connListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	}
}

// Accept implements net.Listener.
func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *connListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr implements net.Listener.
func (l *connListener) Addr() net.Addr { return l.addr }

// prefixConn replays bytes read ahead of the hijack before the connection.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
