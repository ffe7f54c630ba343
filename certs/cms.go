package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Object identifiers of the detached CMS signature: RFC 5652 (CMS and its
// attributes), RFC 5754 (SHA-2 in CMS), RFC 8017 (RSA), RFC 5758 (ECDSA)
// and RFC 5035 (signing-certificate-v2).
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// RFC 5652 §5.1–5.3, reduced to what a detached signature by one signer
// needs. Context-specific [0] fields are asn1.RawValues that carry their
// own tag: encoding/asn1 ignores field tags on a RawValue.
type (
	cmsContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT SignedData
	}
	cmsSignedData struct {
		Version          int
		DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
		EncapContentInfo cmsEncapContentInfo
		Certificates     asn1.RawValue   // [0] IMPLICIT CertificateSet
		SignerInfos      []asn1.RawValue `asn1:"set"`
	}
	// cmsEncapContentInfo has no eContent: the signature is detached.
	cmsEncapContentInfo struct {
		EContentType asn1.ObjectIdentifier
	}
	cmsSignerInfo struct {
		Version            int
		SID                cmsIssuerAndSerialNumber
		DigestAlgorithm    pkix.AlgorithmIdentifier
		SignedAttrs        asn1.RawValue // [0] IMPLICIT SET OF Attribute
		SignatureAlgorithm pkix.AlgorithmIdentifier
		Signature          []byte
	}
	cmsIssuerAndSerialNumber struct {
		Issuer       asn1.RawValue
		SerialNumber *big.Int
	}
	cmsAttribute struct {
		Type   asn1.ObjectIdentifier
		Values asn1.RawValue // SET OF, here always one value
	}
	// essSigningCertificateV2 is RFC 5035 §3: the hash algorithm is the
	// DEFAULT sha256, so DER leaves it out; issuerSerial is optional.
	essSigningCertificateV2 struct {
		Certs []essCertIDv2
	}
	essCertIDv2 struct {
		CertHash []byte
	}
)

// cmsSigner makes detached CMS SignedData signatures (RFC 5652) for one
// signing key and certificate. It holds what does not change from one
// signature to the next.
type cmsSigner struct {
	key     crypto.Signer
	cert    *x509.Certificate
	certSet []byte // the DER of the [0] IMPLICIT CertificateSet
	essAttr []byte // the DER of the signing-certificate-v2 attribute
	sigAlg  pkix.AlgorithmIdentifier
	maxSig  int // the longest signature key can return, in bytes
}

// newCMSSigner checks that key can sign for cert with an algorithm PDF
// readers accept (RSA of at least 2048 bits with PKCS #1 v1.5, or ECDSA on
// P-256) and prepares the parts of the signature that depend on them only.
func newCMSSigner(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*cmsSigner, error) {
	if key == nil {
		return nil, errors.New("no signing key")
	}
	if cert == nil {
		return nil, errors.New("no signing certificate")
	}
	s := &cmsSigner{key: key, cert: cert}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits: at least 2048 are required", pub.N.BitLen())
		}
		// rsaEncryption, with NULL parameters, is what Adobe writes and
		// every verifier reads (RFC 5754 §3.2 allows it).
		s.sigAlg = pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue}
		s.maxSig = pub.Size()
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on %s: only P-256 is supported", pub.Curve.Params().Name)
		}
		// RFC 5758 §3.2: ecdsa-with-SHA256 has absent parameters.
		s.sigAlg = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
		// SEQUENCE { INTEGER r, INTEGER s }, each of at most 33 bytes.
		s.maxSig = 2 + 2*(2+33)
	default:
		return nil, fmt.Errorf("unsupported signing key type %T: use RSA or ECDSA P-256", pub)
	}
	if pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("the signing key does not belong to the certificate")
	}

	// CertificateSet is a SET OF: DER sorts the encodings (X.690 §11.6).
	ders := [][]byte{cert.Raw}
	for _, c := range chain {
		if c == nil {
			return nil, errors.New("nil certificate in the chain")
		}
		if !slices.ContainsFunc(ders, func(d []byte) bool { return bytes.Equal(d, c.Raw) }) {
			ders = append(ders, c.Raw)
		}
	}
	slices.SortFunc(ders, bytes.Compare)
	var err error
	s.certSet, err = asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: bytes.Join(ders, nil)})
	if err != nil {
		return nil, err
	}

	h := sha256.Sum256(cert.Raw)
	ess, err := asn1.Marshal(essSigningCertificateV2{Certs: []essCertIDv2{{CertHash: h[:]}}})
	if err != nil {
		return nil, err
	}
	s.essAttr, err = cmsAttr(oidSigningCertificateV2, ess)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// size returns the length of the signatures made at time t: exact for
