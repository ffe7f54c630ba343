package certs

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"time"
)

// Issuer keys (DESIGN §7, §8). Each issuer has an Ed25519 key that signs
// the QR claims (and the credential JWS), and an ECDSA P-256 or RSA key with
// an X.509 certificate that signs the PDF. Keys are rotated, never deleted:
// every key keeps its validity window, published in the JWKS, so that
// certificates signed by an older key still verify, and a key marked
// compromised fails whatever was signed at or after its compromise.

// KeyType is the kind of an issuer key.
type KeyType string

// The issuer key types.
const (
	// KeyEd25519 signs the QR claims and the credential JWS (alg EdDSA).
	KeyEd25519 KeyType = "Ed25519"
	// KeyP256 is ECDSA on P-256, for PDF signatures (ES256).
	KeyP256 KeyType = "P-256"
	// KeyRSA is RSA of at least 2048 bits, for PDF signatures (RS256):
	// GenerateKey makes 2048-bit keys.
	KeyRSA KeyType = "RSA"
)

// minRSABits is the smallest RSA key accepted, to sign or to verify.
const minRSABits = 2048

// maxRSABits bounds RSA keys read from a JWKS, so that a hostile key set
// cannot make verification arbitrarily slow.
const maxRSABits = 8192

// maxKIDLength is the longest key id accepted.
const maxKIDLength = 64

// kidBytes is the length of a key id's thumbprint prefix: 96 bits.
const kidBytes = 12

// validKID reports whether kid is 1 to maxKIDLength base64url characters:
// safe in a URL, a header and an error message.
func validKID(kid string) bool {
	if kid == "" || len(kid) > maxKIDLength {
		return false
	}
	for i := 0; i < len(kid); i++ {
		if !isBase64URL(kid[i]) {
			return false
		}
	}
	return true
}

// KeyID returns the key id of pub: the first 96 bits of its RFC 7638 JWK
// thumbprint (SHA-256), base64url — 16 characters. The id is short because
// it is printed in every QR code. It is only a name: a signature verifies
// with the public key a KeySet holds under that name, never with anything
// the token carries, and a KeySet refuses two keys of one name.
func KeyID(pub crypto.PublicKey) (string, error) {
	t, err := jwkThumbprint(pub)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(t[:kidBytes]), nil
}

// jwkThumbprint is the RFC 7638 thumbprint of pub: SHA-256 of its required
// JWK members, in lexicographic order, without white space (RFC 7638 §3.2,
// RFC 8037 §2 for OKP).
func jwkThumbprint(pub crypto.PublicKey) ([]byte, error) {
	j, err := jwkMaterial(pub)
	if err != nil {
		return nil, err
	}
	var s string
	switch j.Kty {
	case "OKP", "EC":
		s = `{"crv":"` + j.Crv + `","kty":"` + j.Kty + `","x":"` + j.X + `"`
		if j.Kty == "EC" {
			s += `,"y":"` + j.Y + `"`
		}
		s += "}"
	case "RSA":
		s = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	}
	sum := sha256.Sum256([]byte(s))
	return sum[:], nil
}

// jwkMaterial returns the JWK members that describe pub (kty, crv, x, y, n,
// e), refusing key types and sizes bayskills does not use.
func jwkMaterial(pub crypto.PublicKey) (JWK, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return JWK{}, errors.New("certs: malformed Ed25519 public key")
		}
		return JWK{Kty: "OKP", Crv: "Ed25519", X: b64(k), Alg: AlgEdDSA}, nil
	case *ecdsa.PublicKey:
		if k == nil || k.Curve != elliptic.P256() {
			return JWK{}, errors.New("certs: ECDSA keys must be on P-256")
		}
		p, err := k.Bytes()
		if err != nil || len(p) != 65 {
			return JWK{}, errors.New("certs: malformed P-256 public key")
		}
		return JWK{Kty: "EC", Crv: "P-256", X: b64(p[1:33]), Y: b64(p[33:]), Alg: "ES256"}, nil
	case *rsa.PublicKey:
		if k == nil || k.N == nil || k.N.BitLen() < minRSABits || k.N.BitLen() > maxRSABits || k.E < 3 || k.E%2 == 0 {
			return JWK{}, fmt.Errorf("certs: RSA keys must have %d to %d bits and an odd exponent ≥ 3", minRSABits, maxRSABits)
		}
		return JWK{Kty: "RSA", N: b64(k.N.Bytes()), E: b64(big.NewInt(int64(k.E)).Bytes()), Alg: "RS256"}, nil
	}
	return JWK{}, fmt.Errorf("certs: unsupported public key type %T", pub)
}

