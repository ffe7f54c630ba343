package certs

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// verifyFixture is a certificate as issuance makes it: rendered with the
// credential and the claims attached, and signed with ECDSA P-256 and
// with RSA-2048.
type verifyFixture struct {
	unsigned, ecdsa, rsa []byte
	claims               string
	claimsKeys           KeySet // trusts the Ed25519 key of the claims
	ecKID, rsaKID        string
}

var verifyFixtureOnce = sync.OnceValues(func() (verifyFixture, error) {
	var f verifyFixture
	fonts, err := testFontsOnce()
	if err != nil {
		return f, err
	}
	s, err := testSignersOnce()
	if err != nil {
		return f, err
	}
	ed := testEdKey(7)
	edKID, err := KeyID(ed.Public())
	if err != nil {
		return f, err
	}
	if f.claims, err = IssueClaims(sampleClaims()["guangdong"], ed, edKID); err != nil {
		return f, err
	}
	if f.claimsKeys, err = NewKeySet(TrustedKey{KID: edKID, Key: ed.Public()}); err != nil {
		return f, err
	}
	c := testCertificate("GD")
	c.Attachments = append(c.Attachments, Attachment{Name: ClaimsAttachment, Description: "Signed claims of the QR code (JWS)",
		MIME: "application/jose", Data: []byte(f.claims + "\n")})
	var buf bytes.Buffer
	if err := RenderCertificate(&buf, fonts, c); err != nil {
		return f, err
	}
	f.unsigned = buf.Bytes()
	if f.ecdsa, err = SignPDF(f.unsigned, s.ecdsa); err != nil {
		return f, err
	}
	if f.rsa, err = SignPDF(f.unsigned, s.rsa); err != nil {
		return f, err
	}
	if f.ecKID, err = KeyID(s.ecdsa.Key.Public()); err != nil {
		return f, err
	}
	f.rsaKID, err = KeyID(s.rsa.Key.Public())
	return f, err
})

func fixture(t testing.TB) verifyFixture {
	t.Helper()
	f, err := verifyFixtureOnce()
	if err != nil {
		t.Fatalf("making the signed certificates: %v", err)
	}
	return f
}

