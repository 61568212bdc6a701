// Package tenant is the CDK stack of one Gatepass tenant: the DynamoDB
// table and its key, the TOTP sealing key, one Lambda per function of the
// route table behind an HTTP API, the web app on S3 behind CloudFront with
// the admin-alias function, SES, and alarms. Everything is read from Config,
// which the app builds from CDK context (FromContext).
package tenant

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gatepass/gatepass/shared/params"
	"github.com/gatepass/gatepass/shared/routes"
)

// Context keys the app reads (cdk.json, or -c key=value).
const (
	CtxTenant          = "tenant"          // required, [a-z0-9-]
	CtxAdminEmail      = "adminEmail"      // required, the first super_admin
	CtxMailFrom        = "mailFrom"        // required, the sender address
	CtxDomainName      = "domainName"      // optional custom domain
	CtxCertificateArn  = "certificateArn"  // required with domainName, in us-east-1
	CtxHashConcurrency = "hashConcurrency" // reserved concurrency of hashing functions
	CtxBinDir          = "binDir"          // where make build put bin/<name>/bootstrap
	CtxWebDir          = "webDir"          // the web app
	CtxReinviteAdmin   = "reinviteAdmin"   // any new value: mail a still-invited first admin a new link
	CtxLockoutAlarm    = "lockoutAlarm"    // sign-in locks in 5 minutes that alarm
	CtxRegion          = "region"          // the stack's region, over the CLI's CDK_DEFAULT_REGION
	// CtxWebACLArn is the ARN of a CloudFront-scope WAF WebACL (us-east-1)
	// to attach instead of the edge stack's; the app sets it from the edge
	// stack when context waf is on (the default).
	CtxWebACLArn = "webAclArn"
	// CtxWAF turns the WAF off with "false" (default on).
	CtxWAF = "waf"
	// CtxAuthorizerConsumers lists, comma-separated, the HTTP API ids (in
	// the stack's account and region) that may invoke the authorizer;
	// default none.
	CtxAuthorizerConsumers = "authorizerConsumers"
	// CtxVersion is the commit the tenant runs (tag gatepass:version); make
	// deploy and make synth pass git's.
	CtxVersion = "version"
	// CtxTableName adopts an existing table (one restored from PITR) instead
	// of creating one; CtxUserPoolID an existing Cognito user pool.
	CtxTableName  = "tableName"
	CtxUserPoolID = "userPoolId"
	// CtxAlarmAdminEmail, when set, also mails the tenant's own alarms
	// (sign-in locks and server errors of this tenant) to this address;
	// every alarm goes to the operator in any case.
	CtxAlarmAdminEmail = "alarmAdminEmail"
	// CtxAdminAlias is the tenant's initial admin alias (API.md "Admin
	// alias"), set with the first super_admin at the first deploy; later
	// the super_admin changes it in the app. It is a secret that ends up in
	// the stack's template: change it in the app after setup to keep the
	// live one out of templates.
	CtxAdminAlias = "adminAlias"
)

// ContextKeys lists every context key a tenant has: on the command line
// (-c key=value) or as the keys of its entry in the registry.
func ContextKeys() []string {
	return []string{CtxTenant, CtxAdminEmail, CtxMailFrom, CtxDomainName, CtxCertificateArn, CtxHashConcurrency,
		CtxBinDir, CtxWebDir, CtxReinviteAdmin, CtxLockoutAlarm, CtxRegion, CtxWebACLArn, CtxWAF,
		CtxAuthorizerConsumers, CtxVersion, CtxTableName, CtxUserPoolID, CtxAlarmAdminEmail, CtxAdminAlias}
}

// Defaults, relative to infra/aws (where cdk.json's app runs).
const (
	DefaultBinDir = "../../bin"
	DefaultWebDir = "../../web"
	// DefaultHashConcurrency is each hashing function's reserved
	// concurrency: 5 functions × 2 = 10 a tenant, so that 50 tenants (500)
	// fit an account of 1,000 with room for the other functions. Two
	// instances hash about 50 sign-ins a second: far above a Backoffice's
	// morning peak, and a bound on what an attack can spend.
	DefaultHashConcurrency = 2
	DefaultLockoutAlarm    = 20
)

