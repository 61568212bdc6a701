package dynamo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/shared/app"
	"github.com/gatepass/gatepass/shared/app/apptest"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/mfa/totp"
	"github.com/gatepass/gatepass/shared/passkey/passkeytest"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/dynamo"
)

// meter is a dynamo.API that counts every request by operation and prices
// it in request units by DynamoDB's published rules: a strongly consistent
// read of an item, present or missing, is 1 RRU per 4 KB (BatchGetItem reads
// each key separately; a Query rounds its items' total up to 4 KB); a
// write is 1 WRU per 1 KB of item, twice that inside TransactWriteItems.
// It also asks for and adds up the capacity DynamoDB Local reports, which
// leaves missing keys and transactions' doubling out, for comparison. It is
// safe for concurrent use.
type meter struct {
	api dynamo.API

	mu       sync.Mutex
	calls    map[string]int
	keys     int
	rru, wru float64
	local    struct{ rru, wru float64 }
}

func newMeter(api dynamo.API) *meter { return &meter{api: api, calls: map[string]int{}} }

func (m *meter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls, m.keys, m.rru, m.wru = map[string]int{}, 0, 0, 0
	m.local.rru, m.local.wru = 0, 0
}

// add records one request: its read keys, the units it costs by the
// published rules and the capacity DynamoDB Local reported.
func (m *meter) add(op string, keys int, rru, wru float64, read bool, cc ...types.ConsumedCapacity) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[op]++
	m.keys += keys
	m.rru += rru
	m.wru += wru
	for _, c := range cc {
		if c.CapacityUnits == nil {
			continue
		}
		if read {
			m.local.rru += *c.CapacityUnits
		} else {
			m.local.wru += *c.CapacityUnits
		}
	}
}

const total = types.ReturnConsumedCapacityTotal

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

// units is size rounded up to whole blocks of block bytes, at least one.
func units(size, block int) float64 { return float64(max(1, (size+block-1)/block)) }

func (m *meter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.BatchGetItem(ctx, &c, opts...)
	keys := 0
	for _, ka := range in.RequestItems {
		keys += len(ka.Keys)
	}
	if err != nil {
		m.add("BatchGetItem", keys, 0, 0, true)
		return out, err
	}
	// Every key costs at least one unit; larger items their 4 KB blocks; an
	// eventually consistent read half as much.
	rru := 0.0
	for table, ka := range in.RequestItems {
		r := float64(len(ka.Keys))
		for _, it := range out.Responses[table] {
			r += units(dynamo.ItemSize(it), 4096) - 1
		}
		if ka.ConsistentRead == nil || !*ka.ConsistentRead {
			r /= 2
		}
		rru += r
	}
	m.add("BatchGetItem", keys, rru, 0, true, out.ConsumedCapacity...)
	return out, nil
}

func (m *meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.PutItem(ctx, &c, opts...)
	wru := units(dynamo.ItemSize(in.Item), 1024)
	if err != nil {
		m.add("PutItem", 0, 0, wru, false)
		return out, err
	}
	m.add("PutItem", 0, 0, wru, false, one(out.ConsumedCapacity)...)
	return out, nil
}

func (m *meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.UpdateItem(ctx, &c, opts...)
	if err != nil {
		m.add("UpdateItem", 0, 0, 1, false)
		return out, err
	}
	m.add("UpdateItem", 0, 0, 1, false, one(out.ConsumedCapacity)...)
	return out, nil
}

func (m *meter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.DeleteItem(ctx, &c, opts...)
	if err != nil {
		m.add("DeleteItem", 0, 0, 1, false)
		return out, err
	}
	m.add("DeleteItem", 0, 0, 1, false, one(out.ConsumedCapacity)...)
	return out, nil
}

func (m *meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.TransactWriteItems(ctx, &c, opts...)
	wru := 0.0
	for _, it := range in.TransactItems {
		size := 0 // updates, deletes and condition checks of small items
		if it.Put != nil {
			size = dynamo.ItemSize(it.Put.Item)
		}
		wru += 2 * units(size, 1024)
	}
	if err != nil {
		m.add("TransactWriteItems", 0, 0, wru, false)
		return out, err
	}
	m.add("TransactWriteItems", 0, 0, wru, false, out.ConsumedCapacity...)
	return out, nil
}

