// Package recovery is the forgotten-password and set-your-password
// capability: reset requests, reset links, invitations (API.md "POST
// /api/auth/password/reset…", "invitation/…"; SECURITY.md "Tokens and single
// use").
package recovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/credential"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/lockout"
	"github.com/gatepass/gatepass/shared/mail"
	"github.com/gatepass/gatepass/shared/notify"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/store"
)

// ErrTokenInvalid is the one answer for a link that cannot be used: unknown,
// expired, used, superseded, or its account no longer eligible — all alike.
var ErrTokenInvalid = errors.New("recovery: token invalid")

// Store is what recovery needs from the store.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
	ListSessions(ctx context.Context, userID string) ([]store.Session, error)
}

// Links builds the links mails carry, from the configured public URL — never
// from request headers (SECURITY.md).
type Links struct{ Base string }

// Reset is the reset link for token. alias is the tenant's admin alias (""
// for none): with one set, the app answers only under /<alias>/ (API.md
// "Admin alias"), so the link must go there.
func (l Links) Reset(token, alias string) string { return l.link("reset", token, alias) }

// Invitation is the set-your-password link for token, under alias as Reset.
func (l Links) Invitation(token, alias string) string { return l.link("invite", token, alias) }

func (l Links) link(route, token, alias string) string {
	base := strings.TrimSuffix(l.Base, "/")
	if alias != "" {
		base += "/" + alias
	}
	return base + "/#/" + route + "?token=" + token
}

// Service runs the recovery flows.
type Service struct {
	store    Store
	setter   *credential.Setter
	notifier *notify.Notifier
	clock    clock.Clock
	links    Links
	logger   *slog.Logger
}

// NewService returns a recovery service. setter may be nil for a service
// that only takes reset requests and sends invitations (the reset-request
// function); Complete then refuses to run.
func NewService(s Store, setter *credential.Setter, n *notify.Notifier, c clock.Clock, links Links, logger *slog.Logger) *Service {
	return &Service{store: s, setter: setter, notifier: n, clock: c, links: links, logger: logger}
}

// noAccount is an id no account has: unknown identifiers read it so that
// their round trips match those of known ones.
const noAccount = "x_none"

// maxRetries bounds the retries of a reset request whose counters changed
// under it (parallel requests for one identifier).
const maxRetries = 3

// RequestReset handles a forgotten-password request. Its outcome is invisible
// to the client: whatever the identifier, it returns nil (or a
// *lockout.LockedError for the per-IP limit only), in the same round trips.
// Within its per-account limit, an active account gets: with an email, a
// link — an SSO account only while sso.allowLocalPassword is on, else a
// "use SSO" mail; a local account without an email, a help request for its
// administrators (API.md GET /api/admin/help-requests), unless one is open.
//
// Round trips: two Loads and one Commit for every identifier. The second
// Load, which reads the account, also reads its open help request.
func (s *Service) RequestReset(ctx context.Context, identifier string, src audit.Source) error {
	name, emailKey := accounts.CanonicalUsername(identifier), accounts.CanonicalEmail(identifier)
	ipKey := lockout.ScopedIPKey("reset", src.IP)
	var out outgoing
	err := store.Optimistic(ctx, maxRetries+1, func(int) error {
		var err error
		out, err = s.requestOnce(ctx, name, emailKey, ipKey, src)
		return err
	})
	if err != nil {
		return err
	}
	if out.kind != "" {
		s.notifier.Send(ctx, out.kind, out.account, out.link, out.ttl)
	}
	return nil
}

// outgoing is the mail a committed request sends, if any.
type outgoing struct {
	kind    mail.Kind
	account store.Account
	link    string
	ttl     time.Duration
}

