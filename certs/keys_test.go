package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKeys generates one key of each type once: RSA generation is slow.
var testKeys = sync.OnceValues(func() (map[KeyType]*SigningKey, error) {
	keys := map[KeyType]*SigningKey{}
	for _, t := range []KeyType{KeyEd25519, KeyP256, KeyRSA} {
		k, err := GenerateKey(t)
		if err != nil {
			return nil, err
		}
		keys[t] = k
	}
	return keys, nil
})

func mustTestKeys(t testing.TB) map[KeyType]*SigningKey {
	t.Helper()
	keys, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// testMaster is a 32-byte master key.
var testMaster = []byte("0123456789abcdef0123456789abcdef")

// TestJWKThumbprintVectors checks thumbprints against the RFCs' examples:
// RFC 7638 §3.1 (RSA) and RFC 8037 Appendix A.3 (Ed25519).
func TestJWKThumbprintVectors(t *testing.T) {
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	tests := []struct {
		name string
		pub  crypto.PublicKey
		want string
	}{
		{"RFC 7638 RSA", &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		{"RFC 8037 Ed25519", ed25519.PublicKey(x), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := jwkThumbprint(tt.pub)
			if err != nil {
				t.Fatal(err)
			}
			if got := base64.RawURLEncoding.EncodeToString(tp); got != tt.want {
				t.Fatalf("thumbprint = %s, want %s", got, tt.want)
			}
			kid, err := KeyID(tt.pub)
			if err != nil || kid != tt.want[:16] {
				t.Fatalf("KeyID = %s, %v; want %s", kid, err, tt.want[:16])
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	for typ, k := range mustTestKeys(t) {
		t.Run(string(typ), func(t *testing.T) {
			if k.Type() != typ {
				t.Errorf("Type = %s", k.Type())
			}
			kid, err := KeyID(k.Public())
			if err != nil || k.KID() != kid || len(kid) != 16 {
				t.Errorf("KID = %q, KeyID = %q, %v", k.KID(), kid, err)
			}
			msg := []byte("certificate")
			digest := sha256.Sum256(msg)
			switch pub := k.Public().(type) {
			case ed25519.PublicKey:
				sig, err := k.Sign(rand.Reader, msg, crypto.Hash(0))
				if err != nil || !ed25519.Verify(pub, msg, sig) {
					t.Errorf("Ed25519 signature: %v", err)
				}
			case *ecdsa.PublicKey:
				sig, err := k.Sign(rand.Reader, digest[:], crypto.SHA256)
				if err != nil || !ecdsa.VerifyASN1(pub, digest[:], sig) {
					t.Errorf("ECDSA signature: %v", err)
				}
			case *rsa.PublicKey:
				sig, err := k.Sign(rand.Reader, digest[:], crypto.SHA256)
				if err != nil || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil || pub.N.BitLen() != 2048 {
					t.Errorf("RSA signature: %v", err)
				}
			default:
				t.Errorf("public key %T", pub)
			}
		})
	}
	if _, err := GenerateKey("DSA"); err == nil {
		t.Error("GenerateKey(DSA) succeeded")
	}
}

func TestSealOpenKey(t *testing.T) {
	for typ, k := range mustTestKeys(t) {
		t.Run(string(typ), func(t *testing.T) {
			sealed, err := SealKey(testMaster, k.KID(), k)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sealed, "bk1:") {
				t.Fatalf("sealed = %.10s…, want the bk1: prefix", sealed)
			}
			again, _ := SealKey(testMaster, k.KID(), k)
			if again == sealed {
				t.Error("two seals of one key are equal: salt or nonce reused")
			}
			raw, err := OpenKey(testMaster, k.KID(), sealed)
			if err != nil {
				t.Fatal(err)
			}
			if !raw.(interface{ Equal(crypto.PrivateKey) bool }).Equal(k.priv.signer) {
				t.Fatal("opened key differs")
			}
			opened, err := OpenSigningKey(testMaster, k.KID(), sealed)
			if err != nil || opened.KID() != k.KID() || opened.Type() != typ {
				t.Fatalf("OpenSigningKey = %v, %v", opened, err)
			}
			// The envelope: salt (16), nonce (12), PKCS #8 DER + tag (16).
			body, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, "bk1:"))
			der, _ := x509.MarshalPKCS8PrivateKey(k.priv.signer)
			if len(body) != 16+12+len(der)+16 {
				t.Errorf("envelope of %d bytes, want %d", len(body), 16+12+len(der)+16)
			}
		})
	}
}

func TestOpenKeyRefuses(t *testing.T) {
	keys := mustTestKeys(t)
	ed, ec := keys[KeyEd25519], keys[KeyP256]
	sealedEd, err := SealKey(testMaster, ed.KID(), ed)
	if err != nil {
		t.Fatal(err)
	}
	sealedEC, err := SealKey(testMaster, ec.KID(), ec)
	if err != nil {
		t.Fatal(err)
	}
	otherMaster := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name        string
		master      []byte
		kid, sealed string
		want        error // nil: any error
	}{
		{"wrong master key", otherMaster, ed.KID(), sealedEd, ErrSealedKey},
		{"master key one bit off", append([]byte("1"), testMaster[1:]...), ed.KID(), sealedEd, ErrSealedKey},
		{"wrong key id", testMaster, ec.KID(), sealedEd, ErrSealedKey},
		{"envelopes swapped between keys", testMaster, ed.KID(), sealedEC, ErrSealedKey},
		{"short master key", testMaster[:31], ed.KID(), sealedEd, nil},
		{"no master key", nil, ed.KID(), sealedEd, nil},
		{"empty", testMaster, ed.KID(), "", nil},
		{"no prefix", testMaster, ed.KID(), strings.TrimPrefix(sealedEd, "bk1:"), nil},
		{"newer version", testMaster, ed.KID(), "bk2:" + strings.TrimPrefix(sealedEd, "bk1:"), nil},
		{"not base64url", testMaster, ed.KID(), "bk1:!!!!", nil},
		{"padded", testMaster, ed.KID(), sealedEd + "=", nil},
		{"truncated", testMaster, ed.KID(), sealedEd[:len(sealedEd)-4], nil},
		{"too short", testMaster, ed.KID(), "bk1:AAAA", nil},
		{"too long", testMaster, ed.KID(), "bk1:" + strings.Repeat("A", 20000), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := OpenKey(tt.master, tt.kid, tt.sealed)
			if err == nil || k != nil {
				t.Fatal("opened")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), string(testMaster)) {
				t.Fatal("the error shows the master key")
			}
		})
	}
	// Every character of the envelope altered.
	for i := len("bk1:"); i < len(sealedEd); i++ {
		repl := byte('A')
		if sealedEd[i] == 'A' {
			repl = 'B'
		}
		if _, err := OpenKey(testMaster, ed.KID(), sealedEd[:i]+string(repl)+sealedEd[i+1:]); err == nil {
			t.Fatalf("character %d altered: opened", i)
		}
	}
}

