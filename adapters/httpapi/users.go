package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// UserRoutes are the routes of the users feature: the caller's own user and the tenant's users.
// None is declared public, so each gets tenant resolution and authentication.
func UserRoutes(users *identity.Users) []Route {
	h := userHandlers{users: users}
	return []Route{
		{http.MethodGet, APIPrefix + "/me", h.me},
		{http.MethodGet, APIPrefix + "/users", h.listUsers},
		{http.MethodGet, APIPrefix + "/users/:id", h.getUser},
	}
}

type userHandlers struct {
	users *identity.Users
}

type userBody struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Email     string    `json:"email"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
}

type meBody struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
}

type userPageBody struct {
	Items      []userBody `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func toUserBody(u user.User) userBody {
	return userBody{
		ID:        u.ID().String(),
		TenantID:  u.TenantID().String(),
		Email:     u.Email().String(),
		IsActive:  u.IsActive(),
		CreatedAt: u.CreatedAt().UTC(),
	}
}

func (h userHandlers) me(c echo.Context) error {
	u, err := h.users.Get(c.Request().Context(), tenantContext(c), principal(c).UserID)
	if errors.Is(err, fault.ErrNotFound) || (err == nil && !u.IsActive()) {
		// The token outlived its user, or the user was deactivated since it was issued.
		return auth.ErrUnauthenticated
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, meBody{ID: u.ID().String(), TenantID: u.TenantID().String(), Email: u.Email().String()})
}

func (h userHandlers) listUsers(c echo.Context) error {
	page := ports.PageRequest{Cursor: c.QueryParam("cursor")}
	if raw := c.QueryParam("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fault.ErrInvalidInput.WithDetail("limit must be an integer")
		}
		if n == 0 {
			return fault.ErrInvalidInput.WithDetail("limit must be at least 1")
		}
		page.Limit = n
	}
	p, err := h.users.List(c.Request().Context(), tenantContext(c), page)
	if err != nil {
		return err
	}
	body := userPageBody{Items: make([]userBody, 0, len(p.Items))}
	for _, u := range p.Items {
		body.Items = append(body.Items, toUserBody(u))
	}
	if p.NextCursor != "" {
		body.NextCursor = &p.NextCursor
	}
	return c.JSON(http.StatusOK, body)
}

func (h userHandlers) getUser(c echo.Context) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		// A malformed ID cannot name any user: the same answer as an unknown one.
		return user.ErrNotFound
	}
	u, err := h.users.Get(c.Request().Context(), tenantContext(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserBody(u))
}