// pdfKeys returns a key set trusting the test signers' ECDSA key (id
// f.ecKID), changed by change, and, with rsa, their RSA key.
func pdfKeys(t testing.TB, rsa bool, change func(k *TrustedKey)) KeySet {
	t.Helper()
	s, f := signers(t), fixture(t)
	ec := TrustedKey{KID: f.ecKID, Key: s.ecdsa.Key.Public()}
	if change != nil {
		change(&ec)
	}
	keys := []TrustedKey{ec}
	if rsa {
		keys = append(keys, TrustedKey{KID: f.rsaKID, Key: s.rsa.Key.Public()})
	}
	ks, err := NewKeySet(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestVerifyPDF(t *testing.T) {
	f := fixture(t)
	s := signers(t)
	keys := pdfKeys(t, true, nil)
	for _, tt := range []struct {
		name, kid string
		pdf       []byte
		p         PDFSignParams
	}{{"ECDSA P-256", f.ecKID, f.ecdsa, s.ecdsa}, {"RSA-2048", f.rsaKID, f.rsa, s.rsa}} {
		t.Run(tt.name, func(t *testing.T) {
			c := VerifyPDF(tt.pdf, keys)
			if !c.Valid() || c.Err() != nil {
				t.Fatalf("Valid() = %v, Err() = %v; checks: file %v, signature %v, coverage %v, trust %v",
					c.Valid(), c.Err(), c.File, c.Signature, c.Coverage, c.Trust)
			}
			if c.AttachmentsErr != nil {
				t.Errorf("AttachmentsErr = %v", c.AttachmentsErr)
			}
			if c.KID != tt.kid {
				t.Errorf("KID = %q, want %q", c.KID, tt.kid)
			}
			if !c.SigningTime.Equal(signTime) || c.SigningTime.Location() != time.UTC {
				t.Errorf("SigningTime = %v, want %v in UTC", c.SigningTime, signTime.UTC())
			}
			if c.Signer == nil || !c.Signer.Equal(tt.p.Cert) {
				t.Errorf("Signer = %v, want the certificate of %q", c.Signer, tt.p.Cert.Subject.CommonName)
			}
			if c.SubFilter != "adbe.pkcs7.detached" || c.SignedBytes != len(tt.pdf) {
				t.Errorf("SubFilter %q, SignedBytes %d; want adbe.pkcs7.detached, %d", c.SubFilter, c.SignedBytes, len(tt.pdf))
			}
			if want := sha256Hex(tt.pdf); c.SHA256 != want {
				t.Errorf("SHA256 = %s, want %s", c.SHA256, want)
			}
			if len(c.Attachments) != 2 {
				t.Errorf("%d attachments, want 2: %v", len(c.Attachments), slices.Collect(mapKeys(c.Attachments)))
			}
			if !bytes.Equal(c.Credential(), testCredential) {
				t.Errorf("Credential() is %d bytes, not the %d attached", len(c.Credential()), len(testCredential))
			}
			if got, want := string(c.Attachments[ClaimsAttachment]), f.claims+"\n"; got != want {
				t.Errorf("claims attachment = %q, want %q", got, want)
			}
			if c.Claims() != f.claims {
				t.Errorf("Claims() = %q, want %q", c.Claims(), f.claims)
			}
			claims, _, err := ParseClaims(c.Claims(), f.claimsKeys)
			if err != nil || claims.ID != sampleClaims()["guangdong"].ID {
				t.Errorf("ParseClaims(Claims()) = %v, %v", claims.ID, err)
			}
		})
	}
}

// mapKeys yields the keys of m.
func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// sigLayout finds where SignPDF wrote the signature: the room of
// /ByteRange (from its "[" to the line's end), its numbers, and the
// hexadecimal digits of /Contents.
type sigLayout struct {
	brAt, brEnd int    // the /ByteRange room
	br          [4]int // its numbers
	hexAt       int    // the first digit of /Contents
	der         int    // the length of the CMS DER, without the padding
}

var byteRangeRE = regexp.MustCompile(`/ByteRange (\[0 (\d+) (\d+) (\d+)\] *)\n/Contents <([0-9a-f]*)>`)

func layoutOf(t testing.TB, pdf []byte) sigLayout {
	t.Helper()
	m := byteRangeRE.FindSubmatchIndex(pdf)
	if m == nil {
		t.Fatal("no /ByteRange followed by /Contents")
	}
	var l sigLayout
	l.brAt, l.brEnd, l.hexAt = m[2], m[3], m[10]
	for i := 1; i < 4; i++ {
		l.br[i], _ = strconv.Atoi(string(pdf[m[2*i+2]:m[2*i+3]]))
	}
	der, err := hex.DecodeString(string(pdf[m[10]:m[11]]))
	var ci asn1.RawValue
	if err == nil {
		_, err = asn1.Unmarshal(der, &ci)
	}
	if err != nil {
		t.Fatalf("/Contents: %v", err)
	}
	l.der = len(ci.FullBytes)
	return l
}

// withByteRange returns pdf with its /ByteRange replaced by br, padded
// with spaces to the room SignPDF kept.
func withByteRange(t testing.TB, pdf []byte, br string) []byte {
	t.Helper()
	l := layoutOf(t, pdf)
	room := l.brEnd - l.brAt
	if len(br) > room {
		t.Fatalf("%q is longer than the %d bytes of /ByteRange", br, room)
	}
	out := slices.Clone(pdf)
	copy(out[l.brAt:l.brEnd], br+strings.Repeat(" ", room-len(br)))
	return out
}

// replaceOnce returns pdf with old, which must be in it, replaced by new of
// the same length: offsets stay right.
func replaceOnce(t testing.TB, pdf []byte, old, new string) []byte {
	t.Helper()
	if len(old) != len(new) {
		t.Fatalf("%q and %q differ in length", old, new)
	}
	if !bytes.Contains(pdf, []byte(old)) {
		t.Fatalf("%q is not in the PDF", old)
	}
	return bytes.Replace(pdf, []byte(old), []byte(new), 1)
}

// flipHex returns pdf with the hexadecimal digit at i changed.
func flipHex(pdf []byte, i int) []byte {
	out := slices.Clone(pdf)
	if out[i] == '0' {
		out[i] = '1'
	} else {
		out[i] = '0'
	}
	return out
}

// appendUpdate appends an incremental update to pdf (ISO 32000-1 §7.5.6)
// that writes objs, by number, anew.
func appendUpdate(t testing.TB, pdf []byte, objs map[int]string) []byte {
	t.Helper()
	d, err := openPDF(pdf)
	if err != nil {
		t.Fatalf("openPDF: %v", err)
	}
	out := slices.Clone(pdf)
	var xref []xrefWrite
	size := d.size
	for _, num := range slices.Sorted(func(yield func(int) bool) {
		for n := range objs {
			if !yield(n) {
				return
			}
		}
	}) {
		xref = append(xref, xrefWrite{pdfRef{num, 0}, len(out)})
		out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", num, objs[num])
		size = max(size, num+1)
	}
	at := len(out)
	out = appendXref(out, xref)
	out = fmt.Appendf(out, "trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, d.root.num, d.startxref, at)
	return out
}

// objectNumberBefore returns the number of the object whose text contains
// pdf[at:]: the last "N 0 obj" before at.
func objectNumberBefore(t testing.TB, pdf []byte, at int) int {
	t.Helper()
	i := bytes.LastIndex(pdf[:at], []byte(" 0 obj"))
	j := bytes.LastIndexAny(pdf[:i], "\n\r") + 1
	n, err := strconv.Atoi(string(pdf[j:i]))
	if err != nil {
		t.Fatalf("no object header before offset %d: %v", at, err)
	}
	return n
}

// checkReport checks one check's error: nil when want is nil, else one
// matching want and containing text.
func checkReport(t *testing.T, name string, got, want error, text string) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s = %v, want nil", name, got)
	case want != nil && !errors.Is(got, want):
		t.Errorf("%s = %v, want %v", name, got, want)
	case want != nil && !strings.Contains(fmt.Sprint(got), text):
		t.Errorf("%s = %v, want it to say %q", name, got, text)
	}
}

func TestVerifyPDFAltered(t *testing.T) {
	f := fixture(t)
	good := f.ecdsa
	l := layoutOf(t, good)
	keys := pdfKeys(t, false, nil)

	// One byte of the page's content stream, in the first signed range.
	pageStream := bytes.Index(good, []byte("stream\n")) + len("stream\n") + 20
	flipped := slices.Clone(good)
	flipped[pageStream] ^= 0x20

	// The signing time, hex-encoded in /Contents (UTCTime, UTC).
	stHex := hex.EncodeToString([]byte(signTime.UTC().Format("060102150405Z")))
	stAt := bytes.Index(good, []byte(stHex))
	if stAt < l.hexAt {
		t.Fatal("the signing time is not in /Contents")
	}

	// An update after signing writes another credential in the place of
	// the signed one.
	credAt := bytes.Index(good, []byte("/Type /EmbeddedFile /Subtype /application#2Fvc+ld+json"))
	if credAt < 0 {
		t.Fatal("no credential stream")
	}
	forged := `{"credentialSubject": {"name": "Mallory"}}`
	updated := appendUpdate(t, good, map[int]string{objectNumberBefore(t, good, credAt): fmt.Sprintf(
		"<< /Type /EmbeddedFile /Length %d >>\nstream\n%s\nendstream", len(forged), forged)})
	// The update is what a reader sees: the latest revision has the
	// forged credential.
	room := maxParseRoom
	latest, err := openVerified(updated, &room)
	if err != nil {
		t.Fatal(err)
	}
	if files, err := latest.attachments(); err != nil || string(files[CredentialAttachment]) != forged {
		t.Fatalf("the update does not replace the credential: %v", err)
	}

	// Room kept beyond the signature's needs is zeros, signed by none.
	p := signers(t).ecdsa
	p.Reserve = 2048
	padded, err := SignPDF(f.unsigned, p)
	if err != nil {
		t.Fatal(err)
	}
	if c := VerifyPDF(padded, keys); !c.Valid() {
		t.Fatalf("a signature with zero padding: %v", c.Err())
	}
	pl := layoutOf(t, padded)

	tests := []struct {
		name                  string
		pdf                   []byte
		signature, coverage   error
		sigText, coverageText string
		trusted               bool // the signed attributes verify: signer, time and trust are known
		attachmentsRead       bool
	}{
		{"byte flipped in the first signed range", flipped, ErrAlteredPDF, nil, "differs from the one signed", "", true, true},
		{"byte flipped in the second signed range", replaceOnce(t, good, "/Location (Zhuhai)", "/Location (Zhuhay)"),
			ErrAlteredPDF, nil, "differs from the one signed", "", true, true},
		{"signature value changed", flipHex(good, l.hexAt+2*l.der-6), ErrBadPDFSignature, nil, "ECDSA P-256 signature over the signed attributes", "", false, true},
		{"signing time changed", flipHex(good, stAt+3), ErrBadPDFSignature, nil, "ECDSA P-256 signature over the signed attributes", "", false, true},
		{"CMS not a SEQUENCE", flipHex(good, l.hexAt), ErrMalformedPDFSignature, nil, "CMS: ", "", false, true},
		{"CMS all zeros", append(slices.Clone(good[:l.hexAt]), append(bytes.Repeat([]byte("0"), l.br[2]-l.br[1]-2), good[l.br[2]-1:]...)...),
			ErrMalformedPDFSignature, nil, "CMS: ", "", false, true},
		{"data after the CMS", flipHex(padded, pl.hexAt+2*pl.der+1), ErrMalformedPDFSignature, nil, "data follow the CMS signature", "", false, true},
		{"incremental update after signing", updated, nil, ErrChangedAfterSigning, "", "bytes follow the", true, true},
		{"bytes appended", append(slices.Clone(good), "% a comment\n"...), nil, ErrChangedAfterSigning, "", "12 bytes follow", true, true},
		{"byte range shorter than the file", withByteRange(t, good, fmt.Sprintf("[0 %d %d %d]", l.br[1], l.br[2], l.br[3]-7)),
			ErrAlteredPDF, ErrChangedAfterSigning, "differs from the one signed", "7 bytes follow", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := VerifyPDF(tt.pdf, keys)
			if c.Valid() {
				t.Fatal("Valid() is true")
			}
			checkReport(t, "File", c.File, nil, "")
			checkReport(t, "Signature", c.Signature, tt.signature, tt.sigText)
			checkReport(t, "Coverage", c.Coverage, tt.coverage, tt.coverageText)
			if want := cmp.Or(tt.signature, tt.coverage); !errors.Is(c.Err(), want) {
				t.Errorf("Err() = %v, want %v", c.Err(), want)
			}
			if tt.trusted {
				checkReport(t, "Trust", c.Trust, nil, "")
				if c.KID != f.ecKID || !c.SigningTime.Equal(signTime) {
					t.Errorf("KID %q, SigningTime %v; want %q, %v", c.KID, c.SigningTime, f.ecKID, signTime)
				}
			} else {
				checkReport(t, "Trust", c.Trust, ErrNotChecked, "")
				if c.KID != "" || c.Signer != nil || !c.SigningTime.IsZero() {
					t.Errorf("KID %q, Signer %v, SigningTime %v of a signature that does not verify", c.KID, c.Signer, c.SigningTime)
				}
			}
			if tt.attachmentsRead {
				// From the signed revision, whatever follows it.
				if c.AttachmentsErr != nil || !bytes.Equal(c.Credential(), testCredential) || c.Claims() != f.claims {
					t.Errorf("attachments: %v; credential of %d bytes, claims %q", c.AttachmentsErr, len(c.Credential()), c.Claims())
				}
			}
			if c.SHA256 != sha256Hex(tt.pdf) {
				t.Error("SHA256 is not the hash of the file")
			}
		})
	}
}