func TestSealKeyRefuses(t *testing.T) {
	ed := mustTestKeys(t)[KeyEd25519]
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name   string
		master []byte
		kid    string
		key    crypto.PrivateKey
	}{
		{"short master key", testMaster[:16], ed.KID(), ed},
		{"no key id", testMaster, "", ed},
		{"key id not base64url", testMaster, "a b", ed},
		{"nil key", testMaster, ed.KID(), nil},
		{"nil SigningKey", testMaster, ed.KID(), (*SigningKey)(nil)},
		{"short Ed25519 key", testMaster, ed.KID(), ed25519.PrivateKey{1, 2, 3}},
		{"P-384", testMaster, ed.KID(), p384},
		{"RSA-1024", testMaster, ed.KID(), rsa1024},
		{"a public key", testMaster, ed.KID(), ed.Public()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := SealKey(tt.master, tt.kid, tt.key); err == nil {
				t.Fatalf("sealed: %.12s…", s)
			}
		})
	}
}

// secretForms lists ways a key's secret could show in printed output.
func secretForms(t *testing.T, k *SigningKey) []string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k.priv.signer)
	if err != nil {
		t.Fatal(err)
	}
	var secret []byte
	var numbers []*big.Int
	switch p := k.priv.signer.(type) {
	case ed25519.PrivateKey:
		secret = p.Seed()
	case *ecdsa.PrivateKey:
		b, _ := p.Bytes()
		secret = b
		numbers = append(numbers, new(big.Int).SetBytes(b))
	case *rsa.PrivateKey:
		secret = p.D.Bytes()
		numbers = append(numbers, p.D, p.Primes[0], p.Primes[1])
	}
	forms := []string{
		hex.EncodeToString(secret), strings.ToUpper(hex.EncodeToString(secret)),
		base64.StdEncoding.EncodeToString(secret)[:20], base64.RawURLEncoding.EncodeToString(secret)[:20],
		fmt.Sprint(secret[:6])[1:], // "12 34 56 …" as %v prints bytes
		hex.EncodeToString(der[len(der)-20:]), base64.StdEncoding.EncodeToString(der)[:40],
	}
	for _, n := range numbers {
		forms = append(forms, n.String()[:20], n.Text(16)[:20])
	}
	return forms
}

