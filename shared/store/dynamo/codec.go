package dynamo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/store"
)

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

// Key prefixes and fixed sort keys of the single-table layout (see the package
// documentation).
const (
	prefixUser    = "USER#"
	prefixSession = "SESSION#"
	prefixClaim   = "CLAIM#"
	prefixCounter = "COUNTER#"
	prefixMarker  = "MARKER#"
	prefixToken   = "TOKEN#"

	skAccount    = "ACCOUNT"
	skCounter    = "COUNTER"
	skMarker     = "MARKER"
	skToken      = "TOKEN"
	pkTenant     = "TENANT"
	skParameters = "PARAMETERS"
	pkFacility   = "FACILITY"
	pkAudit      = "AUDIT"
)

// Attribute names other than the key and TTL attributes.
const (
	attrVersion = "v"   // N, the record's version
	attrExp     = "exp" // N, expiry in Unix nanoseconds: conditions and read checks

	attrAccountID = "accountId" // claims

	attrUsername       = "username"
	attrUsernameKey    = "usernameKey"
	attrDisplayName    = "displayName"
	attrEmail          = "email"
	attrEmailKey       = "emailKey"
	attrEmailVerified  = "emailVerified"
	attrPasswordHash   = "passwordHash"
	attrPasswordChange = "passwordChangeRequired"
	attrPasswordSetAt  = "passwordSetAt"
	attrRoles          = "roles"
	attrNetworkAccess  = "networkAccess"
	attrFacilityIDs    = "facilityIds"
	attrLocale         = "locale"
	attrStatus         = "status"
	attrSSO            = "sso"
	attrSSOIdentity    = "ssoIdentity"
	attrValidUntil     = "validUntil"
	attrLastLoginAt    = "lastLoginAt"
	attrLastLoginIP    = "lastLoginIp"
	attrPrevLoginAt    = "previousLoginAt"
	attrPrevLoginIP    = "previousLoginIp"
	attrCreatedAt      = "createdAt"
	attrUpdatedAt      = "updatedAt"

	attrSessionEpoch    = "sessionEpoch"
	attrResetTokenHash  = "resetTokenHash"
	attrInvitationHash  = "invitationTokenHash"
	attrPasswordHistory = "passwordHistory"

	attrID          = "id"
	attrLastSeenAt  = "lastSeenAt"
	attrExpiresAt   = "expiresAt"
	attrIP          = "ip"
	attrUserAgent   = "userAgent"
	attrRestriction = "restriction"
	attrViewType    = "viewType"
	attrFacilityID  = "facilityId"
	attrEpoch       = "epoch"
	attrAuthAt      = "authenticatedAt"

	attrFailures    = "failures"
	attrWindowStart = "windowStart"
	attrLockedUntil = "lockedUntil"
	attrLocks       = "locks"

	attrAttempts = "attempts"
	attrData     = "data"

	attrAt      = "at"
	attrType    = "type"
	attrUserID  = "userId"
	attrActorID = "actorId"
	attrDetail  = "detail"

	attrName = "name"

	attrDocument = "doc"
)

// ---- keys

func userPK(id string) string         { return prefixUser + id }
func sessionSK(hash string) string    { return prefixSession + hash }
func counterPK(key string) string     { return prefixCounter + key }
func markerPK(name string) string     { return prefixMarker + name }
func tokenPK(k store.TokenKey) string { return prefixToken + string(k.Kind) + "#" + k.Hash }
func keyItem(pk, sk string) item      { return item{AttrPartitionKey: str(pk), AttrSortKey: str(sk)} }
func keyString(pk, sk string) string  { return pk + "\x00" + sk }
func itemKeyString(it item) (string, bool) {
	pk, ok1 := sOf(it[AttrPartitionKey])
	sk, ok2 := sOf(it[AttrSortKey])
	return keyString(pk, sk), ok1 && ok2
}

// claimPK is the partition shared by every claim of kind k; a claim's sort key
// is its canonical value, so a kind's claims are sorted by value.
func claimPK(k store.ClaimKind) string { return prefixClaim + string(k) }

