package certs

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
)

// PDFSignParams says who signs a PDF, with what, and what the signature
// dictionary tells a reader about it.
type PDFSignParams struct {
	// Key signs; it must be an RSA key of at least 2048 bits (signed with
	// PKCS #1 v1.5) or an ECDSA P-256 key, and belong to Cert. A key held
	// in a hardware module works through the crypto.Signer interface.
	Key crypto.Signer
	// Cert is the signer's X.509 certificate, the one readers show.
	Cert *x509.Certificate
	// Chain holds the intermediate (and, optionally, root) certificates
	// that let a reader build a path from Cert to a trust anchor. They
	// travel in the CMS certificate set.
	Chain []*x509.Certificate
	// Time is the signing time, written both in the signature dictionary
	// (/M) and as the CMS signing-time attribute; zero means now.
	Time time.Time
	// Name, Reason, Location and ContactInfo fill the signature
	// dictionary's entries of the same names; empty ones are left out,
	// except Name, which defaults to the certificate's common name.
	Name, Reason, Location, ContactInfo string
	// Reserve is the room, in bytes of DER, kept for the CMS signature in
	// /Contents. Zero reserves exactly what the signature needs, which
	// keeps the file small; a too small Reserve, or one above 1 MiB, makes
	// SignPDF fail.
	Reserve int
}

// SignPDF returns pdf with a digital signature added as an incremental
// update (ISO 32000-1 §12.8): a new signature field with an invisible
// widget on the first page, whose value is a signature dictionary
// (/Filter /Adobe.PPKLite, /SubFilter /adbe.pkcs7.detached) holding a
// detached CMS SignedData (RFC 5652) over every byte of the signed file
// except the signature itself. Readers such as Acrobat and poppler's
// pdfsig verify it against the certificate in it; pdf's bytes stay
// untouched at the start of the result, so the update can be verified as
// an addition to the original.
//
// pdf must use a classic cross-reference table, as fpdf writes it: no
// cross-reference streams, no encryption, no interactive form yet.
// SignPDF reads only the trailer, the catalog and the first page; it
// fails with an error, never a panic, on anything else. It is safe for
// concurrent use.
func SignPDF(pdf []byte, p PDFSignParams) ([]byte, error) {
	out, err := signPDF(pdf, p)
	if err != nil {
		return nil, fmt.Errorf("certs: signing PDF: %w", err)
	}
	return out, nil
}

// maxReserve bounds PDFSignParams.Reserve: a signature with a long chain
// of certificates takes a few kilobytes.
const maxReserve = 1 << 20

// sigFieldName is the name (/T) of the signature field SignPDF adds.
const sigFieldName = "Signature1"

