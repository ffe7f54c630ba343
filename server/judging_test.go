package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"bayskills/scoring"
	"bayskills/store"
)

// End-to-end tests of marking (DESIGN §5) through the HTTP API, the way an
// organizer's laptop and the judges' tablets call it.

// jgSchemeFile is a 100-mark scheme for the fixture's CNC skill:
//
//	A1: A1.1 J (40 marks), A1.2 M (10 marks)
//	B1: B1.1 M (50 marks)
const jgSchemeFile = "testdata/judging/cnc-small.csv"

// jgJudges are the judges the marking tests add to CNC, next to the
// fixture's judge (HK, Inst HK) and chief expert (MO, Inst MO). The fixture's
// competitors are R-1 (HK, Inst HK) and R-2 (GD, Inst GD).
var jgJudges = []struct{ username, region, institution, pin string }{
	{"cnc-gd", "GD", "Inst SZ", "404001"},
	{"cnc-mo", "MO", "Inst Taipa", "404002"},
	{"cnc-gd2", "GD", "Inst GD", "404003"}, // conflicted with R-2
}

// jgNames are the competitors' names, which blind judging hides.
var jgNames = []string{"陈大文", "CHAN Tai Man", "李小明", "LI Xiaoming"}

// jgSkill is the fixture with the CNC skill ready for marking: the scheme of
// jgSchemeFile, panels A1 = judge, cnc-gd, cnc-mo and B1 = cnc-gd, cnc-mo,
// cnc-gd2.
type jgSkill struct {
	*fixture
	t      testing.TB
	skill  string            // /api/v1/events/{event}/skills/{skill}
	as     map[string]string // judge username → role for f.do ("judge" for the fixture's judge)
	judge  map[string]int64  // judge username → judge id
	aspect map[string]int64  // aspect code → id
	sub    map[string]int64  // sub-criterion code → id
	entry  map[string]int64  // competitor ref → entry id
	code   map[string]string // competitor ref → entry code
	scheme []byte            // the scheme file
}

func newJGSkill(t testing.TB) *jgSkill {
	t.Helper()
	f := newFixture(t)
	g := &jgSkill{fixture: f, t: t, skill: f.path("/api/v1/events/%d/skills/%d", "event", "skill"),
		as: map[string]string{asJudge: asJudge}, judge: map[string]int64{asJudge: f.ids[asJudge]},
		aspect: map[string]int64{}, sub: map[string]int64{}, entry: map[string]int64{}, code: map[string]string{}}
	var err error
	if g.scheme, err = os.ReadFile(jgSchemeFile); err != nil {
		t.Fatal(err)
	}
	if r := g.put(g.skill+"/scheme", asOrganizer, "text/csv", g.scheme); r.Status != 200 {
		t.Fatalf("PUT scheme as CSV: %d %s, want 200", r.Status, r.Body)
	}
	g.loadIDs()

	events := f.path("/api/v1/events/%d", "event")
	for _, j := range jgJudges {
		r := f.do("POST", events+"/judges", asOrganizer, map[string]string{"username": j.username,
			"display_name": "Judge " + j.username, "region": j.region, "institution": j.institution, "pin": j.pin})
		var created store.Judge
		r.JSON(t, &created)
		if r.Status != 201 || created.ID == 0 {
			t.Fatalf("POST judge %s: %d %s, want 201", j.username, r.Status, r.Body)
		}
		g.judge[j.username] = created.ID
		if r := f.do("PUT", fmt.Sprintf("%s/judges/%d", g.skill, created.ID), asOrganizer, map[string]string{"role": "judge"}); r.Status != 200 {
			t.Fatalf("assign %s to CNC: %d %s, want 200", j.username, r.Status, r.Body)
		}
		g.as[j.username] = "Bearer " + f.loginPIN(j.username, j.pin)
	}
	g.setPanel("A1", asJudge, "cnc-gd", "cnc-mo")
	g.setPanel("B1", "cnc-gd", "cnc-mo", "cnc-gd2")

	var comps []store.Competitor
	f.do("GET", events+"/competitors", asOrganizer, nil).JSON(t, &comps)
	for _, c := range comps {
		if c.SkillID == f.ids["skill"] {
			g.entry[c.Ref], g.code[c.Ref] = c.EntryID, c.Code
		}
	}
	if g.entry["R-1"] == 0 || g.entry["R-2"] == 0 || g.code["R-1"] == "" {
		t.Fatalf("competitors %+v: want R-1 and R-2 with entries and codes", comps)
	}
	return g
}