// ---- attribute values

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func sOf(av types.AttributeValue) (string, bool) {
	s, ok := av.(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// timeLayout is how times are stored: UTC RFC 3339 with nanoseconds, which
// round-trips every time.Time of years 0–9999 exactly (in UTC).
const timeLayout = time.RFC3339Nano

// maxExpSeconds bounds the Unix seconds whose nanoseconds fit in an int64.
const maxExpSeconds = math.MaxInt64 / int64(time.Second)

// expNanos is the value of the exp attribute for t: Unix nanoseconds,
// clamped to the int64 range (years 1678–2262) so that comparisons stay
// exact inside it and monotonic outside it.
func expNanos(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec < -maxExpSeconds:
		return math.MinInt64
	case sec >= maxExpSeconds:
		return math.MaxInt64
	default:
		return t.UnixNano()
	}
}

// ttlGrace delays DynamoDB's clean-up past the expiry, so that clock skew
// between the service and DynamoDB's TTL sweeper can never remove a record
// the store still considers live.
const ttlGrace = time.Hour

// ttlSeconds is the value of the ttl attribute for an expiry: Unix seconds,
// rounded up, plus ttlGrace.
func ttlSeconds(t time.Time) int64 {
	s := t.Add(ttlGrace).Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// encoder builds an item; the first error sticks.
type encoder struct {
	m   item
	err error
}

func newEncoder(pk, sk string, version int64, size int) *encoder {
	m := make(item, size+3)
	m[AttrPartitionKey] = str(pk)
	m[AttrSortKey] = str(sk)
	m[attrVersion] = num(version)
	return &encoder{m: m}
}

func (e *encoder) str(name, v string) {
	if v != "" {
		e.m[name] = str(v)
	}
}

func (e *encoder) boolean(name string, v bool) {
	if v {
		e.m[name] = &types.AttributeValueMemberBOOL{Value: true}
	}
}

func (e *encoder) int(name string, v int64) {
	if v != 0 {
		e.m[name] = num(v)
	}
}

func (e *encoder) time(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		if e.err == nil {
			e.err = fmt.Errorf("%w: %s: year %d outside 0-9999", ErrInvalidOp, name, y)
		}
		return
	}
	e.m[name] = str(t.Format(timeLayout))
}

// expiry stores an expiry exactly (name), for conditions (exp) and for
// DynamoDB's clean-up (ttl). A zero time means the record never expires.
func (e *encoder) expiry(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	e.time(name, t)
	e.m[attrExp] = num(expNanos(t))
	e.m[AttrTTL] = num(ttlSeconds(t))
}

// bytes stores a binary value (B); nil and empty are omitted, like empty
// strings, and read back as nil. The value is copied, so the item does not
// alias the caller's slice.
func (e *encoder) bytes(name string, v []byte) {
	if len(v) > 0 {
		e.m[name] = &types.AttributeValueMemberB{Value: slices.Clone(v)}
	}
}

// list stores a string list; nil is omitted, an empty list is kept empty, so
// that both round-trip.
func (e *encoder) list(name string, v []string) {
	if v == nil {
		return
	}
	l := make([]types.AttributeValue, len(v))
	for i, s := range v {
		l[i] = str(s)
	}
	e.m[name] = &types.AttributeValueMemberL{Value: l}
}

// strMap stores a string map; nil is omitted, an empty map is kept empty.
func (e *encoder) strMap(name string, v map[string]string) {
	if v == nil {
		return
	}
	m := make(map[string]types.AttributeValue, len(v))
	for k, s := range v {
		m[k] = str(s)
	}
	e.m[name] = &types.AttributeValueMemberM{Value: m}
}

func (e *encoder) done() (item, error) { return e.m, e.err }

// decoder reads an item; the first error sticks and names the attribute,
// never its value.
type decoder struct {
	m   item
	err error
}

func (d *decoder) fail(name, want string) {
	if d.err == nil {
		d.err = fmt.Errorf("attribute %q is not %s", name, want)
	}
}

func (d *decoder) str(name string) string {
	av, ok := d.m[name]
	if !ok {
		return ""
	}
	s, ok := sOf(av)
	if !ok {
		d.fail(name, "a string")
	}
	return s
}

func (d *decoder) boolean(name string) bool {
	av, ok := d.m[name]
	if !ok {
		return false
	}
	b, ok := av.(*types.AttributeValueMemberBOOL)
	if !ok {
		d.fail(name, "a boolean")
		return false
	}
	return b.Value
}

func (d *decoder) int(name string) int64 {
	av, ok := d.m[name]
	if !ok {
		return 0
	}
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		d.fail(name, "a number")
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		d.fail(name, "an integer")
	}
	return v
}

func (d *decoder) time(name string) time.Time {
	s := d.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		d.fail(name, "an RFC 3339 time")
		return time.Time{}
	}
	return t.UTC()
}

