package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bayskills/assets"
	"bayskills/certs"
	"bayskills/store"
)

// The certificate verifyPagesSetup issues besides the usual six: AZ-TEST
// numbers without the year, and certifies gold only, which R-2 won.
const (
	verifyTestNumber = "AZT-000001"
	verifyTestHolder = "LI Xiaoming"
)

// verifyPagesSetup issues the CNC skill's certificates as
// certSetup(certIssued) does, and one more issuer's: AZ-TEST (Hong Kong,
// HKQF) certifies gold only, for 12 months, numbered AZT-{serial:6}, so
// that its one certificate is verifyTestNumber of verifyTestHolder
// whatever the date — a lookup a table row can spell in advance — and
// can expire. It returns that certificate.
func verifyPagesSetup(t *testing.T, f *fixture) store.VerifiedCertificate {
	t.Helper()
	ctx := context.Background()
	certSetup(certIssuers, nil)(t, f)
	iss, err := addIssuer(ctx, f.db, f.srv.cfg.MasterKey, store.Issuer{Code: "AZ-TEST", Region: store.HongKong,
		Framework: "HKQF", Languages: []string{"zh-Hant", "en"},
		Name:      certs.Names{ZhHant: "驗證測試中心", En: "Verification Test Centre"},
		Numbering: store.NumberingTemplate, NumberTemplate: "AZT-{serial:6}", ValidityMonths: 12},
		f.ids["user:"+asAdmin], f.now)
	if err != nil {
		t.Fatal(err)
	}
	f.ids["issuer:AZ"] = iss.ID
	authzJudgingSetup(authzFinal)(t, f)
	plan := append(certTestPlan(f), store.PlanEntry{IssuerID: iss.ID, Achievement: store.AchieveGold, Level: "5",
		Provenance: store.ProvenanceIndicative})
	if _, err := f.db.SetPlan(ctx, f.ids["event"], f.ids["skill"], f.ids["user:"+asOrganizer], plan); err != nil {
		t.Fatal(err)
	}
	f.ids["batch"] = f.issue().ID
	rec, err := f.db.LookupCertificate(ctx, verifyTestNumber, verifyTestHolder)
	if err != nil {
		t.Fatalf("the AZ-TEST certificate: %v", err)
	}
	return rec
}

// page fetches a page anonymously, with headers.
func (f *fixture) page(method, path string, body []byte, headers map[string]string) response {
	f.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return f.send(req)
}

// visible is a page without the catalog its scripts read: what it shows.
func visible(body []byte) string {
	s, _, _ := strings.Cut(string(body), `<script type="application/json" id="i18n">`)
	return s
}

// idDocument finds anything like an identity-document field.
var idDocument = regexp.MustCompile(`(?i)身份证|身份證|证件号|證件號|护照|護照|passport|identity (card|document)|\bID (card|no)|` +
	`id_number|id_document|HKID|documento de identifica|bilhete de identidade`)

// checkVerifyPage checks what every verification page must be: the
// verdict's banner, translated throughout, and no identity document.
func checkVerifyPage(t *testing.T, r response, status int, verdict, word string) {
	t.Helper()
	page := visible(r.Body)
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, page)
	}
	if !strings.Contains(page, `class="verdict v-`+verdict+`"`) || !strings.Contains(page, `<p class="word">`+word+`</p>`) {
		t.Errorf("no %s banner saying %q in:\n%s", verdict, word, page)
	}
	for _, m := range regexp.MustCompile(`verify\.[a-z_.]+`).FindAllString(page, -1) {
		if m != "verify.css" {
			t.Errorf("untranslated key %q", m)
		}
	}
	if m := idDocument.FindString(page); m != "" {
		t.Errorf("the page shows %q, like an identity document", m)
	}
}

