package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/scoring"
	"bayskills/store"
)

// Verification (DESIGN §8): what an employer sees when they scan a
// certificate's QR code or look it up, and what an offline verifier
// downloads — the issuers' keys and status lists.

// The verdicts of a verification, in the order they win: a paper whose
// signed claims disagree with the registry is ALTERED whatever the
// registry says; otherwise the registry's status decides.
const (
	VerdictAltered   = "altered"
	VerdictNotFound  = "not_found"
	VerdictRevoked   = "revoked"
	VerdictSuspended = "suspended"
	VerdictExpired   = "expired"
	VerdictValid     = "valid"
)

// Check outcomes.
const (
	checkPassed  = "passed"
	checkFailed  = "failed"
	checkSkipped = "not_checked"
)

// verifyCode names a reason or check detail the system writes, so that a
// page can say it in its reader's language (the catalog key
// "verify.code.<code>") while the English Reason and Detail stay what the
// API and the offline verifier print. Codes are stable: a client may test
// them.
type verifyCode string

// codeOfficer marks a reason an issuer's officer typed when revoking or
// suspending: their own words, shown as typed and never translated.
const codeOfficer verifyCode = "officer"

// The codes of system-written reasons and check details; every one is in
// verifyCodes, and so has a translation in each language.
const (
	// The registry's verdict and its own claims.
	codeSuperseded            verifyCode = "superseded"
	codeInRegistry            verifyCode = "in_registry"
	codeKeyInWindow           verifyCode = "key_in_window"
	codeKeyCompromised        verifyCode = "key_compromised"
	codeKeyWindow             verifyCode = "key_window"
	codeKeyUnknown            verifyCode = "key_unknown"
	codeRegistryClaimsInvalid verifyCode = "registry_claims_invalid"

	// The presented claims (the QR code's, or the PDF's).
	codeClaimsAbsent         verifyCode = "claims_absent"
	codeClaimsMatch          verifyCode = "claims_match"
	codeClaimsKeyCompromised verifyCode = "claims_key_compromised"
	codeClaimsKeyWindow      verifyCode = "claims_key_window"
	codeClaimsUnknownKey     verifyCode = "claims_unknown_key"
	codeClaimsBadSignature   verifyCode = "claims_bad_signature"
	codeClaimsMalformed      verifyCode = "claims_malformed"
	codeMismatchID           verifyCode = "claims_mismatch_id"
	codeMismatchNumber       verifyCode = "claims_mismatch_number"
	codeMismatchHolder       verifyCode = "claims_mismatch_holder"
	codeMismatchHolderLatin  verifyCode = "claims_mismatch_holder_latin"
	codeMismatchIssuer       verifyCode = "claims_mismatch_issuer"
	codeMismatchSkill        verifyCode = "claims_mismatch_skill"
	codeMismatchLevel        verifyCode = "claims_mismatch_level"
	codeMismatchIssuedAt     verifyCode = "claims_mismatch_issued_at"
	codeMismatchExpiry       verifyCode = "claims_mismatch_expiry"
	codeMismatchStatusIndex  verifyCode = "claims_mismatch_status_index"

	// An uploaded PDF (verify_upload.go).
	codeStoredHashMatch        verifyCode = "stored_hash_match"
	codeStoredHashUnknown      verifyCode = "stored_hash_unknown"
	codePDFSigned              verifyCode = "pdf_signed"
	codePDFNotPDF              verifyCode = "pdf_not_pdf"
	codePDFUnreadable          verifyCode = "pdf_unreadable"
	codePDFUnsigned            verifyCode = "pdf_unsigned"
	codePDFSignatureMalformed  verifyCode = "pdf_signature_malformed"
	codePDFSignatureBad        verifyCode = "pdf_signature_bad"
	codePDFAltered             verifyCode = "pdf_altered"
	codePDFChangedAfterSigning verifyCode = "pdf_changed_after_signing"
	codePDFKeyUntrusted        verifyCode = "pdf_key_untrusted"
	codePDFKeyWindow           verifyCode = "pdf_key_window"
	codePDFKeyCompromised      verifyCode = "pdf_key_compromised"
	codeSignedNotInRegistry    verifyCode = "signed_not_in_registry"
	codeNoCertificate          verifyCode = "no_certificate"
)

