package certs

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The files a certificate's PDF carries (Certificate.Attachments), by the
// names issuance gives them and verifiers look for.
const (
	// CredentialAttachment is the machine-readable credential (W3C VC 2.0,
	// Open Badges 3.0), JSON.
	CredentialAttachment = "credential.json"
	// ClaimsAttachment is the QR code's signed claims, the compact JWS as
	// text: the QR code is drawn as vector graphics, so a verifier of the
	// file reads the claims here rather than from the page.
	ClaimsAttachment = "claims.jws"
)

// Errors of VerifyPDF, one set per check of PDFCheck. Each error it
// reports matches one of them (or ErrKeyWindow, ErrKeyCompromised) through
// errors.Is, so that a page can say it in the reader's language; the
// message adds what was wrong, in English.
var (
	// ErrNotChecked: the check was not made, because an earlier one failed
	// (no signature to check, no signing time to check the key at).
	ErrNotChecked = errors.New("certs: not checked")

	// ErrNotPDF: the file is empty or does not start as a PDF does.
	ErrNotPDF = errors.New("certs: not a PDF")
	// ErrUnreadablePDF: a PDF that cannot be read: truncated, damaged, or
	// of a kind bayskills does not write (cross-reference streams,
	// encryption, objects far larger than a certificate's).
	ErrUnreadablePDF = errors.New("certs: unreadable PDF")
	// ErrUnsignedPDF: a PDF without a digital signature.
	ErrUnsignedPDF = errors.New("certs: the PDF has no digital signature")

	// ErrMalformedPDFSignature: the signature dictionary, its /ByteRange
	// or /Contents, or the CMS signature in it is malformed or of a kind
	// not supported (only adbe.pkcs7.detached and ETSI.CAdES.detached, one
	// signer, SHA-256 with ECDSA P-256 or RSA PKCS #1 v1.5).
	ErrMalformedPDFSignature = errors.New("certs: malformed or unsupported PDF signature")
	// ErrBadPDFSignature: the CMS signature does not verify with the
	// certificate it names.
	ErrBadPDFSignature = errors.New("certs: the PDF signature does not verify")
	// ErrAlteredPDF: the signature verifies, but the signed bytes are not
	// the ones signed: the document was altered.
	ErrAlteredPDF = errors.New("certs: the signed content of the PDF was altered")

	// ErrChangedAfterSigning: bytes follow the signed revision, such as an
	// incremental update made after signing: what a reader shows may not
	// be what was signed.
	ErrChangedAfterSigning = errors.New("certs: the PDF was changed after signing")

	// ErrUntrustedPDFKey: the signer's key is not in the verifier's key set.
	ErrUntrustedPDFKey = errors.New("certs: signed by a key this verifier does not trust")

	// ErrAttachment: the embedded files of the signed revision cannot be
	// read within VerifyPDF's bounds.
	ErrAttachment = errors.New("certs: unreadable attachment")
)

// PDFCheck is what VerifyPDF finds in a PDF, each check on its own so that
// a page or a command can show them one by one. A check's error is nil
// when it passed, ErrNotChecked when it could not be made, else the
// reason it failed. Only Valid says the file is a genuine certificate.
type PDFCheck struct {
	// SHA256 is the SHA-256 of the whole file, in hexadecimal, for the
	// registry's check of the stored hash (the caller's).
	SHA256 string

	// File is nil when the file is a PDF with a signed signature field;
	// else ErrNotPDF, ErrUnreadablePDF or ErrUnsignedPDF, and no other
	// check is made.
	File error
	// Signature is nil when the CMS signature verifies with its signer's
	// certificate and holds the digest of the signed bytes; else
	// ErrMalformedPDFSignature, ErrBadPDFSignature or ErrAlteredPDF.
	Signature error
	// Coverage is nil when the signature covers the whole file but the
	// signature itself; ErrChangedAfterSigning when bytes follow the
	// signed revision.
	Coverage error
	// Trust is nil when the signer's key is in the key set and could sign
	// at SigningTime; else ErrUntrustedPDFKey, ErrKeyWindow or
	// ErrKeyCompromised. It is checked whenever the signature's signed
	// attributes verify, even if the document was altered since.
	Trust error
	// AttachmentsErr is nil when the embedded files of the signed revision
	// were read into Attachments, else why not (ErrAttachment). It does
	// not count in Valid.
	AttachmentsErr error

	// SubFilter is the signature's format, "adbe.pkcs7.detached" or
	// "ETSI.CAdES.detached".
	SubFilter string
	// SignedBytes is the length of the signed revision: the signature
	// covers the file's first SignedBytes bytes but the signature itself.
	SignedBytes int
	// Signer is the certificate of the signer and SigningTime the CMS
	// signing time (UTC), set only when the signature over the signed
	// attributes verifies. The certificate proves nothing by itself: Trust
	// says whether its key is one the verifier trusts.
	Signer      *x509.Certificate
	SigningTime time.Time
	// KID is the id of the trusted key that signed, when the key set has
	// it (even when Trust reports its window or compromise).
	KID string

	// Attachments are the files embedded in the signed revision, by name,
	// whether or not the signature is valid: rely on them only when Valid
	// is true, or when they carry a signature of their own (the claims).
	Attachments map[string][]byte
}

