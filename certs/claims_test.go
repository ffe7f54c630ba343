package certs

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"
)

// testEdKey is a fixed Ed25519 key derived from one seed byte, so that
// tests and fuzz seeds are reproducible.
func testEdKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

// testKID is the key id of an Ed25519 private key.
func testKID(t testing.TB, k ed25519.PrivateKey) string {
	t.Helper()
	kid, err := KeyID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return kid
}

// testKeySet trusts the given keys with open windows.
func testKeySet(t testing.TB, keys ...ed25519.PrivateKey) KeySet {
	t.Helper()
	var tk []TrustedKey
	for _, k := range keys {
		tk = append(tk, TrustedKey{KID: testKID(t, k), Key: k.Public()})
	}
	s, err := NewKeySet(tk...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testIssued is the issue time of the sample claims: 2025-07-01 10:30 in
// Guangzhou.
var testIssued = time.Date(2025, 7, 1, 2, 30, 0, 0, time.UTC)

// sampleClaims are realistic claims of the three regions' certificates.
func sampleClaims() map[string]Claims {
	return map[string]Claims{
		"guangdong": {
			ID: "Jm9vZGJhc2U2NHVybGlkIQ", Number: "S000144000123253000042",
			HolderName: "陈嘉欣", HolderLatin: "CHEN Jiaxin",
			Issuer: "gd-demo", Skill: "04", Level: "3",
			IssuedAt: testIssued, StatusIndex: 94567,
		},
		"hong kong": {
			ID: "AAECAwQFBgcICQoLDA0ODw", Number: "HK-QF4-2025-000317",
			HolderName: "陳家豪", HolderLatin: "CHAN Ka Ho Kelvin",
			Issuer: "hk-demo", Skill: "04", Level: "QF4",
			IssuedAt: testIssued, Expires: testIssued.AddDate(5, 0, 0), StatusIndex: 131071,
		},
		"macao, Latin name only": {
			ID: "_-_-_-_-_-_-_-_-_-_-_w", Number: "DSAL/2025/M/00012",
			HolderLatin: "Maria da Conceição Fernandes de Almeida Ribeiro & Sousa",
			Issuer:      "mo-demo", Skill: "04", Level: "médio",
			IssuedAt: testIssued, StatusIndex: 0,
		},
	}
}

func TestIssueParseClaimsRoundTrip(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key, testEdKey(2))
	for name, want := range sampleClaims() {
		t.Run(name, func(t *testing.T) {
			jws, err := IssueClaims(want, key, kid)
			if err != nil {
				t.Fatalf("IssueClaims: %v", err)
			}
			got, h, err := ParseClaims(jws, keys)
			if err != nil {
				t.Fatalf("ParseClaims: %v", err)
			}
			if got != want {
				t.Fatalf("claims = %+v, want %+v", got, want)
			}
			if h != (Header{Alg: "EdDSA", KID: kid, Typ: "bkc"}) {
				t.Fatalf("header = %+v", h)
			}
			if len(jws) > MaxClaimsSize {
				t.Fatalf("token of %d bytes", len(jws))
			}
		})
	}
}

// TestIssueClaimsWireFormat checks the payload against the documented member
// names, written by hand.
func TestIssueClaimsWireFormat(t *testing.T) {
	key := testEdKey(1)
	jws, err := IssueClaims(sampleClaims()["hong kong"], key, testKID(t, key))
	if err != nil {
		t.Fatal(err)
	}
	seg := strings.Split(jws, ".")
	header, _ := base64.RawURLEncoding.DecodeString(seg[0])
	payload, _ := base64.RawURLEncoding.DecodeString(seg[1])
	if want := `{"alg":"EdDSA","kid":"` + testKID(t, key) + `","typ":"bkc"}`; string(header) != want {
		t.Errorf("header = %s, want %s", header, want)
	}
	want := `{"jti":"AAECAwQFBgcICQoLDA0ODw","no":"HK-QF4-2025-000317","hn":"陳家豪","hl":"CHAN Ka Ho Kelvin",` +
		`"iss":"hk-demo","sk":"04","lv":"QF4","iat":1751337000,"exp":1909103400,"sl":131071}`
	if string(payload) != want {
		t.Errorf("payload = %s\nwant      %s", payload, want)
	}
}

// TestSignCompactRFC8037 checks the signer against the Ed25519 JWS of
// RFC 8037 Appendix A.4.
func TestSignCompactRFC8037(t *testing.T) {
	seed, _ := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	key := ed25519.NewKeyFromSeed(seed)
	got, err := signCompact([]byte(`{"alg":"EdDSA"}`), []byte("Example of Ed25519 signing"), key)
	if err != nil {
		t.Fatal(err)
	}
	want := "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
	if got != want {
		t.Fatalf("JWS = %s\nwant  %s", got, want)
	}
}

func TestParseClaimsTamperedSegments(t *testing.T) {
	key := testEdKey(1)
	keys := testKeySet(t, key)
	jws, err := IssueClaims(sampleClaims()["guangdong"], key, testKID(t, key))
	if err != nil {
		t.Fatal(err)
	}
	// Every character of every segment, replaced by another base64url
	// character.
	for i := 0; i < len(jws); i++ {
		if jws[i] == '.' {
			continue
		}
		repl := byte('A')
		if jws[i] == 'A' {
			repl = 'B'
		}
		bad := jws[:i] + string(repl) + jws[i+1:]
		if _, _, err := ParseClaims(bad, keys); err == nil {
			t.Fatalf("character %d changed: accepted", i)
		}
	}
	// A re-encoded payload with another holder, under the old signature.
	seg := strings.Split(jws, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(seg[1])
	forged := strings.Replace(string(payload), "陈嘉欣", "李四", 1)
	bad := seg[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + seg[2]
	if _, _, err := ParseClaims(bad, keys); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged payload: err = %v, want ErrBadSignature", err)
	}
	// The header naming another trusted key.
	other := testEdKey(2)
	keys2 := testKeySet(t, key, other)
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","kid":"` + testKID(t, other) + `","typ":"bkc"}`))
	if _, _, err := ParseClaims(h+"."+seg[1]+"."+seg[2], keys2); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("kid swapped: err = %v, want ErrBadSignature", err)
	}
	// Signature dropped, or of another token.
	if _, _, err := ParseClaims(seg[0]+"."+seg[1]+".", keys); err == nil {
		t.Fatal("empty signature accepted")
	}
}

// forgeToken builds a token with any header, payload and signature bytes.
func forgeToken(header, payload string, sig []byte) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(payload)) + "." + e(sig)
}