func TestVerifyPDFTrust(t *testing.T) {
	f := fixture(t)
	hour := time.Hour
	tests := []struct {
		name string
		pdf  []byte
		keys KeySet
		want error
		text string
		kid  string
	}{
		{"no trusted keys", f.ecdsa, KeySet{}, ErrUntrustedPDFKey, "does not trust", ""},
		{"signed by an untrusted key", f.rsa, pdfKeys(t, false, nil), ErrUntrustedPDFKey, "does not trust", ""},
		{"compromised before signing", f.ecdsa, pdfKeys(t, true, func(k *TrustedKey) { k.CompromisedAt = signTime.Add(-hour) }),
			ErrKeyCompromised, "compromised at 2026-07-15T07:30:05Z, signed at 2026-07-15T08:30:05Z", f.ecKID},
		{"compromised at the signing time", f.ecdsa, pdfKeys(t, true, func(k *TrustedKey) { k.CompromisedAt = signTime }),
			ErrKeyCompromised, "compromised", f.ecKID},
		{"retired before signing", f.ecdsa, pdfKeys(t, true, func(k *TrustedKey) { k.NotAfter = signTime.Add(-hour) }),
			ErrKeyWindow, "valid until", f.ecKID},
		{"not yet valid", f.ecdsa, pdfKeys(t, true, func(k *TrustedKey) { k.NotBefore = signTime.Add(hour) }),
			ErrKeyWindow, "valid from", f.ecKID},
		{"compromised after signing", f.ecdsa, pdfKeys(t, true, func(k *TrustedKey) { k.CompromisedAt = signTime.Add(hour) }),
			nil, "", f.ecKID},
		{"retired after signing", f.ecdsa, pdfKeys(t, true, func(k *TrustedKey) {
			k.NotBefore, k.NotAfter = signTime.Add(-hour), signTime.Add(hour)
		}), nil, "", f.ecKID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := VerifyPDF(tt.pdf, tt.keys)
			checkReport(t, "Signature", c.Signature, nil, "")
			checkReport(t, "Coverage", c.Coverage, nil, "")
			checkReport(t, "Trust", c.Trust, tt.want, tt.text)
			if c.Valid() != (tt.want == nil) {
				t.Errorf("Valid() = %v with Trust %v", c.Valid(), c.Trust)
			}
			if c.KID != tt.kid {
				t.Errorf("KID = %q, want %q", c.KID, tt.kid)
			}
			if c.Signer == nil {
				t.Error("no Signer for a signature that verifies")
			}
		})
	}
}

