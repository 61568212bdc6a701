package recovery_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// A reset request for an active local account without an email opens a
// help request — one, however often it is asked — in the round trips and
// with the answer of every other identifier, and mails nobody.
func TestResetWithoutEmailOpensOneHelpRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		a := e.Account("noemail", oldPW, func(a *store.Account) { a.Email = "" })
		reference := string(requestReset(e, "nobody-at-all").Body)

		var first store.HelpRequest
		for i, outcome := range []string{"help_requested", "help_already_requested"} {
			e.Clock.Advance(time.Minute)
			e.Store.Reset()
			res := e.Do(apptest.Request{Method: http.MethodPost, Path: "/api/auth/password/reset",
				Body: `{"identifier":"NoEmail"}`, IP: "198.51.100.9"})
			if res.Status != 202 || string(res.Body) != reference {
				t.Fatalf("request %d: %d %s, want 202 %s", i+1, res.Status, res.Body, reference)
			}
			if got := e.Store.Counts(); got.Reads != 2 || got.Writes != 1 {
				t.Fatalf("request %d: round trips %+v, want 2 reads + 1 write like every identifier", i+1, got)
			}
			h := e.HelpRequest(a.ID)
			if h == nil {
				t.Fatalf("request %d: no help request", i+1)
			}
			if i == 0 {
				first = *h
				if h.IP != "198.51.100.9" || h.UserAgent != "apptest/1.0" || !h.CreatedAt.Equal(e.Clock.Now()) || h.ID == "" {
					t.Fatalf("help request %+v", *h)
				}
			} else if h.ID != first.ID || !h.CreatedAt.Equal(first.CreatedAt) {
				t.Fatalf("the second request replaced the first: %+v, was %+v", *h, first)
			}
			if ev := e.Audit(t, audit.PasswordResetRequested); ev[0].Detail["outcome"] != outcome || ev[0].UserID != a.ID {
				t.Fatalf("request %d: %+v, want outcome %s", i+1, ev[0], outcome)
			}
		}
		ev := e.Audit(t, audit.PasswordHelpRequested)
		if len(ev) != 1 || ev[0].UserID != a.ID || ev[0].Detail["helpRequestId"] != first.ID || ev[0].IP != "198.51.100.9" {
			t.Fatalf("password.help.requested events = %+v, want one", ev)
		}
		if sent := e.Mail.Sent(); len(sent) != 0 {
			t.Fatalf("mails = %+v", sent)
		}
	})
}

// Nobody can set an SSO account a password, so one without an email gets
// no help request; nor do inactive or expired accounts, nor an account past
// its per-account limit.
func TestNoHelpRequestWhereNobodyCanHelp(t *testing.T) {
	e := apptest.New(t, apptest.Options{})
	noEmail := func(a *store.Account) { a.Email = "" }
	ids := []string{
		e.Account("sso", "", noEmail, func(a *store.Account) { a.SSO = true }).ID,
		e.Account("inactive", oldPW, noEmail, func(a *store.Account) { a.Status = store.StatusInactive }).ID,
		e.Account("expired", oldPW, noEmail, func(a *store.Account) { a.ValidUntil = apptest.Start.Add(-time.Hour) }).ID,
	}
	e.SetParameters(func(p *params.Parameters) { p.SSO.AllowLocalPassword = true })
	for _, name := range []string{"sso", "inactive", "expired"} {
		if res := requestReset(e, name); res.Status != 202 {
			t.Fatalf("%s: %d", name, res.Status)
		}
	}
	for _, id := range ids {
		if h := e.HelpRequest(id); h != nil {
			t.Fatalf("help request %+v", *h)
		}
	}
	// Over the per-account limit, a dismissed request is not opened again.
	limited := e.Account("limited", oldPW, noEmail)
	for range 3 {
		requestReset(e, "limited")
	}
	h := e.HelpRequest(limited.ID)
	if h == nil {
		t.Fatal("no help request within the limit")
	}
	if err := e.Store.Commit(context.Background(), store.DeleteHelpRequest{UserID: limited.ID}); err != nil {
		t.Fatal(err)
	}
	requestReset(e, "limited")
	if h := e.HelpRequest(limited.ID); h != nil {
		t.Fatalf("opened over the per-account limit: %+v", *h)
	}
	if ev := e.Audit(t, audit.PasswordHelpRequested); len(ev) != 1 {
		t.Fatalf("%d password.help.requested events, want 1", len(ev))
	}
}