// Valid reports whether the PDF is signed, the signature verifies over the
// whole file, and the signer's key is trusted at the signing time. The
// stored-hash and claims checks are the caller's.
func (c PDFCheck) Valid() bool {
	return c.File == nil && c.Signature == nil && c.Coverage == nil && c.Trust == nil && c.Signer != nil && c.KID != ""
}

// Err returns the first reason the PDF is not valid (File, Signature,
// Coverage, Trust, in that order), or nil when it is.
func (c PDFCheck) Err() error {
	for _, err := range []error{c.File, c.Signature, c.Coverage, c.Trust} {
		if err != nil {
			return err
		}
	}
	if !c.Valid() {
		return ErrNotChecked
	}
	return nil
}

// Claims returns the signed claims attached to the PDF (ClaimsAttachment)
// without surrounding white space, or "". They are for ParseClaims, which
// checks their own signature.
func (c PDFCheck) Claims() string {
	return strings.TrimSpace(string(c.Attachments[ClaimsAttachment]))
}

// Credential returns the attached credential (CredentialAttachment), or
// nil.
func (c PDFCheck) Credential() []byte { return c.Attachments[CredentialAttachment] }

// Bounds of VerifyPDF. bayskills' certificates stay far below them:
// about 40 objects, signatures of 1 to 8 KB, attachments of a few KB.
// They keep the work and memory of a verification small whatever the
// file holds, because the PDF parser allocates a few hundred bytes for
// each value it reads.
const (
	// maxXrefRoom bounds the bytes of cross-reference sections and trailers
	// read from one revision chain.
	maxXrefRoom = 64 << 10
	// maxObjectRoom bounds one object read (a catalog, a field, a node of
	// the name tree, a stream's dictionary).
	maxObjectRoom = 16 << 10
	// maxSignatureDER bounds the CMS signature in /Contents.
	maxSignatureDER = 32 << 10
	// maxSigDictRoom bounds the signature dictionary, /Contents included.
	maxSigDictRoom = 2*maxSignatureDER + 4<<10
	// maxParseRoom bounds the bytes of all objects read in one
	// verification.
	maxParseRoom = 192 << 10
	// maxFormNodes and maxTreeNodes bound the form fields and the nodes of
	// the name tree visited; maxTreeDepth the depth of both.
	maxFormNodes = 64
	maxTreeNodes = 64
	maxTreeDepth = 8
	// maxAttachments and maxAttachmentSize bound the embedded files read.
	maxAttachments    = 16
	maxAttachmentSize = 1 << 20
	// maxCMSCerts bounds the certificates of a CMS signature.
	maxCMSCerts = 16
	// maxStreamGap is how far the stream and endstream keywords may be
	// from a stream's dictionary and data.
	maxStreamGap = 64
)

// VerifyPDF checks a certificate's PDF as bayskills signs it (SignPDF): the
// signature of its last signature field, whether it covers the whole file,
// whether the key set trusts its signer's key at its signing time, and
// reads the files embedded in the signed revision. It never fails: every
// problem, "not a PDF" included, is reported in its check of the result.
//
// Hostile input gives an error in the result, never a panic; the work is
// linear in the file's length and the memory bounded whatever it holds.
// It is safe for concurrent use.
func VerifyPDF(pdf []byte, keys KeySet) PDFCheck {
	sum := sha256.Sum256(pdf)
	c := PDFCheck{
		SHA256: hex.EncodeToString(sum[:]),
		File:   ErrNotChecked, Signature: ErrNotChecked, Coverage: ErrNotChecked, Trust: ErrNotChecked,
		AttachmentsErr: ErrNotChecked,
	}
	room := maxParseRoom
	doc, err := openVerified(pdf, &room)
	if err != nil {
		c.File = err
		return c
	}
	v, err := doc.lastSignature()
	if err != nil {
		c.File = err
		return c
	}
	c.File = nil

	if v.kind == pdfRefKind {
		v, err = doc.get(v.ref, "signature dictionary", maxSigDictRoom)
	}
	if err != nil {
		c.Signature = fmt.Errorf("%w: %v", ErrMalformedPDFSignature, err)
		return c
	}
	sig, err := readSignature(pdf, v)
	if err != nil {
		c.Signature = err
		return c
	}
	c.SubFilter, c.SignedBytes = sig.subFilter, sig.end
	c.Coverage = nil
	if sig.end < len(pdf) {
		c.Coverage = fmt.Errorf("%w: %d bytes follow the signed revision of %d bytes", ErrChangedAfterSigning, len(pdf)-sig.end, sig.end)
	}

	signed := doc
	if sig.end < len(pdf) {
		signed, err = openVerified(pdf[:sig.end], &room)
	}
	if err == nil {
		c.Attachments, err = signed.attachments()
	}
	if c.AttachmentsErr = err; err != nil {
		c.Attachments = nil
		if !errors.Is(err, ErrAttachment) {
			c.AttachmentsErr = fmt.Errorf("%w: the signed revision: %v", ErrAttachment, err)
		}
	}

	h := sha256.New()
	h.Write(pdf[:sig.contentsAt])
	h.Write(pdf[sig.contentsEnd:sig.end])
	signer, st, err := verifyCMS(sig.cms, h.Sum(nil))
	c.Signature = err
	if signer == nil {
		return c
	}
	c.Signer, c.SigningTime = signer, st
	key, ok := keys.KeyFor(signer.PublicKey)
	if !ok {
		c.Trust = ErrUntrustedPDFKey
		return c
	}
	c.KID = key.KID
	c.Trust = key.CheckSignedAt(st)
	return c
}