func signPDF(pdf []byte, p PDFSignParams) ([]byte, error) {
	signer, err := newCMSSigner(p.Key, p.Cert, p.Chain)
	if err != nil {
		return nil, err
	}
	doc, err := openPDF(pdf)
	if err != nil {
		return nil, err
	}
	upd, err := doc.prepareSignature()
	if err != nil {
		return nil, err
	}

	t := p.Time
	if t.IsZero() {
		t = time.Now()
	}
	reserve := p.Reserve
	if reserve > maxReserve {
		return nil, fmt.Errorf("reserve of %d bytes: at most %d", reserve, maxReserve)
	}
	if reserve <= 0 {
		if reserve, err = signer.size(t); err != nil {
			return nil, err
		}
	}
	name := p.Name
	if name == "" {
		name = p.Cert.Subject.CommonName
	}

	sigNum, fieldNum := doc.size, doc.size+1
	for _, n := range []int{sigNum, fieldNum} {
		if e, ok := doc.lookup(n); ok && e.inUse {
			return nil, fmt.Errorf("trailer: /Size %d is too small, object %d is in use", doc.size, n)
		}
	}
	out := make([]byte, 0, len(pdf)+2*reserve+len(upd.catalog)+len(upd.page)+len(upd.annots)+
		len(name)+len(p.Reason)+len(p.Location)+len(p.ContactInfo)+1024)
	out = append(out, pdf...)
	if c := out[len(out)-1]; c != '\n' && c != '\r' {
		out = append(out, '\n')
	}
	var xref []xrefWrite

	// The catalog gains the form with its one field; the page, the widget.
	xref = append(xref, xrefWrite{doc.root, len(out)})
	out = appendObjHeader(out, doc.root)
	out = append(out, upd.catalog...)
	out = append(out, "/AcroForm << /Fields ["...)
	out = appendRef(out, pdfRef{fieldNum, 0})
	out = append(out, "] /SigFlags 3 >>\n>>\nendobj\n"...)

	xref = append(xref, xrefWrite{upd.pageRef, len(out)})
	out = appendObjHeader(out, upd.pageRef)
	out = append(out, upd.page...)
	if upd.annotsRef.num == 0 {
		out = appendRef(out, pdfRef{fieldNum, 0})
		out = append(out, upd.pageTail...)
	}
	out = append(out, "\nendobj\n"...)
	if upd.annotsRef.num != 0 {
		xref = append(xref, xrefWrite{upd.annotsRef, len(out)})
		out = appendObjHeader(out, upd.annotsRef)
		out = append(out, upd.annots...)
		out = appendRef(out, pdfRef{fieldNum, 0})
		out = append(out, "]\nendobj\n"...)
	}

	// The signature dictionary. /ByteRange is written once its numbers
	// are known, in room kept for the largest; /Contents is kept as zeros.
	xref = append(xref, xrefWrite{pdfRef{sigNum, 0}, len(out)})
	out = appendObjHeader(out, pdfRef{sigNum, 0})
	out = append(out, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached\n/ByteRange "...)
	byteRangeAt := len(out)
	const byteRangeRoom = len("[0 1234567890 1234567890 1234567890]")
	out = append(out, bytes.Repeat([]byte{' '}, byteRangeRoom)...)
	out = append(out, "\n/Contents "...)
	contentsAt := len(out)
	out = append(out, '<')
	out = append(out, bytes.Repeat([]byte{'0'}, 2*reserve)...)
	out = append(out, '>')
	contentsEnd := len(out)
	out = append(out, "\n/M "...)
	out = appendPDFText(out, pdfDate(t))
	for _, e := range []struct{ key, val string }{
		{"Name", name}, {"Reason", p.Reason}, {"Location", p.Location}, {"ContactInfo", p.ContactInfo},
	} {
		if e.val != "" {
			out = append(out, "\n/"...)
			out = append(out, e.key...)
			out = append(out, ' ')
			out = appendPDFText(out, e.val)
		}
	}
	out = append(out, "\n>>\nendobj\n"...)

	// The field and its widget, merged in one dictionary (§12.5.6.19,
	// §12.7.4.5): invisible (zero rectangle), printed (4) and locked (128).
	xref = append(xref, xrefWrite{pdfRef{fieldNum, 0}, len(out)})
	out = appendObjHeader(out, pdfRef{fieldNum, 0})
	out = append(out, "<< /Type /Annot /Subtype /Widget /FT /Sig /T "...)
	out = appendPDFText(out, sigFieldName)
	out = append(out, " /V "...)
	out = appendRef(out, pdfRef{sigNum, 0})
	out = append(out, " /F 132 /Rect [0 0 0 0] /P "...)
	out = appendRef(out, upd.pageRef)
	out = append(out, " >>\nendobj\n"...)

	xrefAt := len(out)
	out = appendXref(out, xref)
	out = append(out, "trailer\n<< /Size "...)
	out = strconv.AppendInt(out, int64(fieldNum+1), 10)
	out = append(out, " /Root "...)
	out = appendRef(out, doc.root)
	for _, e := range []struct {
		key string
		val []byte
	}{{"Info", doc.info}, {"ID", doc.id}} {
		if e.val != nil {
			out = append(out, " /"...)
			out = append(out, e.key...)
			out = append(out, ' ')
			out = append(out, e.val...)
		}
	}
	out = append(out, " /Prev "...)
	out = strconv.AppendInt(out, int64(doc.startxref), 10)
	out = append(out, " >>\nstartxref\n"...)
	out = strconv.AppendInt(out, int64(xrefAt), 10)
	out = append(out, "\n%%EOF\n"...)

	// §12.8.1: the byte range is the whole file but the /Contents string,
	// its angle brackets included.
	br := fmt.Appendf(nil, "[0 %d %d %d]", contentsAt, contentsEnd, len(out)-contentsEnd)
	if len(br) > byteRangeRoom {
		return nil, errors.New("file too large for its byte range")
	}
	copy(out[byteRangeAt:], br)
	h := sha256.New()
	h.Write(out[:contentsAt])
	h.Write(out[contentsEnd:])
	cms, err := signer.sign(h.Sum(nil), t)
	if err != nil {
		return nil, err
	}
	if len(cms) > reserve {
		return nil, fmt.Errorf("the signature needs %d bytes but only %d are reserved for it", len(cms), reserve)
	}
	hex.Encode(out[contentsAt+1:], cms)
	return out, nil
}

// pdfDoc is what SignPDF learns of the PDF it signs: the last trailer
// and, through the cross-reference sections, where objects are.
type pdfDoc struct {
	b         []byte
	version   string // from the header, e.g. "1.3"
	startxref int    // offset of the last cross-reference section
	sections  []xrefSection
	size      int    // the trailer's /Size: the next free object number
	root      pdfRef // the trailer's /Root
	info, id  []byte // the trailer's /Info and /ID, as written, or nil
}

// xrefSection is one cross-reference section (§7.5.4): its subsections'
// first object numbers and entries.
type xrefSection struct {
	subs []xrefSub
}

type xrefSub struct {
	first   int
	entries []xrefEntry
}

type xrefEntry struct {
	offset, gen int
	inUse       bool
}

// xrefWrite is an object written in the update and where it starts.
type xrefWrite struct {
	ref    pdfRef
	offset int
}

// maxXrefSections bounds how many /Prev links are followed, so that a
// loop of them ends.
const maxXrefSections = 64

// openPDF reads the header, the last trailer and the chain of
// cross-reference sections.
func openPDF(b []byte) (*pdfDoc, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("not a PDF: no %PDF- header")
	}
	d := &pdfDoc{b: b}
	if v := b[5:min(len(b), 8)]; len(v) == 3 && v[1] == '.' && isDigit(v[0]) && isDigit(v[2]) {
		d.version = string(v)
	}

	// §7.5.5: startxref and its offset are in the last bytes of the file.
	tail := b[max(0, len(b)-1024):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil, errors.New("no startxref at the end of the file (truncated?)")
	}
	lx := &pdfLexer{b: b, pos: len(b) - len(tail) + i + len("startxref")}
	off, err := lx.integer()
	if err != nil {
		return nil, fmt.Errorf("startxref: %w", err)
	}
	d.startxref = off

	var trailer pdfValue
	seen := map[int]bool{}
	for next, first := off, true; ; first = false {
		if len(d.sections) == maxXrefSections || seen[next] {
			return nil, errors.New("cross-reference sections loop (/Prev)")
		}
		seen[next] = true
		sec, tr, err := parseXref(b, next)
		if err != nil {
			return nil, err
		}
		d.sections = append(d.sections, sec)
		if first {
			trailer = tr
		}
		prev, ok := tr.get("Prev")
		if !ok {
			break
		}
		if prev.kind != pdfInt {
			return nil, errors.New("trailer: /Prev is not an offset")
		}
		next = prev.num
	}

	if _, ok := trailer.get("Encrypt"); ok {
		return nil, errors.New("encrypted PDFs are not supported")
	}
	size, ok := trailer.get("Size")
	if !ok || size.kind != pdfInt || size.num < 1 {
		return nil, errors.New("trailer: no valid /Size")
	}
	d.size = size.num
	root, ok := trailer.get("Root")
	if !ok || root.kind != pdfRefKind {
		return nil, errors.New("trailer: no /Root reference to the catalog")
	}
	d.root = root.ref
	if v, ok := trailer.get("Info"); ok {
		d.info = b[v.start:v.end]
	}
	if v, ok := trailer.get("ID"); ok {
		d.id = b[v.start:v.end]
	}
	return d, nil
}

