package server

import (
	"archive/zip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/store"
)

// certRoutes are the certificates' API (DESIGN §7): frameworks, issuers
// and their keys, a skill's recognition plan, issuance and downloads.
// Verification, for everyone, is elsewhere.
func (s *Server) certRoutes() []route {
	return []route{
		{"GET", "/api/v1/frameworks", authenticated, s.listFrameworks, jsonBody},
		{"GET", "/api/v1/issuers", authenticated, s.listIssuers, jsonBody},
		{"POST", "/api/v1/issuers", adminOnly, s.createIssuer, jsonBody},
		{"GET", "/api/v1/issuers/:issuer", authenticated, s.getIssuer, jsonBody},

		{"GET", "/api/v1/events/:event/skills/:skill/plan", eventOrganizer, s.getPlan, jsonBody},
		{"PUT", "/api/v1/events/:event/skills/:skill/plan", eventOrganizer, s.putPlan, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/issuances", eventOrganizer, s.listIssuances, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/issuances", eventOrganizer, s.startIssuance, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/issuances/:batch", eventOrganizer, s.getIssuance, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/certificates", eventOrganizer, s.listCertificates, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/certificates.zip", eventOrganizer, s.certificatesZIP, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/certificates/*file", eventOrganizer, s.certificatePDF, jsonBody},
	}
}

func (s *Server) listFrameworks(c *gin.Context) {
	list, err := s.db.Frameworks(c.Request.Context())
	respond(c, http.StatusOK, list, err)
}

func (s *Server) listIssuers(c *gin.Context) {
	list, err := s.db.Issuers(c.Request.Context())
	respond(c, http.StatusOK, list, err)
}

// issuerInput is what an admin gives to create an issuer.
type issuerInput struct {
	Code           string       `json:"code"`
	Region         store.Region `json:"region"`
	Name           certs.Names  `json:"name"`
	Framework      string       `json:"framework"`
	Languages      []string     `json:"languages"`
	Numbering      string       `json:"numbering"`
	NumberTemplate string       `json:"number_template"`
	Evaluator      string       `json:"evaluator"`
	OrgCode        string       `json:"org_code"`
	Province       string       `json:"province"`
	Site           string       `json:"site"`
	ValidityMonths int          `json:"validity_months"`
	Demo           bool         `json:"demo"`
}

// issuerView is an issuer with its public keys: key ids, public JWKs, the
// PDF key's certificate chain and every key's window. Private keys, sealed
// or not, are never part of it.
type issuerView struct {
	store.Issuer
	Keys []store.IssuerKey `json:"keys"`
}

func (s *Server) createIssuer(c *gin.Context) {
	withBody(c, http.StatusCreated, func(in issuerInput) (any, error) {
		return addIssuer(c.Request.Context(), s.db, s.cfg.MasterKey, store.Issuer{Code: in.Code, Region: in.Region,
			Name: in.Name, Framework: in.Framework, Languages: in.Languages, Numbering: in.Numbering,
			NumberTemplate: in.NumberTemplate, Evaluator: in.Evaluator, OrgCode: in.OrgCode, Province: in.Province,
			Site: in.Site, ValidityMonths: in.ValidityMonths, Demo: in.Demo}, caller(c).User.ID, s.cfg.Now())
	})
}

// addIssuer creates an issuer with its two signing keys (newIssuerKeys).
func addIssuer(ctx context.Context, db *store.DB, master []byte, in store.Issuer, user int64, now time.Time) (issuerView, error) {
	iss, err := db.CreateIssuer(ctx, in, user, func(iss store.Issuer) ([]store.IssuerKey, error) {
		return newIssuerKeys(master, iss, now)
	})
	if err != nil {
		return issuerView{}, err
	}
	return loadIssuer(ctx, db, iss.ID)
}

func loadIssuer(ctx context.Context, db *store.DB, id int64) (issuerView, error) {
	iss, err := db.Issuer(ctx, id)
	if err != nil {
		return issuerView{}, err
	}
	keys, err := db.IssuerKeys(ctx, id)
	return issuerView{Issuer: iss, Keys: keys}, err
}

func (s *Server) getIssuer(c *gin.Context) {
	withID(c, "issuer", "issuer", http.StatusOK, func(id int64) (any, error) {
		return loadIssuer(c.Request.Context(), s.db, id)
	})
}

// planBody is a skill's recognition plan, in order: for each issuer, the
// first entry an entry's result meets decides the level.
type planBody struct {
	Entries []store.PlanEntry `json:"entries"`
}

