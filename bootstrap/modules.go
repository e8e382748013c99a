package bootstrap

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/clock"
	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/metrics"
	"github.com/tenantcore/tenantcore/adapters/password"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/tenantcache"
	"github.com/tenantcore/tenantcore/adapters/token"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/migrations"
	"github.com/tenantcore/tenantcore/ports"
)

// LoggingModule provides the process logger and logs the effective configuration.
var LoggingModule = fx.Module("logging",
	fx.Provide(func(cfg Config) (*zap.Logger, error) {
		return logging.New(logging.Config{Level: cfg.LogLevel, Format: cfg.LogFormat})
	}),
	fx.Invoke(logEffectiveConfig),
)

// logEffectiveConfig records what the process runs with, so that a surprise is one log line away.
func logEffectiveConfig(cfg Config, log *zap.Logger) {
	settings := cfg.Effective()
	fields := make([]zap.Field, 0, len(settings))
	for _, s := range settings {
		fields = append(fields, zap.String(s.Name, s.Value))
	}
	log.Info("configuration", fields...)
}

// PostgresModule provides the serving pool (role tenantcore_app), the stores and readiness. Start
// refuses to complete unless the isolation self-check passes: a schema without row-level
// security, or a serving role able to bypass it, must never serve.
var PostgresModule = fx.Module("postgres",
	fx.Provide(
		newServingDB,
		provideUnitOfWork,
		newQueueDB,
		postgres.NewTenantStore,
		newReadiness,
	),
	fx.Invoke(registerSelfCheck),
)

// startProgress records whether every start hook ran. Closing the serving pool waits for the
// connections it is still opening, each up to DB_CONNECT_TIMEOUT. After a start that did not
// complete (a failed self-check, a signal while the database does not answer) nothing was served
// on them, and the process must not wait for them to give up before it exits.
type startProgress struct{ completed atomic.Bool }

// markStarted is the last start hook of the server.
func markStarted(lc fx.Lifecycle, p *startProgress) {
	lc.Append(fx.StartHook(func() { p.completed.Store(true) }))
}

func newServingDB(lc fx.Lifecycle, cfg Config, log *zap.Logger, m *metrics.Metrics, progress *startProgress) (*postgres.DB, error) {
	refused := m.IsolationRefusals(postgres.RuleOneTenant, postgres.RuleBound, postgres.RuleRowSecurity)
	db, err := postgres.Open(context.Background(), postgres.Config{
		URL:              cfg.DatabaseURL,
		MaxConns:         cfg.DBMaxConns,
		MinConns:         cfg.DBMinConns,
		ConnectTimeout:   cfg.DBConnectTimeout,
		StatementTimeout: cfg.DBStatementTimeout,
		Role:             postgres.AppRole,
		Mode:             postgres.ExecMode(cfg.DBStatementMode),
		RequireBinding:   true,
		Events: postgres.Events{
			ModeChanged: func(from, to postgres.ExecMode, reason string) {
				log.Warn("statement mode switched: the database is reached through a transaction pooler",
					zap.String("from", string(from)), zap.String("to", string(to)), zap.String("reason", reason))
			},
			IsolationRefused: func(rule, table, detail string) {
				refused(rule)
				log.Error("isolation violation refused", zap.String("rule", rule), zap.String("table", table), zap.String("detail", detail))
			},
		},
	})
	if err != nil {
		return nil, err
	}
	m.RegisterStatementMode(func() string { return string(db.Mode()) }, string(postgres.ModePrepared), string(postgres.ModeUnnamed))
	lc.Append(fx.StopHook(func() {
		if progress.completed.Load() {
			db.Close()
			return
		}
		go db.Close()
	}))
	return db, nil
}

// provideUnitOfWork is the serving DB as ports.UnitOfWork, for use cases that change several
// rows or stores atomically.
func provideUnitOfWork(db *postgres.DB) ports.UnitOfWork { return db }

// queueDB is what the job workers fetch and complete jobs through (JOB_DATABASE_URL).
type queueDB struct{ db *postgres.DB }

// newQueueDB opens the workers' pool (it also enqueues system jobs, which belong to no tenant), or
// reuses the serving one when JOB_DATABASE_URL is DATABASE_URL.
func newQueueDB(lc fx.Lifecycle, cfg Config, serving *postgres.DB, progress *startProgress) (queueDB, error) {
	if cfg.JobDatabaseURL == cfg.DatabaseURL {
		return queueDB{db: serving}, nil
	}
	db, err := postgres.Open(context.Background(), postgres.Config{
		URL:            cfg.JobDatabaseURL,
		MaxConns:       cfg.DBMaxConns,
		ConnectTimeout: cfg.DBConnectTimeout,
	})
	if err != nil {
		return queueDB{}, err
	}
	lc.Append(fx.StopHook(func() {
		if progress.completed.Load() {
			db.Close()
			return
		}
		go db.Close() // as the serving pool's: nothing ran on it
	}))
	return queueDB{db: db}, nil
}