// parseXref reads the cross-reference section at off and its trailer.
func parseXref(b []byte, off int) (xrefSection, pdfValue, error) {
	var sec xrefSection
	if off < 0 || off >= len(b) {
		return sec, pdfValue{}, fmt.Errorf("cross-reference offset %d is outside the file", off)
	}
	lx := &pdfLexer{b: b, pos: off}
	if kw := lx.keyword(); kw != "xref" {
		if isDigit(firstByte(kw)) {
			return sec, pdfValue{}, errors.New("cross-reference streams (PDF 1.5) are not supported")
		}
		return sec, pdfValue{}, fmt.Errorf("no cross-reference table at offset %d", off)
	}
	for {
		save := lx.pos
		if lx.keyword() == "trailer" {
			break
		}
		lx.pos = save
		first, err := lx.integer()
		if err != nil {
			return sec, pdfValue{}, fmt.Errorf("cross-reference subsection: %w", err)
		}
		count, err := lx.integer()
		if err != nil {
			return sec, pdfValue{}, fmt.Errorf("cross-reference subsection: %w", err)
		}
		// Each entry takes 20 bytes (§7.5.4); do not trust a count the rest
		// of the file cannot hold.
		if count > (len(b)-lx.pos)/18 {
			return sec, pdfValue{}, fmt.Errorf("cross-reference subsection of %d entries is longer than the file", count)
		}
		sub := xrefSub{first: first, entries: make([]xrefEntry, count)}
		for i := range sub.entries {
			o, err1 := lx.integer()
			g, err2 := lx.integer()
			kw := lx.keyword()
			if err := errors.Join(err1, err2); err != nil || (kw != "n" && kw != "f") {
				return sec, pdfValue{}, fmt.Errorf("malformed cross-reference entry for object %d", first+i)
			}
			sub.entries[i] = xrefEntry{offset: o, gen: g, inUse: kw == "n"}
		}
		sec.subs = append(sec.subs, sub)
	}
	tr, err := lx.value(0)
	if err != nil {
		return sec, pdfValue{}, fmt.Errorf("trailer: %w", err)
	}
	if tr.kind != pdfDict {
		return sec, pdfValue{}, errors.New("trailer is not a dictionary")
	}
	return sec, tr, nil
}

