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
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// signTime is the signing time of the tests: Hong Kong time, so that the
// /M date carries an offset and the CMS signing time is converted to UTC.
var signTime = time.Date(2026, 7, 15, 16, 30, 5, 0, time.FixedZone("HKT", 8*3600))

// testSigners are the keys and certificates the tests sign with, made
// once: an RSA-2048 key takes a while, the more so under -race.
type testSigners struct {
	rsa, ecdsa, chained PDFSignParams
}

var testSignersOnce = sync.OnceValues(func() (testSigners, error) {
	var s testSigners
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return s, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return s, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return s, err
	}
	rsaCert, err := testCert(rsaKey, "Demo Guangdong Skills Evaluation Centre", nil, nil)
	if err != nil {
		return s, err
	}
	ecCert, err := testCert(ecKey, "Demo Hong Kong Skills Body", nil, nil)
	if err != nil {
		return s, err
	}
	caCert, err := testCert(caKey, "Demo Macao Root CA", nil, nil)
	if err != nil {
		return s, err
	}
	leafCert, err := testCert(ecKey, "Demo Macao DSAL Issuer", caCert, caKey)
	if err != nil {
		return s, err
	}
	base := PDFSignParams{Time: signTime, Reason: "Skill certificate (一试多证)", Location: "Zhuhai", ContactInfo: "certs@example.org"}
	s.rsa, s.ecdsa, s.chained = base, base, base
	s.rsa.Key, s.rsa.Cert = rsaKey, rsaCert
	s.ecdsa.Key, s.ecdsa.Cert = ecKey, ecCert
	s.chained.Key, s.chained.Cert, s.chained.Chain = ecKey, leafCert, []*x509.Certificate{caCert}
	return s, nil
})

func signers(t testing.TB) testSigners {
	t.Helper()
	s, err := testSignersOnce()
	if err != nil {
		t.Fatalf("making test keys: %v", err)
	}
	return s
}

// testCert makes a certificate for key, self-signed when parent is nil,
// with the key usages of a document signing certificate.
func testCert(key crypto.Signer, cn string, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"bayskills demo"}},
		NotBefore:    signTime.Add(-24 * time.Hour),
		NotAfter:     signTime.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
		if strings.Contains(cn, "CA") {
			tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
			tmpl.KeyUsage |= x509.KeyUsageCertSign
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// pageText is the text of the test documents' first page; the tests
// tamper with it.
const pageText = "Certificate of Skill: Chan Tai Man, Mobile Robotics"

// fpdfDoc renders a document as the certificates are rendered: fpdf, A4
// landscape. Uncompressed, so that its text can be found and changed;
// pages of filler make it bigger; link adds a link annotation (an /Annots
// array in the page) to the first page.
func fpdfDoc(tb testing.TB, pages int, link bool) []byte {
	tb.Helper()
	p := fpdf.New("L", "mm", "A4", "")
	p.SetCompression(false)
	p.SetFont("Helvetica", "", 12)
	p.AddPage()
	p.Text(20, 20, pageText)
	if link {
		p.LinkString(20, 30, 80, 10, "https://example.org/v/abc")
	}
	for i := 1; i < pages; i++ {
		p.AddPage()
		for line := range 36 {
			p.Text(15, 10+float64(line)*5, fmt.Sprintf("Page %d, line %d: marks, aspects and judges of the demo event, to make the file bigger.", i, line))
		}
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		tb.Fatalf("fpdf: %v", err)
	}
	return buf.Bytes()
}

// handDoc is a PDF written by hand with what fpdf never writes but other
// producers do: a nested page tree, /Annots as an object of its own,
// comments, an /ID, and an earlier incremental update (a /Prev chain) that
// adds /Info.
func handDoc() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R % the page tree\n>>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 420 300] /Contents 5 0 R /Annots 6 0 R\n/Resources << /Font << /F1 7 0 R >> >> >>",
		"<< /Length " + strconv.Itoa(len("BT /F1 12 Tf 20 150 Td ("+pageText+") Tj ET")) + " >>\nstream\nBT /F1 12 Tf 20 150 Td (" + pageText + ") Tj ET\nendstream",
		"[<< /Type /Annot /Subtype /Link /Rect [20 140 200 160] /Border [0 0 0] /A << /S /URI /URI (https://example.org/) >> >>]",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	id := "<0123456789ABCDEF0123456789ABCDEF>"
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [%s %s] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, id, id, xref)

	info := b.Len()
	b.WriteString("8 0 obj\n<< /Title (Hand made) >>\nendobj\n")
	xref2 := b.Len()
	fmt.Fprintf(&b, "xref\n8 1\n%010d 00000 n \ntrailer\n<< /Size 9 /Root 1 0 R /Info 8 0 R /ID [%s %s] /Prev %d >>\nstartxref\n%d\n%%%%EOF", info, id, id, xref, xref2)
	return b.Bytes()
}

