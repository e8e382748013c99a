package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/fault"
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

type handlers struct {
	current *tenancy.Current
	login   *identity.Login
	ready   ReadinessChecker
	jwks    []byte
	now     func() time.Time
}

func (h *handlers) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readinessDetails is what a ReadinessChecker may add to a ready answer: facts an operator wants
// at a glance, such as how the database is reached.
type readinessDetails interface {
	Details() map[string]string
}

func (h *handlers) readyz(c echo.Context) error {
	if err := h.ready.Check(c.Request().Context()); err != nil {
		return err
	}
	body := map[string]string{}
	if d, ok := h.ready.(readinessDetails); ok {
		for k, v := range d.Details() {
			body[k] = v
		}
	}
	body["status"] = "ready"
	return c.JSON(http.StatusOK, body)
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
