package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The JWT library and encoding/json are lenient where a token must have one reading only: a
// duplicate key's last value wins, a date may be a string holding a number, a claim name matches
// in any letter case, and an unknown critical extension is ignored. checkShape refuses all of
// these before the token is parsed, so that what the signature covers means one thing.

// dateClaims must be JSON numbers (RFC 7519 §2, NumericDate).
var dateClaims = []string{"exp", "iat", "nbf"}

// knownClaims are the claim names the payload is decoded into.
var knownClaims = []string{"iss", "sub", "aud", "tid", "iat", "nbf", "exp", "jti"}

func checkShape(raw string) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return errors.New("not a compact JWS of three segments")
	}
	header, err := members(parts[0])
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if _, ok := header["crit"]; ok {
		// RFC 7515 §4.1.11: extensions listed in crit must be understood; this service knows none.
		return errors.New("header: crit names extensions this service does not support")
	}
	payload, err := members(parts[1])
	if err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	for name := range payload {
		for _, known := range knownClaims {
			if name != known && strings.EqualFold(name, known) {
				return fmt.Errorf("claims: %q is not spelled %q", name, known)
			}
		}
	}
	for _, name := range dateClaims {
		if v, ok := payload[name]; ok && !isJSONNumber(v) {
			return fmt.Errorf("claims: %s is not a number", name)
		}
	}
	return nil
}

// members decodes a base64url segment holding one JSON object and returns its members, refusing
// a key that appears twice (compared after unescaping and case folding, as encoding/json would
// match it).
func members(segment string) (map[string]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(segment)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	folded := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("not a JSON object")
		}
		key, _ := tok.(string)
		if folded[strings.ToLower(key)] {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		folded[strings.ToLower(key)] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("not a JSON object")
		}
		out[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON object")
	}
	return out, nil
}

func isJSONNumber(v json.RawMessage) bool {
	return len(v) > 0 && (v[0] == '-' || ('0' <= v[0] && v[0] <= '9'))
}
