// Package store defines Gatepass's persistence port: the records it keeps and
// the operations an adapter must provide. Capabilities declare the narrower
// interfaces they consume; adapters (store/embedded on bbolt, store/dynamo on
// DynamoDB) implement all of Store and pass the conformance suite in
// store/storetest.
//
// The port is shaped by round trips, because every round trip is paid for in
// a Lambda: Load reads any combination of single items in one consistent
// round trip, and Commit applies any set of conditional writes atomically in
// one round trip. A flow's round trips are therefore its Load and Commit calls,
// which is what the instrumented store counts.
//
// Expiry: a record whose ExpiresAt is set and not after the store clock's now
// does not exist, for reads and for conditions alike. Time-to-live attributes
// in DynamoDB are clean-up only.
//
// Times round-trip with at least millisecond precision. Ops are passed by
// value.
package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/gatepass/gatepass/shared/params"
)

// Errors returned by adapters. Callers compare them with errors.Is.
var (
	// ErrNotFound means the addressed record does not exist (or has expired).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a write condition failed: a record or claim already
	// exists, or a version or existence condition no longer holds. A Commit
	// that returns ErrConflict has applied none of its operations.
	ErrConflict = errors.New("store: conflict")
	// ErrInvalidOp means a Commit was malformed: a nil or unknown operation,
	// a missing key, or two operations on the same item. It is a programming
	// error, deliberately not ErrConflict, so that retry loops never spin on
	// it.
	ErrInvalidOp = errors.New("store: invalid operation")
	// ErrInvalidCursor means a cursor was not produced by the listing it is
	// given to. The HTTP layer answers it with 400.
	ErrInvalidCursor = errors.New("store: invalid cursor")
)

// Store is the whole port. Adapters implement it; capabilities consume small
// subsets of it.
type Store interface {
	// Load reads the items q names in one round trip, each one strongly
	// consistent unless q.Eventual. Absent items are reported as absent,
	// never as an error.
	Load(ctx context.Context, q Query) (Snapshot, error)
	// Append writes new records that no condition guards — PutSession and
	// AppendAudit, whose keys are random or time-ordered and unique — each
	// on its own, without a transaction: on DynamoDB one BatchWriteItem, so
	// that each costs one write unit instead of a transaction's two. It is
	// not atomic: after an error some may be written (a caller that must
	// not leave a session behind deletes it). Any other op is ErrInvalidOp.
	Append(ctx context.Context, ops ...Op) error
	// Commit applies ops atomically in one round trip: all of them or, when
	// any condition fails, none and ErrConflict. Conditions are checked
	// against the state before the Commit. One Commit addresses each item at
	// most once (DynamoDB transactions require it); otherwise, and for nil or
	// unknown ops, it returns ErrInvalidOp and writes nothing.
	Commit(ctx context.Context, ops ...Op) error
	// ListSessions returns the live sessions of a user, oldest first.
	ListSessions(ctx context.Context, userID string) ([]Session, error)
	// ListCredentials returns the live credentials of a user of kind (""
	// for every kind), oldest first.
	ListCredentials(ctx context.Context, userID string, kind CredentialKind) ([]Credential, error)
	// ListAudit returns audit events newest first (event ID descending),
	// filtered and paged. Every page but the last holds Limit events and
	// NextCursor is set exactly when more matching events follow — except
	// that an adapter may end a page early, with a cursor, to bound the work
	// a sparse filter over a long trail costs. A foreign cursor gives
	// ErrInvalidCursor.
	ListAudit(ctx context.Context, q AuditQuery) (AuditPage, error)
	// ListFacilities returns every facility ordered by name, then id.
	ListFacilities(ctx context.Context) ([]Facility, error)
	// ListHelpRequests returns every open help request, newest first
	// (CreatedAt descending, then UserID ascending). Like ListAccounts it is
	// for administration; both adapters read it consistently.
	ListHelpRequests(ctx context.Context) ([]HelpRequest, error)
	// ListAccounts returns accounts ordered by UsernameKey (byte order),
	// filtered by q.Matches and paged like ListAudit: every page but the last holds
	// PageSize accounts and NextCursor is set exactly when more matching
	// accounts may follow — an adapter may end a page early, with a cursor,
	// to bound the work a sparse filter costs. A foreign cursor gives
	// ErrInvalidCursor. Listing is for administration: it need not be
	// strongly consistent.
	ListAccounts(ctx context.Context, q AccountQuery) (AccountPage, error)
	// Close releases the adapter's resources.
	Close() error
}

