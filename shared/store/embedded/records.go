package embedded

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gatepass/gatepass/shared/store"
)

// The record types below are the persisted JSON form of each kind. They are
// private so that the store package's types carry no storage tags, and they
// decouple the file format from later changes of those types. Empty slices and
// maps are omitted, so they read back as nil.

type accountRecord struct {
	ID                     string          `json:"id"`
	Username               string          `json:"username"`
	UsernameKey            string          `json:"usernameKey"`
	DisplayName            string          `json:"displayName,omitempty"`
	Email                  string          `json:"email,omitempty"`
	EmailKey               string          `json:"emailKey,omitempty"`
	EmailVerified          bool            `json:"emailVerified,omitempty"`
	PasswordHash           string          `json:"passwordHash,omitempty"`
	PasswordChangeRequired bool            `json:"passwordChangeRequired,omitempty"`
	PasswordSetAt          time.Time       `json:"passwordSetAt,omitzero"`
	Roles                  []string        `json:"roles,omitempty"`
	NetworkAccess          bool            `json:"networkAccess,omitempty"`
	FacilityIDs            []string        `json:"facilityIds,omitempty"`
	Locale                 string          `json:"locale,omitempty"`
	Status                 string          `json:"status,omitempty"`
	SSO                    bool            `json:"sso,omitempty"`
	SSOIdentity            string          `json:"ssoIdentity,omitempty"`
	ValidUntil             time.Time       `json:"validUntil,omitzero"`
	LastLoginAt            time.Time       `json:"lastLoginAt,omitzero"`
	LastLoginIP            string          `json:"lastLoginIp,omitempty"`
	PreviousLoginAt        time.Time       `json:"previousLoginAt,omitzero"`
	PreviousLoginIP        string          `json:"previousLoginIp,omitempty"`
	CreatedAt              time.Time       `json:"createdAt,omitzero"`
	UpdatedAt              time.Time       `json:"updatedAt,omitzero"`
	SessionEpoch           int64           `json:"sessionEpoch,omitempty"`
	ResetTokenHash         string          `json:"resetTokenHash,omitempty"`
	InvitationTokenHash    string          `json:"invitationTokenHash,omitempty"`
	PasswordHistory        []string        `json:"passwordHistory,omitempty"`
	Credentials            []credentialRef `json:"credentials,omitempty"`
	Version                int64           `json:"version"`
}

func toAccountRecord(a store.Account, version int64) accountRecord {
	return accountRecord{
		ID: a.ID, Username: a.Username, UsernameKey: a.UsernameKey, DisplayName: a.DisplayName,
		Email: a.Email, EmailKey: a.EmailKey, EmailVerified: a.EmailVerified,
		PasswordHash: a.PasswordHash, PasswordChangeRequired: a.PasswordChangeRequired,
		PasswordSetAt: utc(a.PasswordSetAt),
		Roles:         nonEmpty(a.Roles), NetworkAccess: a.NetworkAccess, FacilityIDs: nonEmpty(a.FacilityIDs),
		Locale: a.Locale, Status: a.Status, SSO: a.SSO, SSOIdentity: a.SSOIdentity,
		ValidUntil: utc(a.ValidUntil), LastLoginAt: utc(a.LastLoginAt), LastLoginIP: a.LastLoginIP,
		PreviousLoginAt: utc(a.PreviousLoginAt), PreviousLoginIP: a.PreviousLoginIP,
		CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.UpdatedAt),
		SessionEpoch: a.SessionEpoch, ResetTokenHash: a.ResetTokenHash,
		InvitationTokenHash: a.InvitationTokenHash, PasswordHistory: nonEmpty(a.PasswordHistory),
		Credentials: toCredentialRefs(a.Credentials), Version: version,
	}
}

func (r accountRecord) account() store.Account {
	return store.Account{
		ID: r.ID, Username: r.Username, UsernameKey: r.UsernameKey, DisplayName: r.DisplayName,
		Email: r.Email, EmailKey: r.EmailKey, EmailVerified: r.EmailVerified,
		PasswordHash: r.PasswordHash, PasswordChangeRequired: r.PasswordChangeRequired,
		PasswordSetAt: r.PasswordSetAt,
		Roles:         r.Roles, NetworkAccess: r.NetworkAccess, FacilityIDs: r.FacilityIDs,
		Locale: r.Locale, Status: r.Status, SSO: r.SSO, SSOIdentity: r.SSOIdentity,
		ValidUntil: r.ValidUntil, LastLoginAt: r.LastLoginAt, LastLoginIP: r.LastLoginIP,
		PreviousLoginAt: r.PreviousLoginAt, PreviousLoginIP: r.PreviousLoginIP,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		SessionEpoch: r.SessionEpoch, ResetTokenHash: r.ResetTokenHash,
		InvitationTokenHash: r.InvitationTokenHash, PasswordHistory: r.PasswordHistory,
		Credentials: fromCredentialRefs(r.Credentials), Version: r.Version,
	}
}