// verifyCodes is every code the server writes for a reason or a check
// detail, but codeOfficer: the list the catalogs must translate.
var verifyCodes = []verifyCode{
	codeSuperseded, codeInRegistry, codeKeyInWindow, codeKeyCompromised, codeKeyWindow, codeKeyUnknown,
	codeRegistryClaimsInvalid,
	codeClaimsAbsent, codeClaimsMatch, codeClaimsKeyCompromised, codeClaimsKeyWindow, codeClaimsUnknownKey,
	codeClaimsBadSignature, codeClaimsMalformed,
	codeMismatchID, codeMismatchNumber, codeMismatchHolder, codeMismatchHolderLatin, codeMismatchIssuer,
	codeMismatchSkill, codeMismatchLevel, codeMismatchIssuedAt, codeMismatchExpiry, codeMismatchStatusIndex,
	codeStoredHashMatch, codeStoredHashUnknown, codePDFSigned, codePDFNotPDF, codePDFUnreadable, codePDFUnsigned,
	codePDFSignatureMalformed, codePDFSignatureBad, codePDFAltered, codePDFChangedAfterSigning,
	codePDFKeyUntrusted, codePDFKeyWindow, codePDFKeyCompromised, codeSignedNotInRegistry, codeNoCertificate,
}

// verifyCheck is one check of a verification, reported on its own so the
// page and the offline verifier can say which one failed.
type verifyCheck struct {
	Name   string     `json:"name"` // registry, claims, signature, stored_hash, key
	Result string     `json:"result"`
	Detail string     `json:"detail,omitempty"` // in English
	Code   verifyCode `json:"code,omitempty"`   // Detail's code, for a translation
}

// verification is the answer of every verification route: the verdict,
// why, the checks, and what the certificate certifies.
type verification struct {
	Verdict     string          `json:"verdict"`
	Reason      string          `json:"reason,omitempty"`      // the revocation's or suspension's reason, or what disagreed
	ReasonCode  verifyCode      `json:"reason_code,omitempty"` // codeOfficer for an officer's words, else the system reason's code
	Since       string          `json:"since,omitempty"`       // when the status took effect
	Checks      []verifyCheck   `json:"checks"`
	Certificate *certView       `json:"certificate,omitempty"`
	Credential  json.RawMessage `json:"credential,omitempty"` // the VC 2.0 / OB 3.0 credential as issued
}

// certView is a certificate as verifiers see it: every name in the four
// languages, never an identity-document number.
type certView struct {
	ID           string        `json:"id"`
	URL          string        `json:"url"`
	PDFURL       string        `json:"pdf_url"`
	Number       string        `json:"number"`
	HolderNative string        `json:"holder_native,omitempty"`
	HolderLatin  string        `json:"holder_latin,omitempty"`
	Skill        certs.Names   `json:"skill"`
	SkillCode    string        `json:"skill_code"`
	Occupation   string        `json:"occupation_code,omitempty"`
	Event        certs.Names   `json:"event"`
	EventDates   string        `json:"event_dates"`
	Result       certs.Names   `json:"result"`
	Rank         int           `json:"rank,omitempty"`
	Score        string        `json:"score,omitempty"`
	Award        string        `json:"award,omitempty"`
	Level        levelView     `json:"level"`
	Provenance   string        `json:"provenance"` // official or indicative
	Reference    string        `json:"reference,omitempty"`
	Mapping      certs.Names   `json:"mapping"` // the provenance in words
	Issuer       issuerRef     `json:"issuer"`
	IssuedAt     string        `json:"issued_at"`
	ValidUntil   string        `json:"valid_until,omitempty"`
	Status       string        `json:"status"`
	StatusAt     string        `json:"status_at,omitempty"`
	ReplacedBy   string        `json:"replaced_by,omitempty"` // the re-issued certificate's URL
	Siblings     []siblingView `json:"siblings"`
}

