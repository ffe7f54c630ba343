package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/scoring"
)

// withFrameworks stores the shipped frameworks in g's database.
func (g *judging) withFrameworks() {
	g.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "assets", "frameworks", "frameworks.json"))
	if err != nil {
		g.t.Fatal(err)
	}
	fws, err := certs.ParseFrameworks(data)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := g.db.SyncFrameworks(context.Background(), fws); err != nil {
		g.t.Fatal(err)
	}
}

func gdIssuer() Issuer {
	return Issuer{Code: "GD-DEMO", Region: Guangdong, Name: certs.Names{En: "Guangdong Demo Evaluation Centre",
		ZhHans: "广东演示评价中心"}, Framework: "CN-VSL", Languages: []string{"zh-Hans", "en"}, Numbering: NumberingMainland,
		Evaluator: "S", OrgCode: "4401", Province: "44", Site: "000001", Demo: true}
}

func hkIssuer() Issuer {
	return Issuer{Code: "HK-DEMO", Region: HongKong, Name: certs.Names{En: "Hong Kong Demo Skills Council",
		ZhHant: "香港示範技能議會"}, Framework: "HKQF", Languages: []string{"zh-Hant", "en"}, Numbering: NumberingTemplate,
		NumberTemplate: "HKD-{year}-{serial:6}", Demo: true}
}

// TestFrameworksSyncIdempotent: the frameworks file syncs twice without
// change and reads back in rank order.
func TestFrameworksSyncIdempotent(t *testing.T) {
	g := newJudging(t)
	g.withFrameworks()
	g.withFrameworks()
	fws, err := g.db.Frameworks(context.Background())
	if err != nil || len(fws) != 3 {
		t.Fatalf("frameworks %v %v", len(fws), err)
	}
	if cn := fws[0]; cn.Code != "CN-VSL" || cn.Levels[0].Code != "apprentice" || cn.Levels[len(cn.Levels)-1].Name.ZhHans != "首席技师" {
		t.Errorf("CN-VSL read back as %+v", cn)
	}
}

// TestIssuersAndPlans: issuers are checked against the frameworks; a plan
// that awards a level the issuer's framework does not have — or that a
// Mainland number cannot carry — is refused at setup, naming the row, and
// leaves the plan as it was.
func TestIssuersAndPlans(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.withFrameworks()
	bad := gdIssuer()
	bad.Framework, bad.OrgCode, bad.Languages = "HKQF", "44", []string{"zh-Hans", "zh-Hans"}
	_, err := g.db.CreateIssuer(ctx, bad, g.user, nil)
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["framework"] == "" || e.Fields["org_code"] == "" ||
		e.Fields["languages"] == "" {
		t.Fatalf("a bad issuer: %v %v", err, e.Fields)
	}
	gd, err := g.db.CreateIssuer(ctx, gdIssuer(), g.user, nil)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := g.db.CreateIssuer(ctx, hkIssuer(), g.user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.db.CreateIssuer(ctx, gdIssuer(), g.user, nil); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("a second GD-DEMO: %v", err)
	}
	min := 650.0
	good := []PlanEntry{
		{IssuerID: gd.ID, Achievement: AchieveGold, Level: "2", Provenance: ProvenanceOfficial, Reference: "GBA-MRA-2026-07"},
		{IssuerID: gd.ID, Achievement: AchieveScore, MinScore: &min, Level: "3", Provenance: ProvenanceIndicative},
		{IssuerID: hk.ID, Achievement: AchieveMedal, Level: "4", Provenance: ProvenanceIndicative},
	}
	if _, err := g.db.SetPlan(ctx, g.event, g.skill, g.user, good); err != nil {
		t.Fatal(err)
	}
	badPlan := []PlanEntry{
		{IssuerID: hk.ID, Achievement: AchieveGold, Level: "8", Provenance: ProvenanceIndicative},
		{IssuerID: gd.ID, Achievement: AchieveGold, Level: "special", Provenance: ProvenanceIndicative},
		{IssuerID: gd.ID, Achievement: AchieveMedal, Level: "3", Provenance: ProvenanceOfficial},
		{IssuerID: gd.ID, Achievement: AchieveScore, Level: "3", Provenance: ProvenanceIndicative},
	}
	_, err = g.db.SetPlan(ctx, g.event, g.skill, g.user, badPlan)
	e := apperr.As(err)
	if e.Code != apperr.Invalid || len(e.Rows) != 4 || !strings.Contains(e.Rows[0].Fields["level"], `HKQF has no level "8"`) ||
		!strings.Contains(e.Rows[1].Fields["level"], "no digit") || e.Rows[2].Fields["reference"] == "" ||
		e.Rows[3].Fields["min_score"] == "" {
		t.Fatalf("a bad plan: %v %+v", err, e.Rows)
	}
	plan, err := g.db.Plan(ctx, g.event, g.skill)
	if err != nil || len(plan) != 3 || plan[1].MinScore == nil || *plan[1].MinScore != 650 || plan[2].IssuerID != hk.ID {
		t.Fatalf("the plan after a refused change: %+v %v", plan, err)
	}
	for _, tc := range []struct {
		p            PlanEntry
		award, score string
		want         bool
	}{
		{good[0], "gold", "800", true}, {good[0], "silver", "800", false},
		{good[1], "", "650.00", true}, {good[1], "", "649.99", false},
		{good[2], "bronze", "600", true}, {good[2], "medallion", "720", false},
	} {
		if got := tc.p.Meets(scoringAward(tc.award), tc.score); got != tc.want {
			t.Errorf("%s meets %s/%s = %v", tc.p.Achievement, tc.award, tc.score, got)
		}
	}
}

