package bootstrap

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// commandLineError is a command line that cannot run as written. Main prints it on one line and
// exits 2, as for a usage error.
type commandLineError struct{ msg string }

func (e commandLineError) Error() string { return e.msg }

// parseArgs parses a command's flags; synopsis is its usage line, without "tenantcore". What the
// flag package would let through silently is refused here, for every command: an argument left
// over after the flags, and a flag given twice (`--tenant acme --tenant globex` would act on
// globex).
func parseArgs(fs *flag.FlagSet, args []string, synopsis string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var repeated string
	seen := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		f.Value = &setOnce{Value: f.Value, name: f.Name, seen: seen, repeated: &repeated}
	})
	refuse := func(format string, a ...any) error {
		return commandLineError{fmt.Sprintf(format, a...) + "; usage: tenantcore " + synopsis}
	}
	if err := fs.Parse(args); err != nil {
		switch {
		case repeated != "":
			return refuse("flag --%s is given twice", repeated)
		case errors.Is(err, flag.ErrHelp):
			return refuse("help requested")
		default:
			return refuse("%v", err)
		}
	}
	if fs.NArg() > 0 {
		return refuse("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// setOnce is a flag's value that refuses a second setting.
type setOnce struct {
	flag.Value
	name     string
	seen     map[string]bool
	repeated *string
}

func (s *setOnce) Set(v string) error {
	if s.seen[s.name] {
		*s.repeated = s.name
		return errors.New("given twice")
	}
	s.seen[s.name] = true
	return s.Value.Set(v)
}

// IsBoolFlag keeps a boolean flag usable without a value (--password-stdin).
func (s *setOnce) IsBoolFlag() bool {
	b, ok := s.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
