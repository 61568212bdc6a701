package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Line is what the resources of one type cost a month at rest, for one
// billed item.
type Line struct {
	// Type is the CloudFormation resource type; Count how many of them.
	Type  string
	Count int
	// Item is what is billed ("" when nothing is); Quantity how many
	// Units, at UnitPrice each; Month the product.
	Item      string
	Quantity  float64
	Unit      string
	UnitPrice float64
	Month     float64
	// Note says why it is free, or what the quantity rests on.
	Note string
}

// StackCost is one stack's cost at rest.
type StackCost struct {
	Stack Stack
	Lines []Line
	// Month is the sum of the lines.
	Month float64
}

// pricer prices one resource (logical id, resource) of a stack.
type pricer func(id string, r Resource, c *pricing) ([]Line, error)

// rule is how a resource type is priced: a reason it costs nothing at
// rest, or a pricer.
type rule struct {
	free  string
	price pricer
}

// pricing is what a pricer may read.
type pricing struct {
	p Prices
	a Assumptions
	// bucketBytes are the bytes a stack deploys into its buckets, by
	// logical id; bucketNote how they were found.
	bucketBytes map[string]int64
	bucketNote  map[string]string
}

// rules is the price table by resource type. A type missing here fails the
// command: a new resource is priced, or declared free with its reason,
// before it can pass.
func rules() map[string]rule {
	const (
		perRequest = "billed per request only"
		config     = "configuration, no charge"
	)
	free := func(reason string) rule { return rule{free: reason} }
	return map[string]rule{
		"AWS::CloudWatch::Alarm":          {price: priceAlarm},
		"AWS::CloudWatch::CompositeAlarm": {price: fixed(func(p Prices) Price { return p.CompositeAlarm }, "")},
		"AWS::CloudWatch::Dashboard":      {price: priceDashboard},
		"AWS::KMS::Key":                   {price: priceKey},
		"AWS::SecretsManager::Secret":     {price: priceSecret},
		"AWS::WAFv2::WebACL":              {price: priceWebACL},
		"AWS::Route53::HostedZone":        {price: fixed(func(p Prices) Price { return p.HostedZone }, "")},
		"AWS::EC2::NatGateway":            {price: fixed(func(p Prices) Price { return p.NATGateway }, "")},
		"AWS::EC2::EIP":                   {price: fixed(func(p Prices) Price { return p.PublicIPv4 }, "")},
		"AWS::SSM::Parameter":             {price: priceParameter},
		"AWS::CloudFront::Distribution":   {price: priceDistribution},
		"AWS::DynamoDB::Table":            {price: priceTable},
		"AWS::S3::Bucket":                 {price: priceBucket},
		"AWS::Logs::LogGroup":             {price: priceLogGroup},
		"AWS::Lambda::Version":            {price: priceLambdaVersion},
		"AWS::Lambda::Alias":              {price: priceLambdaVersion},

		"AWS::CDK::Metadata":                         free("CDK's version report, not an AWS resource"),
		"AWS::IAM::Role":                             free("IAM has no charge"),
		"AWS::IAM::Policy":                           free("IAM has no charge"),
		"AWS::IAM::ManagedPolicy":                    free("IAM has no charge"),
		"AWS::Lambda::Function":                      free("billed per request and duration; provisioned concurrency, the one fixed charge, lives on an alias or version"),
		"AWS::Lambda::LayerVersion":                  free("code storage, within the 75 GB each region includes"),
		"AWS::Lambda::Permission":                    free(config),
		"AWS::ApiGatewayV2::Api":                     free("HTTP API: " + perRequest),
		"AWS::ApiGatewayV2::Integration":             free(config),
		"AWS::ApiGatewayV2::Route":                   free(config),
		"AWS::ApiGatewayV2::Stage":                   free(config),
		"AWS::ApiGatewayV2::Authorizer":              free(config),
		"AWS::CloudFront::Function":                  free("$0.10 per million invocations; " + perRequest),
		"AWS::CloudFront::KeyValueStore":             free("charged per read from a function and per API call; nothing at rest"),
		"AWS::CloudFront::OriginAccessControl":       free(config),
		"AWS::CloudFront::OriginRequestPolicy":       free(config),
		"AWS::CloudFront::ResponseHeadersPolicy":     free(config),
		"AWS::CloudFront::CachePolicy":               free(config),
		"AWS::Cognito::UserPool":                     free("Lite, Essentials and Plus are billed per monthly active user; none without sign-ins"),
		"AWS::Cognito::UserPoolClient":               free(config),
		"AWS::Cognito::UserPoolDomain":               free(config),
		"AWS::Cognito::UserPoolIdentityProvider":     free(config),
		"AWS::SES::EmailIdentity":                    free("per mail sent"),
		"AWS::SES::ConfigurationSet":                 free("per mail sent"),
		"AWS::SES::ConfigurationSetEventDestination": free("per event published (CloudWatch metrics of bounces and complaints)"),
		"AWS::SNS::Topic":                            free("per notification"),
		"AWS::SNS::Subscription":                     free("per notification"),
		"AWS::SNS::TopicPolicy":                      free(config),
		"AWS::S3::BucketPolicy":                      free(config),
		"AWS::WAFv2::WebACLAssociation":              free(config),
		"AWS::Route53::RecordSet":                    free("per query; alias queries to CloudFront are free"),
		"AWS::CertificateManager::Certificate":       free("public certificates have no charge"),

		"Custom::CDKBucketDeployment":     free("runs at deploy; the files it copies are priced with their bucket"),
		"Custom::CrossRegionExportReader": free("runs at deploy; reads standard-tier SSM parameters (free)"),
		"Custom::CrossRegionExportWriter": free("runs at deploy; writes standard-tier SSM parameters (free) in the reader's region"),
		"Custom::GatepassSealingKey":      free("runs at deploy; fills the stack's secret, priced as a secret"),
		"Custom::GatepassBootstrap":       free("runs at deploy; creates the first super_admin (one item, one mail)"),
		"Custom::GatepassSSOSync":         free("runs at deploy; updates the user pool client"),
	}
}

