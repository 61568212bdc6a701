package cognito_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/gatepass/gatepass/shared/sso/cognito"
)

const (
	poolID   = "eu-central-1_TESTPOOL"
	clientID = "gatepassappclient0123456789"
	// appClientSecret is the app client's own secret, which
	// DescribeUserPoolClient returns and nothing may pass on.
	appClientSecret = "AppClientSecret-9f8e7d6c5b4a39281706"
	targetPrefix    = "AWSCognitoIdentityProviderService."
	jsonContentType = "application/x-amz-json-1.1"
)

// fakeIdP is an identity provider as the fake stores it and returns it.
type fakeIdP struct {
	UserPoolId       string            `json:"UserPoolId,omitempty"`
	ProviderName     string            `json:"ProviderName"`
	ProviderType     string            `json:"ProviderType"`
	ProviderDetails  map[string]string `json:"ProviderDetails,omitempty"`
	AttributeMapping map[string]string `json:"AttributeMapping,omitempty"`
	IdpIdentifiers   []string          `json:"IdpIdentifiers,omitempty"`
}

// call is one request the fake received: the operation and its JSON body.
type call struct {
	Op   string
	Body map[string]any
}

// apiError is an error the fake returns for an operation.
type apiError struct {
	Type    string
	Message string
}

// fakeCognito speaks the Cognito user pools JSON 1.1 protocol for the
// operations the directory uses, over one user pool and one app client held
// in memory. It is stricter than it needs to be where that tests the
// directory: describe-only ProviderDetails keys are refused, an OIDC provider
// must carry its client secret on every create and update (ProviderDetails
// are replaced, not merged), a provider the app client lists cannot be
// deleted, and UpdateUserPoolClient resets every setting the request leaves
// out, as Cognito documents.
type fakeCognito struct {
	t *testing.T

	mu        sync.Mutex
	providers map[string]fakeIdP
	client    map[string]any
	calls     []call
	fail      map[string]apiError
}

func newFake(t *testing.T) *fakeCognito {
	return &fakeCognito{
		t:         t,
		providers: map[string]fakeIdP{},
		client:    fixtureClient("COGNITO"),
		fail:      map[string]apiError{},
	}
}

// fixtureClient returns an app client with every setting of the SDK's
// UserPoolClientType set to something other than its default.
func fixtureClient(providers ...string) map[string]any {
	c := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(`{
		"UserPoolId": "` + poolID + `",
		"ClientId": "` + clientID + `",
		"ClientName": "gatepass",
		"ClientSecret": "` + appClientSecret + `",
		"CreationDate": 1700000000,
		"LastModifiedDate": 1700000001,
		"AccessTokenValidity": 15,
		"IdTokenValidity": 20,
		"RefreshTokenValidity": 7,
		"TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
		"AllowedOAuthFlows": ["code"],
		"AllowedOAuthFlowsUserPoolClient": true,
		"AllowedOAuthScopes": ["openid", "email", "profile"],
		"AnalyticsConfiguration": {
			"ApplicationArn": "arn:aws:mobiletargeting:eu-central-1:123456789012:apps/abc",
			"ApplicationId": "abc",
			"ExternalId": "ext-1",
			"RoleArn": "arn:aws:iam::123456789012:role/pinpoint",
			"UserDataShared": true
		},
		"AuthSessionValidity": 5,
		"CallbackURLs": ["https://acme.example.com/api/auth/sso/callback"],
		"LogoutURLs": ["https://acme.example.com/#/login"],
		"DefaultRedirectURI": "https://acme.example.com/api/auth/sso/callback",
		"EnablePropagateAdditionalUserContextData": true,
		"EnableTokenRevocation": true,
		"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
		"PreventUserExistenceErrors": "ENABLED",
		"ReadAttributes": ["email", "email_verified", "name", "custom:groups"],
		"WriteAttributes": ["email", "name", "custom:groups"],
		"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
	}`))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		panic(err)
	}
	list := make([]any, len(providers))
	for i, p := range providers {
		list[i] = p
	}
	c["SupportedIdentityProviders"] = list
	return c
}

// newDirectory returns a directory using the real SDK client against a new
// fake, and the fake.
func newDirectory(t *testing.T) (*cognito.Directory, *fakeCognito) {
	t.Helper()
	f := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := cip.New(cip.Options{
		Region:       "eu-central-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		// The fake's answers are never retried (a failure the test injects
		// must reach the directory once); only a read on the loopback
		// connection that broke — seen now and then under -race on a busy
		// machine — is tried again, as the SDK would in AWS.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				if errors.Is(err, net.ErrClosed) {
					return aws.TrueTernary
				}
				return aws.FalseTernary
			})}
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	})
	return cognito.New(client, poolID, clientID), f
}

