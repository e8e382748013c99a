package postgres

import (
	"errors"
	"testing"
)

// TestConstraintNamesOfShards: a violation raised by a Citus shard names the shard's constraint
// (the declared name plus "_<shard id>"); it must find the error declared for the table's one.
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