// put sends a file body with PUT (f.upload only POSTs).
func (g *jgSkill) put(path, role, contentType string, data []byte) response {
	g.t.Helper()
	req := httptest.NewRequest("PUT", path, bytes.NewReader(data))
	req.Header.Set("Content-Type", contentType)
	g.authorize(req, role)
	return g.send(req)
}

// getScheme returns the scheme as GET answers it, and the raw body.
func (g *jgSkill) getScheme() (store.SkillScheme, []byte) {
	g.t.Helper()
	r := g.do("GET", g.skill+"/scheme", asOrganizer, nil)
	if r.Status != 200 {
		g.t.Fatalf("GET scheme: %d %s", r.Status, r.Body)
	}
	var ss store.SkillScheme
	r.JSON(g.t, &ss)
	return ss, r.Body
}

// loadIDs reads the ids of the stored scheme's sub-criteria and aspects.
func (g *jgSkill) loadIDs() {
	g.t.Helper()
	ss, _ := g.getScheme()
	clear(g.sub)
	clear(g.aspect)
	for _, c := range ss.Scheme.Criteria {
		for _, s := range c.SubCriteria {
			g.sub[s.Code] = s.ID
			for _, a := range s.Aspects {
				g.aspect[a.Code] = a.ID
			}
		}
	}
}

func (g *jgSkill) setPanel(sub string, judges ...string) {
	g.t.Helper()
	var ids []int64
	for _, j := range judges {
		ids = append(ids, g.judge[j])
	}
	r := g.do("PUT", fmt.Sprintf("%s/panels/%d", g.skill, g.sub[sub]), asOrganizer, map[string]any{"judge_ids": ids})
	if r.Status != 200 {
		g.t.Fatalf("PUT panel %s %v: %d %s, want 200", sub, judges, r.Status, r.Body)
	}
}

// jgMark is one mark as a tablet sends it; Value is JSON text ("2", "1.5").
type jgMark struct {
	Key      string          `json:"key"`
	EntryID  int64           `json:"entry_id"`
	AspectID int64           `json:"aspect_id"`
	Value    json.RawMessage `json:"value"`
	Version  int64           `json:"version"`
}

// mark builds a mark of the competitor ref on aspect; value is in marks (J: the score).
func (g *jgSkill) mark(key, ref, aspect, value string, version int64) jgMark {
	return jgMark{Key: key, EntryID: g.entry[ref], AspectID: g.aspect[aspect], Value: json.RawMessage(value), Version: version}
}

// submit POSTs a batch of marks as judge.
func (g *jgSkill) submit(judge string, marks ...jgMark) response {
	g.t.Helper()
	return g.do("POST", g.skill+"/marks", g.as[judge], map[string]any{"marks": marks})
}

// mustSubmit POSTs a batch that must be accepted, and returns the results.
func (g *jgSkill) mustSubmit(judge string, marks ...jgMark) []store.MarkResult {
	g.t.Helper()
	r := g.submit(judge, marks...)
	var res marksResponse
	r.JSON(g.t, &res)
	if r.Status != 200 || len(res.Marks) != len(marks) {
		g.t.Fatalf("%s POST marks %+v: %d %s, want 200 with %d results", judge, marks, r.Status, r.Body, len(marks))
	}
	return res.Marks
}

func (g *jgSkill) progress() store.Progress {
	g.t.Helper()
	r := g.do("GET", g.skill+"/progress", asOrganizer, nil)
	if r.Status != 200 {
		g.t.Fatalf("GET progress: %d %s", r.Status, r.Body)
	}
	var p store.Progress
	r.JSON(g.t, &p)
	return p
}

func (g *jgSkill) marksStored() int {
	g.t.Helper()
	return g.progress().Totals.MarksStored
}

// state returns where the competitor ref's sub-criterion stands.
func (g *jgSkill) state(ref, sub string) string {
	g.t.Helper()
	for _, e := range g.progress().Entries {
		for _, s := range e.SubCriteria {
			if e.EntryID == g.entry[ref] && s.SubCriterionID == g.sub[sub] {
				return s.State
			}
		}
	}
	g.t.Fatalf("progress has no %s %s", ref, sub)
	return ""
}

func (g *jgSkill) work(judge string) (store.Work, []byte) {
	g.t.Helper()
	r := g.do("GET", g.skill+"/work", g.as[judge], nil)
	if r.Status != 200 {
		g.t.Fatalf("GET work as %s: %d %s", judge, r.Status, r.Body)
	}
	var w store.Work
	r.JSON(g.t, &w)
	return w, r.Body
}