func (s *Server) getPlan(c *gin.Context) {
	plan, err := s.db.Plan(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	respond(c, http.StatusOK, planBody{plan}, err)
}

func (s *Server) putPlan(c *gin.Context) {
	withBody(c, http.StatusOK, func(in planBody) (any, error) {
		plan, err := s.db.SetPlan(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, caller(c).User.ID, in.Entries)
		return planBody{plan}, err
	})
}

// startIssuance: POST …/issuances checks and starts a batch and answers
// 202 with it; GET …/issuances/{batch} follows its progress, and GET
// …/issuances lists the skill's batches, newest first.
func (s *Server) startIssuance(c *gin.Context) {
	e, sk := eventOf(c), skillOf(c)
	b, _, err := s.issuance.start(c.Request.Context(), issueRequest{event: e, skill: sk, user: caller(c).User.ID,
		base: s.publicBase(c)})
	if err == nil {
		c.Header("Location", fmt.Sprintf("/api/v1/events/%d/skills/%d/issuances/%d", e.ID, sk.ID, b.ID))
	}
	respond(c, http.StatusAccepted, b, err)
}

func (s *Server) listIssuances(c *gin.Context) {
	list, err := s.db.Batches(c.Request.Context(), skillOf(c).ID)
	respond(c, http.StatusOK, list, err)
}

func (s *Server) getIssuance(c *gin.Context) {
	withID(c, "batch", "issuance", http.StatusOK, func(id int64) (any, error) {
		b, err := s.db.Batch(c.Request.Context(), id)
		if err == nil && b.SkillID != skillOf(c).ID {
			err = apperr.New(apperr.NotFound, "issuance not found")
		}
		return b, err
	})
}

// certificateView is a certificate of the registry as organizers list it.
type certificateView struct {
	store.CertificateRecord
	Issuer    string `json:"issuer"` // the issuer's code
	VerifyURL string `json:"verify_url"`
}

func (s *Server) listCertificates(c *gin.Context) {
	ctx := c.Request.Context()
	list, err := s.db.SkillCertificates(ctx, eventOf(c).ID, skillOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	issuers, err := s.db.Issuers(ctx)
	if err != nil {
		fail(c, err)
		return
	}
	codes := map[int64]string{}
	for _, i := range issuers {
		codes[i.ID] = i.Code
	}
	out := make([]certificateView, len(list))
	base := s.publicBase(c)
	for i, rec := range list {
		out[i] = certificateView{CertificateRecord: rec, Issuer: codes[rec.IssuerID], VerifyURL: certs.VerifyURL(base, rec.PublicID)}
	}
	c.JSON(http.StatusOK, out)
}

// certificatePDF: GET …/certificates/{id}.pdf, one certificate's PDF byte
// for byte as issued (its SHA-256 is the registry's pdf_sha256).
func (s *Server) certificatePDF(c *gin.Context) {
	ctx := c.Request.Context()
	id, ok := strings.CutSuffix(strings.TrimPrefix(c.Param("file"), "/"), ".pdf")
	if !ok || id == "" || strings.Contains(id, "/") {
		fail(c, apperr.New(apperr.NotFound, "certificate not found"))
		return
	}
	rec, err := s.db.CertificateByID(ctx, id)
	if err == nil && rec.SkillID != skillOf(c).ID {
		err = apperr.New(apperr.NotFound, "certificate not found")
	}
	if err != nil {
		fail(c, err)
		return
	}
	pdf, err := s.db.CertificatePDF(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+fileName(rec.Number)+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// certificatesZIP: GET …/certificates.zip, every valid certificate of the
// skill as NUMBER.pdf in a ZIP, streamed one PDF at a time.
func (s *Server) certificatesZIP(c *gin.Context) {
	ctx := c.Request.Context()
	sk := skillOf(c)
	list, err := s.db.SkillCertificates(ctx, eventOf(c).ID, sk.ID)
	if err != nil {
		fail(c, err)
		return
	}
	var valid []store.CertificateRecord
	for _, rec := range list {
		if rec.Status == store.CertValid {
			valid = append(valid, rec)
		}
	}
	if len(valid) == 0 {
		fail(c, apperr.New(apperr.NotFound, "the skill has no valid certificates"))
		return
	}
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", `attachment; filename="certificates-`+fileName(sk.Code)+`.zip"`)
	c.Status(http.StatusOK)
	zw := zip.NewWriter(c.Writer)
	names := map[string]bool{}
	for _, rec := range valid {
		pdf, err := s.db.CertificatePDF(ctx, rec.PublicID)
		if err != nil {
			s.log.ErrorContext(ctx, "certificates zip", "skill", sk.ID, "err", err.Error())
			c.Abort()
			return
		}
		name := fileName(rec.Number) + ".pdf"
		if names[name] { // two issuers' numbers alike
			name = fileName(rec.Number) + "-" + rec.PublicID + ".pdf"
		}
		names[name] = true
		modified, _ := time.Parse(time.RFC3339, rec.IssuedAt)
		// PDFs are compressed already: stored, not deflated.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: modified})
		if err == nil {
			_, err = w.Write(pdf)
		}
		if err != nil { // the client went away
			c.Abort()
			return
		}
	}
	if err := zw.Close(); err != nil {
		c.Abort()
	}
}

// fileName makes s safe as a file name in a header and an archive:
// letters, digits, dot, dash and underscore; anything else becomes "_".
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