// verifyDoc is a PDF opened for verification: objects are read within
// windows of the file, and all of them within a budget.
type verifyDoc struct {
	*pdfDoc
	room *int // bytes of objects still to read, shared by the revisions
}

// openVerified opens pdf (openPDF) once checkXrefRoom has made sure that
// its cross-reference sections and trailers are small.
func openVerified(pdf []byte, room *int) (*verifyDoc, error) {
	if len(pdf) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header", ErrNotPDF)
	}
	if err := checkXrefRoom(pdf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadablePDF, err)
	}
	d, err := openPDF(pdf)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadablePDF, err)
	}
	return &verifyDoc{pdfDoc: d, room: room}, nil
}

// checkXrefRoom walks the chain of cross-reference sections as openPDF
// does, but parses each within a window of the file, the windows taking at
// most maxXrefRoom bytes in all. openPDF parses without bounds; once every
// section has parsed within its window, openPDF reads exactly the same
// bytes again (a parse that ends inside a window reads the same with the
// whole file), so its work is bounded too. Errors the full parse would
// give too are left to openPDF.
func checkXrefRoom(b []byte) error {
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil
	}
	lx := &pdfLexer{b: b, pos: len(b) - len(tail) + i + len("startxref")}
	off, err := lx.integer()
	if err != nil {
		return nil
	}
	room := maxXrefRoom
	seen := map[int]bool{}
	for len(seen) < maxXrefSections && !seen[off] && off >= 0 && off < len(b) {
		seen[off] = true
		end := min(len(b), off+room)
		_, tr, err := parseXref(b[:end], off)
		if err != nil {
			if end < len(b) {
				return fmt.Errorf("the cross-reference section at offset %d is malformed or longer than %d bytes", off, room)
			}
			return nil
		}
		room -= tr.end - off
		prev, ok := tr.get("Prev")
		if !ok || prev.kind != pdfInt {
			return nil
		}
		off = prev.num
	}
	return nil
}

// get reads indirect object r within a window of at most limit bytes from
// its start, charged to the budget.
func (d *verifyDoc) get(r pdfRef, what string, limit int) (pdfValue, error) {
	limit = min(limit, *d.room)
	if limit <= 0 {
		return pdfValue{}, fmt.Errorf("%s (object %d): the objects read take more than %d bytes", what, r.num, maxParseRoom)
	}
	w := *d.pdfDoc
	e, ok := d.lookup(r.num)
	cut := ok && e.offset >= 0 && e.offset < len(w.b) && len(w.b)-e.offset > limit
	if cut {
		w.b = w.b[:e.offset+limit]
	}
	v, err := w.object(r, what)
	if err != nil {
		if cut {
			return v, fmt.Errorf("%w (objects longer than %d bytes are not read)", err, limit)
		}
		return v, err
	}
	*d.room -= v.end - e.offset
	return v, nil
}

// resolve returns v, or the object it refers to.
func (d *verifyDoc) resolve(v pdfValue, what string) (pdfValue, error) {
	if v.kind != pdfRefKind {
		return v, nil
	}
	return d.get(v.ref, what, maxObjectRoom)
}

// dict returns v, or the object it refers to, as a dictionary.
func (d *verifyDoc) dict(v pdfValue, what string) (pdfValue, error) {
	v, err := d.resolve(v, what)
	if err == nil && v.kind != pdfDict {
		err = fmt.Errorf("%s is not a dictionary", what)
	}
	return v, err
}

// array returns v, or the object it refers to, as an array.
func (d *verifyDoc) array(v pdfValue, what string) (pdfValue, error) {
	v, err := d.resolve(v, what)
	if err == nil && v.kind != pdfArray {
		err = fmt.Errorf("%s is not an array", what)
	}
	return v, err
}

