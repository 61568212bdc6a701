package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// sig3 formats v with three significant digits (no exponent).
func sig3(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// dur formats nanoseconds in the largest unit that keeps them ≥ 1:
// "36.9 µs", "0.197 ms" is written "197 µs", "33.4 ms", "1.20 s".
func dur(ns float64) string {
	switch a := math.Abs(ns); {
	case a >= 1e9:
		return sig3(ns/1e9) + " s"
	case a >= 1e6:
		return sig3(ns/1e6) + " ms"
	case a >= 1e3:
		return sig3(ns/1e3) + " µs"
	default:
		return sig3(ns) + " ns"
	}
}

// durD formats a duration like dur.
func durD(d time.Duration) string { return dur(float64(d)) }

// ms formats nanoseconds as milliseconds with three significant digits.
func ms(ns float64) string { return sig3(ns/1e6) + " ms" }

// bytesIEC formats a byte count in B, KiB or MiB.
func bytesIEC(b float64) string {
	switch {
	case b >= 1<<20:
		return sig3(b/(1<<20)) + " MiB"
	case b >= 1<<10:
		return sig3(b/(1<<10)) + " KiB"
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}

// usd formats dollars with enough decimals for small per-request sums.
func usd(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "$0"
	case a >= 100:
		return fmt.Sprintf("$%.0f", v)
	case a >= 1:
		return fmt.Sprintf("$%.2f", v)
	case a >= 0.01:
		return fmt.Sprintf("$%.3f", v)
	default:
		return fmt.Sprintf("$%.5f", v)
	}
}

// count formats a per-operation count: "2", "0.5".
func count(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// table writes a Markdown table: a header row, the alignment row (numbers
// right-aligned where align says 'r') and the rows. Cells never hold '|'.
func table(b *strings.Builder, align string, header []string, rows [][]string) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	b.WriteString("|")
	for _, h := range header {
		b.WriteString(" " + cell(h) + " |")
	}
	b.WriteString("\n|")
	for i := range header {
		if i < len(align) && align[i] == 'r' {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + cell(c) + " |")
		}
		b.WriteString("\n")
	}
}