// checkOf returns the result of the check named name on a page.
func checkOf(page []byte, name string) string {
	m := regexp.MustCompile(`data-check="` + name + `" data-result="([a-z_]+)"`).FindSubmatch(page)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// TestVerifyPageVerdicts renders every banner of a certificate's page as a
// browser without script gets it: the registry's verdict, the QR claims
// not checked.
func TestVerifyPageVerdicts(t *testing.T) {
	date := func(stamp string) string { return dateOf(stamp) }
	for _, tc := range []struct {
		name          string
		change        func(t *testing.T, f *fixture, cert store.VerifiedCertificate)
		verdict, word string
		want          func(cert store.VerifiedCertificate) []string // also on the page
	}{
		{"valid", nil, VerdictValid, "VALID", func(c store.VerifiedCertificate) []string {
			return []string{"李小明", "LI Xiaoming", "AZT-000001", "Verification Test Centre", "CNC", "Test Skills 2026",
				"2026-12-01 – 2026-12-03", "Gold medal, standardised score 800.00", "QF Level 5", "Hong Kong Qualifications Framework",
				"Indicative mapping (no agreement)", "Valid until", date(c.ValidUntil), "Issued on", date(c.IssuedAt),
				"/v/" + c.PublicID + "/certificate.pdf", "Guangdong Test Evaluation Centre", "Macao Test Certification Centre",
				"Hong Kong Test Assessment Centre", "Check another certificate", `href="/verify"`}
		}},
		{"revoked", func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			setStatus(t, f, c.PublicID, "revoked", "obtained by impersonation")
		}, VerdictRevoked, "REVOKED", func(store.VerifiedCertificate) []string {
			// The officer's words, in a language the page does not know.
			return []string{`Reason: <span lang="">obtained by impersonation</span>`, "The issuer revoked this certificate on 20"}
		}},
		{"superseded", func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			f.issue()
		}, VerdictRevoked, "REVOKED", func(store.VerifiedCertificate) []string {
			return []string{"Reason: <span>A re-issued certificate replaces this one.</span>", "The issuer revoked this certificate on 20",
				"A re-issued certificate replaces this one: see it"}
		}},
		{"suspended", func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			setStatus(t, f, c.PublicID, "suspended", "checking an appeal")
		}, VerdictSuspended, "SUSPENDED", func(store.VerifiedCertificate) []string {
			return []string{`Reason: <span lang="">checking an appeal</span>`, "The issuer suspended this certificate on"}
		}},
		{"expired", func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			f.now = f.now.AddDate(1, 1, 0)
		}, VerdictExpired, "EXPIRED", func(c store.VerifiedCertificate) []string {
			return []string{"This certificate was valid until " + date(c.ValidUntil) + "."}
		}},
		{"altered: signed after its key's compromise", func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			r := f.do("POST", f.path("/api/v1/issuers/%d/keys/rotate", "issuer:AZ"), asAdmin, map[string]any{
				"compromised_at": f.now.Add(-time.Hour).UTC().Format(time.RFC3339), "reason": "key leaked"})
			if r.Status != 200 {
				t.Fatalf("rotate = %d: %s", r.Status, r.Body)
			}
		}, VerdictAltered, "ALTERED", func(store.VerifiedCertificate) []string {
			return []string{"Reason: <span>The issuer&#39;s signing key had been compromised before this certificate was signed.",
				`data-check="key" data-result="failed"`}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			cert := verifyPagesSetup(t, f)
			if tc.change != nil {
				tc.change(t, f, cert)
			}
			r := f.page("GET", "/v/"+cert.PublicID, nil, nil)
			checkVerifyPage(t, r, 200, tc.verdict, tc.word)
			page := visible(r.Body)
			for _, want := range tc.want(cert) {
				if !strings.Contains(page, want) && !strings.Contains(page, html.EscapeString(want)) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if got := checkOf(r.Body, "registry"); got != checkPassed {
				t.Errorf("registry check %q, want passed", got)
			}
			if got := checkOf(r.Body, "claims"); tc.verdict != VerdictAltered && got != checkSkipped {
				t.Errorf("claims check %q, want not_checked (no script, no fragment)", got)
			}
			if !strings.Contains(page, `data-id="`+cert.PublicID+`"`) || !strings.Contains(string(r.Body), "/static/verify.js?v=") {
				t.Error("the page does not give its script the certificate's id")
			}
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
		})
	}
}