// requestOnce reads, decides and commits one reset request for the account
// that holds name as its username or emailKey as its email. It returns the
// mail to send once the commit succeeded.
func (s *Service) requestOnce(ctx context.Context, name, emailKey, ipKey string, src audit.Source) (outgoing, error) {
	claims := []store.ClaimKey{{Kind: store.ClaimUsername, Value: name}, {Kind: store.ClaimEmail, Value: emailKey}}
	first, err := s.store.Load(ctx, store.Query{Parameters: true, Claims: claims, Counters: []string{ipKey}})
	if err != nil {
		return outgoing{}, fmt.Errorf("reset request: read: %w", err)
	}
	p, now := first.Parameters, s.clock.Now()
	ipPolicy := lockout.PerHour(p.ResetRequests.PerIPPerHour)
	ipCounter := first.Counters[ipKey]
	if wait, locked := ipPolicy.Locked(ipCounter, now); locked {
		return outgoing{}, &lockout.LockedError{RetryAfter: wait}
	}
	userID, known := first.Claims[claims[0]]
	if !known {
		userID, known = first.Claims[claims[1]]
	}
	counterKey, accountID := "reset:name:"+name, noAccount
	if known {
		counterKey, accountID = "reset:account:"+userID, userID
	}
	second, err := s.store.Load(ctx, store.Query{AccountID: accountID, Counters: []string{counterKey},
		HelpRequests: []string{accountID}})
	if err != nil {
		return outgoing{}, fmt.Errorf("reset request: read account: %w", err)
	}
	acctPolicy := lockout.PerHour(p.ResetRequests.PerAccountPerHour)
	acctCounter := second.Counters[counterKey]
	_, overLimit := acctPolicy.Locked(acctCounter, now)

	// Every request counts against its IP and its identifier (known or not),
	// so every request writes the same kind of commit.
	ops := []store.Op{store.PutCounter{Counter: ipPolicy.Next(ipCounter, now)}}
	if !overLimit {
		ops = append(ops, store.PutCounter{Counter: acctPolicy.Next(acctCounter, now)})
	}
	_, helpOpen := second.HelpRequests[accountID]
	d := resetOutcome(second.Account, p, overLimit, helpOpen, now)
	out := outgoing{kind: d.mail, ttl: time.Duration(p.ResetTokenTTLSeconds) * time.Second}
	subject := "" // the audit event's user: none for an unknown identifier
	if second.Account != nil {
		out.account, subject = *second.Account, second.Account.ID
	}
	if d.mail == mail.KindResetLink {
		var tokenOps []store.Op
		out.link, tokenOps = s.newToken(&out.account, store.TokenReset, out.ttl, now, p.AdminAlias)
		ops = append(ops, tokenOps...)
	}
	events := []store.AuditEvent{audit.New(now, audit.PasswordResetRequested, subject, src, map[string]string{"outcome": d.outcome})}
	if d.help {
		// A nanosecond later, so that it sorts after the request that
		// opened it. The event bounds the user agent; the request keeps
		// the bounded one.
		helped := audit.New(now.Add(time.Nanosecond), audit.PasswordHelpRequested, subject, src, nil)
		h := store.HelpRequest{UserID: subject, ID: ids.New("h"), CreatedAt: now, IP: helped.IP, UserAgent: helped.UserAgent}
		helped.Detail = map[string]string{"helpRequestId": h.ID}
		ops = append(ops, store.PutHelpRequest{Request: h})
		events = append(events, helped)
	}
	for _, e := range events {
		ops = append(ops, audit.Op(e))
	}
	// A help request opened meanwhile by a parallel request fails the
	// commit (ErrConflict): RequestReset decides again on fresh state.
	if err := s.store.Commit(ctx, ops...); err != nil {
		return outgoing{}, fmt.Errorf("reset request: commit: %w", err)
	}
	for _, e := range events {
		audit.Log(ctx, s.logger, e)
	}
	return out, nil
}

// decision is what a reset request leads to: the audit outcome, the mail to
// send (none: ""), and whether to open a help request.
type decision struct {
	outcome string
	mail    mail.Kind
	help    bool
}

// resetOutcome decides what a reset request for a (possibly nil) account
// leads to under the parameters p; helpOpen tells that the account has an
// open help request already.
func resetOutcome(a *store.Account, p params.Parameters, overLimit, helpOpen bool, now time.Time) decision {
	switch {
	case a == nil:
		return decision{outcome: "unknown_account"}
	case overLimit:
		return decision{outcome: "account_limit"}
	case a.Status != store.StatusActive || !accounts.IsValidAt(a, now):
		return decision{outcome: "not_active"}
	case a.Email == "" && a.SSO:
		// Nobody can set it a password: no help request either.
		return decision{outcome: "no_email"}
	case a.Email == "" && helpOpen:
		return decision{outcome: "help_already_requested"}
	case a.Email == "":
		return decision{outcome: "help_requested", help: true}
	case !accounts.MayHoldPassword(a, p):
		return decision{outcome: "sso_account", mail: mail.KindResetUseSSO}
	default:
		return decision{outcome: "link_sent", mail: mail.KindResetLink}
	}
}

