package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/store"
)

// verifyRoutes are verification's API (DESIGN §8): public lookups, the
// keys and status lists offline verifiers pin, and what issuers' officers
// and the admin change.
func (s *Server) verifyRoutes() []route {
	return []route{
		{"GET", "/.well-known/jwks.json", public, s.jwks, jsonBody},
		{"GET", "/status/:issuer", publicLimited, s.statusList, jsonBody},
		{"GET", "/status/:issuer/suspension", publicLimited, s.suspensionStatusList, jsonBody},
		{"GET", "/api/v1/public/certificates/:id", publicLimited, s.publicCertificate, jsonBody},
		{"POST", "/api/v1/public/certificates/:id/claims", publicLimited, s.checkClaims, jsonBody},
		{"POST", "/api/v1/public/lookup", publicLimited, s.lookupCertificate, jsonBody},
		{"POST", "/api/v1/public/verify-pdf", publicLimited, s.verifyUpload, fileBody},
		{"GET", "/v/:id/certificate.pdf", publicLimited, s.publicPDF, jsonBody},

		{"POST", "/api/v1/certificates/:cert/status", issuerOfficer, s.setCertificateStatus, jsonBody},
		{"PUT", "/api/v1/issuers/:issuer/officers/:user", adminOnly, s.addOfficer, jsonBody},
		{"DELETE", "/api/v1/issuers/:issuer/officers/:user", adminOnly, s.removeOfficer, jsonBody},
		{"POST", "/api/v1/issuers/:issuer/keys/rotate", adminOnly, s.rotateKeys, jsonBody},
	}
}

// limitPublic serves a publicLimited route, capped per client address:
// every request counts against PublicPerMinute, and requests that find
// nothing against a tenth of it, so enumerating ids or certificate numbers
// is stopped early. A refusal is a 429 with Retry-After, as a page or as
// JSON (fail).
func (s *Server) limitPublic(c *gin.Context, fail func(*gin.Context, error)) {
	if s.publicByAddr == nil {
		c.Next()
		return
	}
	addr := c.ClientIP()
	for _, check := range []struct {
		l    *limiter
		name string
	}{{s.publicByAddr, limiterPublic}, {s.missesByAddr, limiterPublicMisses}} {
		if wait, blocked := check.l.blocked(addr); blocked {
			s.metrics.limited(check.name)
			c.Header("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			fail(c, apperr.New(apperr.RateLimited, "too many verification requests; try again in %s",
				wait.Round(time.Second)))
			return
		}
	}
	s.publicByAddr.hit(addr)
	c.Next()
	if c.Writer.Status() == http.StatusNotFound {
		s.missesByAddr.hit(addr)
	}
}

