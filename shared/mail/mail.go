// Package mail is the mail port of Gatepass: the message a capability sends,
// the Sender interface the adapters implement (mail/ses in AWS, mail/outbox
// on the local stack) and the templates that render every kind of mail in
// English and German, as a text part and an HTML part.
//
// A rendered message carries at most one secret, the link of a reset or an
// invitation. Nothing in this package or its adapters puts a message's body,
// link or token into a log line or an error.
package mail

import (
	"context"
	"time"
)

// Kind names what a mail is about. The value is stable: it appears in
// metrics, SES message tags and the local outbox.
type Kind string

// The kinds of mail Gatepass sends.
const (
	// KindResetLink carries a single-use password reset link.
	KindResetLink Kind = "reset_link"
	// KindResetUseSSO answers a reset request for an SSO-managed account
	// while sso.allowLocalPassword is off (on, it gets a KindResetLink):
	// sign in with SSO; it carries no link.
	KindResetUseSSO Kind = "reset_use_sso"
	// KindPasswordChanged notifies that the password was reset, changed or
	// set by an administrator.
	KindPasswordChanged Kind = "password_changed"
	// KindInvitation invites a new account to set its password; it carries
	// the set-your-password link and the username.
	KindInvitation Kind = "invitation"
	// KindTOTPEnabled notifies that two-factor authentication was turned on.
	KindTOTPEnabled Kind = "totp_enabled"
	// KindTOTPDisabled notifies that two-factor authentication was turned
	// off.
	KindTOTPDisabled Kind = "totp_disabled"
	// KindRecoveryCodesRegenerated notifies that a new set of recovery codes
	// replaced the old one.
	KindRecoveryCodesRegenerated Kind = "recovery_codes_regenerated"
	// KindPasskeyAdded notifies that a passkey was added to the account.
	KindPasskeyAdded Kind = "passkey_added"
	// KindPasskeyRemoved notifies that a passkey was removed.
	KindPasskeyRemoved Kind = "passkey_removed"
)

// Kinds returns every kind, in a fixed order.
func Kinds() []Kind {
	return []Kind{KindResetLink, KindResetUseSSO, KindPasswordChanged, KindInvitation, KindTOTPEnabled, KindTOTPDisabled,
		KindRecoveryCodesRegenerated, KindPasskeyAdded, KindPasskeyRemoved}
}

// HasLink reports whether mails of kind k carry a link, which Render then
// requires. The link of the other kinds is ignored, never rendered.
func (k Kind) HasLink() bool { return k == KindResetLink || k == KindInvitation }

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	for _, known := range Kinds() {
		if k == known {
			return true
		}
	}
	return false
}

// Message is one mail to one recipient: a subject, a plain-text part and an
// HTML part, all UTF-8.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	Kind    Kind
}

// Sender delivers messages. Implementations must not log or return the body,
// the link or the token of a message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Data fills the templates.
type Data struct {
	// Tenant is the tenant's name, shown in the subject and the body.
	Tenant string
	// DisplayName greets the recipient; without it the greeting is generic.
	DisplayName string
	// Username is the account's username (shown in invitations and resets).
	Username string
	// Link is the reset or invitation link; required by the kinds whose
	// HasLink is true, ignored by the others.
	Link string
	// ExpiresIn is how long the link stays valid; zero leaves the sentence
	// out.
	ExpiresIn time.Duration
}
