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