// Config is everything that differs between two tenant stacks.
type Config struct {
	// Tenant names the tenant: lower-case letters, digits and hyphens.
	Tenant string
	// AdminEmail is the address of the tenant's first super_admin.
	AdminEmail string
	// MailFrom is the sender of every mail; its domain becomes an SES
	// identity.
	MailFrom string
	// DomainName and CertificateArn (us-east-1) give CloudFront a custom
	// domain; both or neither.
	DomainName, CertificateArn string
	// HashConcurrency is the reserved concurrency of every function that
	// hashes passwords.
	HashConcurrency int
	// BinDir holds <function>/bootstrap for every function; WebDir the web
	// app.
	BinDir, WebDir string
	// ReinviteAdmin, when it differs from the last deploy's, makes the
	// bootstrap resource mail a first super_admin that never set its
	// password a fresh invitation.
	ReinviteAdmin string
	// LockoutAlarm is how many sign-in locks (login.LockedMetric) in 5
	// minutes alarm.
	LockoutAlarm int
	// Region, when set, is the region the stack is for, over the one the
	// CLI gives the app (CDK_DEFAULT_REGION: the CLI's own default region,
	// from AWS_REGION or the AWS configuration, else us-east-1).
	Region string
	// WAF attaches a CloudFront-scope WAF WebACL (context waf, on by
	// default): WebACLArn's, which the app takes from the edge stack
	// unless context webAclArn names one.
	WAF       bool
	WebACLArn string
	// AuthorizerConsumers are the ids of the HTTP APIs that may invoke the
	// authorizer (API Gateway of this account and region); none by default.
	AuthorizerConsumers []string
	// Version is the commit the tenant runs (tag gatepass:version).
	Version string
	// TableName and UserPoolID adopt an existing table (restored from a
	// point in time) and user pool instead of creating them.
	TableName, UserPoolID string
	// AlarmAdminEmail also receives the tenant's own alarms; "" for none.
	AlarmAdminEmail string
	// AdminAlias is the initial admin alias; "" for none.
	AdminAlias string
}

// ReservedConcurrency is the Lambda concurrency the tenant reserves: each
// hashing function's HashConcurrency.
func (c Config) ReservedConcurrency() int {
	n := 0
	for _, f := range routes.Table() {
		if f.Hashes {
			n += c.HashConcurrency
		}
	}
	return n
}

