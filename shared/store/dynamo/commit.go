package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/retry"
	"github.com/gatepass/gatepass/shared/store"
)

// Cancellation reason codes of TransactWriteItems.
const (
	reasonConditionalCheckFailed = "ConditionalCheckFailed"
	reasonTransactionConflict    = "TransactionConflict"
	reasonNone                   = "None"
)

type writeKind int

const (
	writePut writeKind = iota
	writeUpdate
	writeDelete
)

// write is one item write of a Commit.
type write struct {
	op   int    // index of the operation in the Commit
	what string // description for errors: operation type and item, no values
	kind writeKind
	pk   string
	sk   string
	item item // writePut: the whole item
	// update is the UpdateExpression of a writeUpdate.
	update string
	// cond is the ConditionExpression, "" for none; names and values serve
	// it and update, and hold exactly the placeholders these use.
	cond   string
	names  map[string]string
	values map[string]types.AttributeValue
}

// condition is a ConditionExpression with its placeholders.
type condition struct {
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
}

func (w *write) setCondition(c condition) {
	w.cond = c.expr
	if len(c.names) > 0 {
		if w.names == nil {
			w.names = make(map[string]string, len(c.names))
		}
		for k, v := range c.names {
			w.names[k] = v
		}
	}
	if len(c.values) > 0 {
		if w.values == nil {
			w.values = make(map[string]types.AttributeValue, len(c.values))
		}
		for k, v := range c.values {
			w.values[k] = v
		}
	}
}

// Conditions. now is the commit's clock reading in Unix nanoseconds.

func condAbsent() condition {
	return condition{
		expr:  "attribute_not_exists(#pk)",
		names: map[string]string{"#pk": AttrPartitionKey},
	}
}

func condAbsentOrExpired(now int64) condition {
	return condition{
		expr:   "attribute_not_exists(#pk) OR #exp <= :now",
		names:  map[string]string{"#pk": AttrPartitionKey, "#exp": attrExp},
		values: map[string]types.AttributeValue{":now": num(now)},
	}
}

func condVersion(prev int64) condition {
	return condition{
		expr:   "#v = :prev",
		names:  map[string]string{"#v": attrVersion},
		values: map[string]types.AttributeValue{":prev": num(prev)},
	}
}

func condVersionLive(prev, now int64) condition {
	return condition{
		expr:   "#v = :prev AND (attribute_not_exists(#exp) OR #exp > :now)",
		names:  map[string]string{"#v": attrVersion, "#exp": attrExp},
		values: map[string]types.AttributeValue{":prev": num(prev), ":now": num(now)},
	}
}

func condLive(now int64) condition {
	return condition{
		expr:   "attribute_exists(#pk) AND (attribute_not_exists(#exp) OR #exp > :now)",
		names:  map[string]string{"#pk": AttrPartitionKey, "#exp": attrExp},
		values: map[string]types.AttributeValue{":now": num(now)},
	}
}

// condHeldByOrAbsent guards the release of a claim: never delete a claim that
// another account holds.
func condHeldByOrAbsent(accountID string) condition {
	return condition{
		expr:   "attribute_not_exists(#pk) OR #acct = :acct",
		names:  map[string]string{"#pk": AttrPartitionKey, "#acct": attrAccountID},
		values: map[string]types.AttributeValue{":acct": str(accountID)},
	}
}

// condAccount holds when the stored account has version prev and exactly
// the given claim keys ("" meaning none): an update or delete can then
// neither rename an account nor free or orphan a claim.
func condAccount(prev int64, usernameKey, emailKey string) condition {
	c := condition{
		expr:   "#v = :prev",
		names:  map[string]string{"#v": attrVersion, "#uk": attrUsernameKey, "#ek": attrEmailKey},
		values: map[string]types.AttributeValue{":prev": num(prev)},
	}
	if usernameKey == "" {
		c.expr += " AND attribute_not_exists(#uk)"
	} else {
		c.expr += " AND #uk = :uk"
		c.values[":uk"] = str(usernameKey)
	}
	if emailKey == "" {
		c.expr += " AND attribute_not_exists(#ek)"
	} else {
		c.expr += " AND #ek = :ek"
		c.values[":ek"] = str(emailKey)
	}
	return c
}

