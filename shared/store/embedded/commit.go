package embedded

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatepass/gatepass/shared/store"
)

// write is one mutation of a Commit: a put, or a delete when value is nil.
type write struct {
	bucket []byte
	key    []byte
	value  []byte
}

// step is one prepared operation: the items it addresses (for the
// one-operation-per-item rule) and its condition, which returns the writes to
// perform when it holds.
type step struct {
	items []string
	check func(tx *bolt.Tx, now time.Time) ([]write, error)
}

// Commit applies ops atomically in one write transaction. Every operation
// is validated and encoded before the transaction starts; inside it every
// condition is checked against the state before the commit, and only when all
// hold are the writes applied. A failed condition returns an error wrapping
// store.ErrConflict and leaves the file untouched (bbolt rolls back).
//
// As in a DynamoDB transaction, one Commit may address each item (account,
// claim, session, counter, audit event, parameters, facility, marker, token,
// credential, help request) at most once; a second operation on the same item yields ErrInvalidOp.
func (s *Store) Commit(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: commit: %w", err)
	}
	if len(ops) > store.MaxOps {
		return fmt.Errorf("embedded: commit of %d operations: %w", len(ops), store.ErrTooManyOps)
	}
	if len(ops) == 0 {
		return nil
	}
	steps := make([]step, len(ops))
	seen := make(map[string]int, 2*len(ops))
	for i, op := range ops {
		st, err := prepare(op)
		if err != nil {
			return fmt.Errorf("embedded: commit: op %d (%T): %w", i, op, err)
		}
		for _, item := range st.items {
			if j, dup := seen[item]; dup {
				return fmt.Errorf("embedded: commit: ops %d and %d address the same item: %w", j, i, ErrInvalidOp)
			}
			seen[item] = i
		}
		steps[i] = st
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := s.clk.Now()
		var writes []write
		for i, st := range steps {
			w, err := st.check(tx, now)
			if err != nil {
				return fmt.Errorf("op %d (%T): %w", i, ops[i], err)
			}
			writes = append(writes, w...)
		}
		for _, w := range writes {
			b := tx.Bucket(w.bucket)
			var err error
			if w.value == nil {
				err = b.Delete(w.key)
			} else {
				err = b.Put(w.key, w.value)
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", w.bucket, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: commit: %w", err)
	}
	return nil
}

func conflict(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, store.ErrConflict)...)
}

func invalid(what string) error {
	return fmt.Errorf("%s: %w", what, ErrInvalidOp)
}

func item(bucket []byte, key []byte) string {
	return string(bucket) + "/" + string(key)
}

// prepare validates op, encodes its records and returns its step. Ops must be
// passed by value, as the store package declares them.
func prepare(op store.Op) (step, error) {
	switch op := op.(type) {
	case store.CreateAccount:
		return prepareCreateAccount(op)
	case store.UpdateAccount:
		return prepareUpdateAccount(op)
	case store.DeleteAccount:
		return prepareDeleteAccount(op)
	case store.PutSession:
		return preparePutSession(op)
	case store.TouchSession:
		return prepareTouchSession(op)
	case store.DeleteSession:
		return prepareDeleteSession(op)
	case store.ReplaceSession:
		return prepareReplaceSession(op)
	case store.PutCounter:
		return preparePutCounter(op)
	case store.DeleteCounter:
		return prepareDeleteCounter(op)
	case store.AppendAudit:
		return prepareAppendAudit(op)
	case store.PutParameters:
		return preparePutParameters(op)
	case store.PutFacility:
		return preparePutFacility(op)
	case store.DeleteFacility:
		return prepareDeleteFacility(op)
	case store.ClaimMarker:
		return prepareClaimMarker(op)
	case store.BindSSOIdentity:
		return prepareBindSSOIdentity(op)
	case store.PutToken:
		return preparePutToken(op)
	case store.UpdateToken:
		return prepareUpdateToken(op)
	case store.ConsumeToken:
		return prepareConsumeToken(op)
	case store.DeleteToken:
		return prepareDeleteToken(op)
	case store.PutCredential:
		return preparePutCredential(op)
	case store.UpdateCredential:
		return prepareUpdateCredential(op)
	case store.DeleteCredential:
		return prepareDeleteCredential(op)
	case store.PutHelpRequest:
		return preparePutHelpRequest(op)
	case store.DeleteHelpRequest:
		return prepareDeleteHelpRequest(op)
	case nil:
		return step{}, invalid("nil operation")
	default:
		return step{}, invalid("unsupported operation type")
	}
}

