package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatepass/gatepass/shared/store"
)

// Credentials live in their user's partition under CRED#<kind>#<id>: Load
// reads one with the account in the same BatchGetItem, ListCredentials is one
// Query, and every kind is stored alike.
const prefixCredential = "CRED#"

// Credential attributes.
const (
	attrCredentials = "credentials" // account: L of "<kind>#<id>"
	attrSecret      = "secret"
	attrCounter     = "counter"
	attrHashes      = "hashes"
	attrLastUsedAt  = "lastUsedAt"
)

func credentialSK(k store.CredentialKey) string {
	return prefixCredential + string(k.Kind) + "#" + k.ID
}

func credentialKindPrefix(kind store.CredentialKind) string {
	if kind == "" {
		return prefixCredential
	}
	return prefixCredential + string(kind) + "#"
}

// validCredentialKey reports whether k can name a stored credential: the
// sort key CRED#<kind>#<id> is only unambiguous when the kind holds no "#".
func validCredentialKey(k store.CredentialKey) bool {
	return k.UserID != "" && k.Kind != "" && k.ID != "" && !strings.Contains(string(k.Kind), "#")
}

// encodeCredentialRefs stores an account's credential index as "<kind>#<id>"
// strings: compact, and kinds hold no "#".
func encodeCredentialRefs(refs []store.CredentialRef) []string {
	if len(refs) == 0 {
		return nil
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = string(r.Kind) + "#" + r.ID
	}
	return out
}

func decodeCredentialRefs(l []string) ([]store.CredentialRef, error) {
	if len(l) == 0 {
		return nil, nil
	}
	out := make([]store.CredentialRef, len(l))
	for i, s := range l {
		kind, id, ok := strings.Cut(s, "#")
		if !ok || kind == "" || id == "" {
			return nil, fmt.Errorf("attribute %q holds a malformed entry", attrCredentials)
		}
		out[i] = store.CredentialRef{Kind: store.CredentialKind(kind), ID: id}
	}
	return out, nil
}

func encodeCredential(c store.Credential, version int64) (item, error) {
	e := newEncoder(userPK(c.UserID), credentialSK(c.Key()), version, 10)
	e.str(attrName, c.Name)
	e.bytes(attrSecret, c.Secret)
	e.int(attrCounter, c.Counter)
	e.list(attrHashes, c.Hashes)
	e.strMap(attrData, c.Data)
	e.time(attrCreatedAt, c.CreatedAt)
	e.time(attrLastUsedAt, c.LastUsedAt)
	e.expiry(attrExpiresAt, c.ExpiresAt)
	return e.done()
}

// decodeCredential reads a credential. Its user comes from the partition
// key, its kind and id from the sort key (kinds never contain "#").
func decodeCredential(it item) (store.Credential, error) {
	d := decoder{m: it}
	kind, id, ok := strings.Cut(strings.TrimPrefix(d.str(AttrSortKey), prefixCredential), "#")
	c := store.Credential{
		UserID:     strings.TrimPrefix(d.str(AttrPartitionKey), prefixUser),
		Kind:       store.CredentialKind(kind),
		ID:         id,
		Name:       d.str(attrName),
		Secret:     d.bytes(attrSecret),
		Counter:    d.int(attrCounter),
		Hashes:     d.list(attrHashes),
		Data:       d.strMap(attrData),
		CreatedAt:  d.time(attrCreatedAt),
		LastUsedAt: d.time(attrLastUsedAt),
		ExpiresAt:  d.time(attrExpiresAt),
		Version:    d.int(attrVersion),
	}
	if d.err == nil && !ok {
		d.err = errors.New("sort key names no credential kind")
	}
	if d.err != nil {
		return store.Credential{}, fmt.Errorf("dynamo: decode credential: %w", d.err)
	}
	return c, nil
}

// ListCredentials returns the user's live credentials of kind (every kind
// when empty), oldest first, from one consistent Query on the user's
// partition.
func (s *Store) ListCredentials(ctx context.Context, userID string, kind store.CredentialKind) ([]store.Credential, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dynamo: list credentials: %w", err)
	}
	if strings.Contains(string(kind), "#") {
		return nil, nil
	}
	out, err := listUserItems(ctx, s, userID, credentialKindPrefix(kind), decodeCredential)
	if err != nil {
		return nil, fmt.Errorf("dynamo: list credentials: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Credential) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