// condSwap is the condition of a versioned replacement whose version 0 means
// "absent" (or, for expiring records, "absent or expired").
func condSwap(prev int64, expiring bool, now int64) condition {
	switch {
	case prev == 0 && expiring:
		return condAbsentOrExpired(now)
	case prev == 0:
		return condAbsent()
	case expiring:
		return condVersionLive(prev, now)
	default:
		return condVersion(prev)
	}
}

// Commit applies ops atomically: nothing for no op, one conditional
// single-item request when they amount to one item write, one
// TransactWriteItems otherwise. A failed condition returns an error wrapping
// store.ErrConflict and applies nothing. Cancellations due to concurrent
// transactions are retried with jittered backoff, then reported as
// store.ErrConflict.
func (s *Store) Commit(ctx context.Context, ops ...store.Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamo: commit: %w", err)
	}
	if len(ops) == 0 {
		return nil
	}
	if len(ops) > store.MaxOps {
		return fmt.Errorf("dynamo: commit of %d operations (at most %d): %w", len(ops), store.MaxOps, store.ErrTooManyOps)
	}
	now := s.clk.Now()
	ws := make([]write, 0, len(ops)+2)
	for i, op := range ops {
		var err error
		if ws, err = appendWrites(ws, i, op, now); err != nil {
			return err
		}
	}
	if err := checkDistinct(ws); err != nil {
		return err
	}
	return s.apply(ctx, ws)
}

