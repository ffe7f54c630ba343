package server

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/store"
)

// The employers' verification pages (DESIGN §8): what a phone shows when
// it opens a certificate's QR code, and the lookup by number and holder's
// name or by the certificate's PDF. They render the verdict of the JSON
// API's verification on the server, so they work without script; with
// it, verify.js checks the QR code's signed claims (the URL's fragment,
// which browsers never send) through the API and shows its answer.

// verifyPageRoutes are the employers' verification pages (DESIGN §8).
func (s *Server) verifyPageRoutes() []route {
	return []route{
		{"GET", "/v/:id", publicLimited, s.verifyPage, page},
		{"GET", "/verify", public, s.lookupPage, page},
		{"POST", "/verify/lookup", publicLimited, s.lookupForm, page},
		{"POST", "/verify/upload", publicLimited, s.uploadForm, page},
		// The language switch of a form's answer opens the form's URL.
		{"GET", "/verify/lookup", public, s.backToLookup, page},
		{"GET", "/verify/upload", public, s.backToLookup, page},
	}
}

// verifyPageData is what the verification page (verify.html) shows: a
// certificate's verification, or the lookup forms with what they found.
type verifyPageData struct {
	// ID is the certificate whose page this is, for the script; "" on
	// the lookup page and when nothing was found.
	ID string
	// Lookup: the lookup page (its forms, a miss, an upload's report)
	// rather than a certificate's page.
	Lookup bool
	// Result is a verdict to show; nil on the bare lookup page.
	Result *verifyResult
	// Upload: Result is an uploaded PDF's report, whose file has SHA256.
	Upload bool
	SHA256 string
	// Number and Name are what the lookup form was sent with.
	Number, Name string
	// Notice is the catalog key of a message above the forms.
	Notice string
}

// verifyResult is a verification as the page shows it: the verdict with
// its sentence, the checks, and the certificate the registry holds.
type verifyResult struct {
	Verdict    string
	TextKey    string // the catalog key of the verdict's sentence
	Reason     string // in English, or as an officer typed it (ReasonCode codeOfficer)
	ReasonCode verifyCode
	Since      string // a date (UTC+8), for the sentence
	Checks     []checkLine
	Cert       *certPage
}

// checkLine is one check with the catalog key of its explanation.
type checkLine struct {
	verifyCheck
	TextKey string
}

// certPage is a certificate as its page shows it: names in the four
// languages (the template picks the reader's), dates as dates.
type certPage struct {
	ID, PDFURL, Number        string
	HolderNative, HolderLatin string
	Skill                     store.Names
	SkillCode, Occupation     string
	Event                     store.Names
	EventDates                string
	Result                    store.Names
	Level, Framework          store.Names
	Official                  bool
	Mapping                   store.Names
	Issuer                    store.Names
	Region                    store.Region
	Demo                      bool
	IssuedOn, ValidUntil      string
	ReplacedBy                string
	Siblings                  []siblingPage
}

type siblingPage struct {
	URL, Number, Status string
	Issuer, Level       store.Names
	Region              store.Region
	Demo                bool
}

// verifyPage: GET /v/{id}, a certificate's verification as the registry
// sees it (the QR code's claims are the script's to check). An id that is
// malformed or unknown gets the same NOT FOUND page, a 404.
func (s *Server) verifyPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store") // a status can change any time
	v, err := s.verifyByID(c, c.Param("id"), "")
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		c.Set(ctxErrorCode, string(apperr.NotFound))
		s.render(c, http.StatusNotFound, "verify", verifyPageData{Result: &verifyResult{
			Verdict: VerdictNotFound, TextKey: "verify.verdict.not_found.text",
			Checks: []checkLine{{verifyCheck{Name: "registry", Result: checkFailed}, "verify.check.registry.failed"}},
		}})
	case err != nil:
		s.pageFail(c, err)
	default:
		s.render(c, http.StatusOK, "verify", verifyPageData{ID: v.Certificate.ID, Result: resultOf(v, false)})
	}
}

// lookupPage: GET /verify, the lookup by number and name, and by PDF.
func (s *Server) lookupPage(c *gin.Context) {
	s.render(c, http.StatusOK, "verify", verifyPageData{Lookup: true})
}

// backToLookup: GET /verify/lookup and /verify/upload, where the language
// switch of a form's answer (a link to ?lang=) leads: the lookup page, in
// that language.
func (s *Server) backToLookup(c *gin.Context) {
	to := "/verify"
	if l := c.Query("lang"); knownLang(l) {
		to += "?lang=" + l
	}
	c.Redirect(http.StatusSeeOther, to)
}

// lookupForm: POST /verify/lookup, from the lookup page. A hit goes to the
// certificate's page; a miss says so in one message that does not tell
// whether the number or the name was wrong (a 404, which the rate limit
// counts as a miss).
func (s *Server) lookupForm(c *gin.Context) {
	d := verifyPageData{Lookup: true, Number: c.PostForm("number"), Name: c.PostForm("name")}
	if s.refuseCrossSite(c, d) {
		return
	}
	rec, err := s.db.LookupCertificate(c.Request.Context(), d.Number, d.Name)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		s.metrics.verified(verification{}, err) // a hit is counted on the certificate's page
		d.Notice = "verify.lookup.miss"
		c.Set(ctxErrorCode, string(apperr.NotFound))
		s.render(c, http.StatusNotFound, "verify", d)
	case err != nil:
		s.pageFail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/v/"+url.PathEscape(rec.PublicID))
	}
}

