package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"bayskills/apperr"
)

// clock is a settable time for lifecycle tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func wantCode(t *testing.T, what string, err error, code apperr.Code, text string) {
	t.Helper()
	if e := apperr.As(err); err == nil || e.Code != code || !strings.Contains(err.Error(), text) {
		t.Fatalf("%s: %v, want %s mentioning %q", what, err, code, text)
	}
}

func (g *judging) actions() []string {
	g.t.Helper()
	trail, err := g.db.AuditTrail(context.Background(), g.skill, 0, 1000)
	if err != nil {
		g.t.Fatal(err)
	}
	var out []string
	for _, e := range trail {
		if strings.HasPrefix(e.Action, "results.") {
			out = append(out, e.Action)
		}
	}
	return out
}

func (g *judging) verify() AuditReport {
	g.t.Helper()
	rep, err := g.db.VerifyAudit(context.Background())
	if err != nil {
		g.t.Fatal(err)
	}
	return rep
}

// TestResultsLifecycle walks a skill from marking to final results and back:
// provisional at the last sign-off, the appeal window, the two
// confirmations, refusals on the way, reopening by unlock, and a settings
// change that republishes.
func TestResultsLifecycle(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)}
	g.db.now = clk.now
	if _, err := g.db.UpdateEvent(ctx, g.event, g.user, EventPatch{Settings: &SettingsPatch{AppealWindowMinutes: ptr(60)}}); err != nil {
		t.Fatal(err)
	}
	g.markAll()
	_, err := g.db.ConfirmResults(ctx, g.event, g.skill, g.j["chief"], ConfirmChiefExpert)
	wantCode(t, "confirm while marking", err, apperr.Conflict, "signed off first")

	g.signAll()
	r, err := g.db.Results(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lifecycle.State != ResultsProvisional || len(r.Lifecycle.SHA256) != 64 || r.Lifecycle.AppealUntil != "2026-12-02T15:00:00.000Z" {
		t.Fatalf("after the last sign-off: %+v, want provisional results with a 60-minute appeal window", r.Lifecycle)
	}
	_, err = g.db.ConfirmResults(ctx, g.event, g.skill, g.j["chief"], ConfirmChiefExpert)
	wantCode(t, "confirm in the appeal window", err, apperr.Conflict, "appeal window is open until 2026-12-02T15:00:00.000Z")

	clk.advance(61 * time.Minute)
	if r, err = g.db.ConfirmResults(ctx, g.event, g.skill, g.j["chief"], ConfirmChiefExpert); err != nil || r.Lifecycle.State != ResultsProvisional {
		t.Fatalf("chief expert's confirmation: %+v %v, want still provisional", r.Lifecycle, err)
	}
	_, err = g.db.ConfirmResults(ctx, g.event, g.skill, g.j["chief"], ConfirmChiefExpert)
	wantCode(t, "second confirmation by the chief expert", err, apperr.Conflict, "already confirmed")
	r, err = g.db.ConfirmResults(ctx, g.event, g.skill, g.user, ConfirmOrganizer)
	if err != nil || r.Lifecycle.State != ResultsFinal || r.Lifecycle.FinalAt == "" || r.Lifecycle.OrganizerConfirmedBy != g.user {
		t.Fatalf("organizer's confirmation: %+v %v, want final", r.Lifecycle, err)
	}
	final := r
	_, err = g.db.ConfirmResults(ctx, g.event, g.skill, g.user, ConfirmOrganizer)
	wantCode(t, "finalising twice", err, apperr.Conflict, "already final")

	// A mark cannot change after final, and neither can the settings the
	// results were computed with; nothing is written by either attempt.
	marks, trail := g.countMarks(), len(g.actions())
	_, err = g.mark("j2", "late", "c1", "A1.2", 100, 1)
	wantCode(t, "changing a mark after final", err, apperr.Invalid, "nothing was saved")
	if e := apperr.As(err); len(e.Rows) != 1 || !strings.Contains(e.Rows[0].Fields["entry_id"], "signed off and locked") {
		t.Fatalf("changing a mark after final: rows %v, want the lock named", e.Rows)
	}
	_, err = g.db.UpdateEvent(ctx, g.event, g.user, EventPatch{Settings: &SettingsPatch{ScoreCentre: ptr(int64(500))}})
	wantCode(t, "changing the score centre after final", err, apperr.Conflict, "final results")
	if e, _ := g.db.Event(ctx, g.event); e.Settings.ScoreCentre != 700 || g.countMarks() != marks || len(g.actions()) != trail {
		t.Fatalf("refused changes left traces: centre %d, marks %d (was %d)", e.Settings.ScoreCentre, g.countMarks(), marks)
	}
	// Settings that do not touch results may still change.
	if _, err := g.db.UpdateEvent(ctx, g.event, g.user, EventPatch{Settings: &SettingsPatch{HideResults: ptr(true)}}); err != nil {
		t.Fatalf("hiding final results: %v", err)
	}
	if rep := g.verify(); !rep.OK() {
		t.Fatalf("audit verify of final results: %v", rep.Problems)
	}

	// The unlock path reopens the lifecycle.
	if err := g.db.Unlock(ctx, g.event, g.skill, g.j["chief"], g.c["c1"], g.sub["A1"], "Appeal by team HK: edge deburring re-checked"); err != nil {
		t.Fatal(err)
	}
	_, err = g.db.Results(ctx, g.event, g.skill)
	wantCode(t, "results after an unlock", err, apperr.Conflict, "1 of 6 are not")
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j2"], g.user, g.c["c1"], g.sub["A1"]); err != nil {
		t.Fatal(err)
	}
	r, err = g.db.Results(ctx, g.event, g.skill)
	if err != nil || r.Lifecycle.State != ResultsProvisional || r.Lifecycle.SHA256 != final.Lifecycle.SHA256 ||
		r.Lifecycle.AppealUntil != "2026-12-02T16:01:00.000Z" {
		t.Fatalf("after re-signing: %+v %v, want the same results provisional again with a new window", r.Lifecycle, err)
	}

	// A settings change republishes provisional results with a new window.
	clk.advance(10 * time.Minute)
	if _, err := g.db.UpdateEvent(ctx, g.event, g.user, EventPatch{Settings: &SettingsPatch{ScoreCentre: ptr(int64(500))}}); err != nil {
		t.Fatal(err)
	}
	r, err = g.db.Results(ctx, g.event, g.skill)
	if err != nil || r.Entries[1].Score != "500.00" || r.Params.ScoreCentre != 500 || r.Lifecycle.AppealUntil != "2026-12-02T16:11:00.000Z" {
		t.Fatalf("after moving the centre to 500: %+v %v", r.Lifecycle, err)
	}

	// Closing the appeal window early needs a reason, then confirmation may follow.
	_, err = g.db.CloseAppeals(ctx, g.event, g.skill, g.user, " ")
	wantCode(t, "closing appeals without a reason", err, apperr.Invalid, "reason")
	if r, err = g.db.CloseAppeals(ctx, g.event, g.skill, g.user, "All team leaders waived appeals"); err != nil ||
		r.Lifecycle.AppealUntil != "2026-12-02T15:11:00.000Z" || r.Lifecycle.AppealsClosedBy != g.user {
		t.Fatalf("closing appeals: %+v %v", r.Lifecycle, err)
	}
	_, err = g.db.CloseAppeals(ctx, g.event, g.skill, g.user, "again, to be sure")
	wantCode(t, "closing appeals twice", err, apperr.Conflict, "closed at")
	if _, err := g.db.ConfirmResults(ctx, g.event, g.skill, g.user, ConfirmOrganizer); err != nil {
		t.Fatal(err)
	}
	if r, err = g.db.ConfirmResults(ctx, g.event, g.skill, g.j["chief"], ConfirmChiefExpert); err != nil || r.Lifecycle.State != ResultsFinal {
		t.Fatalf("confirmations in the other order: %+v %v", r.Lifecycle, err)
	}

	want := []string{ActionResultsProvisional, ActionResultsConfirm, ActionResultsConfirm, ActionResultsFinal,
		ActionResultsReopen, ActionResultsProvisional, ActionResultsProvisional, ActionResultsAppealClosed,
		ActionResultsConfirm, ActionResultsConfirm, ActionResultsFinal}
	if got := g.actions(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit trail of the lifecycle:\n got %v\nwant %v", got, want)
	}
	if rep := g.verify(); !rep.OK() {
		t.Fatalf("audit verify: %v", rep.Problems)
	}
}