func newReadiness(db *postgres.DB, queue queueDB, cfg Config) (*postgres.Readiness, error) {
	latest, err := postgres.LatestVersion(migrations.FS)
	if err != nil {
		return nil, err
	}
	ready := postgres.NewReadiness(db, latest, postgres.DefaultSchemaRules)
	if cfg.JobWorkers > 0 {
		// The workers' login must see the queue: a worker that never finds a job fails silently.
		ready = ready.WithWorkers(queue.db)
	}
	return ready, nil
}

// startSignal ends start-up work early once it is done: serve passes its signal context, so that
// a SIGTERM while the self-check waits on the database ends the start instead of being lost.
type startSignal struct{ context.Context }

// interruptStart makes the start of the server end early once ctx does.
func interruptStart(ctx context.Context) fx.Option { return fx.Replace(startSignal{ctx}) }

func registerSelfCheck(lc fx.Lifecycle, ready *postgres.Readiness, cfg Config, signal startSignal) {
	lc.Append(fx.StartHook(func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, cfg.DBConnectTimeout+cfg.DBStatementTimeout)
		defer cancel()
		defer context.AfterFunc(signal, cancel)()
		if err := ready.Check(ctx); err != nil {
			return fmt.Errorf("database not ready to serve: %w", err)
		}
		return nil
	}))
}

// TenancyModule provides the tenant directory behind the in-process cache, kept fresh by the
// tenants table's change feed. It provides no tenancy.Resolve: the HTTP tenant middleware makes
// its own from the directory, so no route or use case can be given one
// (TestRequestCodeCannotBeGivenTenantResolution).
var TenancyModule = fx.Module("tenancy",
	fx.Provide(
		newTenantCache,
		fx.Annotate(func(d *tenantcache.Directory) *tenantcache.Directory { return d }, fx.As(new(ports.TenantDirectory))),
		tenancy.NewCurrent,
	),
	fx.Invoke(runTenantChangeFeed),
)

func newTenantCache(store *postgres.TenantStore, cfg Config) *tenantcache.Directory {
	return tenantcache.New(store, tenantcache.Config{
		Size:        2 * cfg.TenantCacheSize, // a tenant takes two entries: by slug and by ID
		TTL:         cfg.TenantCacheTTL,
		NegativeTTL: cfg.TenantNegativeTTL,
		// A shared lookup outliving every request that waits for it only holds a connection.
		LoadTimeout: cfg.RequestTimeout,
	})
}

func runTenantChangeFeed(lc fx.Lifecycle, cache *tenantcache.Directory, db *postgres.DB, cfg Config, log *zap.Logger) error {
	feed, err := postgres.NewTenantChangeFeed(cfg.DatabaseListenURL, cfg.DBConnectTimeout, db, log.Named("tenant-feed"),
		func(c postgres.TenantChange) { cache.Invalidate(c.ID, c.Slugs...) },
		cache.Purge)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				if err := feed.Run(ctx); err != nil {
					log.Error("tenant change feed stopped", zap.Error(err))
				}
			}()
			return nil
		},
		OnStop: func(stopCtx context.Context) error {
			cancel()
			select {
			case <-done:
				return nil
			case <-stopCtx.Done():
				return fmt.Errorf("stop tenant change feed: %w", stopCtx.Err())
			}
		},
	})
	return nil
}

// AuthModule provides passwords, tokens and the identity use cases.
var AuthModule = fx.Module("auth",
	fx.Provide(
		newKeySet,
		newTokenService,
		func(s *token.Service) ports.TokenIssuer { return s },
		func(s *token.Service) ports.TokenVerifier { return s },
		fx.Annotate(func() *password.Argon2id { return password.New(password.DefaultParams) }, fx.As(new(ports.PasswordHasher))),
		identity.NewLogin,
		identity.NewAuthenticate,
	),
)

func newKeySet(cfg Config, log *zap.Logger) (*token.KeySet, error) {
	if cfg.JWTKeysDir == "" {
		keys, err := token.GenerateKeySet()
		if err != nil {
			return nil, err
		}
		log.Warn("no JWT_KEYS_DIR: signing with an ephemeral key; tokens die with this process",
			zap.String("kid", keys.ActiveKID()))
		return keys, nil
	}
	keys, err := token.LoadKeySet(cfg.JWTKeysDir, cfg.JWTActiveKID)
	if err != nil {
		return nil, fmt.Errorf("JWT_KEYS_DIR: %w", err)
	}
	return keys, nil
}

func newTokenService(keys *token.KeySet, cfg Config) *token.Service {
	return token.New(keys, token.Config{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, TTL: cfg.JWTTTL}, clock.System{})
}

