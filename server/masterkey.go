package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"bayskills/certs"
	"bayskills/store"
)

// MasterKeyFile is the master key's file in the data directory, used when
// BAYSKILLS_MASTER_KEY is not set.
const MasterKeyFile = "master.key"

// LoadMasterKey returns the master key that seals the issuers' private
// keys (DESIGN §7): env, the value of BAYSKILLS_MASTER_KEY, when it is set;
// otherwise the key in dir/master.key, which is generated (32 random
// bytes, mode 0600) when it does not exist. Either holds the key in base64
// (standard or URL alphabet, padding optional), at least 32 bytes once
// decoded: `openssl rand -base64 32` makes one. The key is never logged.
func LoadMasterKey(dir, env string) ([]byte, error) {
	if strings.TrimSpace(env) != "" {
		return parseMasterKey(env, "BAYSKILLS_MASTER_KEY")
	}
	path := filepath.Join(dir, MasterKeyFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		return parseMasterKey(string(raw), path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("master key: %w", err)
	}
	key := make([]byte, certs.MinMasterKeySize)
	rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return key, nil
}

// parseMasterKey decodes a base64 master key from where (a variable or a
// file name, for the message; the value itself is never repeated).
func parseMasterKey(s, where string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var key []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			key = k
			break
		}
	}
	if key == nil {
		return nil, fmt.Errorf("master key in %s is not base64 (make one with `openssl rand -base64 32`)", where)
	}
	if len(key) < certs.MinMasterKeySize {
		return nil, fmt.Errorf("master key in %s has %d bytes, want at least %d (make one with `openssl rand -base64 32`)",
			where, len(key), certs.MinMasterKeySize)
	}
	return key, nil
}

// checkMasterKey opens every signing key in use with master, so that a
// wrong master key stops the server at start rather than an issuance later.
func checkMasterKey(ctx context.Context, db *store.DB, master []byte) error {
	keys, err := db.SigningKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := certs.OpenSigningKey(master, k.KID, k.Sealed); err != nil {
			iss, _ := db.Issuer(ctx, k.IssuerID)
			return fmt.Errorf("the master key does not open the %s key %s of issuer %s: is BAYSKILLS_MASTER_KEY (or %s in the data directory) the one the keys were sealed with? (%w)",
				k.Purpose, k.KID, iss.Code, MasterKeyFile, err)
		}
	}
	return nil
}

// issuerKeyLife is how long an issuer's PDF-signing certificate is valid.
const issuerKeyLife = 5 * 365 * 24 * time.Hour

// newIssuerKeys makes an issuer's two keys (DESIGN §7): an ECDSA P-256 key
// for the PDF signature with its X.509 certificate — signed by the demo CA
// for a demo issuer, self-signed otherwise — and an Ed25519 key for the QR
// claims; both private keys sealed with master.
func newIssuerKeys(master []byte, iss store.Issuer, now time.Time) ([]store.IssuerKey, error) {
	pdfKey, err := certs.GenerateKey(certs.KeyP256)
	if err != nil {
		return nil, err
	}
	claimsKey, err := certs.GenerateKey(certs.KeyEd25519)
	if err != nil {
		return nil, err
	}
	subject := certs.CertificateSubject{
		CommonName:   truncateUTF8(iss.Name.En, 64),
		Organization: truncateUTF8(iss.Code, 64),
		Country:      map[store.Region]string{store.Guangdong: "CN", store.HongKong: "HK", store.Macao: "MO"}[iss.Region],
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(issuerKeyLife),
	}
	var chain []*x509.Certificate
	var cert *x509.Certificate
	if iss.Demo {
		ca, caKey, err := demoCA(master)
		if err != nil {
			return nil, err
		}
		subject.Organization = "bayskills DEMO"
		if cert, err = certs.IssuerCertificate(pdfKey.Public(), subject, ca, caKey); err != nil {
			return nil, err
		}
		chain = append(chain, ca)
	} else if cert, err = certs.SelfSignedCertificate(pdfKey, subject); err != nil {
		return nil, err
	}
	var out []store.IssuerKey
	for _, k := range []struct {
		key     *certs.SigningKey
		purpose string
		alg     string
		certs   []*x509.Certificate
	}{
		{pdfKey, store.KeyPurposePDF, "ES256", append([]*x509.Certificate{cert}, chain...)},
		{claimsKey, store.KeyPurposeClaims, certs.AlgEdDSA, nil},
	} {
		sealed, err := certs.SealKey(master, k.key.KID(), k.key)
		if err != nil {
			return nil, err
		}
		jwk, err := certs.PublicJWK(k.key.KID(), k.key.Public(), time.Time{}, time.Time{}, time.Time{})
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(jwk)
		if err != nil {
			return nil, err
		}
		var pemText strings.Builder
		for _, c := range k.certs {
			pem.Encode(&pemText, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		// Whole seconds, as claims and PDF signatures state their time: a
		// certificate issued in the key's first second is in its window.
		out = append(out, store.IssuerKey{IssuerID: iss.ID, KID: k.key.KID(), Purpose: k.purpose, Algorithm: k.alg,
			PublicJWK: raw, Certificate: pemText.String(), Sealed: sealed,
			NotBefore: now.UTC().Truncate(time.Second).Format(storedTime)})
	}
	return out, nil
}

// demoCAInfo is the HKDF info that derives the demo CA's key from the
// master key.
const demoCAInfo = "bayskills demo CA v1"

// demoCA is the certification authority of the demo issuers' PDF-signing
// certificates, plainly named DEMO. Its key is derived from the master key,
// so every demo issuer of an installation chains to the same CA key without
// the CA's private key being stored anywhere: trusting it once in a PDF
// reader makes every demo certificate's signature show as trusted.
func demoCA(master []byte) (*x509.Certificate, crypto.Signer, error) {
	var key *ecdsa.PrivateKey
	for i := 0; key == nil; i++ {
		if i == 8 {
			return nil, nil, errors.New("demo CA: no key derived")
		}
		seed, err := hkdf.Key(sha256.New, master, nil, fmt.Sprintf("%s/%d", demoCAInfo, i), 32)
		if err != nil {
			return nil, nil, err
		}
		// A seed at or above the curve order (chance 2⁻³²) is skipped.
		key, _ = ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
	}
	ca, err := certs.DemoCACertificate(key, certs.CertificateSubject{
		CommonName:   "bayskills DEMO CA - not for real certificates",
		Organization: "bayskills DEMO",
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		return nil, nil, err
	}
	return ca, key, nil
}

// truncateUTF8 cuts s to at most n bytes at a character boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}
