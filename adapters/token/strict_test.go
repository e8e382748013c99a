package token_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/auth"
)

// signRaw signs header and claims given as raw JSON text, so that a test can write what
// encoding/json would never produce: duplicate keys, escapes, odd letter case.
func signRaw(f fixture, header, claims string) string {
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(f.k1, []byte(input)))
}

func itoa(v any) string {
	n, _ := v.(int64)
	return strconv.FormatInt(n, 10)
}

// TestVerifyIsStrict: each token is validly signed with the active key, so that only its shape
// can be the reason it is refused. These are the inputs a lenient parser accepted.
func TestVerifyIsStrict(t *testing.T) {
	f := newFixture(t)
	c := f.claims()
	iss, aud, jti := testConfig.Issuer, testConfig.Audience, uuid.NewString()
	sub, tid := f.principal.UserID.String(), f.principal.TenantID.String()
	body := func(extra string) string {
		return `{"iss":"` + iss + `","aud":"` + aud + `","sub":"` + sub + `",` +
			`"iat":` + itoa(c["iat"]) + `,"nbf":` + itoa(c["nbf"]) + `,"jti":"` + jti + `",` + extra + `}`
	}
	const header = `{"alg":"EdDSA","typ":"JWT","kid":"k1"}`
	exp := itoa(c["exp"])
	valid := body(`"tid":"` + tid + `","exp":` + exp)

	// The control: the same construction, nothing odd, verifies.
	p, err := f.svc.Verify(signRaw(f, header, valid))
	require.NoError(t, err)
	require.Equal(t, f.principal, p)

	for name, tok := range map[string]string{
		"exp as a string":                   signRaw(f, header, body(`"tid":"`+tid+`","exp":"`+exp+`"`)),
		"iat as a string":                   signRaw(f, header, strings.Replace(valid, `"iat":`+itoa(c["iat"]), `"iat":"`+itoa(c["iat"])+`"`, 1)),
		"nbf as a string":                   signRaw(f, header, strings.Replace(valid, `"nbf":`+itoa(c["nbf"]), `"nbf":"`+itoa(c["nbf"])+`"`, 1)),
		"tid in braces":                     signRaw(f, header, body(`"tid":"{`+tid+`}","exp":`+exp)),
		"tid as urn:uuid":                   signRaw(f, header, body(`"tid":"urn:uuid:`+tid+`","exp":`+exp)),
		"tid in upper case":                 signRaw(f, header, body(`"tid":"`+strings.ToUpper(tid)+`","exp":`+exp)),
		"tid without dashes":                signRaw(f, header, body(`"tid":"`+strings.ReplaceAll(tid, "-", "")+`","exp":`+exp)),
		"sub in braces":                     signRaw(f, header, strings.Replace(valid, `"sub":"`+sub+`"`, `"sub":"{`+sub+`}"`, 1)),
		"duplicate tid, last one wins":      signRaw(f, header, body(`"tid":"`+f.otherPrincipal.TenantID.String()+`","tid":"`+tid+`","exp":`+exp)),
		"duplicate exp":                     signRaw(f, header, body(`"tid":"`+tid+`","exp":1,"exp":`+exp)),
		"duplicate through an escape":       signRaw(f, header, body(`"tid":"`+f.otherPrincipal.TenantID.String()+`","t\u0069d":"`+tid+`","exp":`+exp)),
		"duplicate through letter case":     signRaw(f, header, body(`"tid":"`+f.otherPrincipal.TenantID.String()+`","TID":"`+tid+`","exp":`+exp)),
		"claim name in another letter case": signRaw(f, header, body(`"Tid":"`+tid+`","exp":`+exp)),
		"duplicate kid in the header":       signRaw(f, `{"alg":"EdDSA","typ":"JWT","kid":"k2","kid":"k1"}`, valid),
		"duplicate alg in the header":       signRaw(f, `{"alg":"none","alg":"EdDSA","typ":"JWT","kid":"k1"}`, valid),
		"crit with an unknown extension":    signRaw(f, `{"alg":"EdDSA","typ":"JWT","kid":"k1","crit":["exp"],"exp":1}`, valid),
		"crit empty":                        signRaw(f, `{"alg":"EdDSA","typ":"JWT","kid":"k1","crit":[]}`, valid),
		"claims not an object":              signRaw(f, header, `["`+tid+`"]`),
		"data after the claims":             signRaw(f, header, valid+`{}`),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := f.svc.Verify(tok)
			require.ErrorIs(t, err, auth.ErrUnauthenticated)
			assert.Zero(t, p)
		})
	}
}