// HTTPModule provides the HTTP server and ties it to the application's lifecycle.
var HTTPModule = fx.Module("http",
	fx.Provide(newHTTPServer),
	fx.Invoke(func(lc fx.Lifecycle, s *httpapi.Server, cfg Config, shutdown fx.Shutdowner, log *zap.Logger) {
		lc.Append(fx.Hook{
			OnStart: func(ctx context.Context) error {
				if err := s.Start(ctx); err != nil {
					return err
				}
				go func() {
					select {
					case err := <-s.Failed():
						log.Error("http server failed; shutting down", zap.Error(err))
						_ = shutdown.Shutdown(fx.ExitCode(1))
					case <-s.Stopped():
					}
				}()
				return nil
			},
			OnStop: func(ctx context.Context) error {
				ctx, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout)
				defer cancel()
				return s.Stop(ctx)
			},
		})
	}),
)

type httpParams struct {
	fx.In
	Config       Config
	Log          *zap.Logger
	Directory    ports.TenantDirectory
	Current      *tenancy.Current
	Login        *identity.Login
	Authenticate *identity.Authenticate
	Readiness    *postgres.Readiness
	Keys         *token.KeySet
	Metrics      *metrics.Metrics
	Telemetry    Telemetry
	Routes       []httpapi.Route           `group:"routes"`
	OpenAPI      []httpapi.OpenAPIFragment `group:"openapi"`
}

func newHTTPServer(p httpParams) (*httpapi.Server, error) {
	c := p.Config
	return httpapi.New(httpapi.Config{
		Addr:              c.HTTPAddr,
		ReadHeaderTimeout: c.HTTPReadHeaderTimeout,
		ReadTimeout:       c.HTTPReadTimeout,
		WriteTimeout:      c.HTTPWriteTimeout,
		IdleTimeout:       c.HTTPIdleTimeout,
		RequestTimeout:    c.RequestTimeout,
		BodyLimit:         c.HTTPBodyLimit,
		Tenant: httpapi.TenantConfig{
			Strategies:     c.TenantStrategies,
			Header:         c.TenantHeader,
			BaseDomain:     c.TenantBaseDomain,
			TrustedProxies: c.TrustedProxies,
		},
	}, httpapi.Deps{
		Directory:    p.Directory,
		Current:      p.Current,
		Login:        p.Login,
		Authenticate: p.Authenticate,
		Readiness:    p.Readiness,
		JWKS:         p.Keys.JWKS(),
		Routes:       p.Routes,
		OpenAPI:      p.OpenAPI,
		Observer:     p.Metrics,
		Tracer:       p.Telemetry.Tracer,
		Usage:        tenantUsage(p.Telemetry.Top),
		Log:          p.Log,
	})
}

// tenantUsage keeps a nil top a nil interface: the HTTP server counts nothing then.
func tenantUsage(top *metrics.TenantTop) httpapi.TenantUsage {
	if top == nil {
		return nil
	}
	return top
}

// MetricsModule provides the Prometheus registry, served at /metrics, with the tenant cache and
// the connection pool read at scrape time.
var MetricsModule = fx.Module("metrics",
	fx.Provide(
		metrics.New,
		fx.Annotate(func(m *metrics.Metrics) httpapi.Route {
			return httpapi.PlainRoute(http.MethodGet, "/metrics", m.Handler())
		}, fx.ResultTags(`group:"routes"`)),
	),
	fx.Invoke(func(m *metrics.Metrics, cache *tenantcache.Directory, db *postgres.DB) {
		m.RegisterCache(func() metrics.CacheStats {
			s := cache.Stats()
			return metrics.CacheStats{Hits: s.Hits, NegativeHits: s.NegativeHits, Misses: s.Misses}
		})
		m.RegisterPool(func() metrics.PoolStats {
			s := db.Stats()
			return metrics.PoolStats{
				MaxConns: s.MaxConns, TotalConns: s.TotalConns, IdleConns: s.IdleConns, AcquiredConns: s.AcquiredConns,
				AcquireCount: s.AcquireCount, EmptyAcquireCount: s.EmptyAcquireCount,
			}
		})
	}),
)

// Server is every module the serve command runs.
func Server(cfg Config) fx.Option {
	return fx.Options(
		fx.Supply(cfg, startSignal{context.Background()}),
		fx.Provide(func() *startProgress { return new(startProgress) }),
		fx.WithLogger(func(log *zap.Logger) fxevent.Logger {
			// Raising a level below the logger's own is an error zap prints to stderr (LOG_LEVEL=error).
			return &fxevent.ZapLogger{Logger: log.Named("fx").WithOptions(zap.IncreaseLevel(max(zap.WarnLevel, log.Level())))}
		}),
		fx.StartTimeout(cfg.DBConnectTimeout+cfg.DBStatementTimeout+5*time.Second),
		// Running jobs get SHUTDOWN_TIMEOUT, then in-flight requests get it.
		fx.StopTimeout(2*cfg.ShutdownTimeout+5*time.Second),
		LoggingModule,
		PostgresModule,
		TenancyModule,
		AuthModule,
		fx.Options(Features...),
		MetricsModule,
		TelemetryModule,
		HTTPModule,
		// After HTTPModule: stopped first, so workers stop taking jobs while requests still run.
		JobsModule,
		// Outside every module, so its hook is appended after theirs.
		fx.Invoke(markStarted),
	)
}
