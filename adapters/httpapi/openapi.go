package httpapi

import (
	_ "embed"
	"fmt"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// OpenAPIPath is where the API description is served.
const OpenAPIPath = APIPrefix + "/openapi.json"

// openAPIYAML is the source of the API description. It is YAML so that it can carry comments;
// clients get JSON, completed with the /t/{slug} aliases and the shared problem responses (see
// complete), which the source states once, in its components.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON converts the embedded YAML once. The conversion goes through kin-openapi rather than
// a YAML library so that what is served is what an OpenAPI loader understands of the source.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("httpapi: load openapi.yaml: %w", err)
	}
	if err := complete(doc); err != nil {
		return nil, fmt.Errorf("httpapi: complete openapi.yaml: %w", err)
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode openapi.yaml as JSON: %w", err)
	}
	return b, nil
})

// OpenAPIDocument returns the OpenAPI 3.1 description of the HTTP API, as JSON. Each call returns
// a fresh copy, which the caller may change.
//
// It panics if the embedded document does not load: that is a build defect, which
// TestOpenAPIDocumentIsValid reports first.
func OpenAPIDocument() []byte {
	b := mustOpenAPIJSON()
	return append([]byte(nil), b...)
}

// OpenAPIRoute serves OpenAPIDocument at GET /api/v1/openapi.json. It converts the document when
// called, so that a broken one stops the server at start-up rather than failing on request.
func OpenAPIRoute() Route {
	return openAPIRoute(mustOpenAPIJSON())
}

// openAPIRoute serves the document b.
func openAPIRoute(b []byte) Route {
	return PlainRoute(http.MethodGet, OpenAPIPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// The client is gone if the write fails; there is no one left to tell.
		_, _ = w.Write(b)
	}))
}

func mustOpenAPIJSON() []byte {
	b, err := openAPIJSON()
	if err != nil {
		panic(err)
	}
	return b
}