// pdfsig runs poppler's pdfsig on pdf and returns its report. pdfsig
// exits with 0 whether or not the signature is valid: the report says.
func pdfsig(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(needTool(t, "pdfsig"), "-no-ocsp", path)
	cmd.Env = append(os.Environ(), "TZ=UTC") // it prints the signing time in local time
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	return string(out)
}

// The exact lines of poppler's pdfsig (22.12) this test relies on.
const (
	pdfsigValid    = "  - Signature Validation: Signature is Valid.\n"
	pdfsigTotal    = "  - Total document signed\n"
	pdfsigMismatch = "  - Signature Validation: Digest Mismatch.\n"
)

func TestSignPDF(t *testing.T) {
	s := signers(t)
	tests := []struct {
		name string
		pdf  []byte
		p    PDFSignParams
	}{
		{"fpdf RSA-2048", fpdfDoc(t, 1, false), s.rsa},
		{"fpdf ECDSA P-256", fpdfDoc(t, 1, false), s.ecdsa},
		{"fpdf with link, ECDSA with chain", fpdfDoc(t, 3, true), s.chained},
		{"hand-made with update, RSA-2048", handDoc(), s.rsa},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := slices.Clone(tt.pdf)
			signed, err := SignPDF(tt.pdf, tt.p)
			if err != nil {
				t.Fatalf("SignPDF: %v", err)
			}
			if !bytes.Equal(tt.pdf, orig) {
				t.Fatal("SignPDF changed its input")
			}
			if !bytes.HasPrefix(signed, tt.pdf) {
				t.Fatal("the signed PDF does not start with the original: not an incremental update")
			}
			verifyPDFSignature(t, signed, tt.p)

			report := pdfsig(t, signed)
			for _, want := range []string{
				pdfsigValid,
				pdfsigTotal,
				"  - Signature Field Name: Signature1\n",
				"  - Signer Certificate Common Name: " + tt.p.Cert.Subject.CommonName + "\n",
				"  - Signing Hash Algorithm: SHA-256\n",
				"  - Signature Type: adbe.pkcs7.detached\n",
				"  - Signing Time: Jul 15 2026 08:30:05\n", // in UTC
			} {
				if !strings.Contains(report, want) {
					t.Errorf("pdfsig does not say %q:\n%s", want, report)
				}
			}
			if got := strings.Count(report, "Signature #"); got != 1 {
				t.Errorf("pdfsig reports %d signatures, want 1:\n%s", got, report)
			}
			if out := runTool(t, signed, "qpdf", "--check"); !strings.Contains(out, "No syntax or stream encoding errors found") {
				t.Errorf("qpdf --check:\n%s", out)
			}
			if out := runTool(t, signed, "pdftotext", "{pdf}", "-"); !strings.Contains(out, pageText) {
				t.Errorf("pdftotext = %q, want it to contain %q", out, pageText)
			}

			// One changed byte anywhere in the signed ranges breaks the
			// signature: in the page text of the original, in the
			// signature dictionary, in the new catalog.
			for _, tamper := range []struct{ name, old, new string }{
				{"page text", "Chan Tai Man", "Chan Tai Mun"},
				{"signature reason", "/ContactInfo (certs@", "/ContactInfo (certz@"},
				{"form in the update", "/SigFlags 3", "/SigFlags 1"},
			} {
				t.Run("tampered "+tamper.name, func(t *testing.T) {
					bad := bytes.Replace(signed, []byte(tamper.old), []byte(tamper.new), 1)
					if bytes.Equal(bad, signed) {
						t.Fatalf("%q not in the signed PDF", tamper.old)
					}
					report := pdfsig(t, bad)
					if strings.Contains(report, pdfsigValid) || !strings.Contains(report, pdfsigMismatch) {
						t.Errorf("pdfsig after changing %q to %q, want %q:\n%s", tamper.old, tamper.new, pdfsigMismatch, report)
					}
				})
			}
		})
	}
}

