package store

import (
	"context"
	"testing"

	"bayskills/apperr"
	"bayskills/scoring"
)

// TestResultsFromSignedOffMarks marks the whole judging fixture by hand,
// signs everything off and checks the results against hand-computed totals:
//
//	c1: A1.1 scores 3,3 (j1 conflicted) → 4 × 3/3 = 4;   A1.2 2;  B1.1 4  → 10.00
//	c2: A1.1 scores 2,2,2 → 4 × 2/3 = 2.667;          A1.2 1;  B1.1 3  → 6.67
//	c3: A1.1 scores 1,1,2 → 4 × (4/3)/3 = 1.778;      A1.2 0;  B1.1 1  → 2.78
func TestResultsFromSignedOffMarks(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.markAll()
	_, err := g.db.Results(ctx, g.event, g.skill)
	if e := apperr.As(err); e.Code != apperr.Conflict || len(e.Fields) != 3 {
		t.Fatalf("results before sign-off: %v %v, want a conflict naming the 3 entries", err, e.Fields)
	}
	g.signAll()
	res, err := g.db.Results(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		entry, raw, a string
		rank          int
		award         scoring.Award
	}{
		{"c1", "10.00", "6.00", 1, scoring.Gold},
		{"c2", "6.67", "3.67", 2, scoring.Silver},
		{"c3", "2.78", "1.78", 3, scoring.Bronze},
	}
	if len(res.Entries) != 3 {
		t.Fatalf("%d results, want 3", len(res.Entries))
	}
	for i, w := range want {
		got := res.Entries[i]
		if got.EntryID != g.c[w.entry] || got.Raw != w.raw || got.Criteria["A"] != w.a || got.Rank != w.rank || got.Award != w.award {
			t.Errorf("result %d = %+v, want %s raw %s (A %s) rank %d %s", i, got, w.entry, w.raw, w.a, w.rank, w.award)
		}
	}
	if res.Entries[1].Score != "700.00" {
		t.Errorf("median entry's standardised score %s, want 700.00", res.Entries[1].Score)
	}
	if res.Formula == "" || len(res.Entries[0].Competitors) != 1 {
		t.Errorf("formula %q, competitors %+v: want both shown", res.Formula, res.Entries[0].Competitors)
	}
	an, err := g.db.SkillAnalytics(ctx, g.event, g.skill)
	if err != nil {
		t.Fatal(err)
	}
	if an.Histogram != [4]int{0, 2, 4, 2} || !an.AlphaDefined || len(an.Judges) == 0 {
		t.Errorf("analytics %+v, want histogram [0 2 4 2] (the 8 J scores) and a defined alpha", an)
	}
}

// markAll enters the marks of TestResultsFromSignedOffMarks's table.
func (g *judging) markAll() {
	g.t.Helper()
	k := 0
	m := func(judge, entry, aspect string, v int64) {
		k++
		g.mustMark(judge, "r"+itoa(k), entry, aspect, v, 0)
	}
	for _, entry := range []string{"c2", "c3"} {
		scores := map[string][]int64{"c2": {200, 200, 200}, "c3": {100, 100, 200}}[entry]
		m("j1", entry, "A1.1", scores[0])
		m("j2", entry, "A1.1", scores[1])
		m("j3", entry, "A1.1", scores[2])
	}
	m("j2", "c1", "A1.1", 300)
	m("j3", "c1", "A1.1", 300)
	for _, entry := range []string{"c1", "c2", "c3"} {
		m("j2", entry, "A1.2", map[string]int64{"c1": 200, "c2": 100, "c3": 0}[entry])
		m("j3", entry, "A1.2", map[string]int64{"c1": 200, "c2": 100, "c3": 0}[entry])
	}
	for _, entry := range []string{"c1", "c2", "c3"} {
		m("j2", entry, "B1.1", map[string]int64{"c1": 400, "c2": 300, "c3": 100}[entry])
		m("j4", entry, "B1.1", map[string]int64{"c1": 400, "c2": 300, "c3": 100}[entry])
	}
}

// signAll signs off every sub-criterion of every entry.
func (g *judging) signAll() {
	g.t.Helper()
	for _, entry := range []string{"c1", "c2", "c3"} {
		for _, sub := range []string{"A1", "B1"} {
			if _, err := g.db.SignOff(context.Background(), g.event, g.skill, g.j["j2"], g.user, g.c[entry], g.sub[sub]); err != nil {
				g.t.Fatalf("sign off %s %s: %v", entry, sub, err)
			}
		}
	}
}