// newToken makes a single-use token of kind for a, names it on the account
// (which supersedes the previous one) and returns its link and the ops that
// store it: the new token, the removal of the superseded one, and the
// account update.
func (s *Service) newToken(a *store.Account, kind store.TokenKind, ttl time.Duration, now time.Time, alias string) (string, []store.Op) {
	token := ids.UserToken(a.ID)
	hash := ids.Hash(token)
	ops := []store.Op{store.PutToken{Token: store.Token{
		Kind: kind, Hash: hash, UserID: a.ID, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}}}
	prevEmail := a.EmailKey
	old := &a.ResetTokenHash
	link := s.links.Reset(token, alias)
	if kind == store.TokenInvitation {
		old = &a.InvitationTokenHash
		link = s.links.Invitation(token, alias)
	}
	if *old != "" {
		ops = append(ops, store.DeleteToken{Key: store.TokenKey{Kind: kind, Hash: *old}})
	}
	*old = hash
	ops = append(ops, store.UpdateAccount{Account: *a, PreviousEmailKey: prevEmail})
	a.Version++
	return link, ops
}

// Purpose is what a link is for: a reset or an invitation.
type Purpose struct {
	kind      store.TokenKind
	completed string // audit event type
}

// The two purposes of a set-your-password link.
var (
	Reset      = Purpose{kind: store.TokenReset, completed: audit.PasswordResetCompleted}
	Invitation = Purpose{kind: store.TokenInvitation, completed: audit.InvitationAccepted}
)

// named reports whether the account names hash as its live token of kind.
func named(a *store.Account, kind store.TokenKind, hash string) bool {
	if kind == store.TokenInvitation {
		return a.InvitationTokenHash == hash
	}
	return a.ResetTokenHash == hash
}

// eligible reports whether the account may still use a link of kind under
// the parameters p: a reset link of an SSO account only while
// sso.allowLocalPassword is on (it then sets a local password beside the
// SSO identity); an invitation never.
func eligible(a *store.Account, kind store.TokenKind, p params.Parameters, now time.Time) bool {
	if !accounts.IsValidAt(a, now) {
		return false
	}
	if kind == store.TokenInvitation {
		return a.Status == store.StatusInvited && !a.SSO
	}
	return a.Status == store.StatusActive && accounts.MayHoldPassword(a, p)
}

// link is a token read with its account and the parameters, in one Load.
type link struct {
	token   store.Token
	account store.Account
	params  params.Parameters
}

// open reads a link's token, its account and the parameters in one round
// trip and checks that it can be used. Every reason it cannot is
// ErrTokenInvalid.
func (s *Service) open(ctx context.Context, purpose Purpose, token string) (link, error) {
	userID, hash, ok := ids.ParseUserToken(token)
	if !ok {
		return link{}, ErrTokenInvalid
	}
	key := store.TokenKey{Kind: purpose.kind, Hash: hash}
	snap, err := s.store.Load(ctx, store.Query{Tokens: []store.TokenKey{key}, AccountID: userID, Parameters: true})
	if err != nil {
		return link{}, fmt.Errorf("open link: %w", err)
	}
	t, found := snap.Tokens[key]
	a := snap.Account
	now := s.clock.Now()
	if !found || a == nil || t.UserID != a.ID || !now.Before(t.ExpiresAt) || !named(a, purpose.kind, hash) || !eligible(a, purpose.kind, snap.Parameters, now) {
		return link{}, ErrTokenInvalid
	}
	return link{token: t, account: *a, params: snap.Parameters}, nil
}

// Verify tells whether a link can be used, and whose it is, without using
// it. One round trip.
func (s *Service) Verify(ctx context.Context, purpose Purpose, token string) (username string, err error) {
	l, err := s.open(ctx, purpose, token)
	if err != nil {
		return "", err
	}
	return l.account.Username, nil
}