// verifyPDFSignature checks the signature of signed without poppler: the
// byte range covers everything but /Contents, and the CMS in it holds the
// digest of those bytes, a valid signature over its signed attributes
// (DER with the SET tag, 0x31) and the certificates of p.
func verifyPDFSignature(t *testing.T, signed []byte, p PDFSignParams) {
	t.Helper()
	m := regexp.MustCompile(`/ByteRange \[0 (\d+) (\d+) (\d+)\] *\n/Contents <([0-9a-f]*)>`).FindSubmatch(signed)
	if m == nil {
		t.Fatal("no /ByteRange followed by /Contents")
	}
	var br [3]int
	for i := range br {
		br[i], _ = strconv.Atoi(string(m[i+1]))
	}
	if br[0] != bytes.Index(signed, m[4])-1 || br[1] != br[0]+len(m[4])+2 || br[1]+br[2] != len(signed) {
		t.Fatalf("/ByteRange [0 %d %d %d] does not cover all but /Contents of a %d-byte file", br[0], br[1], br[2], len(signed))
	}
	der, err := hex.DecodeString(string(m[4]))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(slices.Concat(signed[:br[0]], signed[br[1]:]))

	var ci cmsContentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil || !ci.ContentType.Equal(oidSignedData) {
		t.Fatalf("ContentInfo: %v, type %v", err, ci.ContentType)
	}
	if bytes.ContainsFunc(rest, func(r rune) bool { return r != 0 }) {
		t.Error("the /Contents padding after the CMS is not all zeros")
	}
	var sd cmsSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		t.Fatalf("SignedData: %v", err)
	}
	if sd.Version != 1 || len(sd.DigestAlgorithms) != 1 || !sd.DigestAlgorithms[0].Algorithm.Equal(oidSHA256) || !sd.EncapContentInfo.EContentType.Equal(oidData) {
		t.Errorf("SignedData version %d, digests %v, content %v", sd.Version, sd.DigestAlgorithms, sd.EncapContentInfo.EContentType)
	}
	certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
	if err != nil || sd.Certificates.Tag != 0 || sd.Certificates.Class != asn1.ClassContextSpecific {
		t.Fatalf("certificates: %v (tag %d)", err, sd.Certificates.Tag)
	}
	for _, want := range append([]*x509.Certificate{p.Cert}, p.Chain...) {
		if !slices.ContainsFunc(certs, want.Equal) {
			t.Errorf("certificate %q missing from the CMS", want.Subject.CommonName)
		}
	}
	if len(sd.SignerInfos) != 1 {
		t.Fatalf("%d SignerInfos, want 1", len(sd.SignerInfos))
	}
	var si cmsSignerInfo
	if _, err := asn1.Unmarshal(sd.SignerInfos[0].FullBytes, &si); err != nil {
		t.Fatalf("SignerInfo: %v", err)
	}
	if si.Version != 1 || si.SID.SerialNumber.Cmp(p.Cert.SerialNumber) != 0 || !bytes.Equal(si.SID.Issuer.FullBytes, p.Cert.RawIssuer) {
		t.Errorf("SignerInfo version %d, serial %v: does not name the signer's certificate", si.Version, si.SID.SerialNumber)
	}
	if got := si.SignedAttrs.FullBytes[0]; got != 0xA0 {
		t.Errorf("signed attributes stored with tag %#x, want [0] IMPLICIT (0xa0)", got)
	}
	attrsDER := slices.Clone(si.SignedAttrs.FullBytes)
	attrsDER[0] = 0x31
	var attrs []cmsAttribute
	if _, err := asn1.UnmarshalWithParams(attrsDER, &attrs, "set"); err != nil {
		t.Fatalf("signed attributes: %v", err)
	}
	got := map[string][]byte{}
	for _, a := range attrs {
		got[a.Type.String()] = a.Values.Bytes
	}
	var md []byte
	if _, err := asn1.Unmarshal(got[oidMessageDigest.String()], &md); err != nil || !bytes.Equal(md, digest[:]) {
		t.Errorf("message-digest %x, want %x (%v)", md, digest, err)
	}
	var st time.Time
	if _, err := asn1.Unmarshal(got[oidSigningTime.String()], &st); err != nil || !st.Equal(p.Time) {
		t.Errorf("signing-time %v, want %v (%v)", st, p.Time, err)
	}
	if _, ok := got[oidSigningCertificateV2.String()]; !ok {
		t.Error("no signing-certificate-v2 attribute")
	}

	// RFC 5652 §5.4: the signature is over the attributes as a SET (0x31).
	h := sha256.Sum256(attrsDER)
	switch pub := p.Cert.PublicKey.(type) {
	case *rsa.PublicKey:
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], si.Signature)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, h[:], si.Signature) {
			err = fmt.Errorf("ECDSA signature does not verify")
		}
	}
	if err != nil {
		t.Errorf("signature over the signed attributes: %v", err)
	}
}