// ClaimKind names a uniqueness namespace.
type ClaimKind string

// Claim kinds. A claim maps a canonical value to the id of the account that
// holds it; it is written and removed in the same transaction as the account.
const (
	ClaimUsername ClaimKind = "username"
	ClaimEmail    ClaimKind = "email"
	// ClaimSSOIdentity maps an SSO identity (see SSOIdentityKey) to the
	// account it signs in to. It is written by CreateAccount for an account
	// created with an identity, by BindSSOIdentity for an existing one, and
	// released by DeleteAccount.
	ClaimSSOIdentity ClaimKind = "sso"
)

// CredentialClaim is the claim kind that keeps the ids of the credentials of
// kind unique across accounts (PutCredential.Unique): its value is the
// credential's id, its holder the account.
func CredentialClaim(kind CredentialKind) ClaimKind { return ClaimKind("cred:" + string(kind)) }

// SSOIdentityKey is the canonical claim value of the identity subject at
// the identity provider providerID. Provider ids hold no space (Cognito's
// ProviderName rules), so the key is unambiguous.
func SSOIdentityKey(providerID, subject string) string { return providerID + " " + subject }

// ClaimKey addresses one claim.
type ClaimKey struct {
	Kind  ClaimKind
	Value string // canonical form (see accounts.CanonicalUsername / CanonicalEmail)
}

// SessionKey addresses one session. Sessions live beside their user so that a
// session and its account are read in one round trip and a user's sessions can
// be listed and revoked consistently.
type SessionKey struct {
	UserID string
	Hash   string // hex SHA-256 of the session token
}

// Query names the items one Load fetches. Zero fields fetch nothing.
type Query struct {
	Parameters bool
	AccountID  string
	Claims     []ClaimKey
	Counters   []string
	Session    *SessionKey
	Facility   string
	Tokens     []TokenKey
	// Credentials names credential items to read; absent or expired ones
	// are missing from Snapshot.Credentials.
	Credentials []CredentialKey
	// Accounts names further accounts to read, by id, beside AccountID:
	// a listing that shows several accounts reads them in one round trip.
	// Absent ones are missing from Snapshot.Accounts.
	Accounts []string
	// HelpRequests names the accounts (by id) whose open help request to
	// read; those without one are missing from Snapshot.HelpRequests.
	HelpRequests []string
	// Eventual allows an eventually consistent read, at half the cost on
	// DynamoDB: for a read whose staleness of a second does no harm — the
	// parameters, who holds a username, a client address's counter before a
	// sign-in (its write is still conditional on what was read).
	Eventual bool
}

// Snapshot is what Load found.
type Snapshot struct {
	// Parameters are the stored parameters, or the defaults when none are
	// stored; only set when the query asked for them.
	Parameters params.Parameters
	// ParametersVersion is the stored parameters' version, 0 when none.
	ParametersVersion int64
	// Account is the account asked for, nil when absent.
	Account *Account
	// Claims maps each present claim to the account id holding it.
	Claims map[ClaimKey]string
	// Counters holds every counter asked for; an absent one is returned as
	// a zero Counter with its Key set and Version 0.
	Counters map[string]Counter
	// Session is the session asked for, nil when absent or expired.
	Session *Session
	// Facility is the facility asked for, nil when absent.
	Facility *Facility
	// Tokens holds every live token asked for; absent, expired or consumed
	// ones are missing from the map.
	Tokens map[TokenKey]Token
	// Credentials holds every live credential asked for.
	Credentials map[CredentialKey]Credential
	// Accounts holds every account of Query.Accounts that exists, by id.
	Accounts map[string]Account
	// HelpRequests holds the open help request of every account of
	// Query.HelpRequests that has one, by user id.
	HelpRequests map[string]HelpRequest
}

// Account statuses.
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
	StatusInvited  = "invited"
)

