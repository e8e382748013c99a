package postgres

import (
	"errors"
	"fmt"

	sq "github.com/Masterminds/squirrel"
)

// ErrPredicateEscapes refuses a caller's predicate whose text could leave the parentheses the
// tenant filter puts around it: a closing parenthesis with no opening one before it, an opening
// one never closed, a comment, a statement separator, or an unterminated quote.
var ErrPredicateEscapes = errors.New("postgres: the predicate's text is not one balanced expression (unbalanced parenthesis, comment, ';' or open quote)")

// contained is a caller's predicate checked, when it is rendered, to be one balanced expression,
// so that "FALSE) OR (TRUE" cannot turn "tenant_id = $1 AND (…)" into an OR of every tenant.
type contained struct{ where sq.Sqlizer }

func (c contained) ToSql() (string, []any, error) { //nolint:revive // squirrel's Sqlizer names it so
	sql, args, err := c.where.ToSql()
	if err != nil {
		return "", nil, err
	}
	if err := balanced(sql); err != nil {
		return "", nil, fmt.Errorf("%w: %w in %q", ErrPredicateEscapes, err, sql)
	}
	return sql, args, nil
}

// balanced scans SQL text the way PostgreSQL's lexer splits it: string constants ('…', E'…' with
// backslash escapes, $tag$…$tag$), quoted identifiers ("…"), and everything else, where it counts
// parentheses and refuses comments and semicolons.
func balanced(sql string) error {
	depth := 0
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return errors.New("a ')' closes a parenthesis it did not open")
			}
		case ';':
			return errors.New("a ';' ends the statement")
		case '-':
			if i+1 < len(sql) && sql[i+1] == '-' {
				return errors.New("a '--' comment")
			}
		case '/':
			if i+1 < len(sql) && sql[i+1] == '*' {
				return errors.New("a '/*' comment")
			}
		case '\'', '"':
			escapes := c == '\'' && i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !identByte(sql[i-2]))
			end, ok := quoteEnd(sql, i, c, escapes)
			if !ok {
				return errors.New("an unterminated quote")
			}
			i = end
		case '$':
			if i > 0 && identByte(sql[i-1]) {
				continue // part of an identifier (a$b) or a placeholder's digits follow
			}
			tag, ok := dollarTag(sql, i)
			if !ok {
				continue // a placeholder: $1
			}
			end := indexFrom(sql, tag, i+len(tag))
			if end < 0 {
				return errors.New("an unterminated dollar-quoted string")
			}
			i = end + len(tag) - 1
		}
	}
	if depth != 0 {
		return errors.New("a '(' is never closed")
	}
	return nil
}

// quoteEnd returns the index of the quote closing the one at start; a doubled quote is part of
// the text, and so is a backslash-escaped one in an E'…' string.
func quoteEnd(sql string, start int, q byte, escapes bool) (int, bool) {
	for i := start + 1; i < len(sql); i++ {
		switch sql[i] {
		case '\\':
			if escapes {
				i++
			}
		case q:
			if i+1 < len(sql) && sql[i+1] == q {
				i++
				continue
			}
			return i, true
		}
	}
	return 0, false
}

// dollarTag returns the "$tag$" opening a dollar-quoted string at start, if one does.
func dollarTag(sql string, start int) (string, bool) {
	for i := start + 1; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '$':
			return sql[start : i+1], true
		case c >= '0' && c <= '9':
			if i == start+1 {
				return "", false // $1: a placeholder
			}
		case identByte(c):
		default:
			return "", false
		}
	}
	return "", false
}

func identByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
