package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"bayskills/scoring"
	"bayskills/store"
)

// catalogScript is the page's catalog for scripts, which holds every text.
var catalogScript = regexp.MustCompile(`(?s)<script type="application/json" id="i18n">.*?</script>`)

// consolePage is a console page as role, failing unless it answers want,
// without its catalog for scripts (what the page shows, not all it could).
func (f *fixture) consolePage(role, path string, want int) string {
	f.t.Helper()
	r := f.do("GET", path, role, nil)
	if r.Status != want {
		f.t.Fatalf("GET %s as %s: status %d, want %d: %.300s", path, role, r.Status, want, r.Body)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(r.Body)), "</html>") {
		// A template that fails half-way has answered 200 already.
		f.t.Fatalf("GET %s as %s: the page stops short: …%s", path, role, r.Body[max(0, len(r.Body)-300):])
	}
	return catalogScript.ReplaceAllString(string(r.Body), "")
}

// TestConsolePages: each console page shows its data to those who may see
// it, in the page language.
func TestConsolePages(t *testing.T) {
	f := newFixture(t)
	authzJudgingSetup(authzFinal)(t, f)
	skill := f.path("/console/events/%d/skills/%d", "event", "skill")
	for _, tc := range []struct {
		name, role, path string
		want, absent     []string
	}{
		{"home of an organizer", asOrganizer, "/console",
			[]string{"Test Skills 2026", f.path(`href="/console/events/%d"`, "event"), "Create an event", `data-url="/api/v1/events"`},
			[]string{"Other Event", "Skills you lead"}},
		{"home of the admin lists every event", asAdmin, "/console", []string{"Test Skills 2026", "Other Event"}, nil},
		{"home of a chief expert: their skill, no event form", asChief, "/console",
			[]string{"Skills you lead as chief expert", skill + "/progress"}, []string{"Create an event"}},
		{"event: skills with their results, medals", asOrganizer, f.path("/console/events/%d", "event"),
			[]string{"CNC", "HAIR", `state-final`, "Medal table by region", f.path(`href="/results/%d"`, "event"),
				"Chief", f.path(`data-url="/api/v1/events/%d/skills"`, "event"), f.path(`data-url="/api/v1/events/%d"`, "event")},
			nil},
		{"people: competitors, judges, imports, badges", asOrganizer, f.path("/console/events/%d/people", "event"),
			[]string{"陈大文", "CHAN Tai Man", "R-2", "judge_gd", "Inst MO 2", "competitors/import", "judges/import",
				f.path(`<form method="post" action="/api/v1/events/%d/judges/badges"`, "event")}, nil},
		{"scheme, locked by marking", asChief, skill,
			[]string{"Every dimension within tolerance", "100 of 100 marks in 1 aspects", "The scheme is locked"},
			[]string{`id="scheme-upload"`}},
		{"panels with the conflicts of interest", asOrganizer, skill + "/panels",
			[]string{"A1", "Judge GD", f.path(`data-url="/api/v1/events/%d/skills/%d/panels/%d"`, "event", "skill", "sub"),
				"panels/generate", "No judge marks a competitor of their own institution", "陈大文"}, nil},
		{"progress for an organizer: names, no unlock", asOrganizer, skill + "/progress",
			[]string{`id="progress-grid"`, "陈大文", "st-signed_off", "Only the skill&#39;s chief expert can unlock"},
			[]string{`id="unlock-form"`}},
		{"progress for the chief expert: the unlock", asChief, skill + "/progress",
			[]string{`id="unlock-form"`, f.path(`data-url="/api/v1/events/%d/skills/%d/unlocks"`, "event", "skill")}, nil},
		{"audit trail, newest first, readable", asChief, skill + "/audit",
			[]string{"Results final", "Results confirmed", "as chief expert", "Signed off", "Mark entered", "Panel set",
				"Scheme replaced", "judge_gd"}, nil},
		{"results: final, table, formula, charts, exports", asOrganizer, skill + "/results",
			[]string{`id="results-state">Final`, "李小明", "CHAN Tai Man", "Standardised score", "charts/scores.svg",
				"charts/severity.svg", "results/export?format=xlsx", "marks/export?format=csv", "results/sheet.pdf",
				"Chief expert&#39;s confirmation"}, []string{`id="confirm-results"`}},
		{"a page in Chinese", asOrganizer, skill + "/results?lang=zh-Hans", []string{`<html lang="zh-Hans">`, "成绩"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			body := f.consolePage(tc.role, tc.path, http.StatusOK)
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(body, a) {
					t.Errorf("page shows %q", a)
				}
			}
		})
	}
}

