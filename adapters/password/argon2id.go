package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/tenantcore/tenantcore/ports"
)

var _ ports.PasswordHasher = (*Argon2id)(nil)

// Lengths of what Hash generates. Matches accepts other lengths within the bounds below, as long as
// the stored hash declares them.
const (
	saltLen = 16 // 128 bits: the length RFC 9106 recommends
	keyLen  = 32
)

// Bounds on what Matches accepts from a stored hash. A hash is data, possibly tampered with or
// corrupted; without bounds a single stored value could make every login attempt allocate gigabytes
// or spin for minutes. They sit far above any sensible setting, so raising the cost stays possible.
const (
	maxMemory      = 1 << 20 // KiB, i.e. 1 GiB
	maxIterations  = 10
	maxParallelism = 16
	minSaltLen     = 8 // the Argon2 minimum
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
	// maxEncodedLen bounds the input before any parsing or base64 decoding; the longest valid hash
	// is about 200 bytes.
	maxEncodedLen = 256
)

const prefix = "$argon2id$"

// Params are the Argon2id cost parameters.
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
}

// DefaultParams is the OWASP Password Storage Cheat Sheet minimum for Argon2id (2024): 19 MiB of
// memory, 2 iterations, 1 lane. Its alternatives trade memory for iterations at equal defence; the
// low-memory end suits a server that hashes on every login of many concurrent users, since each
// hash holds its memory for its whole duration. One lane because the request concurrency already
// keeps the cores busy, and extra lanes would only raise the per-login burst. Raise the cost when
// the hardware allows: stored hashes keep their own parameters and still verify.
var DefaultParams = Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1}

// Validate reports whether p is within the bounds that Matches accepts, so that no hash is ever
// written that could not be verified later.
func (p Params) Validate() error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("argon2id: %w", err)
	}
	return nil
}

// validate is Validate without the package prefix, for errors that already carry it.
func (p Params) validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("iterations %d out of range [1, %d]", p.Iterations, maxIterations)
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("parallelism %d out of range [1, %d]", p.Parallelism, maxParallelism)
	// Argon2 needs at least 8 KiB per lane; the library would silently raise a lower value, and the
	// stored parameters would then no longer describe the hash.
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB out of range [%d, %d]", p.Memory, 8*uint32(p.Parallelism), maxMemory)
	}
	return nil
}

// Argon2id hashes passwords with Argon2id. It is safe for concurrent use.
type Argon2id struct {
	params Params
	// slots bounds the hashes computed at once. Each holds Params.Memory (19 MiB by default) for
	// its duration, so a burst of logins queues here instead of exhausting memory.
	slots chan struct{}
}

// New returns a hasher that hashes new passwords with p. It panics if p is invalid: parameters are
// fixed at wiring time, and the caller can check them first with Params.Validate.
func New(p Params) *Argon2id {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return &Argon2id{params: p, slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
}

// idKey is argon2.IDKey within a slot. Waiting for the slot ends with ctx: a login whose client
// has gone, or whose deadline has passed, leaves the queue at once instead of hashing for nobody
// ahead of the logins still waited for. A hash that has started runs to its end, but its result
// is not used once ctx is done.
func (a *Argon2id) idKey(ctx context.Context, password, salt []byte, t, m uint32, p uint8, n uint32) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("argon2id: waiting for a hashing slot: %w", err)
	}
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("argon2id: waiting for a hashing slot: %w", ctx.Err())
	}
	key := argon2.IDKey(password, salt, t, m, p, n)
	<-a.slots
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("argon2id: hashing: %w", err)
	}
	return key, nil
}

