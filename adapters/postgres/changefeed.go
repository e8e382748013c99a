package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
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

// How the feed decides that notifications cannot arrive, and how it then polls.
const (
	// probeWait is how long a notification the feed sends itself may take to come back before
	// the feed concludes that LISTEN is useless on this connection (a transaction pooler).
	probeWait = 2 * time.Second
	// pollEvery keeps a change within one second of every instance while polling.
	pollEvery = 500 * time.Millisecond
	// pollOverlap re-reads recent changes, so that a change committed after a poll but stamped
	// (updated_at is the transaction's start) before it is still seen.
	pollOverlap = 15 * time.Second
)

// TenantChangeFeed tells every running instance about tenant changes within a second, so that
// it drops its cached copy instead of serving a deactivated tenant until the entry expires. It
// listens for the tenants table's notifications; when they cannot arrive (LISTEN through a
// transaction pooler receives nothing) it notices, says so, and polls the table instead.
type TenantChangeFeed struct {
	listener *pgxlisten.Listener
	poll     *DB
	log      *zap.Logger
	onChange func(TenantChange)
	onReset  func()

	nonce                    string
	connected, delivered     chan struct{}
	connectOnce, deliverOnce sync.Once
}

// NewTenantChangeFeed returns a feed listening on its own session connection to listenURL, and
// polling through db when notifications do not arrive. onChange receives each change; onReset
// runs whenever the feed may have missed changes (a (re)connection, an unreadable notification),
// and every cached tenant must then be presumed stale.
func NewTenantChangeFeed(listenURL string, connectTimeout time.Duration, db *DB, log *zap.Logger, onChange func(TenantChange), onReset func()) (*TenantChangeFeed, error) {
	cfg, err := pgx.ParseConfig(listenURL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if connectTimeout > 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec // a pooler in the way must not break the probe
	// Stopping ends the wait by closing the connection, without a CancelRequest, as the pool does.
	cfg.DialFunc = withoutCancelRequests(cfg.DialFunc)
	f := &TenantChangeFeed{poll: db, log: log, onChange: onChange, onReset: onReset,
		nonce: uuid.NewString(), connected: make(chan struct{}), delivered: make(chan struct{})}
	f.listener = &pgxlisten.Listener{
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
	f.listener.Handle(tenantChannel, feedHandler{feed: f})
	return f, nil
}

// Run listens until ctx ends, reconnecting after failures. It polls as well until a probe
// notification proves that notifications arrive, and for good when one never does.
func (f *TenantChangeFeed) Run(ctx context.Context) error {
	listenCtx, stopListening := context.WithCancel(ctx)
	defer stopListening()
	listened := make(chan error, 1)
	go func() { listened <- f.listener.Listen(listenCtx) }()

	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		f.pollUntil(pollCtx)
	}()

	stopPollingAndWait := func() {
		stopPolling()
		if polled != nil {
			<-polled
			polled = nil
		}
	}
	connected, delivered := f.connected, f.delivered
	var probeExpired <-chan time.Time // armed at the first connection: a database that is down is not a pooler
	for {
		select {
		case <-connected:
			connected = nil
			timer := time.NewTimer(probeWait)
			defer timer.Stop()
			probeExpired = timer.C
		case <-delivered:
			delivered, probeExpired = nil, nil
			stopPollingAndWait()
		case <-probeExpired:
			probeExpired, delivered = nil, nil
			stopListening()
			if err := <-listened; err != nil {
				f.log.Debug("tenant change feed: listener stopped", zap.Error(err))
			}
			listened = nil
			f.log.Warn("tenant change notifications do not arrive over DATABASE_LISTEN_URL (a transaction pooler in the way?); polling the tenants table instead",
				zap.Duration("every", pollEvery))
		case err := <-listened:
			stopPollingAndWait()
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("tenant change feed: %w", err)
			}
			return nil
		case <-polled:
			return nil // ctx ended while only polling
		}
	}
}

// pollUntil reads recently changed tenants every pollEvery until ctx ends.
func (f *TenantChangeFeed) pollUntil(ctx context.Context) {
	since := time.Now().Add(-pollOverlap)
	ok := true
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		started := time.Now()
		changes, err := f.changedSince(ctx, since)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			if ok {
				f.log.Warn("tenant change feed: poll failed", zap.Error(err))
			}
			ok = false
			continue
		case !ok:
			f.onReset() // changes may have passed unseen while polling failed
			ok = true
		}
		for _, c := range changes {
			f.onChange(c)
		}
		since = started.Add(-pollOverlap)
	}
}

func (f *TenantChangeFeed) changedSince(ctx context.Context, since time.Time) ([]TenantChange, error) {
	var out []TenantChange
	err := f.poll.run(ctx, uuid.Nil, statement{
		sql:  "SELECT id, slug FROM tenants WHERE updated_at > $1 OR created_at > $1",
		args: []any{since},
		rows: func(scan func(...any) error) error {
			var c TenantChange
			var slug string
			if err := scan(&c.ID, &slug); err != nil {
				return err
			}
			c.Slugs = []string{slug}
			out = append(out, c)
			return nil
		},
	})
	return out, err
}

type feedHandler struct{ feed *TenantChangeFeed }

func (h feedHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	var payload struct {
		ID      uuid.UUID `json:"id"`
		Slug    string    `json:"slug"`
		OldSlug string    `json:"old_slug"`
		Probe   string    `json:"probe"`
	}
	if err := json.Unmarshal([]byte(n.Payload), &payload); err != nil {
		// An unreadable change could be any tenant: forget them all.
		h.feed.onReset()
		return fmt.Errorf("decode tenant change %q: %w", n.Payload, err)
	}
	if payload.Probe != "" {
		if payload.Probe == h.feed.nonce {
			h.feed.deliverOnce.Do(func() { close(h.feed.delivered) })
		}
		return nil // another instance's probe
	}
	change := TenantChange{ID: payload.ID, Slugs: []string{payload.Slug}}
	if payload.OldSlug != "" && payload.OldSlug != payload.Slug {
		change.Slugs = append(change.Slugs, payload.OldSlug)
	}
	h.feed.onChange(change)
	return nil
}

// HandleBacklog runs on every (re)connection, after LISTEN: cached tenants may have changed
// while the feed was away, and the probe asks the server to show that notifications arrive.
func (h feedHandler) HandleBacklog(ctx context.Context, _ string, _ *pgx.Conn) error {
	h.feed.log.Debug("tenant change feed connected; dropping cached tenants")
	h.feed.onReset()
	h.feed.connectOnce.Do(func() { close(h.feed.connected) })
	return h.feed.sendProbe(ctx)
}

// sendProbe notifies from another session, as a tenant change would: through a transaction
// pooler the listening connection's own NOTIFY could come back to it on the same server
// connection and prove nothing.
func (f *TenantChangeFeed) sendProbe(ctx context.Context) error {
	probe, err := json.Marshal(map[string]string{"probe": f.nonce})
	if err != nil {
		return err
	}
	return f.poll.run(ctx, uuid.Nil, statement{sql: "SELECT pg_notify($1, $2)", args: []any{tenantChannel, string(probe)}})
}
