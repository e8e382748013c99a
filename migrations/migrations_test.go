package migrations_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/migrations"
)

// ADR-018: the schema evolves additively, so that the previous release keeps working against
// the new schema during a rolling deploy and a rollback needs no data repair. These tests refuse
// destructive statements in the Up section of every migration. Down sections are destructive by
// nature and are not checked.

// minReasonLen is the shortest justification a destructive migration must give.
const minReasonLen = 20

var (
	// fileName: the core's migrations are numbered NNNNN, one after the other; a feature's, in its
	// own directory, carry the time they were made (YYYYMMDDHHMMSS), so that features written at
	// the same time do not take the same number.
	fileName = regexp.MustCompile(`^(\d{5}|\d{14})_[a-z0-9_]+\.sql$`)
	// marker is the justification comment. Any comment starting with "adr-018:" is taken as an
	// attempt at one (markerStart), so that a malformed marker fails instead of being ignored.
	markerStart = regexp.MustCompile(`(?i)^\s*adr-018\s*:`)
	marker      = regexp.MustCompile(`(?i)^\s*adr-018\s*:\s*destructive\b(.*)$`)
	// doOpener is what precedes the body of a DO block, the one dollar-quoted body that runs
	// while the migration is applied; function bodies only run later and are not scanned.
	doOpener = regexp.MustCompile(`(?is)^\s*do(\s+language\s+\w+)?\s*$`)
)

// rule finds one kind of destructive statement in stmt, which has comments and quoted text
// blanked out. It returns the offset of the finding in stmt, or -1.
type rule struct {
	name string
	find func(stmt string) int
}

func matching(pattern string) func(string) int {
	re := regexp.MustCompile(`(?is)` + pattern)
	return func(stmt string) int {
		if loc := re.FindStringIndex(stmt); loc != nil {
			return loc[0]
		}
		return -1
	}
}

var (
	alterTable = regexp.MustCompile(`(?is)\balter\s+table\b`)
	dropWord   = regexp.MustCompile(`(?is)\bdrop\s+(\w+|")`)
	deleteFrom = regexp.MustCompile(`(?is)\bdelete\s+from\b`)
	where      = regexp.MustCompile(`(?is)\bwhere\b`)
)

// notColumn lists what ALTER TABLE ... DROP removes besides a column; none of it loses data.
var notColumn = []string{"CONSTRAINT", "NOT", "DEFAULT", "EXPRESSION", "IDENTITY"}

var rules = []rule{
	{"DROP TABLE", matching(`\bdrop\s+table\b`)},
	{"DROP SCHEMA", matching(`\bdrop\s+schema\b`)},
	{"DROP INDEX", matching(`\bdrop\s+index\b`)},
	{"TRUNCATE", matching(`\btruncate\b`)},
	{"RENAME", matching(`\balter\b.*?\brename\b`)},
	{"column type change", matching(`\balter\s+table\b.*?\balter\s+(?:column\s+)?\S+\s+(?:set\s+data\s+)?type\b`)},
	{"DROP COLUMN", func(stmt string) int {
		if !alterTable.MatchString(stmt) {
			return -1
		}
		// COLUMN is optional in ALTER TABLE ... DROP [COLUMN] name, so any DROP that does not
		// name another kind of object drops a column.
		for _, m := range dropWord.FindAllStringSubmatchIndex(stmt, -1) {
			if !slices.Contains(notColumn, strings.ToUpper(stmt[m[2]:m[3]])) {
				return m[0]
			}
		}
		return -1
	}},
	{"DELETE without WHERE", func(stmt string) int {
		loc := deleteFrom.FindStringIndex(stmt)
		if loc == nil || where.MatchString(stmt[loc[1]:]) {
			return -1
		}
		return loc[0]
	}},
}

// comment is one "--" comment: its text after the dashes and where it starts.
type comment struct {
	text        string
	start, end  int
	atLineStart bool
}