// RSA, an upper bound for ECDSA, whose DER signatures vary by a few bytes.
func (s *cmsSigner) size(t time.Time) (int, error) {
	cms, err := s.build(make([]byte, sha256.Size), t, func([]byte) ([]byte, error) {
		return make([]byte, s.maxSig), nil
	})
	return len(cms), err
}

// sign returns the DER of a ContentInfo holding a detached SignedData
// whose message digest is digest (SHA-256 of the signed bytes), signed at
// time t.
func (s *cmsSigner) sign(digest []byte, t time.Time) ([]byte, error) {
	return s.build(digest, t, func(attrs []byte) ([]byte, error) {
		h := sha256.Sum256(attrs)
		sig, err := s.key.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		if len(sig) > s.maxSig {
			return nil, fmt.Errorf("the key returned a signature of %d bytes, more than the %d its type allows", len(sig), s.maxSig)
		}
		return sig, nil
	})
}

// build assembles the SignedData; signAttrs signs the DER of the signed
// attributes.
func (s *cmsSigner) build(digest []byte, t time.Time, signAttrs func(der []byte) ([]byte, error)) ([]byte, error) {
	sha256Alg := pkix.AlgorithmIdentifier{Algorithm: oidSHA256} // RFC 5754 §2: parameters absent

	// RFC 5652 §5.4: the signature covers the DER of the signed attributes
	// as a SET OF (tag 0x31), not as the [0] IMPLICIT field (tag 0xA0) they
	// are stored in. DER sorts the attributes by their encodings.
	contentType, err := asn1.Marshal(oidData)
	if err != nil {
		return nil, err
	}
	md, err := asn1.Marshal(digest)
	if err != nil {
		return nil, err
	}
	st, err := asn1.Marshal(t.UTC().Truncate(time.Second)) // UTCTime up to 2049, GeneralizedTime after
	if err != nil {
		return nil, err
	}
	attrs := [][]byte{s.essAttr}
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		val []byte
	}{{oidContentType, contentType}, {oidMessageDigest, md}, {oidSigningTime, st}} {
		der, err := cmsAttr(a.oid, a.val)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, der)
	}
	slices.SortFunc(attrs, bytes.Compare)
	signed, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(attrs, nil)})
	if err != nil {
		return nil, err
	}
	sig, err := signAttrs(signed)
	if err != nil {
		return nil, err
	}
	embedded := slices.Clone(signed)
	embedded[0] = 0xA0 // [0] IMPLICIT, constructed; same length

	si, err := asn1.Marshal(cmsSignerInfo{
		Version:            1, // sid is IssuerAndSerialNumber
		SID:                cmsIssuerAndSerialNumber{Issuer: asn1.RawValue{FullBytes: s.cert.RawIssuer}, SerialNumber: s.cert.SerialNumber},
		DigestAlgorithm:    sha256Alg,
		SignedAttrs:        asn1.RawValue{FullBytes: embedded},
		SignatureAlgorithm: s.sigAlg,
		Signature:          sig,
	})
	if err != nil {
		return nil, err
	}
	sd, err := asn1.Marshal(cmsSignedData{
		Version:          1, // no attribute certificates, id-data content, v1 SignerInfo
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha256Alg},
		EncapContentInfo: cmsEncapContentInfo{EContentType: oidData},
		Certificates:     asn1.RawValue{FullBytes: s.certSet},
		SignerInfos:      []asn1.RawValue{{FullBytes: si}},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(cmsContentInfo{
		ContentType: oidSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd},
	})
}

// cmsAttr returns the DER of an Attribute with a single value, value
// being DER already.
func cmsAttr(oid asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	return asn1.Marshal(cmsAttribute{Type: oid, Values: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: value}})
}