// SigningKey is an issuer's private key with its key id. It signs through
// crypto.Signer (PDF signatures, X.509 certificates, JWS) without handing
// out the key, and never shows the key when printed: fmt, log/slog and
// encoding/json see its id and type only.
type SigningKey struct {
	kid  string
	typ  KeyType
	priv *privateKey // behind a pointer: printed from inside another value, fmt shows an address
}

// privateKey holds the key material of a SigningKey.
type privateKey struct{ signer crypto.Signer }

// GenerateKey makes a new issuer key of type t, its id its KeyID.
func GenerateKey(t KeyType) (*SigningKey, error) {
	var (
		key crypto.PrivateKey
		err error
	)
	switch t {
	case KeyEd25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case KeyP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KeyRSA:
		key, err = rsa.GenerateKey(rand.Reader, minRSABits)
	default:
		return nil, fmt.Errorf("certs: unknown key type %q", t)
	}
	if err != nil {
		return nil, fmt.Errorf("certs: generating a %s key: %w", t, err)
	}
	signer, _, err := checkPrivateKey(key)
	if err != nil {
		return nil, err
	}
	kid, err := KeyID(signer.Public())
	if err != nil {
		return nil, err
	}
	return NewSigningKey(kid, key)
}

// NewSigningKey wraps an Ed25519, ECDSA P-256 or RSA (≥ 2048 bits) private
// key under key id kid.
func NewSigningKey(kid string, key crypto.PrivateKey) (*SigningKey, error) {
	if !validKID(kid) {
		return nil, fmt.Errorf("certs: key id must be 1 to %d characters of base64url", maxKIDLength)
	}
	signer, t, err := checkPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &SigningKey{kid: kid, typ: t, priv: &privateKey{signer: signer}}, nil
}

// checkPrivateKey returns key as a crypto.Signer with its type, refusing
// other key types and malformed keys the standard library would panic on.
func checkPrivateKey(key crypto.PrivateKey) (crypto.Signer, KeyType, error) {
	switch k := key.(type) {
	case *SigningKey:
		if k == nil || k.priv == nil {
			return nil, "", errors.New("certs: no private key")
		}
		return k.priv.signer, k.typ, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, "", errors.New("certs: malformed Ed25519 private key")
		}
		return k, KeyEd25519, nil
	case *ecdsa.PrivateKey:
		if k == nil || k.Curve != elliptic.P256() {
			return nil, "", errors.New("certs: ECDSA keys must be on P-256")
		}
		if _, err := k.Bytes(); err != nil {
			return nil, "", errors.New("certs: malformed P-256 private key")
		}
		return k, KeyP256, nil
	case *rsa.PrivateKey:
		if k == nil || k.N == nil || k.N.BitLen() < minRSABits {
			return nil, "", fmt.Errorf("certs: RSA keys must have at least %d bits", minRSABits)
		}
		if err := k.Validate(); err != nil {
			return nil, "", errors.New("certs: malformed RSA private key")
		}
		return k, KeyRSA, nil
	}
	return nil, "", fmt.Errorf("certs: unsupported private key type %T", key)
}

// KID returns the key's id.
func (k *SigningKey) KID() string {
	if k == nil {
		return ""
	}
	return k.kid
}

// Type returns the key's type.
func (k *SigningKey) Type() KeyType {
	if k == nil {
		return ""
	}
	return k.typ
}

// Public returns the public key (crypto.Signer); nil for a nil key.
func (k *SigningKey) Public() crypto.PublicKey {
	if k == nil || k.priv == nil {
		return nil
	}
	return k.priv.signer.Public()
}

// Sign signs digest with the key (crypto.Signer): for Ed25519 the whole
// message with opts crypto.Hash(0), for ECDSA and RSA a digest.
func (k *SigningKey) Sign(rnd io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if k == nil || k.priv == nil {
		return nil, errors.New("certs: no private key")
	}
	return k.priv.signer.Sign(rnd, digest, opts)
}

