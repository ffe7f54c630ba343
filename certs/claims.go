package certs

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The claims a certificate's QR code carries (DESIGN §7, §8): a compact JWS
// (RFC 7515 §7.1) signed with Ed25519 (alg EdDSA, RFC 8037), so that a phone
// or the offline verifier can check a paper certificate without the server.
//
// The QR code holds the verification URL with the JWS in its fragment:
//
//	https://skills.example.org/v/<certificate id>#<JWS>
//
// Any phone camera opens the URL; the browser sends only /v/<id> to the
// server, never the fragment (RFC 3986 §3.5), so holder names stay out of
// access logs, proxies and Referer headers, and the server answers from its
// registry, which is the truth for online checks. The page's script, and
// `bayskills verify URL`, read the claims from the fragment and check them:
// that is how a QR whose claims disagree with the registry shows ALTERED.
//
// The JWS header is {"alg":"EdDSA","kid":"<key id>","typ":"bkc"}. The
// payload is a flat JSON object with short member names, because every byte
// is printed in the QR code; JWT-registered names (RFC 7519 §4.1) are used
// where one fits:
//
//	jti  certificate id: opaque, ≥ 128 random bits, base64url
//	no   certificate number, as printed (the 22-character Mainland number, …)
//	hn   holder's name in native script (简体/繁體), if any
//	hl   holder's name in Latin script, if any (at least one of hn, hl)
//	iss  issuer id (the certifying body)
//	sk   skill code
//	lv   level code in the issuer's own framework ("3", "QF4", …)
//	iat  issue time, NumericDate (Unix seconds)
//	exp  end of validity, NumericDate; absent: no expiry
//	sl   index in the issuer's Bitstring Status List (revocation)
//
// A realistic certificate takes 370–410 bytes of JWS, 425–460 with the
// URL: a QR code of version 16 or 17 (81 or 85 modules) at error correction
// M, whose modules are 0.35 mm wide in a 30 mm code.

// ClaimsType is the "typ" header of the QR's signed claims: bayskills
// certificate claims, version 1. A token of any other type (a signed
// credential, say) is refused, so one kind of signed object is never
// accepted in place of the other.
const ClaimsType = "bkc"

// CredentialJWSType is the "typ" header of a signed credential (VC-JOSE-COSE
// §3.1.1, "application/vc+jwt").
const CredentialJWSType = "vc+jwt"

// AlgEdDSA is the only JWS algorithm bayskills signs with and accepts
// (RFC 8037 §3.1: EdDSA, here always with Ed25519).
const AlgEdDSA = "EdDSA"

// MaxClaimsSize is the longest QR claims token ParseClaims reads, in bytes.
// IssueClaims refuses to make a longer one, so every token issued can be
// read back; a QR symbol much above it would be too dense to print at 30 mm.
const MaxClaimsSize = 2048

// Limits on the claims' text fields, in bytes of UTF-8. They keep every
// issued token under MaxClaimsSize with room to spare.
const (
	maxClaimsNumber = 40
	maxClaimsName   = 100
	maxClaimsCode   = 32 // issuer, skill
	maxClaimsLevel  = 16
)

// Claims are what a certificate's QR code states, signed by the issuer. They
// hold what an offline verifier must show to compare the paper with the
// person in front of them — who, what, at which level, from whom, when —
// and nothing more: never an identity-document number or a birth date, and
// no sibling certificates (they would not fit; the registry lists them).
//
// The holder's names are in clear rather than hashed: the paper prints them
// anyway, and a verifier that could only compare a hash would need the
// employer to type a Chinese name exactly as issued.
type Claims struct {
	ID          string    // certificate id (NewCertificateID): opaque, random, base64url
	Number      string    // certificate number as printed
	HolderName  string    // native script; at least one of HolderName and HolderLatin
	HolderLatin string    // Latin script
	Issuer      string    // issuer id
	Skill       string    // skill code
	Level       string    // level code in the issuer's framework
	IssuedAt    time.Time // issue time, in whole seconds (finer parts are dropped); UTC when parsed
	Expires     time.Time // end of validity; zero: does not expire
	StatusIndex int       // index in the issuer's revocation status list, 0 to math.MaxInt32
}

