// Package store breaks ports-pure: a port depends on a logger.
package store

import _ "go.uber.org/zap"