// Account is a person who may sign in to the Backoffice.
type Account struct {
	ID            string
	Username      string // as chosen at creation; immutable
	UsernameKey   string // canonical form, held by a username claim
	DisplayName   string
	Email         string // "" when the account has none
	EmailKey      string // canonical form, held by an email claim when Email is set
	EmailVerified bool
	// PasswordHash is a PHC string; "" when the account has no password
	// (invited, or SSO-managed).
	PasswordHash string
	// PasswordChangeRequired marks a temporary password: it only ever leads
	// to the forced change, and it expires temporaryPasswordTtlSeconds after
	// PasswordSetAt (SECURITY.md "Accounts and passwords").
	PasswordChangeRequired bool
	// PasswordSetAt is when the current password was set, by any path; zero
	// when the account has none (or had it before this was recorded).
	PasswordSetAt time.Time
	Roles         []string
	NetworkAccess bool
	FacilityIDs   []string
	Locale        string
	Status        string
	SSO           bool
	// SSOIdentity is the SSOIdentityKey of the identity bound to this
	// account, held by a ClaimSSOIdentity claim; "" when none is bound.
	SSOIdentity string
	ValidUntil  time.Time // zero: no expiry
	LastLoginAt time.Time // zero: never
	LastLoginIP string
	// PreviousLoginAt and PreviousLoginIP are the sign-in before the last
	// one, which a user is shown ("last login") to notice a stranger's.
	PreviousLoginAt time.Time
	PreviousLoginIP string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// SessionEpoch revokes sessions wholesale: a session counts only while
	// its Epoch equals its account's SessionEpoch, so raising the epoch in
	// the same commit as a password change revokes every session, also one
	// created concurrently, in one write.
	SessionEpoch int64
	// ResetTokenHash and InvitationTokenHash name the account's one live
	// reset and invitation token: a new token supersedes older ones, and a
	// token whose hash is not named here is not valid.
	ResetTokenHash      string
	InvitationTokenHash string
	// PasswordHistory holds the PHC hashes of previous passwords, newest
	// first, as many as the policy's historyCount.
	PasswordHistory []string
	// Credentials index the account's lasting second factors — TOTP,
	// passkeys, the recovery-code set — which live in credential items of
	// their own (Credential): which factors the account has is known from
	// the account alone, so that a session check stays one read. Remembered
	// devices and pending enrolments are not indexed. Whoever puts or
	// deletes an indexed credential updates the index in the same Commit.
	Credentials []CredentialRef
	// Version is the version the caller read (0 for a new account, which is
	// stored as version 1). Commit stores Version+1.
	Version int64
}

// Session restrictions (API.md): a restricted session may only reach the
// endpoints that lift the restriction.
const (
	RestrictionNone           = ""
	RestrictionPasswordChange = "password_change"
	RestrictionMFAEnrolment   = "mfa_enrolment"
)

// Session is a signed-in browser. Only the SHA-256 of its token is stored.
type Session struct {
	UserID      string
	Hash        string // hex SHA-256 of the token; never the token
	ID          string // public id, shown in session lists
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time // absolute timeout
	IP          string
	UserAgent   string
	Restriction string
	ViewType    string // "", "network" or "facility"
	FacilityID  string
	// Epoch is the account's SessionEpoch when the session was issued.
	Epoch int64
	// AuthenticatedAt is when the person behind the session last proved who
	// they are: the sign-in's last step, or a re-authentication. Sensitive
	// actions need it to be recent (API.md POST /api/auth/reauth).
	AuthenticatedAt time.Time
}

// CredentialKind names a kind of credential. A new second factor is a new
// kind: adapters treat every kind alike.
type CredentialKind string

// Credential kinds.
const (
	// CredentialTOTP is the account's TOTP factor (ID "totp"): Secret is
	// the sealed secret, Counter the last used 30-second step.
	CredentialTOTP CredentialKind = "totp"
	// CredentialTOTPPending is an enrolment waiting for its first code (ID
	// "totp"): Secret is the sealed secret; it expires.
	CredentialTOTPPending CredentialKind = "totp-pending"
	// CredentialRecoveryCodes is the account's set of recovery codes (ID
	// "set"): Hashes are the unused codes' SHA-256.
	CredentialRecoveryCodes CredentialKind = "recovery"
	// CredentialPasskey is a WebAuthn credential (ID: its credential id,
	// base64url): Secret is the public key (COSE), Counter the signature
	// counter, Name the person's label.
	CredentialPasskey CredentialKind = "passkey"
	// CredentialDevice is a remembered device (ID: the SHA-256 of its
	// token): Name the user agent; it expires.
	CredentialDevice CredentialKind = "device"
)