// pair is the body naming a competitor's sub-criterion.
func (g *jgSkill) pair(ref, sub string, more ...any) map[string]any {
	m := map[string]any{"entry_id": g.entry[ref], "sub_criterion_id": g.sub[sub]}
	for i := 0; i+1 < len(more); i += 2 {
		m[more[i].(string)] = more[i+1]
	}
	return m
}

// withoutIDs returns s without the ids the store assigns, which change each
// time a scheme is replaced.
func withoutIDs(s scoring.Scheme) scoring.Scheme {
	raw, _ := json.Marshal(s)
	var c scoring.Scheme
	json.Unmarshal(raw, &c)
	for i := range c.Criteria {
		for j := range c.Criteria[i].SubCriteria {
			sc := &c.Criteria[i].SubCriteria[j]
			sc.ID = 0
			for k := range sc.Aspects {
				sc.Aspects[k].ID = 0
			}
		}
	}
	return c
}

func TestJudgingFlowOverHTTP(t *testing.T) {
	g := newJGSkill(t)

	// The scheme as JSON is the file's.
	ss, _ := g.getScheme()
	type aspectWant struct {
		code, kind, max string
		descriptors     int
	}
	var got []aspectWant
	for _, c := range ss.Scheme.Criteria {
		for _, s := range c.SubCriteria {
			for _, a := range s.Aspects {
				got = append(got, aspectWant{a.Code, string(a.Kind), a.MaxMark.String(), len(a.Descriptors)})
			}
		}
	}
	want := []aspectWant{{"A1.1", "J", "40", 4}, {"A1.2", "M", "10", 0}, {"B1.1", "M", "50", 0}}
	if !reflect.DeepEqual(got, want) || ss.Total != 100*scoring.Mark || ss.Locked {
		t.Fatalf("scheme: aspects %v, total %s, locked %v; want %v, total 100, unlocked", got, ss.Total, ss.Locked, want)
	}
	if d := ss.Scheme.Criteria[0].SubCriteria[0].Aspects[0].Descriptors; d[3] != "Uniform fine finish on every face" {
		t.Errorf("descriptor for 3 = %q, want the file's", d[3])
	}

	// As XLSX for Excel, and back.
	r := g.do("GET", g.skill+"/scheme?format=xlsx", asOrganizer, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != xlsxContentType || !bytes.HasPrefix(r.Body, []byte("PK")) {
		t.Fatalf("GET scheme?format=xlsx: %d, Content-Type %q, %d bytes; want 200, %s, a zip", r.Status,
			r.Header.Get("Content-Type"), len(r.Body), xlsxContentType)
	}
	if r := g.put(g.skill+"/scheme", asOrganizer, xlsxContentType, r.Body); r.Status != 200 {
		t.Fatalf("PUT the XLSX back: %d %s, want 200", r.Status, r.Body)
	}
	again, _ := g.getScheme()
	if a, b := withoutIDs(again.Scheme), withoutIDs(ss.Scheme); !reflect.DeepEqual(a, b) {
		t.Fatalf("scheme after the XLSX round trip\n got %+v\nwant %+v", a, b)
	}
	g.loadIDs()
	var panels []store.Panel
	g.do("GET", g.skill+"/panels", asOrganizer, nil).JSON(t, &panels)
	if len(panels) != 2 || len(panels[0].Judges) != 3 || len(panels[1].Judges) != 3 {
		t.Fatalf("panels after replacing the scheme: %+v, want A1 and B1 kept with 3 judges each", panels)
	}

	// Each judge's work: the sub-criteria of their panels, the entries free of
	// conflicts of interest, descriptors with every J aspect.
	w, body := g.work(asJudge)
	if w.Blind || !bytes.Contains(body, []byte("李小明")) {
		t.Errorf("work without blind judging: blind %v, want the competitor's name: %s", w.Blind, body)
	}
	if r := g.do("PATCH", g.path("/api/v1/events/%d", "event"), asOrganizer,
		map[string]any{"settings": map[string]any{"blind_judging": true}}); r.Status != 200 {
		t.Fatalf("PATCH blind_judging: %d %s", r.Status, r.Body)
	}
	for _, tt := range []struct {
		judge   string
		subs    []string
		entries []string // refs
	}{
		{asJudge, []string{"A1"}, []string{"R-2"}},
		{"cnc-gd", []string{"A1", "B1"}, []string{"R-1", "R-2"}},
		{"cnc-mo", []string{"A1", "B1"}, []string{"R-1", "R-2"}},
		{"cnc-gd2", []string{"B1"}, []string{"R-1"}},
	} {
		t.Run("work/"+tt.judge, func(t *testing.T) {
			w, body := g.work(tt.judge)
			var subs, codes, wantCodes []string
			for _, s := range w.SubCriteria {
				subs = append(subs, s.Code)
				for _, a := range s.Aspects {
					if a.Kind == scoring.Judgement && (len(a.Descriptors) != 4 || slices.Contains(a.Descriptors, "")) {
						t.Errorf("J aspect %s: descriptors %q, want 4", a.Code, a.Descriptors)
					}
				}
			}
			for _, e := range w.Entries {
				codes = append(codes, e.Code)
				if len(e.Competitors) > 0 {
					t.Errorf("entry %s under blind judging shows %+v", e.Code, e.Competitors)
				}
			}
			for _, ref := range tt.entries {
				wantCodes = append(wantCodes, g.code[ref])
			}
			slices.Sort(codes)
			slices.Sort(wantCodes)
			if !slices.Equal(subs, tt.subs) {
				t.Errorf("sub_criteria %v, want %v (my panels)", subs, tt.subs)
			}
			if !slices.Equal(codes, wantCodes) {
				t.Errorf("entries %v, want %v (%v: no competitor of my institution)", codes, wantCodes, tt.entries)
			}
			if !w.Blind || w.JudgeID != g.judge[tt.judge] {
				t.Errorf("work blind %v judge %d, want blind for judge %d", w.Blind, w.JudgeID, g.judge[tt.judge])
			}
			for _, name := range jgNames {
				if bytes.Contains(body, []byte(name)) {
					t.Errorf("work under blind judging contains the name %q", name)
				}
			}
		})
	}

	// Divergent judgement scores 0, 3 and 2 on R-2's A1.1; double entry of A1.2.
	first := g.mustSubmit(asJudge, g.mark("t1-1", "R-2", "A1.1", "0", 0))
	if first[0].Status != "created" || first[0].Version != 1 || first[0].Key != "t1-1" {
		t.Fatalf("first mark: %+v, want created at version 1", first[0])
	}
	batch := []jgMark{g.mark("t2-1", "R-2", "A1.1", "3", 0), g.mark("t2-2", "R-2", "A1.2", "10", 0)}
	created := g.mustSubmit("cnc-gd", batch...)
	for i, res := range created {
		if res.Status != "created" || res.Key != batch[i].Key || res.MarkID == 0 {
			t.Errorf("mark %d: %+v, want created", i, res)
		}
	}
	stored := g.marksStored()
	if stored != 3 {
		t.Fatalf("marks_stored = %d, want 3", stored)
	}
	repeated := g.mustSubmit("cnc-gd", batch...) // the tablet retries after a lost answer
	for i, res := range repeated {
		if res.Status != "repeated" || res.MarkID != created[i].MarkID || res.Version != created[i].Version || res.Key != created[i].Key {
			t.Errorf("retry of mark %d: %+v, want %+v repeated", i, res, created[i])
		}
	}
	if n := g.marksStored(); n != stored {
		t.Fatalf("marks_stored = %d after a retry, want %d", n, stored)
	}
	moBatch := []jgMark{g.mark("t3-1", "R-2", "A1.1", "2", 0), g.mark("t3-2", "R-2", "A1.2", "10", 0)}
	moCreated := g.mustSubmit("cnc-mo", moBatch...)
	if st := g.state("R-2", "A1"); st != store.SubFlagged {
		t.Fatalf("R-2 A1 after scores 0, 3, 2: %s, want flagged", st)
	}
	w, _ = g.work("cnc-mo")
	var scores []store.JudgeScore
	for _, st := range w.Status {
		if st.EntryID == g.entry["R-2"] && st.SubCriterionID == g.sub["A1"] {
			for _, a := range st.Aspects {
				if a.AspectID == g.aspect["A1.1"] {
					scores = a.Scores
				}
			}
		}
	}
	// Scores come back in the units they were sent in: J scores 0, 3, 2.
	wantScores := []store.JudgeScore{{JudgeID: g.judge[asJudge], Value: 0}, {JudgeID: g.judge["cnc-gd"], Value: 3 * scoring.Mark},
		{JudgeID: g.judge["cnc-mo"], Value: 2 * scoring.Mark}}
	slices.SortFunc(wantScores, func(a, b store.JudgeScore) int { return int(a.JudgeID - b.JudgeID) })
	if !reflect.DeepEqual(scores, wantScores) {
		t.Fatalf("work shows the panel's scores on flagged A1.1 as %+v, want %+v", scores, wantScores)
	}
	if r := g.do("POST", g.skill+"/signoffs", g.as["cnc-mo"], g.pair("R-2", "A1")); r.Status != 409 {
		t.Fatalf("sign-off of a flagged sub-criterion: %d %s, want 409", r.Status, r.Body)
	}

	// The judge who gave 0 re-scores, from the version they hold.
	res := g.mustSubmit(asJudge, g.mark("t1-2", "R-2", "A1.1", "2", first[0].Version))
	if res[0].Status != "updated" || res[0].Version != 2 || res[0].MarkID != first[0].MarkID {
		t.Fatalf("re-score: %+v, want mark %d updated to version 2", res[0], first[0].MarkID)
	}
	if st := g.state("R-2", "A1"); st != store.SubComplete {
		t.Fatalf("R-2 A1 after re-scoring to 2, 3, 2: %s, want complete", st)
	}
	r = g.do("POST", g.skill+"/signoffs", g.as["cnc-mo"], g.pair("R-2", "A1"))
	var signed store.SubStatus
	r.JSON(t, &signed)
	if r.Status != 201 || signed.State != store.SubSignedOff || signed.SignedBy != g.judge["cnc-mo"] {
		t.Fatalf("sign-off: %d %s, want 201 signed off by cnc-mo", r.Status, r.Body)
	}
	if st := g.state("R-2", "A1"); st != store.SubSignedOff {
		t.Fatalf("R-2 A1 after sign-off: %s, want signed_off", st)
	}

	// Locked: no mark until the chief expert unlocks. A tablet that lost the
	// answer to marks made before the sign-off still gets that answer again
	// when it retries (the handler's promise: same keys, same answer).
	stored = g.marksStored()
	r = g.submit("cnc-mo", moBatch...)
	var retried marksResponse
	json.Unmarshal(r.Body, &retried)
	if r.Status != 200 || len(retried.Marks) != 2 {
		t.Errorf("retry after the sign-off of a batch stored before it: %d %s, want 200 with both marks repeated", r.Status, r.Body)
	} else {
		for i, res := range retried.Marks {
			if res.Status != "repeated" || res.MarkID != moCreated[i].MarkID {
				t.Errorf("retry after the sign-off, mark %d: %+v, want %+v repeated", i, res, moCreated[i])
			}
		}
	}
	r = g.submit(asJudge, g.mark("t1-3", "R-2", "A1.1", "3", 2))
	if r.Status != 422 || r.ErrorCode() != "invalid" {
		t.Fatalf("mark on a signed-off sub-criterion: %d %s, want 422 invalid", r.Status, r.Body)
	}
	unlock := g.pair("R-2", "A1", "reason", "Appeal 1: finish re-inspected with the competitor")
	for _, tt := range []struct {
		role   string
		body   map[string]any
		status int
	}{
		{asOrganizer, unlock, 403},
		{g.as["cnc-mo"], unlock, 403},
		{asChief, g.pair("R-2", "A1", "reason", ""), 422},
		{asChief, unlock, 204},
		{asChief, unlock, 409}, // no longer signed off
	} {
		if r := g.do("POST", g.skill+"/unlocks", tt.role, tt.body); r.Status != tt.status {
			t.Errorf("unlock as %.20s with reason %q: %d %s, want %d", tt.role, tt.body["reason"], r.Status, r.Body, tt.status)
		}
	}
	if st := g.state("R-2", "A1"); st != store.SubComplete {
		t.Fatalf("R-2 A1 after the unlock: %s, want complete again", st)
	}
	res = g.mustSubmit(asJudge, g.mark("t1-4", "R-2", "A1.1", "3", 2))
	if res[0].Status != "updated" || res[0].Version != 3 {
		t.Fatalf("mark after the unlock: %+v, want updated to version 3", res[0])
	}
	if n := g.marksStored(); n != stored {
		t.Errorf("marks_stored = %d, want %d (changes update marks)", n, stored)
	}

	// The audit trail tells the story in order.
	r = g.do("GET", g.skill+"/audit", asOrganizer, nil)
	var trail []store.AuditEntry
	r.JSON(t, &trail)
	if r.Status != 200 {
		t.Fatalf("GET audit: %d %s", r.Status, r.Body)
	}
	var story []string
	var unlockEntry store.AuditEntry
	for i, e := range trail {
		if i > 0 && e.Seq <= trail[i-1].Seq {
			t.Errorf("audit entry %d follows %d", e.Seq, trail[i-1].Seq)
		}
		switch e.Action {
		case store.ActionMarkCreate, store.ActionMarkUpdate, store.ActionSignOff, store.ActionUnlock:
			if len(story) == 0 || story[len(story)-1] != e.Action {
				story = append(story, e.Action)
			}
		}
		if e.Action == store.ActionUnlock {
			unlockEntry = e
		}
	}
	wantStory := []string{"mark.create", "mark.update", "signoff", "unlock", "mark.update"}
	if !slices.Equal(story, wantStory) {
		t.Errorf("audit actions (repeats folded)\n got %v\nwant %v", story, wantStory)
	}
	if unlockEntry.UserID != g.ids["user:"+asChief] || !strings.Contains(string(unlockEntry.After), "Appeal 1") {
		t.Errorf("unlock audit entry %+v, want the chief expert and the reason", unlockEntry)
	}
	if rep, err := g.db.VerifyAudit(context.Background()); err != nil || !rep.OK() {
		t.Errorf("VerifyAudit after the flow: %+v, %v; want no problems", rep, err)
	}
	if r := g.do("GET", g.skill+"/audit", g.as["cnc-gd"], nil); r.Status != 403 {
		t.Errorf("GET audit as a judge: %d, want 403", r.Status)
	}
}

func TestMarkBadInputOverHTTP(t *testing.T) {
	g := newJGSkill(t)
	// A mark to clash with: the judge's measurement of R-2's A1.2, version 1.
	seed := g.mark("seed", "R-2", "A1.2", "10", 0)
	g.mustSubmit(asJudge, seed)

	good := func(name string) jgMark { return g.mark("good-"+name, "R-2", "A1.1", "2", 0) }
	raw := func(marks ...string) string { return `{"marks":[` + strings.Join(marks, ",") + `]}` }
	manyMarks := make([]jgMark, 501)
	for i := range manyMarks {
		manyMarks[i] = g.mark(fmt.Sprintf("many-%d", i), "R-2", "A1.1", "2", 0)
	}
	tests := []struct {
		name   string
		judge  string
		body   any // a batch ([]jgMark, sent after a good mark) or a raw body
		status int
		code   string
		line   int    // error.rows[0].line, 0 when the error has no rows
		field  string // in error.rows[0].fields, or error.fields when line is 0
	}{
		{"J score 4", asJudge, []jgMark{g.mark("k1", "R-2", "A1.1", "4", 0)}, 422, "invalid", 2, "value"},
		{"J score 1.5", asJudge, []jgMark{g.mark("k2", "R-2", "A1.1", "1.5", 0)}, 422, "invalid", 2, "value"},
		{"J score -1", asJudge, []jgMark{g.mark("k3", "R-2", "A1.1", "-1", 0)}, 422, "invalid", 2, "value"},
		{"M above max", "cnc-gd", []jgMark{g.mark("k4", "R-2", "A1.2", "10.5", 0)}, 422, "invalid", 2, "value"},
		{"aspect of a panel I'm not on", asJudge, []jgMark{g.mark("k5", "R-2", "B1.1", "50", 0)}, 422, "invalid", 2, "aspect_id"},
		{"competitor of my institution", asJudge, []jgMark{g.mark("k6", "R-1", "A1.1", "2", 0)}, 422, "invalid", 2, "entry_id"},
		{"unknown aspect", asJudge, []jgMark{{Key: "k7", EntryID: g.entry["R-2"], AspectID: 999999, Value: json.RawMessage("1")}}, 422, "invalid", 2, "aspect_id"},
		{"stale version", asJudge, []jgMark{g.mark("k8", "R-2", "A1.2", "5", 7)}, 409, "conflict", 2, "version"},
		{"second first mark", asJudge, []jgMark{g.mark("k9", "R-2", "A1.2", "5", 0)}, 409, "conflict", 2, "version"},
		{"key reused with another payload", asJudge, []jgMark{g.mark("seed", "R-2", "A1.2", "5", 1)}, 409, "conflict", 2, "key"},
		{"unknown field in a mark", asJudge, raw(`{"key":"k10","entry_id":1,"aspect_id":1,"value":2,"version":0,"judge_id":5}`), 400, "malformed", 0, "judge_id"},
		{"value a string", asJudge, raw(`{"key":"k11","entry_id":1,"aspect_id":1,"value":"abc","version":0}`), 400, "malformed", 0, ""},
		{"value a bool", asJudge, raw(`{"key":"k12","entry_id":1,"aspect_id":1,"value":true,"version":0}`), 400, "malformed", 0, ""},
		{"empty marks", asJudge, raw(), 422, "invalid", 0, ""},
		{"no marks field", asJudge, `{}`, 422, "invalid", 0, ""},
		{"501 marks", asJudge, map[string]any{"marks": manyMarks}, 422, "invalid", 0, ""},
		{"malformed JSON", asJudge, `{"marks":[{"key":"k13",`, 400, "malformed", 0, ""},
		{"marks not an array", asJudge, `{"marks":{"key":"k14"}}`, 400, "malformed", 0, "marks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := g.marksStored()
			body := tt.body
			if batch, ok := tt.body.([]jgMark); ok {
				body = map[string]any{"marks": append([]jgMark{good(tt.name)}, batch...)}
			}
			r := g.do("POST", g.skill+"/marks", g.as[tt.judge], body)
			var e errorBody
			r.JSON(t, &e)
			if r.Status != tt.status || string(e.Error.Code) != tt.code || e.Error.Message == "" {
				t.Fatalf("status %d code %q (%s), want %d %s with a message", r.Status, e.Error.Code, r.Body, tt.status, tt.code)
			}
			switch {
			case tt.line > 0:
				if len(e.Error.Rows) != 1 || e.Error.Rows[0].Line != tt.line || e.Error.Rows[0].Fields[tt.field] == "" {
					t.Errorf("error.rows = %+v, want one row, line %d, with a problem on %s", e.Error.Rows, tt.line, tt.field)
				}
			case tt.field != "":
				if e.Error.Fields[tt.field] == "" {
					t.Errorf("error.fields = %v, want a problem on %s", e.Error.Fields, tt.field)
				}
			}
			if n := g.marksStored(); n != before {
				t.Errorf("marks_stored %d → %d: a refused batch wrote marks", before, n)
			}
		})
	}
	// The seed mark is untouched and the good mark can still be sent.
	w, _ := g.work(asJudge)
	if len(w.Marks) != 1 || w.Marks[0].Shown != 10*scoring.Mark || w.Marks[0].Version != 1 {
		t.Fatalf("judge's marks after the refusals: %+v, want only the seed at 10 marks, version 1", w.Marks)
	}
	if res := g.mustSubmit(asJudge, good("after")); res[0].Status != "created" {
		t.Fatalf("a good mark after the refusals: %+v, want created", res[0])
	}
}

