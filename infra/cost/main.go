// Package cost is `make cost` (infra/cost/cmd/cost): what Gatepass's stacks
// cost a month at rest,
// computed from the synthesized CloudFormation templates (cdk.out) and the
// price table in prices.go — every resource type priced, or declared free
// with its reason, or the command fails — each tenant stack checked against
// the idle budget, the operator stacks' fixed cost shown apart, and a
// tenant's ceiling under attack: dollars an hour with every API Gateway
// rate limit of its stage held, each request priced by the cost model of
// docs/cost-model.md plus the edge.
//
//	go run ./infra/cost/cmd/cost                       # after make synth: cdk.out/, report only
//	go run ./infra/cost/cmd/cost -readme README.md     # also rewrite README's cost section (what make cost runs)
//	go run ./infra/cost/cmd/cost -cdk-out other.out -budget 1.00 -tenants 50
//
// Exit status: 0 every tenant within the budget, 1 a tenant over it (the
// report and README are written all the same), 2 an error — a resource type
// without a price among them.
//
// It reads JSON only and links no CDK: it belongs to the root module.
package cost

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gatepass/gatepass/infra/bench/report"
)

// Exit statuses of Run.
const (
	exitPass  = 0
	exitOver  = 1
	exitError = 2
)

// options are the command's flags.
type options struct {
	cdkOut, docs, readme string
	budget               float64
	tenants              int
}

// Run is the command with its arguments: it returns the exit status.
func Run(args []string, stdout, stderr io.Writer) int {
	var o options
	fl := flag.NewFlagSet("cost", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.StringVar(&o.cdkOut, "cdk-out", "cdk.out", "the cloud assembly make synth writes")
	fl.StringVar(&o.docs, "docs", "docs", "the directory of cost-model.md and performance.md (make bench)")
	fl.StringVar(&o.readme, "readme", "", "rewrite this README's section between "+BeginMarker+" and "+EndMarker)
	fl.Float64Var(&o.budget, "budget", 1.00, "the most a tenant stack may cost a month at rest, in dollars")
	fl.IntVar(&o.tenants, "tenants", 50, "the tenants the operator stacks' cost is spread over (information)")
	if err := fl.Parse(args); errors.Is(err, flag.ErrHelp) {
		return exitPass
	} else if err != nil {
		return exitError
	}
	r, err := compute(o)
	if err != nil {
		fmt.Fprintln(stderr, "cost:", err)
		return exitError
	}
	if err := r.WriteText(stdout); err != nil {
		fmt.Fprintln(stderr, "cost:", err)
		return exitError
	}
	if o.readme != "" {
		changed, err := rewriteReadme(o.readme, r.Markdown())
		if err != nil {
			fmt.Fprintln(stderr, "cost:", err)
			return exitError
		}
		state := "up to date"
		if changed {
			state = "rewritten"
		}
		fmt.Fprintf(stdout, "\n%s: cost section %s\n", o.readme, state)
	}
	if !r.Pass() {
		return exitOver
	}
	return exitPass
}

// compute prices the assembly and the attack ceilings.
func compute(o options) (Report, error) {
	p, a := Published(), DefaultAssumptions()
	a.Tenants = o.tenants
	r := Report{Prices: p, Assumptions: a, Budget: o.budget}
	stacks, err := LoadAssembly(o.cdkOut)
	if err != nil {
		return r, err
	}
	if len(stacks) == 0 {
		return r, fmt.Errorf("%s: no stacks", o.cdkOut)
	}
	var errs []error
	var operators []Stack
	for _, s := range stacks {
		sc, err := PriceStack(s, p, a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch s.Kind {
		case KindTenant:
			r.Tenants = append(r.Tenants, sc)
		case KindOperator:
			r.Operators = append(r.Operators, sc)
			operators = append(operators, s)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	if r.Documented, err = documented(o.docs, p); err != nil {
		return r, err
	}
	for _, t := range r.Tenants {
		c, err := AttackCeiling(t.Stack, operators, r.Documented, p, a)
		if err != nil {
			return r, err
		}
		r.Ceilings = append(r.Ceilings, c)
	}
	return r, nil
}

// documented reads the cost model's per-request figures from the committed
// documents make bench renders.
func documented(dir string, p Prices) (Documented, error) {
	cm, err := os.ReadFile(filepath.Join(dir, "cost-model.md"))
	if err != nil {
		return Documented{}, fmt.Errorf("cost model: %w", err)
	}
	perf, err := os.ReadFile(filepath.Join(dir, "performance.md"))
	if err != nil {
		return Documented{}, fmt.Errorf("performance: %w", err)
	}
	d, err := ParseCostModel(string(cm))
	if err != nil {
		return d, err
	}
	if err := d.AddFailedSignIn(string(perf), p.Request, report.DefaultModel()); err != nil {
		return d, err
	}
	return d, nil
}

// rewriteReadme replaces the cost section of the README at path; it
// reports whether the file changed.
func rewriteReadme(path, section string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("README: %w", err)
	}
	out, err := RewriteSection(string(b), section)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	if out == string(b) {
		return false, nil
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return false, fmt.Errorf("README: %w", err)
	}
	return true, nil
}