func TestVerifyPDFNotSigned(t *testing.T) {
	f := fixture(t)
	good := f.ecdsa
	fieldV := bytes.Index(good, []byte("/FT /Sig /T (Signature1) /V "))
	if fieldV < 0 {
		t.Fatal("no signature field")
	}
	fieldV += len("/FT /Sig /T (Signature1) ")
	unsignedField := slices.Clone(good)
	copy(unsignedField[fieldV:], "/W")
	tests := []struct {
		name string
		pdf  []byte
		want error
		text string
	}{
		{"nil", nil, ErrNotPDF, "the file is empty"},
		{"empty", []byte{}, ErrNotPDF, "the file is empty"},
		{"HTML", []byte("<!doctype html><title>Certificate</title>"), ErrNotPDF, "no %PDF- header"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ErrNotPDF, "no %PDF- header"},
		{"header only", []byte("%PDF-1.7\n"), ErrUnreadablePDF, "no startxref at the end of the file (truncated?)"},
		{"truncated", good[:len(good)/2], ErrUnreadablePDF, "truncated"},
		{"truncated in the last line", good[:len(good)-8], ErrUnreadablePDF, "no cross-reference table at offset"},
		{"unsigned certificate", f.unsigned, ErrUnsignedPDF, "no interactive form (/AcroForm)"},
		{"unsigned fpdf document", fpdfDoc(t, 1, true), ErrUnsignedPDF, "no interactive form"},
		{"signature field without value", unsignedField, ErrUnsignedPDF, "the signature field is not signed"},
		{"form without signature field", replaceOnce(t, good, "/FT /Sig", "/FT /Tx "), ErrUnsignedPDF, "no signature field"},
		{"cross-reference stream", replaceOnce(t, good, "startxref\n"+strconv.Itoa(mustOpen(t, good).startxref),
			"startxref\n"+fmt.Sprintf("%0*d", len(strconv.Itoa(mustOpen(t, good).startxref)), 9)),
			ErrUnreadablePDF, "cross-reference streams (PDF 1.5) are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := VerifyPDF(tt.pdf, pdfKeys(t, true, nil))
			checkReport(t, "File", c.File, tt.want, tt.text)
			for name, err := range map[string]error{"Signature": c.Signature, "Coverage": c.Coverage, "Trust": c.Trust, "AttachmentsErr": c.AttachmentsErr} {
				checkReport(t, name, err, ErrNotChecked, "")
			}
			if c.Valid() || c.Err() != c.File {
				t.Errorf("Valid() = %v, Err() = %v", c.Valid(), c.Err())
			}
			if c.SHA256 != sha256Hex(tt.pdf) {
				t.Error("SHA256 is not the hash of the file")
			}
		})
	}
}

