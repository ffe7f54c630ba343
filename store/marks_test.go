package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"bayskills/apperr"
	"bayskills/scoring"
)

// judging is a skill ready for marking: a 10-mark scheme
//
//	A1: A1.1 J (4 marks), A1.2 M (2 marks)   panel j1 j2 j3
//	B1: B1.1 M (4 marks)                     panel j2 j3 j4
//
// and three competitors; c1 shares j1's institution (a conflict).
type judging struct {
	t                  *testing.T
	db                 *DB
	event, skill, user int64
	j                  map[string]int64 // j1..j4, chief
	c                  map[string]int64 // entries c1..c3
	a                  map[string]int64 // aspect codes → ids
	sub                map[string]int64 // A1, B1
}

func newJudging(t *testing.T) *judging {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	g := &judging{t: t, db: db, j: map[string]int64{}, c: map[string]int64{}, a: map[string]int64{}, sub: map[string]int64{}}
	u, err := db.CreateUser(ctx, NewUser{Username: "organizer", Role: RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	g.user = u.ID
	e, err := db.CreateEvent(ctx, EventInput{Name: Names{En: "Judging"}, StartsOn: "2026-12-01", EndsOn: "2026-12-02", HostRegion: Guangdong}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	g.event = e.ID
	sk, err := db.CreateSkill(ctx, e.ID, SkillInput{Code: "CNC", Name: Names{En: "CNC"}, TotalMarks: 10})
	if err != nil {
		t.Fatal(err)
	}
	g.skill = sk.ID
	judges, err := db.AddJudges(ctx, e.ID, []JudgeInput{
		{Username: "judge-1", DisplayName: "J1", Region: "GD", Institution: "Inst A", Skill: "CNC"},
		{Username: "judge-2", DisplayName: "J2", Region: "HK", Institution: "Inst B", Skill: "CNC"},
		{Username: "judge-3", DisplayName: "J3", Region: "MO", Institution: "Inst C", Skill: "CNC"},
		{Username: "judge-4", DisplayName: "J4", Region: "GD", Institution: "Inst D", Skill: "CNC"},
		{Username: "chief", DisplayName: "Chief", Region: "MO", Institution: "Inst E", Skill: "CNC", Role: "chief_expert"},
	}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range judges {
		name := j.Username
		if name != "chief" {
			name = "j" + name[len(name)-1:]
		}
		g.j[name] = j.ID
	}
	comps, err := db.AddCompetitors(ctx, e.ID, []CompetitorInput{
		{Skill: "CNC", NameNative: "甲", NameLatin: "A", Region: "GD", Institution: "inst a"},
		{Skill: "CNC", NameNative: "乙", NameLatin: "B", Region: "HK", Institution: "Inst X"},
		{Skill: "CNC", NameNative: "丙", NameLatin: "C", Region: "MO", Institution: "Inst Y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range comps {
		g.c[fmt.Sprintf("c%d", i+1)] = c.EntryID
	}
	descr := []string{"not done", "below standard", "meets standard", "excellent"}
	ss, err := db.ReplaceScheme(ctx, e.ID, sk.ID, u.ID, scoring.Scheme{Criteria: []scoring.Criterion{
		{Name: "Work", SubCriteria: []scoring.SubCriterion{{Name: "Finish", Aspects: []scoring.Aspect{
			{Kind: "J", Description: "Surface finish", MaxMark: 400, Descriptors: descr},
			{Kind: "M", Description: "Edges deburred", MaxMark: 200},
		}}}},
		{Name: "Dimensions", SubCriteria: []scoring.SubCriterion{{Name: "Bores", Aspects: []scoring.Aspect{
			{Kind: "M", Description: "Bore Ø40 H7", MaxMark: 400},
		}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ss.Scheme.Criteria {
		for _, s := range c.SubCriteria {
			g.sub[s.Code] = s.ID
			for _, a := range s.Aspects {
				g.a[a.Code] = a.ID
			}
		}
	}
	g.panel("A1", "j1", "j2", "j3")
	g.panel("B1", "j2", "j3", "j4")
	return g
}

func (g *judging) panel(sub string, judges ...string) {
	g.t.Helper()
	var ids []int64
	for _, j := range judges {
		ids = append(ids, g.j[j])
	}
	if _, err := g.db.SetPanel(context.Background(), g.event, g.skill, g.sub[sub], g.user, ids); err != nil {
		g.t.Fatalf("panel %s: %v", sub, err)
	}
}

// mark submits one mark; value is in hundredths (J scores × 100).
func (g *judging) mark(judge, key, entry, aspect string, value int64, version int64) ([]MarkResult, error) {
	return g.db.SubmitMarks(context.Background(), g.event, g.skill, g.j[judge], g.user, []MarkInput{
		{Key: key, EntryID: g.c[entry], AspectID: g.a[aspect], Value: scoring.Centi(value), Version: version}})
}

func (g *judging) mustMark(judge, key, entry, aspect string, value, version int64) MarkResult {
	g.t.Helper()
	res, err := g.mark(judge, key, entry, aspect, value, version)
	if err != nil {
		g.t.Fatalf("%s marks %s %s = %d: %v", judge, entry, aspect, value, err)
	}
	return res[0]
}

func (g *judging) countMarks() int {
	var n int
	g.db.read.QueryRow(`SELECT count(*) FROM marks`).Scan(&n)
	return n
}

func TestMarksAreIdempotentAndVersioned(t *testing.T) {
	g := newJudging(t)
	first := g.mustMark("j2", "k1", "c2", "A1.1", 200, 0)
	if first.Status != "created" || first.Version != 1 {
		t.Fatalf("first mark = %+v, want created at version 1", first)
	}
	again := g.mustMark("j2", "k1", "c2", "A1.1", 200, 0)
	if again.Status != "repeated" || again.MarkID != first.MarkID || g.countMarks() != 1 {
		t.Fatalf("retry = %+v with %d marks, want the first answer repeated and one mark", again, g.countMarks())
	}
	tests := []struct {
		name    string
		key     string
		value   int64
		version int64
		code    apperr.Code
		field   string
	}{
		{"key reused for another payload", "k1", 300, 0, apperr.Conflict, "key"},
		{"second first mark", "k2", 300, 0, apperr.Conflict, "version"},
		{"stale version", "k3", 300, 7, apperr.Conflict, "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.mark("j2", tt.key, "c2", "A1.1", tt.value, tt.version)
			e := apperr.As(err)
			if e.Code != tt.code || len(e.Rows) != 1 || e.Rows[0].Fields[tt.field] == "" {
				t.Fatalf("err = %v %+v, want %s on %s", err, e.Rows, tt.code, tt.field)
			}
		})
	}
	edit := g.mustMark("j2", "k4", "c2", "A1.1", 300, 1)
	if edit.Status != "updated" || edit.Version != 2 || edit.MarkID != first.MarkID {
		t.Fatalf("edit = %+v, want the same mark updated to version 2", edit)
	}
	if _, err := g.mark("j2", "k5", "c2", "A1.1", 100, 1); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("edit from the old version: err = %v, want conflict", err)
	}
	if n := g.countMarks(); n != 1 {
		t.Fatalf("marks = %d, want 1", n)
	}
}

func TestMarksRefusedWriteNothing(t *testing.T) {
	g := newJudging(t)
	tests := []struct {
		name, judge, entry, aspect string
		value                      int64
		field                      string
	}{
		{"score above 3", "j2", "c2", "A1.1", 400, "value"},
		{"fractional score", "j2", "c2", "A1.1", 150, "value"},
		{"negative score", "j2", "c2", "A1.1", -100, "value"},
		{"measurement above max", "j2", "c2", "A1.2", 201, "value"},
		{"aspect outside my panels", "j4", "c2", "A1.1", 200, "aspect_id"},
		{"my own institution", "j1", "c1", "A1.1", 200, "entry_id"},
		{"unknown aspect", "j2", "c2", "nope", 200, "aspect_id"},
		{"unknown competitor", "j2", "nope", "A1.1", 200, "entry_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.mark(tt.judge, "key-"+tt.name, tt.entry, tt.aspect, tt.value, 0)
			e := apperr.As(err)
			if e.Code != apperr.Invalid || len(e.Rows) != 1 || e.Rows[0].Fields[tt.field] == "" {
				t.Fatalf("err = %v %+v, want invalid on %s", err, e.Rows, tt.field)
			}
			if n := g.countMarks(); n != 0 {
				t.Fatalf("marks = %d after a refused mark", n)
			}
		})
	}
	// One bad mark in a batch refuses the whole batch.
	_, err := g.db.SubmitMarks(context.Background(), g.event, g.skill, g.j["j2"], g.user, []MarkInput{
		{Key: "b1", EntryID: g.c["c2"], AspectID: g.a["A1.1"], Value: 200},
		{Key: "b2", EntryID: g.c["c3"], AspectID: g.a["A1.1"], Value: 900},
	})
	if e := apperr.As(err); e.Code != apperr.Invalid || len(e.Rows) != 1 || e.Rows[0].Line != 2 {
		t.Fatalf("batch with one bad mark: %v %+v, want invalid naming mark 2", err, e.Rows)
	}
	if n := g.countMarks(); n != 0 {
		t.Fatalf("marks = %d after a refused batch", n)
	}
	if _, err := g.db.SubmitMarks(context.Background(), g.event, g.skill, g.j["chief"], g.user, []MarkInput{
		{Key: "c", EntryID: g.c["c2"], AspectID: g.a["A1.1"], Value: 200}}); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("chief expert outside the panel: %v, want invalid", err)
	}
}

func (g *judging) state(entry, sub string) SubStatus {
	g.t.Helper()
	p, err := g.db.Progress(context.Background(), g.event, g.skill)
	if err != nil {
		g.t.Fatal(err)
	}
	for _, e := range p.Entries {
		for _, s := range e.SubCriteria {
			if e.EntryID == g.c[entry] && s.SubCriterionID == g.sub[sub] {
				return s
			}
		}
	}
	g.t.Fatalf("no status for %s %s", entry, sub)
	return SubStatus{}
}

func TestDivergenceSignOffLockUnlock(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.mustMark("j1", "1", "c2", "A1.1", 0, 0)
	g.mustMark("j2", "2", "c2", "A1.1", 200, 0)
	if st := g.state("c2", "A1"); st.State != SubInProgress || st.Missing != 2 {
		t.Fatalf("after 2 of 3 scores: %+v, want in progress with 2 aspects missing", st)
	}
	g.mustMark("j3", "3", "c2", "A1.1", 300, 0)
	g.mustMark("j2", "4", "c2", "A1.2", 150, 0)
	g.mustMark("j3", "5", "c2", "A1.2", 150, 0)
	st := g.state("c2", "A1")
	if st.State != SubFlagged || st.Flagged != 1 {
		t.Fatalf("scores 0,2,3: %+v, want flagged (max − min 3 > 1)", st)
	}
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j2"], g.user, g.c["c2"], g.sub["A1"]); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("sign-off of a flagged sub-criterion: %v, want conflict", err)
	}
	g.mustMark("j1", "6", "c2", "A1.1", 200, 1) // re-scored after the panel talked
	if st := g.state("c2", "A1"); st.State != SubComplete {
		t.Fatalf("after re-scoring: %+v, want complete", st)
	}
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j4"], g.user, g.c["c2"], g.sub["A1"]); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("sign-off by a judge outside the panel: %v, want forbidden", err)
	}
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j2"], g.user, g.c["c2"], g.sub["A1"]); err != nil {
		t.Fatal(err)
	}
	if _, err := g.mark("j2", "7", "c2", "A1.1", 300, 1); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("mark after lock: %v, want invalid", err)
	}
	if err := g.db.Unlock(ctx, g.event, g.skill, g.user, g.c["c2"], g.sub["A1"], "no"); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("unlock without a real reason: %v, want invalid", err)
	}
	if err := g.db.Unlock(ctx, g.event, g.skill, g.user, g.c["c2"], g.sub["A1"], "Appeal 3: finish re-inspected"); err != nil {
		t.Fatal(err)
	}
	g.mustMark("j2", "8", "c2", "A1.1", 300, 1)
	trail, _ := g.db.AuditTrail(ctx, g.skill, 0, 1000)
	var actions []string
	for _, e := range trail {
		actions = append(actions, e.Action)
	}
	want := []string{ActionSchemeReplace, ActionPanelSet, ActionPanelSet, "mark.create", "mark.create", "mark.create",
		"mark.create", "mark.create", "mark.update", ActionSignOff, ActionUnlock, "mark.update"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Fatalf("audit actions\n got %v\nwant %v", actions, want)
	}
	if rep, err := g.db.VerifyAudit(ctx); err != nil || !rep.OK() {
		t.Fatalf("VerifyAudit = %+v, %v; want no problems", rep, err)
	}
}

func TestDoubleEntry(t *testing.T) {
	g := newJudging(t)
	g.mustMark("j2", "1", "c3", "B1.1", 350, 0)
	if st := g.state("c3", "B1"); st.State != SubInProgress || st.Missing != 1 {
		t.Fatalf("one entry: %+v, want awaiting confirmation", st)
	}
	g.mustMark("j4", "2", "c3", "B1.1", 300, 0)
	if st := g.state("c3", "B1"); st.State != SubFlagged {
		t.Fatalf("3.5 vs 3: %+v, want flagged disagreement", st)
	}
	g.mustMark("j4", "3", "c3", "B1.1", 350, 1)
	if st := g.state("c3", "B1"); st.State != SubComplete {
		t.Fatalf("agreed: %+v, want complete", st)
	}
}

func TestSchemeLockedByFirstMark(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	ss, _ := g.db.Scheme(ctx, g.event, g.skill)
	if _, err := g.db.ReplaceScheme(ctx, g.event, g.skill, g.user, ss.Scheme); err != nil {
		t.Fatalf("replace before marking: %v", err)
	}
	g.a = map[string]int64{}
	ss, _ = g.db.Scheme(ctx, g.event, g.skill)
	for _, c := range ss.Scheme.Criteria {
		for _, s := range c.SubCriteria {
			for _, a := range s.Aspects {
				g.a[a.Code] = a.ID
			}
		}
	}
	g.mustMark("j2", "1", "c2", "A1.1", 200, 0) // the panel survived the replacement
	if _, err := g.db.ReplaceScheme(ctx, g.event, g.skill, g.user, ss.Scheme); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("replace after the first mark: %v, want conflict", err)
	}
	bad := ss.Scheme
	bad.Criteria = bad.Criteria[:1]
	if _, err := newJudging(t).db.ReplaceScheme(ctx, g.event, g.skill, g.user, bad); err == nil {
		t.Fatal("a scheme adding up to 6 of 10 marks was accepted")
	}
}

func TestPanelRules(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		judges []string
		want   string
	}{
		{"too small", []string{"j2", "j3"}, "3 or 5"},
		{"twice", []string{"j2", "j2", "j3"}, "more than once"},
		{"one region", []string{"j1", "j4", "j2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ids []int64
			for _, j := range tt.judges {
				ids = append(ids, g.j[j])
			}
			_, err := g.db.SetPanel(ctx, g.event, g.skill, g.sub["B1"], g.user, ids)
			e := apperr.As(err)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("panel from two regions: %v, want accepted", err)
				}
				return
			}
			if e.Code != apperr.Invalid || !contains(e.Fields["judge_ids"], tt.want) {
				t.Fatalf("err = %v %v, want invalid mentioning %q", err, e.Fields, tt.want)
			}
		})
	}
	// Two GD judges from Inst A and a third judge: competitor c1 (Inst A) keeps one free judge.
	if _, err := g.db.AddJudges(ctx, g.event, []JudgeInput{{Username: "judge-5", DisplayName: "J5", Region: "HK",
		Institution: "INST A", Skill: "CNC"}}, fakeHash); err != nil {
		t.Fatal(err)
	}
	j5, _ := g.db.JudgeID(ctx, g.event, mustUser(t, g.db, "judge-5"))
	_, err := g.db.SetPanel(ctx, g.event, g.skill, g.sub["B1"], g.user, []int64{g.j["j1"], j5, g.j["j3"]})
	if e := apperr.As(err); e.Code != apperr.Invalid || !contains(e.Fields["judge_ids"], "conflict of interest") {
		t.Fatalf("panel leaving c1 one judge: %v %v, want a conflict-of-interest refusal", err, e.Fields)
	}
}

