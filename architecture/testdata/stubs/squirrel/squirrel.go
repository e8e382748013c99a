// Package squirrel is a stand-in so fixtures can import github.com/Masterminds/squirrel without the network.
package squirrel

// Sqlizer is a stand-in.
type Sqlizer interface {
	ToSql() (string, []any, error)
}

// Eq is a stand-in.
type Eq map[string]any

// ToSql is a stand-in.
func (Eq) ToSql() (string, []any, error) { return "", nil, nil }

// SelectBuilder is a stand-in.
type SelectBuilder struct{}

// Select is a stand-in.
func Select(columns ...string) SelectBuilder { return SelectBuilder{} }

// Expr is a stand-in.
func Expr(sql string, args ...any) Sqlizer { return Eq{} }

// From is a stand-in.
func (b SelectBuilder) From(from string) SelectBuilder { return b }

// Where is a stand-in.
func (b SelectBuilder) Where(pred any, args ...any) SelectBuilder { return b }

// Suffix is a stand-in.
func (b SelectBuilder) Suffix(sql string, args ...any) SelectBuilder { return b }

// OrderBy is a stand-in.
func (b SelectBuilder) OrderBy(orderBys ...string) SelectBuilder { return b }

// ToSql is a stand-in.
func (b SelectBuilder) ToSql() (string, []any, error) { return "", nil, nil }