func TestParseClaimsRefusesAlgorithms(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	good, err := IssueClaims(sampleClaims()["guangdong"], key, kid)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(good, ".")[1])
	e := base64.RawURLEncoding.EncodeToString
	// HS256 keyed with the public key: the classic algorithm confusion.
	hsHeader := `{"alg":"HS256","kid":"` + kid + `","typ":"bkc"}`
	mac := hmac.New(sha256.New, key.Public().(ed25519.PublicKey))
	mac.Write([]byte(e([]byte(hsHeader)) + "." + e(payload)))
	tests := []struct{ name, token string }{
		{"none, empty signature", e([]byte(`{"alg":"none","kid":"`+kid+`","typ":"bkc"}`)) + "." + e(payload) + "."},
		{"none, no kid", e([]byte(`{"alg":"none","typ":"bkc"}`)) + "." + e(payload) + "."},
		{"HS256 with the public key", forgeToken(hsHeader, string(payload), mac.Sum(nil))},
		{"RS256", forgeToken(`{"alg":"RS256","kid":"`+kid+`","typ":"bkc"}`, string(payload), make([]byte, 256))},
		{"ES256", forgeToken(`{"alg":"ES256","kid":"`+kid+`","typ":"bkc"}`, string(payload), make([]byte, 64))},
		{"Ed25519 spelt otherwise", forgeToken(`{"alg":"eddsa","kid":"`+kid+`","typ":"bkc"}`, string(payload), make([]byte, 64))},
		{"empty alg", forgeToken(`{"alg":"","kid":"`+kid+`","typ":"bkc"}`, string(payload), make([]byte, 64))},
		{"no alg", forgeToken(`{"kid":"`+kid+`","typ":"bkc"}`, string(payload), make([]byte, 64))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseClaims(tt.token, keys)
			if !errors.Is(err, ErrAlgorithmRefused) {
				t.Fatalf("err = %v, want ErrAlgorithmRefused", err)
			}
		})
	}
}