// setStatus revokes or suspends a certificate through the API, as the admin.
func setStatus(t *testing.T, f *fixture, id, status, reason string) {
	t.Helper()
	r := f.do("POST", "/api/v1/certificates/"+id+"/status", asAdmin, map[string]string{"status": status, "reason": reason})
	if r.Status != 200 {
		t.Fatalf("set status %s = %d: %s", status, r.Status, r.Body)
	}
}

// TestVerifyPageNotFound: a malformed id and an unknown one get the same
// NOT FOUND page, a 404 that says nothing of any certificate.
func TestVerifyPageNotFound(t *testing.T) {
	f := newFixture(t)
	cert := verifyPagesSetup(t, f)
	unknown := []byte(cert.PublicID)
	unknown[3] ^= 1 // still a well-formed id
	var first []byte
	for _, id := range []string{string(unknown), "x", "not%20an%20id", strings.Repeat("A", 200), cert.PublicID + "x"} {
		r := f.page("GET", "/v/"+id, nil, nil)
		checkVerifyPage(t, r, http.StatusNotFound, VerdictNotFound, "NOT FOUND")
		if first == nil {
			first = r.Body
		} else if !bytes.Equal(r.Body, first) {
			t.Errorf("/v/%s differs from the page of an unknown id", id)
		}
		for _, secret := range []string{"李小明", "LI Xiaoming", "AZT-", "Test Centre", `data-id=`} {
			if strings.Contains(visible(r.Body), secret) {
				t.Errorf("/v/%s shows %q", id, secret)
			}
		}
		if got := checkOf(r.Body, "registry"); got != checkFailed {
			t.Errorf("/v/%s: registry check %q, want failed", id, got)
		}
	}
}

// TestVerifyClaimsAltered: the claims the script sends from the QR code's
// fragment decide ALTERED — tampered, unsigned (alg none) or another
// certificate's — and the genuine ones pass.
func TestVerifyClaimsAltered(t *testing.T) {
	f := newFixture(t)
	cert := verifyPagesSetup(t, f)
	sibs, err := f.db.Siblings(context.Background(), cert)
	if err != nil || len(sibs) == 0 {
		t.Fatalf("siblings %v, %v", sibs, err)
	}
	sibling, err := f.db.VerifyCertificate(context.Background(), sibs[0].PublicID)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(cert.Claims, ".")
	if len(parts) != 3 {
		t.Fatalf("claims %q are not a compact JWS", cert.Claims)
	}
	tampered := []byte(cert.Claims)
	mid := len(parts[0]) + 1 + len(parts[1]) + 1 + len(parts[2])/2 // inside the signature
	tampered[mid] = map[bool]byte{true: 'B', false: 'A'}[tampered[mid] == 'A']
	var header map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatal(err)
	}
	header["alg"] = "none"
	noneHeader, _ := json.Marshal(header)
	algNone := base64.RawURLEncoding.EncodeToString(noneHeader) + "." + parts[1] + "."

	for _, tc := range []struct {
		name, claims, verdict, result, reason string
		code                                  verifyCode
	}{
		{"genuine", cert.Claims, VerdictValid, checkPassed, "", ""},
		{"one character changed", string(tampered), VerdictAltered, checkFailed, "do not verify", codeClaimsBadSignature},
		{"alg none", algNone, VerdictAltered, checkFailed, "do not verify", codeClaimsMalformed},
		{"another certificate's", sibling.Claims, VerdictAltered, checkFailed, "certificate id differs", codeMismatchID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do("POST", "/api/v1/public/certificates/"+cert.PublicID+"/claims", asAnonymous, claimsBody{Claims: tc.claims})
			var v verification
			r.JSON(t, &v)
			if r.Status != 200 || v.Verdict != tc.verdict {
				t.Fatalf("status %d, verdict %q, want %s: %s", r.Status, v.Verdict, tc.verdict, r.Body)
			}
			var claims verifyCheck
			for _, c := range v.Checks {
				if c.Name == "claims" {
					claims = c
				}
			}
			if claims.Result != tc.result || !strings.Contains(v.Reason, tc.reason) || v.ReasonCode != tc.code {
				t.Errorf("claims check %+v, reason %q (%s); want %s and a reason with %q (%s)", claims, v.Reason, v.ReasonCode,
					tc.result, tc.reason, tc.code)
			}
		})
	}
	// The page itself does not change: it never sees the fragment.
	checkVerifyPage(t, f.page("GET", "/v/"+cert.PublicID, nil, nil), 200, VerdictValid, "VALID")
}