type levelView struct {
	Code      string      `json:"code"`
	Name      certs.Names `json:"name"`
	Framework string      `json:"framework"`
	Names     certs.Names `json:"framework_name"`
}

type issuerRef struct {
	Code   string       `json:"code"`
	Name   certs.Names  `json:"name"`
	Region store.Region `json:"region"`
	Demo   bool         `json:"demo"`
}

type siblingView struct {
	URL    string    `json:"url"`
	Number string    `json:"number"`
	Issuer issuerRef `json:"issuer"`
	Level  levelView `json:"level"`
	Status string    `json:"status"`
}

// registryView is what verification needs besides the certificates: the
// issuers, the frameworks and every key ever used, with their windows. It
// is rebuilt when the keys' fingerprint changes — checked at most every
// keysCheckEvery, so a rotation by another process (`bayskills keys
// rotate`) is seen within it — or at once when this process changes them.
type registryView struct {
	checked     time.Time
	fingerprint string
	gen         int64
	issuers     map[int64]store.Issuer
	byCode      map[string]store.Issuer
	fws         map[string]certs.Framework
	keys        certs.KeySet
	jwks        []byte // /.well-known/jwks.json
}

const keysCheckEvery = time.Second

// verifier holds the registry view and the signed status lists.
type verifier struct {
	mu    sync.Mutex
	view  *registryView
	gen   atomic.Int64 // bumped by every change this process makes to keys, issuers or statuses
	lists sync.Map     // statusKey → *signedList
}

// invalidate drops what the verifier derived from the registry.
func (v *verifier) invalidate() { v.gen.Add(1) }

func (s *Server) registry(ctx context.Context) (*registryView, error) {
	v := &s.verify
	gen := v.gen.Load()
	v.mu.Lock()
	defer v.mu.Unlock()
	now := s.cfg.Now()
	r := v.view
	if r != nil && r.gen == gen && now.Sub(r.checked) < keysCheckEvery && !now.Before(r.checked) {
		return r, nil
	}
	fp, err := s.db.KeysFingerprint(ctx)
	if err != nil {
		return nil, err
	}
	if r == nil || r.gen != gen || r.fingerprint != fp {
		if r, err = loadRegistryView(ctx, s.db); err != nil {
			return nil, err
		}
		r.fingerprint, r.gen = fp, gen
		v.view = r
	}
	r.checked = now
	return r, nil
}