func mustUser(t *testing.T, db *DB, name string) int64 {
	u, err := db.UserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && stringsContains(s, sub)
}

// TestAuditVerifyFindsTampering edits the database behind the application's
// back, as someone with the file would.
func TestAuditVerifyFindsTampering(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	m := g.mustMark("j2", "1", "c2", "A1.1", 200, 0)
	g.mustMark("j3", "2", "c2", "A1.1", 300, 0)
	if rep, _ := g.db.VerifyAudit(ctx); !rep.OK() || rep.Marks != 2 {
		t.Fatalf("clean database: %+v", rep)
	}
	raw, err := sql.Open("sqlite", "file:"+g.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tamper := []struct {
		name, sql string
		want      string
	}{
		{"mark value edited", fmt.Sprintf(`UPDATE marks SET value = 3 WHERE id = %d`, m.MarkID), "the marks table says value 3"},
		{"mark added", fmt.Sprintf(`INSERT INTO marks (entry_id, aspect_id, judge_id, value, version, created_at, updated_at)
			VALUES (%d, %d, %d, 3, 1, 'x', 'x')`, g.c["c3"], g.a["A1.1"], g.j["j2"]), "never recorded"},
		{"audit rewritten", `DROP TRIGGER audit_no_update; UPDATE audit SET after = replace(after, '"value":3', '"value":2') WHERE seq = 5`, "does not match its hash"},
	}
	for _, tt := range tamper {
		if _, err := raw.Exec(tt.sql); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		rep, err := g.db.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range rep.Problems {
			found = found || stringsContains(p, tt.want)
		}
		if !found {
			t.Errorf("%s: problems %q, want one mentioning %q", tt.name, rep.Problems, tt.want)
		}
	}
	// The append-only triggers refuse an update through SQL (until dropped, above).
	g2 := newJudging(t)
	if _, err := g2.db.write.Exec(`UPDATE audit SET action = 'x'`); err == nil {
		t.Error("updating the audit trail succeeded, want the trigger to refuse")
	}
	if _, err := g2.db.write.Exec(`DELETE FROM audit`); err == nil {
		t.Error("deleting the audit trail succeeded, want the trigger to refuse")
	}
}

// TestRetriesNeverDuplicate: random sequences of marks, each sent one to
// three times, some concurrently, leave exactly one mark per (entry, aspect,
// judge), at the version of the last accepted change.
func TestRetriesNeverDuplicate(t *testing.T) {
	g := newJudging(t)
	type slot struct{ judge, entry, aspect string }
	slots := []slot{{"j2", "c2", "A1.1"}, {"j3", "c2", "A1.1"}, {"j2", "c3", "A1.1"}, {"j3", "c3", "A1.2"},
		{"j4", "c2", "B1.1"}, {"j4", "c3", "B1.1"}, {"j2", "c1", "B1.1"}}
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[slot]int64{} // version after the run
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w, s := range slots {
		wg.Add(1)
		go func(w int, s slot, seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			version := int64(0)
			for step := 0; step < 8; step++ {
				key := fmt.Sprintf("%d-%d", w, step)
				value := int64(rng.IntN(3)) * 100 // valid for every slot: J 0–2, M 0–2 marks
				var res MarkResult
				for try := 0; try < 1+rng.IntN(3); try++ { // the tablet retries after a lost answer
					r, err := g.mark(s.judge, key, s.entry, s.aspect, value, version)
					if err != nil {
						t.Errorf("%v step %d try %d: %v", s, step, try, err)
						return
					}
					if try > 0 && r[0].Status != "repeated" {
						t.Errorf("retry %d of %s answered %s, want repeated", try, key, r[0].Status)
					}
					res = r[0]
				}
				version = res.Version
			}
			mu.Lock()
			want[s] = version
			mu.Unlock()
		}(w, s, rng.Uint64())
	}
	wg.Wait()
	if n := g.countMarks(); n != len(slots) {
		t.Fatalf("marks = %d, want exactly %d (one per entry, aspect and judge)", n, len(slots))
	}
	for s, v := range want {
		var got int64
		g.db.read.QueryRow(`SELECT version FROM marks WHERE entry_id = ? AND aspect_id = ? AND judge_id = ?`,
			g.c[s.entry], g.a[s.aspect], g.j[s.judge]).Scan(&got)
		if got != v || v != 8 {
			t.Errorf("%v: version %d, want %d (8 accepted changes)", s, got, v)
		}
	}
	if rep, _ := g.db.VerifyAudit(context.Background()); !rep.OK() {
		t.Fatalf("audit after concurrent marking: %v", rep.Problems)
	}
}

func stringsContains(s, sub string) bool { return strings.Contains(s, sub) }

func TestGeneratePanels(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	// Clear A1's panel by generating on a fresh copy of the scheme: replace it
	// (allowed before marking) under new codes so no panel survives.
	ss, _ := g.db.Scheme(ctx, g.event, g.skill)
	sch := ss.Scheme
	for i := range sch.Criteria {
		sch.Criteria[i].Code = ""
		for k := range sch.Criteria[i].SubCriteria {
			sch.Criteria[i].SubCriteria[k].Code = "N" + fmt.Sprint(i)
			for a := range sch.Criteria[i].SubCriteria[k].Aspects {
				sch.Criteria[i].SubCriteria[k].Aspects[a].Code = ""
			}
		}
	}
	if _, err := g.db.ReplaceScheme(ctx, g.event, g.skill, g.user, sch); err != nil {
		t.Fatal(err)
	}
	panels, err := g.db.GeneratePanels(ctx, g.event, g.skill, g.user, 3)
	if err != nil {
		t.Fatal(err)
	}
	load := map[int64]int{}
	for _, p := range panels {
		regions := map[Region]bool{}
		for _, j := range p.Judges {
			load[j.JudgeID]++
			regions[j.Region] = true
			if j.JudgeID == g.j["chief"] {
				t.Errorf("%s: the chief expert was put on a panel", p.Code)
			}
		}
		if len(p.Judges) != 3 || len(regions) < 2 {
			t.Errorf("%s: %d judges from %d regions, want 3 from 2 or more", p.Code, len(p.Judges), len(regions))
		}
	}
	for id, n := range load {
		if n > 2 {
			t.Errorf("judge %d sits on %d of 2 panels: load not spread (4 judges, 6 seats)", id, n)
		}
	}
	if _, err := g.db.GeneratePanels(ctx, g.event, g.skill, g.user, 5); apperr.CodeOf(err) != apperr.Invalid && err != nil {
		t.Fatalf("size 5 with every panel already set: %v", err)
	}
	if _, err := g.db.GeneratePanels(ctx, g.event, g.skill, g.user, 4); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("size 4: %v, want invalid", err)
	}
}