var (
	tenantRe   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
	emailRe    = regexp.MustCompile(`^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+$`)
	domainRe   = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	apiIDRe    = regexp.MustCompile(`^[a-z0-9]{10}$`)
	tableRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)
	userPoolRe = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+_[A-Za-z0-9]+$`)
	wafArnRe   = regexp.MustCompile(`^arn:aws:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]+/[a-f0-9-]+$`)
)

// FromContext reads a Config through get, which returns a context value
// (nil when unset), and checks it.
func FromContext(get func(key string) any) (Config, error) {
	str := func(key string) string {
		v := get(key)
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	c := Config{
		Tenant:          str(CtxTenant),
		AdminEmail:      str(CtxAdminEmail),
		MailFrom:        str(CtxMailFrom),
		DomainName:      strings.ToLower(str(CtxDomainName)),
		CertificateArn:  str(CtxCertificateArn),
		HashConcurrency: DefaultHashConcurrency,
		BinDir:          str(CtxBinDir),
		WebDir:          str(CtxWebDir),
		ReinviteAdmin:   str(CtxReinviteAdmin),
		LockoutAlarm:    DefaultLockoutAlarm,
		Region:          str(CtxRegion),
		WAF:             str(CtxWAF) != "false",
		WebACLArn:       str(CtxWebACLArn),
		Version:         str(CtxVersion),
		TableName:       str(CtxTableName),
		UserPoolID:      str(CtxUserPoolID),
		AlarmAdminEmail: str(CtxAlarmAdminEmail),
		AdminAlias:      str(CtxAdminAlias),
	}
	for _, id := range strings.Split(str(CtxAuthorizerConsumers), ",") {
		if id = strings.TrimSpace(id); id != "" {
			c.AuthorizerConsumers = append(c.AuthorizerConsumers, id)
		}
	}
	for _, n := range []struct {
		key string
		to  *int
	}{{CtxHashConcurrency, &c.HashConcurrency}, {CtxLockoutAlarm, &c.LockoutAlarm}} {
		if s := str(n.key); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil {
				return Config{}, fmt.Errorf("context %s: %w", n.key, err)
			}
			*n.to = v
		}
	}
	if c.BinDir == "" {
		c.BinDir = DefaultBinDir
	}
	if c.WebDir == "" {
		c.WebDir = DefaultWebDir
	}
	return c, c.Validate()
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if reservedTenant(c.Tenant) {
		errs = append(errs, fmt.Errorf("context %s=%q: edge and operator name the account's shared stacks (gatepass-edge, gatepass-operator-<region>)", CtxTenant, c.Tenant))
	}
	if !tenantRe.MatchString(c.Tenant) {
		errs = append(errs, fmt.Errorf("context %s=%q: want 1-32 of [a-z0-9-], not starting or ending with '-' (e.g. -c %s=acme)", CtxTenant, c.Tenant, CtxTenant))
	}
	if !emailRe.MatchString(c.AdminEmail) {
		errs = append(errs, fmt.Errorf("context %s=%q: want an email address", CtxAdminEmail, c.AdminEmail))
	}
	if !emailRe.MatchString(c.MailFrom) {
		errs = append(errs, fmt.Errorf("context %s=%q: want an email address", CtxMailFrom, c.MailFrom))
	}
	if (c.DomainName == "") != (c.CertificateArn == "") {
		errs = append(errs, fmt.Errorf("context %s and %s go together", CtxDomainName, CtxCertificateArn))
	}
	if c.DomainName != "" && !domainRe.MatchString(c.DomainName) {
		errs = append(errs, fmt.Errorf("context %s=%q: want a DNS name", CtxDomainName, c.DomainName))
	}
	if c.CertificateArn != "" && !strings.HasPrefix(c.CertificateArn, "arn:aws:acm:us-east-1:") {
		errs = append(errs, fmt.Errorf("context %s: CloudFront needs an ACM certificate in us-east-1", CtxCertificateArn))
	}
	if c.HashConcurrency < 1 || c.HashConcurrency > 1000 {
		errs = append(errs, fmt.Errorf("context %s=%d: want 1-1000", CtxHashConcurrency, c.HashConcurrency))
	}
	if c.LockoutAlarm < 1 || c.LockoutAlarm > 100000 {
		errs = append(errs, fmt.Errorf("context %s=%d: want 1-100000", CtxLockoutAlarm, c.LockoutAlarm))
	}
	for _, id := range c.AuthorizerConsumers {
		if !apiIDRe.MatchString(id) {
			errs = append(errs, fmt.Errorf("context %s: %q is not an HTTP API id (10 characters of a-z0-9)", CtxAuthorizerConsumers, id))
		}
	}
	if c.WebACLArn != "" && !strings.HasPrefix(c.WebACLArn, "${Token[") && !wafArnRe.MatchString(c.WebACLArn) {
		errs = append(errs, fmt.Errorf("context %s=%q: want the ARN of a CloudFront-scope WebACL (global, us-east-1)", CtxWebACLArn, c.WebACLArn))
	}
	if c.AlarmAdminEmail != "" && !emailRe.MatchString(c.AlarmAdminEmail) {
		errs = append(errs, fmt.Errorf("context %s=%q: want an email address", CtxAlarmAdminEmail, c.AlarmAdminEmail))
	}
	if c.AdminAlias != "" && !params.ValidAlias(c.AdminAlias) {
		// The value is a secret: the message does not repeat it.
		errs = append(errs, fmt.Errorf("context %s: want 8 to 64 characters of a-z, A-Z, 0-9, - and _", CtxAdminAlias))
	}
	if c.TableName != "" && !tableRe.MatchString(c.TableName) {
		errs = append(errs, fmt.Errorf("context %s=%q: want a DynamoDB table name", CtxTableName, c.TableName))
	}
	if c.UserPoolID != "" && !userPoolRe.MatchString(c.UserPoolID) {
		errs = append(errs, fmt.Errorf("context %s=%q: want a Cognito user pool id such as eu-central-1_AbC123", CtxUserPoolID, c.UserPoolID))
	}
	if c.Region != "" && !regionRe.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("context %s=%q: want an AWS region such as eu-central-1", CtxRegion, c.Region))
	}
	return errors.Join(errs...)
}

// reservedTenant reports whether a tenant name would name one of the
// account's shared stacks: gatepass-edge, gatepass-operator-<region>.
func reservedTenant(name string) bool {
	return name == "edge" || name == "operator" || strings.HasPrefix(name, "edge-") || strings.HasPrefix(name, "operator-")
}

// MailDomain is the domain part of MailFrom.
func (c Config) MailDomain() string {
	_, d, _ := strings.Cut(c.MailFrom, "@")
	return strings.ToLower(d)
}
