package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// Users reads the users of a tenant.
type Users struct {
	repo ports.UserRepository
}

// NewUsers returns the queries reading from repo.
func NewUsers(repo ports.UserRepository) *Users {
	return &Users{repo: repo}
}

// Get returns tc's user with the id; another tenant's user is user.ErrNotFound, as is a missing one.
func (u *Users) Get(ctx context.Context, tc tenant.Context, id uuid.UUID) (user.User, error) {
	found, err := u.repo.GetForTenant(ctx, tc, id)
	if errors.Is(err, fault.ErrNotFound) {
		return user.User{}, user.ErrNotFound
	}
	return found, err
}

// List returns one page of tc's users, oldest first.
func (u *Users) List(ctx context.Context, tc tenant.Context, page ports.PageRequest) (ports.Page[user.User], error) {
	switch {
	case page.Limit == 0:
		page.Limit = ports.DefaultPageLimit
	case page.Limit < 0 || page.Limit > ports.MaxPageLimit:
		return ports.Page[user.User]{}, fault.ErrInvalidInput.WithDetail(
			fmt.Sprintf("limit must be between 1 and %d", ports.MaxPageLimit))
	}
	return u.repo.ListForTenant(ctx, tc, page)
}

// CreateUserInput describes a new user.
type CreateUserInput struct {
	Email    string
	Password string
}

// CreateUser adds a user to a tenant. It serves operators' tools; there is no sign-up flow.
type CreateUser struct {
	repo   ports.UserRepository
	hasher ports.PasswordHasher
	work   ports.UnitOfWork
	jobs   ports.JobQueue
}

// NewCreateUser returns the command storing into repo and enqueueing the new user's welcome on
// jobs, both in one unit of work.
func NewCreateUser(repo ports.UserRepository, hasher ports.PasswordHasher, work ports.UnitOfWork, jobs ports.JobQueue) *CreateUser {
	return &CreateUser{repo: repo, hasher: hasher, work: work, jobs: jobs}
}

// Handle validates the input, hashes the password and stores the user in tc's tenant, with the
// job that welcomes them: both exist, or neither does.
func (c *CreateUser) Handle(ctx context.Context, tc tenant.Context, in CreateUserInput) (user.User, error) {
	if err := tc.Validate(); err != nil {
		return user.User{}, err
	}
	email, err := user.ParseEmail(in.Email)
	if err != nil {
		return user.User{}, err
	}
	if err := user.ValidatePassword(in.Password); err != nil {
		return user.User{}, err
	}
	hash, err := c.hasher.Hash(ctx, in.Password)
	if err != nil {
		return user.User{}, fmt.Errorf("hash password: %w", err)
	}
	u, err := user.New(tc, email, hash)
	if err != nil {
		return user.User{}, err
	}
	var stored user.User
	err = c.work.InTenant(ctx, tc, func(ctx context.Context) error {
		created, err := c.repo.CreateForTenant(ctx, tc, u)
		if err != nil {
			return err
		}
		stored = created
		return c.jobs.Enqueue(ctx, tc, WelcomeJob{UserID: created.ID()})
	})
	if err != nil {
		return user.User{}, err
	}
	return stored, nil
}
