package httpapi

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/domain/auth"
)

type authenticator interface {
	Handle(ctx context.Context, rawToken string) (auth.Principal, error)
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header. A header in any
// other form counts as a token that fails verification, not as no token.
func bearerToken(c echo.Context) (string, bool) {
	h := c.Request().Header.Values(echo.HeaderAuthorization)
	if len(h) == 0 {
		return "", false
	}
	if len(h) > 1 {
		return "", true
	}
	scheme, token, ok := strings.Cut(h[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}

// requireAuth admits only requests whose bearer token was verified by resolveTenant and names
// the resolved tenant (checked there).
func requireAuth() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if _, ok := c.Get(principalKey).(auth.Principal); !ok {
				return auth.ErrUnauthenticated
			}
			return next(c)
		}
	}
}

func principal(c echo.Context) auth.Principal {
	p, _ := c.Get(principalKey).(auth.Principal)
	return p
}
