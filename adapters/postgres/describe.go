package postgres

import (
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// maxDescriptions bounds the cache: the statements of a process are the code's, but a statement
// built with a variable number of placeholders (an IN list) is a new text per length.
const maxDescriptions = 4096

// descriptionCache keeps, per SQL text, the parameter and result types the server reported, so an
// unnamed statement can be encoded and decoded without asking the server again. It is shared by
// every connection of a DB: a description says what the statement is, not where it was prepared.
type descriptionCache struct {
	mu sync.RWMutex
	m  map[string]*pgconn.StatementDescription
}

func newDescriptionCache() *descriptionCache {
	return &descriptionCache{m: make(map[string]*pgconn.StatementDescription)}
}

func (c *descriptionCache) get(sql string) *pgconn.StatementDescription {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[sql]
}

func (c *descriptionCache) put(sql string, sd *pgconn.StatementDescription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) < maxDescriptions {
		c.m[sql] = sd
	}
}

func (c *descriptionCache) drop(sql string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, sql)
}