// String describes the key without its secret.
func (k *SigningKey) String() string {
	if k == nil {
		return "<nil SigningKey>"
	}
	return fmt.Sprintf("SigningKey{kid: %s, type: %s, private key: [redacted]}", k.kid, k.typ)
}

// GoString is String, for %#v.
func (k *SigningKey) GoString() string { return k.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %x, %q, …), so
// no verb reaches the key material.
func (k *SigningKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue shows the key's id and type in structured logs (log/slog).
func (k *SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.KID()), slog.String("type", string(k.Type())))
}

// MarshalJSON writes the key's id and type only.
func (k *SigningKey) MarshalJSON() ([]byte, error) {
	return marshalCompact(struct {
		KID  string  `json:"kid"`
		Type KeyType `json:"type"`
	}{k.KID(), k.Type()})
}

// Encryption of private keys at rest. A sealed key is
//
//	"bk1:" base64url( salt (16) | nonce (12) | AES-256-GCM ciphertext and tag )
//
// where the AES key is HKDF-SHA256(master, salt, info "bayskills key v1")
// and the plaintext is the PKCS #8 DER of the private key. The additional
// data is "bk1:" followed by the key id, so a sealed key moved to another
// key's row, or read under another id, fails to open. A fresh salt per
// seal gives a fresh AES key each time, so nonces never repeat under one.
const (
	sealedPrefix = "bk1:"
	sealInfo     = "bayskills key v1"
	sealSaltSize = 16
	maxSealed    = 16 << 10 // far above an RSA-4096 key's 3.3 KB
)

// MinMasterKeySize is the shortest master secret SealKey and OpenKey
// accept, in bytes: 256 bits of a random secret (BAYSKILLS_MASTER_KEY or a
// key file), not a password — HKDF does not slow down guessing.
const MinMasterKeySize = 32

// ErrSealedKey is returned when a sealed key does not open: the master key
// or the key id is not the one it was sealed with, or the data was altered.
// AES-GCM cannot tell these apart.
var ErrSealedKey = errors.New("certs: cannot open the sealed key: wrong master key, wrong key id, or altered data")

// SealKey encrypts an issuer's private key (Ed25519, ECDSA P-256, RSA, or a
// *SigningKey) for storage, bound to its key id kid.
func SealKey(master []byte, kid string, key crypto.PrivateKey) (string, error) {
	if len(master) < MinMasterKeySize {
		return "", fmt.Errorf("certs: the master key must be at least %d bytes", MinMasterKeySize)
	}
	if !validKID(kid) {
		return "", fmt.Errorf("certs: key id must be 1 to %d characters of base64url", maxKIDLength)
	}
	signer, _, err := checkPrivateKey(key)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return "", fmt.Errorf("certs: sealing: %w", err)
	}
	defer clear(der)
	salt := make([]byte, sealSaltSize)
	rand.Read(salt)
	aead, err := sealAEAD(master, salt)
	if err != nil {
		return "", err
	}
	out := make([]byte, 0, sealSaltSize+aead.NonceSize()+len(der)+aead.Overhead())
	out = append(out, salt...)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	out = aead.Seal(out, nonce, der, []byte(sealedPrefix+kid))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// OpenKey decrypts a key sealed by SealKey with the same master key and key
// id. It returns an ed25519.PrivateKey, *ecdsa.PrivateKey or
// *rsa.PrivateKey; prefer OpenSigningKey, whose result cannot be printed.
func OpenKey(master []byte, kid, sealed string) (crypto.PrivateKey, error) {
	if len(master) < MinMasterKeySize {
		return nil, fmt.Errorf("certs: the master key must be at least %d bytes", MinMasterKeySize)
	}
	if len(sealed) > maxSealed {
		return nil, errors.New("certs: sealed key too long")
	}
	body, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		if i := strings.IndexByte(sealed, ':'); i > 0 && i < 8 && strings.HasPrefix(sealed, "bk") {
			return nil, errors.New("certs: sealed key of an unsupported version (this program reads bk1)")
		}
		return nil, errors.New(`certs: not a sealed key (no "bk1:" prefix)`)
	}
	raw, err := decodeSegment(body)
	if err != nil {
		return nil, errors.New("certs: sealed key is not valid base64url")
	}
	if len(raw) < sealSaltSize+12+16 {
		return nil, errors.New("certs: sealed key too short")
	}
	aead, err := sealAEAD(master, raw[:sealSaltSize])
	if err != nil {
		return nil, err
	}
	nonce := raw[sealSaltSize : sealSaltSize+aead.NonceSize()]
	der, err := aead.Open(nil, nonce, raw[sealSaltSize+aead.NonceSize():], []byte(sealedPrefix+kid))
	if err != nil {
		return nil, ErrSealedKey
	}
	defer clear(der)
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errors.New("certs: sealed key holds no readable PKCS #8 key")
	}
	if _, _, err := checkPrivateKey(key); err != nil {
		return nil, err
	}
	return key, nil
}