// claimHolder reports who holds a claim ("" when nobody does).
func claimHolder(tx *bolt.Tx, key []byte) string {
	return string(tx.Bucket(bucketClaims()).Get(key))
}

func prepareCreateAccount(op store.CreateAccount) (step, error) {
	a := op.Account
	if !validID(a.ID) || a.UsernameKey == "" {
		return step{}, invalid("account id and username key are required")
	}
	val, err := encode(toAccountRecord(a, 1))
	if err != nil {
		return step{}, err
	}
	id := []byte(a.ID)
	userClaim := claimKey(store.ClaimUsername, a.UsernameKey)
	writes := []write{
		{bucketAccounts(), id, val},
		{bucketClaims(), userClaim, id},
	}
	items := []string{item(bucketAccounts(), id), item(bucketClaims(), userClaim)}
	var emailClaim, ssoClaim []byte
	if a.EmailKey != "" {
		emailClaim = claimKey(store.ClaimEmail, a.EmailKey)
		writes = append(writes, write{bucketClaims(), emailClaim, id})
		items = append(items, item(bucketClaims(), emailClaim))
	}
	if a.SSOIdentity != "" {
		ssoClaim = claimKey(store.ClaimSSOIdentity, a.SSOIdentity)
		writes = append(writes, write{bucketClaims(), ssoClaim, id})
		items = append(items, item(bucketClaims(), ssoClaim))
	}
	return step{items: items, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		if tx.Bucket(bucketAccounts()).Get(id) != nil {
			return nil, conflict("account %q exists", a.ID)
		}
		if claimHolder(tx, userClaim) != "" {
			return nil, conflict("username is taken")
		}
		if emailClaim != nil && claimHolder(tx, emailClaim) != "" {
			return nil, conflict("email is taken")
		}
		if ssoClaim != nil && claimHolder(tx, ssoClaim) != "" {
			return nil, conflict("SSO identity is bound to another account")
		}
		return writes, nil
	}}, nil
}

func prepareUpdateAccount(op store.UpdateAccount) (step, error) {
	a := op.Account
	if !validID(a.ID) || a.UsernameKey == "" {
		return step{}, invalid("account id and username key are required")
	}
	val, err := encode(toAccountRecord(a, a.Version+1))
	if err != nil {
		return step{}, err
	}
	id := []byte(a.ID)
	items := []string{item(bucketAccounts(), id)}
	writes := []write{{bucketAccounts(), id, val}}
	var oldClaim, newClaim []byte
	if a.EmailKey != op.PreviousEmailKey {
		if op.PreviousEmailKey != "" {
			oldClaim = claimKey(store.ClaimEmail, op.PreviousEmailKey)
			items = append(items, item(bucketClaims(), oldClaim))
		}
		if a.EmailKey != "" {
			newClaim = claimKey(store.ClaimEmail, a.EmailKey)
			items = append(items, item(bucketClaims(), newClaim))
		}
	}
	return step{items: items, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		cur, err := readAccountRecord(tx, a.ID)
		switch {
		case err != nil:
			return nil, err
		case cur == nil:
			return nil, conflict("account %q does not exist", a.ID)
		case cur.Version != a.Version:
			return nil, conflict("account %q is at version %d, not %d", a.ID, cur.Version, a.Version)
		case cur.UsernameKey != a.UsernameKey:
			return nil, conflict("account %q: the username key never changes", a.ID)
		case cur.EmailKey != op.PreviousEmailKey:
			return nil, conflict("account %q: previous email key does not match the stored one", a.ID)
		}
		out := writes
		if oldClaim != nil {
			switch holder := claimHolder(tx, oldClaim); holder {
			case a.ID:
				out = append(out, write{bucketClaims(), oldClaim, nil})
			case "":
			default:
				return nil, conflict("account %q: previous email claim is held by another account", a.ID)
			}
		}
		if newClaim != nil {
			if claimHolder(tx, newClaim) != "" {
				return nil, conflict("account %q: email is taken", a.ID)
			}
			out = append(out, write{bucketClaims(), newClaim, id})
		}
		return out, nil
	}}, nil
}

