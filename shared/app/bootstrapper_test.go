package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sso/ssotest"
	"github.com/gatepass/gatepass/shared/store"
)

// bootstrapEnv is an environment and its bootstrap function built as in
// Lambda: no hasher, logs kept for inspection.
func bootstrapEnv(t *testing.T) (*apptest.Env, cfn.CustomResourceFunction, *bytes.Buffer) {
	t.Helper()
	e := apptest.New(t, apptest.Options{})
	logs := &bytes.Buffer{}
	d := e.Deps
	d.Hasher = nil // lambdarun.StartWith sets none
	d.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	f, err := app.Bootstrapper(d)
	if err != nil {
		t.Fatal(err)
	}
	return e, f, logs
}

func cfnEvent(typ cfn.RequestType, physicalID string, props map[string]any) cfn.Event {
	p := map[string]any{"ServiceToken": "arn:aws:lambda:eu-central-1:111111111111:function:bootstrap"}
	for k, v := range props {
		p[k] = v
	}
	return cfn.Event{RequestType: typ, RequestID: "req-1", StackID: "stack", LogicalResourceID: "Bootstrap",
		PhysicalResourceID: physicalID, ResourceType: "Custom::GatepassBootstrap", ResourceProperties: p}
}

// adminByUsername reads the account holding a username claim.
func adminByUsername(t *testing.T, e *apptest.Env, username string) *store.Account {
	t.Helper()
	key := store.ClaimKey{Kind: store.ClaimUsername, Value: accounts.CanonicalUsername(username)}
	snap, err := e.Store.Load(context.Background(), store.Query{Claims: []store.ClaimKey{key}})
	if err != nil {
		t.Fatal(err)
	}
	id, ok := snap.Claims[key]
	if !ok {
		return nil
	}
	a := e.Load(id)
	return &a
}

// Create invites the first super_admin once; a second Create and an Update
// find the marker and do nothing; Delete does nothing.
func TestBootstrapCustomResource(t *testing.T) {
	e, f, logs := bootstrapEnv(t)
	ctx := context.Background()
	const to = "it@acme.example"
	physical := app.BootstrapPhysicalID("acme")

	id, data, err := f(ctx, cfnEvent(cfn.RequestCreate, "", map[string]any{app.BootstrapAdminEmail: to}))
	if err != nil || id != physical || data["Created"] != "true" || len(data) != 1 {
		t.Fatalf("create: %q %v %v", id, data, err)
	}
	sent := e.Mail.Sent()
	if len(sent) != 1 || sent[0].To != to || sent[0].Kind != mail.KindInvitation ||
		!strings.Contains(sent[0].Text, apptest.Public+"/#/invite?token=") {
		t.Fatalf("mail %+v", sent)
	}
	token := apptest.Token(t, sent[0])
	a := adminByUsername(t, e, app.DefaultAdminUsername)
	if a == nil {
		t.Fatal("no admin account")
	}
	if a.Status != store.StatusInvited || !slices.Equal(a.Roles, []string{accounts.RoleSuperAdmin}) ||
		a.Email != to || a.PasswordHash != "" {
		t.Fatalf("admin %+v", a)
	}
	// The link works: the invitation can be verified.
	if res := e.Post("/api/auth/invitation/verify", map[string]string{"token": token}, nil); res.Status != http.StatusOK {
		t.Fatalf("verify the invitation: %d %s", res.Status, res.Body)
	}

	for _, ev := range []cfn.Event{
		cfnEvent(cfn.RequestCreate, "", map[string]any{app.BootstrapAdminEmail: to}),
		cfnEvent(cfn.RequestUpdate, physical, map[string]any{app.BootstrapAdminEmail: "other@acme.example", app.BootstrapAdminUsername: "root"}),
	} {
		id, data, err := f(ctx, ev)
		if err != nil || id != physical || data["Created"] != "false" {
			t.Fatalf("%s again: %q %v %v", ev.RequestType, id, data, err)
		}
	}
	if id, data, err := f(ctx, cfnEvent(cfn.RequestDelete, physical, nil)); err != nil || id != physical || len(data) != 0 {
		t.Fatalf("delete: %q %v %v", id, data, err)
	}
	if n := len(e.Mail.Sent()); n != 1 {
		t.Fatalf("%d mails after the reruns, want the one invitation", n)
	}
	if adminByUsername(t, e, "root") != nil {
		t.Fatal("an update created a second admin")
	}
	if a := adminByUsername(t, e, app.DefaultAdminUsername); a == nil || a.Status != store.StatusInvited || a.Email != to {
		t.Fatalf("admin after the reruns %+v", a)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "token=") {
		t.Fatalf("the token is in the logs: %s", logs)
	}
}