// Hash returns password hashed with a fresh random salt, in the PHC string format
// $argon2id$v=19$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<key>, both in unpadded standard base64.
func (a *Argon2id) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id: generating salt: %w", err)
	}
	p := a.params
	key, err := a.idKey(ctx, []byte(password), salt, p.Iterations, p.Memory, p.Parallelism, keyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", prefix, argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Matches reports whether password hashes to encodedHash under the parameters, salt and key length
// that encodedHash records, whatever the parameters of a. An error means encodedHash is malformed or
// asks for a cost outside the accepted bounds.
func (a *Argon2id) Matches(ctx context.Context, encodedHash, password string) (bool, error) {
	h, err := decode(encodedHash)
	if err != nil {
		return false, err
	}
	p := h.params
	n := len(h.key)
	if n > maxKeyLen { // decode made sure of it; repeated so that the narrowing below is visibly safe
		return false, errMalformed
	}
	key, err := a.idKey(ctx, []byte(password), h.salt, p.Iterations, p.Memory, p.Parallelism, uint32(n))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// decoded is a parsed PHC string.
type decoded struct {
	params Params
	salt   []byte
	key    []byte
}

var errMalformed = errors.New("argon2id: malformed hash")

// decode parses a PHC string strictly: only argon2id version 19 with exactly the m, t and p
// parameters in that order, as Hash writes them.
func decode(s string) (decoded, error) {
	if len(s) > maxEncodedLen {
		return decoded{}, fmt.Errorf("%w: longer than %d bytes", errMalformed, maxEncodedLen)
	}
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return decoded{}, fmt.Errorf("%w: not an argon2id hash", errMalformed)
	}
	// version, parameters, salt, key
	fields := strings.Split(rest, "$")
	if len(fields) != 4 {
		return decoded{}, fmt.Errorf("%w: want 4 fields after %q, got %d", errMalformed, prefix, len(fields))
	}
	version, ok := strings.CutPrefix(fields[0], "v=")
	if !ok || version != strconv.Itoa(argon2.Version) {
		return decoded{}, fmt.Errorf("%w: unsupported version %q", errMalformed, fields[0])
	}
	p, err := decodeParams(fields[1])
	if err != nil {
		return decoded{}, err
	}
	if err := p.validate(); err != nil {
		return decoded{}, fmt.Errorf("%w: %w", errMalformed, err)
	}
	salt, err := decodeBase64("salt", fields[2], minSaltLen, maxSaltLen)
	if err != nil {
		return decoded{}, err
	}
	key, err := decodeBase64("key", fields[3], minKeyLen, maxKeyLen)
	if err != nil {
		return decoded{}, err
	}
	return decoded{params: p, salt: salt, key: key}, nil
}

func decodeParams(s string) (Params, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Params{}, fmt.Errorf("%w: want parameters m,t,p, got %q", errMalformed, s)
	}
	var values [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		digits, ok := strings.CutPrefix(parts[i], name+"=")
		if !ok {
			return Params{}, fmt.Errorf("%w: want parameter %s at position %d, got %q", errMalformed, name, i+1, parts[i])
		}
		v, err := strconv.ParseUint(digits, 10, 32)
		if err != nil {
			return Params{}, fmt.Errorf("%w: parameter %s: %w", errMalformed, name, err)
		}
		values[i] = v
	}
	// Upper bounds are checked before narrowing, so that p=257 cannot pass as p=1; validate checks the rest.
	m, t, p := values[0], values[1], values[2]
	if m > maxMemory || t > maxIterations || p > maxParallelism {
		return Params{}, fmt.Errorf("%w: parameters m=%d,t=%d,p=%d above the maximum m=%d,t=%d,p=%d",
			errMalformed, m, t, p, maxMemory, maxIterations, maxParallelism)
	}
	return Params{Memory: uint32(m), Iterations: uint32(t), Parallelism: uint8(p)}, nil
}

func decodeBase64(name, s string, minLen, maxLen int) ([]byte, error) {
	// Checked on the encoded length first, so that an oversized field is never decoded.
	if n := base64.RawStdEncoding.DecodedLen(len(s)); n < minLen || n > maxLen {
		return nil, fmt.Errorf("%w: %s length %d out of range [%d, %d]", errMalformed, name, n, minLen, maxLen)
	}
	// Strict, so that one hash has exactly one encoding.
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errMalformed, name, err)
	}
	return b, nil
}