// lastSignature returns the value (/V), a signature dictionary or a
// reference to one, of the last signed signature field
// of the interactive form, in the order of its fields and their kids (ISO
// 32000-1 §12.7.3.1, §12.7.4.5): the signature a signer applied last.
func (d *verifyDoc) lastSignature() (pdfValue, error) {
	unreadable := func(err error) (pdfValue, error) {
		return pdfValue{}, fmt.Errorf("%w: %v", ErrUnreadablePDF, err)
	}
	cat, err := d.get(d.root, "catalog", maxObjectRoom)
	if err != nil {
		return unreadable(err)
	}
	if cat.kind != pdfDict {
		return unreadable(errors.New("the catalog is not a dictionary"))
	}
	formRef, ok := cat.get("AcroForm")
	if !ok {
		return pdfValue{}, fmt.Errorf("%w: no interactive form (/AcroForm)", ErrUnsignedPDF)
	}
	form, err := d.dict(formRef, "interactive form")
	if err != nil {
		return unreadable(err)
	}
	fieldsRef, ok := form.get("Fields")
	if !ok {
		return pdfValue{}, fmt.Errorf("%w: the form has no fields", ErrUnsignedPDF)
	}
	fields, err := d.array(fieldsRef, "form fields")
	if err != nil {
		return unreadable(err)
	}

	var (
		sig      pdfValue
		found    bool
		visits   int
		sigField bool // a signature field, signed or not, was met
	)
	// visit walks a field and its kids, whose field type (/FT) is
	// inherited (§12.7.3.1).
	var visit func(v pdfValue, ft string, depth int) error
	visit = func(v pdfValue, ft string, depth int) error {
		if visits++; visits > maxFormNodes || depth > maxTreeDepth {
			return fmt.Errorf("more than %d form fields, or nested more than %d deep", maxFormNodes, maxTreeDepth)
		}
		f, err := d.dict(v, "form field")
		if err != nil {
			return err
		}
		if t, ok := f.get("FT"); ok {
			ft = nameOf(d.b, t)
		}
		if ft == "Sig" {
			sigField = true
			if val, ok := f.get("V"); ok && (val.kind == pdfRefKind || val.kind == pdfDict) {
				sig, found = val, true
			}
		}
		kids, ok := f.get("Kids")
		if !ok {
			return nil
		}
		if kids, err = d.array(kids, "form field kids"); err != nil {
			return err
		}
		for _, k := range kids.items {
			if err := visit(k, ft, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, f := range fields.items {
		if err := visit(f, "", 0); err != nil {
			return unreadable(err)
		}
	}
	switch {
	case found:
	case sigField:
		return pdfValue{}, fmt.Errorf("%w: the signature field is not signed", ErrUnsignedPDF)
	default:
		return pdfValue{}, fmt.Errorf("%w: no signature field", ErrUnsignedPDF)
	}
	return sig, nil
}

// pdfSignature is what a signature dictionary says: /ByteRange is
// [0 contentsAt contentsEnd end-contentsEnd], and cms is the DER in
// /Contents.
type pdfSignature struct {
	subFilter                    string
	contentsAt, contentsEnd, end int
	cms                          []byte
}

// readSignature reads signature dictionary v of b (ISO 32000-1 §12.8.1):
// its filter and format, its byte range, which must be the whole signed
// revision but the /Contents string, and the bytes of /Contents: the CMS
// DER and the zeros SignPDF pads it with (verifyCMS checks both).
func readSignature(b []byte, v pdfValue) (pdfSignature, error) {
	bad := func(format string, args ...any) (pdfSignature, error) {
		return pdfSignature{}, fmt.Errorf("%w: %s", ErrMalformedPDFSignature, fmt.Sprintf(format, args...))
	}
	if v.kind != pdfDict {
		return bad("the signature field's value is not a dictionary")
	}
	if t, ok := v.get("Type"); ok && !t.isName(b, "Sig") {
		return bad("/Type %s, want /Sig", quoteValue(b, t))
	}
	if f, _ := v.get("Filter"); !f.isName(b, "Adobe.PPKLite") {
		return bad("/Filter %s, want /Adobe.PPKLite", quoteValue(b, f))
	}
	var s pdfSignature
	sf, _ := v.get("SubFilter")
	switch s.subFilter = nameOf(b, sf); s.subFilter {
	case "adbe.pkcs7.detached", "ETSI.CAdES.detached":
	default:
		return bad("/SubFilter %s, want /adbe.pkcs7.detached or /ETSI.CAdES.detached", quoteValue(b, sf))
	}

	br, ok := v.get("ByteRange")
	if !ok || br.kind != pdfArray || len(br.items) != 4 {
		return bad("/ByteRange is not an array of four numbers")
	}
	var r [4]int
	for i, it := range br.items {
		if it.kind != pdfInt {
			return bad("/ByteRange holds %s, not a non-negative integer", quoteValue(b, it))
		}
		r[i] = it.num
	}
	s.contentsAt, s.contentsEnd, s.end = r[1], r[2], r[2]+r[3] // at most 2⁴¹: no overflow
	switch {
	case r[0] != 0:
		return bad("/ByteRange starts at byte %d, not at the start of the file", r[0])
	case s.contentsAt >= s.contentsEnd:
		return bad("/ByteRange [0 %d %d %d]: its ranges overlap or are out of order", r[1], r[2], r[3])
	case s.end > len(b):
		return bad("/ByteRange ends at byte %d, past the end of the %d-byte file", s.end, len(b))
	case v.end > s.end:
		return bad("the signature dictionary is not within the signed bytes")
	}
	contents, ok := v.get("Contents")
	if !ok || contents.start != s.contentsAt || contents.end != s.contentsEnd {
		return bad("the gap in /ByteRange (bytes %d to %d) is not the /Contents string", s.contentsAt, s.contentsEnd)
	}
	if contents.kind != pdfOther || contents.end-contents.start < 2 || b[contents.start] != '<' || b[contents.end-1] != '>' {
		return bad("/Contents is not a hexadecimal string")
	}
	digits := b[s.contentsAt+1 : s.contentsEnd-1]
	if len(digits) > 2*maxSignatureDER {
		return bad("/Contents holds more than %d bytes", maxSignatureDER)
	}
	s.cms = make([]byte, len(digits)/2)
	if len(digits)%2 != 0 {
		return bad("/Contents has an odd number of hexadecimal digits")
	}
	if _, err := hex.Decode(s.cms, digits); err != nil {
		return bad("/Contents is not a string of hexadecimal digits")
	}
	return s, nil
}

// quoteValue returns the text of v as written, quoted and cut short, for
// error messages.
func quoteValue(b []byte, v pdfValue) string {
	if v.end <= v.start {
		return "(none)"
	}
	s := b[v.start:v.end]
	if len(s) > 40 {
		return strconv.Quote(string(s[:40])) + "…"
	}
	return strconv.Quote(string(s))
}

// nameOf returns name v without its slash, or "" when v is not a name.
func nameOf(b []byte, v pdfValue) string {
	if v.kind != pdfName {
		return ""
	}
	return string(b[v.start+1 : v.end])
}

// Object identifiers read but not written by bayskills: other names of the
// same algorithms that PDF signers use (RFC 5754 §3.2, RFC 5480 §2.1.1).
var (
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

// RFC 5652 §5.1–5.3 and RFC 5035 §3 as read: unlike the structures SignPDF
// writes (cms.go), these accept what other signers may add.
type (
	cmsSignedDataIn struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo cmsEncapContentInfoIn
		Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
		CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
		SignerInfos      []asn1.RawValue `asn1:"set"`
	}
	cmsEncapContentInfoIn struct {
		EContentType asn1.ObjectIdentifier
		EContent     asn1.RawValue `asn1:"optional,explicit,tag:0"`
	}
	essSigningCertificateV2In struct {
		Certs    []essCertIDv2In
		Policies asn1.RawValue `asn1:"optional"`
	}
	essCertIDv2In struct {
		HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
		CertHash      []byte
		IssuerSerial  asn1.RawValue `asn1:"optional"`
	}
)

// verifyCMS checks a detached CMS SignedData (RFC 5652) of one signer
// over content whose SHA-256 is digest. It returns the signer's
// certificate and the signing time when the signature over the signed
// attributes verifies, with a nil error or ErrAlteredPDF when the digest
// they hold is not digest; else no certificate and the error.
func verifyCMS(der, digest []byte) (*x509.Certificate, time.Time, error) {
	bad := func(format string, args ...any) (*x509.Certificate, time.Time, error) {
		return nil, time.Time{}, fmt.Errorf("%w: %s", ErrMalformedPDFSignature, fmt.Sprintf(format, args...))
	}
	var ci cmsContentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return bad("CMS: %v", err)
	}
	// The rest of /Contents is the room SignPDF kept: zeros.
	if bytes.ContainsFunc(rest, func(r rune) bool { return r != 0 }) {
		return bad("data follow the CMS signature in /Contents")
	}
	if !ci.ContentType.Equal(oidSignedData) || ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 || !ci.Content.IsCompound {
		return bad("CMS content of type %v, want SignedData", ci.ContentType)
	}
	var sd cmsSignedDataIn
	if err := unmarshalDER(ci.Content.Bytes, &sd, ""); err != nil {
		return bad("CMS SignedData: %v", err)
	}
	if !sd.EncapContentInfo.EContentType.Equal(oidData) || len(sd.EncapContentInfo.EContent.FullBytes) != 0 {
		return bad("not a detached signature of data")
	}
	if len(sd.SignerInfos) != 1 {
		return bad("%d signers, want 1", len(sd.SignerInfos))
	}
	var si cmsSignerInfo
	if err := unmarshalDER(sd.SignerInfos[0].FullBytes, &si, ""); err != nil {
		return bad("CMS SignerInfo (identified by issuer and serial number): %v", err)
	}
	if si.Version != 1 {
		return bad("SignerInfo version %d, want 1 (issuer and serial number)", si.Version)
	}
	if !isSHA256(si.DigestAlgorithm) {
		return bad("digest algorithm %v, want SHA-256", si.DigestAlgorithm.Algorithm)
	}
	signer, err := cmsSignerCertificate(sd.Certificates, si.SID)
	if err != nil {
		return nil, time.Time{}, err
	}
	attrs, err := readSignedAttrs(si.SignedAttrs)
	if err != nil {
		return nil, time.Time{}, err
	}
	if attrs.certHash != nil {
		if h := sha256.Sum256(signer.Raw); !bytes.Equal(attrs.certHash, h[:]) {
			return bad("the signing-certificate-v2 attribute names another certificate than the signer's")
		}
	}
	// RFC 5652 §5.4: the signature is over the DER of the attributes as a
	// SET OF.
	h := sha256.Sum256(attrs.der)
	if err := verifySignerInfo(signer.PublicKey, si.SignatureAlgorithm, h[:], si.Signature); err != nil {
		return nil, time.Time{}, err
	}
	if !bytes.Equal(attrs.digest, digest) {
		return signer, attrs.signingTime, fmt.Errorf("%w: the SHA-256 of the signed bytes differs from the one signed", ErrAlteredPDF)
	}
	return signer, attrs.signingTime, nil
}

// unmarshalDER parses der, which must hold exactly one value, into v.
func unmarshalDER(der []byte, v any, params string) error {
	rest, err := asn1.UnmarshalWithParams(der, v, params)
	if err == nil && len(rest) != 0 {
		err = errors.New("data after the value")
	}
	return err
}

// isSHA256 reports whether alg is SHA-256 with absent or NULL parameters
// (RFC 5754 §2).
func isSHA256(alg pkix.AlgorithmIdentifier) bool {
	p := alg.Parameters.FullBytes
	return alg.Algorithm.Equal(oidSHA256) && (len(p) == 0 || bytes.Equal(p, asn1.NullBytes))
}

// cmsSignerCertificate finds the certificate sid names (issuer and serial
// number) in a SignedData's CertificateSet.
func cmsSignerCertificate(set asn1.RawValue, sid cmsIssuerAndSerialNumber) (*x509.Certificate, error) {
	if len(set.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: the CMS signature holds no certificate", ErrMalformedPDFSignature)
	}
	rest := set.Bytes
	for n := 0; len(rest) > 0; n++ {
		if n == maxCMSCerts {
			return nil, fmt.Errorf("%w: more than %d certificates", ErrMalformedPDFSignature, maxCMSCerts)
		}
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return nil, fmt.Errorf("%w: CMS certificates: %v", ErrMalformedPDFSignature, err)
		}
		if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
			continue // another choice of CertificateChoices (RFC 5652 §10.2.2)
		}
		cert, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: CMS certificate %d: %v", ErrMalformedPDFSignature, n+1, err)
		}
		if sid.SerialNumber != nil && cert.SerialNumber.Cmp(sid.SerialNumber) == 0 && bytes.Equal(cert.RawIssuer, sid.Issuer.FullBytes) {
			return cert, nil
		}
	}
	return nil, fmt.Errorf("%w: the signer's certificate is not in the CMS signature", ErrMalformedPDFSignature)
}