func mustOpen(t testing.TB, pdf []byte) *pdfDoc {
	t.Helper()
	d, err := openPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestVerifyPDFMalformedSignature(t *testing.T) {
	f := fixture(t)
	good := f.ecdsa
	l := layoutOf(t, good)
	a, b, c := l.br[1], l.br[2], l.br[3]
	br := func(format string, args ...any) []byte { return withByteRange(t, good, fmt.Sprintf(format, args...)) }

	bigReserve := signers(t).ecdsa
	bigReserve.Reserve = maxSignatureDER + 1
	big, err := SignPDF(f.unsigned, bigReserve)
	if err != nil {
		t.Fatal(err)
	}

	// /Contents a one-digit number, and the byte range's gap that digit.
	number := withByteRange(t, good, fmt.Sprintf("[0 %d %d %d]", a, a+1, len(good)-a-1))
	copy(number[a:b], "7"+strings.Repeat(" ", b-a-1))
	// /Contents a literal string.
	literal := slices.Clone(good)
	literal[a], literal[b-1] = '(', ')'

	tests := []struct {
		name string
		pdf  []byte
		text string
	}{
		{"/Contents a number", number, "/Contents is not a hexadecimal string"},
		{"/Contents a literal string", literal, "/Contents is not a hexadecimal string"},
		{"negative offset", br("[0 -%d %d %d]", a, b, c), `/ByteRange holds "-`},
		{"not starting at 0", br("[1 %d %d %d]", a, b, c), "starts at byte 1"},
		{"overlapping ranges", br("[0 %d %d %d]", b, a, c), "overlap or are out of order"},
		{"empty gap", br("[0 %d %d %d]", a, a, c), "overlap or are out of order"},
		{"past the end", br("[0 %d %d %d]", a, b, c+1), "past the end"},
		{"far past the end", br("[0 %d %d 999999999999]", a, b), "past the end"},
		{"number too large", br("[0 %d %d 99999999999999]", a, b), "not a non-negative integer"},
		{"real number", br("[0 %d.0 %d %d]", a, b, c), "not a non-negative integer"},
		{"gap not /Contents", br("[0 %d %d %d]", a-1, b, c), "is not the /Contents string"},
		{"gap inside /Contents", br("[0 %d %d %d]", a+1, b-1, c+1), "is not the /Contents string"},
		{"three numbers", br("[0 %d %d]", a, b), "not an array of four numbers"},
		{"five numbers", br("[0 %d %d %d 0]", a, b, c), "not an array of four numbers"},
		{"not an array", br("(0 %d %d %d)", a, b, c), "not an array of four numbers"},
		{"signature dictionary outside the signed bytes", br("[0 %d %d %d]", a, b, 1), "not within the signed bytes"},
		{"wrong /SubFilter", replaceOnce(t, good, "/SubFilter /adbe.pkcs7.detached", "/SubFilter /adbe.x509.rsa_sha1 "), `/SubFilter "/adbe.x509.rsa_sha1"`},
		{"wrong /Filter", replaceOnce(t, good, "/Filter /Adobe.PPKLite", "/Filter /Adobe.PPKMSFT"), `/Filter "/Adobe.PPKMSFT"`},
		{"wrong /Type", replaceOnce(t, good, "/Type /Sig /Filter", "/Type /Sog /Filter"), `/Type "/Sog"`},
		{"not hexadecimal", replaceOnce(t, good, "/Contents <30", "/Contents <3x"), "not a string of hexadecimal digits"},
		{"unreadable signature dictionary", replaceOnce(t, good, "/Type /Sig /Filter", "/Type /Sig (Filter"), "signature dictionary (object"},
		{"/Contents too long", big, "/Contents holds more than 32768 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := VerifyPDF(tt.pdf, pdfKeys(t, false, nil))
			checkReport(t, "File", c.File, nil, "")
			checkReport(t, "Signature", c.Signature, ErrMalformedPDFSignature, tt.text)
			checkReport(t, "Trust", c.Trust, ErrNotChecked, "")
			if c.Valid() || !errors.Is(c.Err(), ErrMalformedPDFSignature) {
				t.Errorf("Valid() = %v, Err() = %v", c.Valid(), c.Err())
			}
		})
	}
}

