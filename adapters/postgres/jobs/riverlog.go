package jobs

import (
	"context"
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// riverLogger hands River's own log lines (fetch errors, leadership, maintenance) to the service's
// logger, warnings and errors only: its informational lines would drown the job lines.
func riverLogger(log *zap.Logger) *slog.Logger {
	return slog.New(zapHandler{log: log.Named("river")})
}

type zapHandler struct {
	log   *zap.Logger
	attrs []zap.Field
}

func (h zapHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h zapHandler) Handle(_ context.Context, rec slog.Record) error {
	level := zapcore.WarnLevel
	if rec.Level >= slog.LevelError {
		level = zapcore.ErrorLevel
	}
	ce := h.log.Check(level, rec.Message)
	if ce == nil {
		return nil
	}
	fields := append([]zap.Field{}, h.attrs...)
	rec.Attrs(func(a slog.Attr) bool {
		fields = append(fields, zap.Any(a.Key, a.Value.Any()))
		return true
	})
	ce.Write(fields...)
	return nil
}

func (h zapHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := zapHandler{log: h.log, attrs: append([]zap.Field{}, h.attrs...)}
	for _, a := range attrs {
		next.attrs = append(next.attrs, zap.Any(a.Key, a.Value.Any()))
	}
	return next
}

func (h zapHandler) WithGroup(name string) slog.Handler {
	return zapHandler{log: h.log.Named(name), attrs: h.attrs}
}