// lookup posts the lookup form as a browser on this site would.
func lookup(f *fixture, number, name string, headers map[string]string) response {
	f.t.Helper()
	form := url.Values{"number": {number}, "name": {name}}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
	for k, v := range headers {
		h[k] = v
	}
	return f.page("POST", "/verify/lookup", []byte(form.Encode()), h)
}

// TestVerifyLookupForm: number and holder's name (either script, any case
// or spacing) go to the certificate's page; a miss is one message, the
// same whichever part was wrong; another site's form is refused.
func TestVerifyLookupForm(t *testing.T) {
	f := newFixture(t)
	cert := verifyPagesSetup(t, f)
	r := f.page("GET", "/verify", nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `action="/verify/lookup"`) ||
		!strings.Contains(string(r.Body), `enctype="multipart/form-data"`) {
		t.Fatalf("GET /verify = %d: %s", r.Status, visible(r.Body))
	}
	for _, name := range []string{verifyTestHolder, "李小明", "li  xiaoming", "Li-Xiaoming"} {
		r := lookup(f, " "+verifyTestNumber+" ", name, nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/v/"+cert.PublicID {
			t.Errorf("lookup %q = %d to %q, want 303 to /v/%s", name, r.Status, r.Header.Get("Location"), cert.PublicID)
		}
	}
	misses := [][2]string{
		{"AZT-000002", verifyTestHolder},   // wrong number
		{verifyTestNumber, "CHAN Tai Man"}, // wrong name (another holder's)
		{"", ""},
	}
	var first string
	for _, m := range misses {
		r := lookup(f, m[0], m[1], nil)
		checkMiss := visible(r.Body)
		if r.Status != http.StatusNotFound || !strings.Contains(checkMiss, "No certificate matches this number and name.") {
			t.Fatalf("miss %q = %d: %s", m, r.Status, checkMiss)
		}
		// The form keeps what was typed; apart from that, every miss is
		// the same page.
		for _, typed := range m {
			if typed != "" {
				checkMiss = strings.ReplaceAll(checkMiss, `value="`+html.EscapeString(typed)+`"`, `value=""`)
			}
		}
		if first == "" {
			first = checkMiss
		} else if checkMiss != first {
			t.Errorf("the miss for %q differs from the miss for %q", m, misses[0])
		}
	}
	// The language switch on a miss leads back to the lookup page.
	for _, form := range []string{"lookup", "upload"} {
		r := f.page("GET", "/verify/"+form+"?lang=pt", nil, nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/verify?lang=pt" {
			t.Errorf("GET /verify/%s?lang=pt = %d to %q, want 303 to /verify?lang=pt", form, r.Status, r.Header.Get("Location"))
		}
	}
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "", "Origin": "https://evil.example"}} {
		r := lookup(f, verifyTestNumber, verifyTestHolder, h)
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "must be sent from this site") {
			t.Errorf("lookup with %v = %d, want 403", h, r.Status)
		}
	}
}

