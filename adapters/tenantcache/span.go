package tenantcache

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// attrCache is the cache's answer on the tenant resolution span: hit, negative_hit or miss.
const attrCache = attribute.Key("tenant.cache")

// errMiss stands for "not cached" where markSpan takes the lookup's cached outcome.
var errMiss = errors.New("not cached")

// markSpan notes on ctx's span (the tenant resolution's) whether the cache answered. A lookup of
// several identifiers notes each; the last one stands.
func markSpan(ctx context.Context, cached error) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	switch {
	case cached == nil:
		span.SetAttributes(attrCache.String("hit"))
	case errors.Is(cached, errMiss):
		span.SetAttributes(attrCache.String("miss"))
	default:
		span.SetAttributes(attrCache.String("negative_hit"))
	}
}
