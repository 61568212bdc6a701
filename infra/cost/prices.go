package cost

import (
	"github.com/gatepass/gatepass/infra/bench/report"
)

// Price is one list price of the table, with the page it was read from.
type Price struct {
	// Item names what is billed; Unit what Dollars is per.
	Item    string
	Dollars float64
	Unit    string
	// Source is the pricing page.
	Source string
}

// Prices are the list prices the idle and attack figures use: monthly
// prices of what costs money at rest, and the per-request prices of the
// edge that docs/cost-model.md (report.Published) leaves out.
type Prices struct {
	Region, AsOf string

	// At rest, per month.
	AlarmMetric, AlarmMetricHighRes, CompositeAlarm Price
	Dashboard                                       Price
	KMSKey, KMSRotation                             Price
	Secret                                          Price
	WebACL, WAFRule                                 Price
	HostedZone                                      Price
	NATGateway, PublicIPv4                          Price
	SSMAdvanced                                     Price
	DedicatedIPCert                                 Price
	// Storage, per GB-month.
	DynamoDBStorage, DynamoDBPITR, S3Standard, LogsStorage Price

	// Per request.
	WAFRequest, CloudFrontRequest, CloudFrontFunction, KVSRead Price

	// Free tiers of an account (shared by every stack in it; shown, never
	// subtracted from a tenant's figure).
	FreeAlarmMetrics, FreeDashboards int
	// KMSRotationsCharged is how many rotations of a key raise its price.
	KMSRotationsCharged int

	// Request is the per-request price list of the cost model
	// (infra/bench/report): Lambda, API Gateway, DynamoDB, logs.
	Request report.Prices
}

// HoursPerMonth is the month AWS's hourly prices are multiplied by.
const HoursPerMonth = 730

// Published returns the list prices of us-east-1. They were read from the
// AWS pricing pages named in each Source in 2025, as report.Published's
// were; check them again before a quote. Prices of other regions differ a
// little for storage (DynamoDB, S3) and not at all for most fixed items;
// this table applies us-east-1's to every stack whatever its region.
func Published() Prices {
	const (
		cloudwatch = "aws.amazon.com/cloudwatch/pricing (Alarms; Dashboards; Logs: Store (Archival))"
		kms        = "aws.amazon.com/kms/pricing (Key storage; rotation price since the April 2024 change)"
		waf        = "aws.amazon.com/waf/pricing (same price in every region)"
		vpc        = "aws.amazon.com/vpc/pricing (NAT gateway; public IPv4 address since Feb 2024)"
		cloudfront = "aws.amazon.com/cloudfront/pricing (requests: United States, Mexico, Canada and Europe; CloudFront Functions; KeyValueStore)"
		dynamodb   = "aws.amazon.com/dynamodb/pricing/on-demand (Standard table class)"
	)
	return Prices{
		Region: "us-east-1", AsOf: "2025, read from the AWS pricing pages, KMS rotation as charged since April 2024",

		AlarmMetric:        Price{"CloudWatch alarm, standard resolution", 0.10, "alarm metric-month", cloudwatch},
		AlarmMetricHighRes: Price{"CloudWatch alarm, high resolution (period < 60 s)", 0.30, "alarm metric-month", cloudwatch},
		CompositeAlarm:     Price{"CloudWatch composite alarm", 0.50, "alarm-month", cloudwatch},
		Dashboard:          Price{"CloudWatch dashboard", 3.00, "dashboard-month", cloudwatch},
		KMSKey:             Price{"KMS customer managed key", 1.00, "key-month", kms},
		KMSRotation:        Price{"KMS key rotation (the first two raise the price)", 1.00, "rotation-month", kms},
		Secret:             Price{"Secrets Manager secret", 0.40, "secret-month", "aws.amazon.com/secrets-manager/pricing"},
		WebACL:             Price{"WAF web ACL", 5.00, "web ACL-month", waf},
		WAFRule:            Price{"WAF rule", 1.00, "rule-month", waf},
		HostedZone:         Price{"Route 53 hosted zone (first 25)", 0.50, "zone-month", "aws.amazon.com/route53/pricing"},
		NATGateway:         Price{"NAT gateway", 0.045 * HoursPerMonth, "gateway-month ($0.045 an hour)", vpc},
		PublicIPv4:         Price{"Public IPv4 address (Elastic IP)", 0.005 * HoursPerMonth, "address-month ($0.005 an hour)", vpc},
		SSMAdvanced:        Price{"SSM parameter, advanced tier (standard: free)", 0.05, "parameter-month", "aws.amazon.com/systems-manager/pricing (Parameter Store)"},
		DedicatedIPCert:    Price{"CloudFront dedicated-IP custom SSL", 600, "certificate-month", cloudfront},

		DynamoDBStorage: Price{"DynamoDB table storage", 0.25, "GB-month", dynamodb},
		DynamoDBPITR:    Price{"DynamoDB continuous backup (PITR)", 0.20, "GB-month", dynamodb},
		S3Standard:      Price{"S3 Standard storage (first 50 TB)", 0.023, "GB-month", "aws.amazon.com/s3/pricing"},
		LogsStorage:     Price{"CloudWatch Logs storage", 0.03, "GB-month", cloudwatch},

		WAFRequest:         Price{"WAF requests inspected (blocked ones too)", 0.60 / 1e6, "request", waf},
		CloudFrontRequest:  Price{"CloudFront HTTPS request", 0.0100 / 1e4, "request", cloudfront},
		CloudFrontFunction: Price{"CloudFront Functions invocation", 0.10 / 1e6, "invocation", cloudfront},
		KVSRead:            Price{"CloudFront KeyValueStore read from a function", 0.03 / 1e6, "read", cloudfront},

		FreeAlarmMetrics: 10, FreeDashboards: 3,
		KMSRotationsCharged: 2,

		Request: report.Published(),
	}
}

