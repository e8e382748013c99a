package postgres

import (
	"context"
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// cancelRequestNetwork is the network every connection of ours names as its peer's. pgx sends a
// CancelRequest whenever it gives up on a connection in the middle of an exchange (a request's
// context ended, a read failed), whatever context watcher is configured: it dials the address the
// connection reports as its peer, through the connection's own dial function. Only the dial
// function of withoutCancelRequests knows this network, and it refuses it.
const cancelRequestNetwork = "tenantcore-no-cancel-request"

// errCancelRequestRefused is what pgx's CancelRequest gets back; it ignores the error and closes
// the connection, which is all that is wanted.
var errCancelRequestRefused = errors.New("cancel requests are not sent: a canceled statement closes its connection")

// withoutCancelRequests wraps dial so that no connection it makes can be the subject of a
// CancelRequest. Through a pooler a cancel request is a connection of its own that the pooler
// must match to a server connection: it may reach whatever that connection runs by then, and
// meeting a server connection PostgreSQL has just terminated has made PgBouncer 1.18 exit. So a
// canceled statement ends by closing its connection; the pool dials a new one, and PostgreSQL
// ends the orphaned statement at its statement_timeout at the latest.
func withoutCancelRequests(dial pgconn.DialFunc) pgconn.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if network == cancelRequestNetwork {
			return nil, errCancelRequestRefused
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return peerWithoutCancel{Conn: conn}, nil
	}
}

// peerWithoutCancel is a connection whose peer address leads only to withoutCancelRequests'
// refusal. Nothing else in pgx reads the peer address.
type peerWithoutCancel struct{ net.Conn }

func (c peerWithoutCancel) RemoteAddr() net.Addr { return cancelRefusingAddr{c.Conn.RemoteAddr()} }

// cancelRefusingAddr keeps the peer's address for logs and errors under a network nobody dials.
type cancelRefusingAddr struct{ net.Addr }

func (cancelRefusingAddr) Network() string { return cancelRequestNetwork }
