package tenancy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// resolveFixture is a directory with two active tenants and an inactive one.
type resolveFixture struct {
	acme, beta, gone tenant.Tenant
	dir              *fakeDirectory
	resolve          *tenancy.Resolve
}

func newResolveFixture(t testing.TB) resolveFixture {
	t.Helper()
	f := resolveFixture{
		acme: mustTenant(t, "Acme", "acme"),
		beta: mustTenant(t, "Beta", "beta"),
		gone: inactiveTenant("Gone", "gone"),
	}
	f.dir = newFakeDirectory(f.acme, f.beta, f.gone)
	f.resolve = tenancy.NewResolve(f.dir)
	return f
}

func header(v string) tenancy.Identifier { return tenancy.Identifier{Strategy: "header", Value: v} }
func path(v string) tenancy.Identifier   { return tenancy.Identifier{Strategy: "path", Value: v} }

func TestResolveHandle(t *testing.T) {
	f := newResolveFixture(t)
	acmeID := f.acme.ID().String()

	tests := []struct {
		name    string
		ids     []tenancy.Identifier
		want    tenant.Tenant // the tenant of the context when wantErr is nil
		wantErr error
		// wantSlugCalls and wantIDCalls pin which lookups ran: -1 skips the check.
		wantSlugCalls, wantIDCalls int
	}{
		{name: "no identifiers", ids: nil, wantErr: tenant.ErrRequired},
		{name: "empty identifier list", ids: []tenancy.Identifier{}, wantErr: tenant.ErrRequired},

		{name: "slug", ids: ids(header("acme")), want: f.acme, wantSlugCalls: 1},
		{name: "upper-case slug is folded", ids: ids(header("ACME")), want: f.acme, wantSlugCalls: 1},
		{name: "canonical uuid is looked up by id", ids: ids(header(acmeID)), want: f.acme, wantIDCalls: 1},
		{name: "upper-case uuid is looked up by id", ids: ids(header(strings.ToUpper(acmeID))), want: f.acme, wantIDCalls: 1},

		// Malformed identifiers are refused before any lookup: they cost no query.
		{name: "empty value", ids: ids(header("")), wantErr: tenant.ErrInvalid},
		{name: "too short", ids: ids(header("ab")), wantErr: tenant.ErrInvalid},
		{name: "cyrillic look-alike", ids: ids(header("\u0430cme")), wantErr: tenant.ErrInvalid},
		{name: "kelvin sign look-alike", ids: ids(header("\u212Acme")), wantErr: tenant.ErrInvalid},
		{name: "path traversal", ids: ids(header("../x")), wantErr: tenant.ErrInvalid},
		{name: "sql", ids: ids(header("acme' OR '1'='1")), wantErr: tenant.ErrInvalid},
		{name: "nul byte", ids: ids(header("ac\x00me")), wantErr: tenant.ErrInvalid},
		{name: "crlf injection", ids: ids(header("acme\r\nX-Admin: 1")), wantErr: tenant.ErrInvalid},
		{name: "trailing newline", ids: ids(header("acme\n")), wantErr: tenant.ErrInvalid},
		{name: "nil uuid", ids: ids(header(uuid.Nil.String())), wantErr: tenant.ErrInvalid},
		{name: "braced uuid", ids: ids(header("{" + acmeID + "}")), wantErr: tenant.ErrInvalid},
		{name: "urn uuid", ids: ids(header("urn:uuid:" + acmeID)), wantErr: tenant.ErrInvalid},
		{name: "300 characters", ids: ids(header(strings.Repeat("a", 300))), wantErr: tenant.ErrInvalid},
		{name: "reserved slug", ids: ids(header("www")), wantErr: tenant.ErrInvalid},
		{name: "punycode slug", ids: ids(header("xn--80ak6aa92e")), wantErr: tenant.ErrInvalid},

		// Bare hex is not guessed to be an ID: it is an ordinary (valid) slug, so it is looked up
		// as one and never by ID.
		{name: "bare hex is a slug, not an id", ids: ids(header(strings.ReplaceAll(acmeID, "-", ""))), wantErr: tenant.ErrNotFound, wantSlugCalls: 1},

		{name: "unknown slug", ids: ids(header("nobody")), wantErr: tenant.ErrNotFound, wantSlugCalls: 1},
		{name: "unknown uuid", ids: ids(header(uuid.NewString())), wantErr: tenant.ErrNotFound, wantIDCalls: 1},
		{name: "inactive by slug", ids: ids(header("gone")), wantErr: tenant.ErrInactive, wantSlugCalls: 1},
		{name: "inactive by id", ids: ids(header(f.gone.ID().String())), wantErr: tenant.ErrInactive, wantIDCalls: 1},

		{name: "slug and id naming the same tenant", ids: ids(header("acme"), path(acmeID)), want: f.acme, wantSlugCalls: 1, wantIDCalls: 1},
		{name: "same slug twice", ids: ids(header("acme"), path("ACME")), want: f.acme, wantSlugCalls: 2},
		{name: "different tenants", ids: ids(header("acme"), path("beta")), wantErr: tenant.ErrAmbiguous, wantSlugCalls: 2},
		{name: "different tenants by slug and id", ids: ids(header("acme"), path(f.beta.ID().String())), wantErr: tenant.ErrAmbiguous, wantSlugCalls: 1, wantIDCalls: 1},
		{name: "invalid then valid", ids: ids(header("../x"), path("acme")), wantErr: tenant.ErrInvalid},
		{name: "valid then invalid", ids: ids(header("acme"), path("../x")), wantErr: tenant.ErrInvalid},
		{name: "unknown then known", ids: ids(header("nobody"), path("acme")), wantErr: tenant.ErrNotFound, wantSlugCalls: 1},
		{name: "known then unknown", ids: ids(header("acme"), path("nobody")), wantErr: tenant.ErrNotFound, wantSlugCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newFakeDirectory(f.acme, f.beta, f.gone)
			tc, err := tenancy.NewResolve(dir).Handle(context.Background(), tenancy.ResolveInput{Identifiers: tt.ids})

			slugCalls, idCalls := dir.calls()
			assert.Equal(t, tt.wantSlugCalls, slugCalls, "TenantBySlug calls")
			assert.Equal(t, tt.wantIDCalls, idCalls, "TenantByID calls")

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.True(t, tc.IsZero(), "a failed resolution yields no context")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.ID(), tc.TenantID())
			assert.Equal(t, tt.want.Slug(), tc.TenantSlug())
		})
	}
}