// scanned is a migration with comments and quoted text blanked out. Blanking keeps every byte
// offset and line break, so a finding in code points at the same place in the source.
type scanned struct {
	code     []byte // comments, string literals, quoted identifiers and bodies blanked
	display  []byte // only comments blanked: what a violation quotes
	comments []comment
	problems []problem
}

// problem is a construct left unterminated, which hides the rest of the file from the checks.
type problem struct {
	offset int
	msg    string
}

func blank(b []byte) {
	for i, c := range b {
		if c != '\n' {
			b[i] = ' '
		}
	}
}

// scan tokenizes PostgreSQL text just enough to tell code from comments and quoted text.
func scan(src []byte) scanned {
	s := scanned{code: slices.Clone(src), display: slices.Clone(src)}
	s.scanRange(src, 0, len(src))
	return s
}

func (s *scanned) scanRange(src []byte, from, to int) {
	stmtStart := from // where the statement being scanned started, for DO detection
	for i := from; i < to; {
		c := src[i]
		switch {
		case c == ';':
			stmtStart = i + 1
			i++
		case c == '-' && i+1 < to && src[i+1] == '-':
			end := i + 2
			for end < to && src[end] != '\n' {
				end++
			}
			lineStart := i == 0 || src[i-1] == '\n'
			s.comments = append(s.comments, comment{text: string(src[i+2 : end]), start: i, end: end, atLineStart: lineStart})
			blank(s.code[i:end])
			blank(s.display[i:end])
			i = end
		case c == '/' && i+1 < to && src[i+1] == '*':
			end, ok := blockCommentEnd(src, i, to)
			if !ok {
				s.problems = append(s.problems, problem{i, "unterminated block comment"})
			}
			blank(s.code[i:end])
			blank(s.display[i:end])
			i = end
		case c == '\'':
			// E'...' strings take backslash escapes; a standard string only doubles quotes.
			escapes := i > from && (src[i-1] == 'e' || src[i-1] == 'E') && (i-1 == from || !isIdent(src[i-2]))
			end, ok := quotedEnd(src, i, to, '\'', escapes)
			if !ok {
				s.problems = append(s.problems, problem{i, "unterminated string literal"})
			}
			blank(s.code[i:end])
			i = end
		case c == '"':
			end, ok := quotedEnd(src, i, to, '"', false)
			if !ok {
				s.problems = append(s.problems, problem{i, "unterminated quoted identifier"})
			}
			// The identifier stays one opaque word, so that DROP "name" still reads as a drop.
			for j := i + 1; j < end-1; j++ {
				if s.code[j] != '\n' {
					s.code[j] = 'x'
				}
			}
			i = end
		case c == '$' && (i == from || !isIdent(src[i-1])):
			tag := dollarTag(src[i:to])
			if tag == "" {
				i++
				continue
			}
			bodyStart := i + len(tag)
			n := bytes.Index(src[bodyStart:to], []byte(tag))
			if n < 0 {
				s.problems = append(s.problems, problem{i, "unterminated dollar-quoted string"})
				blank(s.code[i:to])
				i = to
				continue
			}
			bodyEnd := bodyStart + n
			blank(s.code[i:bodyStart])
			blank(s.code[bodyEnd : bodyEnd+len(tag)])
			if doOpener.Match(s.code[stmtStart:i]) {
				s.scanRange(src, bodyStart, bodyEnd)
			} else {
				blank(s.code[bodyStart:bodyEnd])
			}
			i = bodyEnd + len(tag)
		default:
			i++
		}
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// dollarTag returns the opening $tag$ at the start of b, or "" when b starts with none.
func dollarTag(b []byte) string {
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '$':
			return string(b[:j+1])
		case c >= '0' && c <= '9' && j == 1, !isIdent(c):
			return ""
		}
	}
	return ""
}

