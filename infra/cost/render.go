package cost

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Report is everything the command computed.
type Report struct {
	Prices      Prices
	Assumptions Assumptions
	// Budget is the most a tenant stack may cost a month at rest.
	Budget float64
	// Tenants and Operators are the stacks by kind, sorted by name.
	Tenants, Operators []StackCost
	// Ceilings are the tenants' costs under attack, in Tenants' order.
	Ceilings   []Ceiling
	Documented Documented
}

// MaxTenant is the dearest tenant stack at rest; false without tenants.
func (r Report) MaxTenant() (StackCost, bool) {
	if len(r.Tenants) == 0 {
		return StackCost{}, false
	}
	return slices.MaxFunc(r.Tenants, func(a, b StackCost) int {
		switch {
		case a.Month < b.Month:
			return -1
		case a.Month > b.Month:
			return 1
		}
		return strings.Compare(b.Stack.Name, a.Stack.Name) // the first name wins a tie
	}), true
}

// OperatorMonth is the operator stacks' fixed cost a month.
func (r Report) OperatorMonth() float64 {
	total := 0.0
	for _, s := range r.Operators {
		total += s.Month
	}
	return total
}

// Pass reports whether every tenant stack is within the budget. Cents
// decide: a figure that rounds to the budget passes.
func (r Report) Pass() bool {
	max, ok := r.MaxTenant()
	return !ok || cents(max.Month) <= cents(r.Budget)
}

// cents rounds dollars to cents.
func cents(v float64) int64 { return int64(v*100 + 0.5) }

