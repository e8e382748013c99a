package bootstrap

import (
	"fmt"

	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

// Features is the module list: every feature of the product, each one fx module. A feature
// contributes through value groups, so that nothing shared is edited to add one: its routes
// (group "routes"), its part of the API description ("openapi", httpapi.OpenAPIFragment) and
// its job kinds ("jobkinds", jobs.Declaration). Its migrations sit in a directory of their own
// under migrations/, which embeds them. Adding a feature is one line here (and its import).
var Features = []fx.Option{
	UsersModule,
	WelcomeModule,
}

// OpenAPIDocument is the API description serve publishes: the core's, with every feature's
// fragment merged in.
func OpenAPIDocument() ([]byte, error) {
	var fragments []httpapi.OpenAPIFragment
	app := fx.New(fx.NopLogger, fx.Options(Features...),
		fx.Invoke(fx.Annotate(func(f []httpapi.OpenAPIFragment) { fragments = f }, fx.ParamTags(`group:"openapi"`))))
	if err := app.Err(); err != nil {
		return nil, fmt.Errorf("the features' OpenAPI fragments: %w", err)
	}
	return httpapi.OpenAPIDocumentWith(fragments...)
}
