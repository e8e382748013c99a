package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
	"go.uber.org/zap"
)

// tenantChannel is the NOTIFY channel of the tenants table trigger (migration 00001).
const tenantChannel = "tenant_changed"

// TenantChange is one notification of the tenants table: the tenant's ID and its slugs before and
// after the change.
type TenantChange struct {
	ID    uuid.UUID
	Slugs []string
}

// TenantChangeFeed listens for tenant changes so that every running instance can drop its cached
// copy within a second, instead of serving a deactivated tenant until the cache entry expires.
type TenantChangeFeed struct {
	listener *pgxlisten.Listener
}

// NewTenantChangeFeed returns a feed on its own connection to url. onChange receives each change;
// onReset runs whenever the connection is (re)established, because notifications sent while it
// was down are lost and every cached tenant must then be presumed stale.
func NewTenantChangeFeed(url string, connectTimeout time.Duration, log *zap.Logger, onChange func(TenantChange), onReset func()) (*TenantChangeFeed, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if connectTimeout > 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, cfg)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() != nil {
				return // stopping, not failing
			}
			log.Warn("tenant change feed", zap.Error(err))
		},
		ReconnectDelay: time.Second,
	}
	l.Handle(tenantChannel, feedHandler{log: log, onChange: onChange, onReset: onReset})
	return &TenantChangeFeed{listener: l}, nil
}

// Run listens until ctx ends, reconnecting after failures.
func (f *TenantChangeFeed) Run(ctx context.Context) error {
	if err := f.listener.Listen(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("tenant change feed: %w", err)
	}
	return nil
}

type feedHandler struct {
	log      *zap.Logger
	onChange func(TenantChange)
	onReset  func()
}

func (h feedHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	var payload struct {
		ID      uuid.UUID `json:"id"`
		Slug    string    `json:"slug"`
		OldSlug string    `json:"old_slug"`
	}
	if err := json.Unmarshal([]byte(n.Payload), &payload); err != nil {
		// An unreadable change could be any tenant: forget them all.
		h.onReset()
		return fmt.Errorf("decode tenant change %q: %w", n.Payload, err)
	}
	change := TenantChange{ID: payload.ID, Slugs: []string{payload.Slug}}
	if payload.OldSlug != "" && payload.OldSlug != payload.Slug {
		change.Slugs = append(change.Slugs, payload.OldSlug)
	}
	h.onChange(change)
	return nil
}

// HandleBacklog runs on every (re)connection, after LISTEN.
func (h feedHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.log.Debug("tenant change feed connected; dropping cached tenants")
	h.onReset()
	return nil
}
