package signup

// A sub-package of net/http, in a test file: both must be checked.
import _ "net/http/httptest"
