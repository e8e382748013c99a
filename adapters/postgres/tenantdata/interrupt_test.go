package tenantdata_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// An erasure stopped at a random point (Ctrl-C cancels the context), then run again, ends where an
// uninterrupted one does: no row of the tenant anywhere, the others untouched, and one receipt
// that counts every row once. The stop comes either right after a random batch committed, or
// after a random delay, wherever the erasure then is (inside a statement, between two).
func TestInterruptedEraseResumes(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Run("after a batch", func(t *testing.T) {
		// Batches of 7 rows: 6 per table of 40 rows, 24 in all, and one for the empty table.
		stopAfter := rng.IntN(25)
		t.Logf("stopping after batch %d", stopAfter)
		interruptedErase(t, func(stop context.CancelFunc) tenantdata.Progress {
			batches := 0
			return func(string, int64, bool) {
				if batches == stopAfter {
					stop()
				}
				batches++
			}
		})
	})
	t.Run("after a delay", func(t *testing.T) {
		delay := time.Duration(rng.IntN(300)) * time.Millisecond
		t.Logf("stopping after %v", delay)
		interruptedErase(t, func(stop context.CancelFunc) tenantdata.Progress {
			time.AfterFunc(delay, stop)
			return nil
		})
	})
}

func interruptedErase(t *testing.T, interrupt func(stop context.CancelFunc) tenantdata.Progress) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("alpha", 5)
	b := w.seed("bravo", 40)
	before := rowsOf(t, w.owner, b)
	archiveA := w.export("alpha")

	req := tenantdata.EraseRequest{Slug: "bravo", Confirm: "bravo", By: "ops", Reason: "offboarding"}
	eraser := tenantdata.NewEraser(w.admin)
	eraser.Batch = 7
	stopped, stop := context.WithCancel(ctx)
	defer stop()
	_, err := eraser.Erase(stopped, req, interrupt(stop))
	if err == nil {
		t.Log("the erasure finished before the interruption")
	} else {
		require.ErrorIs(t, err, context.Canceled)
		_, err = eraser.Erase(ctx, req, nil)
		require.NoError(t, err)
	}

	assert.Zero(t, total(rowsOf(t, w.owner, b)))
	assert.Equal(t, tableFiles(t, archiveA), tableFiles(t, w.export("alpha")))
	delete(before, "isolation_probe")
	list, err := tenantdata.Receipts(ctx, w.admin)
	require.NoError(t, err)
	require.Len(t, list, 1, "one receipt")
	assert.NotNil(t, list[0].FinishedAt)
	assert.Equal(t, before, list[0].Rows, "every row counted once across both runs")

	// Once more: nothing left to erase, and no second receipt.
	_, err = eraser.Erase(ctx, req, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tenant receipts")
	list, err = tenantdata.Receipts(ctx, w.admin)
	require.NoError(t, err)
	assert.Len(t, list, 1)
}