// signedAttrs are the signed attributes of a SignerInfo: their DER as a
// SET OF, and what they say.
type signedAttrs struct {
	der         []byte
	digest      []byte
	signingTime time.Time
	certHash    []byte // SHA-256 of the signer's certificate, from signing-certificate-v2; nil without it
}

// readSignedAttrs reads the [0] IMPLICIT signed attributes (RFC 5652
// §5.3): content type id-data, a SHA-256 message digest and a signing time
// are required; each attribute appears once with one value.
func readSignedAttrs(raw asn1.RawValue) (signedAttrs, error) {
	bad := func(format string, args ...any) (signedAttrs, error) {
		return signedAttrs{}, fmt.Errorf("%w: %s", ErrMalformedPDFSignature, fmt.Sprintf(format, args...))
	}
	if len(raw.FullBytes) == 0 || raw.FullBytes[0] != 0xA0 {
		return bad("the SignerInfo has no signed attributes")
	}
	a := signedAttrs{der: bytes.Clone(raw.FullBytes)}
	a.der[0] = 0x31 // SET OF, constructed: RFC 5652 §5.4
	var list []cmsAttribute
	if err := unmarshalDER(a.der, &list, "set"); err != nil {
		return bad("signed attributes: %v", err)
	}
	seen := map[string]bool{}
	for _, at := range list {
		name := at.Type.String()
		if seen[name] {
			return bad("signed attribute %s appears twice", name)
		}
		seen[name] = true
		var val asn1.RawValue
		if at.Values.Class != asn1.ClassUniversal || at.Values.Tag != asn1.TagSet || !at.Values.IsCompound {
			return bad("signed attribute %s: values are not a SET", name)
		}
		if err := unmarshalDER(at.Values.Bytes, &val, ""); err != nil {
			return bad("signed attribute %s must have exactly one value", name)
		}
		var err error
		switch {
		case at.Type.Equal(oidContentType):
			var ct asn1.ObjectIdentifier
			if _, err = asn1.Unmarshal(val.FullBytes, &ct); err == nil && !ct.Equal(oidData) {
				err = fmt.Errorf("%v, want id-data", ct)
			}
		case at.Type.Equal(oidMessageDigest):
			if _, err = asn1.Unmarshal(val.FullBytes, &a.digest); err == nil && len(a.digest) != sha256.Size {
				err = fmt.Errorf("%d bytes, not a SHA-256", len(a.digest))
			}
		case at.Type.Equal(oidSigningTime):
			_, err = asn1.Unmarshal(val.FullBytes, &a.signingTime)
			a.signingTime = a.signingTime.UTC()
		case at.Type.Equal(oidSigningCertificateV2):
			var ess essSigningCertificateV2In
			if _, err = asn1.Unmarshal(val.FullBytes, &ess); err == nil {
				switch {
				case len(ess.Certs) == 0:
					err = errors.New("no certificate")
				case len(ess.Certs[0].HashAlgorithm.Algorithm) != 0 && !isSHA256(ess.Certs[0].HashAlgorithm):
					err = fmt.Errorf("hash algorithm %v, want SHA-256", ess.Certs[0].HashAlgorithm.Algorithm)
				default:
					a.certHash = ess.Certs[0].CertHash
				}
			}
		}
		if err != nil {
			return bad("signed attribute %s: %v", name, err)
		}
	}
	for _, req := range []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{{oidContentType, "content-type"}, {oidMessageDigest, "message-digest"}, {oidSigningTime, "signing-time"}} {
		if !seen[req.oid.String()] {
			return bad("no %s attribute", req.name)
		}
	}
	return a, nil
}

