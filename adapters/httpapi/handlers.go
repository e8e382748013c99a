package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

type tenantBody struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type tokenBody struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
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

type handlers struct {
	current *tenancy.Current
	login   *identity.Login
	users   *identity.Users
	ready   ReadinessChecker
	jwks    []byte
	now     func() time.Time
}

func (h *handlers) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (h *handlers) readyz(c echo.Context) error {
	if err := h.ready.Check(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (h *handlers) wellKnownJWKS(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return c.Blob(http.StatusOK, "application/jwk-set+json", h.jwks)
}

func (h *handlers) getTenant(c echo.Context) error {
	t, err := h.current.Handle(c.Request().Context(), tenantContext(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tenantBody{ID: t.ID().String(), Slug: t.Slug().String(), Name: t.Name().String()})
}

func (h *handlers) issueToken(c echo.Context) error {
	var in struct {
		Email    *string `json:"email"`
		Password *string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Email == nil || in.Password == nil {
		return fault.ErrInvalidInput.WithDetail("the body needs both email and password")
	}
	tok, err := h.login.Handle(c.Request().Context(), tenantContext(c), identity.Credentials{Email: *in.Email, Password: *in.Password})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, tokenBody{
		AccessToken: tok.Value,
		TokenType:   "Bearer",
		ExpiresIn:   int64(tok.ExpiresAt.Sub(h.now()).Round(time.Second).Seconds()),
	})
}

func (h *handlers) me(c echo.Context) error {
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

func (h *handlers) listUsers(c echo.Context) error {
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

func (h *handlers) getUser(c echo.Context) error {
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

// decodeJSON reads exactly one JSON object with only known fields from an application/json body.
func decodeJSON(c echo.Context, dst any) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return echo.ErrUnsupportedMediaType
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if bodyTooLarge(err) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return fault.ErrInvalidInput.WithDetail("the body is not a valid JSON object of the expected shape")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if bodyTooLarge(err) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return fault.ErrInvalidInput.WithDetail("the body must hold exactly one JSON object")
	}
	return nil
}

// bodyTooLarge recognises the body limit's error, whether net/http's or echo's reader hit it.
func bodyTooLarge(err error) bool {
	var maxErr *http.MaxBytesError
	var he *echo.HTTPError
	return errors.As(err, &maxErr) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge)
}
