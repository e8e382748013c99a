package bootstrap

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/tracing"
)

// flushTimeout bounds how long a command waits at exit for its spans to reach the collector.
const flushTimeout = 5 * time.Second

// traceCommand starts the span of one command (not serve, whose requests and jobs have their own)
// and returns the function that ends it and flushes it. Commands that work in a tenant reach the
// tracer through the span in ctx, so their transactions and jobs join the command's trace.
func (c CLI) traceCommand(ctx context.Context, cfg Config, args []string) (context.Context, func(error)) {
	if (cfg.OTelEndpoint == "" && cfg.OTelExport.TracesEndpoint == "") || args[0] == "serve" {
		return ctx, func(error) {}
	}
	p, err := tracing.New(ctx, tracingConfig(cfg))
	if err != nil {
		fmt.Fprintf(c.Stderr, "tenantcore: tracing off: %s\n", oneLine(err))
		return ctx, func(error) {}
	}
	// LoadConfig has checked the level and format: the logger cannot fail here.
	if log, err := logging.New(logging.Config{Level: cfg.LogLevel, Format: cfg.LogFormat, Output: "stderr"}); err == nil {
		logTracingFailures(log)
	}
	name := "tenantcore " + args[0]
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		name += " " + args[1]
	}
	ctx, span := p.TracerProvider().Tracer("github.com/tenantcore/tenantcore/bootstrap").Start(ctx, name,
		trace.WithAttributes(attribute.String("tenantcore.command", name)))
	return ctx, func(err error) {
		if err != nil {
			// The kind of failure only: a message can quote what the operator typed.
			span.SetStatus(codes.Error, "command failed")
		}
		span.End()
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
		defer cancel()
		if err := p.Shutdown(flushCtx); err != nil {
			fmt.Fprintf(c.Stderr, "tenantcore: %s\n", oneLine(err))
		}
	}
}
