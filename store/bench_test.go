package store

import (
	"context"
	"fmt"
	"testing"

	"bayskills/scoring"
)

// BenchmarkSubmitMarks: one judge's batch of 10 new M marks through the
// group committer (durable commit each time: nothing else is queued), the
// writer's whole cost per request. Reported per mark.
func BenchmarkSubmitMarks(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u, _ := db.CreateUser(ctx, NewUser{Username: "organizer", Role: RoleOrganizer})
	ev, _ := db.CreateEvent(ctx, EventInput{Name: Names{En: "B"}, StartsOn: "2026-12-01", EndsOn: "2026-12-01", HostRegion: "GD"}, u.ID)
	sk, _ := db.CreateSkill(ctx, ev.ID, SkillInput{Code: "CNC", Name: Names{En: "CNC"}})
	var judges []JudgeInput
	for i, r := range []Region{"GD", "HK", "MO"} {
		judges = append(judges, JudgeInput{Username: fmt.Sprintf("judge-%d", i), DisplayName: "J", Region: r,
			Institution: fmt.Sprintf("J%d", i), Skill: "CNC"})
	}
	js, err := db.AddJudges(ctx, ev.ID, judges, fakeHash)
	if err != nil {
		b.Fatal(err)
	}
	var comps []CompetitorInput
	for i := 0; i < 500; i++ {
		comps = append(comps, CompetitorInput{Skill: "CNC", NameNative: fmt.Sprint("选手", i), NameLatin: fmt.Sprint("C", i),
			Region: "GD", Institution: "School"})
	}
	cs, err := db.AddCompetitors(ctx, ev.ID, comps)
	if err != nil {
		b.Fatal(err)
	}
	var aspects []scoring.Aspect
	for i := 0; i < 50; i++ {
		aspects = append(aspects, scoring.Aspect{Kind: "M", Description: "M", MaxMark: 200})
	}
	ss, err := db.ReplaceScheme(ctx, ev.ID, sk.ID, u.ID, scoring.Scheme{Criteria: []scoring.Criterion{{Name: "A",
		SubCriteria: []scoring.SubCriterion{{Name: "A", Aspects: aspects}}}}})
	if err != nil {
		b.Fatal(err)
	}
	sub := ss.Scheme.Criteria[0].SubCriteria[0]
	if _, err := db.SetPanel(ctx, ev.ID, sk.ID, sub.ID, u.ID, []int64{js[0].ID, js[1].ID, js[2].ID}); err != nil {
		b.Fatal(err)
	}
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch := make([]MarkInput, 10)
		for k := range batch {
			slot := n % (500 * 50 * 3)
			n++
			batch[k] = MarkInput{Key: fmt.Sprint("k", n), EntryID: cs[slot/150].EntryID, AspectID: sub.Aspects[slot%50].ID,
				Value: 100}
			judge := js[(slot/50)%3]
			_ = judge
		}
		judge := js[((n-1)/50)%3].ID
		if _, err := db.SubmitMarks(ctx, ev.ID, sk.ID, judge, u.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/mark")
}
