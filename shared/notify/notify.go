// Package notify sends an account its mails: rendered in the account's
// locale with the tenant's name, sent through the mail port, and — because a
// mail failure must never change what a client sees — failures are logged and
// counted, never returned to the flow that triggered them. No log line holds
// a mail's body or link.
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/metrics"
	"github.com/gatepass/gatepass/shared/store"
)

// Renderer renders a mail of a kind in a locale.
type Renderer interface {
	Render(kind mail.Kind, locale string, d mail.Data) (mail.Message, error)
}

// Notifier sends mails to accounts.
type Notifier struct {
	sender   mail.Sender
	renderer Renderer
	tenant   string
	clock    clock.Clock
	logger   *slog.Logger
}

// New returns a notifier.
func New(s mail.Sender, r Renderer, tenant string, c clock.Clock, logger *slog.Logger) *Notifier {
	return &Notifier{sender: s, renderer: r, tenant: tenant, clock: c, logger: logger}
}

// Send mails an account a message of kind; link and expiresIn fill the
// template where it has them. Accounts without an email get nothing. It
// reports whether the mail went out.
func (n *Notifier) Send(ctx context.Context, kind mail.Kind, a store.Account, link string, expiresIn time.Duration) bool {
	if a.Email == "" {
		return false
	}
	msg, err := n.renderer.Render(kind, a.Locale, mail.Data{
		Tenant: n.tenant, DisplayName: a.DisplayName, Username: a.Username, Link: link, ExpiresIn: expiresIn,
	})
	if err == nil {
		msg.To = a.Email
		err = n.sender.Send(ctx, msg)
	}
	if err != nil {
		n.logger.ErrorContext(ctx, "mail not sent", slog.String("kind", string(kind)),
			slog.String("user_id", a.ID), slog.Any("error", err))
		metrics.Count(ctx, n.logger, n.clock.Now(), "MailFailed", "Kind", string(kind))
		return false
	}
	metrics.Count(ctx, n.logger, n.clock.Now(), "MailSent", "Kind", string(kind))
	return true
}
