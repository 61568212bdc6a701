package sso

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/gatepass/gatepass/shared/accounts"
	"github.com/gatepass/gatepass/shared/audit"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/ids"
	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/sessions"
	"github.com/gatepass/gatepass/shared/store"
)

// Store is what the SSO flow reads and writes.
type Store interface {
	Load(ctx context.Context, q store.Query) (store.Snapshot, error)
	Commit(ctx context.Context, ops ...store.Op) error
}

// Broker is the OIDC side of the flow (OIDCBroker in production).
type Broker interface {
	AuthCodeURL(ctx context.Context, a AuthRequest) (string, error)
	Exchange(ctx context.Context, code, verifier, redirectURI string) (Claims, error)
}

// Failure codes (API.md): the login page shows a message for each.
const (
	CodeFailed    = "sso_failed"
	CodeNoAccount = "sso_no_account"
	CodeInactive  = "sso_inactive"
)

// ErrUnknownProvider means the start request named no configured provider.
var ErrUnknownProvider = errors.New("sso: unknown provider")

// Failure is a refused SSO sign-in: Code for the browser, Reason (never a
// secret) for the audit trail and logs.
type Failure struct {
	Code   string
	Reason string
}

func (f *Failure) Error() string { return "sso: " + f.Code + ": " + f.Reason }

func fail(code, reason string) *Failure { return &Failure{Code: code, Reason: reason} }

// StateTTL bounds the time between leaving for the identity provider and
// coming back.
const StateTTL = 10 * time.Minute

// Config wires a Service.
type Config struct {
	Store    Store
	Clock    clock.Clock
	Sessions *sessions.Manager
	Catalog  *Catalog
	Broker   Broker
	Logger   *slog.Logger
	// PublicURL is the origin the browser uses (no trailing slash): the
	// redirect URI is PublicURL + alias prefix + CallbackPath.
	PublicURL string
}

// CallbackPath is where the broker sends the browser back.
const CallbackPath = "/api/auth/sso/callback"

// Service runs SSO sign-ins.
type Service struct {
	cfg Config
}

// NewService returns the SSO service.
func NewService(cfg Config) *Service { return &Service{cfg: cfg} }

// Meta is the browser a flow runs in.
type Meta struct {
	IP        string
	UserAgent string
	// Binding is the value of the browser's SSO binding cookie, "" when it
	// has none.
	Binding string
	// AliasPrefix is "/<alias>" when the request came through the admin
	// alias, else "".
	AliasPrefix string
}

// Started is the outcome of Start.
type Started struct {
	// RedirectURL is the broker's authorization URL.
	RedirectURL string
	// Binding is the value the browser's SSO binding cookie must hold (the
	// one it had, or a new one).
	Binding string
}

// Start begins a sign-in with provider providerID; returnTo is where the
// browser goes afterwards (ignored unless a same-origin path).
//
// State, nonce and PKCE verifier are bound to the browser (SECURITY.md):
// the browser holds a random binding secret B in a cookie, the state record
// holds only SHA-256(B), and nonce and verifier are derived from B and the
// state, so nothing secret is stored and a state carried to another browser
// is worthless.
func (s *Service) Start(ctx context.Context, providerID, returnTo string, m Meta) (Started, error) {
	p, ok, err := s.cfg.Catalog.Lookup(ctx, providerID)
	switch {
	case err != nil && !ok:
		return Started{}, fmt.Errorf("sso: start: %w", err)
	case !ok:
		return Started{}, ErrUnknownProvider
	}
	binding := m.Binding
	if !validBinding(binding) {
		binding = ids.Token()
	}
	state := ids.Token()
	now := s.cfg.Clock.Now()
	redirect := s.redirectURI(m.AliasPrefix)
	u, err := s.cfg.Broker.AuthCodeURL(ctx, AuthRequest{ProviderID: p.ID, RedirectURI: redirect, State: state,
		Nonce: derive("nonce", binding, state), Verifier: derive("pkce", binding, state)})
	if err != nil {
		return Started{}, fmt.Errorf("sso: start: %w", err)
	}
	tok := store.Token{Kind: store.TokenSSOState, Hash: ids.Hash(state), CreatedAt: now, ExpiresAt: now.Add(StateTTL),
		Data: map[string]string{
			"provider": p.ID, "returnTo": SafeReturnTo(returnTo), "binding": ids.Hash(binding),
			"redirectUri": redirect, "ip": m.IP,
		}}
	if err := s.cfg.Store.Commit(ctx, store.PutToken{Token: tok}); err != nil {
		return Started{}, fmt.Errorf("sso: start: store state: %w", err)
	}
	return Started{RedirectURL: u, Binding: binding}, nil
}

