package tenantdata_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// An erasure stopped at a random batch (Ctrl-C cancels the context), then run again, ends where an
// uninterrupted one does: no row of the tenant anywhere, the others untouched, and one receipt
// that counts every row once.
func TestInterruptedEraseResumes(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("alpha", 5)
	b := w.seed("bravo", 40)
	before := rowsOf(t, w.owner, b)
	archiveA := w.export("alpha")

	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	req := tenantdata.EraseRequest{Slug: "bravo", Confirm: "bravo", By: "ops", Reason: "offboarding"}
	// Batches of 7 rows: 6 per table of 40 rows, 24 in all; stop after one of them.
	stopAfter := rng.IntN(24)
	t.Logf("stopping after batch %d", stopAfter)
	stopped, stop := context.WithCancel(ctx)
	batches := 0
	eraser := tenantdata.NewEraser(w.admin)
	eraser.Batch = 7
	_, err := eraser.Erase(stopped, req, func(string, int64, bool) {
		if batches == stopAfter {
			stop()
		}
		batches++
	})
	require.ErrorIs(t, err, context.Canceled)
	stop()
	assert.Less(t, total(rowsOf(t, w.owner, b)), total(before), "the first run erased something")

	receipt, err := eraser.Erase(ctx, req, nil)
	require.NoError(t, err)

	assert.Zero(t, total(rowsOf(t, w.owner, b)))
	assert.Equal(t, tableFiles(t, archiveA), tableFiles(t, w.export("alpha")))
	delete(before, "isolation_probe")
	assert.Equal(t, before, receipt.Rows, "every row counted once across both runs")
	list, err := tenantdata.Receipts(ctx, w.admin)
	require.NoError(t, err)
	require.Len(t, list, 1, "one receipt")
	assert.NotNil(t, list[0].FinishedAt)

	// Once more: nothing left to erase, and no second receipt.
	_, err = eraser.Erase(ctx, req, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tenant receipts")
	list, err = tenantdata.Receipts(ctx, w.admin)
	require.NoError(t, err)
	assert.Len(t, list, 1)
}