// Table lists the prices for the output, in the order they are declared.
func (p Prices) Table() []Price {
	return []Price{
		p.AlarmMetric, p.AlarmMetricHighRes, p.CompositeAlarm, p.Dashboard,
		p.KMSKey, p.KMSRotation, p.Secret, p.WebACL, p.WAFRule, p.HostedZone,
		p.NATGateway, p.PublicIPv4, p.SSMAdvanced, p.DedicatedIPCert,
		p.DynamoDBStorage, p.DynamoDBPITR, p.S3Standard, p.LogsStorage,
		p.WAFRequest, p.CloudFrontRequest, p.CloudFrontFunction, p.KVSRead,
	}
}

// Assumptions are what the templates do not say: how much an idle tenant
// stores, and the size of an API access-log line.
type Assumptions struct {
	// TableBytes is an idle tenant's DynamoDB data (PITR backs up as much).
	TableBytes int64
	// BucketBytes is what a bucket holds when the stack deploys nothing
	// into it (the logs bucket of an idle tenant). A bucket the stack
	// deploys assets into is priced at their size, measured in cdk.out.
	BucketBytes int64
	// LogGroupBytes is what a log group retains.
	LogGroupBytes int64
	// AccessLogBytes is one API access-log line (README: ~330 bytes).
	AccessLogBytes int
	// Tenants is the number the operator stacks' cost is spread over, as
	// information.
	Tenants int
	// AccountRateLimit is API Gateway's account-level throttle per region
	// (requests per second, shared by every API of the account), the limit
	// of a stage or route that sets none.
	AccountRateLimit float64
}

// DefaultAssumptions are 1 MB of data, 1 MB per log group and bucket, a
// 330-byte access-log line, 50 tenants and the default account quota of
// 10,000 requests a second.
func DefaultAssumptions() Assumptions {
	return Assumptions{TableBytes: 1 << 20, BucketBytes: 1 << 20, LogGroupBytes: 1 << 20,
		AccessLogBytes: 330, Tenants: 50, AccountRateLimit: 10_000}
}

// gb converts bytes to the GB storage is billed in (2^30 bytes).
func gb(b int64) float64 { return float64(b) / (1 << 30) }