func prepareDeleteAccount(op store.DeleteAccount) (step, error) {
	if !validID(op.ID) || op.UsernameKey == "" {
		return step{}, invalid("account id and username key are required")
	}
	id := []byte(op.ID)
	userClaim := claimKey(store.ClaimUsername, op.UsernameKey)
	items := []string{item(bucketAccounts(), id), item(bucketClaims(), userClaim)}
	claims := [][]byte{userClaim}
	if op.EmailKey != "" {
		emailClaim := claimKey(store.ClaimEmail, op.EmailKey)
		items = append(items, item(bucketClaims(), emailClaim))
		claims = append(claims, emailClaim)
	}
	if op.SSOIdentity != "" {
		ssoClaim := claimKey(store.ClaimSSOIdentity, op.SSOIdentity)
		items = append(items, item(bucketClaims(), ssoClaim))
		claims = append(claims, ssoClaim)
	}
	return step{items: items, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		cur, err := readAccountRecord(tx, op.ID)
		switch {
		case err != nil:
			return nil, err
		case cur == nil:
			return nil, conflict("account %q does not exist", op.ID)
		case cur.Version != op.Version:
			return nil, conflict("account %q is at version %d, not %d", op.ID, cur.Version, op.Version)
		case cur.UsernameKey != op.UsernameKey || cur.EmailKey != op.EmailKey || cur.SSOIdentity != op.SSOIdentity:
			return nil, conflict("account %q: claims to release do not match the stored account", op.ID)
		}
		out := []write{{bucketAccounts(), id, nil}}
		for _, c := range claims {
			switch claimHolder(tx, c) {
			case op.ID:
				out = append(out, write{bucketClaims(), c, nil})
			case "":
			default:
				return nil, conflict("account %q: a claim to release is held by another account", op.ID)
			}
		}
		return out, nil
	}}, nil
}