func TestSigningKeyDoesNotPrintItsSecret(t *testing.T) {
	type holder struct {
		Exported *SigningKey
		hidden   *SigningKey
		value    SigningKey // a copy, in an unexported field fmt cannot call methods on
	}
	for typ, k := range mustTestKeys(t) {
		t.Run(string(typ), func(t *testing.T) {
			h := holder{Exported: k, hidden: k, value: *k}
			var out strings.Builder
			fmt.Fprintf(&out, "%v %+v %#v %s %q %x %X %d\n", k, k, k, k, k, k, k, k)
			fmt.Fprintf(&out, "%v %+v %#v\n", h, h, h)
			fmt.Fprintf(&out, "%v %+v %#v\n", []*SigningKey{k}, map[string]*SigningKey{"k": k}, *k)
			fmt.Fprintln(&out, k, *k, &h)
			js, _ := json.Marshal(h)
			out.Write(js)
			jk, _ := json.Marshal(k)
			out.Write(jk)
			slog.New(slog.NewTextHandler(&out, nil)).Info("key", "k", k, "h", h)
			slog.New(slog.NewJSONHandler(&out, nil)).Info("key", "k", k, "h", h)
			got := out.String()
			for _, secret := range secretForms(t, k) {
				if strings.Contains(got, secret) {
					t.Fatalf("output shows the secret (%q):\n%s", secret, got)
				}
			}
			if !strings.Contains(got, k.KID()) || !strings.Contains(got, "[redacted]") {
				t.Fatalf("output does not name the key:\n%s", got)
			}
		})
	}
	var nilKey *SigningKey
	if got := fmt.Sprintf("%v %+v", nilKey, nilKey); !strings.Contains(got, "nil") {
		t.Errorf("nil key prints %q", got)
	}
}

// testSubject is the certificate subject of the demo Guangdong issuer.
func testSubject(notBefore time.Time, years int) CertificateSubject {
	return CertificateSubject{
		CommonName: "广东省职业技能鉴定指导中心（演示）", Organization: "bayskills demo", Country: "CN",
		NotBefore: notBefore, NotAfter: notBefore.AddDate(years, 0, 0),
	}
}

func TestSelfSignedCertificate(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, typ := range []KeyType{KeyP256, KeyRSA} {
		t.Run(string(typ), func(t *testing.T) {
			k := mustTestKeys(t)[typ]
			cert, err := SelfSignedCertificate(k, testSubject(start, 5))
			if err != nil {
				t.Fatal(err)
			}
			if cert.Subject.CommonName != "广东省职业技能鉴定指导中心（演示）" || cert.Subject.Country[0] != "CN" {
				t.Errorf("subject = %v", cert.Subject)
			}
			if want := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment; cert.KeyUsage != want {
				t.Errorf("key usage = %v, want %v", cert.KeyUsage, want)
			}
			if cert.IsCA || len(cert.ExtKeyUsage) != 0 {
				t.Errorf("IsCA = %v, extended key usage %v", cert.IsCA, cert.ExtKeyUsage)
			}
			if !cert.NotBefore.Equal(start) || !cert.NotAfter.Equal(start.AddDate(5, 0, 0)) {
				t.Errorf("validity %v – %v", cert.NotBefore, cert.NotAfter)
			}
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				t.Errorf("self-signature: %v", err)
			}
			if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
				t.Error("certificate of another key")
			}
			if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() < 120 {
				t.Errorf("serial %v", cert.SerialNumber)
			}
		})
	}
}

