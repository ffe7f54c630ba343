package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"bayskills/certs"
	"bayskills/store"
)

// The demo's certificates (DESIGN §7, §10): one certifying body per region,
// each plainly a demonstration — in its names, its numbers, its signing
// certificate (issued by a CA named DEMO) and on every certificate it
// prints — and a recognition plan for the finished skill, whose
// certificates are issued when the demo loads.

// demoIssuers are the demo's certifying bodies.
var demoIssuers = []store.Issuer{
	{
		Code: "GD-DEMO", Region: store.Guangdong, Framework: "CN-VSL", Languages: []string{"zh-Hans", "en"},
		Name: certs.Names{ZhHans: "广东演示职业技能评价中心（演示）", ZhHant: "廣東演示職業技能評價中心（演示）",
			En: "Guangdong Demo Vocational Skills Evaluation Centre (DEMO)"},
		// A social training and evaluation organisation (S) in Guangdong
		// (44), with an organisation and site code no real body has.
		Numbering: store.NumberingMainland, Evaluator: "S", OrgCode: "9999", Province: "44", Site: "999901",
		Demo: true,
	},
	{
		Code: "HK-DEMO", Region: store.HongKong, Framework: "HKQF", Languages: []string{"zh-Hant", "en"},
		Name: certs.Names{ZhHant: "香港示範職業資歷評審中心（示範）", ZhHans: "香港示范职业资历评审中心（示范）",
			En: "Hong Kong Demo Vocational Qualifications Centre (DEMO)"},
		Numbering: store.NumberingTemplate, NumberTemplate: "HKQF-DEMO-{year}-QF{level}-{serial:5}", Demo: true,
	},
	{
		Code: "MO-DEMO", Region: store.Macao, Framework: "MO-DSAL", Languages: []string{"zh-Hant", "pt", "en"},
		Name: certs.Names{ZhHant: "澳門示範職業技能認證中心（示範）", ZhHans: "澳门示范职业技能认证中心（示范）",
			Pt: "Centro de Demonstração de Certificação de Competências Profissionais de Macau (DEMONSTRAÇÃO)",
			En: "Macao Demo Vocational Skills Certification Centre (DEMO)"},
		Numbering: store.NumberingTemplate, NumberTemplate: "MO-DSAL-DEMO-{year}-{serial:6}", Demo: true,
	},
}

// demoAgreement is the fictional agreement of the demo's official
// mappings.
const demoAgreement = "DEMO-GBA-CNC-2026 (fictional demo agreement)"

// demoPassMark is the standardised score from which the demo's issuers
// recognise a result without an award.
var demoPassMark = 600.0

// demoPlan is the finished skill's recognition plan, by issuer code: for
// each issuer, the first entry a result meets decides the level.
var demoPlan = []struct {
	issuer string
	entry  store.PlanEntry
}{
	{"GD-DEMO", store.PlanEntry{Achievement: store.AchieveGold, Level: "2", Provenance: store.ProvenanceOfficial, Reference: demoAgreement}},
	{"GD-DEMO", store.PlanEntry{Achievement: store.AchieveMedal, Level: "3", Provenance: store.ProvenanceOfficial, Reference: demoAgreement}},
	{"GD-DEMO", store.PlanEntry{Achievement: store.AchieveMedallion, Level: "4", Provenance: store.ProvenanceOfficial, Reference: demoAgreement}},
	{"GD-DEMO", store.PlanEntry{Achievement: store.AchieveScore, MinScore: &demoPassMark, Level: "5", Provenance: store.ProvenanceOfficial, Reference: demoAgreement}},
	{"HK-DEMO", store.PlanEntry{Achievement: store.AchieveMedal, Level: "4", Provenance: store.ProvenanceIndicative}},
	{"HK-DEMO", store.PlanEntry{Achievement: store.AchieveMedallion, Level: "3", Provenance: store.ProvenanceIndicative}},
	{"HK-DEMO", store.PlanEntry{Achievement: store.AchieveScore, MinScore: &demoPassMark, Level: "2", Provenance: store.ProvenanceIndicative}},
	{"MO-DEMO", store.PlanEntry{Achievement: store.AchieveMedal, Level: "advanced", Provenance: store.ProvenanceIndicative}},
	{"MO-DEMO", store.PlanEntry{Achievement: store.AchieveMedallion, Level: "intermediate", Provenance: store.ProvenanceIndicative}},
	{"MO-DEMO", store.PlanEntry{Achievement: store.AchieveScore, MinScore: &demoPassMark, Level: "basic", Provenance: store.ProvenanceIndicative}},
}