func prepareBindSSOIdentity(op store.BindSSOIdentity) (step, error) {
	if !validID(op.AccountID) || op.Identity == "" {
		return step{}, invalid("account id and identity are required")
	}
	key := claimKey(store.ClaimSSOIdentity, op.Identity)
	id := []byte(op.AccountID)
	return step{items: []string{item(bucketClaims(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		if claimHolder(tx, key) != "" {
			return nil, conflict("SSO identity is bound to an account")
		}
		return []write{{bucketClaims(), key, id}}, nil
	}}, nil
}

func validSessionKey(k store.SessionKey) bool {
	return validID(k.UserID) && k.Hash != ""
}

func preparePutSession(op store.PutSession) (step, error) {
	k := store.SessionKey{UserID: op.Session.UserID, Hash: op.Session.Hash}
	if !validSessionKey(k) {
		return step{}, invalid("session user id and hash are required")
	}
	val, err := encode(toSessionRecord(op.Session))
	if err != nil {
		return step{}, err
	}
	key := sessionKey(k)
	return step{items: []string{item(bucketSessions(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readSessionRecord(tx, k, now)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			return nil, conflict("session of %q exists", k.UserID)
		}
		return []write{{bucketSessions(), key, val}}, nil
	}}, nil
}

func prepareTouchSession(op store.TouchSession) (step, error) {
	if !validSessionKey(op.Key) {
		return step{}, invalid("session user id and hash are required")
	}
	key := sessionKey(op.Key)
	return step{items: []string{item(bucketSessions(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readSessionRecord(tx, op.Key, now)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, conflict("session of %q does not exist", op.Key.UserID)
		}
		cur.LastSeenAt = utc(op.LastSeenAt)
		val, err := encode(cur)
		if err != nil {
			return nil, err
		}
		return []write{{bucketSessions(), key, val}}, nil
	}}, nil
}

func prepareDeleteSession(op store.DeleteSession) (step, error) {
	if !validSessionKey(op.Key) {
		return step{}, invalid("session user id and hash are required")
	}
	key := sessionKey(op.Key)
	w := []write{{bucketSessions(), key, nil}}
	return step{items: []string{item(bucketSessions(), key)}, check: func(*bolt.Tx, time.Time) ([]write, error) {
		return w, nil
	}}, nil
}

func prepareReplaceSession(op store.ReplaceSession) (step, error) {
	k := store.SessionKey{UserID: op.Session.UserID, Hash: op.Session.Hash}
	if !validSessionKey(op.Old) || !validSessionKey(k) || k.UserID != op.Old.UserID {
		return step{}, invalid("old and new session keys of one user are required")
	}
	val, err := encode(toSessionRecord(op.Session))
	if err != nil {
		return step{}, err
	}
	oldKey, newKey := sessionKey(op.Old), sessionKey(k)
	items := []string{item(bucketSessions(), oldKey), item(bucketSessions(), newKey)}
	return step{items: items, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		old, err := readSessionRecord(tx, op.Old, now)
		if err != nil {
			return nil, err
		}
		if old == nil {
			return nil, conflict("session of %q to replace does not exist", k.UserID)
		}
		cur, err := readSessionRecord(tx, k, now)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			return nil, conflict("session of %q exists", k.UserID)
		}
		return []write{{bucketSessions(), oldKey, nil}, {bucketSessions(), newKey, val}}, nil
	}}, nil
}

func preparePutCounter(op store.PutCounter) (step, error) {
	c := op.Counter
	if c.Key == "" {
		return step{}, invalid("counter key is required")
	}
	val, err := encode(toCounterRecord(c, c.Version+1))
	if err != nil {
		return step{}, err
	}
	key := []byte(c.Key)
	return step{items: []string{item(bucketCounters(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readCounter(tx, c.Key, now)
		if err != nil {
			return nil, err
		}
		if cur.Version != c.Version {
			return nil, conflict("counter is at version %d, not %d", cur.Version, c.Version)
		}
		return []write{{bucketCounters(), key, val}}, nil
	}}, nil
}

func prepareDeleteCounter(op store.DeleteCounter) (step, error) {
	if op.Key == "" {
		return step{}, invalid("counter key is required")
	}
	key := []byte(op.Key)
	w := []write{{bucketCounters(), key, nil}}
	return step{items: []string{item(bucketCounters(), key)}, check: func(*bolt.Tx, time.Time) ([]write, error) {
		return w, nil
	}}, nil
}

func prepareAppendAudit(op store.AppendAudit) (step, error) {
	if op.Event.ID == "" {
		return step{}, invalid("audit event id is required")
	}
	val, err := encode(toAuditRecord(op.Event))
	if err != nil {
		return step{}, err
	}
	key := []byte(op.Event.ID)
	return step{items: []string{item(bucketAudit(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		if tx.Bucket(bucketAudit()).Get(key) != nil {
			return nil, conflict("audit event %q exists", op.Event.ID)
		}
		return []write{{bucketAudit(), key, val}}, nil
	}}, nil
}

func preparePutParameters(op store.PutParameters) (step, error) {
	doc, err := op.Parameters.Encode()
	if err != nil {
		return step{}, err
	}
	val, err := encode(parametersRecord{Version: op.Version + 1, Parameters: doc})
	if err != nil {
		return step{}, err
	}
	key := keyParameters()
	return step{items: []string{item(bucketParameters(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		v, err := readParametersVersion(tx)
		if err != nil {
			return nil, err
		}
		if v != op.Version {
			return nil, conflict("parameters are at version %d, not %d", v, op.Version)
		}
		return []write{{bucketParameters(), key, val}}, nil
	}}, nil
}

func preparePutFacility(op store.PutFacility) (step, error) {
	f := op.Facility
	if f.ID == "" {
		return step{}, invalid("facility id is required")
	}
	val, err := encode(toFacilityRecord(f, f.Version+1))
	if err != nil {
		return step{}, err
	}
	key := []byte(f.ID)
	return step{items: []string{item(bucketFacilities(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		cur, err := readFacilityRecord(tx, f.ID)
		if err != nil {
			return nil, err
		}
		var v int64
		if cur != nil {
			v = cur.Version
		}
		if v != f.Version {
			return nil, conflict("facility %q is at version %d, not %d", f.ID, v, f.Version)
		}
		return []write{{bucketFacilities(), key, val}}, nil
	}}, nil
}

func prepareDeleteFacility(op store.DeleteFacility) (step, error) {
	if op.ID == "" {
		return step{}, invalid("facility id is required")
	}
	key := []byte(op.ID)
	return step{items: []string{item(bucketFacilities(), key)}, check: func(tx *bolt.Tx, _ time.Time) ([]write, error) {
		cur, err := readFacilityRecord(tx, op.ID)
		switch {
		case err != nil:
			return nil, err
		case cur == nil:
			return nil, conflict("facility %q does not exist", op.ID)
		case cur.Version != op.Version:
			return nil, conflict("facility %q is at version %d, not %d", op.ID, cur.Version, op.Version)
		}
		return []write{{bucketFacilities(), key, nil}}, nil
	}}, nil
}

func prepareClaimMarker(op store.ClaimMarker) (step, error) {
	if op.Name == "" {
		return step{}, invalid("marker name is required")
	}
	key := []byte(op.Name)
	return step{items: []string{item(bucketMarkers(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		if tx.Bucket(bucketMarkers()).Get(key) != nil {
			return nil, conflict("marker %q exists", op.Name)
		}
		val, err := encode(markerRecord{ClaimedAt: now})
		if err != nil {
			return nil, err
		}
		return []write{{bucketMarkers(), key, val}}, nil
	}}, nil
}

func validTokenKey(k store.TokenKey) bool {
	return validID(string(k.Kind)) && k.Hash != ""
}

// tokenValue validates a token to be written at version and encodes it.
// Tokens always expire: a zero ExpiresAt is a malformed operation.
func tokenValue(t store.Token, version int64) ([]byte, error) {
	if !validTokenKey(store.TokenKey{Kind: t.Kind, Hash: t.Hash}) {
		return nil, invalid("token kind and hash are required")
	}
	if t.ExpiresAt.IsZero() {
		return nil, invalid("token expiry is required")
	}
	return encode(toTokenRecord(t, version))
}

func preparePutToken(op store.PutToken) (step, error) {
	t := op.Token
	val, err := tokenValue(t, 1) // a new token starts at version 1
	if err != nil {
		return step{}, err
	}
	k := store.TokenKey{Kind: t.Kind, Hash: t.Hash}
	key := tokenKey(k)
	return step{items: []string{item(bucketTokens(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readTokenRecord(tx, k, now)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			return nil, conflict("%s token exists", t.Kind)
		}
		return []write{{bucketTokens(), key, val}}, nil
	}}, nil
}

func prepareUpdateToken(op store.UpdateToken) (step, error) {
	t := op.Token
	val, err := tokenValue(t, t.Version+1)
	if err != nil {
		return step{}, err
	}
	k := store.TokenKey{Kind: t.Kind, Hash: t.Hash}
	key := tokenKey(k)
	return step{items: []string{item(bucketTokens(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readTokenRecord(tx, k, now)
		switch {
		case err != nil:
			return nil, err
		case cur == nil:
			return nil, conflict("%s token does not exist", t.Kind)
		case cur.Version != t.Version:
			return nil, conflict("%s token is at version %d, not %d", t.Kind, cur.Version, t.Version)
		}
		return []write{{bucketTokens(), key, val}}, nil
	}}, nil
}

func prepareConsumeToken(op store.ConsumeToken) (step, error) {
	if !validTokenKey(op.Key) {
		return step{}, invalid("token kind and hash are required")
	}
	key := tokenKey(op.Key)
	return step{items: []string{item(bucketTokens(), key)}, check: func(tx *bolt.Tx, now time.Time) ([]write, error) {
		cur, err := readTokenRecord(tx, op.Key, now)
		switch {
		case err != nil:
			return nil, err
		case cur == nil:
			return nil, conflict("%s token does not exist", op.Key.Kind)
		case op.Version != 0 && cur.Version != op.Version:
			return nil, conflict("%s token is at version %d, not %d", op.Key.Kind, cur.Version, op.Version)
		}
		return []write{{bucketTokens(), key, nil}}, nil
	}}, nil
}

func prepareDeleteToken(op store.DeleteToken) (step, error) {
	if !validTokenKey(op.Key) {
		return step{}, invalid("token kind and hash are required")
	}
	key := tokenKey(op.Key)
	w := []write{{bucketTokens(), key, nil}}
	return step{items: []string{item(bucketTokens(), key)}, check: func(*bolt.Tx, time.Time) ([]write, error) {
		return w, nil
	}}, nil
}

// Append writes PutSession and AppendAudit ops as plain puts, without
// conditions, in one write transaction (atomic here, which the port allows
// but does not promise).
func (s *Store) Append(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: append: %w", err)
	}
	writes := make([]write, 0, len(ops))
	for i, op := range ops {
		switch op := op.(type) {
		case store.PutSession:
			k := store.SessionKey{UserID: op.Session.UserID, Hash: op.Session.Hash}
			if !validSessionKey(k) {
				return fmt.Errorf("embedded: append: op %d: %w", i, invalid("session user id and hash are required"))
			}
			val, err := encode(toSessionRecord(op.Session))
			if err != nil {
				return fmt.Errorf("embedded: append: op %d: %w", i, err)
			}
			writes = append(writes, write{bucketSessions(), sessionKey(k), val})
		case store.AppendAudit:
			if op.Event.ID == "" {
				return fmt.Errorf("embedded: append: op %d: %w", i, invalid("audit event id is required"))
			}
			val, err := encode(toAuditRecord(op.Event))
			if err != nil {
				return fmt.Errorf("embedded: append: op %d: %w", i, err)
			}
			writes = append(writes, write{bucketAudit(), []byte(op.Event.ID), val})
		default:
			return fmt.Errorf("embedded: append: op %d (%T): %w", i, op, invalid("only sessions and audit events"))
		}
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, w := range writes {
			if err := tx.Bucket(w.bucket).Put(w.key, w.value); err != nil {
				return fmt.Errorf("write %s: %w", w.bucket, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: append: %w", err)
	}
	return nil
}