// TestVerifyPageLanguage: the language follows Accept-Language (Hong Kong
// Chinese reads traditional) and ?lang=.
func TestVerifyPageLanguage(t *testing.T) {
	f := newFixture(t)
	cert := verifyPagesSetup(t, f)
	for _, tc := range []struct {
		accept, query, lang, word string
		want                      []string
	}{
		{"zh-HK,zh;q=0.9,en;q=0.5", "", "zh-Hant", "有效", []string{"核實項目", "驗證測試中心", "資歷架構第五級", "香港資歷架構", "未核實"}},
		{"zh-CN", "", "zh-Hans", "有效", []string{"核验项目", "证书编号"}},
		{"en", "?lang=pt", "pt", "VÁLIDO", []string{"Verificações", "Número do certificado", "Descarregar o PDF"}},
	} {
		r := f.page("GET", "/v/"+cert.PublicID+tc.query, nil, map[string]string{"Accept-Language": tc.accept})
		checkVerifyPage(t, r, 200, VerdictValid, tc.word)
		page := visible(r.Body)
		if !strings.Contains(page, `<html lang="`+tc.lang+`">`) {
			t.Errorf("Accept-Language %q %s: not in %s", tc.accept, tc.query, tc.lang)
		}
		for _, want := range tc.want {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", tc.lang, want)
			}
		}
	}
}

// uploadForm posts the upload form with data as its file (none if nil),
// as a browser on this site would, to /verify/upload + query.
func (f *fixture) uploadForm(data []byte, query string) response {
	f.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if data != nil {
		part, _ := w.CreateFormFile("file", "certificate.pdf")
		part.Write(data)
	}
	w.Close()
	return f.page("POST", "/verify/upload"+query, body.Bytes(), map[string]string{"Content-Type": w.FormDataContentType(),
		"Origin": "http://example.com"})
}

// TestVerifyUploadForm: the upload form reports on a PDF check by check,
// then its verdict; without a file it asks for one.
func TestVerifyUploadForm(t *testing.T) {
	f := newFixture(t)
	cert := verifyPagesSetup(t, f)
	pdf, err := f.db.CertificatePDF(context.Background(), cert.PublicID)
	if err != nil {
		t.Fatal(err)
	}
	upload := func(data []byte) response { return f.uploadForm(data, "") }
	r := upload(pdf)
	checkVerifyPage(t, r, 200, VerdictValid, "VALID")
	for _, name := range []string{"stored_hash", "signature", "registry", "key"} {
		if got := checkOf(r.Body, name); got != checkPassed {
			t.Errorf("check %s = %q, want passed", name, got)
		}
	}
	if page := visible(r.Body); !strings.Contains(page, cert.PDFSHA256) || !strings.Contains(page, `href="/v/`+cert.PublicID+`"`) {
		t.Errorf("the report lacks the file's SHA-256 or the certificate's page")
	}
	r = upload(append(bytes.Clone(pdf), "% appended\n"...))
	checkVerifyPage(t, r, 200, VerdictAltered, "ALTERED")
	if got := checkOf(r.Body, "stored_hash"); got != checkFailed {
		t.Errorf("altered PDF: stored_hash %q, want failed", got)
	}
	r = upload(nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), "Choose a certificate&#39;s PDF first.") {
		t.Errorf("upload without a file = %d: %s", r.Status, visible(r.Body))
	}
}