// A tablet that lost the answer retries after the panel signed off: it gets
// the stored answer, not a refusal for the lock.
func TestRetryAfterSignOffRepeats(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.mustMark("j2", "x1", "c3", "B1.1", 300, 0)
	g.mustMark("j3", "x2", "c3", "B1.1", 300, 0)
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j2"], g.user, g.c["c3"], g.sub["B1"]); err != nil {
		t.Fatal(err)
	}
	if r := g.mustMark("j3", "x2", "c3", "B1.1", 300, 0); r.Status != "repeated" {
		t.Fatalf("retry after sign-off = %+v, want repeated", r)
	}
	if _, err := g.mark("j3", "x3", "c3", "B1.1", 200, 1); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("a new change after sign-off: %v, want invalid (locked)", err)
	}
}

// The committer's setup cache survives sign-offs and unlocks (they change no
// setup) but not a panel change, which it must see at the next mark.
func TestSetupCacheInvalidation(t *testing.T) {
	g := newJudging(t)
	ctx := context.Background()
	g.mustMark("j2", "s1", "c3", "B1.1", 300, 0)
	g.mustMark("j3", "s2", "c3", "B1.1", 300, 0)
	gen := g.db.setupGen.Load()
	if _, err := g.db.SignOff(ctx, g.event, g.skill, g.j["j2"], g.user, g.c["c3"], g.sub["B1"]); err != nil {
		t.Fatal(err)
	}
	if err := g.db.Unlock(ctx, g.event, g.skill, g.user, g.c["c3"], g.sub["B1"], "re-measure the bore"); err != nil {
		t.Fatal(err)
	}
	if got := g.db.setupGen.Load(); got != gen {
		t.Fatalf("setup generation %d → %d after a sign-off and an unlock, want unchanged", gen, got)
	}
	g.panel("B1", "j1", "j3", "j4") // j2 leaves B1's panel
	if _, err := g.mark("j2", "s3", "c2", "B1.1", 100, 0); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("mark by a judge just taken off the panel: %v, want invalid (the cache must have been dropped)", err)
	}
}