// CredentialKey addresses one credential.
type CredentialKey struct {
	UserID string
	Kind   CredentialKind
	ID     string
}

// CredentialRef names one credential of an account (Account.Credentials).
type CredentialRef struct {
	Kind CredentialKind
	ID   string
}

// Credential is one means of authentication an account holds beside its
// password: a second factor, the recovery codes, a remembered device. What
// each field means is the kind's (see the kinds); adapters store them all
// alike. Secrets are stored sealed or hashed, never in clear.
type Credential struct {
	UserID string
	Kind   CredentialKind
	ID     string
	// Name is for people: a passkey's label, a device's user agent.
	Name string
	// Secret is kind-specific bytes: a sealed TOTP secret, a public key.
	Secret []byte
	// Counter only grows under the version condition: a TOTP step, a
	// WebAuthn signature counter.
	Counter int64
	// Hashes are kind-specific hashes: the unused recovery codes.
	Hashes []string
	// Data holds kind-specific, non-secret values.
	Data       map[string]string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never
	// ExpiresAt ends the credential; zero never expires.
	ExpiresAt time.Time
	// Version is the version the caller read (0 for a new one, stored as 1).
	Version int64
}

// Key returns the credential's key.
func (c Credential) Key() CredentialKey {
	return CredentialKey{UserID: c.UserID, Kind: c.Kind, ID: c.ID}
}

// Ref returns the credential's reference for Account.Credentials.
func (c Credential) Ref() CredentialRef { return CredentialRef{Kind: c.Kind, ID: c.ID} }

// HasCredential reports whether the account indexes a credential of kind.
func (a Account) HasCredential(kind CredentialKind) bool {
	return slices.ContainsFunc(a.Credentials, func(r CredentialRef) bool { return r.Kind == kind })
}

// CredentialIDs lists the ids of the account's indexed credentials of kind.
func (a Account) CredentialIDs(kind CredentialKind) []string {
	var out []string
	for _, r := range a.Credentials {
		if r.Kind == kind {
			out = append(out, r.ID)
		}
	}
	return out
}

// WithCredential returns the index with r added (once).
func (a Account) WithCredential(r CredentialRef) []CredentialRef {
	out := slices.DeleteFunc(slices.Clone(a.Credentials), func(x CredentialRef) bool { return x == r })
	return append(out, r)
}

// WithoutCredentials returns the index without the refs drop selects.
func (a Account) WithoutCredentials(drop func(CredentialRef) bool) []CredentialRef {
	return slices.DeleteFunc(slices.Clone(a.Credentials), drop)
}

// HelpRequest asks the administrators of an account for a new password: a
// reset request for an active local account without an email opens one
// (API.md POST /api/auth/password/reset), and it stays open until someone
// who may act on the account sets a password for it or dismisses it. An
// account has at most one open: UserID is its key.
type HelpRequest struct {
	UserID string
	// ID is the request's public id (ids.New("h")), by which it is listed
	// and dismissed.
	ID        string
	CreatedAt time.Time
	// IP and UserAgent are the requester's: an administrator judges by them
	// whether the request is the person's own.
	IP        string
	UserAgent string
}

// CompareHelpRequests orders help requests as ListHelpRequests returns
// them: newest first, then by user id. Adapters sort with it, so that every
// adapter orders alike.
func CompareHelpRequests(a, b HelpRequest) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(a.UserID, b.UserID))
}

// TokenKind names a kind of single-use token. Only the constants below are
// kinds; adapters may reject others (ErrInvalidOp).
type TokenKind string

// Token kinds.
const (
	TokenReset        TokenKind = "reset"
	TokenInvitation   TokenKind = "invitation"
	TokenMFAChallenge TokenKind = "mfa_challenge"
	TokenSSOState     TokenKind = "sso_state"
	// TokenPasskeyChallenge is a WebAuthn assertion challenge: of a
	// passwordless sign-in (no user) or of a re-authentication.
	TokenPasskeyChallenge TokenKind = "passkey_challenge"
	// TokenPasskeyRegistration is a WebAuthn registration ceremony.
	TokenPasskeyRegistration TokenKind = "passkey_registration"
)

