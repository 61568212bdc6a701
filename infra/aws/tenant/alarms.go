package tenant

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/infra/aws/nag"
	"github.com/gatepass/gatepass/shared/httpapi"
	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/metrics"
)

// TenantMetric is one of the tenant's own Gatepass metrics (EMF, dimension
// Tenant), summed over 5 minutes.
func TenantMetric(tenant, name string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(metrics.Namespace),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{login.LockedMetricDimension: jsii.String(tenant)},
		Period:        awscdk.Duration_Minutes(jsii.Number(5)),
		Statistic:     jsii.String("Sum"),
	})
}

// alarms: the operator's stack watches every tenant at once (package
// operator), so a tenant costs no alarm. With AlarmAdminEmail the tenant's
// administrator also gets its own two: a spike of sign-in locks in this
// tenant, and its server errors — to that address and to the operator.
func (s *Stack) alarms(cfg Config, shared Shared) {
	if cfg.AlarmAdminEmail == "" {
		return
	}
	s.AdminAlarms = awssns.NewTopic(s.Stack, jsii.String("AdminAlarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Gatepass " + cfg.Tenant + " alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	s.AdminAlarms.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmAdminEmail), nil))
	nag.Suppress(s.AdminAlarms, nag.Suppression{Rule: "Serverless-SNSRedrivePolicy", Reason: "The only subscriber " +
		"is the tenant administrator's alarm mail; failed deliveries show in SNS's NumberOfNotificationsFailed."})
	for _, a := range []struct {
		id, description, metric string
		threshold               float64
	}{
		{"LockoutAlarm", fmt.Sprintf("%d or more sign-in locks (accounts or client addresses) in 5 minutes", cfg.LockoutAlarm),
			login.LockedMetric, float64(cfg.LockoutAlarm)},
		{"ServerErrorsAlarm", "5 or more 5xx answers in 5 minutes", httpapi.ServerErrorsMetric, 5},
	} {
		alarm := awscloudwatch.NewAlarm(s.Stack, jsii.String(a.id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("Gatepass " + cfg.Tenant + ": " + a.description),
			Metric:             TenantMetric(cfg.Tenant, a.metric),
			Threshold:          jsii.Number(a.threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(s.AdminAlarms))
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(shared.AlarmTopic))
	}
}