func TestParseClaimsKeys(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	jws, err := IssueClaims(sampleClaims()["guangdong"], key, kid) // iat = testIssued
	if err != nil {
		t.Fatal(err)
	}
	ec, err := GenerateKey(KeyP256)
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	tests := []struct {
		name string
		keys []TrustedKey
		want error // nil: accepted
	}{
		{"open window", []TrustedKey{{KID: kid, Key: key.Public()}}, nil},
		{"rotated out since: still verifies", []TrustedKey{{KID: kid, Key: key.Public(),
			NotBefore: testIssued.Add(-365 * day), NotAfter: testIssued.Add(day)}}, nil},
		{"signed on the window's last second", []TrustedKey{{KID: kid, Key: key.Public(), NotAfter: testIssued}}, nil},
		{"unknown kid", []TrustedKey{{KID: testKID(t, testEdKey(2)), Key: testEdKey(2).Public()}}, ErrUnknownKey},
		{"empty key set", nil, ErrUnknownKey},
		{"kid of a P-256 key", []TrustedKey{{KID: kid, Key: ec.Public()}}, ErrAlgorithmRefused},
		{"kid of another Ed25519 key", []TrustedKey{{KID: kid, Key: testEdKey(3).Public()}}, ErrBadSignature},
		{"key not yet valid", []TrustedKey{{KID: kid, Key: key.Public(), NotBefore: testIssued.Add(time.Second)}}, ErrKeyWindow},
		{"key retired before", []TrustedKey{{KID: kid, Key: key.Public(), NotAfter: testIssued.Add(-time.Second)}}, ErrKeyWindow},
		{"compromised after issue", []TrustedKey{{KID: kid, Key: key.Public(), CompromisedAt: testIssued.Add(time.Second)}}, nil},
		{"compromised at issue", []TrustedKey{{KID: kid, Key: key.Public(), CompromisedAt: testIssued}}, ErrKeyCompromised},
		{"compromised before issue", []TrustedKey{{KID: kid, Key: key.Public(), CompromisedAt: testIssued.Add(-day)}}, ErrKeyCompromised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := NewKeySet(tt.keys...)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = ParseClaims(jws, keys)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseClaimsMalformed(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	good, err := IssueClaims(sampleClaims()["guangdong"], key, kid)
	if err != nil {
		t.Fatal(err)
	}
	seg := strings.Split(good, ".")
	header := `{"alg":"EdDSA","kid":"` + kid + `","typ":"bkc"}`
	payload := `{"jti":"Jm9vZGJhc2U2NHVybGlkIQ","no":"S000144000123253000042","hn":"陈嘉欣","iss":"gd-demo","sk":"04","lv":"3","iat":1751337000,"sl":7}`
	// signed makes a correctly signed token of any header and payload, so
	// that the checks after the signature are reached.
	signed := func(h, p string) string {
		tok, err := signCompact([]byte(h), []byte(p), key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if _, _, err := ParseClaims(signed(header, payload), keys); err != nil {
		t.Fatalf("baseline token refused: %v", err)
	}
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"one segment", seg[0]},
		{"two segments", seg[0] + "." + seg[1]},
		{"four segments", good + "." + seg[2]},
		{"trailing dot", good + "."},
		{"trailing data", good + "AAAA"},
		{"leading space", " " + good},
		{"line break inside", good[:40] + "\n" + good[40:]},
		{"padding", seg[0] + "=." + seg[1] + "." + seg[2]},
		{"standard base64 alphabet", strings.ReplaceAll(strings.ReplaceAll(good, "-", "+"), "_", "/")},
		{"oversized", good + strings.Repeat("A", MaxClaimsSize)},
		{"header not JSON", forgeToken("alg=EdDSA", payload, make([]byte, 64))},
		{"header an array", forgeToken(`["EdDSA"]`, payload, make([]byte, 64))},
		{"header with an embedded key", signed(`{"alg":"EdDSA","kid":"`+kid+`","typ":"bkc","jwk":{"kty":"OKP"}}`, payload)},
		{"header with crit", signed(`{"alg":"EdDSA","kid":"`+kid+`","typ":"bkc","crit":["exp"]}`, payload)},
		{"header alg twice", signed(`{"alg":"EdDSA","kid":"`+kid+`","typ":"bkc","alg":"EdDSA"}`, payload)},
		{"header ALG", signed(`{"ALG":"EdDSA","kid":"`+kid+`","typ":"bkc"}`, payload)},
		{"header trailing data", signed(header+"{}", payload)},
		{"typ of a credential", signed(`{"alg":"EdDSA","kid":"`+kid+`","typ":"vc+jwt"}`, payload)},
		{"no typ", signed(`{"alg":"EdDSA","kid":"`+kid+`"}`, payload)},
		{"no kid", signed(`{"alg":"EdDSA","typ":"bkc"}`, payload)},
		{"kid with a slash", signed(`{"alg":"EdDSA","kid":"../etc","typ":"bkc"}`, payload)},
		{"payload not JSON", signed(header, "hello")},
		{"payload empty object", signed(header, "{}")},
		{"payload trailing data", signed(header, payload+" {}")},
		{"payload member twice", signed(header, strings.Replace(payload, `"sl":7`, `"sl":7,"sl":8`, 1))},
		{"payload member twice, by case", signed(header, strings.Replace(payload, `"sl":7`, `"sl":7,"SL":8`, 1))},
		{"payload member by Kelvin sign", signed(header, strings.Replace(payload, `"sk":"04"`, `"s\u212a":"x","sk":"04"`, 1))},
		{"payload member in other case", signed(header, strings.Replace(payload, `"iat"`, `"IAT"`, 1))},
		{"payload invalid UTF-8", signed(header, strings.Replace(payload, "陈", "\xff", 1))},
		{"no status index", signed(header, strings.Replace(payload, `,"sl":7`, "", 1))},
		{"negative status index", signed(header, strings.Replace(payload, `"sl":7`, `"sl":-1`, 1))},
		{"huge status index", signed(header, strings.Replace(payload, `"sl":7`, `"sl":99999999999999999999`, 1))},
		{"fractional iat", signed(header, strings.Replace(payload, `1751337000`, `1751337000.5`, 1))},
		{"iat a string", signed(header, strings.Replace(payload, `1751337000`, `"1751337000"`, 1))},
		{"no iat", signed(header, strings.Replace(payload, `"iat":1751337000,`, "", 1))},
		{"expiry before issue", signed(header, strings.Replace(payload, `"sl":7`, `"sl":7,"exp":1000`, 1))},
		{"short certificate id", signed(header, strings.Replace(payload, "Jm9vZGJhc2U2NHVybGlkIQ", "abc", 1))},
		{"no holder name", signed(header, strings.Replace(payload, `"hn":"陈嘉欣",`, "", 1))},
		{"control character in a name", signed(header, strings.Replace(payload, "陈嘉欣", `陈\u202e嘉欣`, 1))},
		{"deeply nested extra member", signed(header, strings.Replace(payload, `"sl":7`, `"sl":7,"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40), 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseClaims(tt.token, keys)
			if err == nil {
				t.Fatal("accepted")
			}
			known := []error{ErrMalformedJWS, ErrAlgorithmRefused, ErrUnknownKey, ErrBadSignature, ErrInvalidClaims}
			matched := false
			for _, k := range known {
				matched = matched || errors.Is(err, k)
			}
			if !matched {
				t.Fatalf("err = %v: matches none of the documented errors", err)
			}
		})
	}
	// Members a newer issuer may add are skipped.
	if _, _, err := ParseClaims(signed(header, strings.Replace(payload, `"sl":7`, `"sl":7,"ev":{"y":2025}`, 1)), keys); err != nil {
		t.Fatalf("unknown member: %v", err)
	}
}

func TestIssueClaimsRefuses(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	ec, err := GenerateKey(KeyP256)
	if err != nil {
		t.Fatal(err)
	}
	base := sampleClaims()["guangdong"]
	change := func(f func(*Claims)) Claims { c := base; f(&c); return c }
	tests := []struct {
		name   string
		claims Claims
		key    ed25519.PrivateKey
		signer *SigningKey
		kid    string
	}{
		{"short certificate id", change(func(c *Claims) { c.ID = "abc" }), key, nil, kid},
		{"certificate id not base64url", change(func(c *Claims) { c.ID = "Jm9vZGJhc2U2NHVybGlkI+" }), key, nil, kid},
		{"no number", change(func(c *Claims) { c.Number = "" }), key, nil, kid},
		{"no names", change(func(c *Claims) { c.HolderName, c.HolderLatin = "", "" }), key, nil, kid},
		{"name too long", change(func(c *Claims) { c.HolderLatin = strings.Repeat("A", 101) }), key, nil, kid},
		{"control character", change(func(c *Claims) { c.HolderLatin = "CHEN\nJiaxin" }), key, nil, kid},
		{"invalid UTF-8", change(func(c *Claims) { c.HolderName = "\xff" }), key, nil, kid},
		{"no issuer", change(func(c *Claims) { c.Issuer = "" }), key, nil, kid},
		{"no skill", change(func(c *Claims) { c.Skill = "" }), key, nil, kid},
		{"no level", change(func(c *Claims) { c.Level = "" }), key, nil, kid},
		{"no issue time", change(func(c *Claims) { c.IssuedAt = time.Time{} }), key, nil, kid},
		{"expiry before issue", change(func(c *Claims) { c.Expires = c.IssuedAt.Add(-time.Hour) }), key, nil, kid},
		{"negative status index", change(func(c *Claims) { c.StatusIndex = -1 }), key, nil, kid},
		{"no key id", base, key, nil, ""},
		{"key id with a slash", base, key, nil, "a/b"},
		{"short Ed25519 key", base, key[:10], nil, kid},
		{"nil key", base, nil, nil, kid},
		{"P-256 key", base, nil, ec, kid},
		{"nil SigningKey", base, nil, (*SigningKey)(nil), kid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.signer != nil || tt.name == "nil SigningKey" {
				_, err = IssueClaims(tt.claims, tt.signer, tt.kid)
			} else {
				_, err = IssueClaims(tt.claims, tt.key, tt.kid)
			}
			if err == nil {
				t.Fatal("signed")
			}
		})
	}
}

func TestQRContent(t *testing.T) {
	key := testEdKey(1)
	kid := testKID(t, key)
	keys := testKeySet(t, key)
	const base = "https://skills.example.org/"
	for name, c := range sampleClaims() {
		t.Run(name, func(t *testing.T) {
			jws, err := IssueClaims(c, key, kid)
			if err != nil {
				t.Fatal(err)
			}
			content := QRContent(base, c.ID, jws)
			if want := "https://skills.example.org/v/" + c.ID + "#" + jws; content != want {
				t.Fatalf("content = %s, want %s", content, want)
			}
			got, _, err := ParseQRContent(content, keys)
			if err != nil || got != c {
				t.Fatalf("ParseQRContent = %+v, %v", got, err)
			}
			code, err := qr.Encode(content, qr.M, qr.Auto)
			if err != nil {
				t.Fatal(err)
			}
			version := (code.Bounds().Dx() - 17) / 4
			t.Logf("%s: JWS %d bytes, QR content %d bytes: version %d (%d×%d modules) at level M",
				name, len(jws), len(content), version, code.Bounds().Dx(), code.Bounds().Dx())
			// Version 17 (85 modules) printed 30 mm wide has 0.35 mm
			// modules, which phone cameras still read; 35 mm is kinder.
			if version > 17 {
				t.Errorf("QR version %d: too dense for a 30 mm code", version)
			}
		})
	}
	c := sampleClaims()["guangdong"]
	jws, _ := IssueClaims(c, key, kid)
	other := sampleClaims()["hong kong"].ID
	bad := []struct{ name, content string }{
		{"another certificate's URL", QRContent(base, other, jws)},
		{"no fragment", VerifyURL(base, c.ID)},
		{"empty fragment", VerifyURL(base, c.ID) + "#"},
		{"not a verification URL", "https://skills.example.org/x/" + c.ID + "#" + jws},
		{"claims in the query instead", VerifyURL(base, c.ID) + "?c=" + jws},
		{"oversized", QRContent(base, c.ID, jws+strings.Repeat("A", 4096))},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ParseQRContent(tt.content, keys); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestNewCertificateID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewCertificateID()
		b, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(b) != 16 || len(id) != 22 || !ValidCertificateID(id) {
			t.Fatalf("id %q: %d bytes, %v", id, len(b), err)
		}
		if seen[id] {
			t.Fatalf("id %q twice", id)
		}
		seen[id] = true
	}
}

func TestClaimsDates(t *testing.T) {
	c := Claims{IssuedAt: time.Date(2025, 6, 30, 23, 30, 0, 0, time.UTC)} // 07:30 on 1 July in Guangzhou
	if got := c.IssueDate(); got != "2025-07-01" {
		t.Errorf("IssueDate = %s, want 2025-07-01", got)
	}
	if c.ExpiredAt(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a certificate without expiry expired")
	}
	c.Expires = time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC)
	if c.ExpiredAt(c.Expires.Add(-time.Second)) || !c.ExpiredAt(c.Expires) {
		t.Error("ExpiredAt wrong around the expiry")
	}
}

func TestFoldName(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"iat", "IAT", true},
		{"sk", "\u212a", false}, // one character against two
		{"k", "\u212a", true},   // Kelvin sign
		{"s", "\u017f", true},   // long s
		{"kid", "\u212aid", true},
		{"hn", "hl", false},
	}
	for _, tt := range tests {
		if got := foldName(tt.a) == foldName(tt.b); got != tt.same || got != strings.EqualFold(tt.a, tt.b) {
			t.Errorf("fold(%q) == fold(%q): %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

func FuzzParseClaims(f *testing.F) {
	key := testEdKey(1)
	kid := testKID(f, key)
	compromised := testEdKey(2)
	ec, err := GenerateKey(KeyP256)
	if err != nil {
		f.Fatal(err)
	}
	keys, err := NewKeySet(
		TrustedKey{KID: kid, Key: key.Public()},
		TrustedKey{KID: testKID(f, compromised), Key: compromised.Public(), CompromisedAt: testIssued.Add(-time.Hour)},
		TrustedKey{KID: ec.KID(), Key: ec.Public()},
	)
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range sampleClaims() {
		for _, k := range []ed25519.PrivateKey{key, compromised, testEdKey(3)} {
			jws, err := IssueClaims(c, k, testKID(f, k))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(jws)
			f.Add(jws[:len(jws)/2])
			f.Add(strings.Replace(jws, ".", "..", 1))
			f.Add(jws + "=")
		}
	}
	f.Add("")
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add(forgeToken(`{"alg":"none","kid":"`+kid+`","typ":"bkc"}`, `{"jti":"Jm9vZGJhc2U2NHVybGlkIQ"}`, nil))
	f.Add(forgeToken(`{"alg":"EdDSA","kid":"`+ec.KID()+`","typ":"bkc"}`, `{}`, make([]byte, 64)))

	f.Fuzz(func(t *testing.T, token string) {
		c, h, err := ParseClaims(token, keys)
		if err != nil {
			return
		}
		// Success only for a token signed by a key of the set, within its
		// window, with complete claims.
		k, ok := keys.Key(h.KID)
		pub, isEd := k.Key.(ed25519.PublicKey)
		seg := strings.Split(token, ".")
		if !ok || !isEd || len(seg) != 3 {
			t.Fatalf("accepted a token without a trusted Ed25519 key: %+v", h)
		}
		sig, err := base64.RawURLEncoding.DecodeString(seg[2])
		if err != nil || !ed25519.Verify(pub, []byte(seg[0]+"."+seg[1]), sig) {
			t.Fatalf("accepted a token whose signature does not verify")
		}
		if err := k.CheckSignedAt(c.IssuedAt); err != nil {
			t.Fatalf("accepted a token outside its key's window: %v", err)
		}
		if err := c.validate(); err != nil {
			t.Fatalf("accepted invalid claims: %v", err)
		}
	})
}
