package store

import (
	"context"
	"testing"

	"bayskills/apperr"
)

func fakeHash(pin string) (string, error) { return "hash:" + pin, nil }

func TestAddJudges(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := newEvent(t, db)
	_, err := db.AddJudges(ctx, ev, []JudgeInput{
		{Line: 2, Username: "jdg1", DisplayName: "JDG1", Region: "GD", Institution: "X", Skill: "CNC", Role: "chief_expert"},
		{Line: 3, Username: "jdg2", DisplayName: "J2", Region: "HK", Institution: "Y", Skill: "CNC", Role: "chief_expert"},
		{Line: 4, Username: "JDG1", DisplayName: "J1 again", Region: "GD", Institution: "X"},
		{Line: 5, Username: "jdg 4", DisplayName: "", Region: "XX", Institution: "X", PIN: "12"},
	}, fakeHash)
	e := apperr.As(err)
	want := map[int][]string{3: {"role"}, 4: {"username"}, 5: {"username", "display_name", "region", "pin"}}
	if e.Code != apperr.Invalid || len(e.Rows) != len(want) {
		t.Fatalf("err = %v rows %+v, want %d bad rows", err, e.Rows, len(want))
	}
	for _, r := range e.Rows {
		for _, f := range want[r.Line] {
			if r.Fields[f] == "" {
				t.Errorf("line %d: no problem on %s (got %v)", r.Line, f, r.Fields)
			}
		}
	}
	if n, _ := db.CountUsers(ctx); n != 1 {
		t.Fatalf("users = %d after a failed import, want 1 (the organizer)", n)
	}

	got, err := db.AddJudges(ctx, ev, []JudgeInput{
		{Username: "jdg1", DisplayName: "JDG1", Region: "GD", Institution: "X", Skill: "CNC", Role: "chief_expert", PIN: "654321"},
		{Username: "jdg2", DisplayName: "J2", Region: "HK", Institution: "Y", Skill: "CNC"},
	}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Judge{}
	for _, j := range got {
		byName[j.Username] = j
	}
	if byName["jdg1"].PIN != "" {
		t.Errorf("j1 PIN returned %q, want none (it was given)", byName["jdg1"].PIN)
	}
	if msg := CheckPIN(byName["jdg2"].PIN); msg != "" {
		t.Errorf("generated PIN %q %s", byName["jdg2"].PIN, msg)
	}
	if r := byName["jdg2"].Skills; len(r) != 1 || r[0].Role != SkillJudge {
		t.Errorf("j2 skills = %+v, want CNC as judge", r)
	}
	u, _ := db.UserByName(ctx, "jdg2")
	if u.PINHash != "hash:"+byName["jdg2"].PIN {
		t.Errorf("stored PIN hash %q does not match the generated PIN", u.PINHash)
	}

	// A second chief expert is refused; promoting after demoting works.
	j2 := byName["jdg2"]
	if _, err := db.AssignJudge(ctx, ev, j2.Skills[0].SkillID, j2.ID, SkillChiefExpert); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("second chief expert: err = %v, want conflict", err)
	}
	if _, err := db.AssignJudge(ctx, ev, j2.Skills[0].SkillID, byName["jdg1"].ID, SkillJudge); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignJudge(ctx, ev, j2.Skills[0].SkillID, j2.ID, SkillChiefExpert); err != nil {
		t.Fatalf("chief expert after the old one stepped down: %v", err)
	}
}

func TestJudgeAccountServesSeveralEvents(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev1, ev2 := newEvent(t, db), newEvent(t, db)
	in := []JudgeInput{{Username: "expert", DisplayName: "E", Region: "MO", Institution: "X", PIN: "111222"}}
	a, err := db.AddJudges(ctx, ev1, in, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddJudges(ctx, ev2, []JudgeInput{{Username: "expert", DisplayName: "E", Region: "MO", Institution: "Z",
		PIN: "999000"}}, fakeHash); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("setting the PIN of an existing account from another event: err = %v, want invalid", err)
	}
	b, err := db.AddJudges(ctx, ev2, []JudgeInput{{Username: "EXPERT", DisplayName: "E", Region: "MO", Institution: "Z"}}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	if a[0].UserID != b[0].UserID || b[0].PIN != "" {
		t.Fatalf("second event: user %d PIN %q, want the same account %d and its PIN kept", b[0].UserID, b[0].PIN, a[0].UserID)
	}
	// The shared account's credentials change only through an admin.
	if _, err := db.UpdateJudge(ctx, ev2, b[0].ID, JudgePatch{PIN: ptr("123123")}, false, fakeHash); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("organizer resetting a shared judge's PIN: err = %v, want forbidden", err)
	}
	if _, err := db.UpdateJudge(ctx, ev2, b[0].ID, JudgePatch{Institution: ptr("Other")}, false, fakeHash); err != nil {
		t.Fatalf("per-event institution change: %v", err)
	}
	if _, err := db.UpdateJudge(ctx, ev2, b[0].ID, JudgePatch{PIN: ptr("123123")}, true, fakeHash); err != nil {
		t.Fatalf("admin resetting a shared judge's PIN: %v", err)
	}
	if u, _ := db.UserByName(ctx, "expert"); u.PINHash != "hash:123123" {
		t.Fatalf("PIN hash %q after the admin's reset", u.PINHash)
	}
	if _, err := db.AddJudges(ctx, ev1, in, fakeHash); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("same judge twice in one event: err = %v, want invalid", err)
	}
	if _, err := db.AddJudges(ctx, ev1, []JudgeInput{{Username: db.mustOrganizer(t), DisplayName: "O", Region: "MO",
		Institution: "X"}}, fakeHash); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("organizer username as judge: err = %v, want invalid", err)
	}
}

func (db *DB) mustOrganizer(t *testing.T) string {
	var name string
	if err := db.read.QueryRow(`SELECT username FROM users WHERE role = 'organizer' LIMIT 1`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}
