package http

// Breaks fx-only-in-bootstrap.
import _ "go.uber.org/fx"
