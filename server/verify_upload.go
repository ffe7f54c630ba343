package server

import (
	"context"
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
func (s *Server) checkPDF(ctx context.Context, base string, pdf []byte) (uploadReport, error) {
	r, err := s.registry(ctx)
	if err != nil {
		return uploadReport{}, err
	}
	chk := certs.VerifyPDF(pdf, r.keys)
	rep := uploadReport{SHA256: chk.SHA256}
	sig := verifyCheck{Name: "signature", Result: checkPassed, Detail: "signed by key " + chk.KID}
	if !chk.Valid() {
		sig = verifyCheck{Name: "signature", Result: checkFailed, Detail: chk.Err().Error()}
	}

	// The registry's record: by the file's hash, or else by the id in
	// the claims the file carries (an altered copy has another hash).
	rec, err := s.db.CertificateBySHA256(ctx, chk.SHA256)
	hash := verifyCheck{Name: "stored_hash", Result: checkPassed, Detail: "identical to the PDF the registry issued"}
	if apperr.CodeOf(err) == apperr.NotFound {
		hash = verifyCheck{Name: "stored_hash", Result: checkFailed,
			Detail: "the registry issued no PDF with this content"}
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
			rep.Verdict, rep.Reason = VerdictAltered, "signed, but the registry has no such certificate"
		}
		rep.Checks = []verifyCheck{hash, sig, {Name: "claims", Result: checkSkipped, Detail: "no certificate to compare with"}}
		return rep, nil
	case err != nil:
		return uploadReport{}, err
	}
	if rep.verification, err = s.verifyCertificate(ctx, base, rec, chk.Claims()); err != nil {
		return uploadReport{}, err
	}
	rep.Checks = append([]verifyCheck{hash, sig}, rep.Checks...)
	if rep.Verdict != VerdictAltered && (hash.Result == checkFailed || sig.Result == checkFailed) {
		rep.Verdict, rep.Reason, rep.Since = VerdictAltered, "the PDF is not the one the registry issued: "+
			firstFailed(hash, sig), ""
	}
	return rep, nil
}

func firstFailed(checks ...verifyCheck) string {
	for _, c := range checks {
		if c.Result == checkFailed {
			return c.Detail
		}
	}
	return ""
}
