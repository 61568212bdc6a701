package stats

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	// The worked example of the nearest-rank method: 15, 20, 35, 40, 50.
	xs := []float64{50, 15, 40, 20, 35}
	for _, c := range []struct{ p, want float64 }{
		{5, 15}, {20, 15}, {30, 20}, {40, 20}, {50, 35}, {99, 50}, {100, 50}, {0, 15},
	} {
		if got := Percentile(xs, c.p); got != c.want {
			t.Errorf("P%v = %v, want %v", c.p, got, c.want)
		}
	}
	if xs[0] != 50 {
		t.Fatal("Percentile sorted its argument")
	}
	if got := Percentile([]float64(nil), 50); got != 0 {
		t.Fatalf("empty: %v", got)
	}
}

// p99 of 100 values is the 99th smallest, of 1000 the 990th: one slow
// outlier in a hundred does not show, two do.
func TestP99(t *testing.T) {
	xs := make([]int64, 100)
	for i := range xs {
		xs[i] = int64(i + 1)
	}
	if got := Percentile(xs, 99); got != 99 {
		t.Fatalf("p99 of 1..100 = %d", got)
	}
	xs[99] = 1_000_000
	if got := Percentile(xs, 99); got != 99 {
		t.Fatalf("one outlier moved p99 to %d", got)
	}
	xs[98] = 1_000_000
	if got := Percentile(xs, 99); got != 1_000_000 {
		t.Fatalf("two outliers: p99 = %d", got)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := Median(c.xs); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}

func TestSummarise(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var ds []time.Duration
	for i := 200; i >= 1; i-- {
		ds = append(ds, ms(i))
	}
	got := Summarise(ds)
	want := Latencies{N: 200, Min: ms(1), P50: ms(100), P99: ms(198), Max: ms(200)}
	if got != want {
		t.Fatalf("Summarise = %+v, want %+v", got, want)
	}
	if (Summarise(nil) != Latencies{}) {
		t.Fatal("empty summary not zero")
	}
}