// TestStoredResultsReproducedFromAuditTrail: audit verify recomputes stored
// results from the marks the audit trail records, with the settings stored
// with them, and finds results or marks changed behind its back.
func TestStoredResultsReproducedFromAuditTrail(t *testing.T) {
	for _, tc := range []struct {
		name, tamper, want string
	}{
		{"results edited", `UPDATE skill_results SET results = replace(results, '"raw":"10.00"', '"raw":"11.00"')`,
			"differ from a recomputation"},
		{"settings edited", `UPDATE skill_results SET params = replace(params, '"score_centre":700', '"score_centre":701')`,
			"differ from a recomputation"},
		{"hash replaced", `UPDATE skill_results SET sha256 = '` + strings.Repeat("0", 64) + `'`,
			"differ from a recomputation"},
		{"mark and results edited together", `UPDATE marks SET value = 300 WHERE value = 100 AND aspect_id IN
			(SELECT id FROM aspects WHERE kind = 'M')`, "the marks table says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newJudging(t)
			g.markAll()
			g.signAll()
			if rep := g.verify(); !rep.OK() {
				t.Fatalf("untouched: %v", rep.Problems)
			}
			if _, err := g.db.write.Exec(tc.tamper); err != nil {
				t.Fatal(err)
			}
			rep := g.verify()
			if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Fatalf("after tampering: %v, want a problem mentioning %q", rep.Problems, tc.want)
			}
		})
	}
}