// verifySignerInfo checks a signature over digest (SHA-256) by pub:
// ECDSA on P-256, or RSA PKCS #1 v1.5 with a key of 2048 to 8192 bits.
func verifySignerInfo(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, digest, sig []byte) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("%w: ECDSA key on %s, want P-256", ErrMalformedPDFSignature, k.Curve.Params().Name)
		}
		if !alg.Algorithm.Equal(oidECDSAWithSHA256) && !alg.Algorithm.Equal(oidECPublicKey) {
			return fmt.Errorf("%w: signature algorithm %v for an ECDSA key", ErrMalformedPDFSignature, alg.Algorithm)
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("%w: ECDSA P-256 signature over the signed attributes", ErrBadPDFSignature)
		}
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return fmt.Errorf("%w: RSA key of %d bits, want %d to %d", ErrMalformedPDFSignature, bits, minRSABits, maxRSABits)
		}
		if !alg.Algorithm.Equal(oidRSAEncryption) && !alg.Algorithm.Equal(oidSHA256WithRSA) {
			return fmt.Errorf("%w: signature algorithm %v for an RSA key", ErrMalformedPDFSignature, alg.Algorithm)
		}
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig); err != nil {
			return fmt.Errorf("%w: RSA PKCS #1 v1.5 signature over the signed attributes", ErrBadPDFSignature)
		}
	default:
		return fmt.Errorf("%w: the signer's key is a %T, want ECDSA P-256 or RSA", ErrMalformedPDFSignature, pub)
	}
	return nil
}

