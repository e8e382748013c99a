package tenantlint

import (
	"go/token"
	"strings"
)

// directivePrefix starts a reviewed exception: "//tenantlint:allow RULE: REASON" on the line of
// the finding or the line above it. Without a reason it excuses nothing, so every exception in
// the code says why it is safe.
const directivePrefix = "//tenantlint:allow "

// excused reports whether a directive for rule, with a reason, sits on pos's line or the one above.
func (c *checker) excused(pos token.Pos, rule string) bool {
	line := c.pass.Fset.Position(pos).Line
	for _, group := range c.file.Comments {
		for _, cm := range group.List {
			l := c.pass.Fset.Position(cm.Pos()).Line
			if l != line && l != line-1 {
				continue
			}
			rest, ok := strings.CutPrefix(cm.Text, directivePrefix)
			if !ok {
				continue
			}
			name, reason, found := strings.Cut(rest, ":")
			if found && strings.TrimSpace(name) == rule && strings.TrimSpace(reason) != "" {
				return true
			}
		}
	}
	return false
}