// object reads the dictionary or array of indirect object r.
func (d *pdfDoc) object(r pdfRef, what string) (pdfValue, error) {
	e, ok := d.lookup(r.num)
	if !ok {
		return pdfValue{}, fmt.Errorf("%s (object %d) is not in the cross-reference table", what, r.num)
	}
	if !e.inUse || e.gen != r.gen {
		return pdfValue{}, fmt.Errorf("%s (object %d %d) is deleted", what, r.num, r.gen)
	}
	if e.offset < 0 || e.offset >= len(d.b) {
		return pdfValue{}, fmt.Errorf("%s (object %d): offset %d is outside the file", what, r.num, e.offset)
	}
	lx := &pdfLexer{b: d.b, pos: e.offset}
	num, err1 := lx.integer()
	gen, err2 := lx.integer()
	if errors.Join(err1, err2) != nil || lx.keyword() != "obj" || num != r.num || gen != r.gen {
		return pdfValue{}, fmt.Errorf("%s: object %d %d is not at offset %d", what, r.num, r.gen, e.offset)
	}
	v, err := lx.value(0)
	if err != nil {
		return pdfValue{}, fmt.Errorf("%s (object %d): %w", what, r.num, err)
	}
	return v, nil
}

// lookup finds object num's entry in the newest section that has one.
func (d *pdfDoc) lookup(num int) (xrefEntry, bool) {
	for _, s := range d.sections {
		for _, sub := range s.subs {
			if i := num - sub.first; i >= 0 && i < len(sub.entries) {
				return sub.entries[i], true
			}
		}
	}
	return xrefEntry{}, false
}