// Parallel requests for one account open one help request; every request
// answers 202.
func TestConcurrentRequestsOpenOneHelpRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		e.SetParameters(func(p *params.Parameters) { p.ResetRequests.PerAccountPerHour = 20 })
		a := e.Account("noemail", oldPW, func(a *store.Account) { a.Email = "" })
		statuses := make([]int, 8)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range statuses {
			wg.Go(func() {
				<-gate
				statuses[i] = requestReset(e, "noemail").Status
			})
		}
		close(gate)
		wg.Wait()
		for i, s := range statuses {
			if s != 202 {
				t.Fatalf("request %d: %d", i, s)
			}
		}
		if e.HelpRequest(a.ID) == nil {
			t.Fatal("no help request")
		}
		if ev := e.Audit(t, audit.PasswordHelpRequested); len(ev) != 1 {
			t.Fatalf("%d password.help.requested events, want exactly 1", len(ev))
		}
	})
}

// sso.allowLocalPassword decides what a reset request for an SSO account
// with an email gets: off, the "use SSO" mail; on, a reset link whose
// confirmation gives the account a local password beside its SSO identity.
// A link asked for while it was on stops working when it is turned off.
func TestResetOfAnSSOAccountFollowsAllowLocalPassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, newEnv func(*testing.T) *apptest.Env) {
		e := newEnv(t)
		a := e.Account("sam", "", func(a *store.Account) {
			a.SSO, a.Email, a.SSOIdentity = true, "sam@contoso.example", store.SSOIdentityKey("Contoso", "00u-sam")
		})
		allow := func(on bool) { e.SetParameters(func(p *params.Parameters) { p.SSO.AllowLocalPassword = on }) }

		e.Store.Reset()
		requestReset(e, "sam@contoso.example")
		sent := e.Mail.To("sam@contoso.example")
		if len(sent) != 1 || sent[0].Kind != mail.KindResetUseSSO {
			t.Fatalf("off: mails %+v, want the use-SSO mail", sent)
		}
		if got := e.Store.Counts(); got.Reads != 2 || got.Writes != 1 {
			t.Fatalf("round trips %+v", got)
		}

		allow(true)
		requestReset(e, "sam")
		sent = e.Mail.To("sam@contoso.example")
		if len(sent) != 2 || sent[1].Kind != mail.KindResetLink {
			t.Fatalf("on: mails %+v, want a reset link", sent)
		}
		stale := apptest.Token(t, sent[1])
		allow(false)
		if res := e.Post("/api/auth/password/reset/verify", map[string]string{"token": stale}, nil); res.Status != 410 {
			t.Fatalf("verify after turning it off: %d %s", res.Status, res.Body)
		}
		if res := confirm(e, stale, newPW, newPW); res.Status != 410 || res.Code(t) != "token_invalid" {
			t.Fatalf("confirm after turning it off: %d %s", res.Status, res.Body)
		}
		if got := e.Load(a.ID); got.PasswordHash != "" {
			t.Fatal("a refused link set a password")
		}

		allow(true)
		requestReset(e, "sam")
		sent = e.Mail.To("sam@contoso.example")
		token := apptest.Token(t, sent[len(sent)-1])
		if res := confirm(e, token, newPW, newPW); res.Status != 204 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		got := e.Load(a.ID)
		if got.PasswordHash == "" || !got.SSO || got.SSOIdentity != a.SSOIdentity {
			t.Fatalf("after the reset: sso %v identity %q password set %v", got.SSO, got.SSOIdentity, got.PasswordHash != "")
		}
		if ev := e.Audit(t, audit.PasswordResetCompleted); len(ev) != 1 || ev[0].Detail["localPasswordBesideSSO"] != "true" {
			t.Fatalf("password.reset.completed = %+v", ev)
		}
		if status := login(e, "sam", newPW); status != 200 {
			t.Fatalf("sign-in with the local password: %d", status)
		}
		allow(false)
		if status := login(e, "sam", newPW); status != 401 {
			t.Fatalf("sign-in with the local password turned off: %d", status)
		}
		e.Clock.Advance(time.Hour) // past the per-account limit of three an hour
		requestReset(e, "sam")
		if sent := e.Mail.To("sam@contoso.example"); sent[len(sent)-1].Kind != mail.KindResetUseSSO {
			t.Fatalf("off again: %s", sent[len(sent)-1].Kind)
		}
	})
}
