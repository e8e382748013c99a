// Package job holds what the rest of the system must know about background jobs: the typed
// errors of enqueueing one. The queue itself is a port (ports.JobQueue) and an adapter.
package job
