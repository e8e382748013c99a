// Package mint holds the key that tenant.IssueContext demands. Go's internal rule lets only
// packages under domain/tenant obtain a valid one, so no other code can call it successfully.
package mint
