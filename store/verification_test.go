package store

import (
	"context"
	"strconv"
	"testing"
	"time"

	"bayskills/apperr"
)

// issued sets up two issuers, a plan, final results and one issued batch
// of four certificates (ids c0…c3, numbers N-0…N-3; c0 and c1 are the
// gold medallist A's GD and HK certificates).
func (g *judging) issued() (gd, hk Issuer) {
	g.t.Helper()
	ctx := context.Background()
	g.withFrameworks()
	var err error
	if gd, err = g.db.CreateIssuer(ctx, gdIssuer(), g.user, nil); err != nil {
		g.t.Fatal(err)
	}
	if hk, err = g.db.CreateIssuer(ctx, hkIssuer(), g.user, nil); err != nil {
		g.t.Fatal(err)
	}
	if _, err := g.db.SetPlan(ctx, g.event, g.skill, g.user, []PlanEntry{
		{IssuerID: gd.ID, Achievement: AchieveGold, Level: "2", Provenance: ProvenanceIndicative},
		{IssuerID: gd.ID, Achievement: AchieveMedal, Level: "3", Provenance: ProvenanceIndicative},
		{IssuerID: hk.ID, Achievement: AchieveGold, Level: "4", Provenance: ProvenanceIndicative},
	}); err != nil {
		g.t.Fatal(err)
	}
	g.markAll()
	g.signAll()
	g.mustConfirmBoth()
	res, awards, err := g.db.PlanIssuance(ctx, g.event, g.skill)
	if err != nil {
		g.t.Fatal(err)
	}
	b, err := g.db.StartBatch(ctx, g.skill, g.user, res.Lifecycle.SHA256, len(awards))
	if err != nil {
		g.t.Fatal(err)
	}
	var list []NewCertificate
	for i, a := range awards {
		n := strconv.Itoa(i)
		list = append(list, NewCertificate{PublicID: "c" + n, Number: "N-" + n, Award: a,
			Assessment: a.Assessment(g.skill), IssuedAt: "2026-12-10T08:00:00.000Z", StatusIndex: 10 + i,
			Claims: "jws", Credential: []byte(`{}`), PDF: []byte("%PDF-1.7 certificate " + n), PDFSHA256: "ab" + n})
	}
	if err := g.db.StageCertificates(ctx, b.ID, g.skill, list); err != nil {
		g.t.Fatal(err)
	}
	if _, err := g.db.FinishBatch(ctx, g.event, b.ID, g.user); err != nil {
		g.t.Fatal(err)
	}
	return gd, hk
}

// TestCertificateStatusChanges: an officer suspends, reinstates and
// revokes; revocation is final; each change is an audit entry and shows
// in the issuer's status lists.
func TestCertificateStatusChanges(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	gd, _ := g.issued()
	audits := g.countRows("audit")
	steps := []struct {
		id, status, reason string
		code               apperr.Code
	}{
		{"c0", CertSuspended, "under investigation", ""},
		{"c0", CertSuspended, "again", apperr.Conflict},
		{"c0", CertValid, "investigation closed", ""},
		{"c2", CertRevoked, "obtained by fraud", ""},
		{"c2", CertValid, "undo", apperr.Conflict},
		{"c2", CertSuspended, "undo", apperr.Conflict},
		{"c0", "deleted", "x", apperr.Invalid},
		{"c0", CertRevoked, "  ", apperr.Invalid},
		{"nope", CertRevoked, "x", apperr.NotFound},
		{"c3", CertSuspended, "pending a check", ""},
	}
	changes := 0
	for _, s := range steps {
		rec, err := g.db.SetCertificateStatus(ctx, s.id, StatusChange{Status: s.status, Reason: s.reason}, g.user)
		if apperr.CodeOf(err) != s.code && !(s.code == "" && err == nil) {
			t.Fatalf("%s → %s: %v, want %q", s.id, s.status, err, s.code)
		}
		if err == nil {
			changes++
			if rec.Status != s.status || rec.StatusReason != s.reason || rec.StatusAt == "" {
				t.Fatalf("%s → %s: record %+v", s.id, s.status, rec)
			}
		}
	}
	if got := g.countRows("audit") - audits; got != changes {
		t.Errorf("%d audit entries for %d changes", got, changes)
	}
	revoked, err := g.db.StatusIndexes(ctx, gd.ID, PurposeRevocation)
	if err != nil || len(revoked) != 1 || revoked[0] != 12 {
		t.Errorf("GD revocation list %v %v, want [12] (c2)", revoked, err)
	}
	suspended, err := g.db.StatusIndexes(ctx, gd.ID, PurposeSuspension)
	if err != nil || len(suspended) != 1 || suspended[0] != 13 {
		t.Errorf("GD suspension list %v %v, want [13] (c3)", suspended, err)
	}
	if _, err := g.db.StatusIndexes(ctx, gd.ID, "refresh"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an unknown purpose: %v", err)
	}
}

