package server

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

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
		return rep
	}
	results := func(rep uploadReport) string {
		var s []string
		for _, c := range rep.Checks {
			s = append(s, c.Name+"="+c.Result)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		name, verdict, checks string
		pdf                   []byte
	}{
		{"the issued PDF", VerdictValid,
			"stored_hash=passed signature=passed registry=passed key=passed claims=passed", genuine},
		{"one byte changed", VerdictAltered, "stored_hash=failed signature=failed", flipped},
		{"signed with the issuer's key, another name printed", VerdictAltered, "stored_hash=failed signature=passed",
			forgedWithIssuerKey(t, f, list[1])},
		{"not a PDF", VerdictNotFound, "stored_hash=failed signature=failed claims=not_checked", []byte("hello")},
	} {
		rep := upload(tc.name, tc.pdf)
		if rep.Verdict != tc.verdict || !strings.HasPrefix(results(rep), tc.checks) {
			t.Errorf("%s: %s [%s], want %s [%s…]", tc.name, rep.Verdict, results(rep), tc.verdict, tc.checks)
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
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// forgedWithIssuerKey renders a certificate with another holder name than
// c's but c's genuine claims and credential, and signs it with c's
// issuer's real PDF key: a valid signature over a page the registry never
// issued.
func forgedWithIssuerKey(t *testing.T, f *fixture, c store.CertificateRecord) []byte {
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
	v, err := f.db.VerifyCertificate(ctx, c.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	fonts, err := documentFonts()
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := certs.RenderCertificate(&page, fonts, certs.Certificate{Languages: iss.Languages, Issuer: iss.Name,
		Title: certs.Names{En: "Certificate"}, HolderLatin: "SOMEONE ELSE", Skill: certs.Names{En: "CNC"},
		Event: certs.Names{En: "Test"}, Result: certs.Names{En: "Gold"}, Level: certs.Names{En: "3"},
		Framework: certs.Names{En: "CN-VSL"}, Provenance: certs.Names{En: "indicative"}, Number: c.Number,
		IssuedOn: "2026-12-01", VerifyURL: "http://example.com/v/" + c.PublicID,
		QRPayload: "http://example.com/v/" + c.PublicID + "#" + v.Claims,
		Attachments: []certs.Attachment{
			{Name: certs.CredentialAttachment, MIME: "application/vc", Data: v.Credential},
			{Name: certs.ClaimsAttachment, MIME: "application/jose", Data: []byte(v.Claims)},
		}}); err != nil {
		t.Fatal(err)
	}
	pdf, err := certs.SignPDF(page.Bytes(), certs.PDFSignParams{Key: signer.pdf, Cert: signer.cert, Chain: signer.chain,
		Time: f.now})
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}