// OpenSigningKey opens a sealed key (OpenKey) as a SigningKey with id kid.
func OpenSigningKey(master []byte, kid, sealed string) (*SigningKey, error) {
	key, err := OpenKey(master, kid, sealed)
	if err != nil {
		return nil, err
	}
	return NewSigningKey(kid, key)
}

// sealAEAD derives the AES-256-GCM cipher for one salt.
func sealAEAD(master, salt []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, master, salt, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("certs: deriving the key encryption key: %w", err)
	}
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return cipher.NewGCM(block)
}

// CertificateSubject names an issuer (or a demo CA) in an X.509 certificate
// and says when the certificate is valid.
type CertificateSubject struct {
	CommonName   string // shown by PDF readers as the signer, e.g. the issuer's English name
	Organization string // optional
	Country      string // optional ISO 3166-1 alpha-2 code: CN, HK, MO
	NotBefore    time.Time
	NotAfter     time.Time
}

// SelfSignedCertificate makes a self-signed X.509 certificate for an
// issuer's PDF-signing key (ECDSA P-256 or RSA). PDF readers check the
// signature but show the signer as not trusted until the certificate (or
// its CA) is trusted: with a demo CA, trusting that CA once is enough.
func SelfSignedCertificate(key crypto.Signer, s CertificateSubject) (*x509.Certificate, error) {
	pub, err := signerPublic(key)
	if err != nil {
		return nil, err
	}
	tmpl, err := certificateTemplate(pub, s)
	if err != nil {
		return nil, err
	}
	return createCertificate(tmpl, tmpl, pub, key)
}

// DemoCACertificate makes a self-signed CA certificate (key usage
// certificate and CRL signing, no intermediate CAs below it), for the demo
// issuers' certificates (IssuerCertificate).
func DemoCACertificate(key crypto.Signer, s CertificateSubject) (*x509.Certificate, error) {
	pub, err := signerPublic(key)
	if err != nil {
		return nil, err
	}
	tmpl, err := certificateTemplate(pub, s)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	tmpl.IsCA = true
	tmpl.MaxPathLenZero = true
	return createCertificate(tmpl, tmpl, pub, key)
}

// IssuerCertificate makes the certificate of an issuer's PDF-signing public
// key (ECDSA P-256 or RSA), signed by a CA. Its validity must lie within
// the CA's.
func IssuerCertificate(pub crypto.PublicKey, s CertificateSubject, ca *x509.Certificate, caKey crypto.Signer) (*x509.Certificate, error) {
	if ca == nil {
		return nil, errors.New("certs: no CA certificate")
	}
	if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errors.New("certs: the CA certificate may not sign certificates")
	}
	caPub, err := signerPublic(caKey)
	if err != nil {
		return nil, err
	}
	if p, ok := caPub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !p.Equal(ca.PublicKey) {
		return nil, errors.New("certs: the CA key does not belong to the CA certificate")
	}
	if s.NotBefore.Before(ca.NotBefore) || s.NotAfter.After(ca.NotAfter) {
		return nil, errors.New("certs: the certificate's validity must lie within the CA's")
	}
	tmpl, err := certificateTemplate(pub, s)
	if err != nil {
		return nil, err
	}
	return createCertificate(tmpl, ca, pub, caKey)
}

