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

// Count records one occurrence of the metric name with one dimension.
func Count(ctx context.Context, logger *slog.Logger, now time.Time, name, dimension, value string) {
	logger.LogAttrs(ctx, slog.LevelInfo, "metric",
		slog.Group("_aws",
			slog.Int64("Timestamp", now.UnixMilli()),
			slog.Any("CloudWatchMetrics", []map[string]any{{
				"Namespace":  Namespace,
				"Dimensions": [][]string{{dimension}},
				"Metrics":    []map[string]string{{"Name": name, "Unit": "Count"}},
			}}),
		),
		slog.String(dimension, value),
		slog.Int(name, 1),
	)
}
