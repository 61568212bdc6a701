// Package ses sends Gatepass mail through Amazon SES v2 (SendEmail with
// simple content: a subject, a text part and an HTML part, all UTF-8).
//
// Errors name the kind of mail and wrap the client's error; they never
// contain the recipient, the subject, a body or a link (an *APIError keeps
// SES's message, which may name the address, out of its Error()).
package ses

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatepass/gatepass/shared/mail"
)

// API is what the sender calls; *Client implements it.
type API interface {
	SendEmail(ctx context.Context, e Email) (string, error)
}

// Charset of every part.
const Charset = "UTF-8"

// TagKind is the message tag that carries the mail's kind, so that a
// configuration set's event destinations can count sends, bounces and
// complaints per kind.
const TagKind = "kind"

// TagTenant is the message tag that carries the sending tenant: tenants of
// an account send through the operator's configuration set, whose event
// destination turns bounces and complaints into CloudWatch metrics with a
// dimension of the same name.
const TagTenant = "Tenant"

// Sender implements mail.Sender with SES v2. It is safe for concurrent use.
type Sender struct {
	api              API
	from             string
	configurationSet string
	tenant           string
}

var _ mail.Sender = (*Sender)(nil)

// New returns a sender that sends from the address from (a verified SES
// identity, optionally with a display name: "Acme Backoffice
// <no-reply@example.com>") and, when configurationSet is not empty, through
// that configuration set, tagging every mail with tenant (TagTenant) when it
// is not empty.
func New(api API, from, configurationSet, tenant string) *Sender {
	return &Sender{api: api, from: from, configurationSet: configurationSet, tenant: tenant}
}

// Send sends m to m.To. A message without a recipient, a subject or any body
// part is refused before SES is called.
func (s *Sender) Send(ctx context.Context, m mail.Message) error {
	if err := validate(m); err != nil {
		return fmt.Errorf("ses: %s mail: %w", kindName(m.Kind), err)
	}
	e := Email{From: s.from, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		ConfigurationSet: s.configurationSet, Tags: map[string]string{}}
	if m.Kind.Valid() {
		e.Tags[TagKind] = string(m.Kind)
	}
	if s.tenant != "" {
		e.Tags[TagTenant] = s.tenant
	}
	if _, err := s.api.SendEmail(ctx, e); err != nil {
		return fmt.Errorf("ses: send %s mail: %w", kindName(m.Kind), err)
	}
	return nil
}

func validate(m mail.Message) error {
	switch {
	case strings.TrimSpace(m.To) == "":
		return errors.New("no recipient")
	case strings.TrimSpace(m.Subject) == "":
		return errors.New("no subject")
	case m.Text == "" && m.HTML == "":
		return errors.New("no body")
	}
	return nil
}

// kindName is the kind for an error message, never free text from a caller.
func kindName(k mail.Kind) string {
	if k.Valid() {
		return string(k)
	}
	return "unknown kind of"
}