// appendWrites appends the item writes of op (the i-th of its Commit).
func appendWrites(ws []write, i int, op store.Op, now time.Time) ([]write, error) {
	nowN := expNanos(now)
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("dynamo: commit: op %d (%T): %s: %w", i, op, fmt.Sprintf(format, args...), ErrInvalidOp)
	}
	encErr := func(err error) error {
		return fmt.Errorf("dynamo: commit: op %d (%T): %w", i, op, err)
	}
	put := func(what string, it item, c condition) write {
		pk, _ := sOf(it[AttrPartitionKey])
		sk, _ := sOf(it[AttrSortKey])
		w := write{op: i, what: what, kind: writePut, pk: pk, sk: sk, item: it}
		w.setCondition(c)
		return w
	}
	del := func(what, pk, sk string, c *condition) write {
		w := write{op: i, what: what, kind: writeDelete, pk: pk, sk: sk}
		if c != nil {
			w.setCondition(*c)
		}
		return w
	}
	claimPut := func(kind store.ClaimKind, value, accountID string) write {
		return put(string(kind)+" claim", encodeClaim(store.ClaimKey{Kind: kind, Value: value}, accountID), condAbsent())
	}
	claimDel := func(kind store.ClaimKind, value, accountID string) write {
		c := condHeldByOrAbsent(accountID)
		return del(string(kind)+" claim", claimPK(kind), value, &c)
	}
	// tokenItem validates and encodes a token written at version. Tokens
	// always expire: a zero ExpiresAt is a malformed operation.
	tokenItem := func(t store.Token, version int64) (item, error) {
		if !validTokenKey(store.TokenKey{Kind: t.Kind, Hash: t.Hash}) {
			return nil, invalid("token kind and hash are required, and the kind holds no '#'")
		}
		if t.ExpiresAt.IsZero() {
			return nil, invalid("token expiry is required")
		}
		it, err := encodeToken(t, version)
		if err != nil {
			return nil, encErr(err)
		}
		return it, nil
	}

	switch op := op.(type) {
	case store.CreateAccount:
		a := op.Account
		if a.ID == "" || a.UsernameKey == "" {
			return nil, invalid("account id and username key are required")
		}
		if a.Email != "" && a.EmailKey == "" {
			return nil, invalid("an email needs its canonical email key")
		}
		it, err := encodeAccount(a, 1) // a new account starts at version 1
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("account", it, condAbsent()), claimPut(store.ClaimUsername, a.UsernameKey, a.ID))
		if a.EmailKey != "" {
			ws = append(ws, claimPut(store.ClaimEmail, a.EmailKey, a.ID))
		}
		if a.SSOIdentity != "" {
			ws = append(ws, claimPut(store.ClaimSSOIdentity, a.SSOIdentity, a.ID))
		}
	case store.UpdateAccount:
		a := op.Account
		if a.ID == "" {
			return nil, invalid("account id is required")
		}
		if a.Email != "" && a.EmailKey == "" {
			return nil, invalid("an email needs its canonical email key")
		}
		it, err := encodeAccount(a, a.Version+1)
		if err != nil {
			return nil, encErr(err)
		}
		// The stored version of an existing account is at least 1, so
		// Version 0 fails the condition: an update never creates. The
		// stored claim keys must be the ones the caller read.
		ws = append(ws, put("account", it, condAccount(a.Version, a.UsernameKey, op.PreviousEmailKey)))
		if a.EmailKey != op.PreviousEmailKey {
			if op.PreviousEmailKey != "" {
				ws = append(ws, claimDel(store.ClaimEmail, op.PreviousEmailKey, a.ID))
			}
			if a.EmailKey != "" {
				ws = append(ws, claimPut(store.ClaimEmail, a.EmailKey, a.ID))
			}
		}
	case store.DeleteAccount:
		if op.ID == "" {
			return nil, invalid("account id is required")
		}
		c := condAccount(op.Version, op.UsernameKey, op.EmailKey)
		c.names["#sid"] = attrSSOIdentity
		if op.SSOIdentity == "" {
			c.expr += " AND attribute_not_exists(#sid)"
		} else {
			c.expr += " AND #sid = :sid"
			c.values[":sid"] = str(op.SSOIdentity)
		}
		ws = append(ws, del("account", userPK(op.ID), skAccount, &c))
		if op.UsernameKey != "" {
			ws = append(ws, claimDel(store.ClaimUsername, op.UsernameKey, op.ID))
		}
		if op.EmailKey != "" {
			ws = append(ws, claimDel(store.ClaimEmail, op.EmailKey, op.ID))
		}
		if op.SSOIdentity != "" {
			ws = append(ws, claimDel(store.ClaimSSOIdentity, op.SSOIdentity, op.ID))
		}
	case store.BindSSOIdentity:
		if op.AccountID == "" || op.Identity == "" {
			return nil, invalid("account id and identity are required")
		}
		ws = append(ws, claimPut(store.ClaimSSOIdentity, op.Identity, op.AccountID))
	case store.PutSession:
		if op.Session.UserID == "" || op.Session.Hash == "" {
			return nil, invalid("session user id and hash are required")
		}
		it, err := encodeSession(op.Session, 1)
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("session", it, condAbsentOrExpired(nowN)))
	case store.TouchSession:
		if op.Key.UserID == "" || op.Key.Hash == "" {
			return nil, invalid("session user id and hash are required")
		}
		e := encoder{m: item{}}
		e.time(attrLastSeenAt, op.LastSeenAt)
		if e.err != nil {
			return nil, encErr(e.err)
		}
		w := write{op: i, what: "session", kind: writeUpdate, pk: userPK(op.Key.UserID), sk: sessionSK(op.Key.Hash)}
		w.names = map[string]string{"#ls": attrLastSeenAt, "#v": attrVersion}
		w.values = map[string]types.AttributeValue{":one": num(1), ":zero": num(0)}
		if lastSeen, ok := e.m[attrLastSeenAt]; ok {
			w.update = "SET #ls = :ls, #v = if_not_exists(#v, :zero) + :one"
			w.values[":ls"] = lastSeen
		} else {
			w.update = "SET #v = if_not_exists(#v, :zero) + :one REMOVE #ls"
		}
		w.setCondition(condLive(nowN))
		ws = append(ws, w)
	case store.DeleteSession:
		if op.Key.UserID == "" || op.Key.Hash == "" {
			return nil, invalid("session user id and hash are required")
		}
		ws = append(ws, del("session", userPK(op.Key.UserID), sessionSK(op.Key.Hash), nil))
	case store.ReplaceSession:
		if op.Old.UserID == "" || op.Old.Hash == "" || op.Session.Hash == "" || op.Session.UserID != op.Old.UserID {
			return nil, invalid("old and new session keys of one user are required")
		}
		it, err := encodeSession(op.Session, 1)
		if err != nil {
			return nil, encErr(err)
		}
		live := condLive(nowN)
		ws = append(ws, del("session", userPK(op.Old.UserID), sessionSK(op.Old.Hash), &live),
			put("session", it, condAbsentOrExpired(nowN)))
	case store.PutCounter:
		c := op.Counter
		if c.Key == "" {
			return nil, invalid("counter key is required")
		}
		it, err := encodeCounter(c, c.Version+1)
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("counter", it, condSwap(c.Version, true, nowN)))
	case store.DeleteCounter:
		if op.Key == "" {
			return nil, invalid("counter key is required")
		}
		ws = append(ws, del("counter", counterPK(op.Key), skCounter, nil))
	case store.AppendAudit:
		if op.Event.ID == "" {
			return nil, invalid("event id is required")
		}
		it, err := encodeAudit(op.Event)
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("audit event", it, condAbsent()))
	case store.PutParameters:
		doc, err := op.Parameters.Encode()
		if err != nil {
			return nil, encErr(err)
		}
		e := newEncoder(pkTenant, skParameters, op.Version+1, 1)
		e.str(attrDocument, string(doc))
		ws = append(ws, put("parameters", e.m, condSwap(op.Version, false, nowN)))
	case store.PutFacility:
		f := op.Facility
		if f.ID == "" {
			return nil, invalid("facility id is required")
		}
		it, err := encodeFacility(f, f.Version+1)
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("facility", it, condSwap(f.Version, false, nowN)))
	case store.DeleteFacility:
		if op.ID == "" {
			return nil, invalid("facility id is required")
		}
		c := condVersion(op.Version)
		ws = append(ws, del("facility", pkFacility, op.ID, &c))
	case store.PutToken:
		it, err := tokenItem(op.Token, 1) // a new token starts at version 1
		if err != nil {
			return nil, err
		}
		ws = append(ws, put("token", it, condAbsentOrExpired(nowN)))
	case store.UpdateToken:
		it, err := tokenItem(op.Token, op.Token.Version+1)
		if err != nil {
			return nil, err
		}
		// Version 0 fails the condition: an update never creates.
		ws = append(ws, put("token", it, condVersionLive(op.Token.Version, nowN)))
	case store.ConsumeToken:
		if !validTokenKey(op.Key) {
			return nil, invalid("token kind and hash are required, and the kind holds no '#'")
		}
		c := condLive(nowN)
		if op.Version != 0 {
			c = condVersionLive(op.Version, nowN)
		}
		ws = append(ws, del("token", tokenPK(op.Key), skToken, &c))
	case store.DeleteToken:
		if !validTokenKey(op.Key) {
			return nil, invalid("token kind and hash are required, and the kind holds no '#'")
		}
		ws = append(ws, del("token", tokenPK(op.Key), skToken, nil))
	case store.PutCredential:
		c := op.Credential
		if !validCredentialKey(c.Key()) {
			return nil, invalid("credential user id, kind and id are required, and the kind holds no '#'")
		}
		it, err := encodeCredential(c, 1) // a new credential starts at version 1
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("credential", it, condAbsentOrExpired(nowN)))
		if op.Unique {
			ws = append(ws, claimPut(store.CredentialClaim(c.Kind), c.ID, c.UserID))
		}
	case store.UpdateCredential:
		c := op.Credential
		if !validCredentialKey(c.Key()) {
			return nil, invalid("credential user id, kind and id are required, and the kind holds no '#'")
		}
		it, err := encodeCredential(c, c.Version+1)
		if err != nil {
			return nil, encErr(err)
		}
		// Version 0 fails the condition: an update never creates.
		ws = append(ws, put("credential", it, condVersionLive(c.Version, nowN)))
	case store.DeleteCredential:
		k := op.Key
		if !validCredentialKey(k) {
			return nil, invalid("credential user id, kind and id are required, and the kind holds no '#'")
		}
		var c *condition
		if op.Version != 0 {
			vc := condVersionLive(op.Version, nowN)
			c = &vc
		}
		ws = append(ws, del("credential", userPK(k.UserID), credentialSK(k), c))
		if op.Unique {
			ws = append(ws, claimDel(store.CredentialClaim(k.Kind), k.ID, k.UserID))
		}
	case store.PutHelpRequest:
		h := op.Request
		if h.UserID == "" || h.ID == "" {
			return nil, invalid("help request user id and id are required")
		}
		it, err := encodeHelpRequest(h)
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("help request", it, condAbsent()))
	case store.DeleteHelpRequest:
		if op.UserID == "" {
			return nil, invalid("help request user id is required")
		}
		var c *condition
		if op.ID != "" {
			hc := condHelpRequest(op.ID)
			c = &hc
		}
		ws = append(ws, del("help request", pkHelp, op.UserID, c))
	case store.ClaimMarker:
		if op.Name == "" {
			return nil, invalid("marker name is required")
		}
		e := newEncoder(markerPK(op.Name), skMarker, 1, 1)
		e.time(attrCreatedAt, now)
		it, err := e.done()
		if err != nil {
			return nil, encErr(err)
		}
		ws = append(ws, put("marker", it, condAbsent()))
	default:
		return nil, invalid("unknown operation type")
	}
	return ws, nil
}