// WriteText writes the report for the terminal.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	p, a := r.Prices, r.Assumptions
	fmt.Fprintf(&b, "Gatepass stacks at rest: list prices of %s as of %s; free tiers left out.\n\n", p.Region, p.AsOf)
	b.WriteString("Price table (infra/cost/prices.go):\n")
	tw := tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
	for _, pr := range p.Table() {
		fmt.Fprintf(tw, "  %s\t%s\tper %s\t%s\n", pr.Item, priceText(pr), pr.Unit, pr.Source)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nAssumptions: an idle tenant stores %s in DynamoDB (PITR as much), %s per log group and per bucket the stack deploys nothing into; deployed assets are measured in cdk.out.\n",
		bytesText(a.TableBytes), bytesText(a.LogGroupBytes))

	for _, group := range []struct {
		title  string
		stacks []StackCost
	}{{"tenant", r.Tenants}, {"operator", r.Operators}} {
		for _, s := range group.stacks {
			fmt.Fprintf(&b, "\n== %s (%s stack, %s) ==\n", s.Stack.Name, group.title, s.Stack.Region)
			tw := tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "  resource type\tcount\tbilled item\tquantity\tunit price\ta month\tnote")
			for _, l := range s.Lines {
				count := ""
				if l.Count > 0 {
					count = fmt.Sprint(l.Count)
				}
				if l.Item == "" {
					fmt.Fprintf(tw, "  %s\t%s\t-\t\t\t$0\t%s\n", l.Type, count, l.Note)
					continue
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s %s\t%s\t%s\t%s\n", l.Type, count, l.Item, quantityText(l.Quantity), l.Unit, unitMoney(l.UnitPrice), money(l.Month), l.Note)
			}
			tw.Flush()
			fmt.Fprintf(&b, "  total a month: %s\n", money(s.Month))
		}
	}

	b.WriteString("\nSummary\n")
	for _, s := range r.Tenants {
		fmt.Fprintf(&b, "  tenant   %-28s %s a month at rest\n", s.Stack.Name, money(s.Month))
	}
	if max, ok := r.MaxTenant(); ok {
		fmt.Fprintf(&b, "  max per tenant: %s (%s)\n", money(max.Month), max.Stack.Name)
	} else {
		b.WriteString("  no tenant stack in the assembly\n")
	}
	for _, s := range r.Operators {
		fmt.Fprintf(&b, "  operator %-28s %s a month, fixed\n", s.Stack.Name, money(s.Month))
	}
	if a.Tenants > 0 {
		fmt.Fprintf(&b, "  operator stacks together: %s a month, %s per tenant over %d tenants (information, not in the budget)\n",
			money(r.OperatorMonth()), money(r.OperatorMonth()/float64(a.Tenants)), a.Tenants)
	}
	fmt.Fprintf(&b, "  budget: %s a month per tenant stack: %s\n", money(r.Budget), r.verdict())

	for _, c := range r.Ceilings {
		r.writeCeiling(&b, c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// verdict is PASS or FAIL with the figures.
func (r Report) verdict() string {
	var over []string
	for _, s := range r.Tenants {
		if cents(s.Month) > cents(r.Budget) {
			over = append(over, fmt.Sprintf("%s %s", s.Stack.Name, money(s.Month)))
		}
	}
	if len(over) == 0 {
		return "PASS"
	}
	return "FAIL (" + strings.Join(over, ", ") + ")"
}

// writeCeiling writes one tenant's cost under attack.
func (r Report) writeCeiling(b *strings.Builder, c Ceiling) {
	fmt.Fprintf(b, "\nUnder attack: %s with every API Gateway rate limit of its stage held at once\n", c.Tenant)
	fmt.Fprintf(b, "  ceiling = rate × 3600 s × cost per request; cost per request = the modelled flow (docs/cost-model.md, bench run of %s) + the edge (%s = %s)\n",
		r.Documented.Run, perMillion(c.Edge), strings.Join(c.EdgeParts, " + "))
	tw := tabwriter.NewWriter(b, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  route\tfunction\tlimit\tpriced as\tper request\tan hour\tWAF rate rule")
	for _, row := range c.Rows {
		route, rate := row.Route, fmt.Sprintf("%g/s", row.Rate)
		if row.Route == "" {
			route, rate = fmt.Sprintf("stage default (%d routes)", row.Routes), fmt.Sprintf("%g/s each", row.Rate)
		}
		waf := "-"
		if row.WAF != nil {
			waf = fmt.Sprintf("%s: %g/s per address", row.WAF.Name, row.WAF.PerSecond())
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", route, row.Function, rate, row.Basis, perMillion(row.PerRequest), money(row.PerHour), waf)
	}
	tw.Flush()
	fmt.Fprintf(b, "  routes with their own limit: %s an hour; stage default: %s an hour; together %s an hour (%g requests/s; the account's regional quota of %g/s caps all APIs together)\n",
		money(c.Throttled), money(c.Default), money(c.Total()), c.Rate, c.AccountLimit)
	fmt.Fprintf(b, "  beyond the limits every request still costs the edge %s (WAF bills blocked requests too; API Gateway's 429 is counted as free): %s an hour per 1,000 requests/s, bounded by no throttle\n",
		perMillion(c.Edge), money(c.Edge*1000*3600))
	b.WriteString("  read with care: the stage default is taken to hold for each of its routes separately (the higher reading); API Gateway applies limits on a best-effort basis and lets bursts through (the Burst limits), so these are targets, not guarantees\n")
}

// priceText formats a price: per-request prices per million.
func priceText(p Price) string {
	if p.Dollars < 0.001 {
		return unitMoney(p.Dollars*1e6) + " per million"
	}
	return unitMoney(p.Dollars)
}

// unitMoney formats a unit price exactly (to a millionth of a dollar), with
// at least cents: "$0.023", "$32.85", "$3.00".
func unitMoney(v float64) string {
	s := strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	return "$" + whole + "." + frac
}

// quantityText formats a billed quantity.
func quantityText(q float64) string {
	if q == float64(int64(q)) {
		return fmt.Sprint(int64(q))
	}
	return fmt.Sprintf("%.3g", q)
}

// Section markers of the README's generated cost section.
const (
	BeginMarker = "<!-- cost:begin -->"
	EndMarker   = "<!-- cost:end -->"
)

// Markdown is the README's cost section (between the markers): idle cost
// per tenant with its items, the operator stacks' fixed cost, the
// assumptions and the ceiling under attack.
func (r Report) Markdown() string {
	var b strings.Builder
	p, a := r.Prices, r.Assumptions
	b.WriteString("<!-- generated by `make cost` (infra/cost) from the synthesized templates: edit the code, not this -->\n")
	if max, ok := r.MaxTenant(); ok {
		verdict := "within the budget"
		if !r.Pass() {
			verdict = "**over the budget**"
		}
		var priced, storage []string
		storageMonth, free := 0.0, 0
		for _, l := range max.Lines {
			switch {
			case l.Item == "":
				free++
			case isStorage(l.Unit):
				storageMonth += l.Month
				storage = append(storage, l.Item)
			default:
				item := fmt.Sprintf("%s %s (%s × %s", l.Item, money(l.Month), quantityText(l.Quantity), unitMoney(l.UnitPrice))
				if l.Note != "" {
					item += "; " + l.Note
				}
				priced = append(priced, item+")")
			}
		}
		para := fmt.Sprintf("- **At rest a tenant costs %s a month**, %s of %s: computed by `make cost` from the synthesized `%s` "+
			"at %s list prices (the table in `infra/cost/prices.go`, as of %s; free tiers left out). "+
			"%s. Storage at assumed sizes — %s in DynamoDB with as much in PITR, %s per log group and per bucket the stack deploys nothing into, the web app as deployed "+
			"(%s) — adds %s. The stack's other %d resource types cost nothing at rest (`make cost` lists each with its reason): Lambda, API Gateway, CloudFront "+
			"with its function and KeyValueStore, SES and SNS are billed per request, the Cognito user pool per monthly active user.",
			money(max.Month), verdict, money(r.Budget), max.Stack.TemplateFile, p.Region, p.AsOf,
			strings.Join(priced, "; "),
			bytesText(a.TableBytes), bytesText(a.LogGroupBytes), strings.Join(slices.Compact(storage), ", "), money(storageMonth), free)
		b.WriteString(wrap(para, 100, "  "))
	}
	if len(r.Operators) > 0 {
		var parts []string
		for _, s := range r.Operators {
			var items []string
			for _, l := range s.Lines {
				if l.Item != "" {
					items = append(items, fmt.Sprintf("%s × %s %s", quantityText(l.Quantity), unitMoney(l.UnitPrice), l.Item))
					if l.Note != "" {
						items[len(items)-1] += " (" + l.Note + ")"
					}
				}
			}
			parts = append(parts, fmt.Sprintf("`%s` %s (%s)", s.Stack.Name, money(s.Month), strings.Join(items, " + ")))
		}
		para := fmt.Sprintf("- **The operator stacks' fixed cost** is paid once per account (or account and region), not per tenant: %s a month; over %d tenants, %s each.",
			strings.Join(parts, "; "), a.Tenants, money(r.OperatorMonth()/float64(max(a.Tenants, 1))))
		b.WriteString(wrap(para, 100, "  "))
	}
	if len(r.Ceilings) > 0 {
		c := slices.MaxFunc(r.Ceilings, func(x, y Ceiling) int {
			switch {
			case x.Total() < y.Total():
				return -1
			case x.Total() > y.Total():
				return 1
			}
			return strings.Compare(y.Tenant, x.Tenant)
		})
		para := fmt.Sprintf("- **Under attack** API Gateway's throttling bounds what reaches Lambda and DynamoDB: with every rate limit of the stage held at once a tenant costs at most **%s an hour** "+
			"(%s for the routes with their own limit, %s for the stage default). A limit costs rate × 3600 × cost per request; a request is priced as its flow in "+
			"docs/cost-model.md (bench run of %s; the failed sign-in derived from its measured request units) plus %s at the edge (%s):",
			money(c.Total()), money(c.Throttled), money(c.Default), r.Documented.Run, perMillion(c.Edge), strings.Join(c.EdgeParts, ", "))
		b.WriteString(wrap(para, 100, "  "))
		b.WriteString("\n  | route | limit | priced as | per request | an hour | WAF rate rule per client address |\n  |---|---:|---|---:|---:|---|\n")
		for _, row := range c.Rows {
			route, limit := "`"+row.Route+"`", fmt.Sprintf("%g/s", row.Rate)
			if row.Route == "" {
				route, limit = fmt.Sprintf("stage default, each of the other %d routes", row.Routes), fmt.Sprintf("%d × %g/s", row.Routes, row.Rate)
			}
			waf := "none: one address can hold the limit"
			if row.WAF != nil {
				waf = fmt.Sprintf("`%s`: %g in %g s, so %.0f addresses to hold the limit", row.WAF.Name, row.WAF.Limit, row.WAF.Window, ceilDiv(row.Rate, row.WAF.PerSecond()))
			}
			fmt.Fprintf(&b, "  | %s | %s | %s | %s | %s | %s |\n", route, limit, row.Basis, perMillion(row.PerRequest), money(row.PerHour), waf)
		}
		tail := fmt.Sprintf("  The stage default is taken to hold for each of its routes separately (the higher reading), and API Gateway throttles on a best-effort basis with bursts on top: "+
			"the figures are targets, not guarantees. Every request beyond the limits still costs the edge %s (WAF bills the requests it blocks; API Gateway's throttled requests are taken as free), "+
			"%s an hour per 1,000 requests a second, which no throttle bounds.",
			perMillion(c.Edge), money(c.Edge*1000*3600))
		b.WriteString("\n" + wrap(tail, 100, "  "))
	}
	return b.String()
}

// isStorage tells a storage price by its unit.
func isStorage(unit string) bool { return unit == "GB-month" }

// ceilDiv is ⌈a / b⌉.
func ceilDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	n := a / b
	if n != float64(int64(n)) {
		return float64(int64(n) + 1)
	}
	return n
}

// wrap breaks text into lines of at most width characters (a longer word
// stays whole, and on the line of a list's "-"), continuation lines
// indented by indent, each line ended by a newline. The text's own leading
// spaces stay on the first line.
func wrap(text string, width int, indent string) string {
	lead := text[:len(text)-len(strings.TrimLeft(text, " "))]
	words := strings.Fields(text)
	var b strings.Builder
	line := lead
	for _, w := range words {
		switch t := strings.TrimSpace(line); {
		case t == "":
			line += w
		case t == "-":
			line += " " + w
		case len([]rune(line))+1+len([]rune(w)) > width:
			b.WriteString(line + "\n")
			line = indent + w
		default:
			line += " " + w
		}
	}
	b.WriteString(line + "\n")
	return b.String()
}

// RewriteSection replaces what lies between the markers in doc with
// section, keeping the marker lines. Exactly one begin marker before
// exactly one end marker, each on its own line, must be present.
func RewriteSection(doc, section string) (string, error) {
	if n, m := strings.Count(doc, BeginMarker), strings.Count(doc, EndMarker); n != 1 || m != 1 {
		return "", fmt.Errorf("README: want one %s and one %s, found %d and %d", BeginMarker, EndMarker, n, m)
	}
	begin := strings.Index(doc, BeginMarker)
	end := strings.Index(doc, EndMarker)
	if end < begin {
		return "", fmt.Errorf("README: %s comes before %s", EndMarker, BeginMarker)
	}
	head := doc[:begin+len(BeginMarker)]
	if !strings.HasPrefix(doc[begin+len(BeginMarker):], "\n") || (end > 0 && doc[end-1] != '\n') {
		return "", fmt.Errorf("README: the cost markers must stand on lines of their own")
	}
	if section != "" && !strings.HasSuffix(section, "\n") {
		section += "\n"
	}
	return head + "\n" + section + doc[end:], nil
}
