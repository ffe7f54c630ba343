package server

import (
	"context"
	"testing"

	"bayskills/certs"
	"bayskills/store"
)

// authzCertScenarios cover the certificates' API. Frameworks and issuers
// are public facts any signed-in user may read (organizers pick issuers
// for their plans); creating an issuer, with its signing keys, is the
// admin's; a skill's recognition plan, issuance and the certificates'
// downloads are the event's organizers' (not the chief expert's: issuing
// is the organizer's act, DESIGN §6–7).
func authzCertScenarios() []authzScenario {
	pdf := map[string]string{}
	return []authzScenario{
		{method: "GET", path: "/api/v1/frameworks", allowed: authzRolesSignedIn, status: 200, readOnly: true,
			setup: certSetup(certFrameworks, nil)},
		{method: "GET", path: "/api/v1/issuers", allowed: authzRolesSignedIn, status: 200, readOnly: true,
			setup: certSetup(certIssuers, nil)},
		{method: "POST", path: "/api/v1/issuers", allowed: authzRolesAdmin, status: 201, setup: certSetup(certFrameworks, nil),
			body: func(_ *fixture, role string) any {
				return map[string]any{"code": "NEW-" + authzSuffix(role), "region": "HK", "framework": "HKQF",
					"name":      map[string]string{"en": "New Body", "zh-Hant": "新機構"},
					"languages": []string{"zh-Hant", "en"}, "numbering": "template", "number_template": "NEW-{serial:6}"}
			}},
		{method: "GET", path: "/api/v1/issuers/:issuer", params: map[string]string{":issuer": "issuer"},
			allowed: authzRolesSignedIn, status: 200, readOnly: true, setup: certSetup(certIssuers, nil)},

		{method: "GET", path: "/api/v1/events/:event/skills/:skill/plan", allowed: authzRolesOrganizers, status: 200,
			readOnly: true, setup: certSetup(certPlan, nil)},
		{method: "PUT", path: "/api/v1/events/:event/skills/:skill/plan", allowed: authzRolesOrganizers, status: 200,
			setup: certSetup(certIssuers, nil), body: func(f *fixture, _ string) any { return planBody{certTestPlan(f)} }},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/issuances", allowed: authzRolesOrganizers, status: 200,
			readOnly: true, setup: certSetup(certIssued, nil)},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/issuances", allowed: authzRolesOrganizers,
			status: 202, setup: certSetup(certPlan, nil)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/issuances/:batch", params: map[string]string{":batch": "batch"},
			allowed: authzRolesOrganizers, status: 200, readOnly: true, setup: certSetup(certIssued, nil)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/certificates", allowed: authzRolesOrganizers, status: 200,
			readOnly: true, setup: certSetup(certIssued, nil)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/certificates.zip", allowed: authzRolesOrganizers,
			status: 200, readOnly: true, setup: certSetup(certIssued, nil)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/certificates/*file", files: pdf,
			allowed: authzRolesOrganizers, status: 200, readOnly: true, setup: certSetup(certIssued, pdf)},
	}
}

func init() {
	// Rows name their issuer and batch (params); where a row is sent
	// without its setup — TestCrossEventAccess, with the other event's
	// skill, which is refused before the batch is read — the skill's id
	// stands in for the batch.
	authzDefaultParams[":batch"] = "skill"
}

// certStage is how far certSetup takes the certificates of the fixture.
type certStage int

const (
	// certFrameworks: the shipped frameworks are in the database.
	certFrameworks certStage = iota + 1
	// certIssuers: three issuers, GD-TEST (Mainland numbers), HK-TEST and
	// MO-TEST (templates), with their keys: f.ids "issuer:GD", "issuer:HK",
	// "issuer:MO", and "issuer" (GD).
	certIssuers
	// certPlan: the CNC skill's results are final (authzFinal: R-2 gold,
	// R-1 silver) and its plan gives each issuer's level for a medal.
	certPlan
	// certIssued: the plan's six certificates are issued (f.ids "batch");
	// files["file"], when files is given, is the first one's "ID.pdf".
	certIssued
)

// certTestIssuers are the fixture's issuers, one per region.
func certTestIssuers() map[string]store.Issuer {
	return map[string]store.Issuer{
		"GD": {Code: "GD-TEST", Region: store.Guangdong, Framework: "CN-VSL", Languages: []string{"zh-Hans", "en"},
			Name:      certs.Names{ZhHans: "广东测试评价中心", En: "Guangdong Test Evaluation Centre"},
			Numbering: store.NumberingMainland, Evaluator: "Y", OrgCode: "0001", Province: "44", Site: "000123"},
		"HK": {Code: "HK-TEST", Region: store.HongKong, Framework: "HKQF", Languages: []string{"zh-Hant", "en"},
			Name:      certs.Names{ZhHant: "香港測試評審中心", En: "Hong Kong Test Assessment Centre"},
			Numbering: store.NumberingTemplate, NumberTemplate: "HKT-{year}-{serial:6}"},
		"MO": {Code: "MO-TEST", Region: store.Macao, Framework: "MO-DSAL", Languages: []string{"zh-Hant", "pt", "en"},
			Name: certs.Names{ZhHant: "澳門測試認證中心", Pt: "Centro de Certificação de Teste de Macau",
				En: "Macao Test Certification Centre"},
			Numbering: store.NumberingTemplate, NumberTemplate: "MOT-{year}-{level}-{serial:4}"},
	}
}

// certTestPlan gives, for a medal, GD level 3 (official), HK QF 4 and MO
// advanced (indicative).
func certTestPlan(f *fixture) []store.PlanEntry {
	return []store.PlanEntry{
		{IssuerID: f.ids["issuer:GD"], Achievement: store.AchieveMedal, Level: "3", Provenance: store.ProvenanceOfficial,
			Reference: "TEST-AGREEMENT-1"},
		{IssuerID: f.ids["issuer:HK"], Achievement: store.AchieveMedal, Level: "4", Provenance: store.ProvenanceIndicative},
		{IssuerID: f.ids["issuer:MO"], Achievement: store.AchieveMedal, Level: "advanced", Provenance: store.ProvenanceIndicative},
	}
}

// certSetup returns a setup that takes the fixture's certificates to stage.
func certSetup(stage certStage, files map[string]string) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		t.Helper()
		ctx := context.Background()
		if err := Prepare(ctx, f.db); err != nil {
			t.Fatal(err)
		}
		// Issuances the test starts end before its database closes.
		t.Cleanup(f.srv.issuance.wait)
		if stage < certIssuers {
			return
		}
		for region, in := range certTestIssuers() {
			iss, err := addIssuer(ctx, f.db, f.srv.cfg.MasterKey, in, f.ids["user:"+asAdmin], f.now)
			if err != nil {
				t.Fatal(err)
			}
			f.ids["issuer:"+region] = iss.ID
		}
		f.ids["issuer"] = f.ids["issuer:GD"]
		if stage < certPlan {
			return
		}
		authzJudgingSetup(authzFinal)(t, f)
		if _, err := f.db.SetPlan(ctx, f.ids["event"], f.ids["skill"], f.ids["user:"+asOrganizer], certTestPlan(f)); err != nil {
			t.Fatal(err)
		}
		if stage < certIssued {
			return
		}
		b := f.issue()
		f.ids["batch"] = b.ID
		if files != nil {
			list, err := f.db.SkillCertificates(ctx, f.ids["event"], f.ids["skill"])
			if err != nil || len(list) == 0 {
				t.Fatalf("certificates issued: %v, %v", list, err)
			}
			files["file"] = list[0].PublicID + ".pdf"
		}
	}
}

// issue issues the CNC skill's certificates through the runner, as the API
// does, and waits until the batch has ended; it must be issued.
func (f *fixture) issue() store.Batch {
	f.t.Helper()
	ctx := context.Background()
	e, err := f.db.Event(ctx, f.ids["event"])
	if err != nil {
		f.t.Fatal(err)
	}
	sk, err := f.db.Skill(ctx, e.ID, f.ids["skill"])
	if err != nil {
		f.t.Fatal(err)
	}
	b, done, err := f.srv.issuance.start(ctx, issueRequest{event: e, skill: sk, user: f.ids["user:"+asOrganizer],
		base: "http://example.com"})
	if err != nil {
		f.t.Fatal(err)
	}
	<-done
	if b, err = f.db.Batch(ctx, b.ID); err != nil || b.State != "issued" {
		f.t.Fatalf("batch %+v, %v; want issued", b, err)
	}
	return b
}