// addProvider stores p (completed as Cognito would) in the pool.
func (f *fakeCognito) addProvider(p fakeIdP) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p.UserPoolId = poolID
	f.providers[p.ProviderName] = derive(p)
}

// enable sets the app client's SupportedIdentityProviders.
func (f *fakeCognito) enable(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	f.client["SupportedIdentityProviders"] = list
}

func (f *fakeCognito) provider(name string) (fakeIdP, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.providers[name]
	return p, ok
}

func (f *fakeCognito) clientState() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.client)
}

func (f *fakeCognito) supported() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for _, v := range f.client["SupportedIdentityProviders"].([]any) {
		names = append(names, v.(string))
	}
	return names
}

func (f *fakeCognito) failOn(op string, e apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = e
}

// ops returns the operations received so far, in order.
func (f *fakeCognito) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ops := make([]string, len(f.calls))
	for i, c := range f.calls {
		ops[i] = c.Op
	}
	return ops
}

// requests returns the bodies of the requests of operation op.
func (f *fakeCognito) requests(op string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var bodies []map[string]any
	for _, c := range f.calls {
		if c.Op == op {
			bodies = append(bodies, c.Body)
		}
	}
	return bodies
}

// derive adds what Cognito adds to a stored provider: discovered OIDC
// endpoints and the describe-only keys, and the username mapping.
func derive(p fakeIdP) fakeIdP {
	d := maps.Clone(p.ProviderDetails)
	if d == nil {
		d = map[string]string{}
	}
	m := maps.Clone(p.AttributeMapping)
	if m == nil {
		m = map[string]string{}
	}
	switch p.ProviderType {
	case "OIDC":
		iss := d["oidc_issuer"]
		for k, path := range map[string]string{"authorize_url": "/authorize", "token_url": "/token", "attributes_url": "/userinfo", "jwks_uri": "/jwks"} {
			if d[k] == "" {
				d[k] = iss + path
			}
		}
		d["attributes_url_add_attributes"] = "false"
		if m["username"] == "" {
			m["username"] = "sub"
		}
	case "SAML":
		d["SSORedirectBindingURI"] = "https://idp.example.com/sso"
		d["SLORedirectBindingURI"] = "https://idp.example.com/slo"
		if d["EncryptedResponses"] == "true" {
			d["ActiveEncryptionCertificate"] = "MIIC...certificate"
		}
		if m["username"] == "" {
			m["username"] = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"
		}
	}
	p.ProviderDetails, p.AttributeMapping = d, m
	return p
}