// validTokenKey reports whether k can name a stored token: the partition key
// TOKEN#<kind>#<hash> is only unambiguous when the kind holds no "#".
func validTokenKey(k store.TokenKey) bool {
	return k.Kind != "" && k.Hash != "" && !strings.Contains(string(k.Kind), "#")
}

// checkDistinct rejects a set of writes that touches one item twice.
func checkDistinct(ws []write) error {
	if len(ws) < 2 {
		return nil
	}
	seen := make(map[string]int, len(ws))
	for i, w := range ws {
		k := keyString(w.pk, w.sk)
		if j, dup := seen[k]; dup {
			return fmt.Errorf("dynamo: commit: op %d and op %d both write the same %s, which one DynamoDB transaction cannot do: %w", ws[j].op, w.op, w.what, ErrInvalidOp)
		}
		seen[k] = i
	}
	return nil
}

// errTransient marks an attempt that a concurrent transaction cancelled.
var errTransient = errors.New("cancelled by a concurrent transaction")

// apply sends ws, retrying cancellations by concurrent transactions.
func (s *Store) apply(ctx context.Context, ws []write) error {
	var err error
	for attempt := range conflictAttempts {
		if attempt > 0 {
			if serr := retry.Sleep(ctx, retry.Backoff(attempt-1, 10*time.Millisecond, 250*time.Millisecond)); serr != nil {
				return fmt.Errorf("dynamo: commit: waiting to retry: %w (after %w)", serr, err)
			}
		}
		if len(ws) == 1 {
			err = s.applyOne(ctx, ws[0])
		} else {
			err = s.applyTransaction(ctx, ws)
		}
		if !errors.Is(err, errTransient) {
			return err
		}
	}
	return fmt.Errorf("dynamo: commit: still conflicting after %d attempts: %w: %w", conflictAttempts, store.ErrConflict, err)
}

