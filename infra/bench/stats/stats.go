// Package stats has the few order statistics the bench tooling reports:
// medians of repeated runs and latency percentiles.
package stats

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p ≤ 100) of xs by the
// nearest-rank method: the smallest value such that at least p % of the
// values are less than or equal to it. It returns 0 for no values. xs is
// not modified.
func Percentile[T ~int64 | ~float64](xs []T, p float64) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return sortedPercentile(s, p)
}

func sortedPercentile[T ~int64 | ~float64](s []T, p float64) T {
	switch {
	case p <= 0:
		return s[0]
	case p >= 100:
		return s[len(s)-1]
	}
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[max(rank, 1)-1]
}

// Median returns the median of xs: the middle value, or the mean of the two
// middle values of an even count. It returns 0 for no values.
func Median[T ~int64 | ~float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Latencies summarises durations.
type Latencies struct {
	N             int
	Min, P50, P99 time.Duration
	Max           time.Duration
}

// Summarise returns the count, minimum, p50, p99 and maximum of ds.
func Summarise(ds []time.Duration) Latencies {
	if len(ds) == 0 {
		return Latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Latencies{N: len(s), Min: s[0], P50: sortedPercentile(s, 50), P99: sortedPercentile(s, 99), Max: s[len(s)-1]}
}
