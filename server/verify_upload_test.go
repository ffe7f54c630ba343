package server

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bayskills/certs"
	"bayskills/store"
)

// TestVerifyUpload: an uploaded PDF is checked three ways — stored hash,
// PDF signature, claims — and only the PDF the registry issued is VALID.
func TestVerifyUpload(t *testing.T) {
	f, list := verifyFixture(t)
	ctx := context.Background()
	genuine, err := f.db.CertificatePDF(ctx, list[0].PublicID)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(genuine)
	flipped[len(flipped)/3] ^= 1

	upload := func(name string, pdf []byte) uploadReport {
		t.Helper()
		r := f.upload("/api/v1/public/verify-pdf", asAnonymous, "application/pdf", pdf)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
		var rep uploadReport
		r.JSON(t, &rep)
		checkVerifyCodes(t, rep.verification)
		return rep
	}
	// results lists the checks as name=result, and name:code for those
	// whose codes the case names.
	results := func(rep uploadReport, codes map[string]verifyCode) string {
		var s []string
		for _, c := range rep.Checks {
			s = append(s, c.Name+"="+c.Result)
			if _, ok := codes[c.Name]; ok {
				s = append(s, c.Name+":"+string(c.Code))
			}
		}
		return strings.Join(s, " ")
	}
	expect := func(checks string, codes map[string]verifyCode) string {
		var s []string
		for _, nr := range strings.Fields(checks) {
			s = append(s, nr)
			name, _, _ := strings.Cut(nr, "=")
			if c, ok := codes[name]; ok {
				s = append(s, name+":"+string(c))
			}
		}
		return strings.Join(s, " ")
	}
	stranger, err := certs.GenerateKey(certs.KeyP256)
	if err != nil {
		t.Fatal(err)
	}
	strangerCert, err := certs.SelfSignedCertificate(stranger, certs.CertificateSubject{CommonName: "Someone Else",
		NotBefore: f.now.Add(-time.Hour), NotAfter: f.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	withIssuerKey := issuerPDFSigner(t, f, list[1])
	for _, tc := range []struct {
		name, verdict, checks string
		codes                 map[string]verifyCode // check → code, for the checks named
		reason                verifyCode
		pdf                   []byte
	}{
		{"the issued PDF", VerdictValid,
			"stored_hash=passed signature=passed registry=passed key=passed claims=passed",
			map[string]verifyCode{"stored_hash": codeStoredHashMatch, "signature": codePDFSigned, "registry": codeInRegistry,
				"key": codeKeyInWindow, "claims": codeClaimsMatch}, "", genuine},
		{"one byte changed", VerdictAltered, "stored_hash=failed signature=failed",
			map[string]verifyCode{"stored_hash": codeStoredHashUnknown}, codeStoredHashUnknown, flipped},
		{"bytes added after signing", VerdictAltered, "stored_hash=failed signature=failed",
			map[string]verifyCode{"stored_hash": codeStoredHashUnknown, "signature": codePDFChangedAfterSigning},
			codeStoredHashUnknown, append(bytes.Clone(genuine), "% added\n"...)},
		{"signed with the issuer's key, another name printed", VerdictAltered, "stored_hash=failed signature=passed",
			map[string]verifyCode{"signature": codePDFSigned}, codeStoredHashUnknown,
			forgedWithIssuerKey(t, f, list[1])},
		{"not signed (nor its claims read)", VerdictNotFound, "stored_hash=failed signature=failed claims=not_checked",
			map[string]verifyCode{"signature": codePDFUnsigned}, "",
			forgedPage(t, f, list[1], f.storedClaims(list[1].PublicID))},
		{"signed by a stranger's key", VerdictAltered, "stored_hash=failed signature=failed",
			map[string]verifyCode{"signature": codePDFKeyUntrusted}, codeStoredHashUnknown,
			signPDF(t, forgedPage(t, f, list[1], f.storedClaims(list[1].PublicID)), pdfSigner{stranger, strangerCert, nil}, f.now)},
		{"signed with the issuer's key before it was made", VerdictAltered, "stored_hash=failed signature=failed",
			map[string]verifyCode{"signature": codePDFKeyWindow}, codeStoredHashUnknown,
			signPDF(t, forgedPage(t, f, list[1], f.storedClaims(list[1].PublicID)), withIssuerKey, f.now.AddDate(0, 0, -2))},
		{"signed with the issuer's key, no such certificate", VerdictAltered, "stored_hash=failed signature=passed claims=not_checked",
			map[string]verifyCode{"claims": codeNoCertificate}, codeSignedNotInRegistry,
			signPDF(t, forgedPage(t, f, list[1], ""), withIssuerKey, f.now)},
		{"not a PDF", VerdictNotFound, "stored_hash=failed signature=failed claims=not_checked",
			map[string]verifyCode{"stored_hash": codeStoredHashUnknown, "signature": codePDFNotPDF, "claims": codeNoCertificate},
			"", []byte("hello")},
		{"half a PDF", VerdictNotFound, "stored_hash=failed signature=failed claims=not_checked",
			map[string]verifyCode{"signature": codePDFUnreadable}, "", genuine[:len(genuine)/2]},
	} {
		rep := upload(tc.name, tc.pdf)
		if got, want := results(rep, tc.codes), expect(tc.checks, tc.codes); rep.Verdict != tc.verdict ||
			rep.ReasonCode != tc.reason || !strings.HasPrefix(got, want) {
			t.Errorf("%s: %s (%s) [%s], want %s (%s) [%s…]", tc.name, rep.Verdict, rep.ReasonCode, got, tc.verdict, tc.reason, want)
		}
	}

	// The same through a form, as the page sends it.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "certificate.pdf")
	w.Write(genuine)
	mw.Close()
	if r := f.upload("/api/v1/public/verify-pdf", asAnonymous, mw.FormDataContentType(), body.Bytes()); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"verdict":"valid"`) {
		t.Errorf("form upload: %d %s", r.Status, r.Body)
	}

	// 100 MB is refused before it is read, declared or not.
	for _, declared := range []bool{true, false} {
		req := httptest.NewRequest("POST", "/api/v1/public/verify-pdf", io.LimitReader(zeros{}, 100<<20))
		req.Header.Set("Content-Type", "application/pdf")
		if declared {
			req.ContentLength = 100 << 20
		} else {
			req.ContentLength = -1
		}
		if r := f.send(req); r.Status != 413 {
			t.Errorf("100 MB (length declared: %v): %d %s", declared, r.Status, r.Body)
		}
	}

	// After a compromise dated before the issue, the issued PDF is no
	// longer trusted, nor are its claims.
	r := f.do("POST", fmt.Sprintf("/api/v1/issuers/%d/keys/rotate", list[0].IssuerID), asAdmin,
		map[string]any{"reason": "leak", "compromised_at": f.now.Add(-2 * time.Hour)})
	if r.Status != 200 {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	rep := upload("after a compromise", genuine)
	codes := map[string]verifyCode{"stored_hash": codeStoredHashMatch, "signature": codePDFKeyCompromised, "key": codeKeyCompromised}
	got, want := results(rep, codes), expect("stored_hash=passed signature=failed registry=passed key=failed", codes)
	if rep.Verdict != VerdictAltered || rep.ReasonCode != codeKeyCompromised || got != want {
		t.Errorf("after a compromise: %s (%s) [%s], want %s (%s) [%s]", rep.Verdict, rep.ReasonCode, got, VerdictAltered,
			codeKeyCompromised, want)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// forgedWithIssuerKey renders a certificate with another holder name than
// c's but c's genuine claims and credential, and signs it with c's
// issuer's real PDF key: a valid signature over a page the registry never
// issued.
func forgedWithIssuerKey(t *testing.T, f *fixture, c store.CertificateRecord) []byte {
	t.Helper()
	return signPDF(t, forgedPage(t, f, c, f.storedClaims(c.PublicID)), issuerPDFSigner(t, f, c), f.now)
}

// forgedPage renders, unsigned, a certificate with another holder name
// than c's but c's credential and the signed claims given (none if "").
func forgedPage(t *testing.T, f *fixture, c store.CertificateRecord, claims string) []byte {
	t.Helper()
	ctx := context.Background()
	iss, err := f.db.Issuer(ctx, c.IssuerID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.db.VerifyCertificate(ctx, c.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := documentFonts()
	if err != nil {
		t.Fatal(err)
	}
	attach := []certs.Attachment{{Name: certs.CredentialAttachment, MIME: "application/vc", Data: v.Credential}}
	if claims != "" {
		attach = append(attach, certs.Attachment{Name: certs.ClaimsAttachment, MIME: "application/jose", Data: []byte(claims)})
	}
	var page bytes.Buffer
	if err := certs.RenderCertificate(&page, fonts, certs.Certificate{Languages: iss.Languages, Issuer: iss.Name,
		Title: certs.Names{En: "Certificate"}, HolderLatin: "SOMEONE ELSE", Skill: certs.Names{En: "CNC"},
		Event: certs.Names{En: "Test"}, Result: certs.Names{En: "Gold"}, Level: certs.Names{En: "3"},
		Framework: certs.Names{En: "CN-VSL"}, Provenance: certs.Names{En: "indicative"}, Number: c.Number,
		IssuedOn: "2026-12-01", VerifyURL: "http://example.com/v/" + c.PublicID,
		QRPayload: "http://example.com/v/" + c.PublicID + "#" + claims, Attachments: attach}); err != nil {
		t.Fatal(err)
	}
	return page.Bytes()
}

// pdfSigner is a PDF-signing key with its certificate and chain.
type pdfSigner struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
}

// issuerPDFSigner opens the current PDF key of c's issuer.
func issuerPDFSigner(t *testing.T, f *fixture, c store.CertificateRecord) pdfSigner {
	t.Helper()
	ctx := context.Background()
	iss, err := f.db.Issuer(ctx, c.IssuerID)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := f.srv.issuance.openSigner(ctx, iss)
	if err != nil {
		t.Fatal(err)
	}
	return pdfSigner{signer.pdf, signer.cert, signer.chain}
}

// signPDF signs page with s, dated at.
func signPDF(t *testing.T, page []byte, s pdfSigner, at time.Time) []byte {
	t.Helper()
	pdf, err := certs.SignPDF(page, certs.PDFSignParams{Key: s.key, Cert: s.cert, Chain: s.chain, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}
