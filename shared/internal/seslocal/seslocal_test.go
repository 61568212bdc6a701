package seslocal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/gatepass/gatepass/shared/internal/emulator"
	"github.com/gatepass/gatepass/shared/internal/seslocal"
)

// TestStartSendReadStop starts a private server (this package has no
// TestMain), sends a mail through Client, reads it back from the store and
// checks that Stop really ends the process. Process management itself is
// tested in package emulator.
func TestStartSendReadStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	local := seslocal.StartShared(ctx)
	defer func() { _ = local.Stop() }() // checked below when the server runs
	srv := local.Require(t)
	if !strings.HasPrefix(srv.Endpoint(), "http://127.0.0.1:") {
		t.Fatalf("endpoint %q is not loopback", srv.Endpoint())
	}

	client, err := srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("from@example.com"),
		Destination:      &types.Destination{ToAddresses: []string{"to@example.com"}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("Grüße")},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String("text part")},
				Html: &types.Content{Data: aws.String("<p>html part</p>")},
			},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v\n%s", err, srv.Output())
	}
	got, err := srv.EmailsTo(ctx, "TO@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("EmailsTo = %+v, want one mail", got)
	}
	e := got[0]
	if e.MessageID != aws.ToString(out.MessageId) || e.From != "from@example.com" || e.Subject != "Grüße" ||
		e.Text != "text part" || e.HTML != "<p>html part</p>" || time.Since(e.At) > time.Minute {
		t.Fatalf("stored mail %+v", e)
	}
	if other, err := srv.EmailsTo(ctx, "someone@example.com"); err != nil || len(other) != 0 {
		t.Fatalf("EmailsTo(someone) = %v, %v", other, err)
	}
	checkAttachedAreIsolated(ctx, t, srv)
	if err := srv.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if all, err := srv.Emails(ctx); err != nil || len(all) != 0 {
		t.Fatalf("after Clear: %v, %v", all, err)
	}

	if err := local.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := srv.Emails(ctx); err == nil {
		t.Fatal("aws-ses-v2-local still answers after Stop")
	}
}

// checkAttachedAreIsolated attaches twice to srv, as two test packages of
// one make test run do: each reads back the mail sent to its own Address
// only, neither may Clear the shared store, and the attached Stop leaves srv
// running.
func checkAttachedAreIsolated(ctx context.Context, t *testing.T, srv *seslocal.Server) {
	t.Helper()
	a, err := seslocal.Attach(ctx, srv.Endpoint())
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	b, err := seslocal.Attach(ctx, srv.Endpoint())
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if a.Address("jane") == b.Address("jane") || !strings.HasPrefix(a.Address("jane"), "jane@") {
		t.Fatalf("addresses %q and %q", a.Address("jane"), b.Address("jane"))
	}
	for _, s := range []*seslocal.Server{a, b} {
		client, err := s.Client(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("from@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{s.Address("jane")}},
			Content: &types.EmailContent{Simple: &types.Message{
				Subject: &types.Content{Data: aws.String("to " + s.Address("jane"))},
				Body:    &types.Body{Text: &types.Content{Data: aws.String("text")}},
			}},
		}); err != nil {
			t.Fatalf("SendEmail through an attached server: %v", err)
		}
	}
	for _, s := range []*seslocal.Server{a, b} {
		got, err := s.EmailsTo(ctx, s.Address("jane"))
		if err != nil || len(got) != 1 || got[0].Subject != "to "+s.Address("jane") {
			t.Fatalf("EmailsTo(%s) = %+v, %v; want its one mail", s.Address("jane"), got, err)
		}
		if err := s.Clear(ctx); err == nil {
			t.Fatal("Clear on an attached server succeeded")
		}
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("attached Stop: %v", err)
	}
	if _, err := b.Emails(ctx); err != nil {
		t.Fatalf("the attached Stop stopped the emulator: %v", err)
	}
}

func TestClientRejectsEmptyEndpoint(t *testing.T) {
	if _, err := seslocal.Client(context.Background(), ""); err == nil {
		t.Fatal("Client(\"\") succeeded")
	}
}

func TestStartWithoutPackageIsNotInstalled(t *testing.T) {
	emulator.ChdirToEmptyRepo(t)
	_, err := seslocal.Start(t.Context())
	if !errors.Is(err, seslocal.ErrNotInstalled) || !errors.Is(err, emulator.ErrNotInstalled) ||
		!strings.Contains(err.Error(), "npm ci --prefix infra/emulators") {
		t.Fatalf("Start = %v, want ErrNotInstalled with the install hint", err)
	}
}