func loadRegistryView(ctx context.Context, db *store.DB) (*registryView, error) {
	issuers, err := db.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	fws, err := db.Frameworks(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := db.AllIssuerKeys(ctx)
	if err != nil {
		return nil, err
	}
	r := &registryView{issuers: map[int64]store.Issuer{}, byCode: map[string]store.Issuer{},
		fws: map[string]certs.Framework{}}
	for _, i := range issuers {
		r.issuers[i.ID], r.byCode[i.Code] = i, i
	}
	for _, f := range fws {
		r.fws[f.Code] = f
	}
	set, err := publishedKeys(keys)
	if err != nil {
		return nil, err
	}
	if r.jwks, err = json.Marshal(set); err != nil {
		return nil, apperr.Wrap(err, "encode the key set")
	}
	if r.keys, err = certs.ParseJWKS(r.jwks); err != nil {
		return nil, apperr.Wrap(err, "read back the key set")
	}
	return r, nil
}

// publishedKeys is every issuer key as a JWK with its window: nbf from
// not_before, exp from not_after (when it stopped signing), and
// revoked.revoked_at from a compromise.
func publishedKeys(keys []store.IssuerKey) (certs.JWKS, error) {
	set := certs.JWKS{Keys: make([]certs.JWK, 0, len(keys))}
	for _, k := range keys {
		var j certs.JWK
		if err := json.Unmarshal(k.PublicJWK, &j); err != nil {
			return set, apperr.Wrap(err, "read key "+k.KID)
		}
		stamps := []struct {
			text string
			set  func(int64)
		}{
			{k.NotBefore, func(t int64) { j.NBF = t }},
			{k.NotAfter, func(t int64) { j.Exp = t }},
			{k.CompromisedAt, func(t int64) { j.Revoked = &certs.JWKRevoked{RevokedAt: t, Reason: "compromised"} }},
		}
		for _, st := range stamps {
			if st.text == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, st.text)
			if err != nil {
				return set, apperr.Wrap(err, "read the window of key "+k.KID)
			}
			// Windows are whole seconds, as signing times are: nbf rounds
			// down and exp or a compromise up, so a key's own first and
			// last seconds stay in its window.
			sec := t.Unix()
			if st.text != k.NotBefore && t.Nanosecond() > 0 {
				sec++
			}
			st.set(sec)
		}
		set.Keys = append(set.Keys, j)
	}
	return set, nil
}

