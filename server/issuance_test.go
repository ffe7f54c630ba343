package server

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bayskills/certs"
	"bayskills/scoring"
	"bayskills/store"
)

// pollIssuance follows a batch until it has ended.
func (f *fixture) pollIssuance(path string) store.Batch {
	f.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var b store.Batch
		r := f.do("GET", path, asOrganizer, nil)
		if r.Status != 200 {
			f.t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
		}
		r.JSON(f.t, &b)
		if b.State != "running" {
			return b
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("issuance still running after a minute: %+v", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noSecrets fails when a response carries a private key, sealed or not.
func noSecrets(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, secret := range []string{"PRIVATE", "bk1:", "sealed"} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("%s leaks %q: %s", what, secret, body)
		}
	}
}

// TestIssuanceOverHTTP walks the whole issuance: the admin creates the
// issuers, the organizer sets the plan and issues, and downloads what was
// issued — every PDF signed (pdfsig), readable (pdftotext shows the holder's
// Chinese name, qpdf --check), byte for byte the registry's hash, and all
// of them in the ZIP. Issuing again supersedes.
func TestIssuanceOverHTTP(t *testing.T) {
	f := newFixture(t)
	certSetup(certFrameworks, nil)(t, f)
	authzJudgingSetup(authzFinal)(t, f)
	ctx := context.Background()

	for _, region := range []string{"GD", "HK", "MO"} {
		in := certTestIssuers()[region]
		r := f.do("POST", "/api/v1/issuers", asAdmin, map[string]any{"code": in.Code, "region": in.Region,
			"name": in.Name, "framework": in.Framework, "languages": in.Languages, "numbering": in.Numbering,
			"number_template": in.NumberTemplate, "evaluator": in.Evaluator, "org_code": in.OrgCode,
			"province": in.Province, "site": in.Site})
		if r.Status != 201 {
			t.Fatalf("create issuer %s = %d %s", in.Code, r.Status, r.Body)
		}
		noSecrets(t, "POST /api/v1/issuers", r.Body)
		var iss issuerView
		r.JSON(t, &iss)
		f.ids["issuer:"+region] = iss.ID
		purposes := map[string]bool{}
		for _, k := range iss.Keys {
			purposes[k.Purpose] = true
			if k.KID == "" || len(k.PublicJWK) == 0 || k.NotBefore == "" {
				t.Errorf("issuer %s key %+v lacks its id, public key or window", in.Code, k)
			}
			if (k.Purpose == store.KeyPurposePDF) != strings.HasPrefix(k.Certificate, "-----BEGIN CERTIFICATE-----") {
				t.Errorf("issuer %s %s key: certificate %q", in.Code, k.Purpose, k.Certificate)
			}
		}
		if len(iss.Keys) != 2 || !purposes[store.KeyPurposePDF] || !purposes[store.KeyPurposeClaims] {
			t.Errorf("issuer %s keys %+v, want a pdf and a claims key", in.Code, iss.Keys)
		}
	}
	for _, path := range []string{"/api/v1/issuers", f.path("/api/v1/issuers/%d", "issuer:GD"), "/api/v1/frameworks"} {
		r := f.do("GET", path, asOrganizer, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
		}
		noSecrets(t, "GET "+path, r.Body)
	}

	skill := f.path("/api/v1/events/%d/skills/%d", "event", "skill")
	if r := f.do("PUT", skill+"/plan", asOrganizer, planBody{certTestPlan(f)}); r.Status != 200 {
		t.Fatalf("PUT plan = %d %s", r.Status, r.Body)
	}
	var plan planBody
	f.do("GET", skill+"/plan", asOrganizer, nil).JSON(t, &plan)
	if len(plan.Entries) != 3 || plan.Entries[0].Reference != "TEST-AGREEMENT-1" {
		t.Fatalf("GET plan = %+v", plan)
	}

	issue := func() store.Batch {
		t.Helper()
		r := f.do("POST", skill+"/issuances", asOrganizer, nil)
		if r.Status != 202 {
			t.Fatalf("POST issuances = %d %s", r.Status, r.Body)
		}
		var b store.Batch
		r.JSON(t, &b)
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("%s/issuances/%d", skill, b.ID) || b.Total != 6 {
			t.Fatalf("POST issuances: Location %q, batch %+v", loc, b)
		}
		if b = f.pollIssuance(r.Header.Get("Location")); b.State != "issued" || b.Done != 6 || b.Error != "" {
			t.Fatalf("issuance ended %+v, want issued, 6 done", b)
		}
		return b
	}
	issue()

	var list []certificateView
	r := f.do("GET", skill+"/certificates", asOrganizer, nil)
	r.JSON(t, &list)
	noSecrets(t, "GET certificates", r.Body)
	if len(list) != 6 {
		t.Fatalf("%d certificates listed, want 6 (2 medallists × 3 issuers): %s", len(list), r.Body)
	}
	native := map[int64]string{}
	for _, c := range list {
		native[c.CompetitorID] = c.HolderNative
		if c.Status != store.CertValid || !strings.HasPrefix(c.VerifyURL, "http://example.com/v/") {
			t.Errorf("certificate %+v, want valid with its verification URL", c)
		}
	}
	// Siblings: a competitor's certificates of the three issuers share
	// their assessment; two competitors' do not.
	recs, err := f.db.SkillCertificates(ctx, f.ids["event"], f.ids["skill"])
	if err != nil {
		t.Fatal(err)
	}
	assessments := map[int64]map[string]bool{}
	for _, c := range recs {
		if assessments[c.CompetitorID] == nil {
			assessments[c.CompetitorID] = map[string]bool{}
		}
		assessments[c.CompetitorID][c.Assessment] = true
	}
	if len(assessments) != 2 {
		t.Errorf("assessments %v, want two competitors", assessments)
	}
	for comp, a := range assessments {
		if len(a) != 1 {
			t.Errorf("competitor %d: assessments %v, want one shared by the siblings", comp, a)
		}
	}

	pdfs := map[string][]byte{}
	for _, c := range list {
		r := f.do("GET", skill+"/certificates/"+c.PublicID+".pdf", asOrganizer, nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" ||
			!strings.Contains(r.Header.Get("Content-Disposition"), fileName(c.Number)+".pdf") {
			t.Fatalf("GET %s.pdf = %d %v", c.PublicID, r.Status, r.Header)
		}
		sum := sha256.Sum256(r.Body)
		if hex.EncodeToString(sum[:]) != c.PDFSHA256 {
			t.Errorf("certificate %s: SHA-256 %x, registry %s", c.Number, sum, c.PDFSHA256)
		}
		if out := runPDFTool(t, r.Body, "pdfsig", "{pdf}"); !strings.Contains(out, "Signature is Valid.") {
			t.Errorf("certificate %s: pdfsig says\n%s", c.Number, out)
		}
		if out := runPDFTool(t, r.Body, "pdftotext", "{pdf}", "-"); !strings.Contains(out, native[c.CompetitorID]) ||
			!strings.Contains(out, c.Number) {
			t.Errorf("certificate %s: pdftotext lacks %s or the number:\n%s", c.Number, native[c.CompetitorID], out)
		}
		runPDFTool(t, r.Body, "qpdf", "--check", "{pdf}")
		if out := runPDFTool(t, r.Body, "pdfdetach", "-list", "{pdf}"); !strings.Contains(out, "credential.json") {
			t.Errorf("certificate %s: attachments\n%s", c.Number, out)
		}
		pdfs[fileName(c.Number)+".pdf"] = r.Body
	}
	gd := list[0]
	for _, c := range list {
		if c.IssuerID == f.ids["issuer:GD"] {
			gd = c
		}
	}
	if _, err := certs.ParseMainlandNumber(gd.Number); err != nil || gd.Level != "3" || gd.Number[15] != '3' {
		t.Errorf("GD certificate number %q (level %s): %v; want a Mainland number with level digit 3", gd.Number, gd.Level, err)
	}
	if r := f.do("GET", skill+"/certificates/"+gd.PublicID+"x.pdf", asOrganizer, nil); r.Status != 404 {
		t.Errorf("unknown certificate = %d, want 404", r.Status)
	}

	zipped := readZIP(t, f.do("GET", skill+"/certificates.zip", asOrganizer, nil))
	if len(zipped) != len(pdfs) {
		t.Errorf("ZIP holds %d files, want %d", len(zipped), len(pdfs))
	}
	for name, pdf := range pdfs {
		if !bytes.Equal(zipped[name], pdf) {
			t.Errorf("ZIP entry %s differs from the download", name)
		}
	}

	// Issuing again supersedes: six new valid certificates, the six old
	// ones superseded, nothing deleted; the ZIP holds the new ones.
	issue()
	f.do("GET", skill+"/certificates", asOrganizer, nil).JSON(t, &list)
	status := map[string]int{}
	for _, c := range list {
		status[c.Status]++
		if c.Status == store.CertValid && pdfs[fileName(c.Number)+".pdf"] != nil {
			t.Errorf("re-issued certificate %s kept its old number", c.Number)
		}
	}
	if status[store.CertValid] != 6 || status[store.CertSuperseded] != 6 {
		t.Errorf("after re-issuing: %v, want 6 valid and 6 superseded", status)
	}
	if zipped := readZIP(t, f.do("GET", skill+"/certificates.zip", asOrganizer, nil)); len(zipped) != 6 {
		t.Errorf("ZIP after re-issuing holds %d files, want the 6 valid", len(zipped))
	}

	// One issuance of a skill at a time.
	b, err := f.db.StartBatch(ctx, f.ids["skill"], f.ids["user:"+asOrganizer], "x", 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.do("POST", skill+"/issuances", asOrganizer, nil); r.Status != 409 {
		t.Errorf("POST issuances while one runs = %d %s, want 409", r.Status, r.Body)
	}
	f.db.FailBatch(ctx, b.ID, "test")
	// A batch is found under its own skill only.
	if r := f.do("GET", f.path("/api/v1/events/%d/skills/%d/issuances/", "event", "otherSkill")+fmt.Sprint(b.ID),
		asOrganizer, nil); r.Status != 404 {
		t.Errorf("GET a batch under another skill = %d, want 404", r.Status)
	}
}

// readZIP reads a ZIP answer into its files.
func readZIP(t *testing.T, r response) map[string][]byte {
	t.Helper()
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("ZIP = %d %v %s", r.Status, r.Header, r.Body)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name] = data
	}
	return files
}

// TestIssuanceValidity: an issuer with validity_months prints the expiry on
// each of its certificates — the registry's valid_until as a day in GBA
// time, labelled in the issuer's languages — and the issuers without print
// none.
func TestIssuanceValidity(t *testing.T) {
	f := newFixture(t)
	certSetup(certFrameworks, nil)(t, f)
	ctx := context.Background()
	const months = 60
	for region, in := range certTestIssuers() {
		if region == "MO" {
			in.ValidityMonths = months
		}
		iss, err := addIssuer(ctx, f.db, f.srv.cfg.MasterKey, in, f.ids["user:"+asAdmin], f.now)
		if err != nil {
			t.Fatal(err)
		}
		f.ids["issuer:"+region] = iss.ID
	}
	authzJudgingSetup(authzFinal)(t, f)
	if _, err := f.db.SetPlan(ctx, f.ids["event"], f.ids["skill"], f.ids["user:"+asOrganizer], certTestPlan(f)); err != nil {
		t.Fatal(err)
	}
	f.issue()

	list, err := f.db.SkillCertificates(ctx, f.ids["event"], f.ids["skill"])
	if err != nil || len(list) != 6 {
		t.Fatalf("%d certificates (%v), want 6", len(list), err)
	}
	expiring := 0
	for _, c := range list {
		pdf, err := f.db.CertificatePDF(ctx, c.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(runPDFTool(t, pdf, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")), " ")
		if c.IssuerID != f.ids["issuer:MO"] {
			for _, word := range []string{"有效期至", "Valid until"} {
				if c.ValidUntil != "" || strings.Contains(text, word) {
					t.Errorf("certificate %s of an issuer without validity: valid_until %q, pdftotext has %q: %v",
						c.Number, c.ValidUntil, word, strings.Contains(text, word))
				}
			}
			continue
		}
		expiring++
		issued, err := time.Parse(storedTime, c.IssuedAt)
		if err != nil {
			t.Fatal(err)
		}
		until, err := time.Parse(storedTime, c.ValidUntil)
		if err != nil || !until.Equal(issued.AddDate(0, months, 0)) {
			t.Errorf("certificate %s: valid_until %q (%v), want %d months after %s", c.Number, c.ValidUntil, err, months, c.IssuedAt)
			continue
		}
		day := until.In(gbaTime).Format(time.DateOnly)
		if want := "有效期至 · Válido até · Valid until"; !strings.Contains(text, want) || !strings.Contains(text, day) {
			t.Errorf("certificate %s: pdftotext lacks %q or the registry's valid_until %s:\n%s", c.Number, want, day, text)
		}
	}
	if expiring != 2 {
		t.Errorf("%d certificates of the issuer with validity, want 2", expiring)
	}
}

// TestIssuanceRefusals: certificates come from final results under a plan;
// a plan level the issuer's framework lacks is refused at setup; a name the
// fonts cannot print is refused before anything starts, naming the
// competitor and the character.
func TestIssuanceRefusals(t *testing.T) {
	skillPath := func(f *fixture) string { return f.path("/api/v1/events/%d/skills/%d", "event", "skill") }

	t.Run("provisional results", func(t *testing.T) {
		f := newFixture(t)
		certSetup(certIssuers, nil)(t, f)
		authzJudgingSetup(authzAllSignedOff)(t, f)
		if r := f.do("PUT", skillPath(f)+"/plan", asOrganizer, planBody{certTestPlan(f)}); r.Status != 200 {
			t.Fatalf("PUT plan = %d %s", r.Status, r.Body)
		}
		r := f.do("POST", skillPath(f)+"/issuances", asOrganizer, nil)
		if r.Status != 409 || !strings.Contains(string(r.Body), "final results only") || f.count("issuance_batches") != 0 {
			t.Errorf("issuing from provisional results = %d %s, want 409 and no batch", r.Status, r.Body)
		}
	})

	t.Run("no plan", func(t *testing.T) {
		f := newFixture(t)
		certSetup(certIssuers, nil)(t, f)
		authzJudgingSetup(authzFinal)(t, f)
		r := f.do("POST", skillPath(f)+"/issuances", asOrganizer, nil)
		if r.Status != 409 || !strings.Contains(string(r.Body), "recognition plan") || f.count("issuance_batches") != 0 {
			t.Errorf("issuing without a plan = %d %s, want 409 and no batch", r.Status, r.Body)
		}
	})

	t.Run("level not in the framework", func(t *testing.T) {
		f := newFixture(t)
		certSetup(certIssuers, nil)(t, f)
		plan := certTestPlan(f)
		plan[1].Level = "8" // HKQF has levels 1–7
		r := f.do("PUT", skillPath(f)+"/plan", asOrganizer, planBody{plan})
		var e errorBody
		r.JSON(t, &e)
		if r.Status != 422 || len(e.Error.Rows) != 1 || e.Error.Rows[0].Line != 2 ||
			!strings.Contains(e.Error.Rows[0].Fields["level"], `no level "8"`) || f.count("plan_entries") != 0 {
			t.Errorf("plan with HKQF level 8 = %d %s, want 422 on row 2's level and no plan", r.Status, r.Body)
		}
	})

	t.Run("a character no font has", func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		name := "陈ꀀ文" // U+A000 YI SYLLABLE IT: no face has it
		if _, err := f.db.UpdateCompetitor(ctx, f.ids["event"], f.ids["competitor"],
			store.CompetitorPatch{NameNative: &name}); err != nil {
			t.Fatal(err)
		}
		certSetup(certPlan, nil)(t, f)
		r := f.do("POST", skillPath(f)+"/issuances", asOrganizer, nil)
		body := string(r.Body)
		if r.Status != 422 || !strings.Contains(body, "U+A000") || !strings.Contains(body, "CHAN Tai Man") ||
			!strings.Contains(body, fmt.Sprintf("competitor %d", f.ids["competitor"])) {
			t.Errorf("issuing to a name with U+A000 = %d %s, want 422 naming the character and the competitor", r.Status, body)
		}
		if n := f.count("issuance_batches"); n != 0 {
			t.Errorf("%d batches after the refusal, want none", n)
		}
	})

	// A failure inside the batch (here: a name too long for the QR's signed
	// claims) fails it whole, with the reason; nothing is issued.
	t.Run("failure during the batch", func(t *testing.T) {
		f := newFixture(t)
		ctx := context.Background()
		name := strings.Repeat("陈", 40) // 120 bytes: more than the claims take
		if _, err := f.db.UpdateCompetitor(ctx, f.ids["event"], f.ids["competitor"],
			store.CompetitorPatch{NameNative: &name}); err != nil {
			t.Fatal(err)
		}
		certSetup(certPlan, nil)(t, f)
		r := f.do("POST", skillPath(f)+"/issuances", asOrganizer, nil)
		if r.Status != 202 {
			t.Fatalf("POST issuances = %d %s", r.Status, r.Body)
		}
		b := f.pollIssuance(r.Header.Get("Location"))
		if b.State != "failed" || !strings.Contains(b.Error, "CHAN Tai Man") || !strings.Contains(b.Error, "holder names") {
			t.Errorf("batch %+v, want failed naming the holder and the problem", b)
		}
		if n := f.count("certificates"); n != 0 {
			t.Errorf("%d certificates after a failed batch, want none", n)
		}
	})
}

// TestMasterKey: the key comes from BAYSKILLS_MASTER_KEY (base64, ≥ 32
// bytes) or from master.key in the data directory, generated once with
// mode 0600; a server started with another key than its issuers' keys were
// sealed with refuses to start.
func TestMasterKey(t *testing.T) {
	dir := t.TempDir()
	key, err := LoadMasterKey(dir, "")
	if err != nil || len(key) != 32 {
		t.Fatalf("generated master key: %d bytes, %v", len(key), err)
	}
	st, err := os.Stat(filepath.Join(dir, MasterKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v, %v; want mode 0600", st, err)
	}
	again, err := LoadMasterKey(dir, "")
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("master key read back differs (%v)", err)
	}
	env := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	for _, tc := range []struct {
		env  string
		want string // "" for success
	}{
		{env, ""},
		{strings.TrimRight(base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 40)), "="), ""},
		{base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 31)), "at least 32"},
		{"correct horse battery staple, not base64!", "not base64"},
	} {
		got, err := LoadMasterKey(t.TempDir(), tc.env)
		switch {
		case tc.want == "" && (err != nil || len(got) < 32):
			t.Errorf("LoadMasterKey(%q) = %d bytes, %v", tc.env, len(got), err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("LoadMasterKey(%q) error %v, want %q", tc.env, err, tc.want)
		case err != nil && strings.Contains(err.Error(), tc.env):
			t.Errorf("the error repeats the key: %v", err)
		}
	}

	f := newFixture(t)
	certSetup(certIssuers, nil)(t, f)
	if _, err := New(f.db, Config{DataDir: t.TempDir(), MasterKey: f.srv.cfg.MasterKey}); err != nil {
		t.Fatalf("the right master key: %v", err)
	}
	other, _ := LoadMasterKey(t.TempDir(), "")
	_, err = New(f.db, Config{DataDir: t.TempDir(), MasterKey: other})
	if err == nil || !strings.Contains(err.Error(), "master key does not open") || !strings.Contains(err.Error(), "GD-TEST") &&
		!strings.Contains(err.Error(), "HK-TEST") && !strings.Contains(err.Error(), "MO-TEST") {
		t.Errorf("New with another master key: %v, want a clear refusal naming the issuer", err)
	}
}