func (d *decoder) bytes(name string) []byte {
	av, ok := d.m[name]
	if !ok {
		return nil
	}
	b, ok := av.(*types.AttributeValueMemberB)
	if !ok {
		d.fail(name, "binary")
		return nil
	}
	if len(b.Value) == 0 {
		return nil
	}
	return b.Value
}

func (d *decoder) list(name string) []string {
	av, ok := d.m[name]
	if !ok {
		return nil
	}
	l, ok := av.(*types.AttributeValueMemberL)
	if !ok {
		d.fail(name, "a list")
		return nil
	}
	out := make([]string, len(l.Value))
	for i, v := range l.Value {
		s, ok := sOf(v)
		if !ok {
			d.fail(name, "a list of strings")
			return nil
		}
		out[i] = s
	}
	return out
}

func (d *decoder) strMap(name string) map[string]string {
	av, ok := d.m[name]
	if !ok {
		return nil
	}
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		d.fail(name, "a map")
		return nil
	}
	out := make(map[string]string, len(m.Value))
	for k, v := range m.Value {
		s, ok := sOf(v)
		if !ok {
			d.fail(name, "a map of strings")
			return nil
		}
		out[k] = s
	}
	return out
}

// expired reports whether an item carries an expiry at or before now
// (Unix nanoseconds).
func expired(it item, now int64) bool {
	av, ok := it[attrExp]
	if !ok {
		return false
	}
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(n.Value, 10, 64)
	return err == nil && exp <= now
}

// ---- records

func encodeAccount(a store.Account, version int64) (item, error) {
	e := newEncoder(userPK(a.ID), skAccount, version, 28)
	e.str(attrUsername, a.Username)
	e.str(attrUsernameKey, a.UsernameKey)
	e.str(attrDisplayName, a.DisplayName)
	e.str(attrEmail, a.Email)
	e.str(attrEmailKey, a.EmailKey)
	e.boolean(attrEmailVerified, a.EmailVerified)
	e.str(attrPasswordHash, a.PasswordHash)
	e.boolean(attrPasswordChange, a.PasswordChangeRequired)
	e.time(attrPasswordSetAt, a.PasswordSetAt)
	e.list(attrRoles, a.Roles)
	e.boolean(attrNetworkAccess, a.NetworkAccess)
	e.list(attrFacilityIDs, a.FacilityIDs)
	e.str(attrLocale, a.Locale)
	e.str(attrStatus, a.Status)
	e.boolean(attrSSO, a.SSO)
	e.str(attrSSOIdentity, a.SSOIdentity)
	e.time(attrValidUntil, a.ValidUntil)
	e.time(attrLastLoginAt, a.LastLoginAt)
	e.str(attrLastLoginIP, a.LastLoginIP)
	e.time(attrPrevLoginAt, a.PreviousLoginAt)
	e.str(attrPrevLoginIP, a.PreviousLoginIP)
	e.time(attrCreatedAt, a.CreatedAt)
	e.time(attrUpdatedAt, a.UpdatedAt)
	e.int(attrSessionEpoch, a.SessionEpoch)
	e.str(attrResetTokenHash, a.ResetTokenHash)
	e.str(attrInvitationHash, a.InvitationTokenHash)
	e.list(attrPasswordHistory, a.PasswordHistory)
	e.list(attrCredentials, encodeCredentialRefs(a.Credentials))
	return e.done()
}