// publicCertificate: GET /api/v1/public/certificates/{id}, the verdict of
// the registry, with the certificate and its credential.
func (s *Server) publicCertificate(c *gin.Context) {
	v, err := s.verifyByID(c, c.Param("id"), "")
	if err != nil {
		fail(c, err)
		return
	}
	// The credential is stored compact, as issued: append it as it is
	// rather than have encoding/json validate and compact it again.
	cred := v.Credential
	v.Credential = nil
	raw, err := json.Marshal(v)
	if err != nil {
		fail(c, apperr.Wrap(err, "encode the verification"))
		return
	}
	if len(cred) > 0 {
		raw = append(append(append(raw[:len(raw)-1], `,"credential":`...), cred...), '}')
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", raw)
}

// claimsBody carries the QR's claims, which browsers never send to the
// server on their own (they are the URL's fragment).
type claimsBody struct {
	Claims string `json:"claims"`
}

// checkClaims: POST /api/v1/public/certificates/{id}/claims, the verdict
// on the QR's signed claims against the registry.
func (s *Server) checkClaims(c *gin.Context) {
	withBody(c, http.StatusOK, func(in claimsBody) (any, error) {
		if strings.TrimSpace(in.Claims) == "" {
			return nil, apperr.WithFields("no claims", map[string]string{"claims": "the QR's signed claims (after #)"})
		}
		return s.verifyByID(c, c.Param("id"), strings.TrimSpace(in.Claims))
	})
}

// verifyByID verifies the certificate with opaque id. An id that cannot be
// one is not found, like one that is not issued.
func (s *Server) verifyByID(c *gin.Context, id, claims string) (verification, error) {
	if !certs.ValidCertificateID(id) {
		return s.metrics.verified(verification{}, errNoCertificate)
	}
	rec, err := s.db.VerifyCertificate(c.Request.Context(), id)
	if err != nil {
		return s.metrics.verified(verification{}, err)
	}
	return s.metrics.verified(s.verifyCertificate(c.Request.Context(), s.publicBase(c), rec, claims))
}

var errNoCertificate = apperr.New(apperr.NotFound, "certificate not found")

// lookupBody is a lookup as the national query service takes it.
type lookupBody struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// lookupCertificate: POST /api/v1/public/lookup, by number and holder's
// name; a miss does not say which was wrong.
func (s *Server) lookupCertificate(c *gin.Context) {
	withBody(c, http.StatusOK, func(in lookupBody) (any, error) {
		rec, err := s.db.LookupCertificate(c.Request.Context(), in.Number, in.Name)
		if err != nil {
			return s.metrics.verified(verification{}, err)
		}
		return s.metrics.verified(s.verifyCertificate(c.Request.Context(), s.publicBase(c), rec, ""))
	})
}

// publicPDF: GET /v/{id}/certificate.pdf, the PDF as issued.
func (s *Server) publicPDF(c *gin.Context) {
	id := c.Param("id")
	if !certs.ValidCertificateID(id) {
		fail(c, errNoCertificate)
		return
	}
	rec, err := s.db.CertificateByID(c.Request.Context(), id) // for the file's name
	if err != nil {
		fail(c, err)
		return
	}
	pdf, err := s.db.CertificatePDF(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+fileName(rec.Number)+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// maxVerifyPDF is the largest PDF the upload check reads: a certificate is
// about 45 KB; anything past a few megabytes is not one.
const maxVerifyPDF = 4 << 20

// uploadReport is the answer to an uploaded PDF: each check on its own,
// then the verdict of the certificate it is, if the registry has it.
type uploadReport struct {
	verification
	SHA256 string `json:"sha256"`
}

// readPDFUpload reads an uploaded PDF, from a multipart form's "file" or the
// raw body, refusing more than maxVerifyPDF bytes.
func readPDFUpload(c *gin.Context) ([]byte, error) {
	tooBig := apperr.New(apperr.TooLarge, "a certificate's PDF is at most %d MiB", maxVerifyPDF>>20)
	var over *http.MaxBytesError
	var r io.Reader = c.Request.Body
	if strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		f, _, err := c.Request.FormFile("file")
		if errors.As(err, &over) {
			return nil, tooBig // the body's limit cut the form short
		}
		if err != nil {
			return nil, apperr.WithFields("no PDF uploaded", map[string]string{"file": "choose a certificate's PDF"})
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxVerifyPDF+1))
	switch {
	case errors.As(err, &over) || len(data) > maxVerifyPDF:
		return nil, tooBig
	case err != nil:
		return nil, apperr.New(apperr.Malformed, "could not read the upload")
	case len(data) == 0:
		return nil, apperr.WithFields("no PDF uploaded", map[string]string{"file": "choose a certificate's PDF"})
	}
	return data, nil
}

// --- status lists ---------------------------------------------------------

// statusListTTL is how long a signed status list is served before it is
// made again (a change made by this process remakes it at once), and how
// long verifiers may cache it.
const statusListTTL = 5 * time.Minute

// statusListURL is where an issuer publishes a status list.
func statusListURL(base, issuer, purpose string) string {
	u := strings.TrimRight(base, "/") + "/status/" + url.PathEscape(issuer)
	if purpose == store.PurposeSuspension {
		u += "/suspension"
	}
	return u
}

// signedList is a signed status list as served, for one issuer and
// purpose; base is the URL it names itself by.
type signedList struct {
	gen  int64
	made time.Time
	base string
	jws  string
}

// statusList: GET /status/{issuer}, the issuer's revocation list.
func (s *Server) statusList(c *gin.Context) { s.sendStatusList(c, store.PurposeRevocation) }

// suspensionStatusList: GET /status/{issuer}/suspension.
func (s *Server) suspensionStatusList(c *gin.Context) { s.sendStatusList(c, store.PurposeSuspension) }

// sendStatusList answers an issuer's Bitstring Status List for purpose as
// a signed credential (application/vc+jwt), cacheable.
func (s *Server) sendStatusList(c *gin.Context, purpose string) {
	jws, err := s.signedStatusList(c.Request.Context(), s.publicBase(c), c.Param("issuer"), purpose)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age="+strconv.Itoa(int(statusListTTL.Seconds())))
	c.Data(http.StatusOK, "application/vc+jwt", []byte(jws))
}

// signedStatusList makes (or reuses) the signed status list of an issuer
// for purpose, signed with its current claims key.
func (s *Server) signedStatusList(ctx context.Context, base, code, purpose string) (string, error) {
	r, err := s.registry(ctx)
	if err != nil {
		return "", err
	}
	iss, ok := r.byCode[code]
	if !ok {
		return "", apperr.New(apperr.NotFound, "issuer not found")
	}
	// One entry per issuer and purpose: requests naming other hosts (no
	// --base-url) cannot grow the cache, only miss it.
	key := code + "|" + purpose
	now, gen := s.cfg.Now(), s.verify.gen.Load()
	if v, ok := s.verify.lists.Load(key); ok {
		if l := v.(*signedList); l.gen == gen && l.base == base && now.Sub(l.made) < statusListTTL {
			return l.jws, nil
		}
	}
	set, err := s.db.StatusIndexes(ctx, iss.ID, purpose)
	if err != nil {
		return "", err
	}
	list, err := certs.NewStatusList(store.StatusListSize)
	if err != nil {
		return "", apperr.Wrap(err, "status list")
	}
	for _, i := range set {
		if err := list.Set(i, true); err != nil {
			return "", apperr.Wrap(err, "status list")
		}
	}
	signer, err := s.claimsSigner(ctx, iss.ID)
	if err != nil {
		return "", err
	}
	made := now.UTC().Truncate(time.Second)
	jws, err := certs.SignStatusList(certs.StatusListCredential{ID: statusListURL(base, code, purpose),
		Issuer: strings.TrimRight(base, "/") + "/issuers/" + url.PathEscape(code), Purpose: purpose,
		ValidFrom: made, ValidUntil: made.Add(statusListTTL), List: list}, signer, signer.KID())
	if err != nil {
		return "", apperr.Wrap(err, "sign the status list")
	}
	s.verify.lists.Store(key, &signedList{gen: gen, made: now, base: base, jws: jws})
	return jws, nil
}

// claimsSigner opens issuer's current claims key.
func (s *Server) claimsSigner(ctx context.Context, issuer int64) (*certs.SigningKey, error) {
	keys, err := s.db.ActiveKeys(ctx, issuer)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.Purpose == store.KeyPurposeClaims {
			return certs.OpenSigningKey(s.cfg.MasterKey, k.KID, k.Sealed)
		}
	}
	return nil, apperr.New(apperr.Conflict, "the issuer has no current signing key; rotate its keys")
}

// --- what officers and the admin change ------------------------------------

// setCertificateStatus: POST /api/v1/certificates/{id}/status, revoke,
// suspend or reinstate with a reason (an issuer's officer, or the admin).
func (s *Server) setCertificateStatus(c *gin.Context) {
	withBody(c, http.StatusOK, func(in store.StatusChange) (any, error) {
		rec, err := s.db.SetCertificateStatus(c.Request.Context(), c.Param("cert"), in, caller(c).User.ID)
		if err == nil {
			s.verify.invalidate()
		}
		return rec, err
	})
}

// addOfficer: PUT /api/v1/issuers/{issuer}/officers/{user}.
func (s *Server) addOfficer(c *gin.Context) { s.setOfficer(c, true) }

// removeOfficer: DELETE /api/v1/issuers/{issuer}/officers/{user}.
func (s *Server) removeOfficer(c *gin.Context) { s.setOfficer(c, false) }

func (s *Server) setOfficer(c *gin.Context, on bool) {
	withID(c, "issuer", "issuer", http.StatusNoContent, func(issuer int64) (any, error) {
		user, err := pathID(c, "user", "user")
		if err != nil {
			return nil, err
		}
		return nil, s.db.SetIssuerOfficer(c.Request.Context(), issuer, user, caller(c).User.ID, on)
	})
}

// rotationBody asks for a key rotation; after a compromise, since when.
type rotationBody struct {
	CompromisedAt *time.Time `json:"compromised_at"`
	Reason        string     `json:"reason"`
}

// rotateKeys: POST /api/v1/issuers/{issuer}/keys/rotate.
func (s *Server) rotateKeys(c *gin.Context) {
	withIDAndBody(c, "issuer", "issuer", http.StatusOK, func(id int64, in rotationBody) (any, error) {
		var r store.KeyRotation
		if in.CompromisedAt != nil {
			r.CompromisedAt = *in.CompromisedAt
		}
		r.Reason = in.Reason
		if _, err := RotateKeys(c.Request.Context(), s.db, s.cfg.MasterKey, id, caller(c).User.ID, r, s.cfg.Now()); err != nil {
			return nil, err
		}
		s.verify.invalidate()
		return loadIssuer(c.Request.Context(), s.db, id)
	})
}

// RotateKeys gives issuer new signing keys and retires the current ones
// (`bayskills keys rotate` and the admin API).
func RotateKeys(ctx context.Context, db *store.DB, master []byte, issuer, user int64, r store.KeyRotation, now time.Time) ([]store.IssuerKey, error) {
	return db.RotateIssuerKeys(ctx, issuer, user, r, func(iss store.Issuer) ([]store.IssuerKey, error) {
		return newIssuerKeys(master, iss, now)
	})
}