// The username property is used when set.
func TestBootstrapCustomResourceUsername(t *testing.T) {
	e, f, _ := bootstrapEnv(t)
	_, data, err := f(context.Background(), cfnEvent(cfn.RequestCreate, "", map[string]any{
		app.BootstrapAdminEmail: "it@acme.example", app.BootstrapAdminUsername: "Root"}))
	if err != nil || data["Created"] != "true" {
		t.Fatalf("%v %v", data, err)
	}
	if a := adminByUsername(t, e, "root"); a == nil || a.Username != "Root" {
		t.Fatalf("admin %+v", a)
	}
}

// A username the PRECIS rules refuse fails the resource, and creates
// nothing.
func TestBootstrapCustomResourceRefusesInvisibleCharacters(t *testing.T) {
	e, f, _ := bootstrapEnv(t)
	_, _, err := f(context.Background(), cfnEvent(cfn.RequestCreate, "", map[string]any{
		app.BootstrapAdminEmail: "it@acme.example", app.BootstrapAdminUsername: "ad\u200bmin"}))
	if !errors.Is(err, accounts.ErrInvalidCharacters) {
		t.Fatalf("err = %v", err)
	}
	if adminByUsername(t, e, "ad\u200bmin") != nil || len(e.Mail.Sent()) != 0 {
		t.Fatal("a failed create did something")
	}
}

// A missing or malformed email fails the resource with the reason, and
// creates nothing; Delete of the failed resource (the rollback) succeeds.
func TestBootstrapCustomResourceNeedsAnEmail(t *testing.T) {
	for name, props := range map[string]map[string]any{
		"missing":    nil,
		"empty":      {app.BootstrapAdminEmail: ""},
		"malformed":  {app.BootstrapAdminEmail: "not an address"},
		"not a text": {app.BootstrapAdminEmail: 42},
		"bad user":   {app.BootstrapAdminEmail: "it@acme.example", app.BootstrapAdminUsername: "   "},
	} {
		t.Run(name, func(t *testing.T) {
			e, f, _ := bootstrapEnv(t)
			_, _, err := f(context.Background(), cfnEvent(cfn.RequestCreate, "", props))
			if err == nil || !strings.Contains(err.Error(), "bootstrap: property") {
				t.Fatalf("err = %v", err)
			}
			if adminByUsername(t, e, app.DefaultAdminUsername) != nil || len(e.Mail.Sent()) != 0 {
				t.Fatal("a failed create did something")
			}
			if _, _, err := f(context.Background(), cfnEvent(cfn.RequestDelete, "req-1", nil)); err != nil {
				t.Fatalf("delete after the failure: %v", err)
			}
		})
	}
}

// cfnResponses is a stand-in for CloudFormation's pre-signed response URL.
type cfnResponses struct {
	mu  sync.Mutex
	got []cfn.Response
	raw []string
	srv *httptest.Server
}