// quotedEnd returns the offset just past the quoted text opened at i; a doubled quote is an
// escaped one.
func quotedEnd(src []byte, i, to int, quote byte, backslash bool) (int, bool) {
	for j := i + 1; j < to; j++ {
		switch {
		case backslash && src[j] == '\\':
			j++
		case src[j] == quote && j+1 < to && src[j+1] == quote:
			j++
		case src[j] == quote:
			return j + 1, true
		}
	}
	return to, false
}

// blockCommentEnd returns the offset just past the block comment opened at i. PostgreSQL block
// comments nest.
func blockCommentEnd(src []byte, i, to int) (int, bool) {
	depth := 0
	for j := i; j+1 < to; j++ {
		switch {
		case src[j] == '/' && src[j+1] == '*':
			depth++
			j++
		case src[j] == '*' && src[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return to, false
}

func lineOf(src []byte, offset int) int {
	return 1 + bytes.Count(src[:offset], []byte("\n"))
}

// snippet quotes a statement on one line, shortened.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if utf8.RuneCountInString(s) > 100 {
		s = string([]rune(s)[:100]) + "..."
	}
	return s
}

// checkMigration returns the ADR-018 violations of the migration file name with content.
func checkMigration(name string, content []byte) []string {
	var violations []string
	report := func(offset int, format string, args ...any) {
		violations = append(violations, fmt.Sprintf("%s:%d: ", name, lineOf(content, offset))+fmt.Sprintf(format, args...))
	}
	if !fileName.MatchString(name) {
		violations = append(violations, fmt.Sprintf("%s: the file name must match %s", name, fileName))
	}

	s := scan(content)
	for _, p := range s.problems {
		report(p.offset, "%s", p.msg)
	}

	var ups, downs []comment
	justified := false
	for _, c := range s.comments {
		// Like goose, read annotations only where a line starts with "--".
		switch annotation := strings.ToLower(strings.Join(strings.Fields(c.text), " ")); {
		case c.atLineStart && annotation == "+goose up":
			ups = append(ups, c)
			continue
		case c.atLineStart && annotation == "+goose down":
			downs = append(downs, c)
			continue
		}
		if !markerStart.MatchString(c.text) {
			continue
		}
		m := marker.FindStringSubmatch(c.text)
		if m == nil || utf8.RuneCountInString(strings.Trim(m[1], " \t:-")) < minReasonLen {
			report(c.start, "the ADR-018 marker must read \"-- adr-018: destructive <reason of at least %d characters>\": --%s",
				minReasonLen, c.text)
			continue
		}
		justified = true
	}
	if len(ups) != 1 || len(downs) != 1 {
		violations = append(violations, fmt.Sprintf(
			"%s: want exactly one \"-- +goose Up\" and one \"-- +goose Down\", found %d and %d", name, len(ups), len(downs)))
	}
	if len(ups) == 0 {
		return violations
	}
	from, to := ups[0].end, len(content)
	for _, d := range downs {
		if d.start > from {
			to = d.start
			break
		}
	}
	if len(downs) > 0 && downs[0].start < from {
		report(downs[0].start, "\"-- +goose Down\" comes before \"-- +goose Up\"")
	}
	if justified {
		return violations
	}

	for start := from; start < to; {
		end := start + bytes.IndexByte(s.code[start:to], ';') + 1
		if end == start {
			end = to
		}
		stmt := string(s.code[start:end])
		for _, r := range rules {
			if at := r.find(stmt); at >= 0 {
				report(start+at, "%s is destructive (ADR-018); justify it with \"-- adr-018: destructive <reason>\": %s",
					r.name, snippet(s.display[start:end]))
			}
		}
		start = end
	}
	return violations
}

// checkVersions returns the problems of the set of migration files: versions must run from 1
// without gaps or duplicates. Names that are not well formed are reported by checkMigration.
func checkVersions(names []string) []string {
	var problems []string
	byVersion := map[int][]string{}
	highest := 0
	for _, n := range names {
		if !fileName.MatchString(n) {
			continue
		}
		digits, _, _ := strings.Cut(n, "_")
		v, err := strconv.Atoi(digits)
		if err != nil {
			continue
		}
		byVersion[v] = append(byVersion[v], n)
		if len(digits) == 5 {
			highest = max(highest, v)
		}
	}
	for v, files := range byVersion {
		if v > highest && len(files) > 1 {
			slices.Sort(files)
			problems = append(problems, fmt.Sprintf("version %d is used by %s", v, strings.Join(files, ", ")))
		}
	}
	for v := 1; v <= highest; v++ {
		switch files := byVersion[v]; {
		case len(files) == 0:
			problems = append(problems, fmt.Sprintf("version %05d is missing", v))
		case len(files) > 1:
			slices.Sort(files)
			problems = append(problems, fmt.Sprintf("version %05d is used by %s", v, strings.Join(files, ", ")))
		}
	}
	if _, ok := byVersion[0]; ok {
		problems = append(problems, "version 00000: versions start at 00001")
	}
	return problems
}

func up(sql string) string {
	return "-- +goose Up\n" + sql + "\n-- +goose Down\nSELECT 1;\n"
}

func TestCheckMigration(t *testing.T) {
	const name = "00003_change.sql"
	const reason = "-- adr-018: destructive the column has not been read since release 1.4\n"
	tests := []struct {
		name string
		file string // the file name when not name
		sql  string
		want []string // a substring of each expected violation, in order
	}{
		// Each destructive kind is caught, with its line.
		{name: "drop table", sql: up("DROP TABLE users;"), want: []string{name + ":2: DROP TABLE"}},
		{name: "drop table lower case", sql: up("drop table if exists users;"), want: []string{"DROP TABLE"}},
		{name: "drop column", sql: up("ALTER TABLE users DROP COLUMN email;"), want: []string{"DROP COLUMN"}},
		{name: "drop column without keyword", sql: up("ALTER TABLE users DROP email;"), want: []string{"DROP COLUMN"}},
		{name: "drop column if exists", sql: up("ALTER TABLE users DROP IF EXISTS email;"), want: []string{"DROP COLUMN"}},
		{name: "drop quoted column", sql: up(`ALTER TABLE users DROP "e-mail";`), want: []string{"DROP COLUMN"}},
		{name: "drop column among additions", sql: up("ALTER TABLE users\n  ADD COLUMN phone text,\n  DROP COLUMN fax;"),
			want: []string{name + ":4: DROP COLUMN"}},
		{name: "rename table", sql: up("ALTER TABLE users RENAME TO accounts;"), want: []string{"RENAME"}},
		{name: "rename column", sql: up("ALTER TABLE users RENAME COLUMN email TO mail;"), want: []string{"RENAME"}},
		{name: "rename index", sql: up("ALTER INDEX users_email_key RENAME TO users_mail_key;"), want: []string{"RENAME"}},
		{name: "column type", sql: up("ALTER TABLE users ALTER COLUMN email TYPE varchar(100);"), want: []string{"column type change"}},
		{name: "column type without keyword", sql: up("ALTER TABLE users ALTER email TYPE varchar(100);"), want: []string{"column type change"}},
		{name: "set data type", sql: up("ALTER TABLE users ALTER COLUMN email SET DATA TYPE citext;"), want: []string{"column type change"}},
		{name: "truncate", sql: up("TRUNCATE users;"), want: []string{"TRUNCATE"}},
		{name: "drop schema", sql: up("DROP SCHEMA audit CASCADE;"), want: []string{"DROP SCHEMA"}},
		{name: "drop index", sql: up("DROP INDEX CONCURRENTLY users_email_idx;"), want: []string{"DROP INDEX"}},
		{name: "delete without where", sql: up("DELETE FROM users;"), want: []string{"DELETE without WHERE"}},
		{name: "two findings", sql: up("SELECT 1;\nDROP TABLE a;\nTRUNCATE b;"),
			want: []string{name + ":3: DROP TABLE", name + ":4: TRUNCATE"}},
		{name: "statement quoted in the violation", sql: up("DROP TABLE users;"), want: []string{": DROP TABLE users;"}},

		// Additive and harmless statements pass.
		{name: "create table", sql: up("CREATE TABLE notes (id uuid PRIMARY KEY);")},
		{name: "add column", sql: up("ALTER TABLE users ADD COLUMN phone text;")},
		{name: "delete with where", sql: up("DELETE FROM users WHERE email = 'x';")},
		{name: "drop not null", sql: up("ALTER TABLE users ALTER COLUMN email DROP NOT NULL;")},
		{name: "drop default", sql: up("ALTER TABLE users ALTER COLUMN email DROP DEFAULT;")},
		{name: "drop constraint", sql: up("ALTER TABLE users DROP CONSTRAINT users_email_format;")},
		{name: "alter type add value", sql: up("ALTER TYPE mood ADD VALUE 'meh';")},

		// Down sections are destructive by nature.
		{name: "down section", sql: "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLE users;\nTRUNCATE t;\n"},

		// Text that only looks like a statement is ignored.
		{name: "line comment", sql: up("-- DROP TABLE users;\nSELECT 1; -- TRUNCATE users")},
		{name: "block comment", sql: up("/* DROP TABLE users; /* nested */ TRUNCATE x; */ SELECT 1;")},
		{name: "string literal", sql: up("INSERT INTO log VALUES ('DROP TABLE users; -- it''s fine');")},
		{name: "escape string", sql: up(`INSERT INTO log VALUES (E'it\'s; DROP TABLE users');`)},
		{name: "quoted identifier", sql: up(`CREATE TABLE "drop table x" (id int);`)},
		{name: "function body", sql: up("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  DROP TABLE users;\nEND\n$fn$;")},
		{name: "positional parameter is no dollar quote", sql: up("PREPARE p AS SELECT $1; DROP TABLE users;"),
			want: []string{"DROP TABLE"}},

		// A DO block runs while the migration is applied, so its body is checked.
		{name: "do block", sql: up("DO $$\nBEGIN\n  EXECUTE 'SELECT 1';\n  DROP TABLE users;\nEND\n$$;"),
			want: []string{name + ":5: DROP TABLE"}},

		// The justification marker.
		{name: "justified", sql: reason + up("ALTER TABLE users DROP COLUMN fax;")},
		{name: "justified in upper case", sql: "-- ADR-018: Destructive the table was replaced by notes_v2 in 00002\n" + up("DROP TABLE notes;")},
		{name: "marker without reason", sql: "-- adr-018: destructive\n" + up("DROP TABLE users;"),
			want: []string{name + ":1: the ADR-018 marker", "DROP TABLE"}},
		{name: "marker with a short reason", sql: "-- adr-018: destructive unused\n" + up("SELECT 1;"),
			want: []string{"the ADR-018 marker"}},
		{name: "marker without the word destructive", sql: "-- adr-018: the column is gone for good, trust me\n" + up("SELECT 1;"),
			want: []string{"the ADR-018 marker"}},
		{name: "marker in a string is no marker", sql: up("SELECT '\n-- adr-018: destructive the column is unused since 1.4';\nDROP TABLE a;"),
			want: []string{"DROP TABLE"}},

		// Structure.
		{name: "bad file name", file: "3_change.sql", sql: up("SELECT 1;"), want: []string{"3_change.sql: the file name must match"}},
		{name: "upper case file name", file: "00003_Change.sql", sql: up("SELECT 1;"), want: []string{"file name"}},
		{name: "hyphen in file name", file: "00003-change.sql", sql: up("SELECT 1;"), want: []string{"file name"}},
		{name: "no down", sql: "-- +goose Up\nSELECT 1;\n", want: []string{"found 1 and 0"}},
		{name: "no up", sql: "-- +goose Down\nDROP TABLE users;\n", want: []string{"found 0 and 1"}},
		{name: "two ups", sql: up("SELECT 1;") + "-- +goose Up\nSELECT 2;\n", want: []string{"found 2 and 1"}},
		{name: "annotation after code is no annotation", sql: "-- +goose Up\nSELECT 1; -- +goose Down\nDROP TABLE a;\n-- +goose Down\n",
			want: []string{"DROP TABLE"}},
		{name: "down first", sql: "-- +goose Down\nSELECT 1;\n-- +goose Up\nSELECT 2;\n", want: []string{"comes before"}},
		{name: "unterminated string", sql: up("SELECT 'oops;"), want: []string{name + ":2: unterminated string literal", "found 1 and 0"}},
		{name: "unterminated dollar quote", sql: up("SELECT $$oops;"), want: []string{"unterminated dollar-quoted string", "found 1 and 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := name
			if tt.file != "" {
				file = tt.file
			}
			got := checkMigration(file, []byte(tt.sql))
			require.Len(t, got, len(tt.want), "violations: %q", got)
			for i, want := range tt.want {
				assert.Contains(t, got[i], want)
			}
		})
	}
}

func TestCheckVersions(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  []string
	}{
		{"contiguous", []string{"00002_b.sql", "00001_a.sql", "00003_c.sql"}, nil},
		{"none", nil, nil},
		{"gap", []string{"00001_a.sql", "00003_c.sql"}, []string{"version 00002 is missing"}},
		{"not from one", []string{"00002_b.sql"}, []string{"version 00001 is missing"}},
		{"zero", []string{"00000_z.sql", "00001_a.sql"}, []string{"version 00000: versions start at 00001"}},
		{"duplicate", []string{"00001_a.sql", "00002_c.sql", "00002_b.sql"}, []string{"version 00002 is used by 00002_b.sql, 00002_c.sql"}},
		{"features after the core", []string{"00001_a.sql", "20261207150405_projects.sql", "20261208090000_tasks.sql"}, nil},
		{"two features at the same second", []string{"00001_a.sql", "20261207150405_projects.sql", "20261207150405_tasks.sql"},
			[]string{"version 20261207150405 is used by 20261207150405_projects.sql, 20261207150405_tasks.sql"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, checkVersions(tt.files))
		})
	}
}

