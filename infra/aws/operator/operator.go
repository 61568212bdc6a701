// Package operator is the stack of what an operator's tenants share in one
// account and region: the SES identities of their mail domains and one
// configuration set whose bounce and complaint events become metrics per
// tenant; the operator's alarm topic and the account's alarms, once for every
// tenant; one dashboard across tenants; and the KMS key the tenants' tables
// and secrets are encrypted with. Its us-east-1 part, the WAF, is the edge
// stack (package edge).
package operator

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/nag"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/mail/ses"
	"github.com/gatepass/gatepass/shared/metrics"
	"github.com/gatepass/gatepass/shared/origin"
)

// StackName is the name of the operator stack of region.
func StackName(region string) string { return "gatepass-operator-" + region }

// ConfigurationSetName is the SES configuration set every tenant of the
// account and region sends through.
const ConfigurationSetName = "gatepass"

// TenantDimension is the dimension of every per-tenant metric: Gatepass's
// own (EMF) and SES's bounce and complaint events (the mail's Tenant tag).
const TenantDimension = ses.TagTenant

// Config configures the operator stack of one region.
type Config struct {
	// AlarmEmail receives the alarms (confirm the subscription once).
	AlarmEmail string
	// MailDomains are the tenants' mail-from domains: each becomes an SES
	// identity of this stack.
	MailDomains []string
	// LockoutAlarm is how many sign-in locks in 5 minutes, across every
	// tenant, alarm.
	LockoutAlarm int
}

// Stack is the operator stack of one region.
type Stack struct {
	Stack constructs.Construct
	CDK   awscdk.Stack
	// Key encrypts the tenants' tables and secrets.
	Key awskms.Key
	// AlarmTopic is where every alarm goes.
	AlarmTopic awssns.Topic
	// ConfigurationSet is the tenants' SES configuration set.
	ConfigurationSet awsses.ConfigurationSet
	// Identities are the SES identities, by mail domain.
	Identities map[string]awsses.EmailIdentity
	// Alarms are the account's alarms, by construct id.
	Alarms map[string]awscloudwatch.Alarm
}

