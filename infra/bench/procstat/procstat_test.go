package procstat_test

import (
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gatepass/gatepass/infra/bench/procstat"
)

// A command name with spaces and parentheses does not shift the fields.
func TestReadFS(t *testing.T) {
	procfs := fstest.MapFS{
		"42/stat":   {Data: []byte("42 (gate pass) (x)) S 1 42 42 0 -1 4194560 1500 7 3 0 250 12 0 0 20 0 9 0 100 1000000 3000 18446744073709551615\n")},
		"42/status": {Data: []byte("Name:\tgate pass\nVmPeak:\t  999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nThreads:\t9\n")},
	}
	s, err := procstat.ReadFS(procfs, 42)
	if err != nil {
		t.Fatal(err)
	}
	want := procstat.Sample{User: 2500 * time.Millisecond, System: 120 * time.Millisecond,
		MinorFaults: 1500, MajorFaults: 3, RSS: 1 << 20, HWM: 2 << 20}
	if s != want {
		t.Fatalf("sample %+v, want %+v", s, want)
	}
	if s.CPU() != 2620*time.Millisecond {
		t.Fatalf("CPU %s", s.CPU())
	}
}

func TestReadFSErrors(t *testing.T) {
	for name, procfs := range map[string]fstest.MapFS{
		"missing":   {},
		"short":     {"1/stat": {Data: []byte("1 (x) S 1 2 3")}, "1/status": {Data: []byte("VmRSS:\t1 kB\nVmHWM:\t1 kB\n")}},
		"no rss":    {"1/stat": {Data: []byte("1 (x) S 0 0 0 0 0 0 1 0 0 0 1 1\n")}, "1/status": {Data: []byte("Name:\tkthread\n")}},
		"bad field": {"1/stat": {Data: []byte("1 (x) S 0 0 0 0 0 0 z 0 0 0 1 1\n")}, "1/status": {Data: []byte("VmRSS:\t1 kB\nVmHWM:\t1 kB\n")}},
	} {
		if _, err := procstat.ReadFS(procfs, 1); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSubPer(t *testing.T) {
	a := procstat.Sample{User: time.Second, System: 100 * time.Millisecond, MinorFaults: 100, MajorFaults: 1}
	b := procstat.Sample{User: 3 * time.Second, System: 500 * time.Millisecond, MinorFaults: 1100, MajorFaults: 1}
	p := b.Sub(a).Per(100)
	want := procstat.PerOp{User: 20 * time.Millisecond, System: 4 * time.Millisecond, MinorFaults: 10}
	if p != want || p.CPU() != 24*time.Millisecond {
		t.Fatalf("per op %+v, want %+v", p, want)
	}
	if (procstat.Delta{User: time.Second}).Per(0) != (procstat.PerOp{}) {
		t.Fatal("per zero ops")
	}
}

// This process reads itself: it has used some CPU and is resident.
func TestReadSelf(t *testing.T) {
	s, err := procstat.Read(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if s.RSS <= 0 || s.HWM < s.RSS || s.MinorFaults == 0 {
		t.Fatalf("sample %+v", s)
	}
}
