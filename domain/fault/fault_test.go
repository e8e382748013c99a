package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantcore/tenantcore/domain/fault"
)

func TestRefinedErrorStillMatchesSentinel(t *testing.T) {
	refined := fault.ErrNotFound.WithDetail("no user with that id")
	wrapped := fmt.Errorf("load user: %w", refined)

	assert.ErrorIs(t, wrapped, fault.ErrNotFound)
	assert.NotErrorIs(t, wrapped, fault.ErrUnavailable)

	var fe *fault.Error
	assert.True(t, errors.As(wrapped, &fe))
	assert.Equal(t, "resource.not_found", fe.Code())
	assert.Equal(t, fault.NotFound, fe.Kind())
	assert.Equal(t, "no user with that id", fe.Detail())
	assert.Equal(t, "the resource does not exist", fault.ErrNotFound.Detail(), "the sentinel is not modified")
}
