package hashmem_test

import (
	"slices"
	"testing"

	"github.com/gatepass/gatepass/shared/app/hashmem"
)

func TestSelected(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                                  false,
		hashmem.GODEBUG:                     true,
		"gctrace=1, madvdontneed=0":         true,
		"madvdontneed=0,madvdontneed=1":     false, // the last one wins, as in the runtime
		"madvdontneed=1,x=2,madvdontneed=0": true,
		"madvdontneed":                      false,
	} {
		if got := hashmem.Selected(godebug); got != want {
			t.Errorf("Selected(%q) = %v", godebug, got)
		}
	}
}

func TestWith(t *testing.T) {
	got := hashmem.With([]string{"PATH=/bin", "GODEBUG=gctrace=1"}, true)
	if want := []string{"PATH=/bin", "GODEBUG=gctrace=1,madvdontneed=0"}; !slices.Equal(got, want) {
		t.Errorf("with an existing GODEBUG: %q", got)
	}
	got = hashmem.With([]string{"PATH=/bin"}, false)
	if want := []string{"PATH=/bin", "GODEBUG=madvdontneed=1"}; !slices.Equal(got, want) {
		t.Errorf("without one, off: %q", got)
	}
	if got := hashmem.With([]string{"GODEBUG="}, true); !slices.Equal(got, []string{"GODEBUG=madvdontneed=0"}) {
		t.Errorf("empty GODEBUG: %q", got)
	}
}
