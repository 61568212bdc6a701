package flowbench_test

import (
	"context"
	"testing"

	"github.com/gatepass/gatepass/infra/bench/flowbench"
	"github.com/gatepass/gatepass/shared/clock"
	"github.com/gatepass/gatepass/shared/store"
	"github.com/gatepass/gatepass/shared/store/storecount"
)

// Round trips made while paused are left out; the ones of the measured
// operation are reported per operation, with the CPU time.
func TestPausedWorkIsNotCounted(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		st := storecount.New(flowbench.OpenStore(b, clock.NewFake(clock.System{}.Now())))
		ctx := context.Background()
		run := flowbench.Start(b, st)
		for b.Loop() {
			run.Pause()
			_, _ = st.Load(ctx, store.Query{Parameters: true}) // preparation
			_, _ = st.Load(ctx, store.Query{Parameters: true})
			run.Resume()
			_, _ = st.Load(ctx, store.Query{Parameters: true}) // the operation
			_ = st.Commit(ctx, store.DeleteCounter{Key: "login:ip:203.0.113.7"})
		}
		run.Done()
	})
	if res.N == 0 {
		t.Fatal("the benchmark did not run")
	}
	if r, w := res.Extra[flowbench.UnitReads], res.Extra[flowbench.UnitWrites]; r != 1 || w != 1 {
		t.Fatalf("%v reads/op, %v writes/op; want 1 and 1", r, w)
	}
	if res.Extra[flowbench.UnitCPU] <= 0 {
		t.Fatalf("cpu-ns/op = %v", res.Extra[flowbench.UnitCPU])
	}
}

func TestPlainHasher(t *testing.T) {
	h := flowbench.PlainHasher{}
	enc, err := h.Hash("a passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify("a passphrase", enc); !ok || rehash || err != nil {
		t.Fatalf("Verify = %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify("another", enc); ok {
		t.Fatal("a wrong password verified")
	}
}