// TestConsoleRefusals: judges have no console; organizers of another event
// and judges get 403 pages on an event's and a skill's pages; a skill of
// another event is not found under this one; the anonymous are sent to
// sign in.
func TestConsoleRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other, err := f.db.CreateSkill(ctx, f.ids["otherEvent"], store.SkillInput{Code: "WEB", Name: store.Names{En: "Web"}})
	if err != nil {
		t.Fatal(err)
	}
	f.consolePage(asJudge, "/console", http.StatusForbidden)
	f.consolePage(asJudgeOther, "/console", http.StatusForbidden)
	for _, s := range authzConsoleScenarios() {
		if !strings.Contains(s.path, ":event") {
			continue
		}
		u := s.url(f)
		for _, role := range []string{asOrganizerOther, asJudge, asJudgeOther} {
			if !strings.Contains(s.path, ":skill") || role != asJudge {
				if body := f.consolePage(role, u, http.StatusForbidden); !strings.Contains(body, "may not open this page") {
					t.Errorf("GET %s as %s: not the forbidden page", u, role)
				}
			}
		}
		if r := f.do("GET", u, asAnonymous, nil); r.Status != http.StatusSeeOther ||
			r.Header.Get("Location") != "/login?next="+strings.ReplaceAll(u, "/", "%2F") {
			t.Errorf("GET %s anonymously: %d to %q", u, r.Status, r.Header.Get("Location"))
		}
		if strings.Contains(s.path, ":skill") {
			// A judge of the skill is no lead of it; another event's skill does not exist here.
			f.consolePage(asJudge, u, http.StatusForbidden)
			foreign := strings.Replace(u, fmt.Sprintf("/skills/%d", f.ids["skill"]), fmt.Sprintf("/skills/%d", other.ID), 1)
			f.consolePage(asOrganizer, foreign, http.StatusNotFound)
		}
	}
}

