package dynamo

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/shared/store"
)

// Help requests share the partition HELP, sorted by user id: the user id
// is the sort key, which keeps them one per account, Load reads one by key
// and ListHelpRequests is one Query.
const pkHelp = "HELP"

func encodeHelpRequest(h store.HelpRequest) (item, error) {
	e := newEncoder(pkHelp, h.UserID, 1, 4)
	e.str(attrID, h.ID)
	e.time(attrCreatedAt, h.CreatedAt)
	e.str(attrIP, h.IP)
	e.str(attrUserAgent, h.UserAgent)
	return e.done()
}

func decodeHelpRequest(it item) (store.HelpRequest, error) {
	d := decoder{m: it}
	h := store.HelpRequest{
		UserID:    d.str(AttrSortKey),
		ID:        d.str(attrID),
		CreatedAt: d.time(attrCreatedAt),
		IP:        d.str(attrIP),
		UserAgent: d.str(attrUserAgent),
	}
	if d.err != nil {
		return store.HelpRequest{}, fmt.Errorf("dynamo: decode help request: %w", d.err)
	}
	return h, nil
}

// condHelpRequest holds when the stored help request is the one with id.
func condHelpRequest(id string) condition {
	return condition{
		expr:   "#id = :id",
		names:  map[string]string{"#id": attrID},
		values: map[string]types.AttributeValue{":id": str(id)},
	}
}

// ListHelpRequests returns every open help request, newest first, from one
// consistent Query on the HELP partition (paged when large).
func (s *Store) ListHelpRequests(ctx context.Context) ([]store.HelpRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dynamo: list help requests: %w", err)
	}
	out, err := listPartition(ctx, s, pkHelp, decodeHelpRequest)
	if err != nil {
		return nil, fmt.Errorf("dynamo: list help requests: %w", err)
	}
	slices.SortFunc(out, store.CompareHelpRequests)
	return out, nil
}