func (s *Service) redirectURI(aliasPrefix string) string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + aliasPrefix + CallbackPath
}

// derive is a per-flow value only the browser holding binding can
// reproduce: 256 bits, URL-safe (43 characters, a valid PKCE verifier).
func derive(purpose, binding, state string) string {
	sum := sha256.Sum256([]byte("gatepass-sso/" + purpose + "\x00" + binding + "\x00" + state))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func validBinding(b string) bool { return len(b) == 43 && ids.URLSafe(b) }

// Callback is what the broker sent the browser back with.
type Callback struct {
	Code  string
	State string
	// Error is the broker's error parameter (the person cancelled, the
	// provider refused).
	Error string
}

// Completed is a successful sign-in.
type Completed struct {
	Issued   sessions.Issued
	Account  store.Account
	ReturnTo string
}

// Complete finishes a sign-in: the state is consumed (once, by the browser
// that started it), the code redeemed with the PKCE verifier, the ID token
// verified and its nonce compared, and the identity resolved to an account
// that may sign in. A refusal is a *Failure.
func (s *Service) Complete(ctx context.Context, cb Callback, m Meta) (Completed, error) {
	src := audit.Source{IP: m.IP, UserAgent: m.UserAgent}
	tok, err := s.consumeState(ctx, cb.State, m.Binding)
	if err != nil {
		return Completed{}, s.refuse(ctx, err, "", "", src)
	}
	provider := tok.Data["provider"]
	if cb.Error != "" {
		return Completed{}, s.refuse(ctx, fail(CodeFailed, "provider_error:"+sanitize(cb.Error)), provider, "", src)
	}
	if cb.Code == "" || len(cb.Code) > 2048 {
		return Completed{}, s.refuse(ctx, fail(CodeFailed, "code_missing"), provider, "", src)
	}
	claims, err := s.cfg.Broker.Exchange(ctx, cb.Code, derive("pkce", m.Binding, cb.State), tok.Data["redirectUri"])
	if err != nil {
		s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "sso exchange failed", slog.String("provider", provider),
			slog.String("error", err.Error()))
		return Completed{}, s.refuse(ctx, fail(CodeFailed, "token_invalid"), provider, "", src)
	}
	if subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(derive("nonce", m.Binding, cb.State))) != 1 {
		return Completed{}, s.refuse(ctx, fail(CodeFailed, "nonce_mismatch"), provider, "", src)
	}
	subject, ok := upstreamSubject(claims, provider)
	if !ok {
		return Completed{}, s.refuse(ctx, fail(CodeFailed, "identity_mismatch"), provider, "", src)
	}
	done, err := s.signIn(ctx, provider, subject, claims, m)
	if err != nil {
		return Completed{}, s.refuse(ctx, err, provider, done.Account.ID, src)
	}
	done.ReturnTo = tok.Data["returnTo"]
	return done, nil
}

// consumeState reads and consumes the state record, checking it belongs to
// this browser. Any use consumes it: a state is tried once.
func (s *Service) consumeState(ctx context.Context, state, binding string) (store.Token, error) {
	if state == "" || len(state) > 128 {
		return store.Token{}, fail(CodeFailed, "state_missing")
	}
	key := store.TokenKey{Kind: store.TokenSSOState, Hash: ids.Hash(state)}
	snap, err := s.cfg.Store.Load(ctx, store.Query{Tokens: []store.TokenKey{key}})
	if err != nil {
		return store.Token{}, fmt.Errorf("sso: read state: %w", err)
	}
	tok, ok := snap.Tokens[key]
	if !ok {
		return store.Token{}, fail(CodeFailed, "state_unknown")
	}
	err = s.cfg.Store.Commit(ctx, store.ConsumeToken{Key: key, Version: tok.Version})
	switch {
	case errors.Is(err, store.ErrConflict):
		return store.Token{}, fail(CodeFailed, "state_reused")
	case err != nil:
		return store.Token{}, fmt.Errorf("sso: consume state: %w", err)
	}
	if !validBinding(binding) ||
		subtle.ConstantTimeCompare([]byte(ids.Hash(binding)), []byte(tok.Data["binding"])) != 1 {
		return store.Token{}, fail(CodeFailed, "state_other_browser")
	}
	return tok, nil
}