// credentialRef is one entry of an account's credential index.
type credentialRef struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

func toCredentialRefs(refs []store.CredentialRef) []credentialRef {
	out := make([]credentialRef, 0, len(refs))
	for _, r := range refs {
		out = append(out, credentialRef{Kind: string(r.Kind), ID: r.ID})
	}
	return nonEmpty(out)
}

func fromCredentialRefs(refs []credentialRef) []store.CredentialRef {
	var out []store.CredentialRef
	for _, r := range refs {
		out = append(out, store.CredentialRef{Kind: store.CredentialKind(r.Kind), ID: r.ID})
	}
	return out
}

type credentialRecord struct {
	UserID     string            `json:"userId"`
	Kind       string            `json:"kind"`
	ID         string            `json:"id"`
	Name       string            `json:"name,omitempty"`
	Secret     []byte            `json:"secret,omitempty"`
	Counter    int64             `json:"counter,omitempty"`
	Hashes     []string          `json:"hashes,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
	CreatedAt  time.Time         `json:"createdAt,omitzero"`
	LastUsedAt time.Time         `json:"lastUsedAt,omitzero"`
	ExpiresAt  time.Time         `json:"expiresAt,omitzero"`
	Version    int64             `json:"version"`
}

func toCredentialRecord(c store.Credential, version int64) credentialRecord {
	return credentialRecord{
		UserID: c.UserID, Kind: string(c.Kind), ID: c.ID, Name: c.Name, Secret: nonEmpty(c.Secret),
		Counter: c.Counter, Hashes: nonEmpty(c.Hashes), Data: c.Data,
		CreatedAt: utc(c.CreatedAt), LastUsedAt: utc(c.LastUsedAt), ExpiresAt: utc(c.ExpiresAt), Version: version,
	}
}

func (r credentialRecord) credential() store.Credential {
	return store.Credential{
		UserID: r.UserID, Kind: store.CredentialKind(r.Kind), ID: r.ID, Name: r.Name, Secret: r.Secret,
		Counter: r.Counter, Hashes: r.Hashes, Data: r.Data,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt, Version: r.Version,
	}
}

type sessionRecord struct {
	UserID      string    `json:"userId"`
	Hash        string    `json:"hash"`
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	LastSeenAt  time.Time `json:"lastSeenAt,omitzero"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
	IP          string    `json:"ip,omitempty"`
	UserAgent   string    `json:"userAgent,omitempty"`
	Restriction string    `json:"restriction,omitempty"`
	ViewType    string    `json:"viewType,omitempty"`
	FacilityID  string    `json:"facilityId,omitempty"`
	Epoch       int64     `json:"epoch,omitempty"`
	// AuthenticatedAt: see store.Session.
	AuthenticatedAt time.Time `json:"authenticatedAt,omitzero"`
}

func toSessionRecord(s store.Session) sessionRecord {
	return sessionRecord{
		UserID: s.UserID, Hash: s.Hash, ID: s.ID,
		CreatedAt: utc(s.CreatedAt), LastSeenAt: utc(s.LastSeenAt), ExpiresAt: utc(s.ExpiresAt),
		IP: s.IP, UserAgent: s.UserAgent, Restriction: s.Restriction,
		ViewType: s.ViewType, FacilityID: s.FacilityID, Epoch: s.Epoch,
		AuthenticatedAt: utc(s.AuthenticatedAt),
	}
}

func (r sessionRecord) session() store.Session {
	return store.Session{
		UserID: r.UserID, Hash: r.Hash, ID: r.ID,
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt,
		IP: r.IP, UserAgent: r.UserAgent, Restriction: r.Restriction,
		ViewType: r.ViewType, FacilityID: r.FacilityID, Epoch: r.Epoch,
		AuthenticatedAt: r.AuthenticatedAt,
	}
}

