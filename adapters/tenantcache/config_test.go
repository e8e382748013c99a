package tenantcache

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestConfigDefaults(t *testing.T) {
	assert.Equal(t, Config{
		Size:         DefaultSize,
		TTL:          DefaultTTL,
		NegativeSize: DefaultNegativeSize,
		NegativeTTL:  DefaultNegativeTTL,
		LoadTimeout:  DefaultLoadTimeout,
	}, Config{}.withDefaults())

	set := Config{Size: 5, TTL: time.Minute, NegativeSize: 3, NegativeTTL: time.Second, LoadTimeout: time.Millisecond}
	assert.Equal(t, set, set.withDefaults(), "set fields are kept")
	assert.Equal(t, DefaultTTL, Config{TTL: -time.Second}.withDefaults().TTL, "negative means default")
}