func (f *fakeCognito) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if r.Method != http.MethodPost || r.URL.Path != "/" || !ok ||
		r.Header.Get("Content-Type") != jsonContentType ||
		!strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		t.Errorf("fake: unexpected request %s %s target %q content type %q", r.Method, r.URL.Path,
			r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
		writeError(w, apiError{"UnknownOperationException", "bad request"})
		return
	}
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(r.Body); err != nil {
		t.Errorf("fake: read body: %v", err)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(raw.Bytes()))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		t.Errorf("fake: %s: decode body: %v", op, err)
		writeError(w, apiError{"SerializationException", "bad body"})
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{Op: op, Body: body})
	if body["UserPoolId"] != poolID {
		writeError(w, apiError{"ResourceNotFoundException", "User pool " + fmt.Sprint(body["UserPoolId"]) + " does not exist."})
		return
	}
	if e, ok := f.fail[op]; ok {
		writeError(w, e)
		return
	}
	var typed fakeIdP
	if err := json.Unmarshal(raw.Bytes(), &typed); err != nil {
		t.Errorf("fake: %s: decode body: %v", op, err)
	}

	switch op {
	case "ListIdentityProviders":
		f.list(w, body)
	case "DescribeIdentityProvider":
		p, ok := f.providers[typed.ProviderName]
		if !ok {
			writeError(w, apiError{"ResourceNotFoundException", "Identity provider " + typed.ProviderName + " does not exist."})
			return
		}
		writeJSON(w, map[string]any{"IdentityProvider": p})
	case "CreateIdentityProvider":
		if _, ok := f.providers[typed.ProviderName]; ok {
			writeError(w, apiError{"DuplicateProviderException", "A provider with the name " + typed.ProviderName + " already exists."})
			return
		}
		if e, ok := checkDetails(typed); !ok {
			writeError(w, e)
			return
		}
		f.providers[typed.ProviderName] = derive(typed)
		writeJSON(w, map[string]any{"IdentityProvider": f.providers[typed.ProviderName]})
	case "UpdateIdentityProvider":
		p, ok := f.providers[typed.ProviderName]
		if !ok {
			writeError(w, apiError{"ResourceNotFoundException", "Identity provider " + typed.ProviderName + " does not exist."})
			return
		}
		if typed.ProviderType != "" {
			t.Errorf("fake: UpdateIdentityProvider got a ProviderType")
		}
		if _, ok := body["ProviderDetails"]; ok {
			p.ProviderDetails = typed.ProviderDetails
		}
		if _, ok := body["AttributeMapping"]; ok {
			p.AttributeMapping = typed.AttributeMapping
		}
		if _, ok := body["IdpIdentifiers"]; ok {
			p.IdpIdentifiers = typed.IdpIdentifiers
		}
		if e, ok := checkDetails(p); !ok {
			writeError(w, e)
			return
		}
		f.providers[p.ProviderName] = derive(p)
		writeJSON(w, map[string]any{"IdentityProvider": f.providers[p.ProviderName]})
	case "DeleteIdentityProvider":
		if _, ok := f.providers[typed.ProviderName]; !ok {
			writeError(w, apiError{"ResourceNotFoundException", "Identity provider " + typed.ProviderName + " does not exist."})
			return
		}
		if slices.Contains(f.client["SupportedIdentityProviders"].([]any), any(typed.ProviderName)) {
			writeError(w, apiError{"UnsupportedIdentityProviderException", "The provider is in use by an app client."})
			return
		}
		delete(f.providers, typed.ProviderName)
		writeJSON(w, map[string]any{})
	case "DescribeUserPoolClient":
		if body["ClientId"] != clientID {
			writeError(w, apiError{"ResourceNotFoundException", "User pool client does not exist."})
			return
		}
		writeJSON(w, map[string]any{"UserPoolClient": f.client})
	case "UpdateUserPoolClient":
		if body["ClientId"] != clientID {
			writeError(w, apiError{"ResourceNotFoundException", "User pool client does not exist."})
			return
		}
		// Every setting left out is reset: the new state is the request,
		// plus the fields that are not settings.
		next := maps.Clone(body)
		for _, k := range []string{"ClientSecret", "CreationDate"} {
			if _, sent := body[k]; sent {
				t.Errorf("fake: UpdateUserPoolClient got read-only field %s", k)
			}
			next[k] = f.client[k]
		}
		next["LastModifiedDate"] = json.Number("1800000000")
		if next["SupportedIdentityProviders"] == nil {
			next["SupportedIdentityProviders"] = []any{}
		}
		f.client = next
		writeJSON(w, map[string]any{"UserPoolClient": f.client})
	default:
		t.Errorf("fake: unexpected operation %s", op)
		writeError(w, apiError{"UnknownOperationException", op})
	}
}

func (f *fakeCognito) list(w http.ResponseWriter, body map[string]any) {
	limit, err := strconv.Atoi(fmt.Sprint(body["MaxResults"]))
	if err != nil || limit < 1 || limit > 60 {
		writeError(w, apiError{"InvalidParameterException", "MaxResults must be between 1 and 60."})
		return
	}
	// Cognito's order is unspecified: return them backwards.
	names := slices.Sorted(maps.Keys(f.providers))
	slices.Reverse(names)
	start := 0
	if tok, ok := body["NextToken"].(string); ok {
		start, err = strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil {
			writeError(w, apiError{"InvalidParameterException", "bad NextToken"})
			return
		}
	}
	end := min(start+limit, len(names))
	out := map[string]any{}
	page := []map[string]any{}
	for _, n := range names[start:end] {
		page = append(page, map[string]any{
			"ProviderName":     n,
			"ProviderType":     f.providers[n].ProviderType,
			"CreationDate":     1700000000,
			"LastModifiedDate": 1700000000,
		})
	}
	out["Providers"] = page
	if end < len(names) {
		out["NextToken"] = "page-" + strconv.Itoa(end)
	}
	writeJSON(w, out)
}

// checkDetails refuses what the directory must never send.
func checkDetails(p fakeIdP) (apiError, bool) {
	d := p.ProviderDetails
	for _, k := range []string{"attributes_url_add_attributes", "ActiveEncryptionCertificate", "SSORedirectBindingURI", "SLORedirectBindingURI"} {
		if _, ok := d[k]; ok {
			return apiError{"InvalidParameterException", "ProviderDetails key " + k + " is read-only."}, false
		}
	}
	switch p.ProviderType {
	case "OIDC":
		for _, k := range []string{"client_id", "client_secret", "authorize_scopes", "oidc_issuer"} {
			if d[k] == "" {
				return apiError{"InvalidParameterException", k + " is required."}, false
			}
		}
	case "SAML":
		if (d["MetadataURL"] == "") == (d["MetadataFile"] == "") {
			return apiError{"InvalidParameterException", "Exactly one of MetadataURL and MetadataFile is required."}, false
		}
	}
	return apiError{}, true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		panic(err)
	}
}

func writeError(w http.ResponseWriter, e apiError) {
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(http.StatusBadRequest)
	if err := json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message}); err != nil {
		panic(err)
	}
}