// TestVerifyPageWeight keeps the certificate's page light for phones on
// poor networks: its HTML, stylesheets and script under 50 KB together.
func TestVerifyPageWeight(t *testing.T) {
	f := newFixture(t)
	cert := verifyPagesSetup(t, f)
	r := f.page("GET", "/v/"+cert.PublicID, nil, map[string]string{"Accept-Language": "pt"})
	total := len(r.Body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(string(r.Body), -1) {
		a := f.page("GET", html.UnescapeString(m[1]), nil, nil)
		if a.Status != 200 {
			t.Fatalf("GET %s = %d", m[1], a.Status)
		}
		t.Logf("%s: %d bytes", m[1], len(a.Body))
		total += len(a.Body)
	}
	t.Logf("page %d bytes, with its static files %d bytes", len(r.Body), total)
	if total > 50_000 {
		t.Errorf("the verification page weighs %d bytes, want under 50 KB", total)
	}
}

// TestVerifyPageReasonsTranslated: the reasons and check details the
// system writes are in the page's language, the officer's as typed.
func TestVerifyPageReasonsTranslated(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		change     func(t *testing.T, f *fixture, cert store.VerifiedCertificate)
		upload     func(pdf []byte) []byte // the PDF uploaded, or nil for the certificate's page
		reason     verifyCode
		details    []verifyCode // of failed checks, shown too
		typed      string       // the officer's reason
	}{
		{name: "key compromised", lang: "zh-Hant", change: func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			r := f.do("POST", f.path("/api/v1/issuers/%d/keys/rotate", "issuer:AZ"), asAdmin, map[string]any{
				"compromised_at": f.now.Add(-time.Hour).UTC().Format(time.RFC3339), "reason": "key leaked"})
			if r.Status != 200 {
				t.Fatalf("rotate = %d: %s", r.Status, r.Body)
			}
		}, reason: codeKeyCompromised, details: []verifyCode{codeKeyCompromised}},
		{name: "superseded", lang: "zh-Hans", change: func(t *testing.T, f *fixture, c store.VerifiedCertificate) { f.issue() },
			reason: codeSuperseded},
		{name: "superseded", lang: "pt", change: func(t *testing.T, f *fixture, c store.VerifiedCertificate) { f.issue() },
			reason: codeSuperseded},
		{name: "revoked by an officer", lang: "zh-Hant", change: func(t *testing.T, f *fixture, c store.VerifiedCertificate) {
			setStatus(t, f, c.PublicID, "revoked", "obtained by impersonation")
		}, reason: codeOfficer, typed: "obtained by impersonation"},
		{name: "PDF changed after signing", lang: "zh-Hant", upload: func(pdf []byte) []byte {
			return append(bytes.Clone(pdf), "% appended\n"...)
		}, reason: codeStoredHashUnknown, details: []verifyCode{codeStoredHashUnknown, codePDFChangedAfterSigning}},
	} {
		t.Run(tc.name+" in "+tc.lang, func(t *testing.T) {
			f := newFixture(t)
			cert := verifyPagesSetup(t, f)
			if tc.change != nil {
				tc.change(t, f, cert)
			}
			// What the API says in English, and the page in tc.lang.
			var v verification
			var r response
			if tc.upload != nil {
				pdf, err := f.db.CertificatePDF(context.Background(), cert.PublicID)
				if err != nil {
					t.Fatal(err)
				}
				var rep uploadReport
				f.upload("/api/v1/public/verify-pdf", asAnonymous, "application/pdf", tc.upload(pdf)).JSON(t, &rep)
				v = rep.verification
				r = f.uploadForm(tc.upload(pdf), "?lang="+tc.lang)
			} else {
				v = f.verify(cert.PublicID, "")
				r = f.page("GET", "/v/"+cert.PublicID+"?lang="+tc.lang, nil, nil)
			}
			if v.ReasonCode != tc.reason {
				t.Fatalf("the API's reason %q has code %q, want %s", v.Reason, v.ReasonCode, tc.reason)
			}
			page := visible(r.Body)
			if r.Status != 200 || !strings.Contains(page, `<html lang="`+tc.lang+`">`) {
				t.Fatalf("status %d, not in %s: %s", r.Status, tc.lang, page)
			}
			cat, en := f.srv.pages.catalogs[tc.lang], f.srv.pages.catalogs["en"]
			says := func(code verifyCode) string { return html.EscapeString(cat["verify.code."+string(code)]) }
			if tc.typed != "" {
				if want := `<span lang="">` + html.EscapeString(tc.typed) + `</span>`; !strings.Contains(page, want) {
					t.Errorf("the page lacks the officer's reason as typed, %s", want)
				}
				return
			}
			if says(tc.reason) == "" || cat["verify.code."+string(tc.reason)] == en["verify.code."+string(tc.reason)] {
				t.Fatalf("%s has no %s words for %s", tc.lang, tc.lang, tc.reason)
			}
			if want := cat["verify.reason"] + " <span>" + says(tc.reason) + "</span>"; !strings.Contains(page, want) {
				t.Errorf("the page lacks the translated reason %s", want)
			}
			for _, code := range tc.details {
				if want := `<span class="detail">` + says(code) + `</span>`; !strings.Contains(page, want) {
					t.Errorf("the page lacks the translated detail %s", want)
				}
			}
			// None of the API's English shows.
			shown := []string{v.Reason}
			for _, c := range v.Checks {
				shown = append(shown, c.Detail)
			}
			for _, english := range shown {
				if strings.Contains(page, html.EscapeString(english)) {
					t.Errorf("the %s page shows the English %q", tc.lang, english)
				}
			}
			for _, english := range []string{`<span lang="en">`, `<span class="detail" lang="en">`} {
				if strings.Contains(page, english) {
					t.Errorf("the %s page shows a reason or detail in English (%s)", tc.lang, english)
				}
			}
		})
	}
}