// upstreamSubject is the subject at provider behind the broker's user: the
// identities entry of that provider. A token for another provider, or none,
// is refused.
func upstreamSubject(c Claims, provider string) (string, bool) {
	for _, id := range c.Identities {
		if id.ProviderName == provider && id.UserID != "" && len(id.UserID) <= 512 {
			return id.UserID, true
		}
	}
	return "", false
}

// signIn resolves the identity to an account and issues its session.
func (s *Service) signIn(ctx context.Context, provider, subject string, c Claims, m Meta) (Completed, error) {
	identity := store.SSOIdentityKey(provider, subject)
	emailKey := ""
	if c.Email != "" && len(c.Email) <= accounts.MaxIdentifierBytes {
		emailKey = accounts.CanonicalEmail(c.Email)
	}
	claims := []store.ClaimKey{{Kind: store.ClaimSSOIdentity, Value: identity}}
	if emailKey != "" {
		claims = append(claims, store.ClaimKey{Kind: store.ClaimEmail, Value: emailKey})
	}
	snap, err := s.cfg.Store.Load(ctx, store.Query{Parameters: true, Claims: claims})
	if err != nil {
		return Completed{}, fmt.Errorf("sso: read identity: %w", err)
	}
	p := snap.Parameters
	now := s.cfg.Clock.Now()
	if id := snap.Claims[claims[0]]; id != "" {
		a, err := s.account(ctx, id)
		if err != nil || a == nil {
			return Completed{}, errors.Join(err, fail(CodeNoAccount, "bound_account_missing"))
		}
		if !a.SSO {
			return Completed{Account: *a}, fail(CodeNoAccount, "bound_account_not_sso")
		}
		return s.issue(ctx, *a, "", provider, p, m, now)
	}
	// First sign-in of this identity: bind by email, or provision.
	if emailKey == "" {
		return Completed{}, fail(CodeNoAccount, "no_email")
	}
	// Binding by email needs an email the provider vouches for (API.md
	// callback): the token's email_verified, or the provider marked
	// trustEmail by a super_admin — else a provider user who changed their
	// own address to an SSO account's would take that account over. And it
	// binds SSO accounts only: a local-password account is never bound,
	// whatever the email.
	vouched := c.EmailVerified || p.SSO.TrustsEmail(provider)
	if id := snap.Claims[store.ClaimKey{Kind: store.ClaimEmail, Value: emailKey}]; id != "" {
		a, err := s.account(ctx, id)
		switch {
		case err != nil:
			return Completed{}, err
		case a == nil:
			return Completed{}, fail(CodeNoAccount, "email_account_missing")
		case !vouched:
			return Completed{Account: *a}, fail(CodeNoAccount, "email_not_verified")
		case !a.SSO:
			// Never a silent takeover of a local-password account.
			return Completed{Account: *a}, fail(CodeNoAccount, "email_is_local_account")
		case a.SSOIdentity != "":
			return Completed{Account: *a}, fail(CodeNoAccount, "email_bound_to_other_identity")
		}
		return s.issue(ctx, *a, identity, provider, p, m, now)
	}
	if p.SSO.Strategy != "provision" {
		return Completed{}, fail(CodeNoAccount, "no_account")
	}
	return s.provision(ctx, provider, identity, emailKey, vouched, c, p, m, now)
}

func (s *Service) account(ctx context.Context, id string) (*store.Account, error) {
	snap, err := s.cfg.Store.Load(ctx, store.Query{AccountID: id})
	if err != nil {
		return nil, fmt.Errorf("sso: read account: %w", err)
	}
	return snap.Account, nil
}