func scoringAward(s string) scoring.Award { return scoring.Award(s) }

// TestIssuanceBatchAllOrNothing: certificates come from final results
// only; a batch's certificates stay invisible until all are staged and the
// batch is finished in one transaction; a failed or interrupted batch
// leaves nothing; a re-issue supersedes, deleting nothing.
func TestIssuanceBatchAllOrNothing(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.withFrameworks()
	gd, err := g.db.CreateIssuer(ctx, gdIssuer(), g.user, nil)
	if err != nil {
		t.Fatal(err)
	}
	hk, err := g.db.CreateIssuer(ctx, hkIssuer(), g.user, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.db.SetPlan(ctx, g.event, g.skill, g.user, []PlanEntry{
		{IssuerID: gd.ID, Achievement: AchieveGold, Level: "2", Provenance: ProvenanceIndicative},
		{IssuerID: gd.ID, Achievement: AchieveMedal, Level: "3", Provenance: ProvenanceIndicative},
		{IssuerID: hk.ID, Achievement: AchieveGold, Level: "4", Provenance: ProvenanceIndicative},
	}); err != nil {
		t.Fatal(err)
	}
	g.markAll()
	g.signAll()
	_, _, err = g.db.PlanIssuance(ctx, g.event, g.skill)
	wantCode(t, "issuing from provisional results", err, apperr.Conflict, "final results only; these are provisional")
	g.mustConfirmBoth()
	res, awards, err := g.db.PlanIssuance(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	// c1 gold: GD level 2 and HK level 4; c2 silver, c3 bronze: GD level 3.
	var got []string
	for _, a := range awards {
		got = append(got, a.HolderLatin+":"+a.Issuer.Code+":"+a.Level.Code)
	}
	if strings.Join(got, " ") != "A:GD-DEMO:2 A:HK-DEMO:4 B:GD-DEMO:3 C:GD-DEMO:3" {
		t.Fatalf("awards %v", got)
	}
	stage := func(b Batch, from, to int, tag string) error {
		var list []NewCertificate
		for i, a := range awards[from:to] {
			n := from + i
			list = append(list, NewCertificate{PublicID: tag + strconv.Itoa(n), Number: tag + "-" + strconv.Itoa(n), Award: a,
				Assessment: a.Assessment(g.skill), IssuedAt: "2026-12-10", StatusIndex: n + 100*len(tag),
				Claims: "jws", Credential: []byte(`{}`), PDF: []byte("%PDF-1.4"), PDFSHA256: "00"})
		}
		return g.db.StageCertificates(ctx, b.ID, g.skill, list)
	}
	b, err := g.db.StartBatch(ctx, g.skill, g.user, res.Lifecycle.SHA256, len(awards))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.db.StartBatch(ctx, g.skill, g.user, res.Lifecycle.SHA256, 1); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("a second running batch: %v", err)
	}
	if err := stage(b, 0, 2, "a"); err != nil {
		t.Fatal(err)
	}
	if list, _ := g.db.SkillCertificates(ctx, g.event, g.skill); len(list) != 0 {
		t.Fatalf("pending certificates are visible: %+v", list)
	}
	_, err = g.db.FinishBatch(ctx, g.event, b.ID, g.user)
	wantCode(t, "finishing half a batch", err, apperr.Conflict, "2 of 4")
	if n, err := g.db.FailInterrupted(ctx); err != nil || n != 1 {
		t.Fatalf("failing the interrupted batch: %d %v", n, err)
	}
	if b, _ := g.db.Batch(ctx, b.ID); b.State != "failed" || g.countRows("certificates") != 0 {
		t.Fatalf("after failing: %+v with %d certificate rows", b, g.countRows("certificates"))
	}
	for round, tag := range []string{"b", "cc"} {
		b, err := g.db.StartBatch(ctx, g.skill, g.user, res.Lifecycle.SHA256, len(awards))
		if err != nil {
			t.Fatal(err)
		}
		if err := stage(b, 0, 2, tag); err != nil {
			t.Fatal(err)
		}
		if err := stage(b, 2, 4, tag); err != nil {
			t.Fatal(err)
		}
		if b, err = g.db.FinishBatch(ctx, g.event, b.ID, g.user); err != nil || b.State != "issued" || b.Done != 4 {
			t.Fatalf("round %d: %+v %v", round, b, err)
		}
	}
	list, err := g.db.SkillCertificates(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, c := range list {
		states[c.Status]++
	}
	if len(list) != 8 || states[CertValid] != 4 || states[CertSuperseded] != 4 {
		t.Fatalf("after a re-issue: %v", states)
	}
	if c, err := g.db.CertificateByID(ctx, "b0"); err != nil || c.Status != CertSuperseded || c.HolderLatin != "A" {
		t.Fatalf("the first issue's certificate: %+v %v", c, err)
	}
}

func (g *judging) countRows(table string) int {
	g.t.Helper()
	var n int
	if err := g.db.read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		g.t.Fatal(err)
	}
	return n
}

// TestIssuerCreatedWithItsKeysOrNotAtAll: when the keys cannot be made or
// stored, the issuer is not created either.
func TestIssuerCreatedWithItsKeysOrNotAtAll(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.withFrameworks()
	for name, makeKeys := range map[string]func(Issuer) ([]IssuerKey, error){
		"keys not made":   func(Issuer) ([]IssuerKey, error) { return nil, errors.New("no entropy") },
		"a key refused":   func(Issuer) ([]IssuerKey, error) { return []IssuerKey{{KID: "k1", Purpose: KeyPurposePDF}}, nil },
		"purpose refused": func(Issuer) ([]IssuerKey, error) { return []IssuerKey{{KID: "k1", Purpose: "x", Sealed: "s"}}, nil },
	} {
		if _, err := g.db.CreateIssuer(ctx, gdIssuer(), g.user, makeKeys); err == nil {
			t.Fatalf("%s: issuer created", name)
		}
		if n := g.countRows("issuers"); n != 0 {
			t.Fatalf("%s: %d issuers left without keys", name, n)
		}
	}
	iss, err := g.db.CreateIssuer(ctx, gdIssuer(), g.user, func(in Issuer) ([]IssuerKey, error) {
		return []IssuerKey{{KID: "k-" + in.Code, Purpose: KeyPurposeClaims, Algorithm: "EdDSA", PublicJWK: []byte(`{}`),
			Sealed: "bk1:x"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := g.db.IssuerKeys(ctx, iss.ID); err != nil || len(keys) != 1 || keys[0].KID != "k-GD-DEMO" {
		t.Fatalf("keys %+v %v", keys, err)
	}
}