func TestSchemeUploadErrorsOverHTTP(t *testing.T) {
	g := newJGSkill(t)
	file := string(g.scheme)
	edit := func(old, new string) []byte {
		if !strings.Contains(file, old) {
			t.Fatalf("scheme file lacks %q", old)
		}
		return []byte(strings.Replace(file, old, new, 1))
	}
	_, want := g.getScheme()
	tests := []struct {
		name   string
		ctype  string
		data   []byte
		status int
		line   int    // a row expected in error.rows with a problem on field
		field  string // or, when line is 0, a key of error.fields ending with field
	}{
		{"does not add up to 100", "text/csv", edit(",50,WSOS 4", ",40,WSOS 4"), 422, 0, "total"},
		{"J aspect with 3 descriptors", "text/csv", edit(",Uniform fine finish on every face", ","), 422, 0, "descriptors"},
		{"J aspect without descriptors", "text/csv", edit(",No finishing pass; tool marks on every face,Uneven finish with visible chatter,Even finish with minor tool marks,Uniform fine finish on every face", ",,,,"), 422, 0, "descriptors"},
		{"kind X", "text/csv", edit(",M,Every edge deburred", ",X,Every edge deburred"), 422, 3, "kind"},
		{"max mark not a number", "text/csv", edit(",10,WSOS 3", ",ten,WSOS 3"), 422, 3, "max_mark"},
		{"JSON scheme without criteria", "application/json", []byte(`{"criteria":[]}`), 422, 0, "criteria"},
		{"empty file", "text/csv", nil, 400, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := g.put(g.skill+"/scheme", asOrganizer, tt.ctype, tt.data)
			var e errorBody
			r.JSON(t, &e)
			if r.Status != tt.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
			}
			switch {
			case tt.line > 0:
				found := false
				for _, row := range e.Error.Rows {
					found = found || row.Line == tt.line && row.Fields[tt.field] != ""
				}
				if !found {
					t.Errorf("error.rows = %+v, want line %d with a problem on %s", e.Error.Rows, tt.line, tt.field)
				}
			case tt.field != "":
				found := false
				for k := range e.Error.Fields {
					found = found || strings.HasSuffix(k, tt.field)
				}
				for _, row := range e.Error.Rows {
					for k := range row.Fields {
						found = found || k == tt.field
					}
				}
				if !found {
					t.Errorf("error %+v, want a problem on %s", e.Error, tt.field)
				}
			}
			if _, got := g.getScheme(); !bytes.Equal(got, want) {
				t.Errorf("scheme changed by a refused upload:\n got %s\nwant %s", got, want)
			}
		})
	}

	// The first mark locks the scheme.
	g.mustSubmit("cnc-gd", g.mark("lock-1", "R-1", "B1.1", "50", 0))
	locked, lockedBody := g.getScheme()
	if !locked.Locked || locked.LockedAt == "" {
		t.Fatalf("scheme after the first mark: locked %v at %q, want locked", locked.Locked, locked.LockedAt)
	}
	for _, tt := range []struct {
		name, ctype string
		data        []byte
	}{
		{"same CSV", "text/csv", g.scheme},
		{"changed CSV", "text/csv", edit("Every edge deburred", "Every edge chamfered")},
	} {
		r := g.put(g.skill+"/scheme", asOrganizer, tt.ctype, tt.data)
		if r.Status != 409 || r.ErrorCode() != "conflict" {
			t.Errorf("PUT %s after the first mark: %d %s, want 409 conflict", tt.name, r.Status, r.Body)
		}
		if _, got := g.getScheme(); !bytes.Equal(got, lockedBody) {
			t.Errorf("PUT %s after the first mark changed the scheme", tt.name)
		}
	}
	if n := g.marksStored(); n != 1 {
		t.Errorf("marks_stored = %d, want the one mark", n)
	}
}