// handPDF writes a one-page PDF by hand: object 1 is the catalog, whose
// entries catalog adds to; 2 the page tree; 3 the page; objs are objects
// 4 on.
func handPDF(catalog string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	all := append([]string{
		"<< /Type /Catalog /Pages 2 0 R " + catalog + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}, objs...)
	offsets := make([]int, len(all))
	for i, o := range all {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(all)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(all)+1, xref)
	return b.Bytes()
}

// fileStream is an embedded file stream object: data under /Length,
// with extra entries.
func fileStream(data, extra string) string {
	return fmt.Sprintf("<< /Type /EmbeddedFile /Length %d %s >>\nstream\n%s\nendstream", len(data), extra, data)
}

// TestVerifyPDFAttachments reads embedded files of every shape a name
// tree may have, and refuses those beyond VerifyPDF's bounds, in signed
// hand-made PDFs: the signature stays valid, only the attachments fail.
func TestVerifyPDFAttachments(t *testing.T) {
	p := signers(t).ecdsa
	keys := pdfKeys(t, false, nil)
	z := string(deflate([]byte(`{"ok": true}`)))
	bomb := string(deflate(make([]byte, maxAttachmentSize+1)))
	manyObjs := []string{"<< /Names ["}
	for i := range maxAttachments + 1 {
		manyObjs[0] += fmt.Sprintf(" (f%02d) %d 0 R", i, 5+2*i)
		manyObjs = append(manyObjs, fmt.Sprintf("<< /Type /Filespec /F (f%02d) /EF << /F %d 0 R >> >>", i, 6+2*i), fileStream("x", ""))
	}
	manyObjs[0] += "] >>"
	tree := "/Names << /EmbeddedFiles 4 0 R >>"

	tests := []struct {
		name string
		pdf  []byte
		want map[string]string
		err  string
	}{
		{"no attachments", handPDF(""), map[string]string{}, ""},
		{"flat tree, literal and UTF-16 names", handPDF(tree,
			"<< /Names [(a\\(1\\).txt) 5 0 R <FEFF6210007E00320030> 7 0 R] >>",
			"<< /Type /Filespec /F (a\\(1\\).txt) /EF << /F 6 0 R >> >>", fileStream("plain \\ text", ""),
			"<< /Type /Filespec /F (x) /UF <FEFF6210007E0032> /EF << /UF 8 0 R /F 9 0 R >> >>", fileStream(z, "/Filter /FlateDecode"), fileStream("wrong", "")),
			map[string]string{"a(1).txt": "plain \\ text", "成~2": `{"ok": true}`}, ""},
		{"kids, indirect arrays and /Length, filter array", handPDF(tree,
			"<< /Kids 5 0 R >>", "[6 0 R]", "<< /Names 7 0 R >>", "[(k) 8 0 R]",
			"<< /Type /Filespec /EF << /F 9 0 R >> >>",
			"<< /Type /EmbeddedFile /Length 10 0 R /Filter [/FlateDecode] >>\nstream\n"+z+"\nendstream", strconv.Itoa(len(z))),
			map[string]string{"k": `{"ok": true}`}, ""},
		{"name tree loop", handPDF(tree, "<< /Kids [4 0 R] >>"), nil, "more than 64 nodes or is deeper than 8"},
		{"too many files", handPDF(tree, manyObjs...), nil, "more than 16 embedded files"},
		{"decompression bomb", handPDF(tree, "<< /Names [(bomb) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", fileStream(bomb, "/Filter /FlateDecode")),
			nil, "larger than 1048576 bytes decompressed"},
		{"too large", handPDF(tree, "<< /Names [(big) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", fileStream(strings.Repeat("x", maxAttachmentSize+1), "")),
			nil, "larger than 1048576 bytes"},
		{"corrupt flate", handPDF(tree, "<< /Names [(z) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", fileStream(z[:len(z)-3]+"xyz", "/Filter /FlateDecode")),
			nil, "/FlateDecode: zlib: invalid checksum"},
		{"huge /Length", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>",
			"<< /Length 999999999999 >>\nstream\nabc\nendstream"), nil, "/Length 999999999999 runs past the end of the file"},
		{"negative /Length", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>",
			"<< /Length -3 >>\nstream\nabc\nendstream"), nil, "/Length is not a non-negative integer"},
		{"short /Length", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>",
			"<< /Length 1 >>\nstream\nabc\nendstream"), nil, "no endstream after the /Length 1 bytes"},
		{"no end of line after stream", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>",
			"<< /Length 3 >>\nstream\rabc\nendstream"), nil, "no end of line after the stream keyword"},
		{"other filter", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", fileStream("abc", "/Filter /LZWDecode")),
			nil, `filter "/LZWDecode" is not supported`},
		{"decode parameters", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", fileStream(z, "/Filter /FlateDecode /DecodeParms << /Predictor 12 >>")),
			nil, "/DecodeParms are not supported"},
		{"not a stream", handPDF(tree, "<< /Names [(h) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", "<< /Length 3 >>"), nil, "is not a stream"},
		{"two files of one name", handPDF(tree, "<< /Names [(d) 5 0 R (d) 5 0 R] >>", "<< /EF << /F 6 0 R >> >>", fileStream("abc", "")),
			nil, `two embedded files named "d"`},
		{"odd names array", handPDF(tree, "<< /Names [(d) 5 0 R (e)] >>"), nil, "not pairs of key and value"},
		{"no /EF", handPDF(tree, "<< /Names [(d) 5 0 R] >>", "<< /Type /Filespec /F (d) >>"), nil, `file "d": no embedded file stream`},
		{"deeply nested", handPDF(tree, "<< /Names [(d) 5 0 R] >>", "<< /EF "+strings.Repeat("[", 100)+strings.Repeat("]", 100)+" >>"),
			nil, "objects nested too deeply"},
		{"object too large", handPDF(tree, "<< /Names [(d) 5 0 R] >>", "<< /Desc ("+strings.Repeat("x", maxObjectRoom)+") >>"),
			nil, "objects longer than 16384 bytes are not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed, err := SignPDF(tt.pdf, p)
			if err != nil {
				t.Fatalf("SignPDF: %v", err)
			}
			c := VerifyPDF(signed, keys)
			if !c.Valid() {
				t.Fatalf("Valid() = false: %v", c.Err())
			}
			if tt.err != "" {
				checkReport(t, "AttachmentsErr", c.AttachmentsErr, ErrAttachment, tt.err)
				if c.Attachments != nil {
					t.Errorf("Attachments = %v with an error", slices.Collect(mapKeys(c.Attachments)))
				}
				return
			}
			if c.AttachmentsErr != nil {
				t.Fatalf("AttachmentsErr = %v", c.AttachmentsErr)
			}
			got := map[string]string{}
			for k, v := range c.Attachments {
				got[k] = string(v)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Attachments = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecodePDFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"(plain)", "plain"},
		{`(a \(b\) \\c)`, `a (b) \c`},
		{`(\n\r\t\b\f)`, "\n\r\t\b\f"},
		{`(\101\1012\0)`, "AA2\x00"},
		{`(\q)`, "q"},
		{"(line\\\ncontinued)", "linecontinued"},
		{"(line\\\r\ncontinued)", "linecontinued"},
		{"(two\r\nlines\rthree)", "two\nlines\nthree"},
		{"(caf\xe9)", "café"},
		{"<48 65 6C6C6F>", "Hello"},
		{"<486>", "H`"},
		{"<FEFF73E06D77>", "珠海"},
		{"<FEFFD83DDE00>", "😀"},
		{"<EFBBBF e7 8f a0>", "珠"},
		{"<>", ""},
	}
	for _, tt := range tests {
		lx := &pdfLexer{b: []byte(tt.in)}
		v, err := lx.value(0)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got, ok := decodePDFText(lx.b, v); !ok || got != tt.want {
			t.Errorf("decodePDFText(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, in := range []string{"<4G>", "/Name", "12", "[(a)]"} {
		lx := &pdfLexer{b: []byte(in)}
		v, _ := lx.value(0)
		if got, ok := decodePDFText(lx.b, v); ok {
			t.Errorf("decodePDFText(%q) = %q, want no text", in, got)
		}
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestVerifyPDFBounded feeds VerifyPDF large hostile files: each gets a
// clear reason, in memory far below what the parser would take for every
// value of them (a few hundred bytes each: gigabytes here).
func TestVerifyPDFBounded(t *testing.T) {
	good := fixture(t).ecdsa
	tokens := func(prefix []byte, n int) []byte {
		b := bytes.NewBuffer(slices.Clip(prefix))
		at := b.Len()
		b.WriteString("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R /A [")
		for b.Len() < n {
			b.WriteString("0 0 0 0 0 0 0 0 ")
		}
		fmt.Fprintf(b, "] >>\nstartxref\n%d\n%%%%EOF\n", at)
		return b.Bytes()
	}
	nested := appendUpdate(t, good, map[int]string{mustOpen(t, good).root.num: strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20)})
	// A section whose /Prev is itself.
	loop := fmt.Appendf(slices.Clone(good), "xref\n0 0\ntrailer\n<< /Size 9 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", len(good), len(good))

	tests := []struct {
		name string
		pdf  []byte
		want error
		text string
	}{
		{"16 MB trailer", tokens([]byte("%PDF-1.4\n"), 16<<20), ErrUnreadablePDF, "longer than 65536 bytes"},
		{"100 MB trailer after a certificate", tokens(good, 100<<20), ErrUnreadablePDF, "longer than 65536 bytes"},
		{"100 MB of zeros after a certificate", append(slices.Clone(good), make([]byte, 100<<20)...), ErrUnreadablePDF, "no startxref"},
		{"catalog nested a million deep in an update", nested, ErrUnreadablePDF, "objects longer than 16384 bytes are not read"},
		{"cross-reference sections in a loop", loop, ErrUnreadablePDF, "loop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c PDFCheck
			n := allocated(func() { c = VerifyPDF(tt.pdf, KeySet{}) })
			checkReport(t, "File", c.File, tt.want, tt.text)
			if c.SHA256 != sha256Hex(tt.pdf) {
				t.Error("SHA256 is not the hash of the file")
			}
			if n > 48<<20 {
				t.Errorf("VerifyPDF of %d MB allocated %d MB", len(tt.pdf)>>20, n>>20)
			}
		})
	}
}

// verifySeeds are the seeds of FuzzVerifyPDF: small signed documents,
// whole and damaged, and, with certificates, the signed certificates
// (45 KB each).
func verifySeeds(tb testing.TB, certificates bool) [][]byte {
	p := signers(tb).ecdsa
	small, err := SignPDF(fpdfDoc(tb, 1, true), p)
	if err != nil {
		tb.Fatal(err)
	}
	tree, err := SignPDF(handPDF("/Names << /EmbeddedFiles 4 0 R >>", "<< /Kids [5 0 R] >>", "<< /Names [(k) 6 0 R] >>",
		"<< /Type /Filespec /UF <FEFF006B> /EF << /F 7 0 R >> >>", fileStream(string(deflate([]byte("claims"))), "/Filter /FlateDecode")), p)
	if err != nil {
		tb.Fatal(err)
	}
	l := layoutOf(tb, small)
	a, b := l.br[1], l.br[2]
	number := withByteRange(tb, small, fmt.Sprintf("[0 %d %d %d]", a, a+1, len(small)-a-1))
	copy(number[a:b], "7"+strings.Repeat(" ", b-a-1))
	seeds := [][]byte{
		small, tree, fpdfDoc(tb, 1, false), number,
		withByteRange(tb, small, fmt.Sprintf("[0 %d %d %d]", a, b, len(small)-b-9)),
		small[:len(small)-100],
		append(slices.Clone(small), "1 0 obj\n<< >>\nendobj\n"...),
		appendUpdate(tb, small, map[int]string{mustOpen(tb, small).root.num: "<< /Type /Catalog >>"}),
		[]byte("%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"),
	}
	if certificates {
		f := fixture(tb)
		seeds = append(seeds, f.ecdsa, f.rsa, f.unsigned)
	}
	return seeds
}

// FuzzVerifyPDF feeds VerifyPDF damaged signed PDFs: it must never panic,
// and what it reports must hang together. The signed certificates are
// seeds of the plain test run only: fuzzing, the engine would spend its
// time minimizing inputs of their size (-fuzzminimizetime, a minute each).
func FuzzVerifyPDF(f *testing.F) {
	fuzzing := flag.Lookup("test.fuzz").Value.String() != ""
	for _, seed := range verifySeeds(f, !fuzzing) {
		f.Add(seed)
	}
	keys := pdfKeys(f, true, nil)
	f.Fuzz(func(t *testing.T, pdf []byte) { checkVerifyPDF(t, pdf, keys) })
}

// checkVerifyPDF checks that what VerifyPDF reports of pdf hangs together.
func checkVerifyPDF(t *testing.T, pdf []byte, keys KeySet) {
	t.Helper()
	c := VerifyPDF(pdf, keys)
	if c.SHA256 != sha256Hex(pdf) {
		t.Fatal("SHA256 is not the hash of the file")
	}
	if c.File != nil {
		if !errors.Is(c.File, ErrNotPDF) && !errors.Is(c.File, ErrUnreadablePDF) && !errors.Is(c.File, ErrUnsignedPDF) {
			t.Fatalf("File = %v, not one of its errors", c.File)
		}
		if c.Signature != ErrNotChecked || c.Coverage != ErrNotChecked || c.Trust != ErrNotChecked || c.AttachmentsErr != ErrNotChecked {
			t.Fatalf("checks made after File failed: %v, %v, %v, %v", c.Signature, c.Coverage, c.Trust, c.AttachmentsErr)
		}
	}
	if c.Valid() {
		if c.Err() != nil || c.SignedBytes != len(pdf) || c.KID == "" || c.SigningTime.IsZero() {
			t.Fatalf("valid with Err %v, SignedBytes %d of %d, KID %q", c.Err(), c.SignedBytes, len(pdf), c.KID)
		}
	} else if c.Err() == nil {
		t.Fatal("not valid, but Err() is nil")
	}
	if c.AttachmentsErr == nil {
		if len(c.Attachments) > maxAttachments {
			t.Fatalf("%d attachments", len(c.Attachments))
		}
		for name, data := range c.Attachments {
			if len(data) > maxAttachmentSize {
				t.Fatalf("attachment %q of %d bytes", name, len(data))
			}
		}
	} else if c.Attachments != nil {
		t.Fatal("attachments with an error")
	}
}

// BenchmarkVerifyPDF verifies a typical certificate: rendered with its
// credential and claims attached, signed with ECDSA P-256 or RSA-2048.
func BenchmarkVerifyPDF(b *testing.B) {
	f := fixture(b)
	keys := pdfKeys(b, true, nil)
	for _, bb := range []struct {
		name string
		pdf  []byte
	}{{"ECDSA-P256", f.ecdsa}, {"RSA-2048", f.rsa}} {
		b.Run(fmt.Sprintf("%s/%dKB", bb.name, len(bb.pdf)/1000), func(b *testing.B) {
			b.SetBytes(int64(len(bb.pdf)))
			b.ReportAllocs()
			for b.Loop() {
				if c := VerifyPDF(bb.pdf, keys); !c.Valid() {
					b.Fatal(c.Err())
				}
			}
		})
	}
}