// gbaZone is the civil time of Guangdong, Hong Kong and Macao alike
// (UTC+8, no daylight saving time): the zone of printed issue dates.
var gbaZone = time.FixedZone("UTC+8", 8*60*60)

// IssueDate is the calendar date of issue as printed on the certificate,
// YYYY-MM-DD in the Greater Bay Area's time (UTC+8): a certificate signed
// at 07:00 in Guangzhou is dated that day, not the day before in UTC.
func (c Claims) IssueDate() string { return c.IssuedAt.In(gbaZone).Format(time.DateOnly) }

// ExpiredAt reports whether the certificate has expired at t. Signature
// checks do not depend on it: an expired certificate is genuine, and the
// verifier shows EXPIRED rather than ALTERED.
func (c Claims) ExpiredAt(t time.Time) bool { return !c.Expires.IsZero() && !t.Before(c.Expires) }

// Header is the protected header of a JWS that bayskills signs.
type Header struct {
	Alg string `json:"alg"` // always AlgEdDSA
	KID string `json:"kid"` // the signing key's id (KeyID)
	Typ string `json:"typ"` // ClaimsType or CredentialJWSType
}

// Errors of JWS checks. Every error ParseClaims and ParseCredentialJWS
// return matches one of them through errors.Is; the message adds what was
// wrong, never the token itself.
var (
	// ErrMalformedJWS: not a well-formed compact JWS of the expected type
	// (size, segments, base64url, JSON, header members).
	ErrMalformedJWS = errors.New("certs: malformed signed data")
	// ErrAlgorithmRefused: an "alg" other than EdDSA (none, HS256, RS256, …).
	ErrAlgorithmRefused = errors.New("certs: signature algorithm refused")
	// ErrUnknownKey: the "kid" names no key of the key set.
	ErrUnknownKey = errors.New("certs: unknown signing key")
	// ErrBadSignature: the signature does not verify with the named key.
	ErrBadSignature = errors.New("certs: signature does not verify")
	// ErrKeyWindow: signed at a time outside the key's validity window.
	ErrKeyWindow = errors.New("certs: signing key not valid at the signing time")
	// ErrKeyCompromised: signed at or after the key's compromise.
	ErrKeyCompromised = errors.New("certs: signing key compromised at or before the signing time")
	// ErrInvalidClaims: claims that are signed but incomplete or out of
	// range, or claims IssueClaims refuses to sign.
	ErrInvalidClaims = errors.New("certs: invalid certificate claims")
)

// CertificateIDBytes is the number of random bytes in a certificate id:
// 128 bits, so ids in URLs cannot be enumerated (DESIGN §8).
const CertificateIDBytes = 16

