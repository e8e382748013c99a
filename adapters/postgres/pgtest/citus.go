package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// A Citus database is one database of the same name on the coordinator and on every worker, each
// with the citus extension, and the coordinator's copy knowing the nodes. Creating the extension
// and registering nodes takes seconds per node, so it is done once, into a template database on
// every node (connections to it disabled, as CREATE DATABASE … TEMPLATE requires), and each test
// database is a copy of it on every node.

// node is one PostgreSQL server of the Citus cluster.
type node struct {
	host string
	port int
}

// cluster is the Citus cluster of the server tests run against; nil on plain PostgreSQL.
type cluster struct {
	server      string // the URL tests were given for the coordinator
	coordinator node
	workers     []node
	template    string
}

// clusterFound is what findCluster answered for one server, once per test process.
type clusterFound struct {
	once sync.Once
	c    *cluster
	err  error
}

var (
	clustersMu sync.Mutex
	clusters   = map[string]*clusterFound{}
)

// citusCluster returns the cluster when server preloads citus, reading its nodes from the
// database of server's URL (the one CITUS_URL or bootstrap/dev/citus.sh set up), and makes sure
// the template exists on every node; nil on plain PostgreSQL.
func citusCluster(ctx context.Context, admin *pgx.Conn, server string) (*cluster, error) {
	clustersMu.Lock()
	found, ok := clusters[server]
	if !ok {
		found = &clusterFound{}
		clusters[server] = found
	}
	clustersMu.Unlock()
	found.once.Do(func() { found.c, found.err = findCluster(ctx, admin, server) })
	return found.c, found.err
}

// foundCluster is the cluster citusCluster found for server before; nil if none.
func foundCluster(server string) *cluster {
	clustersMu.Lock()
	defer clustersMu.Unlock()
	if found, ok := clusters[server]; ok {
		return found.c
	}
	return nil
}

func findCluster(ctx context.Context, admin *pgx.Conn, server string) (*cluster, error) {
	var preload string
	if err := admin.QueryRow(ctx, "SHOW shared_preload_libraries").Scan(&preload); err != nil {
		return nil, fmt.Errorf("read shared_preload_libraries: %w", err)
	}
	if !strings.Contains(preload, "citus") {
		return nil, nil
	}
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("the server preloads citus: connect to %s to read its nodes: %w", cfg.Database, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	rows, err := conn.Query(ctx, `
SELECT nodename, nodeport FROM pg_dist_node
WHERE noderole = 'primary' AND isactive AND groupid <> 0 ORDER BY nodename, nodeport`)
	if err != nil {
		return nil, fmt.Errorf("the server preloads citus, but database %s lists no nodes (run bootstrap/dev/citus.sh or point CITUS_URL at a coordinator's database): %w", cfg.Database, err)
	}
	workers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (node, error) {
		var n node
		err := r.Scan(&n.host, &n.port)
		return n, err
	})
	if err != nil {
		return nil, err
	}
	if len(workers) == 0 {
		return nil, fmt.Errorf("the Citus coordinator's database %s has no workers", cfg.Database)
	}
	c := &cluster{server: server, coordinator: node{host: cfg.Host, port: int(cfg.Port)}, workers: workers}
	sum := sha256.Sum256(fmt.Append(nil, c.coordinator, c.workers))
	c.template = "tenantcore_citus_template_" + hex.EncodeToString(sum[:4])
	return c, c.ensureTemplate(ctx, admin)
}

func (c *cluster) nodes() []node { return append([]node{c.coordinator}, c.workers...) }

// connect opens a connection to database on n, as the user of the cluster's server URL.
func (c *cluster) connect(ctx context.Context, n node, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(c.server)
	if err != nil {
		return nil, err
	}
	cfg.Host, cfg.Port, cfg.Database = n.host, uint16(n.port), database //nolint:gosec // a TCP port fits
	cfg.Fallbacks = nil
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to Citus node %s:%d: %w", n.host, n.port, err)
	}
	return conn, nil
}

