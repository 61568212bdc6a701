// Package registry reads the tenant registry: the one file in which an
// operator lists the account's tenants with their context (tenants.json),
// and the operator's own settings. The CDK app synthesizes the operator's
// stacks and one stack per tenant from it.
package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/gatepass/gatepass/infra/aws/tenant"
)

// Operator is the account's operator: who its alarms mail, and the
// account-wide settings every tenant shares.
type Operator struct {
	// AlarmEmail receives every alarm of every tenant (confirm the SNS
	// subscription mail once).
	AlarmEmail string `json:"alarmEmail"`
	// AccountConcurrency is the account's Lambda concurrency quota in each
	// region the tenants use (default DefaultAccountConcurrency): synthesis
	// fails when the tenants' reservations would not leave Lambda its
	// minimum of unreserved concurrency.
	AccountConcurrency int `json:"accountConcurrency,omitempty"`
	// WAFRateLimit is the WAF's limit per client address on the password
	// routes, per 5 minutes (default edge.DefaultRateLimit).
	WAFRateLimit int `json:"wafRateLimit,omitempty"`
	// WAF, when false, attaches no WebACL (default true).
	WAF *bool `json:"waf,omitempty"`
	// LockoutAlarm is how many sign-in locks in 5 minutes, across all
	// tenants, alarm (default tenant.DefaultLockoutAlarm).
	LockoutAlarm int `json:"lockoutAlarm,omitempty"`
}

// Registry is the parsed registry file.
type Registry struct {
	Operator Operator
	// Tenants are the tenants' configurations, in the file's order.
	Tenants []tenant.Config
}

// Defaults of the operator's settings.
const (
	DefaultAccountConcurrency = 1000
	// UnreservedMinimum is what Lambda keeps unreserved in every region:
	// reservations may not take it.
	UnreservedMinimum = 100
)

// file is the JSON form: the operator and each tenant's context, keyed as
// on the command line (tenant.Ctx*), so that a tenant moves between the -c
// form and the registry unchanged.
type file struct {
	Operator Operator         `json:"operator"`
	Tenants  []map[string]any `json:"tenants"`
}

var emailRe = regexp.MustCompile(`^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+$`)

// Load reads and checks the registry at path. defaults fills each tenant's
// context keys it leaves out (binDir, webDir, version…).
func Load(path string, defaults map[string]any) (Registry, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Registry{}, fmt.Errorf("registry: %w", err)
	}
	return Parse(raw, defaults)
}

// Parse reads and checks a registry document. Every problem is reported at
// once.
func Parse(raw []byte, defaults map[string]any) (Registry, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return Registry{}, fmt.Errorf("registry: %w", err)
	}
	r := Registry{Operator: f.Operator}
	if r.Operator.AccountConcurrency == 0 {
		r.Operator.AccountConcurrency = DefaultAccountConcurrency
	}
	if r.Operator.LockoutAlarm == 0 {
		r.Operator.LockoutAlarm = tenant.DefaultLockoutAlarm
	}
	var errs []error
	if !emailRe.MatchString(r.Operator.AlarmEmail) {
		errs = append(errs, fmt.Errorf("registry: operator.alarmEmail %q: want an email address", r.Operator.AlarmEmail))
	}
	if len(f.Tenants) == 0 {
		errs = append(errs, errors.New("registry: no tenants"))
	}
	seen := map[string]bool{}
	for i, entry := range f.Tenants {
		for k := range entry {
			if !slices.Contains(tenant.ContextKeys(), k) {
				errs = append(errs, fmt.Errorf("registry: tenants[%d]: unknown key %q", i, k))
			}
		}
		cfg, err := tenant.FromContext(func(key string) any {
			if v, ok := entry[key]; ok {
				if list, ok := v.([]any); ok { // authorizerConsumers as a JSON list
					parts := make([]string, len(list))
					for j, x := range list {
						parts[j] = fmt.Sprint(x)
					}
					return strings.Join(parts, ",")
				}
				return v
			}
			return defaults[key]
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("registry: tenants[%d] (%v): %w", i, entry[tenant.CtxTenant], err))
			continue
		}
		if seen[cfg.Tenant] {
			errs = append(errs, fmt.Errorf("registry: tenant %q is registered twice", cfg.Tenant))
		}
		seen[cfg.Tenant] = true
		if r.Operator.WAF != nil {
			cfg.WAF = *r.Operator.WAF
		}
		r.Tenants = append(r.Tenants, cfg)
	}
	if err := errors.Join(errs...); err != nil {
		return Registry{}, err
	}
	return r, r.CheckConcurrency()
}

// Regions lists the regions the tenants are in, sorted. A tenant without
// a region is in fallback.
func (r Registry) Regions(fallback string) []string {
	var out []string
	for _, t := range r.Tenants {
		region := t.Region
		if region == "" {
			region = fallback
		}
		if !slices.Contains(out, region) {
			out = append(out, region)
		}
	}
	slices.Sort(out)
	return out
}

// Reserved is the Lambda concurrency the tenants of region reserve, with
// fallback the region of tenants that name none.
func (r Registry) Reserved(region, fallback string) int {
	n := 0
	for _, t := range r.Tenants {
		if t.Region == region || t.Region == "" && region == fallback {
			n += t.ReservedConcurrency()
		}
	}
	return n
}

// CheckConcurrency fails, with the figures, when the tenants of one region
// reserve more concurrency than the account can give while Lambda keeps
// UnreservedMinimum unreserved.
func (r Registry) CheckConcurrency() error {
	budget := r.Operator.AccountConcurrency - UnreservedMinimum
	var errs []error
	for _, region := range r.Regions("") {
		if n := r.Reserved(region, ""); n > budget {
			where := region
			if where == "" {
				where = "the default region"
			}
			errs = append(errs, fmt.Errorf("registry: the tenants of %s reserve %d concurrent executions, but an account "+
				"quota of %d leaves %d to reserve (Lambda keeps %d unreserved): lower hashConcurrency, raise the quota "+
				"(operator.accountConcurrency after AWS raised it), or move tenants to another region or account",
				where, n, r.Operator.AccountConcurrency, budget, UnreservedMinimum))
		}
	}
	return errors.Join(errs...)
}

// MailDomains lists the mail-from domains of the tenants of region (with
// fallback as above), sorted: the operator stack of the region owns their
// SES identities.
func (r Registry) MailDomains(region, fallback string) []string {
	var out []string
	for _, t := range r.Tenants {
		if (t.Region == region || t.Region == "" && region == fallback) && !slices.Contains(out, t.MailDomain()) {
			out = append(out, t.MailDomain())
		}
	}
	slices.Sort(out)
	return out
}