// certificateTemplate is the template of an issuer's signing certificate
// for pub: key usage digitalSignature and nonRepudiation (contentCommitment)
// — what a document signature asserts. It has no extended key usage, which
// PDF readers take as "any use"; some refuse keys whose extended usages
// leave out the one they look for.
func certificateTemplate(pub crypto.PublicKey, s CertificateSubject) (*x509.Certificate, error) {
	switch p := pub.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
		if _, err := jwkMaterial(p); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("certs: X.509 certificates are for PDF-signing keys (ECDSA P-256 or RSA); Ed25519 keys sign claims")
	}
	switch {
	case !plainText(s.CommonName, 64) || strings.TrimSpace(s.CommonName) == "":
		return nil, errors.New("certs: certificate common name must be 1 to 64 bytes of text")
	case !plainText(s.Organization, 64):
		return nil, errors.New("certs: certificate organization must be at most 64 bytes of text")
	case s.Country != "" && (len(s.Country) != 2 || s.Country[0] < 'A' || s.Country[0] > 'Z' || s.Country[1] < 'A' || s.Country[1] > 'Z'):
		return nil, errors.New("certs: certificate country must be an ISO 3166-1 alpha-2 code such as CN, HK or MO")
	case s.NotBefore.IsZero() || !s.NotAfter.After(s.NotBefore):
		return nil, errors.New("certs: certificate validity needs a start and a later end")
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	ski := sha256.Sum256(spki)
	serial := make([]byte, 16)
	rand.Read(serial)
	serial[0] &= 0x7f // positive
	serial[0] |= 0x40 // and 16 bytes long, never a leading zero byte
	name := pkix.Name{CommonName: s.CommonName}
	if s.Organization != "" {
		name.Organization = []string{s.Organization}
	}
	if s.Country != "" {
		name.Country = []string{s.Country}
	}
	return &x509.Certificate{
		SerialNumber:          new(big.Int).SetBytes(serial),
		Subject:               name,
		NotBefore:             s.NotBefore,
		NotAfter:              s.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski[:20],
	}, nil
}

// signerPublic returns key's public key, refusing a missing or malformed
// key of the standard types rather than panicking on it; other signers
// (a hardware module, say) are asked as they are.
func signerPublic(key crypto.Signer) (crypto.PublicKey, error) {
	switch key.(type) {
	case *SigningKey, ed25519.PrivateKey, *ecdsa.PrivateKey, *rsa.PrivateKey:
		s, _, err := checkPrivateKey(key)
		if err != nil {
			return nil, err
		}
		return s.Public(), nil
	case nil:
		return nil, errors.New("certs: no signing key")
	}
	return key.Public(), nil
}