// onEveryNode runs fn against the "postgres" database of every node, concurrently.
func (c *cluster) onEveryNode(ctx context.Context, fn func(n node, conn *pgx.Conn) error) error {
	nodes := c.nodes()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := c.connect(ctx, n, "postgres")
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = conn.Close(context.Background()) }()
			errs[i] = fn(n, conn)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// ensureTemplate builds the template on every node unless all have it. Test binaries run in
// parallel: an advisory lock on the coordinator lets one build while the others wait.
func (c *cluster) ensureTemplate(ctx context.Context, admin *pgx.Conn) error {
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", c.template); err != nil {
		return err
	}
	defer func() { _, _ = admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", c.template) }()

	var (
		mu      sync.Mutex
		missing bool
	)
	err := c.onEveryNode(ctx, func(_ node, conn *pgx.Conn) error {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", c.template).Scan(&ok); err != nil {
			return err
		}
		mu.Lock()
		missing = missing || !ok
		mu.Unlock()
		return nil
	})
	if err != nil || !missing {
		return err
	}

	name := pgx.Identifier{c.template}.Sanitize()
	err = c.onEveryNode(ctx, func(n node, conn *pgx.Conn) error {
		// A half-built template of an interrupted run goes first.
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", c.template).Scan(&exists); err != nil {
			return err
		}
		sqls := []string{"CREATE DATABASE " + name}
		if exists {
			sqls = append([]string{"ALTER DATABASE " + name + " WITH IS_TEMPLATE false", "DROP DATABASE " + name + " WITH (FORCE)"}, sqls...)
		}
		for _, sql := range sqls {
			if _, err := conn.Exec(ctx, sql); err != nil {
				return fmt.Errorf("%s on %s:%d: %w", sql, n.host, n.port, err)
			}
		}
		db, err := c.connect(ctx, n, c.template)
		if err != nil {
			return err
		}
		defer func() { _ = db.Close(context.Background()) }()
		_, err = db.Exec(ctx, "CREATE EXTENSION citus")
		return err
	})
	if err != nil {
		return err
	}
	coord, err := c.connect(ctx, c.coordinator, c.template)
	if err != nil {
		return err
	}
	if _, err := coord.Exec(ctx, "SELECT citus_set_coordinator_host($1, $2)", c.coordinator.host, c.coordinator.port); err != nil {
		_ = coord.Close(ctx)
		return fmt.Errorf("register the coordinator: %w", err)
	}
	for _, w := range c.workers {
		if _, err := coord.Exec(ctx, "SELECT citus_add_node($1, $2)", w.host, w.port); err != nil {
			_ = coord.Close(ctx)
			return fmt.Errorf("add worker %s:%d: %w", w.host, w.port, err)
		}
	}
	_ = coord.Close(ctx)
	// The maintenance daemon of each node stays connected to a database with the extension:
	// disallow connections first, then end the daemon's.
	return c.onEveryNode(ctx, func(_ node, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", c.template)
		return err
	})
}

// oneAtATime runs fn while holding a lock every test process on this cluster takes.
func (c *cluster) oneAtATime(ctx context.Context, fn func() error) error {
	conn, err := c.connect(ctx, c.coordinator, "postgres")
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('tenantcore_citus_migrate'))"); err != nil {
		return err
	}
	return fn() // closing the connection releases the lock
}

// create makes database name on every node as a copy of the template.
func (c *cluster) create(ctx context.Context, name string) error {
	return c.onEveryNode(ctx, func(n node, conn *pgx.Conn) error {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{c.template}.Sanitize()); err != nil {
			return fmt.Errorf("create %s on %s:%d: %w", name, n.host, n.port, err)
		}
		return nil
	})
}

// drop removes database name from every node.
func (c *cluster) drop(ctx context.Context, name string) error {
	return c.onEveryNode(ctx, func(_ node, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		return err
	})
}

// withUser replaces the user of a postgres:// URL and drops its password.
func withUser(raw, user string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.User = url.User(user)
	return u.String(), nil
}