// issue signs a in (binding identity to it when set), exactly as a password
// sign-in would apart from the password: the account state and validity,
// roles and views apply unchanged. SSO accounts have no Gatepass second
// factor (the identity provider owns authentication strength), so no MFA
// restriction applies.
func (s *Service) issue(ctx context.Context, a store.Account, bind, provider string, p params.Parameters, m Meta,
	now time.Time) (Completed, error) {
	var out Completed
	err := store.Optimistic(ctx, store.Attempts, func(try int) error {
		if try > 0 {
			// The account changed meanwhile (an admin edit, a parallel
			// sign-in), or the identity was bound by a parallel first
			// sign-in: decide again on fresh state.
			fresh, err := s.account(ctx, a.ID)
			if err != nil {
				return err
			}
			if fresh == nil || !fresh.SSO || (bind != "" && fresh.SSOIdentity != "") {
				return fail(CodeNoAccount, "account_changed")
			}
			a = *fresh
		}
		if !accounts.MayUseSession(&a, now) {
			out = Completed{Account: a}
			return fail(CodeInactive, "account_"+inactiveReason(a, now))
		}
		view, err := sessions.InitialView(ctx, s.cfg.Store, &a)
		if err != nil {
			return fmt.Errorf("sso: %w", err)
		}
		issued := s.cfg.Sessions.New(&a, sessions.Meta{IP: m.IP, UserAgent: m.UserAgent}, store.RestrictionNone, view, p)
		detail := map[string]string{"provider": provider}
		if bind != "" {
			detail["bound"] = "true"
		}
		event := audit.New(now, audit.SSOLoginSucceeded, a.ID, audit.Source{IP: m.IP, UserAgent: m.UserAgent}, detail)
		updated := a
		sessions.SignedIn(&updated, now, m.IP)
		if bind != "" {
			updated.SSOIdentity = bind
		}
		ops := []store.Op{issued.Op(),
			store.UpdateAccount{Account: updated, PreviousEmailKey: a.EmailKey}, audit.Op(event)}
		if bind != "" {
			ops = append(ops, store.BindSSOIdentity{AccountID: a.ID, Identity: bind})
		}
		if err := s.cfg.Store.Commit(ctx, ops...); errors.Is(err, store.ErrConflict) {
			return err
		} else if err != nil {
			return fmt.Errorf("sso: commit: %w", err)
		}
		updated.Version++
		audit.Log(ctx, s.cfg.Logger, event)
		out = Completed{Issued: issued, Account: updated}
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, store.ErrConflict):
		return Completed{}, fmt.Errorf("sso: commit: %w", err)
	default:
		return out, err
	}
}

func inactiveReason(a store.Account, now time.Time) string {
	if a.Status != store.StatusActive {
		return a.Status
	}
	if !accounts.IsValidAt(&a, now) {
		return "expired"
	}
	return "unusable"
}

// provision creates the SSO account of a first sign-in (strategy
// "provision"): the default roles plus those of the identity's mapped
// groups, and the mapped views.
func (s *Service) provision(ctx context.Context, provider, identity, emailKey string, vouched bool, c Claims,
	p params.Parameters, m Meta, now time.Time) (Completed, error) {
	// The username is the email's canonical form, and follows the rules of
	// every new username: one they refuse is no account, never stored.
	usernameKey, err := accounts.NewUsernameKey(emailKey)
	if err != nil {
		return Completed{}, fail(CodeNoAccount, "username_refused")
	}
	a := store.Account{
		ID: ids.New("u"), Username: emailKey, UsernameKey: usernameKey,
		DisplayName: displayName(c), Email: c.Email, EmailKey: emailKey, EmailVerified: vouched,
		Roles: slices.Clone(p.SSO.DefaultRoles), Locale: "en", Status: store.StatusActive, SSO: true,
		SSOIdentity: identity, CreatedAt: now, UpdatedAt: now, FacilityIDs: []string{},
	}
	ApplyGroupMappings(&a, p.SSO.GroupMappings, provider, c.Groups)
	if len(a.Roles) == 0 {
		return Completed{}, fail(CodeNoAccount, "no_roles")
	}
	view, err := sessions.InitialView(ctx, s.cfg.Store, &a)
	if err != nil {
		return Completed{}, fmt.Errorf("sso: %w", err)
	}
	issued := s.cfg.Sessions.New(&a, sessions.Meta{IP: m.IP, UserAgent: m.UserAgent}, store.RestrictionNone, view, p)
	src := audit.Source{IP: m.IP, UserAgent: m.UserAgent}
	created := audit.New(now, audit.UserCreated, a.ID, src, map[string]string{
		"username": a.Username, "roles": strings.Join(a.Roles, ","), "facilityIds": strings.Join(a.FacilityIDs, ","),
		"networkAccess": fmt.Sprint(a.NetworkAccess), "status": a.Status, "sso": "true", "provider": provider,
		"provisioned": "true",
	})
	signedIn := audit.New(now, audit.SSOLoginSucceeded, a.ID, src, map[string]string{"provider": provider,
		"provisioned": "true"})
	sessions.SignedIn(&a, now, m.IP)
	err = s.cfg.Store.Commit(ctx, store.CreateAccount{Account: a}, issued.Op(),
		audit.Op(created), audit.Op(signedIn))
	switch {
	case errors.Is(err, store.ErrConflict):
		// The username, email or identity was taken meanwhile (a parallel
		// first sign-in, or a username equal to this email).
		return Completed{}, fail(CodeNoAccount, "provision_conflict")
	case err != nil:
		return Completed{}, fmt.Errorf("sso: provision: %w", err)
	}
	a.Version = 1
	audit.Log(ctx, s.cfg.Logger, created)
	audit.Log(ctx, s.cfg.Logger, signedIn)
	return Completed{Issued: issued, Account: a}, nil
}