// NewCertificateID returns a fresh certificate id: 128 random bits,
// base64url without padding (22 characters).
func NewCertificateID() string {
	b := make([]byte, CertificateIDBytes)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidCertificateID reports whether id can be a certificate id: base64url
// (unpadded, canonical) of 16 to 32 bytes.
func ValidCertificateID(id string) bool {
	if len(id) < 22 || len(id) > 43 {
		return false
	}
	b, err := decodeSegment(id)
	return err == nil && len(b) >= CertificateIDBytes && len(b) <= 32
}

// VerifyURL is a certificate's verification page, <base>/v/<id>: the
// credential's id and, with the claims in its fragment, the QR's content.
func VerifyURL(base, id string) string { return strings.TrimRight(base, "/") + "/v/" + id }

// QRContent is what a certificate's QR code encodes: its verification URL
// with the signed claims in the fragment, <base>/v/<id>#<jws>.
func QRContent(base, id, jws string) string { return VerifyURL(base, id) + "#" + jws }

// ParseQRContent reads a scanned QR code (or a pasted verification URL),
// verifies its claims with keys like ParseClaims, and checks that they name
// the same certificate as the URL. It does not consult any registry: the
// caller still checks revocation (and says so when it cannot).
func ParseQRContent(content string, keys KeySet) (Claims, Header, error) {
	if len(content) > MaxClaimsSize+512 {
		return Claims{}, Header{}, fmt.Errorf("%w: QR content longer than %d bytes", ErrMalformedJWS, MaxClaimsSize+512)
	}
	u, jws, ok := strings.Cut(content, "#")
	if !ok || jws == "" {
		return Claims{}, Header{}, fmt.Errorf("%w: the URL carries no signed claims (no #fragment)", ErrMalformedJWS)
	}
	i := strings.LastIndex(u, "/v/")
	if i < 0 || !ValidCertificateID(u[i+3:]) {
		return Claims{}, Header{}, fmt.Errorf("%w: not a verification URL (…/v/<certificate id>)", ErrMalformedJWS)
	}
	c, h, err := ParseClaims(jws, keys)
	if err != nil {
		return Claims{}, Header{}, err
	}
	if c.ID != u[i+3:] {
		return Claims{}, Header{}, fmt.Errorf("%w: the URL names another certificate than its signed claims", ErrInvalidClaims)
	}
	return c, h, nil
}

// claimsJSON is the wire form of Claims; the file's opening comment
// describes its members.
type claimsJSON struct {
	ID          string `json:"jti"`
	Number      string `json:"no"`
	HolderName  string `json:"hn,omitempty"`
	HolderLatin string `json:"hl,omitempty"`
	Issuer      string `json:"iss"`
	Skill       string `json:"sk"`
	Level       string `json:"lv"`
	IssuedAt    int64  `json:"iat"`
	Expires     int64  `json:"exp,omitempty"`
	StatusIndex *int64 `json:"sl"` // a pointer, so that a missing index is told from 0
}

// Member names of the JSON objects checked by decodeStrictJSON.
var (
	claimsNames = jsonNames(claimsJSON{})
	headerNames = jsonNames(Header{}) // a header has these and nothing else
)

// jsonNames lists the JSON member names of struct v's fields, from their
// tags.
func jsonNames(v any) []string {
	t := reflect.TypeOf(v)
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// validate checks c as both IssueClaims and ParseClaims require it.
func (c Claims) validate() error {
	bad := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidClaims, msg) }
	switch {
	case !ValidCertificateID(c.ID):
		return bad("certificate id must be base64url of 16 to 32 random bytes")
	case !plainText(c.Number, maxClaimsNumber) || c.Number == "":
		return bad(fmt.Sprintf("certificate number must be 1 to %d bytes of text", maxClaimsNumber))
	case c.HolderName == "" && c.HolderLatin == "":
		return bad("holder name missing (native or Latin script)")
	case !plainText(c.HolderName, maxClaimsName) || !plainText(c.HolderLatin, maxClaimsName):
		return bad(fmt.Sprintf("holder names must be at most %d bytes of text", maxClaimsName))
	case !plainText(c.Issuer, maxClaimsCode) || c.Issuer == "":
		return bad(fmt.Sprintf("issuer id must be 1 to %d bytes of text", maxClaimsCode))
	case !plainText(c.Skill, maxClaimsCode) || c.Skill == "":
		return bad(fmt.Sprintf("skill code must be 1 to %d bytes of text", maxClaimsCode))
	case !plainText(c.Level, maxClaimsLevel) || c.Level == "":
		return bad(fmt.Sprintf("level must be 1 to %d bytes of text", maxClaimsLevel))
	case c.IssuedAt.Unix() <= 0:
		return bad("issue time missing")
	case !c.Expires.IsZero() && c.Expires.Unix() <= c.IssuedAt.Unix():
		return bad("expiry must be after the issue time")
	case c.StatusIndex < 0 || c.StatusIndex > math.MaxInt32:
		return bad("status list index must be 0 to 2147483647")
	}
	return nil
}

// plainText reports whether s is valid UTF-8 of at most max bytes with no
// control or format characters (line breaks, bidirectional overrides,
// zero-width joiners): they have no place in a name on a certificate and
// could make one text display as another.
func plainText(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.In(r, unicode.Cc, unicode.Cf) {
			return false
		}
	}
	return true
}

