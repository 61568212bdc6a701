package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The run before this one: `make bench` keeps the figures it rendered last in
// docs/bench/run/ (committed with the documents), copies them into the raw
// directory's previous/ when a full run starts, and compares the new run
// against them — every budget beside its previous figure, and the Go
// benchmarks through benchstat.
const (
	// DirPrevious is the raw directory's copy of the previous run.
	DirPrevious = "previous"
	// FileBudgets holds a run's budgets as rendered.
	FileBudgets = "budgets.json"
	// FileBenchstat is benchstat's comparison of the previous run's Go
	// benchmarks with this run's, as its command printed it.
	FileBenchstat = "benchstat.txt"
)

// RunFiles are the files of a run kept in docs/bench/run/ and, once a new
// run starts, in the raw directory's previous/.
func RunFiles() []string { return []string{FileMeta, FileBudgets, FileGoBench} }

// Previous is what the run before this one measured.
type Previous struct {
	Meta    Meta
	Budgets []Budget
	// Benchstat is benchstat's output comparing the two runs' Go
	// benchmarks, or why there is none.
	Benchstat string
}

// loadPrevious reads dir/previous and dir/benchstat.txt; nil when there is no
// previous run.
func loadPrevious(dir string) (*Previous, error) {
	var p Previous
	prev := filepath.Join(dir, DirPrevious)
	if err := readJSON(filepath.Join(prev, FileMeta), &p.Meta); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(prev, FileBudgets), &p.Budgets); err != nil {
		return nil, err
	}
	if p.Meta.Date == "" && len(p.Budgets) == 0 {
		return nil, nil
	}
	text, err := os.ReadFile(filepath.Join(dir, FileBenchstat))
	switch {
	case err == nil:
		p.Benchstat = strings.TrimRight(string(text), "\n")
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("report: %w", err)
	}
	return &p, nil
}

// budget is the previous run's budget named name, if it had one.
func (p *Previous) budget(name string) (Budget, bool) {
	if p == nil {
		return Budget{}, false
	}
	for _, b := range p.Budgets {
		if b.Name == name {
			return b, true
		}
	}
	return Budget{}, false
}

// previousCell is the budgets table's "previous run" cell for bg.
func (p *Previous) previousCell(bg Budget) string {
	if p == nil {
		return "—"
	}
	old, ok := p.budget(bg.Name)
	switch {
	case !ok:
		return "— (new budget)"
	case old.Measured == bg.Measured && old.Status == bg.Status:
		return "same"
	case old.Status != bg.Status:
		return fmt.Sprintf("%s (%s)", orDash(old.Measured), strings.Trim(string(old.Status), "*"))
	}
	return orDash(old.Measured)
}

// againstPrevious is the "Against the previous run" section.
func againstPrevious(in Inputs) string {
	var b strings.Builder
	b.WriteString("## Against the previous run\n\n")
	p := in.Previous
	if p == nil {
		b.WriteString("No previous run: `docs/bench/run/` held none when this run started.\n\n")
		return b.String()
	}
	fmt.Fprintf(&b, "The previous run is of %s (%s, %d cores, %s); its budgets stand beside this run's above. ",
		orDash(p.Meta.Date), orDash(p.Meta.CPU), p.Meta.NumCPU, orDash(p.Meta.GoVersion))
	b.WriteString("The Go benchmarks compared by benchstat (`golang.org/x/perf/cmd/benchstat@" + BenchstatVersion + "`): ")
	b.WriteString("`~` is no significant difference at α = 0.05, a percentage a significant one. ")
	b.WriteString("The machine is shared, so differences of a few percent are as likely its load as the code.\n\n")
	if p.Benchstat == "" {
		b.WriteString("No benchstat comparison: one of the two runs has no Go benchmarks.\n\n")
		return b.String()
	}
	b.WriteString("```\n")
	b.WriteString(p.Benchstat)
	b.WriteString("\n```\n\n")
	return b.String()
}