// TestDemoCertificates: the demo issues its finished skill's certificates
// from three plainly demo issuers, each signed (pdfsig) with a certificate
// issued by the DEMO CA, and names one certificate to verify.
func TestDemoCertificates(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, _ := LoadMasterKey(t.TempDir(), "")
	start := time.Now()
	d, err := LoadDemo(ctx, db, DemoMasterKey(key), DemoBaseURL("https://skills.example.org"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo with certificates loaded in %v", time.Since(start))
	if !strings.HasPrefix(d.CertificateURL, "https://skills.example.org/v/") {
		t.Errorf("demo certificate URL %q", d.CertificateURL)
	}
	var out bytes.Buffer
	d.Print(&out, "https://skills.example.org")
	if !strings.Contains(out.String(), d.CertificateURL) {
		t.Errorf("Print does not show the certificate URL:\n%s", out.String())
	}
	issuers, err := db.Issuers(ctx)
	if err != nil || len(issuers) != 3 {
		t.Fatalf("demo issuers %+v, %v", issuers, err)
	}
	byID := map[int64]store.Issuer{}
	for _, i := range issuers {
		byID[i.ID] = i
		if !i.Demo || !strings.Contains(i.Name.En, "DEMO") {
			t.Errorf("issuer %s (%s) is not plainly a demo", i.Code, i.Name.En)
		}
		keys, err := db.IssuerKeys(ctx, i.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k.Purpose == store.KeyPurposePDF && strings.Count(k.Certificate, "BEGIN CERTIFICATE") != 2 {
				t.Errorf("issuer %s: PDF key certificate chain %q, want the issuer's and the DEMO CA's", i.Code, k.Certificate)
			}
		}
	}
	skills, _ := db.Skills(ctx, d.EventID)
	var cnc store.Skill
	for _, s := range skills {
		if s.Code == demoFinishedSkill {
			cnc = s
		}
	}
	list, err := db.SkillCertificates(ctx, d.EventID, cnc.ID)
	if err != nil || len(list) < 20 {
		t.Fatalf("%d demo certificates (%v), want the medallists' and passes' of three issuers", len(list), err)
	}
	seen := map[int64]bool{}
	for _, c := range list {
		if seen[c.IssuerID] {
			continue
		}
		seen[c.IssuerID] = true
		pdf, err := db.CertificatePDF(ctx, c.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		out := runPDFTool(t, pdf, "pdfsig", "{pdf}")
		if !strings.Contains(out, "Signature is Valid.") || !strings.Contains(out, "(DEMO)") {
			t.Errorf("%s certificate %s: pdfsig says\n%s", byID[c.IssuerID].Code, c.Number, out)
		}
		if text := runPDFTool(t, pdf, "pdftotext", "{pdf}", "-"); !strings.Contains(text, "DEMONSTRATION") {
			t.Errorf("%s certificate %s is not marked as a demonstration", byID[c.IssuerID].Code, c.Number)
		}
		var cred map[string]any
		if err := json.Unmarshal([]byte(runPDFTool(t, pdf, "pdfdetach", "-savefile", certs.CredentialAttachment, "-o", "/dev/stdout", "{pdf}")), &cred); err != nil ||
			cred["id"] != "https://skills.example.org/v/"+c.PublicID {
			t.Errorf("%s certificate: attached credential id %v (%v)", byID[c.IssuerID].Code, cred["id"], err)
		}
	}
	if len(seen) != 3 {
		t.Errorf("certificates of %d issuers, want 3", len(seen))
	}
	// Every certificate's QR claims verify with its issuer's published key,
	// issued inside the key's window (the keys were made the same second).
	var set certs.JWKS
	for _, i := range issuers {
		keys, _ := db.IssuerKeys(ctx, i.ID)
		for _, k := range keys {
			var j certs.JWK
			if err := json.Unmarshal(k.PublicJWK, &j); err != nil {
				t.Fatal(err)
			}
			nbf, err := time.Parse(time.RFC3339, k.NotBefore)
			if err != nil {
				t.Fatal(err)
			}
			j.NBF = nbf.Unix()
			set.Keys = append(set.Keys, j)
		}
	}
	raw, _ := json.Marshal(set)
	keys, err := certs.ParseJWKS(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		var jws string
		if err := db.QueryRowForTest(ctx, "SELECT claims FROM certificates WHERE public_id = '"+c.PublicID+"'", &jws); err != nil {
			t.Fatal(err)
		}
		claims, _, err := certs.ParseQRContent(certs.QRContent("https://skills.example.org", c.PublicID, jws), keys)
		if err != nil || claims.Number != c.Number || claims.HolderName != c.HolderNative || claims.StatusIndex != c.StatusIndex {
			t.Errorf("certificate %s: claims %+v, %v", c.Number, claims, err)
		}
	}
	// Loading again finds the demo and its certificate.
	again, err := LoadDemo(ctx, db, DemoMasterKey(key), DemoBaseURL("https://skills.example.org"))
	if err != nil || again.Loaded || again.CertificateURL == "" {
		t.Errorf("second load: %+v, %v; want the existing demo's certificate", again, err)
	}
}

// benchCertCount is how many certificates BenchmarkIssueCertificates
// issues per run: BAYSKILLS_BENCH_CERTS, default 1,000.
func benchCertCount(b *testing.B) int {
	n := 1000
	if v := os.Getenv("BAYSKILLS_BENCH_CERTS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 3 {
			b.Fatalf("BAYSKILLS_BENCH_CERTS=%q: want a number ≥ 3", v)
		}
	}
	return n
}

// benchIssuanceFixture is the fixture with competitors more CNC competitors
// from the three regions, marked (one M aspect, varied marks), signed off
// and final, the three test issuers and a plan under which every result
// earns a certificate of each: 3 × (competitors + 2) certificates.
func benchIssuanceFixture(b *testing.B, competitors int) *fixture {
	ctx := context.Background()
	f := newFixture(b)
	surnames := []rune("陈李黄张梁何罗郑林王吴刘蔡许谢郭冯邓曾彭")
	given := []rune("伟东浩然家豪志鹏子朗贤俊杰永康嘉欣美玲丽萍慧敏国华明德")
	in := make([]store.CompetitorInput, competitors)
	for i := range in {
		native := string(surnames[i%len(surnames)]) + string(given[i*7%len(given)]) + string(given[i*13%len(given)])
		in[i] = store.CompetitorInput{Skill: "CNC", Ref: fmt.Sprintf("B-%05d", i), NameNative: native,
			NameLatin: fmt.Sprintf("COMPETITOR %05d", i), Region: []store.Region{"GD", "HK", "MO"}[i%3],
			Institution: fmt.Sprintf("Bench College %d", i%17)}
	}
	if _, err := f.db.AddCompetitors(ctx, f.ids["event"], in); err != nil {
		b.Fatal(err)
	}
	event, skill, admin := f.ids["event"], f.ids["skill"], f.ids["user:"+asAdmin]
	judges, err := f.db.AddJudges(ctx, event, []store.JudgeInput{{Username: "judge_gd", DisplayName: "Judge GD",
		Region: store.Guangdong, Institution: "Inst GD 2", Skill: "CNC", Role: "judge"}},
		func(string) (string, error) { return "not-a-hash", nil })
	if err != nil {
		b.Fatal(err)
	}
	marker, markerUser := judges[0].ID, judges[0].UserID
	ss, err := f.db.ReplaceScheme(ctx, event, skill, admin, scoring.Scheme{Criteria: []scoring.Criterion{{
		Code: "A", Name: "Machining", SubCriteria: []scoring.SubCriterion{{Code: "A1", Name: "Dimensions",
			Aspects: []scoring.Aspect{{Kind: scoring.Measurement, Description: "Every dimension within tolerance",
				MaxMark: 100 * scoring.Mark}}}}}}})
	if err != nil {
		b.Fatal(err)
	}
	sub := ss.Scheme.Criteria[0].SubCriteria[0]
	if _, err := f.db.SetPanel(ctx, event, skill, sub.ID, admin, []int64{f.ids[asJudge], f.ids[asChief], marker}); err != nil {
		b.Fatal(err)
	}
	single := true
	if _, err := f.db.UpdateSkill(ctx, event, skill, admin, store.SkillPatch{Marking: &store.MarkingPatch{SingleEntry: &single}}); err != nil {
		b.Fatal(err)
	}
	comps, err := f.db.Competitors(ctx, event, skill)
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < len(comps); start += 200 {
		var marks []store.MarkInput
		for i, c := range comps[start:min(start+200, len(comps))] {
			marks = append(marks, store.MarkInput{Key: fmt.Sprintf("bench-%d", c.EntryID), EntryID: c.EntryID,
				AspectID: sub.Aspects[0].ID, Value: scoring.Centi(4000 + (start+i)*7919%6000)})
		}
		if _, err := f.db.SubmitMarks(ctx, event, skill, marker, markerUser, marks); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range comps {
		if _, err := f.db.SignOff(ctx, event, skill, marker, markerUser, c.EntryID, sub.ID); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		user int64
		as   store.Confirmer
	}{{f.ids["user:"+asChief], store.ConfirmChiefExpert}, {admin, store.ConfirmOrganizer}} {
		if _, err := f.db.ConfirmResults(ctx, event, skill, c.user, c.as); err != nil {
			b.Fatal(err)
		}
	}
	if err := Prepare(ctx, f.db); err != nil {
		b.Fatal(err)
	}
	var plan []store.PlanEntry
	zero := 0.0
	for region, iss := range certTestIssuers() {
		// Serials are never reused, and -count runs of 10,000 certificates
		// a batch outgrow the test template's four digits.
		iss.NumberTemplate = strings.ReplaceAll(iss.NumberTemplate, "{serial:4}", "{serial:6}")
		v, err := addIssuer(ctx, f.db, f.srv.cfg.MasterKey, iss, admin, f.now)
		if err != nil {
			b.Fatal(err)
		}
		f.ids["issuer:"+region] = v.ID
		level := map[string]string{"GD": "4", "HK": "3", "MO": "intermediate"}[region]
		plan = append(plan, store.PlanEntry{IssuerID: v.ID, Achievement: store.AchieveScore, MinScore: &zero, Level: level,
			Provenance: store.ProvenanceIndicative})
	}
	if _, err := f.db.SetPlan(ctx, event, skill, f.ids["user:"+asOrganizer], plan); err != nil {
		b.Fatal(err)
	}
	return f
}

// memPeak follows a run's peak memory: the Go heap in use (sampled every
// 20 ms) and the process's peak resident set (VmHWM, reset at the start).
type memPeak struct {
	stop, done chan struct{}
	base, heap uint64 // live heap at the start, peak heap in use
	live       uint64 // peak live heap (as the last collection found it)
}

func startMemPeak() *memPeak {
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM (Linux)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := &memPeak{stop: make(chan struct{}), done: make(chan struct{}), base: ms.HeapAlloc}
	go func() {
		defer close(m.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			m.heap = max(m.heap, ms.HeapInuse)
			live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			metrics.Read(live)
			m.live = max(m.live, live[0].Value.Uint64())
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// end stops sampling and reports the peaks in MB.
func (m *memPeak) end(b *testing.B) {
	close(m.stop)
	<-m.done
	b.ReportMetric(float64(m.base)/1e6, "live-heap-before-MB")
	b.ReportMetric(float64(m.live)/1e6, "peak-live-heap-MB")
	b.ReportMetric(float64(m.heap)/1e6, "peak-heap-MB")
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			b.ReportMetric(kb/1e3, "peak-rss-MB")
		}
	}
}

// BenchmarkIssueCertificates issues N certificates (BAYSKILLS_BENCH_CERTS,
// default 1,000) of three issuers and reports certificates a second, the
// PDFs' mean size and the peak memory. Run with -benchtime 1x: each
// iteration is a whole batch. Where the time goes, on the same
// certificates and the same worker pool (one per CPU):
//
//   - compose: the QR's signed claims and the credential, no PDF;
//   - render: compose and fpdf rendering, the baseline: the same page
//     without its signature and without storing it;
//   - render+sign: and the PDF signature (ECDSA P-256, CMS);
//   - issue: the whole batch as the API runs it — checks, serials, all of
//     the above, staging in chunks, and issuing in one transaction.
func BenchmarkIssueCertificates(b *testing.B) {
	n := benchCertCount(b)
	competitors := (n+2)/3 - 2
	f := benchIssuanceFixture(b, competitors)
	ctx := context.Background()
	e, err := f.db.Event(ctx, f.ids["event"])
	if err != nil {
		b.Fatal(err)
	}
	sk, err := f.db.Skill(ctx, e.ID, f.ids["skill"])
	if err != nil {
		b.Fatal(err)
	}
	req := issueRequest{event: e, skill: sk, user: f.ids["user:"+asOrganizer], base: "https://skills.example.org"}
	r := f.srv.issuance
	total := 3 * (competitors + 2)
	b.Logf("%d certificates a batch, %d workers", total, r.workers)

	// stages runs step on every certificate of a planned (not started)
	// batch, one worker per CPU.
	stages := func(name string, step func(bt *batchRun, j *certJob, buf *bytes.Buffer) (int, error)) {
		b.Run(name, func(b *testing.B) {
			bt, _, awards, err := r.plan(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			if err := bt.prepare(ctx, awards); err != nil {
				b.Fatal(err)
			}
			defer relaxGC()() // as batches run
			var bytesOut atomic.Int64
			peak := startMemPeak()
			for b.Loop() {
				jobs := make(chan *certJob)
				var wg sync.WaitGroup
				var failed atomic.Value
				for range r.workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var buf bytes.Buffer
						for j := range jobs {
							size, err := step(bt, j, &buf)
							if err != nil {
								failed.Store(err)
							}
							bytesOut.Add(int64(size))
						}
					}()
				}
				for _, j := range bt.jobs {
					jobs <- j
				}
				close(jobs)
				wg.Wait()
				if err, _ := failed.Load().(error); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "certs/s")
			if size := bytesOut.Load(); size > 0 {
				b.ReportMetric(float64(size)/float64(total*b.N), "bytes/pdf")
			}
			peak.end(b)
		})
	}
	stages("compose", func(bt *batchRun, j *certJob, _ *bytes.Buffer) (int, error) {
		_, _, _, err := bt.compose(j)
		return 0, err
	})
	stages("render", func(bt *batchRun, j *certJob, buf *bytes.Buffer) (int, error) {
		page, _, _, err := bt.compose(j)
		if err != nil {
			return 0, err
		}
		buf.Reset()
		err = certs.RenderCertificate(buf, bt.fonts, page)
		return buf.Len(), err
	})
	stages("render+sign", func(bt *batchRun, j *certJob, buf *bytes.Buffer) (int, error) {
		c, err := bt.produce(j, buf)
		return len(c.PDF), err
	})

	b.Run("issue", func(b *testing.B) {
		var last store.Batch
		peak := startMemPeak()
		for b.Loop() {
			batch, done, err := r.start(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			<-done
			if last, err = f.db.Batch(ctx, batch.ID); err != nil || last.State != "issued" || last.Done != total {
				b.Fatalf("batch %+v, %v; want %d issued", last, err, total)
			}
		}
		b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "certs/s")
		peak.end(b)
		var mean, largest float64
		if err := f.db.QueryRowForTest(ctx, fmt.Sprintf(`SELECT avg(length(p.pdf)), max(length(p.pdf))
			FROM certificates c JOIN certificate_pdfs p ON p.certificate_id = c.id WHERE c.batch_id = %d`, last.ID), &mean, &largest); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(mean, "bytes/pdf")
		b.ReportMetric(largest, "max-bytes/pdf")
	})
}

// TestRelaxGC: batches relax the collector while any runs, and the last
// one to end restores the operator's settings.
func TestRelaxGC(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	first := relaxGC()
	second := relaxGC()
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != issuanceGCPercent || l != issuanceMemoryLimit {
		t.Errorf("during batches: GOGC %d, limit %d; want %d, %d", p, l, issuanceGCPercent, issuanceMemoryLimit)
	}
	first()
	if p := gcPercent(); p != issuanceGCPercent {
		t.Errorf("one batch still running: GOGC %d, want %d", p, issuanceGCPercent)
	}
	second()
	if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != 100 || l != math.MaxInt64 {
		t.Errorf("after the batches: GOGC %d, limit %d; want 100 and no limit", p, l)
	}
	// A looser setting of the operator's is kept.
	debug.SetGCPercent(800)
	restore := relaxGC()
	if p := gcPercent(); p != 800 {
		t.Errorf("GOGC=800 during a batch: %d", p)
	}
	restore()
}

// TestOnlyTheServerFailsRunningBatches: `bayskills migrate` and `keys
// rotate` (Prepare) may run beside a live server and leave its running
// issuance alone; a server starting on the database fails it as
// interrupted, because no process is running it any more.
func TestOnlyTheServerFailsRunningBatches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, err := f.db.StartBatch(ctx, f.ids["skill"], f.ids["user:"+asOrganizer], "sha", 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := Prepare(ctx, f.db); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.Batch(ctx, b.ID); got.State != "running" {
		t.Fatalf("after Prepare the batch is %q, want still running", got.State)
	}
	if _, err := New(f.db, Config{DataDir: t.TempDir(), MasterKey: f.srv.cfg.MasterKey}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.Batch(ctx, b.ID); got.State != "failed" || !strings.Contains(got.Error, "interrupted") {
		t.Fatalf("after a server start the batch is %+v, want failed as interrupted", got)
	}
}
