package logging

import (
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Config chooses the level and the encoding.
type Config struct {
	// Level is debug, info, warn or error.
	Level string
	// Format is json (for machines) or console (for people).
	Format string
	// Output is stdout (the default, for the server) or stderr (for commands whose stdout is data).
	Output string
}

// New returns a logger writing to stdout.
func New(cfg Config) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(cfg.Level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	var zc zap.Config
	switch cfg.Format {
	case "json", "":
		zc = zap.NewProductionConfig()
		zc.EncoderConfig.TimeKey = "time"
		zc.EncoderConfig.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	case "console":
		zc = zap.NewDevelopmentConfig()
	default:
		return nil, fmt.Errorf("log format %q: want json or console", cfg.Format)
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	out := "stdout"
	if cfg.Output == "stderr" {
		out = "stderr"
	}
	zc.OutputPaths = []string{out}
	zc.ErrorOutputPaths = []string{"stderr"}
	// Sampling would silently drop access-log lines under load; every request gets its line.
	zc.Sampling = nil
	zc.DisableStacktrace = true
	log, err := zc.Build()
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	return log, nil
}