func TestDemoCAIssuerCertificate(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	caKey := mustTestKeys(t)[KeyP256]
	ca, err := DemoCACertificate(caKey, CertificateSubject{CommonName: "bayskills demo CA", NotBefore: start, NotAfter: start.AddDate(10, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	issuer := mustTestKeys(t)[KeyRSA]
	cert, err := IssuerCertificate(issuer.Public(), testSubject(start, 5), ca, caKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err = cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: start.AddDate(1, 0, 0), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		t.Fatalf("chain: %v", err)
	}
	if !bytes.Equal(cert.AuthorityKeyId, ca.SubjectKeyId) {
		t.Error("authority key id does not name the CA")
	}

	tests := []struct {
		name  string
		pub   crypto.PublicKey
		s     CertificateSubject
		ca    *x509.Certificate
		caKey crypto.Signer
	}{
		{"validity beyond the CA's", issuer.Public(), testSubject(start, 20), ca, caKey},
		{"CA key of another CA", issuer.Public(), testSubject(start, 5), ca, issuer},
		{"a leaf as CA", issuer.Public(), testSubject(start, 5), cert, issuer},
		{"no CA", issuer.Public(), testSubject(start, 5), nil, caKey},
		{"nil CA key", issuer.Public(), testSubject(start, 5), ca, nil},
		{"Ed25519 key", mustTestKeys(t)[KeyEd25519].Public(), testSubject(start, 5), ca, caKey},
		{"no common name", issuer.Public(), CertificateSubject{NotBefore: start, NotAfter: start.AddDate(1, 0, 0)}, ca, caKey},
		{"bad country", issuer.Public(), CertificateSubject{CommonName: "x", Country: "China", NotBefore: start, NotAfter: start.AddDate(1, 0, 0)}, ca, caKey},
		{"no validity", issuer.Public(), CertificateSubject{CommonName: "x"}, ca, caKey},
		{"reversed validity", issuer.Public(), CertificateSubject{CommonName: "x", NotBefore: start.AddDate(1, 0, 0), NotAfter: start}, ca, caKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := IssuerCertificate(tt.pub, tt.s, tt.ca, tt.caKey); err == nil {
				t.Fatal("certificate made")
			}
		})
	}
	if _, err := SelfSignedCertificate(mustTestKeys(t)[KeyEd25519], testSubject(start, 1)); err == nil {
		t.Error("self-signed certificate of an Ed25519 key")
	}
	if _, err := SelfSignedCertificate(nil, testSubject(start, 1)); err == nil {
		t.Error("self-signed certificate without a key")
	}
}

// TestPublicJWKGolden checks the JWK of RFC 8037's example key, written by
// hand.
func TestPublicJWKGolden(t *testing.T) {
	x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	nbf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)            // 1735689600
	exp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)            // 1767225600
	compromised := time.Date(2025, 7, 1, 12, 0, 0, 999, time.UTC) // 1751371200
	j, err := PublicJWK("kPrK_qmxVWaYVA9w", ed25519.PublicKey(x), nbf, exp, compromised)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(j)
	want := `{"kty":"OKP","kid":"kPrK_qmxVWaYVA9w","use":"sig","alg":"EdDSA","crv":"Ed25519",` +
		`"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","nbf":1735689600,"exp":1767225600,` +
		`"revoked":{"revoked_at":1751371200,"reason":"compromised"}}`
	if string(got) != want {
		t.Fatalf("JWK = %s\nwant  %s", got, want)
	}
	open, _ := PublicJWK("kPrK_qmxVWaYVA9w", ed25519.PublicKey(x), time.Time{}, time.Time{}, time.Time{})
	got, _ = json.Marshal(open)
	if want := `{"kty":"OKP","kid":"kPrK_qmxVWaYVA9w","use":"sig","alg":"EdDSA","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`; string(got) != want {
		t.Fatalf("JWK = %s\nwant  %s", got, want)
	}
}

