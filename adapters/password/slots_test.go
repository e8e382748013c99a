package password

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// occupy takes every hashing slot of a, as that many hashes in progress would, and returns a
// function that frees one.
func occupy(a *Argon2id) (free func()) {
	for range cap(a.slots) {
		a.slots <- struct{}{}
	}
	return func() { <-a.slots }
}

// TestWaitForSlotEndsWithTheContext: with every slot busy, a login whose context ends leaves the
// queue with the context's error and takes no slot; the waiters behind it are not delayed by it.
func TestWaitForSlotEndsWithTheContext(t *testing.T) {
	cheap := Params{Memory: 64, Iterations: 1, Parallelism: 1}
	a := New(cheap)
	encoded, err := a.Hash(context.Background(), "secret")
	require.NoError(t, err)
	free := occupy(a)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = a.Matches(canceled, encoded, "secret")
	require.ErrorIs(t, err, context.Canceled, "already canceled")
	_, err = a.Hash(canceled, "secret")
	require.ErrorIs(t, err, context.Canceled)

	expired, cancelExpired := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancelExpired()
	_, err = a.Matches(expired, encoded, "secret")
	require.ErrorIs(t, err, context.DeadlineExceeded, "deadline passed")

	// 400 waiters whose clients hang up while every slot is busy: all leave, none takes a slot.
	const abandoned = 400
	errs := make(chan error, abandoned)
	ctx, hangUp := context.WithCancel(context.Background())
	for range abandoned {
		go func() {
			_, err := a.Matches(ctx, encoded, "secret")
			errs <- err
		}()
	}
	hangUp()
	for range abandoned {
		require.ErrorIs(t, <-errs, context.Canceled)
	}
	assert.Equal(t, cap(a.slots), len(a.slots), "the abandoned logins took no slot")

	// A slot frees: the next login, with a live context, gets it and is answered.
	free()
	ok, err := a.Matches(context.Background(), encoded, "secret")
	require.NoError(t, err)
	assert.True(t, ok)
}
