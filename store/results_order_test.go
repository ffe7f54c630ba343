package store

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"bayskills/apperr"
	"bayskills/scoring"
)

var orderSeed = flag.Uint64("order.seed", 0, "seed of TestResultsIndependentOfMarkOrder (0: a new one each run)")

// orderSkill is a 20-mark skill of five competitors and five panel judges
// (plus a chief expert outside the panels), built through the store API:
//
//	A1: J 6, M 4   panel j0 j1 j2
//	B1: M 4, J 6   panel j2 j3 j4
//
// Competitor 0 shares j0's institution and competitor 1 shares j4's, so
// some aspects of theirs are marked by two judges, not three.
type orderSkill struct {
	db                 *DB
	event, skill, user int64
	judges             []int64 // j0..j4
	entries            []int64
	subs               []orderSub
}

type orderSub struct {
	id      int64
	panel   []int // judge indexes
	aspects []scoring.Aspect
}

// orderConflicts are the fixture's conflicts of interest: (entry, judge).
var orderConflicts = map[[2]int]bool{{0, 0}: true, {1, 4}: true}

func newOrderSkill(t *testing.T) *orderSkill {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	o := &orderSkill{db: db}
	u, err := db.CreateUser(ctx, NewUser{Username: "organizer", Role: RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	o.user = u.ID
	e, err := db.CreateEvent(ctx, EventInput{Name: Names{En: "Order"}, StartsOn: "2026-12-01", EndsOn: "2026-12-02",
		HostRegion: Guangdong}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	o.event = e.ID
	sk, err := db.CreateSkill(ctx, e.ID, SkillInput{Code: "CNC", Name: Names{En: "CNC"}, TotalMarks: 20})
	if err != nil {
		t.Fatal(err)
	}
	o.skill = sk.ID
	js, err := db.AddJudges(ctx, e.ID, []JudgeInput{
		{Username: "judge-0", DisplayName: "J0", Region: "GD", Institution: "Inst A", Skill: "CNC"},
		{Username: "judge-1", DisplayName: "J1", Region: "HK", Institution: "Inst B", Skill: "CNC"},
		{Username: "judge-2", DisplayName: "J2", Region: "MO", Institution: "Inst C", Skill: "CNC"},
		{Username: "judge-3", DisplayName: "J3", Region: "GD", Institution: "Inst D", Skill: "CNC"},
		{Username: "judge-4", DisplayName: "J4", Region: "HK", Institution: "Inst E", Skill: "CNC"},
		{Username: "chief", DisplayName: "Chief", Region: "MO", Institution: "Inst F", Skill: "CNC", Role: "chief_expert"},
	}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	o.judges = make([]int64, 5)
	for _, j := range js {
		if j.Username != "chief" {
			o.judges[j.Username[len(j.Username)-1]-'0'] = j.ID
		}
	}
	comps, err := db.AddCompetitors(ctx, e.ID, []CompetitorInput{
		{Skill: "CNC", NameNative: "甲", NameLatin: "A", Region: "GD", Institution: "Inst A"},
		{Skill: "CNC", NameNative: "乙", NameLatin: "B", Region: "HK", Institution: "Inst E"},
		{Skill: "CNC", NameNative: "丙", NameLatin: "C", Region: "MO", Institution: "Inst X"},
		{Skill: "CNC", NameNative: "丁", NameLatin: "D", Region: "GD", Institution: "Inst Y"},
		{Skill: "CNC", NameNative: "戊", NameLatin: "E", Region: "HK", Institution: "Inst Z"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comps {
		o.entries = append(o.entries, c.EntryID)
	}
	descr := []string{"not done", "below standard", "meets standard", "excellent"}
	j := func(max scoring.Centi) scoring.Aspect {
		return scoring.Aspect{Kind: scoring.Judgement, Description: "judged", MaxMark: max, Descriptors: descr}
	}
	m := func(max scoring.Centi) scoring.Aspect {
		return scoring.Aspect{Kind: scoring.Measurement, Description: "measured", MaxMark: max}
	}
	ss, err := db.ReplaceScheme(ctx, e.ID, sk.ID, u.ID, scoring.Scheme{Criteria: []scoring.Criterion{
		{Name: "Work", SubCriteria: []scoring.SubCriterion{
			{Name: "Finish", Aspects: []scoring.Aspect{j(600), m(400)}},
		}},
		{Name: "Dimensions", SubCriteria: []scoring.SubCriterion{
			{Name: "Bores", Aspects: []scoring.Aspect{m(400), j(600)}},
		}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	panels := [][]int{{0, 1, 2}, {2, 3, 4}}
	for _, c := range ss.Scheme.Criteria {
		for _, s := range c.SubCriteria {
			sub := orderSub{id: s.ID, panel: panels[len(o.subs)], aspects: s.Aspects}
			var ids []int64
			for _, k := range sub.panel {
				ids = append(ids, o.judges[k])
			}
			if _, err := db.SetPanel(ctx, e.ID, sk.ID, s.ID, u.ID, ids); err != nil {
				t.Fatalf("panel %s: %v", s.Code, err)
			}
			o.subs = append(o.subs, sub)
		}
	}
	return o
}

// copy returns a fresh database holding the fixture as it was built: a
// byte-for-byte copy, so entry codes (random when drawn) are the same in
// every copy and results can be compared byte for byte.
func (o *orderSkill) copy(t *testing.T) *orderSkill {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	if err := o.db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	db, err := OpenFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := *o
	c.db = db
	return &c
}

// eligible lists the panel judges of sub free to mark entry.
func (sub orderSub) eligible(entry int) []int {
	var out []int
	for _, j := range sub.panel {
		if !orderConflicts[[2]int{entry, j}] {
			out = append(out, j)
		}
	}
	return out
}

// orderSlot is one judge's final mark on one aspect of one entry.
type orderSlot struct {
	judge, entry, sub, aspect int // indexes into the fixture
	value                     int64
}

// orderOp is one mark as a tablet sends it: a slot's value at a version.
type orderOp struct {
	slot    int
	value   int64
	version int64
}

// finalMarks draws a full set of valid marks: J scores 0–3 from every
// eligible judge, at most 1 apart (the divergence limit), so all can be
// signed off; M marks double-entered, equal, by two eligible judges.
func finalMarks(rng *rand.Rand, o *orderSkill) []orderSlot {
	var slots []orderSlot
	for e := range o.entries {
		for s, sub := range o.subs {
			judges := sub.eligible(e)
			for a, asp := range sub.aspects {
				if asp.Kind == scoring.Judgement {
					base := int64(rng.IntN(3))
					for _, j := range judges {
						slots = append(slots, orderSlot{judge: j, entry: e, sub: s, aspect: a, value: (base + int64(rng.IntN(2))) * 100})
					}
					continue
				}
				v := int64(rng.IntN(int(asp.MaxMark) + 1))
				pick := rng.Perm(len(judges))
				for _, k := range pick[:2] {
					slots = append(slots, orderSlot{judge: judges[k], entry: e, sub: s, aspect: a, value: v})
				}
			}
		}
	}
	return slots
}

// history is what each slot's judge sends, in order: the final value, or,
// with corrections drawn from rng (not nil), for the first slot and about a
// third of the others one or two other values first (a divergent or mistyped
// mark, then changed); each change at the version the previous one left.
func history(rng *rand.Rand, o *orderSkill, slots []orderSlot) [][]orderOp {
	ops := make([][]orderOp, len(slots))
	for i, sl := range slots {
		if rng != nil && (i == 0 || rng.IntN(3) == 0) {
			// Any other value the aspect accepts: a J score 0–3, or M
			// marks from 0 to the maximum in hundredths.
			top, step := int64(o.subs[sl.sub].aspects[sl.aspect].MaxMark), int64(1)
			if o.subs[sl.sub].aspects[sl.aspect].Kind == scoring.Judgement {
				top, step = 300, 100
			}
			for range 1 + rng.IntN(2) {
				v := int64(rng.IntN(int(top/step)+1)) * step
				if v == sl.value {
					v = (v + step) % (top + step)
				}
				ops[i] = append(ops[i], orderOp{slot: i, value: v, version: int64(len(ops[i]))})
			}
		}
		ops[i] = append(ops[i], orderOp{slot: i, value: sl.value, version: int64(len(ops[i]))})
	}
	return ops
}

// interleave merges sequences at random, keeping each one's own order.
func interleave(rng *rand.Rand, seqs [][]orderOp) []orderOp {
	var picks []int
	for i, s := range seqs {
		for range s {
			picks = append(picks, i)
		}
	}
	rng.Shuffle(len(picks), func(a, b int) { picks[a], picks[b] = picks[b], picks[a] })
	next := make([]int, len(seqs))
	out := make([]orderOp, 0, len(picks))
	for _, i := range picks {
		out = append(out, seqs[i][next[i]])
		next[i]++
	}
	return out
}

// enterMarks sends the ops into o, a fresh copy of the fixture: with rng
// nil, judge by judge, each sending all their marks in one batch in the
// order given; otherwise each judge's marks in a random order of their own,
// judges taking turns at random, one mark or a batch of 2 to 8 at a time,
// some batches retried as a tablet does after a lost answer. It then signs
// every sub-criterion off (in random order, by a random judge of the panel,
// unless rng is nil), which publishes provisional results, and returns them.
func enterMarks(t *testing.T, o *orderSkill, rng *rand.Rand, slots []orderSlot, ops [][]orderOp) Results {
	t.Helper()
	ctx := context.Background()
	queues := make([][]orderOp, len(o.judges))
	perJudge := make([][][]orderOp, len(o.judges))
	for i, seq := range ops {
		j := slots[i].judge
		perJudge[j] = append(perJudge[j], seq)
		if rng == nil {
			queues[j] = append(queues[j], seq...)
		}
	}
	if rng != nil {
		for j := range perJudge {
			queues[j] = interleave(rng, perJudge[j])
		}
	}
	sent := 0
	for {
		var waiting []int
		for j, q := range queues {
			if len(q) > 0 {
				waiting = append(waiting, j)
			}
		}
		if len(waiting) == 0 {
			break
		}
		q, size := waiting[0], len(queues[waiting[0]])
		if rng != nil {
			size = 1
			q = waiting[rng.IntN(len(waiting))]
			if rng.IntN(2) == 0 {
				size = 2 + rng.IntN(7)
			}
		}
		var batch []orderOp
		inBatch := map[int]bool{}
		for len(batch) < size && len(queues[q]) > 0 && !inBatch[queues[q][0].slot] {
			batch = append(batch, queues[q][0])
			inBatch[queues[q][0].slot] = true
			queues[q] = queues[q][1:]
		}
		judge := slots[batch[0].slot].judge
		in := make([]MarkInput, len(batch))
		for i, op := range batch {
			sl := slots[op.slot]
			sent++
			in[i] = MarkInput{Key: fmt.Sprintf("k%d", sent), EntryID: o.entries[sl.entry],
				AspectID: o.subs[sl.sub].aspects[sl.aspect].ID, Value: scoring.Centi(op.value), Version: op.version}
		}
		tries := 1
		if rng != nil && rng.IntN(10) == 0 {
			tries = 2
		}
		for try := range tries {
			res, err := o.db.SubmitMarks(ctx, o.event, o.skill, o.judges[judge], o.user, in)
			if err != nil {
				t.Fatalf("judge-%d sends %+v: %v %+v", judge, in, err, apperr.As(err).Rows)
			}
			for i, r := range res {
				if want := batch[i].version + 1; r.Version != want || (try > 0) != (r.Status == "repeated") {
					t.Fatalf("try %d of %+v: %+v, want version %d", try, in[i], r, want)
				}
			}
		}
	}
	type pair struct{ entry, sub int }
	var pairs []pair
	for e := range o.entries {
		for s := range o.subs {
			pairs = append(pairs, pair{e, s})
		}
	}
	if rng != nil {
		rng.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
	}
	for _, p := range pairs {
		judges := o.subs[p.sub].eligible(p.entry)
		j := judges[0]
		if rng != nil {
			j = judges[rng.IntN(len(judges))]
		}
		if _, err := o.db.SignOff(ctx, o.event, o.skill, o.judges[j], o.user, o.entries[p.entry], o.subs[p.sub].id); err != nil {
			t.Fatalf("sign off entry %d sub %d by j%d: %v", p.entry, p.sub, j, err)
		}
	}
	res, err := o.db.Results(ctx, o.event, o.skill)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lifecycle.State != ResultsProvisional || res.Lifecycle.SHA256 == "" {
		t.Fatalf("after the last sign-off: lifecycle %+v, want provisional results published", res.Lifecycle)
	}
	return res
}

// resultsJSON is the results without their lifecycle, whose timestamps
// differ from run to run.
func resultsJSON(t *testing.T, res Results) []byte {
	t.Helper()
	b, err := json.MarshalIndent(res.SkillResults, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestResultsIndependentOfMarkOrder: the same final marks, entered in
// different orders — by judge, by batch, with retries, some first entered
// with another value and then corrected — give byte-identical results
// (DESIGN §6: "results are reproducible byte for byte").
func TestResultsIndependentOfMarkOrder(t *testing.T) {
	seed := *orderSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: go test ./store -run TestResultsIndependentOfMarkOrder -order.seed=%d", seed, seed)
		}
	})
	template := newOrderSkill(t)
	slots := finalMarks(rand.New(rand.NewPCG(seed, 0)), template)
	base := enterMarks(t, template.copy(t), nil, slots, history(nil, template, slots))
	want := resultsJSON(t, base)
	scores := map[string]bool{}
	for _, e := range base.Entries {
		scores[e.Score] = true
	}
	if len(base.Entries) < 3 || len(scores) < 2 {
		t.Fatalf("trivial results: %d entries, %d distinct scores\n%s", len(base.Entries), len(scores), want)
	}
	for run := 1; run <= 3; run++ {
		corrections := run%2 == 1
		t.Run(fmt.Sprintf("order %d corrections %v", run, corrections), func(t *testing.T) {
			t.Parallel() // each order has its own database and its own random stream
			rng := rand.New(rand.NewPCG(seed, uint64(run)))
			ops := history(nil, template, slots)
			if corrections {
				ops = history(rng, template, slots)
			}
			res := enterMarks(t, template.copy(t), rng, slots, ops)
			if got := resultsJSON(t, res); !bytes.Equal(got, want) {
				t.Fatalf("results differ from the marks entered in order\n got %s\nwant %s", got, want)
			}
			if res.Lifecycle.SHA256 != base.Lifecycle.SHA256 {
				t.Fatalf("stored results' SHA-256 %s, want %s as for the marks entered in order", res.Lifecycle.SHA256,
					base.Lifecycle.SHA256)
			}
		})
	}
}