// IssueClaims signs c as the compact JWS a QR code carries, with the
// issuer's Ed25519 key (an ed25519.PrivateKey, or a *SigningKey holding
// one) under key id kid. It refuses incomplete claims and tokens longer than
// MaxClaimsSize.
func IssueClaims(c Claims, key crypto.Signer, kid string) (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	w := claimsJSON{
		ID: c.ID, Number: c.Number, HolderName: c.HolderName, HolderLatin: c.HolderLatin,
		Issuer: c.Issuer, Skill: c.Skill, Level: c.Level, IssuedAt: c.IssuedAt.Unix(),
	}
	if !c.Expires.IsZero() {
		w.Expires = c.Expires.Unix()
	}
	idx := int64(c.StatusIndex)
	w.StatusIndex = &idx
	payload, err := marshalCompact(w)
	if err != nil {
		return "", fmt.Errorf("certs: claims: %w", err)
	}
	jws, err := signJWS(Header{Alg: AlgEdDSA, KID: kid, Typ: ClaimsType}, payload, key)
	if err != nil {
		return "", err
	}
	if len(jws) > MaxClaimsSize {
		return "", fmt.Errorf("%w: signed claims take %d bytes, more than %d: shorten the names", ErrInvalidClaims, len(jws), MaxClaimsSize)
	}
	return jws, nil
}

// ParseClaims checks a QR's signed claims and returns them with the JWS
// header. It accepts only alg EdDSA, typ ClaimsType and a kid that keys
// resolves to an Ed25519 key; the signature must verify with that key, and
// the claims' issue time (iat) must fall in the key's validity window and
// before its compromise, if any. Expiry is not an error (see
// Claims.ExpiredAt), nor is revocation checked: the caller looks up
// StatusIndex in the issuer's status list. Bad input of any kind gives an
// error matching one of the Err* values above, never a panic.
func ParseClaims(jws string, keys KeySet) (Claims, Header, error) {
	h, payload, key, err := verifyJWS(jws, ClaimsType, MaxClaimsSize, keys)
	if err != nil {
		return Claims{}, Header{}, err
	}
	var w claimsJSON
	if err := decodeStrictJSON(payload, &w, claimsNames, false); err != nil {
		return Claims{}, Header{}, fmt.Errorf("%w: claims: %v", ErrMalformedJWS, err)
	}
	if w.StatusIndex == nil {
		return Claims{}, Header{}, fmt.Errorf("%w: status list index missing", ErrInvalidClaims)
	}
	if w.IssuedAt <= 0 || w.Expires < 0 || *w.StatusIndex < 0 || *w.StatusIndex > math.MaxInt32 {
		return Claims{}, Header{}, fmt.Errorf("%w: issue time, expiry or status index out of range", ErrInvalidClaims)
	}
	c := Claims{
		ID: w.ID, Number: w.Number, HolderName: w.HolderName, HolderLatin: w.HolderLatin,
		Issuer: w.Issuer, Skill: w.Skill, Level: w.Level, IssuedAt: time.Unix(w.IssuedAt, 0).UTC(),
		StatusIndex: int(*w.StatusIndex),
	}
	if w.Expires != 0 {
		c.Expires = time.Unix(w.Expires, 0).UTC()
	}
	if err := c.validate(); err != nil {
		return Claims{}, Header{}, err
	}
	if err := key.CheckSignedAt(c.IssuedAt); err != nil {
		return Claims{}, Header{}, err
	}
	return c, h, nil
}

// marshalCompact is json.Marshal without HTML escaping: "&" stays one byte
// rather than six, which counts in a QR code.
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// signJWS makes a compact JWS of payload under header h, signed with an
// Ed25519 key.
func signJWS(h Header, payload []byte, key crypto.Signer) (string, error) {
	if !validKID(h.KID) {
		return "", fmt.Errorf("certs: key id must be 1 to %d characters of base64url", maxKIDLength)
	}
	header, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("certs: JWS header: %w", err)
	}
	return signCompact(header, payload, key)
}

