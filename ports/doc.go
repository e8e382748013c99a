// Package ports declares the interfaces the application core needs from the outside world
// (storage, tokens, passwords, time). Adapters implement them; the core never sees an adapter.
package ports