// attachments reads the embedded files of the document (§7.11.4): the
// catalog's /Names /EmbeddedFiles name tree, each entry a file
// specification whose /EF holds the file's stream, named by its /UF, /F
// or key. No name tree means no files.
func (d *verifyDoc) attachments() (map[string][]byte, error) {
	fail := func(err error) (map[string][]byte, error) {
		return nil, fmt.Errorf("%w: %v", ErrAttachment, err)
	}
	files := map[string][]byte{}
	cat, err := d.dict(pdfValue{kind: pdfRefKind, ref: d.root}, "catalog")
	if err != nil {
		return fail(err)
	}
	names, ok := cat.get("Names")
	if !ok {
		return files, nil
	}
	if names, err = d.dict(names, "name dictionary"); err != nil {
		return fail(err)
	}
	tree, ok := names.get("EmbeddedFiles")
	if !ok {
		return files, nil
	}

	// Walk the name tree (§7.9.6): /Names arrays of key and value pairs in
	// the leaves, /Kids below the others.
	type entry struct{ key, spec pdfValue }
	var entries []entry
	visits := 0
	var walk func(v pdfValue, depth int) error
	walk = func(v pdfValue, depth int) error {
		if visits++; visits > maxTreeNodes || depth > maxTreeDepth {
			return fmt.Errorf("the embedded files name tree has more than %d nodes or is deeper than %d", maxTreeNodes, maxTreeDepth)
		}
		n, err := d.dict(v, "embedded files name tree")
		if err != nil {
			return err
		}
		if leaf, ok := n.get("Names"); ok {
			if leaf, err = d.array(leaf, "embedded files names"); err != nil {
				return err
			}
			if len(leaf.items)%2 != 0 {
				return errors.New("the embedded files names are not pairs of key and value")
			}
			for i := 0; i < len(leaf.items); i += 2 {
				if len(entries) == maxAttachments {
					return fmt.Errorf("more than %d embedded files", maxAttachments)
				}
				entries = append(entries, entry{leaf.items[i], leaf.items[i+1]})
			}
		}
		if kids, ok := n.get("Kids"); ok {
			if kids, err = d.array(kids, "embedded files name tree kids"); err != nil {
				return err
			}
			for _, k := range kids.items {
				if err := walk(k, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(tree, 0); err != nil {
		return fail(err)
	}

	for _, e := range entries {
		spec, err := d.dict(e.spec, "file specification")
		if err != nil {
			return fail(err)
		}
		name := ""
		for _, v := range []pdfValue{spec.entryOr("UF"), spec.entryOr("F"), e.key} {
			if s, ok := decodePDFText(d.b, v); ok && s != "" {
				name = s
				break
			}
		}
		if name == "" {
			return fail(errors.New("an embedded file has no name"))
		}
		if _, dup := files[name]; dup {
			return fail(fmt.Errorf("two embedded files named %q", name))
		}
		ef, ok := spec.get("EF")
		if !ok {
			return fail(fmt.Errorf("file %q: no embedded file stream (/EF)", name))
		}
		if ef, err = d.dict(ef, "embedded file streams"); err != nil {
			return fail(fmt.Errorf("file %q: %v", name, err))
		}
		stream := ef.entryOr("UF")
		if stream.kind != pdfRefKind {
			stream = ef.entryOr("F")
		}
		if stream.kind != pdfRefKind {
			return fail(fmt.Errorf("file %q: /EF does not refer to a stream", name))
		}
		data, err := d.stream(stream.ref, "embedded file "+strconv.Quote(name), maxAttachmentSize)
		if err != nil {
			return fail(err)
		}
		files[name] = data
	}
	return files, nil
}

// entryOr returns dictionary entry key, or a zero value (kind pdfOther,
// empty span) when there is none.
func (v pdfValue) entryOr(key string) pdfValue {
	e, _ := v.get(key)
	return e
}

// stream reads stream object r (§7.3.8): its dictionary, the data of its
// /Length after the stream keyword and its end of line, which must be
// followed by endstream, decoded when /Filter is /FlateDecode; at most max
// bytes, decoded. Other filters and /DecodeParms are refused.
func (d *verifyDoc) stream(r pdfRef, what string, max int) ([]byte, error) {
	dict, err := d.get(r, what, maxObjectRoom)
	if err != nil {
		return nil, err
	}
	if dict.kind != pdfDict {
		return nil, fmt.Errorf("%s (object %d) is not a stream", what, r.num)
	}
	b := d.b
	lx := &pdfLexer{b: b[:min(len(b), dict.end+maxStreamGap)], pos: dict.end}
	if lx.keyword() != "stream" {
		return nil, fmt.Errorf("%s (object %d) is not a stream", what, r.num)
	}
	// §7.3.8.1: the keyword is followed by CRLF or LF, not CR alone.
	start := lx.pos
	if start < len(b) && b[start] == '\r' {
		start++
	}
	if start >= len(b) || b[start] != '\n' {
		return nil, fmt.Errorf("%s (object %d): no end of line after the stream keyword", what, r.num)
	}
	start++
	length, ok := dict.get("Length")
	if !ok {
		return nil, fmt.Errorf("%s (object %d): no /Length", what, r.num)
	}
	if length, err = d.resolve(length, what+" length"); err != nil {
		return nil, err
	}
	if length.kind != pdfInt {
		return nil, fmt.Errorf("%s (object %d): /Length is not a non-negative integer", what, r.num)
	}
	if length.num > len(b)-start {
		return nil, fmt.Errorf("%s (object %d): /Length %d runs past the end of the file", what, r.num, length.num)
	}
	end := start + length.num
	lx = &pdfLexer{b: b[:min(len(b), end+maxStreamGap)], pos: end}
	if lx.keyword() != "endstream" {
		return nil, fmt.Errorf("%s (object %d): no endstream after the /Length %d bytes", what, r.num, length.num)
	}
	data := b[start:end]

	if _, ok := dict.get("DecodeParms"); ok {
		return nil, fmt.Errorf("%s (object %d): /DecodeParms are not supported", what, r.num)
	}
	filter, ok := dict.get("Filter")
	if ok && filter.kind == pdfArray && len(filter.items) == 1 {
		filter = filter.items[0]
	}
	switch {
	case !ok:
		if len(data) > max {
			return nil, fmt.Errorf("%s (object %d): larger than %d bytes", what, r.num, max)
		}
		return bytes.Clone(data), nil
	case filter.isName(b, "FlateDecode"):
		out, err := inflate(data, max)
		if err != nil {
			return nil, fmt.Errorf("%s (object %d): %v", what, r.num, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s (object %d): filter %s is not supported, only /FlateDecode", what, r.num, quoteValue(b, filter))
}

// inflate decodes /FlateDecode data (zlib, RFC 1950), refusing more than
// max bytes of output.
func inflate(data []byte, max int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("/FlateDecode: %v", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("/FlateDecode: %v", err)
	}
	if len(out) > max {
		return nil, fmt.Errorf("larger than %d bytes decompressed", max)
	}
	return out, nil
}

// decodePDFText decodes string value v as a text string (§7.9.2.2): UTF-16BE
// after a byte order mark, UTF-8 after one (ISO 32000-2), else
// PDFDocEncoding, read as Latin-1 (they differ in a few symbols only).
func decodePDFText(b []byte, v pdfValue) (string, bool) {
	s, ok := decodePDFString(b, v)
	switch {
	case !ok:
		return "", false
	case bytes.HasPrefix(s, []byte{0xFE, 0xFF}):
		u := make([]uint16, (len(s)-2)/2)
		for i := range u {
			u[i] = uint16(s[2+2*i])<<8 | uint16(s[3+2*i])
		}
		return string(utf16.Decode(u)), true
	case bytes.HasPrefix(s, []byte{0xEF, 0xBB, 0xBF}):
		return strings.ToValidUTF8(string(s[3:]), "\uFFFD"), true
	}
	out := make([]byte, 0, len(s))
	for _, c := range s {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out), true
}

// decodePDFString returns the bytes of string value v (§7.3.4): a literal
// string with its escapes and line ends resolved, or a hexadecimal one.
func decodePDFString(b []byte, v pdfValue) ([]byte, bool) {
	if v.kind != pdfOther || v.end-v.start < 2 {
		return nil, false
	}
	s := b[v.start:v.end]
	in := s[1 : len(s)-1]
	switch {
	case s[0] == '<' && s[len(s)-1] == '>':
		out := make([]byte, 0, len(in)/2+1)
		var hi byte
		half := false
		for _, c := range in {
			if isSpace(c) {
				continue
			}
			n, ok := hexValue(c)
			if !ok {
				return nil, false
			}
			if half {
				out = append(out, hi<<4|n)
			}
			hi, half = n, !half
		}
		if half { // §7.3.4.3: a missing last digit is 0
			out = append(out, hi<<4)
		}
		return out, true
	case s[0] == '(' && s[len(s)-1] == ')':
		out := make([]byte, 0, len(in))
		for i := 0; i < len(in); i++ {
			c := in[i]
			switch {
			case c == '\r': // an end of line is read as LF (§7.3.4.2)
				out = append(out, '\n')
				if i+1 < len(in) && in[i+1] == '\n' {
					i++
				}
			case c != '\\' || i+1 == len(in):
				out = append(out, c)
			default:
				i++
				switch e := in[i]; e {
				case 'n':
					out = append(out, '\n')
				case 'r':
					out = append(out, '\r')
				case 't':
					out = append(out, '\t')
				case 'b':
					out = append(out, '\b')
				case 'f':
					out = append(out, '\f')
				case '\r': // a line continued
					if i+1 < len(in) && in[i+1] == '\n' {
						i++
					}
				case '\n':
				default:
					if e < '0' || e > '7' {
						out = append(out, e) // \( \) \\, and a backslash before anything else is dropped
						break
					}
					n := int(e - '0')
					for k := 0; k < 2 && i+1 < len(in) && in[i+1] >= '0' && in[i+1] <= '7'; k++ {
						i++
						n = n*8 + int(in[i]-'0')
					}
					out = append(out, byte(n)) // high-order overflow is ignored
				}
			}
		}
		return out, true
	}
	return nil, false
}

// hexValue returns the value of hexadecimal digit c.
func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