// TestLookupAndSiblings: a certificate is found by its number and either
// name, however spaced or cased; a miss says the same whichever part was
// wrong; siblings are the other issuers' certificates of the assessment.
func TestLookupAndSiblings(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.issued()
	c0, err := g.db.VerifyCertificate(ctx, "c0")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{c0.HolderLatin, " " + c0.HolderLatin + " ", c0.HolderNative} {
		if name == "" {
			continue
		}
		got, err := g.db.LookupCertificate(ctx, "N-0", name)
		if err != nil || got.PublicID != "c0" || got.SkillCode == "" || got.EventName.En == "" {
			t.Errorf("lookup by %q: %+v %v", name, got.CertificateRecord, err)
		}
	}
	var misses []string
	for _, q := range [][2]string{{"N-0", "Someone Else"}, {"N-9", c0.HolderLatin}, {"", ""}} {
		_, err := g.db.LookupCertificate(ctx, q[0], q[1])
		if apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("lookup %q: %v", q, err)
		}
		misses = append(misses, err.Error())
	}
	if misses[0] != misses[1] || misses[1] != misses[2] {
		t.Errorf("misses tell apart what was wrong: %q", misses)
	}
	if got, want := FoldName("CHAN  Ka-yan"), FoldName("chan ka yan"); got != want {
		t.Errorf("FoldName: %q vs %q", got, want)
	}
	sibs, err := g.db.Siblings(ctx, c0)
	if err != nil || len(sibs) != 1 || sibs[0].PublicID != "c1" {
		t.Fatalf("siblings of c0: %+v %v", sibs, err)
	}
	if _, err := g.db.VerifyCertificate(ctx, "missing"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an unknown id: %v", err)
	}
	if got, err := g.db.CertificateBySHA256(ctx, "AB2"); err != nil || got.PublicID != "c2" {
		t.Errorf("by hash: %+v %v", got.CertificateRecord, err)
	}
}

// TestCertificatePDFsOwnTable: PDFs live in their own table, read back as
// staged; a failed batch leaves no PDF behind.
func TestCertificatePDFsOwnTable(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.issued()
	pdf, err := g.db.CertificatePDF(ctx, "c3")
	if err != nil || string(pdf) != "%PDF-1.7 certificate 3" {
		t.Fatalf("PDF of c3: %q %v", pdf, err)
	}
	res, awards, err := g.db.PlanIssuance(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.db.StartBatch(ctx, g.skill, g.user, res.Lifecycle.SHA256, len(awards))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.db.StageCertificates(ctx, b.ID, g.skill, []NewCertificate{{PublicID: "p0", Number: "P-0",
		Award: awards[0], Assessment: "x", IssuedAt: "2026-12-11T00:00:00.000Z", StatusIndex: 99, Claims: "jws",
		Credential: []byte(`{}`), PDF: []byte("%PDF pending"), PDFSHA256: "cd"}}); err != nil {
		t.Fatal(err)
	}
	if n := g.countRows("certificate_pdfs"); n != 5 {
		t.Fatalf("%d PDFs staged, want 5", n)
	}
	if _, err := g.db.CertificatePDF(ctx, "p0"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("a pending certificate's PDF is served: %v", err)
	}
	if err := g.db.FailBatch(ctx, b.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if n := g.countRows("certificate_pdfs"); n != 4 {
		t.Errorf("%d PDFs after the failed batch, want 4", n)
	}
}

// TestRotateIssuerKeys: a rotation retires the current keys and adds new
// ones in one step; a compromise marks the keys that could sign since then;
// a compromise in the future is refused and changes nothing.
func TestRotateIssuerKeys(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.withFrameworks()
	n := 0
	makeKeys := func(Issuer) ([]IssuerKey, error) {
		n++
		k := strconv.Itoa(n)
		return []IssuerKey{
			{KID: "claims" + k, Purpose: KeyPurposeClaims, Algorithm: "EdDSA", PublicJWK: []byte(`{}`), Sealed: "s"},
			{KID: "pdf" + k, Purpose: KeyPurposePDF, Algorithm: "ES256", PublicJWK: []byte(`{}`), Sealed: "s"},
		}, nil
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	g.db.now = func() time.Time { return now }
	iss, err := g.db.CreateIssuer(ctx, gdIssuer(), g.user, makeKeys)
	if err != nil {
		t.Fatal(err)
	}
	active := func() (kids []string) {
		keys, err := g.db.ActiveKeys(ctx, iss.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			kids = append(kids, k.KID)
		}
		return kids
	}
	now = now.Add(24 * time.Hour)
	if _, err := g.db.RotateIssuerKeys(ctx, iss.ID, g.user, KeyRotation{Reason: "yearly"}, makeKeys); err != nil {
		t.Fatal(err)
	}
	if got := active(); len(got) != 2 || got[0] != "pdf2" || got[1] != "claims2" {
		t.Fatalf("active keys after a rotation: %v", got)
	}
	future := KeyRotation{CompromisedAt: now.Add(time.Hour)}
	if _, err := g.db.RotateIssuerKeys(ctx, iss.ID, g.user, future, makeKeys); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("a compromise in the future: %v", err)
	}
	if got := active(); len(got) != 2 || got[0] != "pdf2" {
		t.Fatalf("a refused rotation changed the keys: %v", got)
	}
	leak := KeyRotation{CompromisedAt: now.Add(time.Hour), Reason: "laptop stolen"}
	now = now.Add(48 * time.Hour) // found out two days later
	keys, err := g.db.RotateIssuerKeys(ctx, iss.ID, g.user, leak, makeKeys)
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, k := range keys {
		switch {
		case k.CompromisedAt != "":
			state[k.KID] = "compromised"
		case k.RetiredAt != "":
			state[k.KID] = "retired"
		default:
			state[k.KID] = "current"
		}
	}
	// Keys 1 were retired before the leak: what they signed stays good.
	want := map[string]string{"claims1": "retired", "pdf1": "retired", "claims2": "compromised", "pdf2": "compromised",
		"claims3": "current", "pdf3": "current"}
	for kid, w := range want {
		if state[kid] != w {
			t.Errorf("key %s is %q, want %q (all: %v)", kid, state[kid], w, state)
		}
	}
}