// TokenKey addresses one token.
type TokenKey struct {
	Kind TokenKind
	Hash string // hex SHA-256 of the token; never the token
}

// Token is a single-use secret's record: a reset or invitation link, an MFA
// challenge, an SSO state. Only the SHA-256 of the secret is stored.
type Token struct {
	Kind      TokenKind
	Hash      string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time // required: tokens always expire
	// Attempts counts failed uses of a token that allows several tries
	// (MFA challenges).
	Attempts int
	// Data holds kind-specific, non-secret values.
	Data map[string]string
	// Version is the version the caller read (0 for a new token, which is
	// stored as version 1). Commit stores Version+1.
	Version int64
}

// Counter counts failed attempts for one key (an account, an unknown login
// name, a client IP). The lockout policy that interprets it lives in the
// lockout package; the store only keeps it and swaps it atomically.
type Counter struct {
	Key         string
	Failures    int
	WindowStart time.Time
	LockedUntil time.Time
	Locks       int // locks served in a row, for growing lock durations
	// ExpiresAt is when the counter stops mattering: after it the counter
	// reads as absent (Version 0) and can be created again with Version 0.
	// Zero never expires.
	ExpiresAt time.Time
	// Version is the version the caller read (0: absent). Commit stores
	// Version+1.
	Version int64
}

// AuditEvent is one entry of the audit trail. It never holds a secret.
type AuditEvent struct {
	ID        string // time-ordered: newer events sort after older ones
	At        time.Time
	Type      string
	UserID    string
	ActorID   string
	IP        string
	UserAgent string
	Detail    map[string]string
}

// AuditQuery filters and pages ListAudit.
type AuditQuery struct {
	UserID string
	Type   string
	Cursor string // opaque, from a previous page; "" for the first page
	Limit  int    // 1..200; 0 means 50
}

// Audit page sizes.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 200
)

// PageSize is the number of events a page of q holds at most: Limit, with 0
// (or less) meaning DefaultAuditLimit and anything over MaxAuditLimit capped.
func (q AuditQuery) PageSize() int { return pageSize(q.Limit, DefaultAuditLimit, MaxAuditLimit) }

func pageSize(limit, def, most int) int {
	switch {
	case limit <= 0:
		return def
	case limit > most:
		return most
	default:
		return limit
	}
}

// AuditPage is one page of audit events.
type AuditPage struct {
	Items      []AuditEvent
	NextCursor string // "" on the last page
}

// AccountQuery filters and pages ListAccounts. Zero fields filter nothing.
type AccountQuery struct {
	// Search is a substring, already in canonical form (see
	// accounts.CanonicalUsername), of the username, the email or the
	// case-folded display name.
	Search string
	// Status is one of the Status constants.
	Status string
	// FacilityID keeps accounts that have this facility in FacilityIDs.
	FacilityID string
	// AnyFacility, when non-nil, keeps accounts that have at least one of
	// these facilities in FacilityIDs (a supervisor's scope). An empty
	// non-nil list keeps nothing.
	AnyFacility []string
	Cursor      string // opaque, from a previous page; "" for the first page
	Limit       int    // 1..200; 0 means 50
}

// Account page sizes.
const (
	DefaultAccountLimit = 50
	MaxAccountLimit     = 200
)

// PageSize is the number of accounts a page of q holds at most.
func (q AccountQuery) PageSize() int {
	return pageSize(q.Limit, DefaultAccountLimit, MaxAccountLimit)
}

// Matches reports whether a passes every filter of q (cursor and limit
// aside). Adapters filter with it, so that every adapter filters alike.
func (q AccountQuery) Matches(a Account) bool {
	if q.Status != "" && a.Status != q.Status {
		return false
	}
	if q.FacilityID != "" && !slices.Contains(a.FacilityIDs, q.FacilityID) {
		return false
	}
	if q.AnyFacility != nil && !slices.ContainsFunc(a.FacilityIDs, func(id string) bool {
		return slices.Contains(q.AnyFacility, id)
	}) {
		return false
	}
	if q.Search != "" && !strings.Contains(a.UsernameKey, q.Search) && !strings.Contains(a.EmailKey, q.Search) &&
		!strings.Contains(norm.NFKC.String(cases.Fold().String(norm.NFKC.String(a.DisplayName))), q.Search) {
		return false
	}
	return true
}