// sigUpdate holds the changed objects of the update, as text around the
// references SignPDF inserts.
type sigUpdate struct {
	// catalog is the catalog dictionary without its closing ">>".
	catalog []byte
	// page is the first page's dictionary up to where the field's
	// reference goes in its /Annots, pageTail the rest, when the array is
	// in the page (annotsRef zero).
	pageRef        pdfRef
	page, pageTail []byte
	// annots is the page's /Annots array without its closing "]", when it
	// is an object of its own, annotsRef.
	annotsRef pdfRef
	annots    []byte
}

// maxPageDepth bounds the descent through the page tree.
const maxPageDepth = 32

// prepareSignature reads the catalog and the first page and prepares
// their new versions.
func (d *pdfDoc) prepareSignature() (*sigUpdate, error) {
	b := d.b
	cat, err := d.object(d.root, "catalog")
	if err != nil {
		return nil, err
	}
	if cat.kind != pdfDict {
		return nil, errors.New("catalog is not a dictionary")
	}
	if t, ok := cat.get("Type"); ok && !t.isName(b, "Catalog") {
		return nil, errors.New("catalog: /Type is not /Catalog")
	}
	if _, ok := cat.get("AcroForm"); ok {
		return nil, errors.New("the PDF already has an interactive form (/AcroForm): not supported")
	}
	u := &sigUpdate{}
	u.catalog = append(u.catalog, b[cat.start:cat.end-2]...)
	// ECDSA and SHA-256 signatures came with PDF 1.6 and 1.7 (§12.8.3.3);
	// a 1.3 header is raised by the catalog's /Version (§7.7.2).
	if _, ok := cat.get("Version"); !ok && d.version != "" && d.version < "1.7" {
		u.catalog = append(u.catalog, "\n/Version /1.7"...)
	}
	u.catalog = append(u.catalog, '\n')

	// The first page: follow the first kid down the page tree (§7.7.3).
	node, ok := cat.get("Pages")
	if !ok || node.kind != pdfRefKind {
		return nil, errors.New("catalog: no /Pages reference")
	}
	ref := node.ref
	var page pdfValue
	for depth := 0; ; depth++ {
		if depth == maxPageDepth {
			return nil, errors.New("page tree too deep")
		}
		n, err := d.object(ref, "page tree node")
		if err != nil {
			return nil, err
		}
		if n.kind != pdfDict {
			return nil, fmt.Errorf("page tree node %d is not a dictionary", ref.num)
		}
		if t, _ := n.get("Type"); t.isName(b, "Page") {
			page = n
			break
		}
		kids, ok := n.get("Kids")
		if !ok || kids.kind != pdfArray {
			return nil, fmt.Errorf("page tree node %d has no /Kids", ref.num)
		}
		if len(kids.items) == 0 {
			return nil, errors.New("the document has no pages")
		}
		if kids.items[0].kind != pdfRefKind {
			return nil, fmt.Errorf("page tree node %d: the first kid is not a reference", ref.num)
		}
		ref = kids.items[0].ref
	}
	if ref == d.root {
		return nil, errors.New("the page tree leads back to the catalog")
	}
	u.pageRef = ref

	annots, ok := page.get("Annots")
	switch {
	case !ok:
		u.page = append(slices.Clip(b[page.start:page.end-2]), "\n/Annots ["...)
		u.pageTail = []byte("]\n>>")
	case annots.kind == pdfArray:
		u.page = slices.Concat(b[page.start:annots.end-1], []byte(" "))
		u.pageTail = b[annots.end-1 : page.end]
	case annots.kind == pdfRefKind:
		arr, err := d.object(annots.ref, "page annotations")
		if err != nil {
			return nil, err
		}
		if arr.kind != pdfArray || annots.ref == d.root || annots.ref == ref {
			return nil, errors.New("page: /Annots is not an array")
		}
		u.page = b[page.start:page.end]
		u.annotsRef = annots.ref
		u.annots = slices.Concat(b[arr.start:arr.end-1], []byte(" "))
	default:
		return nil, errors.New("page: /Annots is not an array")
	}
	return u, nil
}

