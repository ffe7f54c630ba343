package server

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"bayskills/scoring"
	"bayskills/store"
)

// TestDemoFinishedSkill loads the demo and checks that its CNC skill tells
// the whole results story: realistic marks (not all alike), a divergence
// re-scored, an appeal upheld through an unlock with its reason, final
// results confirmed by the chief expert and the organizer, an audit trail
// that verifies and reproduces the stored results, and public results.
func TestDemoFinishedSkill(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	d, err := LoadDemo(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo loaded in %v", time.Since(start))
	skills, err := db.Skills(ctx, d.EventID)
	if err != nil {
		t.Fatal(err)
	}
	var cnc store.Skill
	for _, s := range skills {
		if s.Code == demoFinishedSkill {
			cnc = s
		}
	}
	r, err := db.Results(ctx, d.EventID, cnc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lifecycle.State != store.ResultsFinal || r.Lifecycle.AppealsClosedBy == 0 || r.Lifecycle.ChiefConfirmedBy == 0 ||
		r.Lifecycle.OrganizerConfirmedBy == 0 {
		t.Fatalf("CNC lifecycle %+v, want final with appeals closed and both confirmations", r.Lifecycle)
	}
	scores, awards := map[string]bool{}, map[scoring.Award]int{}
	for _, e := range r.Entries {
		scores[e.Score] = true
		awards[e.Award]++
	}
	if len(r.Entries) != 10 || len(scores) < 6 || awards[scoring.Gold] == 0 || awards[scoring.Silver]+awards[scoring.Bronze] == 0 {
		t.Fatalf("CNC results: %d entries, %d distinct scores, awards %v; want 10 varied results with medals", len(r.Entries), len(scores), awards)
	}
	trail, err := db.AuditTrail(ctx, cnc.ID, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var story []string
	updates := 0
	for _, e := range trail {
		switch e.Action {
		case store.ActionMarkUpdate:
			updates++
		case store.ActionUnlock:
			if !strings.Contains(string(e.After), "re-measured on the CMM") {
				t.Errorf("unlock without its reason: %s", e.After)
			}
			story = append(story, e.Action)
		case store.ActionResultsProvisional, store.ActionResultsReopen, store.ActionResultsAppealClosed,
			store.ActionResultsConfirm, store.ActionResultsFinal:
			story = append(story, e.Action)
		}
	}
	want := "results.provisional unlock results.reopen results.provisional results.appeals_closed results.confirm results.confirm results.final"
	if got := strings.Join(story, " "); got != want {
		t.Errorf("CNC lifecycle in the audit trail:\n got %s\nwant %s", got, want)
	}
	if updates < 2 { // the re-scored divergence, and the appeal's re-marks
		t.Errorf("%d mark updates in the trail, want the re-score and the appeal's", updates)
	}
	rep, err := db.VerifyAudit(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify of the demo: %v %v", err, rep.Problems)
	}
	st, err := db.EventStanding(ctx, d.EventID, true)
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, s := range st.Skills {
		shown += len(s.Entries)
	}
	if shown != 10 || len(st.Medals) == 0 {
		t.Errorf("public results show %d entries and medals %v, want CNC's 10 and a medal table", shown, st.Medals)
	}
}

// TestDemoResultsReproducible: two fresh demos give every competitor the
// same CNC score, though entry codes are drawn at random each time.
func TestDemoResultsReproducible(t *testing.T) {
	ctx := context.Background()
	scores := func() map[string]string {
		db, err := store.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		d, err := LoadDemo(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.Results(ctx, d.EventID, 1)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, e := range r.Entries {
			out[e.Competitors[0].NameLatin] = e.Score
		}
		return out
	}
	a, b := scores(), scores()
	if len(a) != 10 || !maps.Equal(a, b) {
		t.Errorf("two demos differ:\n%v\n%v", a, b)
	}
}
