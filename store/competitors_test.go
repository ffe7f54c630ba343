package store

import (
	"context"
	"testing"

	"bayskills/apperr"
)

func TestAddCompetitorsAllOrNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := newEvent(t, db)
	rows := []CompetitorInput{
		{Line: 2, Skill: "CNC", Ref: "A1", NameNative: "陈大文", NameLatin: "CHAN Tai Man", Region: "hk", Institution: "X"},
		{Line: 3, Skill: "WELD", NameNative: "李四", NameLatin: "LI Si", Region: "GD", Institution: "Y"},
		{Line: 4, Skill: "CNC", Ref: "a1", NameNative: "王五", NameLatin: "WANG Wu", Region: "GD", Institution: "Y"},
		{Line: 5, Skill: "CNC", NameNative: "", NameLatin: "NOBODY", Region: "TW", Institution: "Y"},
		{Line: 6, Skill: "CNC", NameNative: "陈大文", NameLatin: "chan tai man", Region: "HK", Institution: "x"},
		{Line: 7, Skill: "CNC", NameNative: "赵六", NameLatin: "ZHAO Liu", Region: "GD", Institution: "Y", Team: "T"},
	}
	_, err := db.AddCompetitors(ctx, ev, rows)
	e := apperr.As(err)
	if e.Code != apperr.Invalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	want := map[int][]string{3: {"skill"}, 4: {"ref"}, 5: {"name_native", "region"}, 6: {"name_native"}, 7: {"team"}}
	if len(e.Rows) != len(want) {
		t.Fatalf("%d bad rows reported (%+v), want %d", len(e.Rows), e.Rows, len(want))
	}
	for _, r := range e.Rows {
		for _, f := range want[r.Line] {
			if r.Fields[f] == "" {
				t.Errorf("line %d: no problem reported on %s (got %v)", r.Line, f, r.Fields)
			}
		}
	}
	if got, _ := db.Competitors(ctx, ev, 0); len(got) != 0 {
		t.Fatalf("%d competitors written after a failed import, want 0", len(got))
	}
	// The good row alone goes in, normalized.
	got, err := db.AddCompetitors(ctx, ev, rows[:1])
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Region != HongKong || len(got[0].Code) != 5 {
		t.Errorf("competitor = %+v, want region HK and a 5-character code", got[0])
	}
}

func TestTeamsShareAnEntry(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := newEvent(t, db)
	got, err := db.AddCompetitors(ctx, ev, []CompetitorInput{
		{Line: 2, Skill: "MECH", NameNative: "甲", NameLatin: "A", Region: "MO", Institution: "X", Team: "Macao 1"},
		{Line: 3, Skill: "MECH", NameNative: "乙", NameLatin: "B", Region: "MO", Institution: "X", Team: "macao 1"},
		{Line: 4, Skill: "MECH", NameNative: "丙", NameLatin: "C", Region: "HK", Institution: "Y", Team: "HK 1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Code != got[1].Code || got[0].Code == got[2].Code {
		t.Fatalf("codes %s %s %s: want members of one team to share a code, other teams not", got[0].Code, got[1].Code, got[2].Code)
	}
	_, err = db.AddCompetitors(ctx, ev, []CompetitorInput{
		{Skill: "MECH", NameNative: "丁", NameLatin: "D", Region: "MO", Institution: "X", Team: "Macao 1"},
	})
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["team"] == "" {
		t.Fatalf("third member of a team of 2: err = %v, want a team problem", err)
	}
	// Moving a member to another team leaves no empty entry behind.
	moved, err := db.UpdateCompetitor(ctx, ev, got[2].ID, CompetitorPatch{Team: ptr("Macao 2")})
	if err != nil {
		t.Fatal(err)
	}
	if moved.Team != "Macao 2" || moved.Code == got[2].Code {
		t.Errorf("moved = %+v, want team Macao 2 with a new code", moved)
	}
	var entries int
	db.read.QueryRow(`SELECT count(*) FROM entries`).Scan(&entries)
	if entries != 2 {
		t.Errorf("entries = %d, want 2 (Macao 1, Macao 2)", entries)
	}
}

func TestUpdateCompetitorChecksDuplicates(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := newEvent(t, db)
	got, err := db.AddCompetitors(ctx, ev, []CompetitorInput{
		{Skill: "CNC", Ref: "R1", NameNative: "甲", NameLatin: "A", Region: "GD", Institution: "X"},
		{Skill: "CNC", Ref: "R2", NameNative: "乙", NameLatin: "B", Region: "GD", Institution: "X"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateCompetitor(ctx, ev, got[1].ID, CompetitorPatch{Ref: ptr("R1")}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("taking another competitor's ref: err = %v, want invalid", err)
	}
	// Keeping one's own ref is fine.
	if _, err := db.UpdateCompetitor(ctx, ev, got[1].ID, CompetitorPatch{Ref: ptr("R2"), NameLatin: ptr("B Updated")}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCompetitor(ctx, ev, got[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Competitor(ctx, ev, got[0].ID); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("deleted competitor: err = %v, want not found", err)
	}
}

func ptr[T any](v T) *T { return &v }