// signCompact signs the encoded header and payload (RFC 7515 §5.1) with an
// Ed25519 key and checks the signature before returning the token, so that
// a faulty signer never yields a certificate that fails verification.
func signCompact(header, payload []byte, key crypto.Signer) (string, error) {
	pub, err := ed25519Public(key)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := key.Sign(rand.Reader, []byte(input), crypto.Hash(0))
	if err != nil {
		return "", fmt.Errorf("certs: signing: %w", err)
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pub, []byte(input), sig) {
		return "", errors.New("certs: signing: the key returned a signature that does not verify")
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// ed25519Public returns key's Ed25519 public key, refusing other keys, and
// malformed Ed25519 keys on which the standard library would panic.
func ed25519Public(key crypto.Signer) (ed25519.PublicKey, error) {
	p, err := signerPublic(key)
	if err != nil {
		return nil, err
	}
	pub, ok := p.(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("certs: JWS are signed with Ed25519 keys only")
	}
	return pub, nil
}

// ClaimsKeyID returns the key id in the header of claims the caller
// already trusts, such as the registry's own copy, without verifying the
// signature: so a verifier can check the key's window (a compromise) at
// the cost of a header, not of a signature check. Never use it on claims
// from outside.
func ClaimsKeyID(jws string) (string, error) {
	head, _, ok := strings.Cut(jws, ".")
	raw, err := decodeSegment(head)
	var h Header
	if !ok || err != nil || decodeStrictJSON(raw, &h, headerNames, true) != nil || !validKID(h.KID) {
		return "", fmt.Errorf("%w: no key id in the header", ErrMalformedJWS)
	}
	return h.KID, nil
}

// PeekClaimsID returns the certificate id named in claims without
// verifying them, or "": only to find the registry's record of claims that
// are then compared with it in full (an altered PDF has no stored hash).
func PeekClaimsID(jws string) string {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 || len(jws) > MaxClaimsSize {
		return ""
	}
	var p struct {
		ID string `json:"jti"`
	}
	raw, err := decodeSegment(parts[1])
	if err != nil || json.Unmarshal(raw, &p) != nil || !ValidCertificateID(p.ID) {
		return ""
	}
	return p.ID
}

// verifyJWS checks the form of a compact JWS of type typ, at most max bytes
// long, finds its key in keys and verifies its signature. It returns the
// header, the decoded payload and the key; the caller checks the signing
// time against the key's window.
func verifyJWS(token, typ string, max int, keys KeySet) (Header, []byte, TrustedKey, error) {
	malformed := func(msg string) (Header, []byte, TrustedKey, error) {
		return Header{}, nil, TrustedKey{}, fmt.Errorf("%w: %s", ErrMalformedJWS, msg)
	}
	if len(token) > max {
		return malformed(fmt.Sprintf("longer than %d bytes", max))
	}
	if strings.Count(token, ".") != 2 {
		return malformed("a compact JWS has exactly three segments")
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c != '.' && !isBase64URL(c) {
			return malformed("a character outside base64url")
		}
	}
	seg := strings.SplitN(token, ".", 3)
	rawHeader, err := decodeSegment(seg[0])
	if err != nil || len(rawHeader) == 0 {
		return malformed("header is not base64url")
	}
	// Only alg, kid and typ: a header with anything else (jwk, jku, x5u,
	// crit, …) is refused, so no key or rule ever comes from the token.
	var h Header
	if err := decodeStrictJSON(rawHeader, &h, headerNames, true); err != nil {
		return malformed("header: " + err.Error())
	}
	if h.Alg != AlgEdDSA {
		return Header{}, nil, TrustedKey{}, fmt.Errorf("%w: only EdDSA (Ed25519) is accepted", ErrAlgorithmRefused)
	}
	if h.Typ != typ {
		return malformed(fmt.Sprintf("type must be %q", typ))
	}
	if !validKID(h.KID) {
		return malformed("key id missing or malformed")
	}
	key, ok := keys.Key(h.KID)
	if !ok {
		return Header{}, nil, TrustedKey{}, fmt.Errorf("%w: key id %s is not in the key set", ErrUnknownKey, h.KID)
	}
	pub, ok := key.Key.(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return Header{}, nil, TrustedKey{}, fmt.Errorf("%w: key %s is not an Ed25519 key", ErrAlgorithmRefused, h.KID)
	}
	sig, err := decodeSegment(seg[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return malformed("signature is not 64 bytes of base64url")
	}
	if !ed25519.Verify(pub, []byte(seg[0]+"."+seg[1]), sig) {
		return Header{}, nil, TrustedKey{}, fmt.Errorf("%w: key %s", ErrBadSignature, h.KID)
	}
	payload, err := decodeSegment(seg[1])
	if err != nil || len(payload) == 0 {
		return malformed("payload is not base64url")
	}
	return h, payload, key, nil
}

// isBase64URL reports whether c belongs to the base64url alphabet
// (RFC 4648 §5).
func isBase64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// decodeSegment decodes canonical, unpadded base64url. Unlike the standard
// decoder alone it refuses line breaks and other characters outside the
// alphabet, and (through Strict) non-zero trailing bits, so each byte
// string has exactly one encoding: a token cannot be altered without
// breaking it.
func decodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return nil, errors.New("not base64url")
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// decodeStrictJSON decodes data, which must be one JSON object of valid
// UTF-8, into v. It refuses member names repeated in any object — compared
// as encoding/json matches names, case-insensitively, so {"iat":1,"IAT":2}
// is refused rather than read as whichever comes last — and top-level names
// that differ from one of known only by case, which other JSON readers
// would not take for the same member. With onlyKnown, a top-level member
// not in known is refused too; otherwise it is ignored, so that a newer
// issuer may add members older verifiers skip.
func decodeStrictJSON(data []byte, v any, known []string, onlyKnown bool) error {
	if !utf8.Valid(data) {
		return errors.New("not valid UTF-8")
	}
	names, err := jsonObjectNames(data)
	if err != nil {
		return err
	}
	for _, n := range names {
		exact := false
		for _, k := range known {
			if n == k {
				exact = true
			} else if foldName(n) == foldName(k) {
				return fmt.Errorf("a member must be spelt exactly %q", k)
			}
		}
		if onlyKnown && !exact {
			return errors.New("unexpected member")
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errors.New("not the expected JSON object")
	}
	return nil
}

// maxJSONDepth bounds the nesting jsonObjectNames accepts.
const maxJSONDepth = 32

// jsonObjectNames checks that data is exactly one JSON object, with no name
// repeated (case-insensitively) in any of its objects, and returns the names
// of its top-level members.
func jsonObjectNames(data []byte) ([]string, error) {
	type frame struct {
		object  bool
		wantKey bool
		seen    map[string]bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var (
		stack []*frame
		top   []string
		done  bool
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if !done {
				return nil, errors.New("incomplete JSON")
			}
			return top, nil
		}
		if err != nil {
			return nil, errors.New("not valid JSON")
		}
		if done {
			return nil, errors.New("data after the JSON object")
		}
		if len(stack) == 0 {
			if tok != json.Delim('{') {
				return nil, errors.New("not a JSON object")
			}
			stack = append(stack, &frame{object: true, wantKey: true, seen: map[string]bool{}})
			continue
		}
		f := stack[len(stack)-1]
		if f.object && f.wantKey {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
			} else {
				name := tok.(string) // in key position, Token returns only strings or '}'
				fold := foldName(name)
				if f.seen[fold] {
					return nil, errors.New("a member name is repeated")
				}
				f.seen[fold] = true
				if len(stack) == 1 {
					top = append(top, name)
				}
				f.wantKey = false
				continue
			}
		} else {
			switch tok {
			case json.Delim('{'), json.Delim('['):
				if len(stack) >= maxJSONDepth {
					return nil, errors.New("nested too deeply")
				}
				stack = append(stack, &frame{object: tok == json.Delim('{'), wantKey: true, seen: map[string]bool{}})
				continue
			case json.Delim(']'):
				stack = stack[:len(stack)-1]
			}
		}
		// A value has just ended (a scalar, or a closed object or array):
		// the enclosing object, if any, expects a name next.
		if len(stack) == 0 {
			done = true
		} else if p := stack[len(stack)-1]; p.object {
			p.wantKey = true
		}
	}
}

// foldName maps each character of s to the smallest member of its Unicode
// simple case-folding orbit, so that foldName(a) == foldName(b) exactly when
// strings.EqualFold(a, b) — the matching encoding/json applies to member
// names (the Kelvin sign K matches "k", and ſ matches "s").
func foldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