// applyOne sends a single item write as a plain conditional request.
func (s *Store) applyOne(ctx context.Context, w write) error {
	var err error
	table := aws.String(s.table)
	cond := optional(w.cond)
	switch w.kind {
	case writePut:
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: table, Item: w.item, ConditionExpression: cond,
			ExpressionAttributeNames: w.names, ExpressionAttributeValues: w.values,
		})
	case writeUpdate:
		_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: table, Key: keyItem(w.pk, w.sk), UpdateExpression: aws.String(w.update),
			ConditionExpression: cond, ExpressionAttributeNames: w.names, ExpressionAttributeValues: w.values,
		})
	case writeDelete:
		_, err = s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: table, Key: keyItem(w.pk, w.sk), ConditionExpression: cond,
			ExpressionAttributeNames: w.names, ExpressionAttributeValues: w.values,
		})
	}
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("dynamo: commit: condition failed on op %d (%s): %w: %w", w.op, w.what, store.ErrConflict, err)
	}
	var tc *types.TransactionConflictException
	if errors.As(err, &tc) {
		return fmt.Errorf("dynamo: commit: op %d (%s): %w: %w", w.op, w.what, errTransient, err)
	}
	return fmt.Errorf("dynamo: commit: op %d (%s): %w", w.op, w.what, err)
}