// TestSetupChangesAfterResults: a change of people or settings after
// results were published recomputes them in the same transaction —
// republished or reopened while provisional, refused once final — so the
// stored results never go stale.
func TestSetupChangesAfterResults(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.markAll()
	g.signAll()
	comps, err := g.db.Competitors(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	c1 := comps[0]
	if _, err := g.db.UpdateCompetitor(ctx, g.event, c1.ID, CompetitorPatch{NameLatin: ptr("Chan Ka Yan")}); err != nil {
		t.Fatal(err)
	}
	r, err := g.db.Results(ctx, g.event, g.skill)
	if err != nil || r.Lifecycle.State != ResultsProvisional || !strings.Contains(latinNames(r), "Chan Ka Yan") {
		t.Fatalf("after renaming a competitor: %+v %v, want republished provisional results with the new name", r.Lifecycle, err)
	}
	if rep := g.verify(); !rep.OK() {
		t.Fatalf("audit verify after republishing: %v", rep.Problems)
	}
	// Provisional results no longer complete go back to marking.
	if _, err := g.db.AddCompetitors(ctx, g.event, []CompetitorInput{{Skill: "CNC", NameNative: "丁", NameLatin: "D",
		Region: "HK", Institution: "Inst Z"}}); err != nil {
		t.Fatal(err)
	}
	_, err = g.db.Results(ctx, g.event, g.skill)
	wantCode(t, "results after a late competitor", err, apperr.Conflict, "2 of 8 are not")
	if got := g.actions(); got[len(got)-1] != ActionResultsReopen {
		t.Fatalf("lifecycle trail %v, want a reopen last", got)
	}
	comps, _ = g.db.Competitors(ctx, g.event, g.skill)
	if err := g.db.DeleteCompetitor(ctx, g.event, comps[len(comps)-1].ID); err != nil {
		t.Fatal(err)
	}
	// Nothing republished the results: the next sign-off does. Unlock and
	// re-sign one sub-criterion to publish, then finalise.
	if err := g.db.Unlock(ctx, g.event, g.skill, g.j["chief"], g.c["c2"], g.sub["B1"], "Re-measure bore of c2"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j2"], g.user, g.c["c2"], g.sub["B1"]); err != nil {
		t.Fatal(err)
	}
	g.mustConfirmBoth()
	_, err = g.db.UpdateCompetitor(ctx, g.event, c1.ID, CompetitorPatch{NameLatin: ptr("Chan Ka-yan")})
	wantCode(t, "renaming after final", err, apperr.Conflict, "final results of skill CNC")
	if c, _ := g.db.Competitor(ctx, g.event, c1.ID); c.NameLatin != "Chan Ka Yan" {
		t.Fatalf("refused rename was written: %q", c.NameLatin)
	}
}

func latinNames(r Results) string {
	var b strings.Builder
	for _, e := range r.Entries {
		for _, c := range e.Competitors {
			b.WriteString(c.NameLatin + ";")
		}
	}
	return b.String()
}

// mustConfirmBoth confirms provisional results (the fixture's event has no
// appeal window) as chief expert and organizer.
func (g *judging) mustConfirmBoth() {
	g.t.Helper()
	ctx := context.Background()
	if _, err := g.db.ConfirmResults(ctx, g.event, g.skill, g.j["chief"], ConfirmChiefExpert); err != nil {
		g.t.Fatal(err)
	}
	if r, err := g.db.ConfirmResults(ctx, g.event, g.skill, g.user, ConfirmOrganizer); err != nil || r.Lifecycle.State != ResultsFinal {
		g.t.Fatalf("confirm: %+v %v", r.Lifecycle, err)
	}
}

// TestResultSettingsValidated: every result setting out of range is named,
// and nothing changes.
func TestResultSettingsValidated(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	before, _ := g.db.Event(ctx, g.event)
	_, err := g.db.UpdateEvent(ctx, g.event, g.user, EventPatch{Settings: &SettingsPatch{ScoreCentre: ptr(int64(-1)),
		ScoreSpread: ptr(int64(1001)), MedallionAt: ptr(10000.5), ExcellencePercent: ptr(101),
		AppealWindowMinutes: ptr(10081), TieThreshold: ptr(-0.1)}})
	e := apperr.As(err)
	if e.Code != apperr.Invalid || len(e.Fields) != 6 || e.Fields["settings.score_spread"] !=
		"must be between 1 and 1000 points per standard deviation" {
		t.Fatalf("out-of-range settings: %v %v, want all 6 named", err, e.Fields)
	}
	if ev, _ := g.db.Event(ctx, g.event); ev != before {
		t.Errorf("event after a refused change: %+v, want %+v", ev, before)
	}
}