// oversizedSigner returns signatures longer than its key type allows, as a
// misbehaving hardware module could.
type oversizedSigner struct{ crypto.Signer }

func (s oversizedSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := s.Signer.Sign(r, digest, opts)
	return append(sig, make([]byte, 64)...), err
}

func TestSignPDFRejects(t *testing.T) {
	s := signers(t)
	good := fpdfDoc(t, 1, false)
	// change returns good with old replaced by new, which must be there.
	change := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q is not in the fpdf output", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	tail := bytes.LastIndex(good, []byte("startxref"))
	withStartxref := func(off string) []byte {
		return slices.Concat(good[:tail], []byte("startxref\n"+off+"\n%%EOF\n"))
	}
	objAt := strconv.Itoa(bytes.Index(good, []byte(" 0 obj")) - 1)
	smallKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	with := func(change func(p *PDFSignParams)) PDFSignParams {
		p := s.ecdsa
		change(&p)
		return p
	}
	tests := []struct {
		name string
		pdf  []byte
		p    PDFSignParams
		want string
	}{
		{"empty", nil, s.ecdsa, "not a PDF"},
		{"HTML", []byte("<!doctype html><title>404</title>"), s.ecdsa, "not a PDF"},
		{"truncated", good[:len(good)/2], s.ecdsa, "no startxref"},
		{"startxref past the end", withStartxref("99999999"), s.ecdsa, "outside the file"},
		{"startxref not a number", withStartxref("x12"), s.ecdsa, "startxref: integer expected"},
		{"startxref at an object", withStartxref(objAt), s.ecdsa, "cross-reference streams (PDF 1.5) are not supported"},
		{"startxref at garbage", withStartxref("1"), s.ecdsa, "no cross-reference table"},
		{"no trailer /Root", change("/Root", "/Ruut"), s.ecdsa, "no /Root"},
		{"no trailer /Size", change("/Size", "/Sise"), s.ecdsa, "no valid /Size"},
		{"trailer /Size too small", change("/Size 8", "/Size 3"), s.ecdsa, "/Size 3 is too small"},
		{"encrypted", change("/Info", "/Encrypt 1 0 R /Info"), s.ecdsa, "encrypted PDFs are not supported"},
		{"catalog missing", change("/Root 7 0 R", "/Root 9 0 R"), s.ecdsa, "catalog (object 9) is not in the cross-reference table"},
		{"catalog not a catalog", change("/Type /Catalog", "/Type /Catalgg"), s.ecdsa, "/Type is not /Catalog"},
		{"catalog broken", change("/Type /Catalog", "(Type /Catalog"), s.ecdsa, "catalog (object 7): "},
		{"catalog without pages", change("/Pages 1 0 R\n/Names", "/Pagez 1 0 R\n/Names"), s.ecdsa, "catalog: no /Pages reference"},
		{"catalog with a form", change("/Type /Catalog", "/AcroForm <<>>"), s.ecdsa, "already has an interactive form"},
		{"page tree broken", change("/Kids [3 0 R ]", "/Kids [3 0 X ]"), s.ecdsa, "page tree node 1: the first kid is not a reference"},
		{"no pages", change("/Kids [3 0 R ]", "/Kids [       ]"), s.ecdsa, "the document has no pages"},
		{"xref entry broken", change(" 00000 n \n", " 00000 x \n"), s.ecdsa, "malformed cross-reference entry"},
		{"no key", good, with(func(p *PDFSignParams) { p.Key = nil }), "no signing key"},
		{"no certificate", good, with(func(p *PDFSignParams) { p.Cert = nil }), "no signing certificate"},
		{"key of another certificate", good, with(func(p *PDFSignParams) { p.Cert = s.rsa.Cert }), "does not belong to the certificate"},
		{"RSA-1024", good, with(func(p *PDFSignParams) { p.Key = smallKey }), "at least 2048"},
		{"Ed25519", good, with(func(p *PDFSignParams) { p.Key = edKey }), "unsupported signing key type ed25519.PublicKey"},
		{"reserve too small", good, with(func(p *PDFSignParams) { p.Reserve = 256 }), "the signature needs"},
		{"signature too long", good, with(func(p *PDFSignParams) { p.Key = oversizedSigner{p.Key} }), "more than the 72 its type allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := SignPDF(tt.pdf, tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SignPDF error = %v, want one containing %q", err, tt.want)
			}
			if out != nil {
				t.Errorf("SignPDF returned %d bytes with its error", len(out))
			}
		})
	}
}

func TestPDFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Zhuhai", "(Zhuhai)"},
		{`a (b) \c`, `(a \(b\) \\c)`},
		{"珠海 Zhuhai", "<FEFF73E06D770020005A00680075006800610069>"},
		{"line\nbreak", "<FEFF006C0069006E0065000A0062007200650061006B>"},
		{"😀", "<FEFFD83DDE00>"},
	}
	for _, tt := range tests {
		if got := string(appendPDFText(nil, tt.in)); got != tt.want {
			t.Errorf("appendPDFText(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestPDFDate(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{signTime, "D:20260715163005+08'00'"},
		{signTime.UTC(), "D:20260715083005Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -(3*3600+30*60))), "D:20260102030405-03'30'"},
	}
	for _, tt := range tests {
		if got := pdfDate(tt.in); got != tt.want {
			t.Errorf("pdfDate(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzSignPDF feeds SignPDF damaged PDFs: it must fail with an error, never
// panic, and what it signs must keep the input as its start.
func FuzzSignPDF(f *testing.F) {
	good := fpdfDoc(f, 1, true)
	f.Add(good)
	f.Add(handDoc())
	f.Add(good[:len(good)-40])
	f.Add([]byte("%PDF-1.4\nstartxref\n9\n%%EOF"))
	f.Add([]byte("%PDF-1.4\nxref\n0 99999999999\ntrailer <<>>\nstartxref\n9\n%%EOF"))
	f.Add([]byte("%PDF-1.4\n1 0 obj [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ endobj\nxref\n1 1\n0000000009 00000 n \ntrailer << /Size 2 /Root 1 0 R >>\nstartxref\n64\n%%EOF"))
	p := signers(f).ecdsa
	f.Fuzz(func(t *testing.T, pdf []byte) {
		out, err := SignPDF(pdf, p)
		if err == nil && !bytes.HasPrefix(out, pdf) {
			t.Fatal("the signed PDF does not start with the original")
		}
	})
}

// BenchmarkSignPDF signs a ~60 KB certificate-sized PDF: the cost SignPDF
// adds to each issued certificate.
func BenchmarkSignPDF(b *testing.B) {
	s := signers(b)
	pdf := fpdfDoc(b, 15, false)
	for _, bb := range []struct {
		name string
		p    PDFSignParams
	}{{"ECDSA-P256", s.ecdsa}, {"RSA-2048", s.rsa}} {
		b.Run(fmt.Sprintf("%s/%dKB", bb.name, len(pdf)/1000), func(b *testing.B) {
			b.SetBytes(int64(len(pdf)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := SignPDF(pdf, bb.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
