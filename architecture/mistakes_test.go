package architecture_test

import (
	"path"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/packages"
)

// The handler mistakes that once forged a TenantContext, or reached a tenant's data around the
// route builder, cannot be written any more. Each is kept
// as it was written, in the real module under testdata/mistakes, and must fail to compile for the
// one reason named here: were it to compile, or fail for another reason, the guard is gone.
func TestForgingMistakesDoNotCompile(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		// tenant.UnmarshalFromDatabase(id, …).Context() from a query parameter.
		"forgedcontext": "tenant.Tenant has no field or method Context",
		// tenancy.Admin.List() → Tenant.Context() → Get, looping over every tenant.
		"listingloop": "undefined: tenancy.Admin",
		// The system path injected into the HTTP adapter: its port is declared by the job runner,
		// which request code cannot import.
		"systemtenants": "undefined: ports.SystemTenants",
		// Server.Handler() asserted back to *echo.Echo to add a route around the route builder.
		"echoassert": "s.Handler() (value of struct type httpapi.Handler) is not an interface",
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax, Dir: ".."}
	pkgs, err := packages.Load(cfg, "./architecture/testdata/mistakes/...")
	require.NoError(t, err)

	got := map[string][]string{}
	for _, p := range pkgs {
		name := path.Base(p.PkgPath)
		for _, e := range p.Errors {
			// The go command reports the same failure again, as a list error.
			if e.Kind == packages.TypeError {
				got[name] = append(got[name], e.Msg)
			}
		}
	}
	require.Len(t, got, len(want), "one failing package per mistake: %v", got)
	for name, reason := range want {
		if assert.Len(t, got[name], 1, "%s: exactly one compile error", name) {
			assert.Contains(t, got[name][0], reason, "%s fails to compile for another reason", name)
		}
	}
}