// appendXref appends a cross-reference section for objs (§7.5.4), one
// subsection per run of consecutive object numbers.
func appendXref(out []byte, objs []xrefWrite) []byte {
	objs = slices.Clone(objs)
	slices.SortFunc(objs, func(a, b xrefWrite) int { return a.ref.num - b.ref.num })
	out = append(out, "xref\n"...)
	for i := 0; i < len(objs); {
		j := i + 1
		for j < len(objs) && objs[j].ref.num == objs[j-1].ref.num+1 {
			j++
		}
		out = strconv.AppendInt(out, int64(objs[i].ref.num), 10)
		out = append(out, ' ')
		out = strconv.AppendInt(out, int64(j-i), 10)
		out = append(out, '\n')
		for _, o := range objs[i:j] {
			out = appendPadded(out, o.offset, 10)
			out = append(out, ' ')
			out = appendPadded(out, o.ref.gen, 5)
			out = append(out, " n \n"...) // 20 bytes an entry
		}
		i = j
	}
	return out
}

func appendPadded(out []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for range width - len(s) {
		out = append(out, '0')
	}
	return append(out, s...)
}

func appendObjHeader(out []byte, r pdfRef) []byte {
	out = strconv.AppendInt(out, int64(r.num), 10)
	out = append(out, ' ')
	out = strconv.AppendInt(out, int64(r.gen), 10)
	return append(out, " obj\n"...)
}

func appendRef(out []byte, r pdfRef) []byte {
	out = strconv.AppendInt(out, int64(r.num), 10)
	out = append(out, ' ')
	out = strconv.AppendInt(out, int64(r.gen), 10)
	return append(out, " R"...)
}

// appendPDFText appends s as a PDF text string (§7.9.2.2): a literal
// string when it is printable ASCII, else UTF-16BE with a byte order mark,
// in hexadecimal.
func appendPDFText(out []byte, s string) []byte {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		out = append(out, '(')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '(' || c == ')' || c == '\\' {
				out = append(out, '\\')
			}
			out = append(out, s[i])
		}
		return append(out, ')')
	}
	out = append(out, "<FEFF"...)
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, hexDigits[u>>12], hexDigits[u>>8&15], hexDigits[u>>4&15], hexDigits[u&15])
	}
	return append(out, '>')
}

const hexDigits = "0123456789ABCDEF"