// TestConsoleResultsLifecycle: the results page offers what the lifecycle
// allows next: closing an open appeal window (organizers only), then each
// confirmation once.
func TestConsoleResultsLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	authzJudgingSetup(authzSignedOff)(t, f)
	window := 120
	if _, err := f.db.UpdateEvent(ctx, f.ids["event"], f.ids["user:"+asAdmin],
		store.EventPatch{Settings: &store.SettingsPatch{AppealWindowMinutes: &window}}); err != nil {
		t.Fatal(err)
	}
	comps, err := f.db.Competitors(ctx, f.ids["event"], f.ids["skill"])
	if err != nil {
		t.Fatal(err)
	}
	results := f.path("/console/events/%d/skills/%d/results", "event", "skill")
	if body := f.consolePage(asOrganizer, results, http.StatusOK); !strings.Contains(body, "No results yet") ||
		!strings.Contains(body, "state-marking") {
		t.Fatal("while marking, the page does not say results wait for sign-offs")
	}
	for _, c := range comps {
		if c.EntryID == f.ids["entry"] {
			continue
		}
		if _, err := f.db.SubmitMarks(ctx, f.ids["event"], f.ids["skill"], f.ids["judge_gd"], f.ids["user:judge_gd"],
			[]store.MarkInput{{Key: "lifecycle", EntryID: c.EntryID, AspectID: f.ids["aspect"], Value: 5000}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SignOff(ctx, f.ids["event"], f.ids["skill"], f.ids["judge_gd"], f.ids["user:judge_gd"], c.EntryID,
			f.ids["sub"]); err != nil {
			t.Fatal(err)
		}
	}
	f.now = time.Now()
	body := f.consolePage(asOrganizer, results, http.StatusOK)
	for _, w := range []string{`id="results-state">Provisional`, "The appeal window is open until", `id="close-appeals"`} {
		if !strings.Contains(body, w) {
			t.Errorf("provisional, appeal window open, as organizer: page lacks %q", w)
		}
	}
	if strings.Contains(body, `id="confirm-results"`) {
		t.Error("confirmation offered while the appeal window is open")
	}
	body = f.consolePage(asChief, results, http.StatusOK)
	if strings.Contains(body, `id="close-appeals"`) || !strings.Contains(body, "Only an organizer can close") {
		t.Error("the chief expert is offered to close the appeal window")
	}
	if _, err := f.db.CloseAppeals(ctx, f.ids["event"], f.ids["skill"], f.ids["user:"+asOrganizer], "no appeal"); err != nil {
		t.Fatal(err)
	}
	f.now = time.Now()
	body = f.consolePage(asChief, results, http.StatusOK)
	if !strings.Contains(body, "Confirm the results as chief expert") {
		t.Error("appeal window closed: the chief expert is not offered to confirm")
	}
	if _, err := f.db.ConfirmResults(ctx, f.ids["event"], f.ids["skill"], f.ids["user:"+asChief], store.ConfirmChiefExpert); err != nil {
		t.Fatal(err)
	}
	body = f.consolePage(asChief, results, http.StatusOK)
	if strings.Contains(body, `id="confirm-results"`) || !strings.Contains(body, "You have confirmed") {
		t.Error("the chief expert is offered to confirm twice")
	}
	body = f.consolePage(asOrganizer, results, http.StatusOK)
	if !strings.Contains(body, "Confirm the results as organizer") || !strings.Contains(body, "✓ Chief") {
		t.Error("the organizer is not offered to confirm after the chief expert")
	}
}

// TestConsoleAuditPaging: the audit trail in either order, a page at a
// time, filtered by action, and jumping to the page of an entry number.
func TestConsoleAuditPaging(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	authzJudgingSetup(authzMarked)(t, f)
	// A judge who changes their mind a hundred times fills three pages.
	for v := int64(1); v <= 100; v++ {
		if _, err := f.db.SubmitMarks(ctx, f.ids["event"], f.ids["skill"], f.ids["judge_gd"], f.ids["user:judge_gd"],
			[]store.MarkInput{{Key: fmt.Sprint("change-", v), EntryID: f.ids["entry"], AspectID: f.ids["aspect"],
				Value: scoring.Centi(v * 50), Version: v}}); err != nil {
			t.Fatal(err)
		}
	}
	trail, err := f.db.AuditTrail(ctx, f.ids["skill"], 0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	n := len(trail)
	audit := f.path("/console/events/%d/skills/%d/audit", "event", "skill")
	seqs := regexp.MustCompile(`<td class="num">(\d+)</td>`)
	shown := func(query string) []string {
		var out []string
		for _, m := range seqs.FindAllStringSubmatch(f.consolePage(asOrganizer, audit+query, http.StatusOK), -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, tc := range []struct {
		query       string
		rows        int
		first, last int64
	}{
		{"", auditPageSize, trail[n-1].Seq, trail[n-auditPageSize].Seq},
		{"?page=3", n - 2*auditPageSize, trail[n-2*auditPageSize-1].Seq, trail[0].Seq},
		{"?order=asc", auditPageSize, trail[0].Seq, trail[auditPageSize-1].Seq},
		{fmt.Sprintf("?order=asc&seq=%d", trail[auditPageSize+3].Seq), auditPageSize, trail[auditPageSize].Seq,
			trail[2*auditPageSize-1].Seq},
		{"?action=panel.set", 1, trail[1].Seq, trail[1].Seq},
		{"?page=99&order=sideways&action=%3Cscript%3E", n - 2*auditPageSize, trail[n-2*auditPageSize-1].Seq, trail[0].Seq},
	} {
		got := shown(tc.query)
		if len(got) != tc.rows || got[0] != fmt.Sprint(tc.first) || got[len(got)-1] != fmt.Sprint(tc.last) {
			t.Errorf("audit%s: %d rows %v…%v, want %d rows %d…%d", tc.query, len(got), got[:min(1, len(got))],
				got[max(0, len(got)-1):], tc.rows, tc.first, tc.last)
		}
	}
	body := f.consolePage(asOrganizer, audit, http.StatusOK)
	for _, w := range []string{fmt.Sprintf("%d entries · page 1 of 3", n), "Mark changed", "Judge GD", "49.5 → 50", `rel="next"`} {
		if !strings.Contains(body, w) {
			t.Errorf("audit page lacks %q", w)
		}
	}
}

// TestConsoleBlindJudging: under blind judging a chief expert's dashboard
// shows competitor codes only; organizers still see names.
func TestConsoleBlindJudging(t *testing.T) {
	f := newFixture(t)
	blind := true
	if _, err := f.db.UpdateEvent(context.Background(), f.ids["event"], f.ids["user:"+asAdmin],
		store.EventPatch{Settings: &store.SettingsPatch{BlindJudging: &blind}}); err != nil {
		t.Fatal(err)
	}
	authzJudgingSetup(authzPanel)(t, f)
	progress := f.path("/console/events/%d/skills/%d/progress", "event", "skill")
	if body := f.consolePage(asChief, progress, http.StatusOK); strings.Contains(body, "陈大文") || strings.Contains(body, "李小明") {
		t.Error("the chief expert sees competitor names under blind judging")
	}
	if body := f.consolePage(asOrganizer, progress, http.StatusOK); !strings.Contains(body, "陈大文") {
		t.Error("the organizer does not see competitor names")
	}
}

// TestConsoleFlash: ?done= announces a known outcome and nothing else.
func TestConsoleFlash(t *testing.T) {
	f := newFixture(t)
	if body := f.consolePage(asOrganizer, "/console?done=event", http.StatusOK); !strings.Contains(body, "The event is created") {
		t.Error("?done=event is not announced")
	}
	if body := f.consolePage(asOrganizer, "/console?done=%3Cb%3Ex", http.StatusOK); strings.Contains(body, `class="notice ok"`) {
		t.Error("an unknown ?done= is announced")
	}
}

// TestConsoleCertificates: the organizers' Certificates tab shows the
// recognition plan as a table to edit (the levels of each issuer's
// framework, those a Mainland number cannot carry refused up front), the
// issuance, followed by ?batch=, and every certificate issued, superseded
// ones marked; the chief expert has no such tab.
func TestConsoleCertificates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	certSetup(certIssued, nil)(t, f)
	page := f.path("/console/events/%d/skills/%d/certificates", "event", "skill")
	list, err := f.db.SkillCertificates(ctx, f.ids["event"], f.ids["skill"])
	if err != nil || len(list) != 6 {
		t.Fatalf("fixture certificates: %d, %v; want 6", len(list), err)
	}
	var first []string // the first issuance's certificates, by their links
	for _, c := range list {
		first = append(first, `<a href="/v/`+c.PublicID+`">`, f.path(`/api/v1/events/%d/skills/%d/certificates/`, "event", "skill")+
			c.PublicID+".pdf", c.Number)
	}
	body := f.consolePage(asOrganizer, page, http.StatusOK)
	for _, w := range append([]string{
		`id="plan-table"`, `<template id="plan-row-model">`,
		f.path(`<option value="%d" selected>GD-TEST</option>`, "issuer:GD"),
		f.path(`<option value="%d" selected>MO-TEST</option>`, "issuer:MO"),
		`<option value="3" selected>Level 3 (Advanced Skilled Worker)</option>`,
		`<option value="apprentice" disabled>Apprentice</option>`, "Greyed-out levels have no digit",
		`<option value="advanced" selected>Advanced level</option>`,
		`value="TEST-AGREEMENT-1"`,
		f.path(`<template data-levels-of="%d"><option value="1">QF Level 1</option>`, "issuer:HK"),
		f.path(`data-url="/api/v1/events/%d/skills/%d/plan"`, "event", "skill"),
		f.path(`data-url="/api/v1/events/%d/skills/%d/issuances"`, "event", "skill"),
		"6 are valid now", "6 valid · 0 superseded · 0 revoked or suspended", `data-state="issued"`,
		f.path(`href="/api/v1/events/%d/skills/%d/certificates.zip"`, "event", "skill"), "陈大文", "CHAN Tai Man",
	}, first...) {
		if !strings.Contains(body, w) {
			t.Errorf("certificates tab lacks %q", w)
		}
	}
	for _, a := range []string{`id="issue-why"`, ` disabled aria-describedby="issue-why"`, `id="hide-superseded"`, `data-state="running"`} {
		if strings.Contains(body, a) {
			t.Errorf("certificates tab of final results, issued once, shows %q", a)
		}
	}
	if n := strings.Count(body, `<tr class="plan-row">`); n != 4 {
		t.Errorf("%d plan rows, want the plan's 3 and the model", n)
	}
	if n := strings.Count(body, `<tr class="status-valid`); n != 6 {
		t.Errorf("%d valid certificates listed, want 6", n)
	}

	// One is revoked; issued again, the page follows the batch it is given
	// and lists the superseded certificates beside the new ones, the
	// revoked one as it is.
	if _, err := f.db.SetCertificateStatus(ctx, list[0].PublicID, store.StatusChange{Status: store.CertRevoked,
		Reason: "the holder's identity was mistaken"}, f.ids["user:"+asAdmin]); err != nil {
		t.Fatal(err)
	}
	b := f.issue()
	body = f.consolePage(asOrganizer, fmt.Sprintf("%s?batch=%d&done=issued", page, b.ID), http.StatusOK)
	for _, w := range []string{"The certificates are issued.", fmt.Sprintf(`data-batch="%d" data-state="issued"`, b.ID),
		"6 of 6 certificates", fmt.Sprintf("Issuance no. %d", b.ID), "6 valid · 5 superseded · 1 revoked or suspended",
		`id="hide-superseded"`, `<span class="badge cert-revoked">Revoked</span>`, "the holder&#39;s identity was mistaken"} {
		if !strings.Contains(body, w) {
			t.Errorf("after issuing again, the tab lacks %q", w)
		}
	}
	if n := strings.Count(body, `<tr class="status-superseded`); n != 5 {
		t.Errorf("%d superseded certificates listed, want 5", n)
	}
	audit := f.consolePage(asOrganizer, f.path("/console/events/%d/skills/%d/audit", "event", "skill"), http.StatusOK)
	for _, w := range []string{"Certificates issued", "6 certificates · SHA-256 ", "Recognition plan set", "3 plan entries",
		"Certificate status changed", list[0].PublicID + ": Valid → Revoked “the holder&#39;s identity was mistaken”"} {
		if !strings.Contains(audit, w) {
			t.Errorf("the audit trail lacks %q", w)
		}
	}
	for _, w := range first {
		if !strings.Contains(body, w) {
			t.Errorf("after issuing again, the superseded %q is not listed", w)
		}
	}

	// A failed batch says why; another skill's batch is not shown.
	failed, err := f.db.StartBatch(ctx, f.ids["skill"], f.ids["user:"+asOrganizer], "0000", 6)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.FailBatch(ctx, failed.ID, "no glyph for 𠀀 in the holder's name"); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{fmt.Sprintf("%s?batch=%d", page, failed.ID), page} {
		// Named by ?batch=, or, after a reload without it, as the latest.
		body = f.consolePage(asOrganizer, url, http.StatusOK)
		for _, w := range []string{fmt.Sprintf(`data-batch="%d" data-state="failed"`, failed.ID), "Nothing was issued. The reason:",
			"no glyph for 𠀀 in the holder&#39;s name"} {
			if !strings.Contains(body, w) {
				t.Errorf("failed batch: %s lacks %q", url, w)
			}
		}
	}
	// The API lists the skill's issuances, newest first.
	var batches []store.Batch
	f.do("GET", f.path("/api/v1/events/%d/skills/%d/issuances", "event", "skill"), asOrganizer, nil).JSON(t, &batches)
	var states []string
	for _, x := range batches {
		states = append(states, fmt.Sprint(x.ID, " ", x.State))
	}
	if len(batches) != 3 || batches[0].ID != failed.ID || batches[1].ID != b.ID || batches[2].ID >= b.ID ||
		batches[2].State != "issued" {
		t.Errorf("issuances: %v, want %d failed, %d issued and the first, issued", states, failed.ID, b.ID)
	}
	other := f.path("/console/events/%d/skills/%d/certificates", "event", "otherSkill")
	if body := f.consolePage(asOrganizer, fmt.Sprintf("%s?batch=%d", other, b.ID), http.StatusOK); strings.Contains(body, "data-batch=") {
		t.Error("a skill's tab shows another skill's batch")
	}

	// In Chinese, levels and statuses are named in Chinese.
	body = f.consolePage(asOrganizer, page+"?lang=zh-Hans", http.StatusOK)
	for _, w := range []string{`<option value="3" selected>三级/高级工</option>`, `<option value="4" selected>资历架构第四级</option>`,
		"已取代", "认定方案"} {
		if !strings.Contains(body, w) {
			t.Errorf("tab in zh-Hans lacks %q", w)
		}
	}

	// The tab is the organizers': the chief expert neither sees nor opens it.
	results := f.path("/console/events/%d/skills/%d/results", "event", "skill")
	if body := f.consolePage(asOrganizer, results, http.StatusOK); !strings.Contains(body, `href="`+page+`"`) {
		t.Error("the organizer's skill tabs lack the certificates")
	}
	if body := f.consolePage(asChief, results, http.StatusOK); strings.Contains(body, "/certificates") {
		t.Error("the chief expert's skill tabs link the certificates")
	}
	f.consolePage(asChief, page, http.StatusForbidden)
}

// TestConsoleCertificatesBeforeFinal: while results are provisional, the
// issuance is offered disabled with the reason; without issuers, the plan
// says who creates them.
func TestConsoleCertificatesBeforeFinal(t *testing.T) {
	f := newFixture(t)
	authzJudgingSetup(authzAllSignedOff)(t, f)
	body := f.consolePage(asOrganizer, f.path("/console/events/%d/skills/%d/certificates", "event", "skill"), http.StatusOK)
	for _, w := range []string{"these results are: Provisional.", `<button type="submit" class="primary" disabled aria-describedby="issue-why">`,
		"There are no certificate issuers yet", "No plan yet", "No certificates issued yet."} {
		if !strings.Contains(body, w) {
			t.Errorf("certificates tab of provisional results lacks %q", w)
		}
	}
	if strings.Contains(body, `id="plan-add"`) {
		t.Error("rows can be added to a plan with no issuer to choose")
	}
}

// TestConsoleIssuers: the admin's issuers page lists each issuer with its
// numbering and keys and offers the form that creates one; the console
// home links it for the admin only.
func TestConsoleIssuers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	certSetup(certIssuers, nil)(t, f)
	body := f.consolePage(asAdmin, "/console/issuers", http.StatusOK)
	want := []string{"GD-TEST", "广东测试评价中心", "Guangdong Test Evaluation Centre", "HK-TEST", "香港測試評審中心",
		"Centro de Certificação de Teste de Macau", "Mainland national (22 characters)",
		"evaluator Y · organisation 0001 · province 44 · site 000123", "<code>HKT-{year}-{serial:6}</code>",
		"<code>CN-VSL</code>", "Hong Kong Qualifications Framework", "certificates do not expire", "繁體中文 · English", "繁體中文 · Português · English",
		`data-url="/api/v1/issuers"`, `name="number_template"`, `name="org_code"`, `data-list="text"`}
	for _, region := range []string{"GD", "HK", "MO"} {
		keys, err := f.db.IssuerKeys(ctx, f.ids["issuer:"+region])
		if err != nil || len(keys) != 2 {
			t.Fatalf("keys of %s: %v, %v", region, keys, err)
		}
		for _, k := range keys {
			want = append(want, "<code>"+k.KID+"</code>")
		}
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("issuers page lacks %q", w)
		}
	}
	if strings.Contains(body, "-----BEGIN") || strings.Contains(body, `"d":`) {
		t.Error("the issuers page shows key material")
	}
	if body := f.consolePage(asAdmin, "/console", http.StatusOK); !strings.Contains(body, `href="/console/issuers"`) {
		t.Error("the admin's console home does not link the issuers")
	}
	if body := f.consolePage(asOrganizer, "/console", http.StatusOK); strings.Contains(body, "/console/issuers") {
		t.Error("an organizer's console home links the issuers")
	}
	f.consolePage(asOrganizer, "/console/issuers", http.StatusForbidden)
	if body := f.consolePage(asAdmin, "/console/issuers?done=issuer", http.StatusOK); !strings.Contains(body,
		"The issuer is created with its signing keys.") {
		t.Error("?done=issuer is not announced")
	}
}