// fixed prices one resource at price(p), with note.
func fixed(price func(Prices) Price, note string) pricer {
	return func(_ string, _ Resource, c *pricing) ([]Line, error) {
		return []Line{line(price(c.p), 1, note)}, nil
	}
}

// line is quantity units of price.
func line(p Price, quantity float64, note string) Line {
	return Line{Item: p.Item, Quantity: quantity, Unit: p.Unit, UnitPrice: p.Dollars, Month: quantity * p.Dollars, Note: note}
}

// PriceStack prices every resource of s. Resource types without a rule
// fail it, all of them named in the error.
func PriceStack(s Stack, p Prices, a Assumptions) (StackCost, error) {
	c := &pricing{p: p, a: a}
	if err := c.measureDeployments(s); err != nil {
		return StackCost{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	table := rules()
	unknown := map[string]int{}
	var errs []error
	byKey := map[string]*Line{}
	var order []string
	ids := make([]string, 0, len(s.Template.Resources))
	for id := range s.Template.Resources {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := s.Template.Resources[id]
		ru, ok := table[r.Type]
		if !ok {
			unknown[r.Type]++
			continue
		}
		lines := []Line{{Note: ru.free}}
		if ru.price != nil {
			var err error
			if lines, err = ru.price(id, r, c); err != nil {
				errs = append(errs, fmt.Errorf("%s (%s): %w", id, r.Type, err))
				continue
			}
		}
		for i, l := range lines {
			l.Type = r.Type
			if i == 0 {
				l.Count = 1 // one resource, however many items it bills
			}
			key := fmt.Sprintf("%s\x00%s\x00%g\x00%s", l.Type, l.Item, l.UnitPrice, l.Note)
			if sum, ok := byKey[key]; ok {
				sum.Count += l.Count
				sum.Quantity += l.Quantity
				sum.Month += l.Month
				continue
			}
			byKey[key] = &l
			order = append(order, key)
		}
	}
	if len(unknown) > 0 {
		var types []string
		for t, n := range unknown {
			types = append(types, fmt.Sprintf("%s (%d)", t, n))
		}
		slices.Sort(types)
		errs = append(errs, fmt.Errorf("resource types with no price in infra/cost (add a price, or a reason they cost nothing at rest): %s", strings.Join(types, ", ")))
	}
	if err := errors.Join(errs...); err != nil {
		return StackCost{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	sc := StackCost{Stack: s}
	for _, k := range order {
		sc.Lines = append(sc.Lines, *byKey[k])
		sc.Month += byKey[k].Month
	}
	// Dearest type first; a type's lines stay in template order.
	byType := map[string]float64{}
	for _, l := range sc.Lines {
		byType[l.Type] += l.Month
	}
	slices.SortStableFunc(sc.Lines, func(a, b Line) int {
		switch ta, tb := byType[a.Type], byType[b.Type]; {
		case ta > tb:
			return -1
		case ta < tb:
			return 1
		}
		return strings.Compare(a.Type, b.Type)
	})
	return sc, nil
}

// measureDeployments finds what the stack's bucket deployments copy into
// its buckets: the staged assets' sizes in the assembly.
func (c *pricing) measureDeployments(s Stack) error {
	c.bucketBytes, c.bucketNote = map[string]int64{}, map[string]string{}
	for _, id := range s.Template.ofType("Custom::CDKBucketDeployment") {
		r := s.Template.Resources[id]
		var dest struct {
			Ref string `json:"Ref"`
		}
		var keys []string
		if _, err := r.prop("DestinationBucketName", &dest); err != nil || dest.Ref == "" {
			continue // a bucket of another stack, or not a literal reference
		}
		if _, err := r.prop("SourceObjectKeys", &keys); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		total, measured := int64(0), true
		for _, k := range keys {
			n, ok, err := assetSize(s.Dir, k)
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			measured = measured && ok
			total += n
		}
		if !measured {
			continue // priced at the assumption, and the note says so
		}
		c.bucketBytes[dest.Ref] += total
		c.bucketNote[dest.Ref] = fmt.Sprintf("the %s its deployment copies (measured in cdk.out)", bytesText(c.bucketBytes[dest.Ref]))
	}
	return nil
}

// priceAlarm: one alarm metric per metric the alarm reads (a metric-math
// alarm's MetricStat entries; its expressions read no metric of their own),
// high resolution below a 60-second period. Anomaly-detection, SEARCH and
// Metrics Insights alarms are priced otherwise and refused.
func priceAlarm(_ string, r Resource, c *pricing) ([]Line, error) {
	var name, threshold string
	var period float64
	hasName, err := r.prop("MetricName", &name)
	if err != nil {
		return nil, err
	}
	if _, err := r.prop("ThresholdMetricId", &threshold); err != nil {
		return nil, err
	}
	if threshold != "" {
		return nil, fmt.Errorf("an anomaly-detection alarm (ThresholdMetricId %q): not priced here", threshold)
	}
	std, high := 0, 0
	count := func(p float64) {
		if p > 0 && p < 60 {
			high++
		} else {
			std++
		}
	}
	if hasName {
		if _, err := r.prop("Period", &period); err != nil {
			return nil, err
		}
		count(period)
	} else {
		var metrics []struct {
			Expression string `json:"Expression"`
			MetricStat *struct {
				Period float64 `json:"Period"`
			} `json:"MetricStat"`
		}
		ok, err := r.prop("Metrics", &metrics)
		if err != nil {
			return nil, err
		}
		if !ok || len(metrics) == 0 {
			return nil, fmt.Errorf("neither MetricName nor Metrics")
		}
		for _, m := range metrics {
			e := strings.ToUpper(m.Expression)
			if strings.Contains(e, "ANOMALY_DETECTION_BAND") || strings.Contains(e, "SEARCH(") || strings.Contains(e, "SELECT ") {
				return nil, fmt.Errorf("expression %q: anomaly detection, SEARCH and Metrics Insights alarms are not priced here", m.Expression)
			}
			if m.MetricStat != nil {
				count(m.MetricStat.Period)
			}
		}
	}
	var lines []Line
	if std > 0 {
		lines = append(lines, line(c.p.AlarmMetric, float64(std), fmt.Sprintf("free for the account's first %d alarm metrics", c.p.FreeAlarmMetrics)))
	}
	if high > 0 {
		lines = append(lines, line(c.p.AlarmMetricHighRes, float64(high), ""))
	}
	return lines, nil
}

// priceDashboard: the list price; the account's first three are free.
func priceDashboard(_ string, _ Resource, c *pricing) ([]Line, error) {
	return []Line{line(c.p.Dashboard, 1, fmt.Sprintf("free for the account's first %d dashboards of up to 50 metrics", c.p.FreeDashboards))}, nil
}

// priceKey: a customer managed key, and with automatic rotation the price
// it reaches after the rotations that raise it.
func priceKey(_ string, r Resource, c *pricing) ([]Line, error) {
	var rotate bool
	period := 365.0
	if _, err := r.prop("EnableKeyRotation", &rotate); err != nil {
		return nil, err
	}
	if _, err := r.prop("RotationPeriodInDays", &period); err != nil {
		return nil, err
	}
	lines := []Line{line(c.p.KMSKey, 1, "")}
	if rotate {
		n := c.p.KMSRotationsCharged
		lines = append(lines, line(c.p.KMSRotation, float64(n), fmt.Sprintf(
			"rotation every %.0f days: the key costs %s until the first rotation, %s from day %.0f on",
			period, unitMoney(c.p.KMSKey.Dollars), unitMoney(c.p.KMSKey.Dollars+float64(n)*c.p.KMSRotation.Dollars), float64(n)*period)))
	}
	return lines, nil
}

// priceSecret: one secret, and one per replica region.
func priceSecret(_ string, r Resource, c *pricing) ([]Line, error) {
	var replicas []json.RawMessage
	if _, err := r.prop("ReplicaRegions", &replicas); err != nil {
		return nil, err
	}
	note := ""
	if len(replicas) > 0 {
		note = fmt.Sprintf("with %d replica regions, each billed as a secret", len(replicas))
	}
	return []Line{line(c.p.Secret, float64(1+len(replicas)), note)}, nil
}

// paidRuleGroups are AWS managed rule groups with a subscription and
// per-request fees of their own, which this table does not price.
func paidRuleGroups() []string {
	return []string{"AWSManagedRulesBotControlRuleSet", "AWSManagedRulesATPRuleSet",
		"AWSManagedRulesACFPRuleSet", "AWSManagedRulesAntiDDoSRuleSet"}
}

// priceWebACL: the web ACL and one rule price per rule; a free AWS managed
// rule group counts as one rule. Paid or third-party rule groups and
// references to own rule groups are refused.
func priceWebACL(_ string, r Resource, c *pricing) ([]Line, error) {
	var rules []struct {
		Name      string                     `json:"Name"`
		Statement map[string]json.RawMessage `json:"Statement"`
	}
	if _, err := r.prop("Rules", &rules); err != nil {
		return nil, err
	}
	for _, ru := range rules {
		if _, ok := ru.Statement["RuleGroupReferenceStatement"]; ok {
			return nil, fmt.Errorf("rule %s: a rule group of the account is billed per rule inside it: not priced here", ru.Name)
		}
		raw, ok := ru.Statement["ManagedRuleGroupStatement"]
		if !ok {
			continue
		}
		var g struct{ VendorName, Name string }
		if err := json.Unmarshal(raw, &g); err != nil {
			return nil, fmt.Errorf("rule %s: %w", ru.Name, err)
		}
		if g.VendorName != "AWS" || slices.Contains(paidRuleGroups(), g.Name) {
			return nil, fmt.Errorf("rule %s: managed rule group %s/%s has fees of its own: not priced here", ru.Name, g.VendorName, g.Name)
		}
	}
	return []Line{line(c.p.WebACL, 1, ""), line(c.p.WAFRule, float64(len(rules)), "a free AWS managed rule group counts as one rule")}, nil
}

// priceParameter: standard tier free, advanced (and intelligent tiering,
// at most advanced) priced.
func priceParameter(_ string, r Resource, c *pricing) ([]Line, error) {
	var tier string
	if _, err := r.prop("Tier", &tier); err != nil {
		return nil, err
	}
	switch tier {
	case "", "Standard":
		return []Line{{Note: "standard tier: no charge"}}, nil
	case "Advanced":
		return []Line{line(c.p.SSMAdvanced, 1, "")}, nil
	case "Intelligent-Tiering":
		return []Line{line(c.p.SSMAdvanced, 1, "intelligent tiering, priced as advanced (the most it can cost)")}, nil
	default:
		return nil, fmt.Errorf("tier %q: not priced here", tier)
	}
}

// priceDistribution: nothing at rest unless it serves a dedicated-IP
// certificate.
func priceDistribution(_ string, r Resource, c *pricing) ([]Line, error) {
	var cfg struct {
		ViewerCertificate struct {
			SslSupportMethod string `json:"SslSupportMethod"`
		} `json:"ViewerCertificate"`
	}
	if _, err := r.prop("DistributionConfig", &cfg); err != nil {
		return nil, err
	}
	if cfg.ViewerCertificate.SslSupportMethod == "vip" {
		return []Line{line(c.p.DedicatedIPCert, 1, "")}, nil
	}
	return []Line{{Note: "billed per request and data transfer only (a WAF attached bills per request too)"}}, nil
}

// priceTable: an on-demand table's storage and continuous backup of the
// assumed data. Provisioned capacity, another table class or contributor
// insights are refused.
func priceTable(_ string, r Resource, c *pricing) ([]Line, error) {
	var mode, class string
	var pitr struct {
		PointInTimeRecoveryEnabled bool `json:"PointInTimeRecoveryEnabled"`
	}
	var insights struct {
		Enabled bool `json:"Enabled"`
	}
	for _, p := range []struct {
		name string
		v    any
	}{{"BillingMode", &mode}, {"TableClass", &class}, {"PointInTimeRecoverySpecification", &pitr}, {"ContributorInsightsSpecification", &insights}} {
		if _, err := r.prop(p.name, p.v); err != nil {
			return nil, err
		}
	}
	if mode != "PAY_PER_REQUEST" {
		return nil, fmt.Errorf("billing mode %q: provisioned capacity is billed by the hour and not priced here", mode)
	}
	if class != "" && class != "STANDARD" {
		return nil, fmt.Errorf("table class %q: not priced here", class)
	}
	if insights.Enabled {
		return nil, fmt.Errorf("contributor insights: billed per rule, not priced here")
	}
	q := gb(c.a.TableBytes)
	note := fmt.Sprintf("assumed: an idle tenant's %s", bytesText(c.a.TableBytes))
	lines := []Line{line(c.p.DynamoDBStorage, q, note)}
	if pitr.PointInTimeRecoveryEnabled {
		lines = append(lines, line(c.p.DynamoDBPITR, q, note))
	}
	return lines, nil
}

// priceBucket: storage of what the stack deploys into the bucket, else of
// the assumed bytes.
func priceBucket(id string, _ Resource, c *pricing) ([]Line, error) {
	if n, ok := c.bucketBytes[id]; ok {
		return []Line{line(c.p.S3Standard, gb(n), c.bucketNote[id])}, nil
	}
	return []Line{line(c.p.S3Standard, gb(c.a.BucketBytes), "assumed: "+bytesText(c.a.BucketBytes)+" (logs of an idle tenant)")}, nil
}

// priceLogGroup: storage of the assumed retained bytes.
func priceLogGroup(_ string, _ Resource, c *pricing) ([]Line, error) {
	return []Line{line(c.p.LogsStorage, gb(c.a.LogGroupBytes), "assumed: "+bytesText(c.a.LogGroupBytes)+" retained each; an idle tenant ingests nothing")}, nil
}

// priceLambdaVersion: free, unless it holds provisioned concurrency.
func priceLambdaVersion(_ string, r Resource, _ *pricing) ([]Line, error) {
	if _, ok := r.Properties["ProvisionedConcurrencyConfig"]; ok {
		return nil, fmt.Errorf("provisioned concurrency is billed by the hour: not priced here")
	}
	return []Line{{Note: "no charge without provisioned concurrency"}}, nil
}

// bytesText formats a byte count in KiB or MiB.
func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.3g MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.3g KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
