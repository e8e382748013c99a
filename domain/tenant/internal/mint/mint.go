package mint

// Key proves that its holder may make a TenantContext. Its zero value, which reflection or type
// inference can produce without importing this package, is refused.
type Key struct {
	valid bool
}

// NewKey returns a valid key.
func NewKey() Key { return Key{valid: true} }

// Valid reports whether k came from NewKey.
func (k Key) Valid() bool { return k.valid }