// pdfDate formats t as a PDF date (§7.9.4), in t's own time zone.
func pdfDate(t time.Time) string {
	s := t.Format("D:20060102150405")
	_, off := t.Zone()
	if off == 0 {
		return s + "Z"
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s%c%02d'%02d'", s, sign, off/3600, off/60%60)
}

// pdfRef is an indirect reference, "num gen R".
type pdfRef struct{ num, gen int }

type pdfKind uint8

const (
	pdfOther   pdfKind = iota // real, string, boolean, null, keyword
	pdfInt                    // num holds the value
	pdfName                   // the span includes the slash
	pdfRefKind                // ref holds the reference
	pdfArray                  // items holds the elements
	pdfDict                   // entries holds the entries
)

// pdfValue is a parsed PDF object, with its span in the file so that it
// can be copied as written.
type pdfValue struct {
	kind       pdfKind
	start, end int
	num        int
	ref        pdfRef
	items      []pdfValue
	entries    []pdfEntry
}

type pdfEntry struct {
	key string // without the slash
	val pdfValue
}

// get returns dictionary entry key.
func (v pdfValue) get(key string) (pdfValue, bool) {
	for _, e := range v.entries {
		if e.key == key {
			return e.val, true
		}
	}
	return pdfValue{}, false
}

// isName reports whether v is the name /name.
func (v pdfValue) isName(b []byte, name string) bool {
	return v.kind == pdfName && string(b[v.start+1:v.end]) == name
}

// pdfLexer reads PDF objects (ISO 32000-1 §7.2, §7.3) from b at pos.
type pdfLexer struct {
	b   []byte
	pos int
}

// maxNesting bounds nested arrays and dictionaries.
const maxNesting = 64

var errPDFSyntax = errors.New("malformed PDF object")

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// skipSpace skips white space and comments.
func (l *pdfLexer) skipSpace() {
	for l.pos < len(l.b) {
		switch c := l.b[l.pos]; {
		case isSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// keyword reads a run of regular characters: a keyword or a number.
func (l *pdfLexer) keyword() string {
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	return string(l.b[start:l.pos])
}

// maxPDFInt bounds the integers read, far above any offset or object
// number SignPDF meets, so that parsing cannot overflow.
const maxPDFInt = 1 << 40

// integer reads a non-negative integer.
func (l *pdfLexer) integer() (int, error) {
	l.skipSpace()
	start := l.pos
	n := 0
	for l.pos < len(l.b) && isDigit(l.b[l.pos]) {
		n = n*10 + int(l.b[l.pos]-'0')
		if n > maxPDFInt {
			return 0, errors.New("number too large")
		}
		l.pos++
	}
	if l.pos == start || (l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos])) {
		return 0, errors.New("integer expected")
	}
	return n, nil
}

// value reads one object; a reference "num gen R" is one object.
func (l *pdfLexer) value(depth int) (pdfValue, error) {
	if depth > maxNesting {
		return pdfValue{}, errors.New("objects nested too deeply")
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return pdfValue{}, errPDFSyntax
	}
	v := pdfValue{start: l.pos}
	switch c := l.b[l.pos]; {
	case c == '<' && l.pos+1 < len(l.b) && l.b[l.pos+1] == '<':
		v.kind = pdfDict
		l.pos += 2
		for {
			l.skipSpace()
			if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
				l.pos += 2
				break
			}
			key, err := l.value(depth + 1)
			if err != nil {
				return v, err
			}
			if key.kind != pdfName {
				return v, errors.New("dictionary key is not a name")
			}
			val, err := l.value(depth + 1)
			if err != nil {
				return v, err
			}
			v.entries = append(v.entries, pdfEntry{key: string(l.b[key.start+1 : key.end]), val: val})
		}
	case c == '<':
		v.kind = pdfOther
		end := bytes.IndexByte(l.b[l.pos:], '>')
		if end < 0 {
			return v, errPDFSyntax
		}
		l.pos += end + 1
	case c == '(':
		v.kind = pdfOther
		if err := l.skipLiteral(); err != nil {
			return v, err
		}
	case c == '[':
		v.kind = pdfArray
		l.pos++
		for {
			l.skipSpace()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				break
			}
			item, err := l.value(depth + 1)
			if err != nil {
				return v, err
			}
			v.items = append(v.items, item)
		}
	case c == '/':
		v.kind = pdfName
		l.pos++
		for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
			l.pos++
		}
	case isDelim(c):
		return v, errPDFSyntax
	default:
		kw := l.keyword()
		v.kind = pdfOther
		if n, err := strconv.Atoi(kw); err == nil && isDigit(kw[0]) && n <= maxPDFInt {
			v.kind, v.num = pdfInt, n
			// "num gen R" is a reference.
			save := l.pos
			if gen, err := l.integer(); err == nil && l.keyword() == "R" {
				v.kind, v.ref = pdfRefKind, pdfRef{n, gen}
			} else {
				l.pos = save
			}
		}
	}
	v.end = l.pos
	return v, nil
}

// skipLiteral skips a literal string: balanced parentheses, backslash
// escapes (§7.3.4.2).
func (l *pdfLexer) skipLiteral() error {
	depth := 0
	for ; l.pos < len(l.b); l.pos++ {
		switch l.b[l.pos] {
		case '\\':
			l.pos++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				l.pos++
				return nil
			}
		}
	}
	return errors.New("unterminated string")
}
