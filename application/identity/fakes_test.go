package identity_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// fakeUsers is an in-memory ports.UserRepository keyed by tenant. It honours the port's isolation
// contract (zero context refused, another tenant's row answers "not found"), so a use case that
// forgets to pass the right context fails here as it would against PostgreSQL.
type fakeUsers struct {
	mu       sync.Mutex
	byTenant map[uuid.UUID]map[uuid.UUID]user.User
	err      error // when set, every call fails with it
	pages    []ports.PageRequest
	byEmail  int // UserByEmail calls
}

var _ ports.UserRepository = (*fakeUsers)(nil)

func newFakeUsers(us ...user.User) *fakeUsers {
	r := &fakeUsers{byTenant: map[uuid.UUID]map[uuid.UUID]user.User{}}
	for _, u := range us {
		r.put(u)
	}
	return r
}

func (r *fakeUsers) put(u user.User) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byTenant[u.TenantID()] == nil {
		r.byTenant[u.TenantID()] = map[uuid.UUID]user.User{}
	}
	r.byTenant[u.TenantID()][u.ID()] = u
}

func (r *fakeUsers) failWith(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// begin is every method's prologue: the port's checks in the order a real adapter makes them.
func (r *fakeUsers) begin(tc tenant.Context) (map[uuid.UUID]user.User, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.byTenant[tc.TenantID()], nil
}

func (r *fakeUsers) ListForTenant(_ context.Context, tc tenant.Context, page ports.PageRequest) (ports.Page[user.User], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages = append(r.pages, page)
	rows, err := r.begin(tc)
	if err != nil {
		return ports.Page[user.User]{}, err
	}
	items := make([]user.User, 0, len(rows))
	for _, u := range rows {
		items = append(items, u)
	}
	slices.SortFunc(items, func(a, b user.User) int { return strings.Compare(a.ID().String(), b.ID().String()) })
	if len(items) > page.Limit {
		items = items[:page.Limit]
	}
	return ports.Page[user.User]{Items: items}, nil
}

func (r *fakeUsers) GetForTenant(_ context.Context, tc tenant.Context, id uuid.UUID) (user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows, err := r.begin(tc)
	if err != nil {
		return user.User{}, err
	}
	u, ok := rows[id]
	if !ok {
		return user.User{}, user.ErrNotFound
	}
	return u, nil
}

func (r *fakeUsers) CreateForTenant(_ context.Context, tc tenant.Context, u user.User) (user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows, err := r.begin(tc)
	if err != nil {
		return user.User{}, err
	}
	if !tc.Owns(u.TenantID()) {
		return user.User{}, tenant.ErrCrossTenant
	}
	for _, other := range rows {
		if other.Email() == u.Email() {
			return user.User{}, user.ErrEmailTaken
		}
	}
	now := time.Now()
	stored := user.UnmarshalFromDatabase(u.ID(), u.TenantID(), u.Email().String(), u.PasswordHash(), u.IsActive(), now, now)
	if rows == nil {
		rows = map[uuid.UUID]user.User{}
		r.byTenant[tc.TenantID()] = rows
	}
	rows[u.ID()] = stored
	return stored, nil
}

func (r *fakeUsers) UpdateForTenant(_ context.Context, tc tenant.Context, id uuid.UUID, change func(user.User) (user.User, error)) (user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows, err := r.begin(tc)
	if err != nil {
		return user.User{}, err
	}
	u, ok := rows[id]
	if !ok {
		return user.User{}, user.ErrNotFound
	}
	changed, err := change(u)
	if err != nil {
		return user.User{}, err
	}
	rows[id] = changed
	return changed, nil
}

func (r *fakeUsers) DeleteForTenant(_ context.Context, tc tenant.Context, id uuid.UUID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rows, err := r.begin(tc)
	if err != nil {
		return err
	}
	if _, ok := rows[id]; !ok {
		return user.ErrNotFound
	}
	delete(rows, id)
	return nil
}

func (r *fakeUsers) UserByEmail(_ context.Context, tc tenant.Context, email user.Email) (user.User, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byEmail++
	rows, err := r.begin(tc)
	if err != nil {
		return user.User{}, err
	}
	for _, u := range rows {
		if u.Email() == email {
			return u, nil
		}
	}
	return user.User{}, user.ErrNotFound
}

func (r *fakeUsers) emailLookups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byEmail
}

func (r *fakeUsers) pageRequests() []ports.PageRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.pages)
}

func (r *fakeUsers) all() []user.User {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []user.User
	for _, rows := range r.byTenant {
		for _, u := range rows {
			out = append(out, u)
		}
	}
	return out
}

// fakeHasher "hashes" by prefixing, so tests can tell a hash from a plaintext, and records every
// call so that tests can compare the work done on different login paths.
type fakeHasher struct {
	mu       sync.Mutex
	hashed   []string
	matched  []string // the encoded hashes Matches was asked about
	matchErr error
}

var _ ports.PasswordHasher = (*fakeHasher)(nil)

const hashPrefix = "hash:"

func (h *fakeHasher) Hash(_ context.Context, password string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hashed = append(h.hashed, password)
	return hashPrefix + password, nil
}

func (h *fakeHasher) Matches(ctx context.Context, encodedHash, password string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err // as the real hasher: a caller that has gone gets no slot
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.matched = append(h.matched, encodedHash)
	if h.matchErr != nil {
		return false, h.matchErr
	}
	if !strings.HasPrefix(encodedHash, hashPrefix) {
		return false, errors.New("fake hasher: not one of my hashes")
	}
	return encodedHash == hashPrefix+password, nil
}

// reset forgets the calls so far (NewLogin hashes a dummy password once).
func (h *fakeHasher) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hashed, h.matched = nil, nil
}

func (h *fakeHasher) calls() (hashed, matched []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.hashed), slices.Clone(h.matched)
}

// fakeIssuer records the principals it signs for.
type fakeIssuer struct {
	mu     sync.Mutex
	issued []auth.Principal
	err    error
}

var _ ports.TokenIssuer = (*fakeIssuer)(nil)

func (i *fakeIssuer) Issue(p auth.Principal) (auth.Token, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.err != nil {
		return auth.Token{}, i.err
	}
	i.issued = append(i.issued, p)
	return auth.Token{Value: "token-for-" + p.UserID.String(), ExpiresAt: time.Now().Add(time.Hour)}, nil
}

func (i *fakeIssuer) principals() []auth.Principal {
	i.mu.Lock()
	defer i.mu.Unlock()
	return slices.Clone(i.issued)
}

// fakeVerifier accepts the tokens listed in it.
type fakeVerifier struct {
	mu     sync.Mutex
	tokens map[string]auth.Principal
	seen   []string
}

var _ ports.TokenVerifier = (*fakeVerifier)(nil)

func (v *fakeVerifier) Verify(raw string) (auth.Principal, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seen = append(v.seen, raw)
	p, ok := v.tokens[raw]
	if !ok {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return p, nil
}

// Fixtures.

const (
	acmePassword = "acme-password-123"
	betaPassword = "beta-password-456"
)

func mustTenantContext(t testing.TB, name, slug string) tenant.Context {
	t.Helper()
	tn, err := tenant.New(name, slug)
	require.NoError(t, err)
	return tenanttest.Context(t, tn)
}

// storedUser builds a user as the repository would return it, with the fake hasher's encoding.
func storedUser(tc tenant.Context, email, password string, active bool) user.User {
	now := time.Now()
	return user.UnmarshalFromDatabase(uuid.Must(uuid.NewV7()), tc.TenantID(), email, hashPrefix+password, active, now, now)
}