// displayName is the display name of a provisioned account: the identity's
// name as the PRECIS Nickname profile enforces it (accounts.EnforceName), or
// the email when the name is blank, longer than 200 characters or refused by
// the profile — a name never fails a sign-in, and a name the profile refuses
// is never stored. An email the profile refuses gives "": provisioning
// refuses such an email as the username anyway.
func displayName(c Claims) string {
	if len(c.Name) <= accounts.MaxIdentifierBytes {
		if name, err := accounts.EnforceName(c.Name); err == nil && name != "" && len([]rune(name)) <= 200 {
			return name
		}
	}
	email, err := accounts.EnforceName(c.Email)
	if err != nil {
		return ""
	}
	return email
}

// ApplyGroupMappings grants a the roles and views of every mapping that
// matches provider and one of groups.
func ApplyGroupMappings(a *store.Account, mappings []params.GroupMapping, provider string, groups []string) {
	for _, mp := range mappings {
		if mp.Provider != "" && mp.Provider != provider || !slices.Contains(groups, mp.Group) {
			continue
		}
		for _, r := range mp.Roles {
			if !slices.Contains(a.Roles, r) {
				a.Roles = append(a.Roles, r)
			}
		}
		for _, f := range mp.FacilityIDs {
			if !slices.Contains(a.FacilityIDs, f) {
				a.FacilityIDs = append(a.FacilityIDs, f)
			}
		}
		a.NetworkAccess = a.NetworkAccess || mp.NetworkAccess
	}
}

// refuse records a refused sign-in and returns the *Failure for the browser.
// Errors that are not refusals (a store outage) are passed through.
func (s *Service) refuse(ctx context.Context, err error, provider, userID string, src audit.Source) error {
	var f *Failure
	if !errors.As(err, &f) {
		return err
	}
	detail := map[string]string{"reason": f.Reason}
	if provider != "" {
		detail["provider"] = provider
	}
	event := audit.New(s.cfg.Clock.Now(), audit.SSOLoginFailed, userID, src, detail)
	if cerr := s.cfg.Store.Commit(ctx, audit.Op(event)); cerr != nil {
		s.cfg.Logger.LogAttrs(ctx, slog.LevelError, "sso: audit failed", slog.String("error", cerr.Error()))
	}
	audit.Log(ctx, s.cfg.Logger, event)
	return f
}

// sanitize keeps a broker-supplied error code fit for logs: short, printable.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// SafeReturnTo is returnTo when it is a same-origin path, else "/" (API.md:
// anything else is ignored). Refused: absolute URLs, scheme-relative
// "//host", backslashes (browsers read "/\host" as "//host"), control
// characters and anything that parses with a scheme or host.
func SafeReturnTo(returnTo string) string {
	const fallback = "/"
	if returnTo == "" || len(returnTo) > 512 || !strings.HasPrefix(returnTo, "/") ||
		strings.HasPrefix(returnTo, "//") || strings.ContainsAny(returnTo, "\\") {
		return fallback
	}
	for _, r := range returnTo {
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
			return fallback
		}
	}
	u, err := url.Parse(returnTo)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	return returnTo
}
