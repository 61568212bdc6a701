// Package metrics writes CloudWatch Embedded Metric Format lines through the
// structured logger (DESIGN.md "Logs"): in Lambda, CloudWatch turns them into
// metrics without an API call; locally they are plain JSON log lines.
package metrics

import (
	"context"
	"log/slog"
	"time"
)

// Namespace is the CloudWatch namespace of every Gatepass metric.
const Namespace = "Gatepass"

// Count records one occurrence of the metric name with one dimension. The
// metric is published twice: with the dimension (per tenant, per kind), and
// without any (AggregateDimensions), the sum across every value — which is
// what the operator stack's alarms watch, one alarm for every tenant of an
// account instead of one per tenant.
func Count(ctx context.Context, logger *slog.Logger, now time.Time, name, dimension, value string) {
	logger.LogAttrs(ctx, slog.LevelInfo, "metric",
		slog.Group("_aws",
			slog.Int64("Timestamp", now.UnixMilli()),
			slog.Any("CloudWatchMetrics", []map[string]any{{
				"Namespace":  Namespace,
				"Dimensions": [][]string{{dimension}, AggregateDimensions()},
				"Metrics":    []map[string]string{{"Name": name, "Unit": "Count"}},
			}}),
		),
		slog.String(dimension, value),
		slog.Int(name, 1),
	)
}

// AggregateDimensions is the empty dimension set every metric is also
// published with: CloudWatch then keeps the metric summed across all values
// of its dimension.
func AggregateDimensions() []string { return []string{} }
