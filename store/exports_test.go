package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"bayskills/apperr"
	"bayskills/scoring"
)

// markRowText is the part of a MarkRow a test can predict, on one line.
func markRowText(r MarkRow) string {
	return fmt.Sprintf("%s | %s | %s %s %s %s | %s %s | %s v%d", r.EntryCode, r.Competitors, r.Criterion, r.SubCriterion,
		r.Aspect, r.Kind, r.Judge, r.JudgeName, r.Value, r.Version)
}

func checkMarkRows(t *testing.T, got []MarkRow, want []MarkRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d", len(got), len(want))
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = markRowText(got[i])
			if got[i].UpdatedAt == "" {
				t.Errorf("row %d: no updated_at", i)
			}
		}
		if i < len(want) {
			w = markRowText(want[i])
		}
		if g != w {
			t.Errorf("row %d\n got %s\nwant %s", i, g, w)
		}
	}
}

// sortByEntry puts rows listed in the expected order within each entry into
// entry-code order (codes are random, so the test cannot know it).
func sortByEntry(rows []MarkRow) []MarkRow {
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].EntryCode < rows[b].EntryCode })
	return rows
}

func TestMarkRowsIndividualSkill(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	rows, err := g.db.MarkRows(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(rows); rows == nil || string(b) != "[]" {
		t.Fatalf("no marks yet: %s (nil %v), want an empty list", b, rows == nil)
	}
	// Entered out of order: judges, aspects and entries mixed.
	g.mustMark("j4", "1", "c3", "B1.1", 400, 0)
	g.mustMark("j3", "2", "c2", "A1.1", 300, 0)
	g.mustMark("j2", "3", "c3", "B1.1", 5, 0)
	g.mustMark("j3", "4", "c2", "A1.2", 150, 0)
	g.mustMark("j2", "5", "c2", "A1.2", 150, 0)
	g.mustMark("j1", "6", "c2", "A1.1", 200, 0)
	g.mustMark("j2", "7", "c2", "A1.1", 200, 0)
	g.mustMark("j3", "8", "c2", "A1.2", 200, 1) // corrected: version 2
	g.mustMark("j2", "9", "c1", "A1.1", 0, 0)
	codes := map[string]string{}
	comps, err := g.db.Competitors(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comps {
		for name, id := range g.c {
			if id == c.EntryID {
				codes[name] = c.Code
			}
		}
	}
	row := func(entry, comp, crit, sub, aspect, kind, judge, name, value string, version int64) MarkRow {
		return MarkRow{EntryCode: codes[entry], Competitors: comp, Criterion: crit, SubCriterion: sub, Aspect: aspect,
			Kind: kind, Judge: judge, JudgeName: name, Value: value, Version: version}
	}
	want := sortByEntry([]MarkRow{
		row("c1", "甲 (A)", "A", "A1", "A1.1", "J", "judge-2", "J2", "0", 1),
		row("c2", "乙 (B)", "A", "A1", "A1.1", "J", "judge-1", "J1", "2", 1),
		row("c2", "乙 (B)", "A", "A1", "A1.1", "J", "judge-2", "J2", "2", 1),
		row("c2", "乙 (B)", "A", "A1", "A1.1", "J", "judge-3", "J3", "3", 1),
		row("c2", "乙 (B)", "A", "A1", "A1.2", "M", "judge-2", "J2", "1.50", 1),
		row("c2", "乙 (B)", "A", "A1", "A1.2", "M", "judge-3", "J3", "2.00", 2),
		row("c3", "丙 (C)", "B", "B1", "B1.1", "M", "judge-2", "J2", "0.05", 1),
		row("c3", "丙 (C)", "B", "B1", "B1.1", "M", "judge-4", "J4", "4.00", 1),
	})
	rows, err = g.db.MarkRows(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	checkMarkRows(t, rows, want)
}

// TestMarkRowsTeamsOrderAndScope: a team skill next to the judging
// fixture's, with a scheme whose order is not the codes' alphabetical order.
func TestMarkRowsTeamsOrderAndScope(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	db := g.db
	team, err := db.CreateSkill(ctx, g.event, SkillInput{Code: "MECH", Name: Names{En: "Mechatronics"}, Kind: Team,
		TeamSize: 2, TotalMarks: 10})
	if err != nil {
		t.Fatal(err)
	}
	judges, err := db.AddJudges(ctx, g.event, []JudgeInput{
		{Username: "judge-6", DisplayName: "J6", Region: "HK", Institution: "Inst G", Skill: "MECH"},
		{Username: "judge-5", DisplayName: "J5", Region: "GD", Institution: "Inst F", Skill: "MECH"},
		{Username: "judge-7", DisplayName: "J7", Region: "MO", Institution: "Inst H", Skill: "MECH"},
	}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	j := map[string]int64{}
	var panel []int64
	for _, x := range judges {
		j[x.Username] = x.ID
		panel = append(panel, x.ID)
	}
	comps, err := db.AddCompetitors(ctx, g.event, []CompetitorInput{
		{Skill: "MECH", NameNative: "陳大文", NameLatin: "CHAN Tai Man", Region: "HK", Institution: "Inst Y", Team: "HK 1"},
		{Skill: "MECH", NameNative: "李娜", NameLatin: "LI Na", Region: "MO", Institution: "Inst X", Team: "Macao 1"},
		{Skill: "MECH", NameNative: "王芳", NameLatin: "WONG Fong", Region: "MO", Institution: "Inst X", Team: "Macao 1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hk, macao := comps[0], comps[1]
	// Scheme order P before D, P1.9 before P1.10: the opposite of the codes' order.
	descr := []string{"not done", "below standard", "meets standard", "excellent"}
	ss, err := db.ReplaceScheme(ctx, g.event, team.ID, g.user, scoring.Scheme{Criteria: []scoring.Criterion{
		{Code: "P", Name: "Plan", SubCriteria: []scoring.SubCriterion{{Code: "P1", Name: "Layout", Aspects: []scoring.Aspect{
			{Code: "P1.9", Kind: "J", Description: "Wiring neat", MaxMark: 300, Descriptors: descr},
			{Code: "P1.10", Kind: "M", Description: "Labels present", MaxMark: 200},
		}}}},
		{Code: "D", Name: "Do", SubCriteria: []scoring.SubCriterion{{Code: "D1", Name: "Run", Aspects: []scoring.Aspect{
			{Code: "D1.1", Kind: "M", Description: "Cycle completes", MaxMark: 500},
		}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := map[string]int64{}
	for _, c := range ss.Scheme.Criteria {
		for _, s := range c.SubCriteria {
			if _, err := db.SetPanel(ctx, g.event, team.ID, s.ID, g.user, panel); err != nil {
				t.Fatal(err)
			}
			for _, x := range s.Aspects {
				a[x.Code] = x.ID
			}
		}
	}
	mark := func(judge string, entry int64, aspect string, value int64) {
		t.Helper()
		if _, err := db.SubmitMarks(ctx, g.event, team.ID, j[judge], g.user, []MarkInput{{Key: judge + aspect + fmt.Sprint(entry),
			EntryID: entry, AspectID: a[aspect], Value: scoring.Centi(value)}}); err != nil {
			t.Fatalf("%s marks %s: %v", judge, aspect, err)
		}
	}
	mark("judge-7", hk.EntryID, "D1.1", 0)
	mark("judge-5", macao.EntryID, "D1.1", 500)
	mark("judge-5", macao.EntryID, "P1.10", 125)
	mark("judge-6", macao.EntryID, "P1.9", 100)
	mark("judge-5", macao.EntryID, "P1.9", 200)
	g.mustMark("j2", "cnc", "c2", "A1.1", 200, 0) // in the other skill: not listed

	pair := "李娜 (LI Na); 王芳 (WONG Fong)"
	want := sortByEntry([]MarkRow{
		{EntryCode: hk.Code, Competitors: "陳大文 (CHAN Tai Man)", Criterion: "D", SubCriterion: "D1", Aspect: "D1.1", Kind: "M",
			Judge: "judge-7", JudgeName: "J7", Value: "0.00", Version: 1},
		{EntryCode: macao.Code, Competitors: pair, Criterion: "P", SubCriterion: "P1", Aspect: "P1.9", Kind: "J",
			Judge: "judge-5", JudgeName: "J5", Value: "2", Version: 1},
		{EntryCode: macao.Code, Competitors: pair, Criterion: "P", SubCriterion: "P1", Aspect: "P1.9", Kind: "J",
			Judge: "judge-6", JudgeName: "J6", Value: "1", Version: 1},
		{EntryCode: macao.Code, Competitors: pair, Criterion: "P", SubCriterion: "P1", Aspect: "P1.10", Kind: "M",
			Judge: "judge-5", JudgeName: "J5", Value: "1.25", Version: 1},
		{EntryCode: macao.Code, Competitors: pair, Criterion: "D", SubCriterion: "D1", Aspect: "D1.1", Kind: "M",
			Judge: "judge-5", JudgeName: "J5", Value: "5.00", Version: 1},
	})
	rows, err := db.MarkRows(ctx, g.event, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkMarkRows(t, rows, want)
	if rows, err := db.MarkRows(ctx, g.event, g.skill); err != nil || len(rows) != 1 || rows[0].Aspect != "A1.1" {
		t.Errorf("CNC rows = %v, %v; want only its own mark", rows, err)
	}

	other, err := db.CreateEvent(ctx, EventInput{Name: Names{En: "Other"}, StartsOn: "2026-12-01", EndsOn: "2026-12-02",
		HostRegion: HongKong}, g.user)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name         string
		event, skill int64
	}{
		{"skill of another event", other.ID, team.ID},
		{"no such skill", g.event, team.ID + 1000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.MarkRows(ctx, tt.event, tt.skill)
			if apperr.CodeOf(err) != apperr.NotFound || rows != nil {
				t.Fatalf("MarkRows = %v, %v; want not found", rows, err)
			}
		})
	}
	// Under blind judging a judge's tablet sees codes only: no names, and
	// no team names either (a team's name identifies it as well).
	e, err := db.Event(ctx, g.event)
	if err != nil {
		t.Fatal(err)
	}
	for _, blind := range []bool{false, true} {
		e.Settings.BlindJudging = blind
		w, err := db.JudgeWork(ctx, e, team, j["judge-5"])
		if err != nil {
			t.Fatal(err)
		}
		shown := 0
		for _, we := range w.Entries {
			if we.Team != "" || len(we.Competitors) > 0 {
				shown++
			}
		}
		if want := map[bool]int{false: len(w.Entries), true: 0}[blind]; shown != want || len(w.Entries) == 0 {
			t.Errorf("blind %v: %d of %d entries show a team or names, want %d", blind, shown, len(w.Entries), want)
		}
	}
}