// uploadForm: POST /verify/upload, a certificate's PDF from the lookup
// page (multipart, field "file"): the upload's report, check by check,
// then its verdict.
func (s *Server) uploadForm(c *gin.Context) {
	d := verifyPageData{Lookup: true}
	if s.refuseCrossSite(c, d) {
		return
	}
	pdf, err := readPDFUpload(c)
	if err != nil {
		code := apperr.CodeOf(err)
		d.Notice = map[apperr.Code]string{apperr.Invalid: "verify.upload.none", apperr.TooLarge: "verify.upload.toolarge"}[code]
		if d.Notice == "" {
			d.Notice = "verify.upload.unreadable"
		}
		c.Set(ctxErrorCode, string(code))
		s.render(c, statusOf[code], "verify", d)
		return
	}
	rep, err := s.checkPDF(c.Request.Context(), s.publicBase(c), pdf)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	d.Upload, d.SHA256, d.Result = true, rep.SHA256, resultOf(rep.verification, true)
	s.render(c, http.StatusOK, "verify", d)
}

// refuseCrossSite answers a form another site's page sent (CSRF) with the
// lookup page and a 403, and reports whether it did. As for sign-in codes
// (crossSite), a request whose browser says nothing of its origin passes:
// these forms change nothing and use no session, and the same questions
// are open to anyone through the JSON API.
func (s *Server) refuseCrossSite(c *gin.Context, d verifyPageData) bool {
	if !crossSite(c.Request) {
		return false
	}
	d.Notice = "verify.crosssite"
	c.Set(ctxErrorCode, string(apperr.Forbidden))
	s.render(c, http.StatusForbidden, "verify", d)
	return true
}

// resultOf is verification v as the page shows it; upload: v is an
// uploaded PDF's report.
func resultOf(v verification, upload bool) *verifyResult {
	r := &verifyResult{Verdict: v.Verdict, TextKey: "verify.verdict." + v.Verdict + ".text", Reason: v.Reason,
		ReasonCode: v.ReasonCode, Since: dateOf(v.Since)}
	if upload && v.Verdict == VerdictNotFound {
		r.TextKey = "verify.verdict.not_found.upload.text"
	}
	for _, ch := range v.Checks {
		key := "verify.check." + ch.Name + "." + ch.Result
		if upload && ch.Name == "claims" && ch.Result == checkSkipped {
			key = "verify.check.claims.none" // nothing in the registry to compare with
		}
		r.Checks = append(r.Checks, checkLine{ch, key})
	}
	if cv := v.Certificate; cv != nil {
		p := &certPage{ID: cv.ID, PDFURL: cv.PDFURL, Number: cv.Number, HolderNative: cv.HolderNative,
			HolderLatin: cv.HolderLatin, Skill: store.Names(cv.Skill), SkillCode: cv.SkillCode, Occupation: cv.Occupation,
			Event: store.Names(cv.Event), EventDates: cv.EventDates, Result: store.Names(cv.Result),
			Level: store.Names(cv.Level.Name), Framework: store.Names(cv.Level.Names),
			Official: cv.Provenance == store.ProvenanceOfficial, Mapping: store.Names(cv.Mapping),
			Issuer: store.Names(cv.Issuer.Name), Region: cv.Issuer.Region, Demo: cv.Issuer.Demo,
			IssuedOn: dateOf(cv.IssuedAt), ValidUntil: dateOf(cv.ValidUntil), ReplacedBy: cv.ReplacedBy}
		for _, sb := range cv.Siblings {
			p.Siblings = append(p.Siblings, siblingPage{URL: sb.URL, Number: sb.Number, Status: sb.Status,
				Issuer: store.Names(sb.Issuer.Name), Level: store.Names(sb.Level.Name), Region: sb.Issuer.Region,
				Demo: sb.Issuer.Demo})
		}
		r.Cert = p
	}
	return r
}

// pageText is words a page shows in a language that may not be its own.
type pageText struct {
	Text string
	// Lang is the language of Text when it is not the page's ("en"), or
	// "" when it is; Typed: Text is as someone typed it, in a language
	// the page does not know (lang="").
	Lang  string
	Typed bool
}

// Said is what a verification page shows for a reason or a check detail
// with code and the API's English words: the page language's words for
// the code (verify.code.<code>), or the English when the code has none;
// an officer's reason as they typed it.
func (p pageData) Said(code verifyCode, english string) pageText {
	if code == codeOfficer {
		return pageText{Text: english, Typed: true}
	}
	if msg, ok := p.cat["verify.code."+string(code)]; ok && code != "" {
		return pageText{Text: msg}
	}
	return pageText{Text: english, Lang: "en"}
}

// dateOf is the calendar date of a stored time in the Greater Bay Area
// (UTC+8), as certificates print dates; "" stays "".
func dateOf(stamp string) string {
	t, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return stamp
	}
	return t.In(gbaTime).Format(time.DateOnly)
}
