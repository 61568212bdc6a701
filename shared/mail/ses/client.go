package ses

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatepass/gatepass/shared/retry"
)

// Email is one SendEmail request: a simple message to one address.
type Email struct {
	From             string
	To               string
	Subject          string
	Text, HTML       string
	ConfigurationSet string
	Tags             map[string]string
}

// Client sends SES v2 SendEmail requests (POST /v2/email/outbound-emails)
// over net/http, signed with SigV4 by aws-sdk-go-v2's signer. It is the one
// SES operation Gatepass calls; the SES v2 SDK client would add about 0.9 MB
// to every function that mails — more than the 12 MiB bootstrap budget
// leaves beside WebAuthn in the login function.
//
// Like the SDK it retries throttling (429), server errors (5xx) and broken
// connections, three attempts in all with jittered backoff; anything else
// is returned at once as an *APIError or a transport error.
type Client struct {
	http        *http.Client
	endpoint    string
	region      string
	credentials aws.CredentialsProvider
	signer      *v4.Signer
	now         func() time.Time
}

// attempts bounds the tries of one SendEmail.
const attempts = 3

// NewClient returns a client for cfg's region and credentials. endpoint
// replaces https://email.<region>.amazonaws.com (an emulator's URL); "" for
// SES itself.
func NewClient(cfg aws.Config, endpoint string) *Client {
	if endpoint == "" {
		endpoint = "https://email." + cfg.Region + ".amazonaws.com"
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c != nil {
		hc = c
	}
	return &Client{http: hc, endpoint: strings.TrimSuffix(endpoint, "/"), region: cfg.Region,
		credentials: cfg.Credentials, signer: v4.NewSigner(), now: time.Now}
}

// APIError is SES's answer to a refused request; Message is SES's text.
type APIError struct {
	Status  int
	Code    string // x-amzn-ErrorType, without its ":…" suffix
	Message string
}

// Error names the status and code only: SES's message may name the
// recipient, which no error of Gatepass carries.
func (e *APIError) Error() string {
	return fmt.Sprintf("ses: %d %s", e.Status, e.Code)
}

type content struct {
	Data    string `json:"Data"`
	Charset string `json:"Charset"`
}

type body struct {
	Text *content `json:"Text,omitempty"`
	HTML *content `json:"Html,omitempty"`
}

type tag struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type sendEmailRequest struct {
	FromEmailAddress string `json:"FromEmailAddress"`
	Destination      struct {
		ToAddresses []string `json:"ToAddresses"`
	} `json:"Destination"`
	Content struct {
		Simple struct {
			Subject content `json:"Subject"`
			Body    body    `json:"Body"`
		} `json:"Simple"`
	} `json:"Content"`
	ConfigurationSetName string `json:"ConfigurationSetName,omitempty"`
	EmailTags            []tag  `json:"EmailTags,omitempty"`
}

// SendEmail sends e and returns SES's message id.
func (c *Client) SendEmail(ctx context.Context, e Email) (string, error) {
	var req sendEmailRequest
	req.FromEmailAddress = e.From
	req.Destination.ToAddresses = []string{e.To}
	req.Content.Simple.Subject = content{Data: e.Subject, Charset: Charset}
	if e.Text != "" {
		req.Content.Simple.Body.Text = &content{Data: e.Text, Charset: Charset}
	}
	if e.HTML != "" {
		req.Content.Simple.Body.HTML = &content{Data: e.HTML, Charset: Charset}
	}
	req.ConfigurationSetName = e.ConfigurationSet
	for _, name := range slices.Sorted(maps.Keys(e.Tags)) {
		req.EmailTags = append(req.EmailTags, tag{Name: name, Value: e.Tags[name]})
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("ses: encode: %w", err)
	}
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			if err := retry.Sleep(ctx, retry.Backoff(attempt-1, 100*time.Millisecond, 2*time.Second)); err != nil {
				return "", fmt.Errorf("ses: %w (after %w)", err, lastErr)
			}
		}
		id, err := c.send(ctx, payload)
		if err == nil {
			return id, nil
		}
		lastErr = err
		if !retryable(ctx, err) {
			return "", err
		}
	}
	return "", lastErr
}

// send makes one signed request.
func (c *Client) send(ctx context.Context, payload []byte) (string, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/v2/email/outbound-emails", bytes.NewReader(payload))
	if err != nil {
		return "", fmt.Errorf("ses: request: %w", err)
	}
	r.Header.Set("Content-Type", "application/json")
	creds, err := c.credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("ses: credentials: %w", err)
	}
	sum := sha256.Sum256(payload)
	if err := c.signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), "ses", c.region, c.now()); err != nil {
		return "", fmt.Errorf("ses: sign: %w", err)
	}
	res, err := c.http.Do(r)
	if err != nil {
		return "", fmt.Errorf("ses: send: %w", errTransport{err})
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("ses: read answer: %w", err)
	}
	if res.StatusCode/100 != 2 {
		var doc struct {
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		_ = json.Unmarshal(raw, &doc)
		code, _, _ := strings.Cut(res.Header.Get("X-Amzn-Errortype"), ":")
		return "", &APIError{Status: res.StatusCode, Code: code, Message: firstNonEmpty(doc.Message, doc.Message2)}
	}
	var out struct {
		MessageID string `json:"MessageId"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("ses: decode answer: %w", err)
	}
	return out.MessageID, nil
}

// retryable reports whether another attempt may succeed: throttling, a
// server error, or a transport failure while ctx is still live.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Status == http.StatusTooManyRequests || api.Status >= 500
	}
	var transport errTransport
	return errors.As(err, &transport)
}

// errTransport is a request that got no answer: a broken connection, a
// timeout.
type errTransport struct{ err error }

func (e errTransport) Error() string { return e.err.Error() }
func (e errTransport) Unwrap() error { return e.err }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
