package bootstrap_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// pgbouncerScript runs bootstrap/dev/pgbouncer.sh with the candidate ports and the state file.
func pgbouncerScript(t *testing.T, state string, ports []int, command string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dev/pgbouncer.sh", command)
	candidates := make([]string, 0, len(ports))
	for _, p := range ports {
		candidates = append(candidates, strconv.Itoa(p))
	}
	cmd.Env = append(os.Environ(), "PGBOUNCER_STATE="+state, "PGBOUNCER_PORTS="+strings.Join(candidates, " "),
		"DATABASE_URL="+pgtest.ServerURL())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// heldPort binds a loopback port without listening on it, as an outgoing connection holds its
// local port: nothing answers there, yet no one else can listen on it.
func heldPort(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Close(fd) })
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	in4, ok := sa.(*syscall.SockaddrInet4)
	require.True(t, ok, "an IPv4 socket has an IPv4 address")
	return in4.Port
}

// unusedPort returns a loopback port nothing held a moment ago.
func unusedPort(t *testing.T) int {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr, ok := ln.Addr().(*net.TCPAddr)
	require.True(t, ok, "a TCP listener has a TCP address")
	require.NoError(t, ln.Close())
	return addr.Port
}

// TestPgBouncerScriptSkipsTakenPorts runs the PgBouncer phase's start script. A port that is taken
// but answers nothing is found only by binding it: the script says so, quoting pgbouncer, and
// listens on the next candidate. Two runs started at once on the same candidates get a port each.
// When every candidate is taken, the one line of failure quotes pgbouncer's own log.
func TestPgBouncerScriptSkipsTakenPorts(t *testing.T) {
	if _, err := exec.LookPath("pgbouncer"); err != nil {
		t.Skip("pgbouncer is not installed")
	}
	held := heldPort(t)
	start := func(ports ...int) (addr, stderr string, err error) {
		state := filepath.Join(t.TempDir(), "state")
		addr, stderr, err = pgbouncerScript(t, state, ports, "start")
		t.Cleanup(func() {
			_, stopErr, err := pgbouncerScript(t, state, nil, "stop")
			assert.NoError(t, err, stopErr)
		})
		return strings.TrimSpace(addr), stderr, err
	}

	free := unusedPort(t)
	addr, stderr, err := start(held, free)
	require.NoError(t, err, stderr)
	assert.Equal(t, "127.0.0.1:"+strconv.Itoa(free), addr)
	assert.Contains(t, stderr, "port "+strconv.Itoa(held)+" is taken (WARNING cannot listen on 127.0.0.1:"+strconv.Itoa(held)+": bind(): Address already in use")
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(context.Background(), "tcp", addr)
	require.NoError(t, err, "pgbouncer answers on the address the script printed")
	_ = conn.Close()

	a, b := unusedPort(t), unusedPort(t)
	var wg sync.WaitGroup
	addrs := make([]string, 2)
	errs := make([]error, 2)
	outs := make([]string, 2)
	for i := range 2 {
		wg.Go(func() { addrs[i], outs[i], errs[i] = start(held, a, b) })
	}
	wg.Wait()
	require.NoError(t, errs[0], outs[0])
	require.NoError(t, errs[1], outs[1])
	assert.ElementsMatch(t, []string{"127.0.0.1:" + strconv.Itoa(a), "127.0.0.1:" + strconv.Itoa(b)}, addrs, "two runs, two ports")

	_, stderr, err = start(held)
	require.Error(t, err)
	assert.Contains(t, stderr, "pgbouncer found no free port: "+strconv.Itoa(held)+" were all taken")
	assert.Contains(t, stderr, "bind(): Address already in use", "pgbouncer's own reason is quoted")
}