func (m *meter) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.BatchWriteItem(ctx, &c, opts...)
	wru := 0.0
	for _, reqs := range in.RequestItems {
		for _, w := range reqs {
			size := 0 // deletes of small items
			if w.PutRequest != nil {
				size = dynamo.ItemSize(w.PutRequest.Item)
			}
			wru += units(size, 1024)
		}
	}
	if err != nil {
		m.add("BatchWriteItem", 0, 0, wru, false)
		return out, err
	}
	m.add("BatchWriteItem", 0, 0, wru, false, out.ConsumedCapacity...)
	return out, nil
}

func (m *meter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c := *in
	c.ReturnConsumedCapacity = total
	out, err := m.api.Query(ctx, &c, opts...)
	if err != nil {
		m.add("Query", 0, 1, 0, true)
		return out, err
	}
	size := 0
	for _, it := range out.Items {
		size += dynamo.ItemSize(it)
	}
	m.add("Query", len(out.Items), units(size, 4096), 0, true, one(out.ConsumedCapacity)...)
	return out, nil
}

// byteCounter counts what is written to it.
type byteCounter struct {
	mu sync.Mutex
	n  int
}

func (b *byteCounter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += len(p)
	return len(p), nil
}

func (b *byteCounter) take() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.n
	b.n = 0
	return n
}

const capacityPW = "correct horse battery staple"

