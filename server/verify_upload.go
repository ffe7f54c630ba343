package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/certs"
)

// verifyUpload: POST /api/v1/public/verify-pdf with the PDF as the body
// (or as the form file "file"): stored-hash match, PDF signature, claims.
func (s *Server) verifyUpload(c *gin.Context) {
	pdf, err := readPDFUpload(c)
	if err != nil {
		fail(c, err)
		return
	}
	rep, err := s.checkPDF(c.Request.Context(), s.publicBase(c), pdf)
	respond(c, http.StatusOK, rep, err)
}

// checkPDF checks an uploaded PDF: is it a PDF the registry issued (its
// SHA-256), is its signature valid and by a trusted key in its window, and
// do the claims it carries agree with the registry.
func (s *Server) checkPDF(ctx context.Context, base string, pdf []byte) (rep uploadReport, err error) {
	defer func() { s.metrics.verified(rep.verification, err) }()
	r, err := s.registry(ctx)
	if err != nil {
		return uploadReport{}, err
	}
	chk := certs.VerifyPDF(pdf, r.keys)
	rep = uploadReport{SHA256: chk.SHA256}
	sig := verifyCheck{Name: "signature", Result: checkPassed, Detail: "signed by key " + chk.KID, Code: codePDFSigned}
	if !chk.Valid() {
		sig = verifyCheck{Name: "signature", Result: checkFailed, Detail: chk.Err().Error(), Code: pdfProblem(chk.Err())}
	}

	// The registry's record: by the file's hash, or else by the id in
	// the claims the file carries (an altered copy has another hash).
	rec, err := s.db.CertificateBySHA256(ctx, chk.SHA256)
	hash := verifyCheck{Name: "stored_hash", Result: checkPassed, Detail: "identical to the PDF the registry issued",
		Code: codeStoredHashMatch}
	if apperr.CodeOf(err) == apperr.NotFound {
		hash = verifyCheck{Name: "stored_hash", Result: checkFailed,
			Detail: "the registry issued no PDF with this content", Code: codeStoredHashUnknown}
		claims := chk.Claims()
		if id := certs.PeekClaimsID(claims); id != "" {
			rec, err = s.db.VerifyCertificate(ctx, id)
		}
	}
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		rep.Verdict = VerdictNotFound
		if chk.Valid() {
			// Signed by a trusted key, yet not in the registry: never VALID.
			rep.Verdict, rep.Reason, rep.ReasonCode = VerdictAltered, "signed, but the registry has no such certificate",
				codeSignedNotInRegistry
		}
		rep.Checks = []verifyCheck{hash, sig, {Name: "claims", Result: checkSkipped, Detail: "no certificate to compare with",
			Code: codeNoCertificate}}
		return rep, nil
	case err != nil:
		return uploadReport{}, err
	}
	if rep.verification, err = s.verifyCertificate(ctx, base, rec, chk.Claims()); err != nil {
		return uploadReport{}, err
	}
	rep.Checks = append([]verifyCheck{hash, sig}, rep.Checks...)
	if rep.Verdict != VerdictAltered && (hash.Result == checkFailed || sig.Result == checkFailed) {
		// The reason is the first failed check's, whose code it takes.
		failed := sig
		if hash.Result == checkFailed {
			failed = hash
		}
		rep.Verdict, rep.Reason, rep.ReasonCode, rep.Since = VerdictAltered,
			"the PDF is not the one the registry issued: "+failed.Detail, failed.Code, ""
	}
	return rep, nil
}

// pdfProblem is the code of why VerifyPDF found a PDF not valid (err is
// PDFCheck.Err).
func pdfProblem(err error) verifyCode {
	for _, p := range []struct {
		err  error
		code verifyCode
	}{
		{certs.ErrNotPDF, codePDFNotPDF},
		{certs.ErrUnreadablePDF, codePDFUnreadable},
		{certs.ErrUnsignedPDF, codePDFUnsigned},
		{certs.ErrMalformedPDFSignature, codePDFSignatureMalformed},
		{certs.ErrAlteredPDF, codePDFAltered},
		{certs.ErrChangedAfterSigning, codePDFChangedAfterSigning},
		{certs.ErrUntrustedPDFKey, codePDFKeyUntrusted},
		{certs.ErrKeyWindow, codePDFKeyWindow},
		{certs.ErrKeyCompromised, codePDFKeyCompromised},
	} {
		if errors.Is(err, p.err) {
			return p.code
		}
	}
	return codePDFSignatureBad // ErrBadPDFSignature, or a check not made
}
