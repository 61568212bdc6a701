package tenant

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gatepass/gatepass/shared/login"
	"github.com/gatepass/gatepass/shared/metrics"
	"github.com/gatepass/gatepass/shared/routes"
)

// LockoutMetric is the metric of the lockout alarm: the locks sign-in
// attempts start in the tenant, exactly as the login function emits it
// (login.LockedMetric, one dimension login.LockedMetricDimension = the
// tenant), summed over 5 minutes.
func LockoutMetric(tenant string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(metrics.Namespace),
		MetricName:    jsii.String(login.LockedMetric),
		DimensionsMap: &map[string]*string{login.LockedMetricDimension: jsii.String(tenant)},
		Period:        awscdk.Duration_Minutes(jsii.Number(5)),
		Statistic:     jsii.String("Sum"),
	})
}

// alarms: what an operator is woken for, mailed to the admin address
// (the subscription must be confirmed once), and a dashboard.
func (s *Stack) alarms(cfg Config, fns []routes.Function) {
	topic := awssns.NewTopic(s.Stack, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Gatepass " + cfg.Tenant + " alarms"),
		EnforceSSL:  jsii.Bool(true), // publishers must use TLS
	})
	s.alarmTopic = topic
	topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AdminEmail), nil))
	action := awscloudwatchactions.NewSnsAction(topic)
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) {
		a := awscloudwatch.NewAlarm(s.Stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("Gatepass " + cfg.Tenant + ": " + description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
	}
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	alarm("Api5xxAlarm", "HTTP API 5xx responses", s.API.MetricServerError(sum), 5)
	var errs, throttles, durations []awscloudwatch.IMetric
	for _, f := range fns {
		fn := s.Functions[f.Name]
		id := constructID(f.Name)
		alarm("Errors-"+id, f.Name+" function errors", fn.MetricErrors(sum), 5)
		alarm("Throttles-"+id, f.Name+" function throttled", fn.MetricThrottles(sum), 1)
		errs = append(errs, fn.MetricErrors(sum))
		throttles = append(throttles, fn.MetricThrottles(sum))
		durations = append(durations, fn.MetricDuration(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("p99")}))
	}
	// Account-level SES reputation (SES publishes no per-identity rates).
	ses := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(name), Period: awscdk.Duration_Hours(jsii.Number(1)), Statistic: jsii.String("Maximum")})
	}
	alarm("SesBounceRateAlarm", "SES bounce rate at 5% (SES reviews the account at 5%, pauses at 10%)", ses("Reputation.BounceRate"), 0.05)
	alarm("SesComplaintRateAlarm", "SES complaint rate at 0.1%", ses("Reputation.ComplaintRate"), 0.001)
	// A spike of locks: password guessing or credential stuffing against
	// the tenant (context lockoutAlarm).
	locks := LockoutMetric(cfg.Tenant)
	alarm("LockoutAlarm", fmt.Sprintf("%d or more sign-in locks (accounts or client IPs) in 5 minutes", cfg.LockoutAlarm),
		locks, float64(cfg.LockoutAlarm))

	graph := func(title string, metrics []awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &metrics, Width: jsii.Number(12)})
	}
	awscloudwatch.NewDashboard(s.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		Widgets: &[]*[]awscloudwatch.IWidget{
			{graph("API requests", []awscloudwatch.IMetric{s.API.MetricCount(sum)}), graph("API 4xx / 5xx", []awscloudwatch.IMetric{s.API.MetricClientError(sum), s.API.MetricServerError(sum)})},
			{graph("Function errors", errs), graph("Function throttles", throttles)},
			{graph("Function duration p99", durations), graph("SES bounce / complaint rate", []awscloudwatch.IMetric{ses("Reputation.BounceRate"), ses("Reputation.ComplaintRate")})},
			{awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String("Sign-in locks started (5 min)"), Left: &[]awscloudwatch.IMetric{locks}, Width: jsii.Number(12),
				LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{{Value: jsii.Number(float64(cfg.LockoutAlarm)), Label: jsii.String("alarm")}},
			})},
		},
	})
}