// TestAuditVerifyCommandFindsTampering edits a mark in the SQLite file
// behind the application's back; the audit verifier (behind `bayskills audit
// verify`) names the mark.
func TestAuditVerifyCommandFindsTampering(t *testing.T) {
	g := newJGSkill(t)
	ctx := context.Background()
	m := g.mustSubmit("cnc-gd", g.mark("v-1", "R-2", "A1.1", "2", 0), g.mark("v-2", "R-1", "B1.1", "50", 0))
	g.mustSubmit("cnc-mo", g.mark("v-3", "R-2", "A1.1", "3", 0))
	rep, err := g.db.VerifyAudit(ctx)
	if err != nil || !rep.OK() || rep.Marks != 3 {
		t.Fatalf("before tampering: %+v, %v; want 3 marks and no problems", rep, err)
	}
	raw, err := sql.Open("sqlite", "file:"+g.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	target := m[1].MarkID // 50 marks for R-1's bore, lowered to 0
	if res, err := raw.Exec(`UPDATE marks SET value = 0 WHERE id = ?`, target); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampering updated %d rows, want 1", n)
	}
	rep, err = g.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("mark %d:", target)
	var named []string
	for _, p := range rep.Problems {
		if strings.HasPrefix(p, prefix) {
			named = append(named, p)
		}
	}
	if len(named) != 1 || len(rep.Problems) != 1 || !strings.Contains(named[0], "value 0") || !strings.Contains(named[0], "value 5000") {
		t.Fatalf("problems %q, want one naming mark %d with the table's value 0 and the trail's 5000", rep.Problems, target)
	}
	// The API still serves the tampered value: only the verifier notices.
	if n := g.marksStored(); n != 3 {
		t.Errorf("marks_stored = %d, want 3", n)
	}
}

// TestResultsBeforeSignOff: results requested before every sub-criterion is
// signed off are a 409 naming, per competitor code, what is missing.
func TestResultsBeforeSignOff(t *testing.T) {
	g := newJGSkill(t)
	r := g.fixture.do("GET", g.skill+"/results", asOrganizer, nil)
	var e errorBody
	r.JSON(t, &e)
	if r.Status != 409 || len(e.Error.Fields) == 0 {
		t.Fatalf("results before sign-off: %d %s, want 409 listing what is missing", r.Status, r.Body)
	}
	for code, missing := range e.Error.Fields {
		if !strings.Contains(missing, "A1") || !strings.Contains(missing, "not signed off") {
			t.Errorf("%s: %q, want the sub-criteria not signed off", code, missing)
		}
	}
	if r := g.fixture.do("GET", g.skill+"/analytics", asChief, nil); r.Status != 200 {
		t.Errorf("analytics as chief expert: %d, want 200", r.Status)
	}
}
