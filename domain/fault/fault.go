package fault

// Kind classifies an error by what the caller can do about it. Transports map kinds to statuses.
type Kind int

// The kinds. Internal is the zero value so an unclassified error never looks like the caller's fault.
const (
	Internal Kind = iota
	Invalid
	Unauthenticated
	Forbidden
	NotFound
	Conflict
	Unavailable
)

// Error is a domain error with a stable code. Two errors with the same code match under errors.Is,
// so a sentinel refined with WithDetail still compares equal to the sentinel.
type Error struct {
	kind   Kind
	code   string
	detail string
}

// New returns an error of the given kind, code and human-readable detail.
func New(kind Kind, code, detail string) *Error {
	return &Error{kind: kind, code: code, detail: detail}
}

// Kind reports what kind of failure this is.
func (e *Error) Kind() Kind { return e.kind }

// Code is the stable, machine-readable identifier, e.g. "tenant.not_found".
func (e *Error) Code() string { return e.code }

// Detail is safe to show to the client: it never carries internals.
func (e *Error) Detail() string { return e.detail }

func (e *Error) Error() string { return e.code + ": " + e.detail }

// Is matches by code, which makes refined copies of a sentinel equal to it.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.code == e.code
}

// WithDetail returns a copy carrying a more specific detail and the same code.
func (e *Error) WithDetail(detail string) *Error {
	c := *e
	c.detail = detail
	return &c
}

// Generic errors that do not belong to one domain concept.
var (
	ErrInvalidInput  = New(Invalid, "request.invalid", "the request is malformed")
	ErrInvalidCursor = New(Invalid, "request.invalid_cursor", "the pagination cursor is not valid here")
	ErrNotFound      = New(NotFound, "resource.not_found", "the resource does not exist")
	ErrUnavailable   = New(Unavailable, "server.unavailable", "a dependency is unavailable, retry later")
)

// Errors of references between resources, for foreign keys no domain error names.
var (
	ErrReferenceNotFound = New(Invalid, "resource.reference_not_found", "the request refers to a resource that does not exist")
	ErrStillReferenced   = New(Conflict, "resource.still_referenced", "the resource is still referenced by others")
)

// ErrDuplicate is a unique constraint no domain error names: a conflict, never an internal error.
var ErrDuplicate = New(Conflict, "resource.duplicate", "a resource with the same unique values already exists")