func newCFNResponses(t *testing.T) *cfnResponses {
	r := &cfnResponses{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var res cfn.Response
		if req.Method != http.MethodPut || json.Unmarshal(b, &res) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got, r.raw = append(r.got, res), append(r.raw, string(b))
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// Through cfn.LambdaWrap, as lambda.Start runs it: CloudFormation gets
// SUCCESS with the stable id and Created, or FAILED with the reason — and
// never the token.
func TestBootstrapHandlerAnswersCloudFormation(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	d := e.Deps
	d.Hasher = nil
	h, err := app.BootstrapHandler(d)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, ok := h.(cfn.CustomResourceLambdaFunction)
	if !ok {
		t.Fatalf("handler is a %T", h)
	}
	cf := newCFNResponses(t)
	ev := cfnEvent(cfn.RequestCreate, "", map[string]any{app.BootstrapAdminEmail: "it@acme.example"})
	ev.ResponseURL = cf.srv.URL
	if _, err := wrapped(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	bad := cfnEvent(cfn.RequestCreate, "", nil)
	bad.ResponseURL = cf.srv.URL
	if _, err := wrapped(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	if len(cf.got) != 2 {
		t.Fatalf("%d responses", len(cf.got))
	}
	ok0 := cf.got[0]
	if ok0.Status != cfn.StatusSuccess || ok0.PhysicalResourceID != "gatepass-bootstrap-acme" || ok0.Data["Created"] != "true" {
		t.Fatalf("create response %+v", ok0)
	}
	token := apptest.Token(t, e.Mail.Sent()[0])
	if strings.Contains(cf.raw[0], token) {
		t.Fatal("the token is in the response")
	}
	if f := cf.got[1]; f.Status != cfn.StatusFailed || !strings.Contains(f.Reason, app.BootstrapAdminEmail+" is required") {
		t.Fatalf("failed response %+v", f)
	}
}

// An Update (a deploy with a new Reinvite value) mails a still-invited first
// super_admin a fresh link that supersedes the old one; once the admin has
// set a password, an Update mails nothing.
func TestBootstrapUpdateReinvites(t *testing.T) {
	e, f, _ := bootstrapEnv(t)
	ctx := context.Background()
	const to = "it@acme.example"
	physical := app.BootstrapPhysicalID("acme")
	if _, _, err := f(ctx, cfnEvent(cfn.RequestCreate, "", map[string]any{app.BootstrapAdminEmail: to})); err != nil {
		t.Fatal(err)
	}
	first := apptest.Token(t, e.Mail.Sent()[0])
	update := cfnEvent(cfn.RequestUpdate, physical, map[string]any{app.BootstrapAdminEmail: to, "Reinvite": "2"})
	if _, data, err := f(ctx, update); err != nil || data["Created"] != "false" {
		t.Fatalf("update: %v %v", data, err)
	}
	sent := e.Mail.To(to)
	if len(sent) != 2 {
		t.Fatalf("%d mails, want a second invitation", len(sent))
	}
	second := apptest.Token(t, sent[1])
	verify := func(token string) int {
		return e.Post("/api/auth/invitation/verify", map[string]string{"token": token}, nil).Status
	}
	if verify(first) == http.StatusOK || verify(second) != http.StatusOK {
		t.Fatal("the new link must supersede the old one")
	}
	const pw = "lighthouse keeper of the north"
	if res := e.Post("/api/auth/invitation/accept", map[string]string{"token": second, "password": pw, "passwordRepeat": pw}, nil); res.Status != http.StatusNoContent {
		t.Fatalf("accept: %d %s", res.Status, res.Body)
	}
	if _, _, err := f(ctx, update); err != nil || len(e.Mail.To(to)) != 2 {
		t.Fatalf("an update after the admin set a password mailed again (%v)", err)
	}
}

// resyncDirectory is a Directory whose broker forgets the app client's
// providers; it records what it is asked to enable again.
type resyncDirectory struct {
	*ssotest.Directory
	asked [][]string
}

func (r *resyncDirectory) EnableAll(_ context.Context, ids []string) ([]string, error) {
	r.asked = append(r.asked, slices.Clone(ids))
	return ids, nil
}

// After a deploy touched the Cognito app client, the SSO sync resource gives
// it back the providers saved through the admin API.
func TestSSOSyncEnablesTheSavedProviders(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	e.SetParameters(func(p *params.Parameters) {
		p.SSO.Providers = []params.SSOProvider{{ID: "Contoso", Name: "Contoso"}, {ID: "Fabrikam", Name: "Fabrikam"}}
	})
	dir := &resyncDirectory{Directory: ssotest.NewDirectory()}
	d := e.Deps
	d.SSO.Directory = dir
	sync := app.SSOSyncer(d)
	ev := cfnEvent(cfn.RequestUpdate, app.SSOSyncPhysicalID("acme"), nil)
	ev.ResourceType = app.SSOSyncResourceType
	id, data, err := sync(context.Background(), ev)
	if err != nil || id != app.SSOSyncPhysicalID(d.Tenant) || data["Enabled"] != 2 {
		t.Fatalf("sync = %q %v %v", id, data, err)
	}
	if len(dir.asked) != 1 || !slices.Equal(dir.asked[0], []string{"Contoso", "Fabrikam"}) {
		t.Fatalf("asked to enable %v", dir.asked)
	}
	ev.RequestType = cfn.RequestDelete
	if _, _, err := sync(context.Background(), ev); err != nil || len(dir.asked) != 1 {
		t.Fatalf("delete: %v, asked %v", err, dir.asked)
	}
	// Without a directory that can forget (no SSO, the local issuer), nothing.
	d.SSO.Directory = nil
	if _, data, err := app.SSOSyncer(d)(context.Background(), ev); err != nil || data != nil {
		t.Fatalf("delete without SSO: %v %v", data, err)
	}
	ev.RequestType = cfn.RequestCreate
	if _, data, err := app.SSOSyncer(d)(context.Background(), ev); err != nil || data["Enabled"] != 0 {
		t.Fatalf("create without SSO: %v %v", data, err)
	}
}

// recordingPublisher records what the bootstrap gives the edge.
type recordingPublisher struct {
	mu  sync.Mutex
	got []string
}

func (p *recordingPublisher) PublishAlias(_ context.Context, alias string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, alias)
	return nil
}

// The initial admin alias (CDK context adminAlias): set with the first
// admin — the invitation link carries it, the trail says only that it was
// set — and given to the edge; a later deploy with another value changes
// nothing but gives the edge the parameters' alias again, and the alias is
// never logged.
func TestBootstrapInitialAlias(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	logs := &bytes.Buffer{}
	pub := &recordingPublisher{}
	d := e.Deps
	d.Hasher, d.Logger, d.AliasPublisher = nil, slog.New(slog.NewJSONHandler(logs, nil)), pub
	f, err := app.Bootstrapper(d)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "first-door-2026"
	ctx := context.Background()
	props := map[string]any{app.BootstrapAdminEmail: "it@acme.example", app.BootstrapAdminAlias: secret}
	if _, data, err := f(ctx, cfnEvent(cfn.RequestCreate, "", props)); err != nil || data["Created"] != "true" {
		t.Fatalf("create: %v %v", data, err)
	}
	snap, err := e.Store.Load(ctx, store.Query{Parameters: true})
	if err != nil || snap.Parameters.AdminAlias != secret {
		t.Fatalf("parameters alias %q (%v)", snap.Parameters.AdminAlias, err)
	}
	if sent := e.Mail.Sent(); len(sent) != 1 || !strings.Contains(sent[0].Text, apptest.Public+"/"+secret+"/#/invite?token=") {
		t.Fatalf("the invitation does not carry the alias: %+v", sent)
	}
	if !slices.Equal(pub.got, []string{secret}) {
		t.Fatalf("published %q", pub.got)
	}
	for _, ev := range e.Audit(t, "parameters.changed") {
		if strings.Contains(fmt.Sprint(ev.Detail), secret) {
			t.Fatalf("the alias is in the trail: %v", ev.Detail)
		}
	}
	// A later deploy with another alias: the setup value applies once only.
	props[app.BootstrapAdminAlias] = "another-door-2027"
	if _, data, err := f(ctx, cfnEvent(cfn.RequestUpdate, app.BootstrapPhysicalID("acme"), props)); err != nil || data["Created"] != "false" {
		t.Fatalf("update: %v %v", data, err)
	}
	if snap, _ := e.Store.Load(ctx, store.Query{Parameters: true}); snap.Parameters.AdminAlias != secret {
		t.Fatalf("an update changed the alias to %q", snap.Parameters.AdminAlias)
	}
	if !slices.Equal(pub.got, []string{secret, secret}) {
		t.Fatalf("published %q, want the parameters' alias again", pub.got)
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "another-door") {
		t.Fatalf("the alias is in the logs: %s", logs)
	}
	// An invalid alias is refused without repeating it.
	e2, f2, logs2 := bootstrapEnv(t)
	_, _, err = f2(ctx, cfnEvent(cfn.RequestCreate, "", map[string]any{app.BootstrapAdminEmail: "it@acme.example",
		app.BootstrapAdminAlias: "short"}))
	if err == nil || strings.Contains(err.Error(), "short") || strings.Contains(logs2.String(), "short") {
		t.Fatalf("an invalid alias: %v", err)
	}
	if adminByUsername(t, e2, app.DefaultAdminUsername) != nil {
		t.Fatal("an admin was created with an invalid alias")
	}
}