// createCertificate signs tmpl with parent's key and parses the result.
func createCertificate(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("certs: creating the certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// TrustedKey is a public key a verifier trusts, with the window in which
// it may have signed. A signature made outside [NotBefore, NotAfter], or at
// or after CompromisedAt, does not count; zero times leave that side open.
// NotAfter ends the key's signing, not the life of what it signed: a key
// rotated out keeps verifying the certificates it issued.
type TrustedKey struct {
	KID           string
	Key           crypto.PublicKey // ed25519.PublicKey, *ecdsa.PublicKey (P-256) or *rsa.PublicKey
	NotBefore     time.Time
	NotAfter      time.Time
	CompromisedAt time.Time
}

// CheckSignedAt reports whether k may have signed at t: ErrKeyWindow
// outside its window, ErrKeyCompromised at or after its compromise. The
// claims' iat, a credential's validFrom and a PDF signature's signing time
// are the t checked.
func (k TrustedKey) CheckSignedAt(t time.Time) error {
	const layout = time.RFC3339
	switch {
	case !k.CompromisedAt.IsZero() && !t.Before(k.CompromisedAt):
		return fmt.Errorf("%w: key %s compromised at %s, signed at %s", ErrKeyCompromised, k.KID, k.CompromisedAt.UTC().Format(layout), t.UTC().Format(layout))
	case !k.NotBefore.IsZero() && t.Before(k.NotBefore):
		return fmt.Errorf("%w: key %s valid from %s, signed at %s", ErrKeyWindow, k.KID, k.NotBefore.UTC().Format(layout), t.UTC().Format(layout))
	case !k.NotAfter.IsZero() && t.After(k.NotAfter):
		return fmt.Errorf("%w: key %s valid until %s, signed at %s", ErrKeyWindow, k.KID, k.NotAfter.UTC().Format(layout), t.UTC().Format(layout))
	}
	return nil
}

// check refuses a malformed trusted key.
func (k TrustedKey) check() error {
	if !validKID(k.KID) {
		return fmt.Errorf("certs: key id must be 1 to %d characters of base64url", maxKIDLength)
	}
	if _, err := jwkMaterial(k.Key); err != nil {
		return fmt.Errorf("certs: key %s: %w", k.KID, err)
	}
	if !k.NotBefore.IsZero() && !k.NotAfter.IsZero() && k.NotAfter.Before(k.NotBefore) {
		return fmt.Errorf("certs: key %s: validity window ends before it starts", k.KID)
	}
	return nil
}

// KeySet is the keys a verifier trusts, by key id: the server's from its
// store, the offline verifier's from a pinned JWKS (ParseJWKS). The zero
// KeySet is empty.
type KeySet struct{ keys map[string]TrustedKey }

// NewKeySet makes a key set, refusing malformed keys, repeated ids and a
// key listed twice (KeyFor must find one window for one key).
func NewKeySet(keys ...TrustedKey) (KeySet, error) {
	s := KeySet{keys: make(map[string]TrustedKey, len(keys))}
	for _, k := range keys {
		if err := k.check(); err != nil {
			return KeySet{}, err
		}
		if _, dup := s.keys[k.KID]; dup {
			return KeySet{}, fmt.Errorf("certs: key id %s appears twice in the key set", k.KID)
		}
		if other, dup := s.KeyFor(k.Key); dup {
			return KeySet{}, fmt.Errorf("certs: keys %s and %s are the same key", other.KID, k.KID)
		}
		s.keys[k.KID] = k
	}
	return s, nil
}

// Key returns the key named kid.
func (s KeySet) Key(kid string) (TrustedKey, bool) {
	k, ok := s.keys[kid]
	return k, ok
}

// KeyFor returns the trusted key equal to pub, such as the public key of a
// PDF signature's certificate, so that its window can be checked too.
func (s KeySet) KeyFor(pub crypto.PublicKey) (TrustedKey, bool) {
	p, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return TrustedKey{}, false
	}
	for _, k := range s.keys {
		if p.Equal(k.Key) {
			return k, true
		}
	}
	return TrustedKey{}, false
}

// Len is the number of keys in the set.
func (s KeySet) Len() int { return len(s.keys) }

// JWK is a public key as published in /.well-known/jwks.json (RFC 7517),
// with its validity window in the members OpenID Federation 1.0 gives
// historical keys: nbf and exp (NumericDate) bound when the key may sign,
// and revoked.revoked_at marks a compromise, after which nothing it signed
// counts. exp is not an expiry of what the key signed: keys are rotated,
// never deleted, and old certificates keep verifying.
type JWK struct {
	Kty     string      `json:"kty"`
	KID     string      `json:"kid"`
	Use     string      `json:"use,omitempty"`
	Alg     string      `json:"alg,omitempty"`
	Crv     string      `json:"crv,omitempty"`
	X       string      `json:"x,omitempty"`
	Y       string      `json:"y,omitempty"`
	N       string      `json:"n,omitempty"`
	E       string      `json:"e,omitempty"`
	X5C     []string    `json:"x5c,omitempty"` // optional: the PDF key's certificate chain, base64 DER (RFC 7517 §4.7)
	NBF     int64       `json:"nbf,omitempty"`
	Exp     int64       `json:"exp,omitempty"`
	Revoked *JWKRevoked `json:"revoked,omitempty"`
}

// JWKRevoked marks a key as revoked from RevokedAt on (NumericDate).
type JWKRevoked struct {
	RevokedAt int64  `json:"revoked_at"`
	Reason    string `json:"reason,omitempty"` // "compromised" when PublicJWK writes it
}

// JWKS is a JWK set: json.Marshal(JWKS{Keys: …}) is the body of
// /.well-known/jwks.json.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK describes pub, under key id kid, as a JWK with its validity
// window; zero times are left out. Times are written in whole seconds.
func PublicJWK(kid string, pub crypto.PublicKey, notBefore, notAfter, compromisedAt time.Time) (JWK, error) {
	k := TrustedKey{KID: kid, Key: pub, NotBefore: notBefore, NotAfter: notAfter, CompromisedAt: compromisedAt}
	if err := k.check(); err != nil {
		return JWK{}, err
	}
	j, err := jwkMaterial(pub)
	if err != nil {
		return JWK{}, err
	}
	j.KID, j.Use = kid, "sig"
	if !notBefore.IsZero() {
		j.NBF = notBefore.Unix()
	}
	if !notAfter.IsZero() {
		j.Exp = notAfter.Unix()
	}
	if !compromisedAt.IsZero() {
		j.Revoked = &JWKRevoked{RevokedAt: compromisedAt.Unix(), Reason: "compromised"}
	}
	return j, nil
}

// maxJWKS is the largest JWKS ParseJWKS reads.
const maxJWKS = 1 << 20

// ParseJWKS reads a JWKS published by PublicJWK (a pinned copy, for the
// offline verifier) into a KeySet. Keys whose type or curve bayskills does
// not use, and keys for another use than "sig", are skipped (RFC 7517 §5);
// a key of a known type with bad members, or a repeated key id, fails the
// whole set.
func ParseJWKS(data []byte) (KeySet, error) {
	if len(data) > maxJWKS {
		return KeySet{}, fmt.Errorf("certs: JWKS larger than %d bytes", maxJWKS)
	}
	var set struct {
		Keys []JWK `json:"keys"`
	}
	if err := decodeStrictJSON(data, &set, []string{"keys"}, false); err != nil {
		return KeySet{}, fmt.Errorf("certs: JWKS: %w", err)
	}
	if set.Keys == nil {
		return KeySet{}, errors.New(`certs: JWKS: no "keys" array`)
	}
	var keys []TrustedKey
	for i, j := range set.Keys {
		k, ok, err := trustedKeyFromJWK(j)
		if err != nil {
			return KeySet{}, fmt.Errorf("certs: JWKS key %d: %w", i, err)
		}
		if ok {
			keys = append(keys, k)
		}
	}
	return NewKeySet(keys...)
}

// trustedKeyFromJWK reads one JWK; ok is false for a key to skip.
func trustedKeyFromJWK(j JWK) (k TrustedKey, ok bool, err error) {
	if j.Use != "" && j.Use != "sig" {
		return TrustedKey{}, false, nil
	}
	coord := func(s string) ([]byte, error) {
		b, err := decodeSegment(s)
		if err != nil || len(b) != 32 {
			return nil, errors.New("coordinates must be 32 bytes of base64url")
		}
		return b, nil
	}
	switch {
	case j.Kty == "OKP" && j.Crv == "Ed25519":
		x, err := coord(j.X)
		if err != nil {
			return TrustedKey{}, false, err
		}
		k.Key = ed25519.PublicKey(x)
		ok = j.Alg == "" || j.Alg == AlgEdDSA || j.Alg == "Ed25519"
	case j.Kty == "EC" && j.Crv == "P-256":
		x, err := coord(j.X)
		if err != nil {
			return TrustedKey{}, false, err
		}
		y, err := coord(j.Y)
		if err != nil {
			return TrustedKey{}, false, err
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return TrustedKey{}, false, errors.New("not a point on P-256")
		}
		k.Key = pub
		ok = j.Alg == "" || j.Alg == "ES256"
	case j.Kty == "RSA":
		n, errN := decodeSegment(j.N)
		e, errE := decodeSegment(j.E)
		if errN != nil || errE != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return TrustedKey{}, false, errors.New("RSA n and e must be base64url, e at most 4 bytes")
		}
		k.Key = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		ok = j.Alg == "" || j.Alg == "RS256" || j.Alg == "PS256"
	default:
		return TrustedKey{}, false, nil
	}
	if !ok {
		return TrustedKey{}, false, errors.New("alg does not match the key type")
	}
	k.KID = j.KID
	if j.NBF != 0 {
		k.NotBefore = time.Unix(j.NBF, 0).UTC()
	}
	if j.Exp != 0 {
		k.NotAfter = time.Unix(j.Exp, 0).UTC()
	}
	if j.Revoked != nil {
		if j.Revoked.RevokedAt <= 0 {
			return TrustedKey{}, false, errors.New("revoked without revoked_at")
		}
		k.CompromisedAt = time.Unix(j.Revoked.RevokedAt, 0).UTC()
	}
	if err := k.check(); err != nil {
		return TrustedKey{}, false, err
	}
	return k, true, nil
}