// DemoOption says how LoadDemo issues the demo's certificates.
type DemoOption func(*demoOptions)

type demoOptions struct {
	masterKey []byte
	baseURL   string
}

// DemoMasterKey seals the demo issuers' keys with key (LoadMasterKey); by
// default, the master.key file beside the database.
func DemoMasterKey(key []byte) DemoOption { return func(o *demoOptions) { o.masterKey = key } }

// DemoBaseURL is the public URL the demo certificates' QR codes point to;
// by default http://localhost:8080.
func DemoBaseURL(url string) DemoOption { return func(o *demoOptions) { o.baseURL = url } }

// demoDefaultBase is where `make run` serves.
const demoDefaultBase = "http://localhost:8080"

// issueDemoCertificates creates the demo issuers (or finds them), gives the
// finished skill its recognition plan and issues its certificates, waiting
// for the batch.
func issueDemoCertificates(ctx context.Context, db *store.DB, e store.Event, sk store.Skill, organizer int64, o demoOptions) error {
	if err := Prepare(ctx, db); err != nil { // the frameworks
		return err
	}
	existing, err := db.Issuers(ctx)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, i := range existing {
		ids[i.Code] = i.ID
	}
	for _, in := range demoIssuers {
		if ids[in.Code] != 0 {
			continue
		}
		// Created by the demo loader, not by a user: no user in the audit trail.
		iss, err := addIssuer(ctx, db, o.masterKey, in, 0, time.Now())
		if err != nil {
			return fmt.Errorf("demo issuer %s: %w", in.Code, err)
		}
		ids[in.Code] = iss.ID
	}
	var plan []store.PlanEntry
	for _, p := range demoPlan {
		entry := p.entry
		entry.IssuerID = ids[p.issuer]
		plan = append(plan, entry)
	}
	if _, err := db.SetPlan(ctx, e.ID, sk.ID, organizer, plan); err != nil {
		return fmt.Errorf("demo plan: %w", err)
	}
	r := newIssuanceRunner(db, o.masterKey, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	defer r.close()
	batch, done, err := r.start(ctx, issueRequest{event: e, skill: sk, user: organizer, base: o.baseURL})
	if err != nil {
		return fmt.Errorf("demo issuance: %w", err)
	}
	<-done
	if batch, err = db.Batch(ctx, batch.ID); err != nil {
		return err
	}
	if batch.State != "issued" {
		return fmt.Errorf("demo issuance %s: %s", batch.State, batch.Error)
	}
	return nil
}

// demoCertificateURL is the verification URL of one of the demo's
// certificates (the first valid one of the finished skill), or "".
func demoCertificateURL(ctx context.Context, db *store.DB, event int64, base string) (string, error) {
	skills, err := db.Skills(ctx, event)
	if err != nil {
		return "", err
	}
	for _, sk := range skills {
		if sk.Code != demoFinishedSkill {
			continue
		}
		list, err := db.SkillCertificates(ctx, event, sk.ID)
		if err != nil {
			return "", err
		}
		for _, c := range list {
			if c.Status == store.CertValid {
				return certs.VerifyURL(base, c.PublicID), nil
			}
		}
	}
	return "", nil
}

// demoOptionsOf applies opts over the defaults.
func demoOptionsOf(db *store.DB, opts []DemoOption) (demoOptions, error) {
	var o demoOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.baseURL == "" {
		o.baseURL = demoDefaultBase
	}
	if o.masterKey == nil {
		key, err := LoadMasterKey(filepath.Dir(db.Path()), "")
		if err != nil {
			return o, err
		}
		o.masterKey = key
	}
	return o, nil
}