// accountCursorTag starts every decoded ListAccounts cursor, so that a
// cursor of another listing (ListAudit's) is never taken for a position.
const accountCursorTag = "acct\x00"

// AccountCursor is the ListAccounts cursor that resumes after the account
// whose UsernameKey is usernameKey. Adapters use it, so that every adapter
// reads every other's cursors alike.
func AccountCursor(usernameKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(accountCursorTag + usernameKey))
}

// ParseAccountCursor returns the UsernameKey a cursor resumes after, "" for
// the first page, or ErrInvalidCursor for anything AccountCursor did not
// produce: the tag, a non-empty, valid UTF-8 key of at most maxKeyBytes.
func ParseAccountCursor(cursor string, maxKeyBytes int) (string, error) {
	if cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", ErrInvalidCursor
	}
	key, ok := strings.CutPrefix(string(b), accountCursorTag)
	if !ok || key == "" || len(key) > maxKeyBytes || !utf8.ValidString(key) {
		return "", ErrInvalidCursor
	}
	return key, nil
}

// AccountPage is one page of accounts.
type AccountPage struct {
	Items      []Account
	NextCursor string // "" on the last page
}

// Facility is a store or warehouse of the network.
type Facility struct {
	ID        string
	Name      string
	Status    string // "active" or "inactive"
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64 // as read; 0 for a new facility
}

// Op is one write of a Commit. The set is closed: only the types below
// implement it.
type Op interface{ isOp() }

// CreateAccount writes a new account together with its username claim, its
// email claim when EmailKey is set and its SSO identity claim when
// SSOIdentity is set. ErrConflict when the id exists or any claim is held.
type CreateAccount struct{ Account Account }

// UpdateAccount replaces an account whose stored version is Account.Version.
// When EmailKey differs from PreviousEmailKey the email claim moves with it
// (ErrConflict when the new one is held). UsernameKey never changes: a
// UsernameKey or PreviousEmailKey that differs from the stored one is
// ErrConflict, so an adapter never releases or orphans another's claim.
type UpdateAccount struct {
	Account          Account
	PreviousEmailKey string
}

// DeleteAccount removes an account whose stored version is Version together
// with its claims. Keys that differ from the stored ones are ErrConflict. Its
// sessions are revoked with DeleteSession operations.
type DeleteAccount struct {
	ID          string
	Version     int64
	UsernameKey string // canonical, to release the claim
	EmailKey    string // canonical, to release the claim; "" when none
	SSOIdentity string // the account's SSOIdentity, to release its claim; "" when none
}

// BindSSOIdentity claims the SSO identity Identity (an SSOIdentityKey) for
// the existing account AccountID: ErrConflict when the identity is already
// claimed. It goes in the same Commit as the UpdateAccount that sets the
// account's SSOIdentity, so the two never disagree.
type BindSSOIdentity struct {
	AccountID string
	Identity  string
}

// PutSession creates a session. ErrConflict when one with the same key exists.
type PutSession struct{ Session Session }

// TouchSession records activity on a session that still exists: it never
// resurrects a revoked one (ErrConflict then).
type TouchSession struct {
	Key        SessionKey
	LastSeenAt time.Time
}

// DeleteSession revokes a session. Deleting an absent session succeeds.
type DeleteSession struct{ Key SessionKey }

// ReplaceSession gives a session that continues a new token: it deletes the
// live session Old and creates Session in its place, or — when Old is absent,
// expired or already replaced — writes nothing and is ErrConflict. Of N
// concurrent replacements of one session exactly one wins, so a session
// never forks into two live ones (SECURITY.md "Sessions and
// authorization"). Session.UserID must be Old.UserID.
type ReplaceSession struct {
	Old     SessionKey
	Session Session
}

// PutCounter swaps a counter whose stored version is Counter.Version (0: the
// counter must be absent or expired) for the given one.
type PutCounter struct{ Counter Counter }

// DeleteCounter clears a counter unconditionally.
type DeleteCounter struct{ Key string }

// AppendAudit adds an event to the audit trail. Its ID must be new.
type AppendAudit struct{ Event AuditEvent }