// applyTransaction sends writes as one TransactWriteItems.
func (s *Store) applyTransaction(ctx context.Context, ws []write) error {
	table := aws.String(s.table)
	items := make([]types.TransactWriteItem, len(ws))
	for i, w := range ws {
		cond := optional(w.cond)
		switch w.kind {
		case writePut:
			items[i].Put = &types.Put{
				TableName: table, Item: w.item, ConditionExpression: cond,
				ExpressionAttributeNames: w.names, ExpressionAttributeValues: w.values,
			}
		case writeUpdate:
			items[i].Update = &types.Update{
				TableName: table, Key: keyItem(w.pk, w.sk), UpdateExpression: aws.String(w.update),
				ConditionExpression: cond, ExpressionAttributeNames: w.names, ExpressionAttributeValues: w.values,
			}
		case writeDelete:
			items[i].Delete = &types.Delete{
				TableName: table, Key: keyItem(w.pk, w.sk), ConditionExpression: cond,
				ExpressionAttributeNames: w.names, ExpressionAttributeValues: w.values,
			}
		}
	}
	_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		var tc *types.TransactionConflictException
		if errors.As(err, &tc) {
			return fmt.Errorf("dynamo: commit: %w: %w", errTransient, err)
		}
		return fmt.Errorf("dynamo: commit of %d item writes: %w", len(ws), err)
	}
	// A failed condition decides the outcome; a conflict with a concurrent
	// transaction is worth another attempt; anything else is an error.
	var failed, conflicts []string
	var others []string
	for i, r := range tce.CancellationReasons {
		if i >= len(ws) {
			break
		}
		code := aws.ToString(r.Code)
		desc := fmt.Sprintf("op %d (%s)", ws[i].op, ws[i].what)
		switch code {
		case "", reasonNone:
		case reasonConditionalCheckFailed:
			failed = append(failed, desc)
		case reasonTransactionConflict:
			conflicts = append(conflicts, desc)
		default:
			others = append(others, desc+": "+code)
		}
	}
	switch {
	case len(failed) > 0:
		return fmt.Errorf("dynamo: commit: condition failed on %s: %w: %w", strings.Join(failed, ", "), store.ErrConflict, err)
	case len(others) > 0:
		return fmt.Errorf("dynamo: commit: transaction cancelled (%s): %w", strings.Join(others, ", "), err)
	case len(conflicts) > 0:
		return fmt.Errorf("dynamo: commit: concurrent transaction on %s: %w: %w", strings.Join(conflicts, ", "), errTransient, err)
	default:
		return fmt.Errorf("dynamo: commit: transaction cancelled: %w", err)
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