// Complete sets the password of a link's account and uses the link, in one
// transaction: the token is consumed, the password set (which revokes every
// session through the epoch), the login lock cleared, and — for an
// invitation — the account activated with its email verified. A mismatch or
// a policy violation leaves the link usable. It never signs anyone in.
//
// Round trips: one Load and one Commit, then one Commit per batch of stale
// session records cleaned up.
func (s *Service) Complete(ctx context.Context, purpose Purpose, token, pw, repeat string, src audit.Source) error {
	l, err := s.open(ctx, purpose, token)
	if err != nil {
		return err
	}
	if s.setter == nil {
		return errors.New("recovery: this service cannot set passwords")
	}
	now := s.clock.Now()
	updated, err := s.setter.Set(ctx, l.account, l.params, credential.Request{Password: pw, Repeat: repeat}, now)
	if err != nil {
		return err
	}
	if purpose.kind == store.TokenInvitation {
		updated.InvitationTokenHash = ""
		updated.Status = store.StatusActive
		updated.EmailVerified = updated.Email != ""
	} else {
		updated.ResetTokenHash = ""
	}
	var detail map[string]string
	if updated.SSO {
		detail = map[string]string{"localPasswordBesideSSO": "true"}
	}
	event := audit.New(now, purpose.completed, updated.ID, src, detail)
	err = s.store.Commit(ctx,
		store.ConsumeToken{Key: store.TokenKey{Kind: purpose.kind, Hash: l.token.Hash}, Version: l.token.Version},
		store.UpdateAccount{Account: updated, PreviousEmailKey: l.account.EmailKey},
		store.DeleteCounter{Key: lockout.AccountKey(updated.ID)},
		audit.Op(event),
	)
	if errors.Is(err, store.ErrConflict) {
		return ErrTokenInvalid // used concurrently, or the account changed under it
	}
	if err != nil {
		return fmt.Errorf("complete link: %w", err)
	}
	audit.Log(ctx, s.logger, event)
	if purpose.kind == store.TokenReset {
		s.notifier.Send(ctx, mail.KindPasswordChanged, updated, "", 0)
	}
	s.cleanUpSessions(ctx, updated)
	return nil
}

// cleanUpSessions deletes the records of sessions the epoch already revoked.
// They are dead either way; this only keeps the session list tidy, so a
// failure is logged, not returned.
func (s *Service) cleanUpSessions(ctx context.Context, a store.Account) {
	list, err := s.store.ListSessions(ctx, a.ID)
	if err != nil {
		s.logger.WarnContext(ctx, "session clean-up: list", slog.Any("error", err))
		return
	}
	var ops []store.Op
	for _, sess := range list {
		if sess.Epoch != a.SessionEpoch {
			ops = append(ops, store.DeleteSession{Key: store.SessionKey{UserID: sess.UserID, Hash: sess.Hash}})
		}
		if len(ops) == store.MaxOps {
			s.commitCleanUp(ctx, ops)
			ops = nil
		}
	}
	s.commitCleanUp(ctx, ops)
}

func (s *Service) commitCleanUp(ctx context.Context, ops []store.Op) {
	if len(ops) == 0 {
		return
	}
	if err := s.store.Commit(ctx, ops...); err != nil {
		s.logger.WarnContext(ctx, "session clean-up", slog.Any("error", err))
	}
}

// PrepareInvitation names a new invitation token on a (an account being
// created or re-invited, status invited) and returns the link and the ops
// that store the token and the account change. The caller commits them with
// its own ops (the account's creation, for instance; for a new account, the
// UpdateAccount among them must be dropped — see NewAccountInvitation) and
// then calls SendInvitation.
func (s *Service) PrepareInvitation(a *store.Account, p params.Parameters) (string, []store.Op) {
	return s.newToken(a, store.TokenInvitation, time.Duration(p.InvitationTTLSeconds)*time.Second, s.clock.Now(), p.AdminAlias)
}

// NewAccountInvitation names an invitation token on an account that does
// not exist yet and returns the link and the token's op; the caller commits
// it with the account's creation and then calls SendInvitation.
func (s *Service) NewAccountInvitation(a *store.Account, p params.Parameters) (string, store.Op) {
	now := s.clock.Now()
	token := ids.UserToken(a.ID)
	a.InvitationTokenHash = ids.Hash(token)
	return s.links.Invitation(token, p.AdminAlias), store.PutToken{Token: store.Token{
		Kind: store.TokenInvitation, Hash: a.InvitationTokenHash, UserID: a.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Duration(p.InvitationTTLSeconds) * time.Second),
	}}
}

// SendInvitation mails the invitation link and records it in the trail.
func (s *Service) SendInvitation(ctx context.Context, a store.Account, link string, p params.Parameters, src audit.Source) {
	sent := s.notifier.Send(ctx, mail.KindInvitation, a, link, time.Duration(p.InvitationTTLSeconds)*time.Second)
	event := audit.New(s.clock.Now(), audit.InvitationSent, a.ID, src, map[string]string{"mailed": fmt.Sprint(sent)})
	if err := s.store.Commit(ctx, audit.Op(event)); err != nil {
		s.logger.WarnContext(ctx, "audit invitation", slog.Any("error", err))
	}
	audit.Log(ctx, s.logger, event)
}