func ids(in ...tenancy.Identifier) []tenancy.Identifier { return in }

// The client learns which part of its request to fix (the strategy), but its own input is never
// reflected: an error detail may end up in an HTML page or a log viewer.
func TestResolveErrorDetails(t *testing.T) {
	f := newResolveFixture(t)
	tests := []struct {
		name     string
		ids      []tenancy.Identifier
		strategy string // the strategy the detail must start with
		raw      string // the input the detail must not contain
	}{
		{"invalid header", ids(header("<script>alert(1)</script>")), "header", "<script>"},
		{"invalid path after valid header", ids(header("acme"), path("evil../../etc")), "path", "evil"},
		{"long value", ids(header(strings.Repeat("z", 300))), "header", strings.Repeat("z", 10)},
		{"unknown slug", ids(tenancy.Identifier{Strategy: "subdomain", Value: "nobody-here"}), "subdomain", "nobody-here"},
		{"inactive tenant", ids(path("gone")), "", "gone"},
		{"ambiguous", ids(header("acme"), path("beta")), "", "beta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.resolve.Handle(context.Background(), tenancy.ResolveInput{Identifiers: tt.ids})
			var fe *fault.Error
			require.ErrorAs(t, err, &fe)
			if tt.strategy != "" {
				assert.True(t, strings.HasPrefix(fe.Detail(), tt.strategy+": "), "detail %q names the strategy first", fe.Detail())
			}
			assert.NotContains(t, fe.Detail(), tt.raw)
			assert.NotContains(t, fe.Error(), tt.raw)
		})
	}
}

// An unavailable directory must surface as unavailable (a 503 with Retry-After), not be mistaken
// for an unknown tenant: otherwise an outage looks like every tenant was deleted.
func TestResolvePropagatesDirectoryFailure(t *testing.T) {
	f := newResolveFixture(t)
	wrapped := errors.New("connection refused")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"fault sentinel", fault.ErrUnavailable, fault.ErrUnavailable},
		{"refined sentinel", fault.ErrUnavailable.WithDetail("database restarting"), fault.ErrUnavailable},
		{"plain error", wrapped, wrapped},
	}
	for _, tt := range tests {
		for _, id := range []string{"acme", f.acme.ID().String()} {
			t.Run(tt.name+"/"+id, func(t *testing.T) {
				f.dir.err = tt.err
				t.Cleanup(func() { f.dir.err = nil })

				tc, err := f.resolve.Handle(context.Background(), tenancy.ResolveInput{Identifiers: ids(header(id))})
				require.ErrorIs(t, err, tt.want)
				assert.NotErrorIs(t, err, tenant.ErrNotFound)
				assert.True(t, tc.IsZero())
			})
		}
	}
}

// Resolution never consults anything but the directory it was given, and a context it returns is
// usable by every tenant-scoped operation.
func TestResolveReturnsValidContext(t *testing.T) {
	f := newResolveFixture(t)
	tc, err := f.resolve.Handle(context.Background(), tenancy.ResolveInput{Identifiers: ids(header("beta"))})
	require.NoError(t, err)
	require.NoError(t, tc.Validate())
	assert.True(t, tc.Owns(f.beta.ID()))
	assert.False(t, tc.Owns(f.acme.ID()))
}

func FuzzResolve(f *testing.F) {
	fx := newResolveFixture(f)
	for _, seed := range []string{
		"acme", "ACME", "beta", "gone", "nobody", "www", "xn--80ak6aa92e", "ab", "",
		fx.acme.ID().String(), fx.gone.ID().String(), uuid.Nil.String(), uuid.NewString(),
		"{" + fx.acme.ID().String() + "}", "urn:uuid:" + fx.acme.ID().String(),
		strings.ReplaceAll(fx.acme.ID().String(), "-", ""),
		"../x", "acme' OR '1'='1", "ac\x00me", "\u0430cme", "\u212Acme", "ac\xffme", strings.Repeat("a", 300),
	} {
		f.Add(seed)
	}
	allowed := map[string]bool{
		tenant.ErrInvalid.Code():  true,
		tenant.ErrNotFound.Code(): true,
		tenant.ErrInactive.Code(): true,
	}
	f.Fuzz(func(t *testing.T, value string) {
		tc, err := fx.resolve.Handle(context.Background(), tenancy.ResolveInput{Identifiers: ids(header(value))})
		if err == nil {
			// Only the two active tenants can come out of a successful resolution.
			require.Contains(t, []uuid.UUID{fx.acme.ID(), fx.beta.ID()}, tc.TenantID())
			return
		}
		var fe *fault.Error
		require.ErrorAs(t, err, &fe)
		require.True(t, allowed[fe.Code()], "unexpected code %q for %q", fe.Code(), value)
		require.True(t, tc.IsZero())
	})
}
