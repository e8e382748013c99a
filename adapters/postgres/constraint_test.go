package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestConstraintNamesOfShards: a violation raised by a Citus shard names the shard's constraint
// (the declared name plus "_<shard id>", six digits or more); it must find the error declared for
// the table's one, and must not take a declared name's own short numeric suffix for a shard's.
func TestConstraintNamesOfShards(t *testing.T) {
	declared := map[string]error{"users_email_key": errEmailTaken, "users_key_2": errSecond}
	for _, c := range []struct {
		name string
		want error
	}{
		{"users_email_key", errEmailTaken},
		{"users_email_key_102015", errEmailTaken},
		{"users_key_2", errSecond},        // a declared name ending in digits is taken as it is
		{"users_key_2_102016", errSecond}, // and its shard's too
		{"users_email_key_2", nil},        // a short numeric suffix is not a shard's
		{"users_email_key_10201", nil},    // nor five digits
		{"users_email_key_x102015", nil},  // not a shard suffix
		{"users_email_key_", nil},         // nothing after the underscore
		{"users_phone_key_102015", nil},   // not declared at all
	} {
		if got := constraintError(declared, c.name); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("constraintError(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

var (
	errEmailTaken = errorString("email taken")
	errSecond     = errorString("second")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// TestConstraintNameFromMessage: Citus drops the constraint field of a worker's error; the name is
// read from the message then.
func TestConstraintNameFromMessage(t *testing.T) {
	for message, want := range map[string]string{
		`duplicate key value violates unique constraint "users_email_key_102015"`:                                              "users_email_key_102015",
		`insert or update on table "notifications_102083" violates foreign key constraint "notifications_user_fk_102083"`:      "notifications_user_fk_102083",
		`update or delete on table "users_102015" violates foreign key constraint "notifications_user_fk_102083" on table "x"`: "notifications_user_fk_102083",
		`something else entirely`:        "",
		`unterminated constraint "users`: "",
	} {
		if got := quotedConstraint(message); got != want {
			t.Errorf("quotedConstraint(%q) = %q, want %q", message, got, want)
		}
	}
}

// TestLongConstraintNamesAreRefused: Citus renames a shard's copy of a constraint whose name and
// shard suffix pass 63 bytes, so such a declared name could never map there.
func TestLongConstraintNamesAreRefused(t *testing.T) {
	table := func(name string) Table[int] {
		return Table[int]{
			Name: "notes", Key: "id", Columns: []string{"id"},
			Scan:      func(func(...any) error) (int, error) { return 0, nil },
			Values:    func(int) map[string]any { return nil },
			TenantOf:  func(int) uuid.UUID { return uuid.Nil },
			KeyOf:     func(int) uuid.UUID { return uuid.Nil },
			NotFound:  errSecond,
			Conflicts: map[string]error{name: errEmailTaken},
		}
	}
	if err := table(strings.Repeat("n", MaxConstraintName)).validate(); err != nil {
		t.Errorf("a name of %d bytes is refused: %v", MaxConstraintName, err)
	}
	err := table(strings.Repeat("n", MaxConstraintName+1)).validate()
	if err == nil || !strings.Contains(err.Error(), "on Citus") {
		t.Errorf("a name of %d bytes: %v, want a refusal that says why", MaxConstraintName+1, err)
	}
}