// PutParameters replaces the parameters whose stored version is Version
// (0: none stored yet).
type PutParameters struct {
	Parameters params.Parameters
	Version    int64
}

// PutFacility creates (Version 0: the facility must be absent) or replaces
// (stored version = Version) a facility.
type PutFacility struct{ Facility Facility }

// DeleteFacility removes a facility whose stored version is Version; an
// absent one is ErrConflict.
type DeleteFacility struct {
	ID      string
	Version int64
}

// PutToken creates a token. ErrConflict when a live one has the same key; a
// zero ExpiresAt is ErrInvalidOp (tokens always expire).
type PutToken struct{ Token Token }

// UpdateToken swaps a live token whose stored version is Token.Version (to
// count a failed attempt, for instance). ErrConflict when it is absent,
// expired, consumed or changed.
type UpdateToken struct{ Token Token }

// ConsumeToken deletes a live token, which is how a single-use token is
// used: of N concurrent consumers exactly one succeeds and the others get
// ErrConflict, as do consumers of an absent or expired token. A non-zero
// Version must also match the stored one.
type ConsumeToken struct {
	Key     TokenKey
	Version int64
}

// DeleteToken removes a token unconditionally; deleting an absent one
// succeeds.
type DeleteToken struct{ Key TokenKey }

// PutCredential creates a credential: ErrConflict when a live one has its
// key, or — with Unique — when another holds its id's claim
// (CredentialClaim(kind), value the id), which it writes in the same commit.
type PutCredential struct {
	Credential Credential
	Unique     bool
}

// UpdateCredential swaps a live credential whose stored version is
// Credential.Version: of N concurrent updates from one version exactly one
// wins (single use of a TOTP step or a recovery code). ErrConflict when it
// is absent, expired or changed.
type UpdateCredential struct{ Credential Credential }

// DeleteCredential removes a credential. With a Version it must be live at
// that version (ErrConflict otherwise); without, deleting an absent one
// succeeds. Unique releases its id's claim, as PutCredential wrote it.
type DeleteCredential struct {
	Key     CredentialKey
	Version int64
	Unique  bool
}

// PutHelpRequest opens a help request: ErrConflict when its account already
// has one open, so that of N concurrent openings exactly one wins. UserID
// and ID are required (ErrInvalidOp).
type PutHelpRequest struct{ Request HelpRequest }

// DeleteHelpRequest closes the open help request of UserID. Without an ID,
// deleting an absent one succeeds. With one, the open request must be that
// one (ErrConflict when it is absent or another): a dismissal and a
// resolution racing for one request then happen, and are audited, once.
type DeleteHelpRequest struct {
	UserID string
	ID     string
}

// ClaimMarker creates a named one-time marker; ErrConflict when it exists.
// Used for things that must happen once per tenant, such as bootstrapping the
// first administrator.
type ClaimMarker struct{ Name string }

func (CreateAccount) isOp()     {}
func (UpdateAccount) isOp()     {}
func (DeleteAccount) isOp()     {}
func (PutSession) isOp()        {}
func (TouchSession) isOp()      {}
func (DeleteSession) isOp()     {}
func (ReplaceSession) isOp()    {}
func (PutCounter) isOp()        {}
func (DeleteCounter) isOp()     {}
func (AppendAudit) isOp()       {}
func (PutParameters) isOp()     {}
func (PutFacility) isOp()       {}
func (DeleteFacility) isOp()    {}
func (ClaimMarker) isOp()       {}
func (BindSSOIdentity) isOp()   {}
func (PutToken) isOp()          {}
func (UpdateToken) isOp()       {}
func (ConsumeToken) isOp()      {}
func (DeleteToken) isOp()       {}
func (PutCredential) isOp()     {}
func (UpdateCredential) isOp()  {}
func (DeleteCredential) isOp()  {}
func (PutHelpRequest) isOp()    {}
func (DeleteHelpRequest) isOp() {}

// MaxOps is the most operations one Commit may carry (DynamoDB transactions
// take 100 items; claims make some operations write up to three).
const MaxOps = 25

// ErrTooManyOps is returned by Commit when given more than MaxOps operations.
var ErrTooManyOps = errors.New("store: too many operations in one commit")