type counterRecord struct {
	Key         string    `json:"key"`
	Failures    int       `json:"failures,omitempty"`
	WindowStart time.Time `json:"windowStart,omitzero"`
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	Locks       int       `json:"locks,omitempty"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
	Version     int64     `json:"version"`
}

func toCounterRecord(c store.Counter, version int64) counterRecord {
	return counterRecord{
		Key: c.Key, Failures: c.Failures, WindowStart: utc(c.WindowStart),
		LockedUntil: utc(c.LockedUntil), Locks: c.Locks, ExpiresAt: utc(c.ExpiresAt),
		Version: version,
	}
}

func (r counterRecord) counter() store.Counter {
	return store.Counter{
		Key: r.Key, Failures: r.Failures, WindowStart: r.WindowStart,
		LockedUntil: r.LockedUntil, Locks: r.Locks, ExpiresAt: r.ExpiresAt,
		Version: r.Version,
	}
}

type tokenRecord struct {
	Kind      string            `json:"kind"`
	Hash      string            `json:"hash"`
	UserID    string            `json:"userId,omitempty"`
	CreatedAt time.Time         `json:"createdAt,omitzero"`
	ExpiresAt time.Time         `json:"expiresAt,omitzero"`
	Attempts  int               `json:"attempts,omitempty"`
	Data      map[string]string `json:"data,omitempty"`
	Version   int64             `json:"version"`
}

func toTokenRecord(t store.Token, version int64) tokenRecord {
	return tokenRecord{
		Kind: string(t.Kind), Hash: t.Hash, UserID: t.UserID,
		CreatedAt: utc(t.CreatedAt), ExpiresAt: utc(t.ExpiresAt),
		Attempts: t.Attempts, Data: t.Data, Version: version,
	}
}

func (r tokenRecord) token() store.Token {
	return store.Token{
		Kind: store.TokenKind(r.Kind), Hash: r.Hash, UserID: r.UserID,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Attempts: r.Attempts, Data: r.Data, Version: r.Version,
	}
}

type auditRecord struct {
	ID        string            `json:"id"`
	At        time.Time         `json:"at,omitzero"`
	Type      string            `json:"type,omitempty"`
	UserID    string            `json:"userId,omitempty"`
	ActorID   string            `json:"actorId,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"userAgent,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

func toAuditRecord(e store.AuditEvent) auditRecord {
	return auditRecord{
		ID: e.ID, At: utc(e.At), Type: e.Type, UserID: e.UserID, ActorID: e.ActorID,
		IP: e.IP, UserAgent: e.UserAgent, Detail: e.Detail,
	}
}

func (r auditRecord) event() store.AuditEvent {
	return store.AuditEvent{
		ID: r.ID, At: r.At, Type: r.Type, UserID: r.UserID, ActorID: r.ActorID,
		IP: r.IP, UserAgent: r.UserAgent, Detail: r.Detail,
	}
}

// parametersRecord keeps the parameters document in the params package's own
// JSON form, so that params.Decode fills members added after it was written
// with their defaults.
type parametersRecord struct {
	Version    int64           `json:"version"`
	Parameters json.RawMessage `json:"parameters"`
}

type facilityRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Status    string    `json:"status,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	Version   int64     `json:"version"`
}

func toFacilityRecord(f store.Facility, version int64) facilityRecord {
	return facilityRecord{
		ID: f.ID, Name: f.Name, Status: f.Status,
		CreatedAt: utc(f.CreatedAt), UpdatedAt: utc(f.UpdatedAt), Version: version,
	}
}

func (r facilityRecord) facility() store.Facility {
	return store.Facility{
		ID: r.ID, Name: r.Name, Status: r.Status,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version,
	}
}

type markerRecord struct {
	ClaimedAt time.Time `json:"claimedAt"`
}

// Keys.

func claimKey(kind store.ClaimKind, value string) []byte {
	return []byte(string(kind) + "\x00" + value)
}

// sessionKey is userID + "\x00" + hash: a user's sessions are one contiguous
// range, found with a prefix scan. User ids never contain NUL (checked on
// write), so "u1" does not match the sessions of "u10".
func sessionKey(k store.SessionKey) []byte {
	return []byte(k.UserID + "\x00" + k.Hash)
}

func sessionPrefix(userID string) []byte {
	return []byte(userID + "\x00")
}

// tokenKey is kind + "\x00" + hash. Kinds never contain NUL (checked on
// write), so the key names one token.
func tokenKey(k store.TokenKey) []byte {
	return []byte(string(k.Kind) + "\x00" + k.Hash)
}

// credentialKey is userID + "\x00" + kind + "\x00" + id: a user's
// credentials are one contiguous range (credentialPrefix), its credentials
// of one kind a range within it. None of the parts contains NUL (checked on
// write).
func credentialKey(k store.CredentialKey) []byte {
	return []byte(k.UserID + "\x00" + string(k.Kind) + "\x00" + k.ID)
}

func credentialPrefix(userID string, kind store.CredentialKind) []byte {
	if kind == "" {
		return []byte(userID + "\x00")
	}
	return []byte(userID + "\x00" + string(kind) + "\x00")
}

func validCredentialKey(k store.CredentialKey) bool {
	return validID(k.UserID) && validID(string(k.Kind)) && validID(k.ID)
}

// Helpers.

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return b, nil
}

func decode(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

// utc drops the location and monotonic reading so that stored times are
// stable; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func nonEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func validID(s string) bool {
	return s != "" && !strings.ContainsRune(s, 0)
}