// jwks serves every issuer key ever used, with its window: keys are
// rotated, never deleted, so old certificates keep verifying offline.
func (s *Server) jwks(c *gin.Context) {
	r, err := s.registry(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/jwk-set+json", r.jwks)
}

// verifyCertificate works out the verdict on a certificate of the registry
// (v), and on the QR claims the caller presents, if any (claims: "" when
// there are none, such as a visit without script).
func (s *Server) verifyCertificate(ctx context.Context, base string, rec store.VerifiedCertificate, claims string) (verification, error) {
	r, err := s.registry(ctx)
	if err != nil {
		return verification{}, err
	}
	view, err := s.certificateView(ctx, r, base, rec)
	if err != nil {
		return verification{}, err
	}
	out := verification{Certificate: &view, Credential: rec.Credential}
	out.Checks = append(out.Checks, verifyCheck{Name: "registry", Result: checkPassed,
		Detail: "found in the registry as " + rec.Status, Code: codeInRegistry})

	// The registry's own claims: signed by a key that was compromised
	// before the certificate was signed, they no longer prove anything.
	if code, err := checkStoredSignature(r.keys, rec); err != nil {
		out.Checks = append(out.Checks, verifyCheck{Name: "key", Result: checkFailed, Detail: err.Error(), Code: code})
		out.Verdict, out.Reason, out.ReasonCode = VerdictAltered, keyReasons[code], code
		return out, nil
	}
	out.Checks = append(out.Checks, verifyCheck{Name: "key", Result: checkPassed, Detail: "signed within the key's window",
		Code: codeKeyInWindow})

	if claims == "" {
		out.Checks = append(out.Checks, verifyCheck{Name: "claims", Result: checkSkipped,
			Detail: "no QR claims were presented; the registry alone was checked", Code: codeClaimsAbsent})
	} else if code, msg := compareClaims(r.keys, claims, rec); msg != "" {
		out.Checks = append(out.Checks, verifyCheck{Name: "claims", Result: checkFailed, Detail: msg, Code: code})
		out.Verdict, out.Reason, out.ReasonCode = VerdictAltered, msg, code
		return out, nil
	} else {
		out.Checks = append(out.Checks, verifyCheck{Name: "claims", Result: checkPassed,
			Detail: "the QR's signed claims match the registry", Code: codeClaimsMatch})
	}
	out.Verdict, out.Reason, out.ReasonCode, out.Since = registryVerdict(rec, s.cfg.Now())
	return out, nil
}

// registryVerdict is what the registry alone says of a certificate, and
// why: an officer's reason is theirs (codeOfficer).
func registryVerdict(rec store.VerifiedCertificate, now time.Time) (verdict, reason string, code verifyCode, since string) {
	officer := func(verdict string) (string, string, verifyCode, string) {
		if rec.StatusReason == "" {
			return verdict, "", "", rec.StatusAt
		}
		return verdict, rec.StatusReason, codeOfficer, rec.StatusAt
	}
	switch rec.Status {
	case store.CertRevoked:
		return officer(VerdictRevoked)
	case store.CertSuperseded:
		return VerdictRevoked, "replaced by a re-issued certificate", codeSuperseded, rec.StatusAt
	case store.CertSuspended:
		return officer(VerdictSuspended)
	}
	if rec.ValidUntil != "" {
		if until, err := time.Parse(time.RFC3339Nano, rec.ValidUntil); err == nil && !now.Before(until) {
			return VerdictExpired, "", "", rec.ValidUntil
		}
	}
	return VerdictValid, "", "", ""
}

// checkStoredSignature checks that the key which signed rec's claims could
// sign at its issue time: known, in its window, not compromised by then;
// if not, it says why and its code. The signature itself is the
// registry's own and is not recomputed.
func checkStoredSignature(keys certs.KeySet, rec store.VerifiedCertificate) (verifyCode, error) {
	kid, err := certs.ClaimsKeyID(rec.Claims)
	if err != nil {
		return codeRegistryClaimsInvalid, err
	}
	k, ok := keys.Key(kid)
	if !ok {
		return codeKeyUnknown, fmt.Errorf("signed by key %s, which is not in the key set", kid)
	}
	issued, err := time.Parse(time.RFC3339Nano, rec.IssuedAt)
	if err != nil {
		return codeRegistryClaimsInvalid, err
	}
	err = k.CheckSignedAt(issued.Truncate(time.Second))
	switch {
	case err == nil:
		return "", nil
	case errors.Is(err, certs.ErrKeyCompromised):
		return codeKeyCompromised, err
	}
	return codeKeyWindow, err
}

// keyReasons are the reasons, by checkStoredSignature's code, why the
// registry's own claims no longer prove a certificate.
var keyReasons = map[verifyCode]string{
	codeKeyCompromised:        "the issuer's signing key was compromised before this certificate was signed; ask the issuer for a re-issued certificate",
	codeKeyWindow:             "this certificate was signed outside the period in which the issuer's key was in force; ask the issuer",
	codeKeyUnknown:            "this certificate was signed with a key the issuer has not published; ask the issuer",
	codeRegistryClaimsInvalid: "the registry's own signed data for this certificate cannot be verified; ask the issuer",
}

// compareClaims checks presented QR claims — their signature, then every
// field against the registry — and says what is wrong, with its code, or
// "".
func compareClaims(keys certs.KeySet, jws string, rec store.VerifiedCertificate) (verifyCode, string) {
	got, _, err := certs.ParseClaims(jws, keys)
	if err != nil {
		code, problem := claimsProblem(err)
		return code, "the QR's signed claims do not verify: " + problem
	}
	want, _, err := certs.ParseClaims(rec.Claims, keys)
	if err != nil {
		_, problem := claimsProblem(err)
		return codeRegistryClaimsInvalid, "the registry's claims do not verify: " + problem
	}
	for _, f := range []struct {
		name      string
		code      verifyCode
		got, want any
	}{
		{"certificate id", codeMismatchID, got.ID, rec.PublicID},
		{"number", codeMismatchNumber, got.Number, want.Number},
		{"holder's name", codeMismatchHolder, got.HolderName, want.HolderName},
		{"holder's Latin name", codeMismatchHolderLatin, got.HolderLatin, want.HolderLatin},
		{"issuer", codeMismatchIssuer, got.Issuer, want.Issuer},
		{"skill", codeMismatchSkill, got.Skill, want.Skill},
		{"level", codeMismatchLevel, got.Level, want.Level},
		{"issue time", codeMismatchIssuedAt, got.IssuedAt.Unix(), want.IssuedAt.Unix()},
		{"expiry", codeMismatchExpiry, got.Expires.Unix(), want.Expires.Unix()},
		{"status index", codeMismatchStatusIndex, got.StatusIndex, want.StatusIndex},
	} {
		if f.got != f.want {
			return f.code, fmt.Sprintf("the QR's %s differs from the registry's", f.name)
		}
	}
	return "", ""
}

// claimsProblem names why presented claims failed, without echoing them,
// with its code.
func claimsProblem(err error) (verifyCode, string) {
	switch {
	case errors.Is(err, certs.ErrKeyCompromised):
		return codeClaimsKeyCompromised, "signed by a key after its compromise"
	case errors.Is(err, certs.ErrKeyWindow):
		return codeClaimsKeyWindow, "signed outside the key's validity window"
	case errors.Is(err, certs.ErrUnknownKey):
		return codeClaimsUnknownKey, "signed by an unknown key"
	case errors.Is(err, certs.ErrBadSignature):
		return codeClaimsBadSignature, "the signature does not match the claims"
	}
	return codeClaimsMalformed, "malformed claims"
}

// certificateView describes rec with the names of what it refers to.
func (s *Server) certificateView(ctx context.Context, r *registryView, base string, rec store.VerifiedCertificate) (certView, error) {
	iss := r.issuers[rec.IssuerID]
	var res struct {
		Rank  int           `json:"rank"`
		Score string        `json:"score"`
		Award scoring.Award `json:"award"`
	}
	if err := json.Unmarshal(rec.Result, &res); err != nil {
		return certView{}, apperr.Wrap(err, "read the certificate's result")
	}
	v := certView{
		ID: rec.PublicID, URL: certs.VerifyURL(base, rec.PublicID), PDFURL: certs.VerifyURL(base, rec.PublicID) + "/certificate.pdf",
		Number: rec.Number, HolderNative: rec.HolderNative, HolderLatin: rec.HolderLatin,
		Skill: certs.Names(rec.SkillName), SkillCode: rec.SkillCode, Occupation: rec.OccupationCode,
		Event: certs.Names(rec.EventName), EventDates: rec.EventStartsOn + " – " + rec.EventEndsOn,
		Result: resultWords(store.EntryResult{Score: res.Score, Award: res.Award}),
		Rank:   res.Rank, Score: res.Score, Award: string(res.Award),
		Level:      r.level(iss, rec.Level),
		Provenance: rec.Provenance, Reference: rec.Reference,
		Mapping:  provenanceWords(store.PlanEntry{Provenance: rec.Provenance, Reference: rec.Reference}),
		Issuer:   issuerOf(iss),
		IssuedAt: rec.IssuedAt, ValidUntil: rec.ValidUntil, Status: rec.Status, StatusAt: rec.StatusAt,
		Siblings: []siblingView{},
	}
	if rec.SupersededBy != "" {
		v.ReplacedBy = certs.VerifyURL(base, rec.SupersededBy)
	}
	sibs, err := s.db.Siblings(ctx, rec)
	if err != nil {
		return certView{}, err
	}
	for _, sb := range sibs {
		other := r.issuers[sb.IssuerID]
		v.Siblings = append(v.Siblings, siblingView{URL: certs.VerifyURL(base, sb.PublicID), Number: sb.Number,
			Issuer: issuerOf(other), Level: r.level(other, sb.Level), Status: sb.Status})
	}
	return v, nil
}

func issuerOf(i store.Issuer) issuerRef {
	return issuerRef{Code: i.Code, Name: i.Name, Region: i.Region, Demo: i.Demo}
}

// level names a level of iss's framework.
func (r *registryView) level(iss store.Issuer, code string) levelView {
	fw := r.fws[iss.Framework]
	l, _ := fw.Level(code)
	return levelView{Code: code, Name: l.Name, Framework: fw.Code, Names: fw.Name}
}