func TestMigrationsAreAdditive(t *testing.T) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	require.NotEmpty(t, entries, "no migration is embedded")

	names := make([]string, 0, len(entries))
	for _, e := range entries {
		content, err := fs.ReadFile(migrations.FS, e.Name())
		require.NoError(t, err)
		names = append(names, e.Name())
		for _, v := range checkMigration(e.Name(), content) {
			t.Error(v)
		}
	}
	for _, p := range checkVersions(names) {
		t.Error(p)
	}
}

// TestCheckSeesTheEndOfEachUpSection guards the check itself: a real migration's quoting, DO
// blocks and function bodies must not leave the scanner inside quoted text at the end of the Up
// section, where a destructive statement would then go unseen.
func TestCheckSeesTheEndOfEachUpSection(t *testing.T) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			content, err := fs.ReadFile(migrations.FS, e.Name())
			require.NoError(t, err)
			if regexp.MustCompile(`(?im)^--\s*adr-018\s*:`).Match(content) {
				t.Skip("the migration is justified, so the canary would be allowed")
			}
			before, after, ok := strings.Cut(string(content), "\n-- +goose Down")
			require.True(t, ok)
			got := checkMigration(e.Name(), []byte(before+"\nTRUNCATE canary;\n-- +goose Down"+after))
			require.Len(t, got, 1, "violations: %q", got)
			assert.Contains(t, got[0], "TRUNCATE is destructive")
			assert.Contains(t, got[0], "TRUNCATE canary;")
		})
	}
}
