// Package userdb stores users in PostgreSQL. Its Store is built on the tenant-scoped base
// repository and holds no connection of its own, so every statement it runs is scoped.
package userdb