func decodeAccount(it item) (*store.Account, error) {
	d := decoder{m: it}
	pk := d.str(AttrPartitionKey)
	a := &store.Account{
		ID:                     strings.TrimPrefix(pk, prefixUser),
		Username:               d.str(attrUsername),
		UsernameKey:            d.str(attrUsernameKey),
		DisplayName:            d.str(attrDisplayName),
		Email:                  d.str(attrEmail),
		EmailKey:               d.str(attrEmailKey),
		EmailVerified:          d.boolean(attrEmailVerified),
		PasswordHash:           d.str(attrPasswordHash),
		PasswordChangeRequired: d.boolean(attrPasswordChange),
		PasswordSetAt:          d.time(attrPasswordSetAt),
		Roles:                  d.list(attrRoles),
		NetworkAccess:          d.boolean(attrNetworkAccess),
		FacilityIDs:            d.list(attrFacilityIDs),
		Locale:                 d.str(attrLocale),
		Status:                 d.str(attrStatus),
		SSO:                    d.boolean(attrSSO),
		SSOIdentity:            d.str(attrSSOIdentity),
		ValidUntil:             d.time(attrValidUntil),
		LastLoginAt:            d.time(attrLastLoginAt),
		LastLoginIP:            d.str(attrLastLoginIP),
		PreviousLoginAt:        d.time(attrPrevLoginAt),
		PreviousLoginIP:        d.str(attrPrevLoginIP),
		CreatedAt:              d.time(attrCreatedAt),
		UpdatedAt:              d.time(attrUpdatedAt),
		SessionEpoch:           d.int(attrSessionEpoch),
		ResetTokenHash:         d.str(attrResetTokenHash),
		InvitationTokenHash:    d.str(attrInvitationHash),
		PasswordHistory:        d.list(attrPasswordHistory),
		Version:                d.int(attrVersion),
	}
	refs := d.list(attrCredentials)
	if d.err != nil {
		return nil, fmt.Errorf("dynamo: decode account: %w", d.err)
	}
	var err error
	if a.Credentials, err = decodeCredentialRefs(refs); err != nil {
		return nil, fmt.Errorf("dynamo: decode account: %w", err)
	}
	return a, nil
}

func encodeSession(s store.Session, version int64) (item, error) {
	e := newEncoder(userPK(s.UserID), sessionSK(s.Hash), version, 14)
	e.str(attrID, s.ID)
	e.time(attrCreatedAt, s.CreatedAt)
	e.time(attrLastSeenAt, s.LastSeenAt)
	e.expiry(attrExpiresAt, s.ExpiresAt)
	e.str(attrIP, s.IP)
	e.str(attrUserAgent, s.UserAgent)
	e.str(attrRestriction, s.Restriction)
	e.str(attrViewType, s.ViewType)
	e.str(attrFacilityID, s.FacilityID)
	e.int(attrEpoch, s.Epoch)
	e.time(attrAuthAt, s.AuthenticatedAt)
	return e.done()
}

func decodeSession(it item) (store.Session, error) {
	d := decoder{m: it}
	s := store.Session{
		UserID:      strings.TrimPrefix(d.str(AttrPartitionKey), prefixUser),
		Hash:        strings.TrimPrefix(d.str(AttrSortKey), prefixSession),
		ID:          d.str(attrID),
		CreatedAt:   d.time(attrCreatedAt),
		LastSeenAt:  d.time(attrLastSeenAt),
		ExpiresAt:   d.time(attrExpiresAt),
		IP:          d.str(attrIP),
		UserAgent:   d.str(attrUserAgent),
		Restriction: d.str(attrRestriction),
		ViewType:    d.str(attrViewType),
		FacilityID:  d.str(attrFacilityID),
		Epoch:       d.int(attrEpoch),

		AuthenticatedAt: d.time(attrAuthAt),
	}
	if d.err != nil {
		return store.Session{}, fmt.Errorf("dynamo: decode session: %w", d.err)
	}
	return s, nil
}

func encodeCounter(c store.Counter, version int64) (item, error) {
	e := newEncoder(counterPK(c.Key), skCounter, version, 7)
	e.int(attrFailures, int64(c.Failures))
	e.time(attrWindowStart, c.WindowStart)
	e.time(attrLockedUntil, c.LockedUntil)
	e.int(attrLocks, int64(c.Locks))
	e.expiry(attrExpiresAt, c.ExpiresAt)
	return e.done()
}

func decodeCounter(it item) (store.Counter, error) {
	d := decoder{m: it}
	c := store.Counter{
		Key:         strings.TrimPrefix(d.str(AttrPartitionKey), prefixCounter),
		Failures:    int(d.int(attrFailures)),
		WindowStart: d.time(attrWindowStart),
		LockedUntil: d.time(attrLockedUntil),
		Locks:       int(d.int(attrLocks)),
		ExpiresAt:   d.time(attrExpiresAt),
		Version:     d.int(attrVersion),
	}
	if d.err != nil {
		return store.Counter{}, fmt.Errorf("dynamo: decode counter: %w", d.err)
	}
	return c, nil
}

func encodeToken(t store.Token, version int64) (item, error) {
	e := newEncoder(tokenPK(store.TokenKey{Kind: t.Kind, Hash: t.Hash}), skToken, version, 7)
	e.str(attrUserID, t.UserID)
	e.time(attrCreatedAt, t.CreatedAt)
	e.expiry(attrExpiresAt, t.ExpiresAt)
	e.int(attrAttempts, int64(t.Attempts))
	e.strMap(attrData, t.Data)
	return e.done()
}

