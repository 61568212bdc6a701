package ses_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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

// TestSendArrives sends through the real SDK client to aws-ses-v2-local and
// reads the mail back.
func TestSendArrives(t *testing.T) {
	srv := local.Require(t)
	ctx := t.Context()
	client, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, to, configurationSet string
	}{
		{"plain", "jane@example.com", ""},
		{"with configuration set", "john@example.com", "gatepass-acme"},
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
	in  *sesv2.SendEmailInput
	err error
}

func (f *fakeAPI) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.in = in
	if f.err != nil {
		return nil, f.err
	}
	return &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}, nil
}

func TestInput(t *testing.T) {
	for _, tc := range []struct {
		name             string
		configurationSet string
		tenant           string
		mutate           func(*mail.Message)
		check            func(t *testing.T, in *sesv2.SendEmailInput)
	}{
		{
			name: "everything", configurationSet: "gatepass", tenant: "acme",
			check: func(t *testing.T, in *sesv2.SendEmailInput) {
				m := message("jane@example.com")
				simple := in.Content.Simple
				if aws.ToString(in.FromEmailAddress) != "no-reply@example.com" ||
					len(in.Destination.ToAddresses) != 1 || in.Destination.ToAddresses[0] != m.To ||
					aws.ToString(in.ConfigurationSetName) != "gatepass" ||
					aws.ToString(simple.Subject.Data) != m.Subject || aws.ToString(simple.Subject.Charset) != "UTF-8" ||
					aws.ToString(simple.Body.Text.Data) != m.Text || aws.ToString(simple.Body.Text.Charset) != "UTF-8" ||
					aws.ToString(simple.Body.Html.Data) != m.HTML || aws.ToString(simple.Body.Html.Charset) != "UTF-8" {
					t.Fatalf("input %+v", in)
				}
				// The kind, and the tenant the operator's event destination
				// counts bounces and complaints by.
				if len(in.EmailTags) != 2 || aws.ToString(in.EmailTags[0].Name) != "kind" || aws.ToString(in.EmailTags[0].Value) != "reset_link" ||
					aws.ToString(in.EmailTags[1].Name) != ses.TagTenant || aws.ToString(in.EmailTags[1].Value) != "acme" {
					t.Fatalf("tags %+v", in.EmailTags)
				}
				if in.Content.Raw != nil || in.Content.Template != nil {
					t.Fatal("not simple content")
				}
			},
		},
		{
			name: "no configuration set",
			check: func(t *testing.T, in *sesv2.SendEmailInput) {
				if in.ConfigurationSetName != nil {
					t.Fatalf("ConfigurationSetName = %q", *in.ConfigurationSetName)
				}
			},
		},
		{
			name:   "text only",
			mutate: func(m *mail.Message) { m.HTML = "" },
			check: func(t *testing.T, in *sesv2.SendEmailInput) {
				if in.Content.Simple.Body.Html != nil || in.Content.Simple.Body.Text == nil {
					t.Fatal("want a text body only")
				}
			},
		},
		{
			name:   "no kind, no tag",
			mutate: func(m *mail.Message) { m.Kind = "" },
			check: func(t *testing.T, in *sesv2.SendEmailInput) {
				if len(in.EmailTags) != 0 {
					t.Fatalf("tags %+v", in.EmailTags)
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
	sdkErr := errors.New("operation error SESv2: SendEmail, https response error StatusCode: 400, MessageRejected")
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
			if tc.wrapped && !errors.Is(err, sdkErr) {
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