// TestVerifyPageUntranslatedCode: a code the catalog has no words for
// shows the API's English, marked as English.
func TestVerifyPageUntranslatedCode(t *testing.T) {
	ps, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = ps.pages["verify"].ExecuteTemplate(&buf, "base", pageData{Lang: "zh-Hant", Langs: pageLangs,
		cat: ps.catalogs["zh-Hant"], en: ps.catalogs["en"], Data: verifyPageData{ID: "x", Result: &verifyResult{
			Verdict: VerdictAltered, TextKey: "verify.verdict.altered.text", Reason: "a new reason", ReasonCode: "new_reason",
			Checks: []checkLine{{verifyCheck{Name: "claims", Result: checkFailed, Detail: "a new detail", Code: "new_detail"},
				"verify.check.claims.failed"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`原因： <span lang="en">a new reason</span>`, `<span class="detail" lang="en">a new detail</span>`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// TestVerifyCodesTranslated: the four verification catalogs have the same
// keys, and words for every code the server writes (verifyCodes) and no
// other; every code constant is in verifyCodes.
func TestVerifyCodesTranslated(t *testing.T) {
	seen := map[verifyCode]bool{}
	for _, c := range verifyCodes {
		if seen[c] || c == "" || c == codeOfficer {
			t.Errorf("code %q is empty, listed twice or the officer's", c)
		}
		seen[c] = true
	}
	var enKeys []string
	for _, l := range pageLangs {
		file := "web/i18n/verify." + l.Code + ".json"
		raw, err := assets.Web.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cat := map[string]string{}
		if err := json.Unmarshal(raw, &cat); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		keys := slices.Sorted(maps.Keys(cat))
		if l.Code == "en" {
			enKeys = keys
		} else {
			for _, k := range enKeys {
				if _, ok := cat[k]; !ok {
					t.Errorf("%s lacks %s, which the English catalog has", file, k)
				}
			}
			for _, k := range keys {
				if !slices.Contains(enKeys, k) {
					t.Errorf("%s has %s, which the English catalog lacks", file, k)
				}
			}
		}
		for _, c := range verifyCodes {
			if strings.TrimSpace(cat["verify.code."+string(c)]) == "" {
				t.Errorf("%s has no words for the code %s", file, c)
			}
		}
		for _, k := range keys {
			if code, ok := strings.CutPrefix(k, "verify.code."); ok && !seen[verifyCode(code)] {
				t.Errorf("%s translates %s, which the server never writes", file, k)
			}
		}
	}
	if len(enKeys) == 0 || pageLangs[0].Code != "en" {
		t.Fatalf("no English catalog first in %v", pageLangs)
	}

	// Every constant of type verifyCode in the package is listed.
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var consts int
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "verifyCode" {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					code, err := strconv.Unquote(lit.Value)
					if !ok || err != nil {
						t.Errorf("%s: a verifyCode constant that is not a string literal", fset.Position(v.Pos()))
						continue
					}
					consts++
					if verifyCode(code) != codeOfficer && !seen[verifyCode(code)] {
						t.Errorf("%s: code %q is not in verifyCodes, so nothing makes the catalogs translate it",
							fset.Position(v.Pos()), code)
					}
				}
			}
		}
	}
	if consts != len(verifyCodes)+1 {
		t.Errorf("%d verifyCode constants, want the %d of verifyCodes and codeOfficer", consts, len(verifyCodes))
	}
}