// The DynamoDB cost of every flow docs/cost-model.md prices, measured once
// each on DynamoDB Local through the real adapter: requests per operation,
// keys read, the read and write request units DynamoDB reports, mails and
// log bytes. Each flow's store round trips must be exactly its DynamoDB
// requests. `make bench` runs it with flowbench.CapacityOutEnv set and reads
// the figures from that file.
func TestFlowCapacityOnDynamoDB(t *testing.T) {
	client, table := newTable(t)
	m := newMeter(client)
	logs := &byteCounter{}
	e := apptest.New(t, apptest.Options{Log: logs, Open: func(_ testing.TB, clk clock.Clock) store.Store {
		return dynamo.New(m, table, clk)
	}})
	authz, err := app.Authorizer(app.Deps{Tenant: "acme", PublicURL: e.Public, Store: e.Store, Clock: e.Clock,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}

	berlin := e.Facility("Berlin Store")
	e.Account("jdoe", capacityPW)
	e.Account("clerk", capacityPW, func(a *store.Account) { a.FacilityIDs = []string{berlin.ID} })
	e.Account("manager", capacityPW, func(a *store.Account) { a.NetworkAccess = true })
	secret := totp.NewSecret()
	e.Account("second", capacityPW, e.WithTOTP(secret))
	clerk, _ := e.SignIn("clerk", capacityPW)
	manager, _ := e.SignIn("manager", capacityPW)
	var challenge, resetToken string

	// A TOTP user whose browser is remembered, and a passkey holder.
	rememberedSecret := totp.NewSecret()
	e.Account("remembered", capacityPW, e.WithTOTP(rememberedSecret))
	first := e.Post("/api/auth/login", map[string]string{"username": "remembered", "password": capacityPW}, nil)
	device := e.Post("/api/auth/login/mfa", map[string]any{"challenge": first.JSON(t)["challenge"],
		"code": totp.Code(rememberedSecret, totp.Step(e.Clock.Now())), "rememberDevice": true}, nil).Cookie("gatepass-device")
	if device == nil {
		t.Fatal("no device cookie")
	}
	e.Account("keyholder", capacityPW, func(a *store.Account) { a.NetworkAccess = true })
	keyholder, _ := e.SignIn("keyholder", capacityPW)
	auth := passkeytest.New(e.Public)
	reg := e.Post("/api/auth/passkeys/register/begin", map[string]string{"password": capacityPW}, keyholder).JSON(t)
	regOptions, _ := json.Marshal(reg["options"])
	created, err := auth.Create(regOptions)
	if err != nil {
		t.Fatal(err)
	}
	if res := e.Post("/api/auth/passkeys/register/finish", map[string]any{"registration": reg["registration"],
		"credential": json.RawMessage(created)}, keyholder); res.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}

	want := func(status int, res apptest.Response) {
		t.Helper()
		if res.Status != status {
			t.Fatalf("status %d, want %d: %s", res.Status, status, res.Body)
		}
	}
	login := func(user string) apptest.Response {
		return e.Post("/api/auth/login", map[string]string{"username": user, "password": capacityPW}, nil)
	}
	flows := []struct {
		name string
		run  func()
	}{
		{"login", func() { want(http.StatusOK, login("jdoe")) }},
		{"login-failure", func() { want(http.StatusUnauthorized, login("nobody")) }},
		{"login-mfa-first-step", func() {
			res := login("second")
			want(http.StatusOK, res)
			challenge, _ = res.JSON(t)["challenge"].(string)
		}},
		{"mfa-step", func() {
			code := totp.Code(secret, totp.Step(e.Clock.Now()))
			want(http.StatusOK, e.Post("/api/auth/login/mfa", map[string]string{"challenge": challenge, "code": code}, nil))
		}},
		{"reset-request", func() {
			want(http.StatusAccepted, e.Post("/api/auth/password/reset", map[string]string{"identifier": "jdoe"}, nil))
			resetToken = apptest.Token(t, e.Mail.To("jdoe@example.com")[0])
		}},
		{"reset-confirm", func() {
			next := "a brand new passphrase 2026"
			want(http.StatusNoContent, e.Post("/api/auth/password/reset/confirm",
				map[string]string{"token": resetToken, "password": next, "passwordRepeat": next}, nil))
		}},
		{"session-check", func() { want(http.StatusOK, e.Get("/api/auth/session", clerk)) }},
		{"authorizer", func() {
			res, err := authz.Authorize(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{
				Version: "2.0", Type: "REQUEST", RouteKey: "GET /api/orders", RawPath: "/api/orders",
				Cookies: []string{clerk.Name + "=" + clerk.Value},
			})
			if err != nil || !res.IsAuthorized {
				t.Fatalf("authorize: %+v %v", res, err)
			}
		}},
		{"views-select", func() {
			want(http.StatusOK, e.Post("/api/auth/views/select", map[string]string{"type": "facility", "facilityId": berlin.ID}, manager))
		}},
		{"login-remembered-device", func() {
			res := e.Do(apptest.Request{Method: http.MethodPost, Path: "/api/auth/login", Cookies: []*http.Cookie{device},
				Body: `{"username":"remembered","password":"` + capacityPW + `"}`})
			want(http.StatusOK, res)
			if res.JSON(t)["status"] != "authenticated" {
				t.Fatalf("remembered sign-in: %s", res.Body)
			}
		}},
		{"passkey-sign-in", func() {
			begin := e.Post("/api/auth/login/passkey/begin", map[string]any{}, nil)
			want(http.StatusOK, begin)
			options, _ := json.Marshal(begin.JSON(t)["options"])
			assertion, err := auth.Get(options)
			if err != nil {
				t.Fatal(err)
			}
			want(http.StatusOK, e.Post("/api/auth/login/passkey/finish",
				map[string]any{"challenge": begin.JSON(t)["challenge"], "credential": json.RawMessage(assertion)}, nil))
		}},
	}

	var out []flowbench.Capacity
	for _, f := range flows {
		m.reset()
		e.Store.Reset()
		logs.take()
		mails := len(e.Mail.Sent())
		f.run()
		n := e.Store.Counts()
		m.mu.Lock()
		c := flowbench.Capacity{Flow: f.name, Reads: n.Reads, Writes: n.Writes, Calls: m.calls, KeysRead: m.keys,
			RRU: m.rru, WRU: m.wru, LocalRRU: m.local.rru, LocalWRU: m.local.wru,
			Mails: len(e.Mail.Sent()) - mails, LogBytes: logs.take()}
		m.mu.Unlock()
		requests := 0
		for _, k := range c.Calls {
			requests += k
		}
		if int64(requests) != c.Reads+c.Writes {
			t.Errorf("%s: %d DynamoDB requests %v for %d store round trips", f.name, requests, c.Calls, c.Reads+c.Writes)
		}
		if (c.Reads > 0) != (c.RRU > 0) || (c.Writes > 0) != (c.WRU > 0) || c.RRU < float64(c.Reads) || c.WRU < float64(c.Writes) {
			t.Errorf("%s: %d reads, %d writes but %.1f RRU, %.1f WRU reported", f.name, c.Reads, c.Writes, c.RRU, c.WRU)
		}
		t.Logf("%-22s %d reads %d writes %v keys %d RRU %.1f WRU %.1f (DynamoDB Local: %.1f, %.1f) mails %d log %d B",
			f.name, c.Reads, c.Writes, c.Calls, c.KeysRead, c.RRU, c.WRU, c.LocalRRU, c.LocalWRU, c.Mails, c.LogBytes)
		out = append(out, c)
	}
	if path := os.Getenv(flowbench.CapacityOutEnv); path != "" {
		if err := writeJSON(path, out); err != nil {
			t.Fatal(err)
		}
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("capacity: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("capacity: %w", err)
	}
	return nil
}

var _ io.Writer = (*byteCounter)(nil)
