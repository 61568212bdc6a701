package ses_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatepass/gatepass/shared/internal/seslocal"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/mail/ses"
)

var local *seslocal.Shared

func TestMain(m *testing.M) { os.Exit(seslocal.Main(m, &local)) }

const link = "https://backoffice.example.com/#/reset?token=c2VjcmV0LXRva2VuLXZhbHVlLTAxMjM0NTY3ODlhYmNkZWY"

func message(to string) mail.Message {
	return mail.Message{
		To:      to,
		Subject: "Acme Backoffice: reset your password",
		Text:    "Hello,\n\nopen " + link + "\n",
		HTML:    `<p>Grüße — <a href="` + link + `">Reset password</a></p>`,
		Kind:    mail.KindResetLink,
	}
}

// TestSendArrives sends through the client to aws-ses-v2-local and reads the
// mail back.
func TestSendArrives(t *testing.T) {
	srv := local.Require(t)
	ctx := t.Context()
	client := ses.NewClient(aws.Config{Region: seslocal.Region,
		Credentials: credentials.NewStaticCredentialsProvider(seslocal.AccessKeyID, seslocal.SecretAccessKey, ""),
		HTTPClient:  &http.Client{Transport: &http.Transport{Proxy: nil}}}, srv.Endpoint())
	// Addresses of this server's own: in make test the emulator's store is
	// shared with other packages.
	for _, tc := range []struct {
		name, to, configurationSet string
	}{
		{"plain", srv.Address("jane"), ""},
		{"with configuration set", srv.Address("john"), "gatepass-acme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sender := ses.New(client, "Acme Backoffice <no-reply@example.com>", tc.configurationSet, "")
			want := message(tc.to)
			if err := sender.Send(ctx, want); err != nil {
				t.Fatalf("Send: %v\n%s", err, srv.Output())
			}
			got, err := srv.EmailsTo(ctx, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(got), tc.to)
			}
			e := got[0]
			if e.From != "Acme Backoffice <no-reply@example.com>" || len(e.To) != 1 || e.To[0] != tc.to ||
				len(e.Cc)+len(e.Bcc) != 0 || e.Subject != want.Subject || e.Text != want.Text || e.HTML != want.HTML {
				t.Fatalf("received %+v", e)
			}
		})
	}
}

// fakeAPI records the input and answers with err.
type fakeAPI struct {
	in  *ses.Email
	err error
}

func (f *fakeAPI) SendEmail(_ context.Context, e ses.Email) (string, error) {
	f.in = &e
	if f.err != nil {
		return "", f.err
	}
	return "m-1", nil
}

func TestInput(t *testing.T) {
	for _, tc := range []struct {
		name             string
		configurationSet string
		tenant           string
		mutate           func(*mail.Message)
		check            func(t *testing.T, in *ses.Email)
	}{
		{
			name: "everything", configurationSet: "gatepass", tenant: "acme",
			check: func(t *testing.T, in *ses.Email) {
				m := message("jane@example.com")
				if in.From != "no-reply@example.com" || in.To != m.To || in.ConfigurationSet != "gatepass" ||
					in.Subject != m.Subject || in.Text != m.Text || in.HTML != m.HTML {
					t.Fatalf("input %+v", in)
				}
				// The kind, and the tenant the operator's event destination
				// counts bounces and complaints by.
				if len(in.Tags) != 2 || in.Tags["kind"] != "reset_link" || in.Tags[ses.TagTenant] != "acme" {
					t.Fatalf("tags %+v", in.Tags)
				}
			},
		},
		{
			name: "no configuration set",
			check: func(t *testing.T, in *ses.Email) {
				if in.ConfigurationSet != "" {
					t.Fatalf("ConfigurationSet = %q", in.ConfigurationSet)
				}
			},
		},
		{
			name:   "text only",
			mutate: func(m *mail.Message) { m.HTML = "" },
			check: func(t *testing.T, in *ses.Email) {
				if in.HTML != "" || in.Text == "" {
					t.Fatal("want a text body only")
				}
			},
		},
		{
			name:   "no kind, no tag",
			mutate: func(m *mail.Message) { m.Kind = "" },
			check: func(t *testing.T, in *ses.Email) {
				if len(in.Tags) != 0 {
					t.Fatalf("tags %+v", in.Tags)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{}
			m := message("jane@example.com")
			if tc.mutate != nil {
				tc.mutate(&m)
			}
			if err := ses.New(api, "no-reply@example.com", tc.configurationSet, tc.tenant).Send(t.Context(), m); err != nil {
				t.Fatal(err)
			}
			tc.check(t, api.in)
		})
	}
}

func TestErrors(t *testing.T) {
	sdkErr := &ses.APIError{Status: 400, Code: "MessageRejected", Message: "Email address is not verified: jane@example.com"}
	for _, tc := range []struct {
		name    string
		mutate  func(*mail.Message)
		apiErr  error
		called  bool
		wrapped bool
	}{
		{name: "sdk error", apiErr: sdkErr, called: true, wrapped: true},
		{name: "no recipient", mutate: func(m *mail.Message) { m.To = " " }},
		{name: "no subject", mutate: func(m *mail.Message) { m.Subject = "" }},
		{name: "no body", mutate: func(m *mail.Message) { m.Text, m.HTML = "", "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{err: tc.apiErr}
			m := message("jane@example.com")
			if tc.mutate != nil {
				tc.mutate(&m)
			}
			err := ses.New(api, "no-reply@example.com", "", "").Send(t.Context(), m)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if (api.in != nil) != tc.called {
				t.Fatalf("SES called = %v, want %v", api.in != nil, tc.called)
			}
			if tc.wrapped && !errors.Is(err, error(sdkErr)) {
				t.Fatalf("%v does not wrap the SDK error", err)
			}
			msg := err.Error()
			for _, secret := range []string{link, "token", "jane@example.com", "Hello", "Grüße"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("error %q contains %q", msg, secret)
				}
			}
			if !strings.Contains(msg, "reset_link") {
				t.Fatalf("error %q does not name the kind", msg)
			}
		})
	}
}