// New defines the operator stack in scope.
func New(scope constructs.Construct, id string, props *awscdk.StackProps, cfg Config) (*Stack, error) {
	if cfg.AlarmEmail == "" {
		return nil, fmt.Errorf("operator: an alarm email is required")
	}
	if len(cfg.MailDomains) == 0 {
		return nil, fmt.Errorf("operator: no mail domain: the stack exists for tenants")
	}
	if props.Description == nil {
		props.Description = jsii.String("Gatepass operator: what the tenants of this account and region share")
	}
	st := awscdk.NewStack(scope, jsii.String(id), props)
	awscdk.Tags_Of(st).Add(jsii.String("gatepass:component"), jsii.String("operator"), nil)
	s := &Stack{CDK: st, Stack: st, Identities: map[string]awsses.EmailIdentity{}, Alarms: map[string]awscloudwatch.Alarm{}}

	// One key for every tenant's table and secrets: $1 a month once, not
	// once per tenant. Tenant isolation does not rest on it: each tenant's
	// roles may use it only through DynamoDB and Secrets Manager
	// (kms:ViaService) and reach only their own table and secrets.
	s.Key = awskms.NewKey(st, jsii.String("TenantKey"), &awskms.KeyProps{
		Description:       jsii.String("Gatepass: the tenants' tables and secrets"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	awscdk.NewCfnOutput(st, jsii.String("TenantKeyArn"), &awscdk.CfnOutputProps{Value: s.Key.KeyArn()})

	s.mail(cfg)
	s.alarms(cfg)
	s.dashboard()
	return s, nil
}

// mail: the identities and the shared configuration set. Bounces and
// complaints become CloudWatch metrics with the mail's Tenant tag as
// dimension; the account's suppression list takes bounced and complaining
// addresses.
func (s *Stack) mail(cfg Config) {
	s.ConfigurationSet = awsses.NewConfigurationSet(s.CDK, jsii.String("MailConfigurationSet"), &awsses.ConfigurationSetProps{
		ConfigurationSetName: jsii.String(ConfigurationSetName),
		SuppressionReasons:   awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS,
		ReputationMetrics:    jsii.Bool(true),
		TlsPolicy:            awsses.ConfigurationSetTlsPolicy_REQUIRE,
	})
	s.ConfigurationSet.AddEventDestination(jsii.String("BouncesAndComplaints"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_CloudWatchDimensions(&[]*awsses.CloudWatchDimension{{
			Name: jsii.String(TenantDimension), Source: awsses.CloudWatchDimensionSource_MESSAGE_TAG,
			DefaultValue: jsii.String("unknown"),
		}}),
		Events: &[]awsses.EmailSendingEvent{awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT},
	})
	for i, domain := range cfg.MailDomains {
		identity := awsses.NewEmailIdentity(s.CDK, jsii.String(fmt.Sprintf("MailIdentity%d", i+1)), &awsses.EmailIdentityProps{
			Identity:         awsses.Identity_Domain(jsii.String(domain)),
			ConfigurationSet: s.ConfigurationSet,
		})
		s.Identities[domain] = identity
		for j, r := range *identity.DkimRecords() {
			awscdk.NewCfnOutput(s.CDK, jsii.String(fmt.Sprintf("Dkim%dRecord%d", i+1, j+1)), &awscdk.CfnOutputProps{
				Value:       awscdk.Fn_Join(jsii.String(" CNAME "), &[]*string{r.Name, r.Value}),
				Description: jsii.String("Publish in the DNS of " + domain + " (SES DKIM)"),
			})
		}
	}
}

// gatepassMetric is a Gatepass (EMF) metric summed across every tenant:
// each is also published without dimensions (metrics.Count).
func gatepassMetric(name string, period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(name),
		Period: period, Statistic: jsii.String("Sum"),
	})
}

// AlarmIDs are the account's alarms, once for every tenant of the region.
func AlarmIDs() []string {
	return []string{"ServerErrors", "LambdaErrors", "LambdaThrottles", "SignInLocks", "OriginRefused",
		"SesBounceRate", "SesComplaintRate"}
}

// alarms: the account's alarms, each watching every tenant at once.
func (s *Stack) alarms(cfg Config) {
	s.AlarmTopic = awssns.NewTopic(s.CDK, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Gatepass operator alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	s.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	nag.Suppress(s.AlarmTopic, nag.Suppression{Rule: "Serverless-SNSRedrivePolicy", Reason: "The only subscriber " +
		"is the operator's alarm mail; failed deliveries show in SNS's NumberOfNotificationsFailed, and a queue of " +
		"unsent alarm mails would be read by nobody."})
	action := awscloudwatchactions.NewSnsAction(s.AlarmTopic)
	five := awscdk.Duration_Minutes(jsii.Number(5))
	lambda := func(name string) awscloudwatch.Metric {
		// Without dimensions: every function of the account and region.
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/Lambda"),
			MetricName: jsii.String(name), Period: five, Statistic: jsii.String("Sum")})
	}
	sesRate := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/SES"),
			MetricName: jsii.String(name), Period: awscdk.Duration_Hours(jsii.Number(1)), Statistic: jsii.String("Maximum")})
	}
	for _, a := range []struct {
		id, description string
		metric          awscloudwatch.IMetric
		threshold       float64
	}{
		{"ServerErrors", "5 or more 5xx answers in 5 minutes, any tenant (Gatepass/ServerErrors; the dashboard splits it by tenant)",
			gatepassMetric(httpapi.ServerErrorsMetric, five), 5},
		{"LambdaErrors", "5 or more Lambda function errors in 5 minutes in the region", lambda("Errors"), 5},
		{"LambdaThrottles", "a Lambda function was throttled in the region", lambda("Throttles"), 1},
		{"SignInLocks", fmt.Sprintf("%d or more sign-in locks in 5 minutes, any tenant: password guessing or credential stuffing", cfg.LockoutAlarm),
			gatepassMetric(login.LockedMetric, five), float64(cfg.LockoutAlarm)},
		{"OriginRefused", "50 or more requests around CloudFront (without the origin secret) in 5 minutes",
			gatepassMetric(origin.RefusedMetric, five), 50},
		{"SesBounceRate", "SES bounce rate at 5% (SES reviews the account at 5%, pauses at 10%)", sesRate("Reputation.BounceRate"), 0.05},
		{"SesComplaintRate", "SES complaint rate at 0.1%", sesRate("Reputation.ComplaintRate"), 0.001},
	} {
		alarm := awscloudwatch.NewAlarm(s.CDK, jsii.String(a.id+"Alarm"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("Gatepass: " + a.description),
			Metric:             a.metric,
			Threshold:          jsii.Number(a.threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(action)
		s.Alarms[a.id] = alarm
	}
}

// byTenant graphs a Gatepass metric per tenant: a SEARCH expression finds
// every tenant's series, so the dashboard needs no change for a new tenant.
func byTenant(title, metric string) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Width: jsii.Number(12),
		Left: &[]awscloudwatch.IMetric{awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', 'Sum', 300)`,
				metrics.Namespace, TenantDimension, metric)),
			Label:  jsii.String(""),
			Period: awscdk.Duration_Minutes(jsii.Number(5)),
		})},
	})
}

// search graphs what a SEARCH expression finds.
func search(title, expression string) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Width: jsii.Number(12),
		Left: &[]awscloudwatch.IMetric{awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(expression), Label: jsii.String(""), Period: awscdk.Duration_Minutes(jsii.Number(5)),
		})},
	})
}

// dashboard: one view of every tenant, by tenant.
func (s *Stack) dashboard() {
	awscloudwatch.NewDashboard(s.CDK, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String("gatepass-" + *s.CDK.Region()),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{byTenant("Sign-in locks started, by tenant", login.LockedMetric), byTenant("5xx answers, by tenant", httpapi.ServerErrorsMetric)},
			{search("Lambda errors, by Gatepass function", `SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" gatepass', 'Sum', 300)`),
				search("Lambda throttles, by Gatepass function", `SEARCH('{AWS/Lambda,FunctionName} MetricName="Throttles" gatepass', 'Sum', 300)`)},
			{search("Mail bounces and complaints, by tenant", fmt.Sprintf(`SEARCH('{AWS/SES,%s} MetricName="Bounce" OR MetricName="Complaint"', 'Sum', 3600)`, TenantDimension)),
				byTenant("Requests around CloudFront, by tenant", origin.RefusedMetric)},
			{byTenant("Breached-password check unavailable, by tenant", "BreachedCheckUnavailable"),
				byTenant("Client address missing, by tenant", origin.ViewerAddressMissingMetric)},
		},
	})
}