// decodeToken reads a token. Its kind and hash come from the partition key;
// kinds never contain "#" (checked on write), so the first "#" ends the kind.
func decodeToken(it item) (store.Token, error) {
	d := decoder{m: it}
	kind, hash, ok := strings.Cut(strings.TrimPrefix(d.str(AttrPartitionKey), prefixToken), "#")
	t := store.Token{
		Kind:      store.TokenKind(kind),
		Hash:      hash,
		UserID:    d.str(attrUserID),
		CreatedAt: d.time(attrCreatedAt),
		ExpiresAt: d.time(attrExpiresAt),
		Attempts:  int(d.int(attrAttempts)),
		Data:      d.strMap(attrData),
		Version:   d.int(attrVersion),
	}
	if d.err == nil && !ok {
		d.err = errors.New("partition key names no token kind")
	}
	if d.err != nil {
		return store.Token{}, fmt.Errorf("dynamo: decode token: %w", d.err)
	}
	return t, nil
}

func encodeAudit(ev store.AuditEvent) (item, error) {
	e := newEncoder(pkAudit, ev.ID, 1, 8)
	e.time(attrAt, ev.At)
	e.str(attrType, ev.Type)
	e.str(attrUserID, ev.UserID)
	e.str(attrActorID, ev.ActorID)
	e.str(attrIP, ev.IP)
	e.str(attrUserAgent, ev.UserAgent)
	e.strMap(attrDetail, ev.Detail)
	return e.done()
}

func decodeAudit(it item) (store.AuditEvent, error) {
	d := decoder{m: it}
	ev := store.AuditEvent{
		ID:        d.str(AttrSortKey),
		At:        d.time(attrAt),
		Type:      d.str(attrType),
		UserID:    d.str(attrUserID),
		ActorID:   d.str(attrActorID),
		IP:        d.str(attrIP),
		UserAgent: d.str(attrUserAgent),
		Detail:    d.strMap(attrDetail),
	}
	if d.err != nil {
		return store.AuditEvent{}, fmt.Errorf("dynamo: decode audit event: %w", d.err)
	}
	return ev, nil
}

func encodeFacility(f store.Facility, version int64) (item, error) {
	e := newEncoder(pkFacility, f.ID, version, 4)
	e.str(attrName, f.Name)
	e.str(attrStatus, f.Status)
	e.time(attrCreatedAt, f.CreatedAt)
	e.time(attrUpdatedAt, f.UpdatedAt)
	return e.done()
}

func decodeFacility(it item) (store.Facility, error) {
	d := decoder{m: it}
	f := store.Facility{
		ID:        d.str(AttrSortKey),
		Name:      d.str(attrName),
		Status:    d.str(attrStatus),
		CreatedAt: d.time(attrCreatedAt),
		UpdatedAt: d.time(attrUpdatedAt),
		Version:   d.int(attrVersion),
	}
	if d.err != nil {
		return store.Facility{}, fmt.Errorf("dynamo: decode facility: %w", d.err)
	}
	return f, nil
}

// encodeClaim returns a claim item: all claims of a kind share the partition
// CLAIM#<kind>, sorted by canonical value, so that ListAccounts reads the
// username claims in UsernameKey order.
func encodeClaim(c store.ClaimKey, accountID string) item {
	return item{
		AttrPartitionKey: str(claimPK(c.Kind)),
		AttrSortKey:      str(c.Value),
		attrVersion:      num(1),
		attrAccountID:    str(accountID),
	}
}

func decodeClaim(it item) (string, error) {
	d := decoder{m: it}
	id := d.str(attrAccountID)
	if d.err == nil && id == "" {
		d.err = errors.New("claim holds no account id")
	}
	if d.err != nil {
		return "", fmt.Errorf("dynamo: decode claim: %w", d.err)
	}
	return id, nil
}

// ItemSize is an item's size as DynamoDB bills it (read and write units are
// per 4 KB and 1 KB of it): attribute names plus values — strings and
// binaries by their bytes, numbers by their significant digits (about one
// byte per two, plus one), booleans and nulls one byte, sets by their
// members, lists and maps three bytes plus one per element.
func ItemSize(it map[string]types.AttributeValue) int {
	n := 0
	for name, v := range it {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(v.Value, "-0"))+1)/2 + 1
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		return 3 + ItemSize(v.Value) + len(v.Value)
	default:
		return 1
	}
}