// TestJWKSOfflineVerification publishes a JWKS, reads it back as a pinned
// key set, and verifies claims with it, as `bayskills verify` does.
func TestJWKSOfflineVerification(t *testing.T) {
	keys := mustTestKeys(t)
	ed, ec, rs := keys[KeyEd25519], keys[KeyP256], keys[KeyRSA]
	rotated := testEdKey(9) // the issuer's previous claims key
	compromised := testEdKey(10)
	day := 24 * time.Hour
	var set JWKS
	add := func(kid string, pub crypto.PublicKey, nbf, exp, comp time.Time) {
		j, err := PublicJWK(kid, pub, nbf, exp, comp)
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, j)
	}
	add(ed.KID(), ed.Public(), testIssued.Add(-day), time.Time{}, time.Time{})
	add(testKID(t, rotated), rotated.Public(), testIssued.Add(-400*day), testIssued.Add(-day), time.Time{})
	add(testKID(t, compromised), compromised.Public(), testIssued.Add(-400*day), time.Time{}, testIssued.Add(-day))
	add(ec.KID(), ec.Public(), testIssued.Add(-day), time.Time{}, time.Time{})
	add(rs.KID(), rs.Public(), testIssued.Add(-day), time.Time{}, time.Time{})
	data, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := ParseJWKS(data)
	if err != nil {
		t.Fatal(err)
	}
	if pinned.Len() != 5 {
		t.Fatalf("%d keys, want 5", pinned.Len())
	}
	for _, j := range set.Keys {
		k, ok := pinned.Key(j.KID)
		if !ok {
			t.Fatalf("key %s missing", j.KID)
		}
		if got, ok := pinned.KeyFor(k.Key); !ok || got.KID != j.KID {
			t.Errorf("KeyFor(%s) = %s, %v", j.KID, got.KID, ok)
		}
	}
	if k, _ := pinned.Key(testKID(t, compromised)); !k.CompromisedAt.Equal(testIssued.Add(-day)) {
		t.Errorf("compromise time = %v", k.CompromisedAt)
	}

	c := sampleClaims()["guangdong"]
	older := c
	older.IssuedAt = testIssued.Add(-30 * day)
	tests := []struct {
		name   string
		claims Claims
		key    crypto.Signer
		kid    string
		want   error
	}{
		{"current key", c, ed, ed.KID(), nil},
		{"rotated key, certificate of its time", older, rotated, testKID(t, rotated), nil},
		{"rotated key, signed after its retirement", c, rotated, testKID(t, rotated), ErrKeyWindow},
		{"compromised key, signed before", older, compromised, testKID(t, compromised), nil},
		{"compromised key, signed after", c, compromised, testKID(t, compromised), ErrKeyCompromised},
		{"key not in the JWKS", c, testEdKey(11), testKID(t, testEdKey(11)), ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jws, err := IssueClaims(tt.claims, tt.key, tt.kid)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = ParseClaims(jws, pinned)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseJWKSRefuses(t *testing.T) {
	ed := mustTestKeys(t)[KeyEd25519]
	good, _ := PublicJWK(ed.KID(), ed.Public(), time.Time{}, time.Time{}, time.Time{})
	jwk := func(f func(*JWK)) string {
		j := good
		f(&j)
		b, _ := json.Marshal(j)
		return string(b)
	}
	offCurve := `{"kty":"EC","kid":"ec","crv":"P-256","x":"` + strings.Repeat("A", 42) + `A","y":"` + strings.Repeat("A", 42) + `Q"}`
	smallRSA := `{"kty":"RSA","kid":"rsa","n":"` + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 128)) + `","e":"AQAB"}`
	tests := []struct{ name, data string }{
		{"not JSON", "keys"},
		{"an array", "[]"},
		{"no keys", "{}"},
		{"keys null", `{"keys":null}`},
		{"keys twice", `{"keys":[],"keys":[]}`},
		{"key id twice", `{"keys":[` + jwk(func(*JWK) {}) + `,` + jwk(func(*JWK) {}) + `]}`},
		{"no key id", `{"keys":[` + jwk(func(j *JWK) { j.KID = "" }) + `]}`},
		{"x too short", `{"keys":[` + jwk(func(j *JWK) { j.X = "AAAA" }) + `]}`},
		{"x not base64url", `{"keys":[` + jwk(func(j *JWK) { j.X = strings.Repeat("+", 43) }) + `]}`},
		{"alg of another key type", `{"keys":[` + jwk(func(j *JWK) { j.Alg = "RS256" }) + `]}`},
		{"alg none", `{"keys":[` + jwk(func(j *JWK) { j.Alg = "none" }) + `]}`},
		{"window reversed", `{"keys":[` + jwk(func(j *JWK) { j.NBF, j.Exp = 2000000000, 1000000000 }) + `]}`},
		{"revoked without a time", `{"keys":[` + jwk(func(j *JWK) { j.Revoked = &JWKRevoked{Reason: "compromised"} }) + `]}`},
		{"EC point off the curve", `{"keys":[` + offCurve + `]}`},
		{"RSA-1024", `{"keys":[` + smallRSA + `]}`},
		{"RSA even exponent", `{"keys":[` + strings.Replace(smallRSA, `"AQAB"`, `"AQAA"`, 1) + `]}`},
		{"nbf a string", `{"keys":[` + strings.Replace(jwk(func(*JWK) {}), `"kty"`, `"nbf":"2025","kty"`, 1) + `]}`},
		{"oversized", `{"keys":[` + strings.Repeat(" ", maxJWKS) + `]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, err := ParseJWKS([]byte(tt.data)); err == nil {
				t.Fatalf("parsed, %d keys", s.Len())
			}
		})
	}
	// Keys of other uses, types and curves are skipped, not refused.
	skipped := `{"keys":[` +
		jwk(func(j *JWK) { j.Use = "enc" }) + `,` +
		`{"kty":"OKP","kid":"x","crv":"X25519","x":"` + good.X + `"},` +
		`{"kty":"EC","kid":"p384","crv":"P-384","x":"AAAA","y":"AAAA"},` +
		`{"kty":"oct","kid":"hmac","k":"c2VjcmV0"},` +
		`{"kty":"AKP","kid":"pq","alg":"ML-DSA-44","pub":"AAAA"}]}`
	s, err := ParseJWKS([]byte(skipped))
	if err != nil || s.Len() != 0 {
		t.Fatalf("ParseJWKS = %d keys, %v; want 0 keys", s.Len(), err)
	}
}

func TestNewKeySetRefuses(t *testing.T) {
	ed := mustTestKeys(t)[KeyEd25519]
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name string
		keys []TrustedKey
	}{
		{"repeated key id", []TrustedKey{{KID: "a", Key: ed.Public()}, {KID: "a", Key: testEdKey(1).Public()}}},
		{"one key under two ids", []TrustedKey{{KID: "a", Key: ed.Public()}, {KID: "b", Key: ed.Public()}}},
		{"no key id", []TrustedKey{{Key: ed.Public()}}},
		{"key id too long", []TrustedKey{{KID: strings.Repeat("a", 65), Key: ed.Public()}}},
		{"no key", []TrustedKey{{KID: "a"}}},
		{"short Ed25519 key", []TrustedKey{{KID: "a", Key: ed25519.PublicKey{1, 2}}}},
		{"P-384 key", []TrustedKey{{KID: "a", Key: &p384.PublicKey}}},
		{"a private key", []TrustedKey{{KID: "a", Key: testEdKey(1)}}},
		{"window reversed", []TrustedKey{{KID: "a", Key: ed.Public(), NotBefore: testIssued, NotAfter: testIssued.Add(-time.Second)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewKeySet(tt.keys...); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	var zero KeySet
	if _, ok := zero.Key("a"); ok || zero.Len() != 0 {
		t.Error("the zero KeySet is not empty")
	}
}

func FuzzParseJWKS(f *testing.F) {
	keys := mustTestKeys(f)
	var set JWKS
	for _, k := range keys {
		j, err := PublicJWK(k.KID(), k.Public(), testIssued, testIssued.AddDate(1, 0, 0), testIssued.AddDate(0, 6, 0))
		if err != nil {
			f.Fatal(err)
		}
		set.Keys = append(set.Keys, j)
	}
	data, _ := json.Marshal(set)
	f.Add(data)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"","y":""}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseJWKS(data)
		if err != nil {
			return
		}
		for _, j := range set.Keys {
			if k, ok := s.Key(j.KID); ok {
				if err := k.check(); err != nil {
					t.Fatalf("accepted a malformed key: %v", err)
				}
			}
		}
	})
}

func FuzzOpenKey(f *testing.F) {
	ed := mustTestKeys(f)[KeyEd25519]
	sealed, err := SealKey(testMaster, ed.KID(), ed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add("bk1:")
	f.Add("bk2:AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := OpenKey(testMaster, ed.KID(), s)
		if err == nil && s != sealed {
			// AES-GCM authenticates the envelope: only the sealed key opens.
			if !k.(ed25519.PrivateKey).Equal(ed.priv.signer) {
				t.Fatal("opened a key that was never sealed")
			}
		}
	})
}
