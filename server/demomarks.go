package server

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"bayskills/scoring"
	"bayskills/store"
)

// The demo's finished skill and the story its audit trail tells.
const (
	demoFinishedSkill  = "CNC"
	demoAppealReason   = "Appeal by the team leader: the part was re-measured on the CMM and the feature is within tolerance"
	demoAppealsClosed  = "Every team leader signed the result sheet; no further appeals were lodged"
	demoRescoreVersion = 1
)

// demoCell is one competitor's entry on one aspect.
type demoCell struct{ entry, aspect int64 }

// demoMark is one mark a demo judge enters.
type demoMark struct {
	judge store.Judge
	in    store.MarkInput
}

// finishDemoSkill marks the demo's CNC skill completely through the store
// paths the API uses, as a venue would: every panel judge enters a batch per
// competitor, one judge's score diverges and is re-scored, every
// sub-criterion is signed off (which publishes provisional results), an
// appeal in the window is upheld through the chief expert's unlock, the
// organizer closes the appeal window, and the chief expert and the organizer
// confirm the results as final.
func finishDemoSkill(ctx context.Context, db *store.DB, e store.Event, sk store.Skill, organizer int64) error {
	judges, err := db.Judges(ctx, e.ID, sk.ID)
	if err != nil {
		return err
	}
	var chief store.Judge
	works := map[int64]store.Work{}
	for _, j := range judges {
		if slices.ContainsFunc(j.Skills, func(s store.JudgeSkill) bool {
			return s.SkillID == sk.ID && s.Role == store.SkillChiefExpert
		}) {
			chief = j
		}
		if works[j.ID], err = db.JudgeWork(ctx, e, sk, j.ID); err != nil {
			return err
		}
	}
	if chief.ID == 0 {
		return fmt.Errorf("no chief expert")
	}
	// Reproducible marks: each competitor has an ability, each judge
	// scores around it; J scores of one aspect stay within one point. The
	// random numbers of a competitor, aspect and judge are seeded by their
	// names, not drawn in entry order: entry codes are random, and the demo
	// should show the same results on every first start.
	comps, err := db.Competitors(ctx, e.ID, sk.ID)
	if err != nil {
		return err
	}
	nameOf := map[int64]string{}
	for _, c := range comps {
		nameOf[c.EntryID] += c.NameLatin
	}
	seeded := func(parts ...string) *rand.Rand {
		h := fnv.New64a()
		for _, p := range parts {
			h.Write([]byte(p + "\x00"))
		}
		return rand.New(rand.NewPCG(h.Sum64(), 2026))
	}
	ability := map[int64]float64{}
	jBase, jStep, mValue := map[demoCell]int64{}, map[demoCell]int64{}, map[demoCell]scoring.Centi{}
	valueOf := func(j store.Judge, entry int64, a scoring.Aspect) scoring.Centi {
		k := demoCell{entry, a.ID}
		if _, ok := ability[entry]; !ok {
			ability[entry] = 0.35 + 0.55*seeded(nameOf[entry]).Float64()
		}
		rnd := seeded(nameOf[entry], a.Code)
		if a.Kind == scoring.Judgement {
			if _, ok := jBase[k]; !ok {
				jBase[k] = min(3, max(0, int64(ability[entry]*3+rnd.NormFloat64()*0.4+0.5)))
				jStep[k] = []int64{-1, 1}[rnd.IntN(2)]
				if jBase[k]+jStep[k] < 0 || jBase[k]+jStep[k] > 3 {
					jStep[k] = -jStep[k]
				}
			}
			v := jBase[k]
			if seeded(nameOf[entry], a.Code, j.Username).Float64() < 0.3 {
				v += jStep[k]
			}
			return scoring.Centi(v * 100)
		}
		if _, ok := mValue[k]; !ok {
			u := rnd.Float64()
			mValue[k] = 0
			switch top := scoring.Centi(a.MaxMark); {
			case u < ability[entry]:
				mValue[k] = top
			case u < ability[entry]+0.15 && top >= 100:
				mValue[k] = top / 2 / 50 * 50
			}
		}
		return mValue[k]
	}
	// One judge's J score is entered 2 away from the rest of the panel's: it
	// is flagged, talked through and re-scored. The score is chosen the
	// same way every time: the first (competitor name, aspect code) whose
	// panel scores leave room for a score 2 away from all of them.
	type target struct {
		name, code string
		cell       demoCell
		judge      int64
		value      scoring.Centi
	}
	var pick *target
	for _, j := range judges {
		w := works[j.ID]
		for _, entry := range w.Entries {
			for _, sub := range w.SubCriteria {
				for _, a := range sub.Aspects {
					if a.Kind != scoring.Judgement {
						continue
					}
					k := demoCell{entry.EntryID, a.ID}
					valueOf(j, entry.EntryID, a) // settles the panel's base and step
					lo, hi := min(jBase[k], jBase[k]+jStep[k]), max(jBase[k], jBase[k]+jStep[k])
					off := int64(-1)
					if lo >= 2 {
						off = lo - 2
					} else if hi <= 1 {
						off = hi + 2
					}
					t := target{nameOf[entry.EntryID], a.Code, k, j.ID, scoring.Centi(off * 100)}
					if off >= 0 && (pick == nil || t.name < pick.name || (t.name == pick.name && t.code < pick.code)) {
						pick = &t
					}
				}
			}
		}
	}
	var batches [][]demoMark
	var diverged *demoMark
	for _, j := range judges {
		w := works[j.ID]
		for _, entry := range w.Entries {
			var batch []demoMark
			for _, sub := range w.SubCriteria {
				for _, a := range sub.Aspects {
					k := demoCell{entry.EntryID, a.ID}
					m := demoMark{j, store.MarkInput{Key: fmt.Sprintf("demo-%d-%d-%d", j.ID, entry.EntryID, a.ID),
						EntryID: entry.EntryID, AspectID: a.ID, Value: valueOf(j, entry.EntryID, a)}}
					if pick != nil && diverged == nil && k == pick.cell && j.ID == pick.judge {
						fixed := m
						fixed.in.Key += "-rescored"
						fixed.in.Version = demoRescoreVersion
						diverged = &fixed
						m.in.Value = pick.value
					}
					batch = append(batch, m)
				}
			}
			if len(batch) > 0 {
				batches = append(batches, batch)
			}
		}
	}
	if diverged != nil {
		batches = append(batches, []demoMark{*diverged})
	}
	for _, b := range batches {
		ins := make([]store.MarkInput, len(b))
		for i, m := range b {
			ins[i] = m.in
		}
		if _, err := db.SubmitMarks(ctx, e.ID, sk.ID, b[0].judge.ID, b[0].judge.UserID, ins); err != nil {
			return fmt.Errorf("demo marks of %s: %w", b[0].judge.Username, err)
		}
	}
	// Sign off every competitor's sub-criteria, each by a judge of its panel.
	signed := map[[2]int64]bool{}
	for _, j := range judges {
		w := works[j.ID]
		for _, entry := range w.Entries {
			for _, sub := range w.SubCriteria {
				if k := [2]int64{entry.EntryID, sub.ID}; !signed[k] {
					if _, err := db.SignOff(ctx, e.ID, sk.ID, j.ID, j.UserID, entry.EntryID, sub.ID); err != nil {
						return fmt.Errorf("demo sign-off: %w", err)
					}
					signed[k] = true
				}
			}
		}
	}
	if err := demoAppeal(ctx, db, e, sk, chief, judges, works, mValue, nameOf); err != nil {
		return err
	}
	if _, err := db.CloseAppeals(ctx, e.ID, sk.ID, organizer, demoAppealsClosed); err != nil {
		return err
	}
	if _, err := db.ConfirmResults(ctx, e.ID, sk.ID, chief.UserID, store.ConfirmChiefExpert); err != nil {
		return err
	}
	_, err = db.ConfirmResults(ctx, e.ID, sk.ID, organizer, store.ConfirmOrganizer)
	return err
}

// demoAppeal upholds an appeal in the window: the chief expert unlocks a
// sub-criterion whose M aspect was not awarded, the panel awards it after
// re-measuring, and a judge signs it off again (which republishes).
func demoAppeal(ctx context.Context, db *store.DB, e store.Event, sk store.Skill, chief store.Judge, judges []store.Judge,
	works map[int64]store.Work, awarded map[demoCell]scoring.Centi, nameOf map[int64]string) error {
	// The appeal is over the first unawarded M aspect by competitor name
	// and aspect code, so every demo tells the same story.
	type candidate struct {
		name, code string
		entry      int64
		sub        scoring.SubCriterion
		aspect     scoring.Aspect
	}
	var best *candidate
	for _, j := range judges {
		w := works[j.ID]
		for _, entry := range w.Entries {
			for _, sub := range w.SubCriteria {
				for _, a := range sub.Aspects {
					c := candidate{nameOf[entry.EntryID], a.Code, entry.EntryID, sub, a}
					if a.Kind == scoring.Measurement && awarded[demoCell{entry.EntryID, a.ID}] == 0 &&
						(best == nil || c.name < best.name || (c.name == best.name && c.code < best.code)) {
						best = &c
					}
				}
			}
		}
	}
	if best == nil {
		return fmt.Errorf("no M aspect left unawarded for the demo appeal")
	}
	if err := db.Unlock(ctx, e.ID, sk.ID, chief.UserID, best.entry, best.sub.ID, demoAppealReason); err != nil {
		return err
	}
	// Every panel judge who entered the mark changes it.
	var signer store.Judge
	for _, pj := range judges {
		pw := works[pj.ID]
		if !slices.ContainsFunc(pw.SubCriteria, func(s scoring.SubCriterion) bool { return s.ID == best.sub.ID }) ||
			!slices.ContainsFunc(pw.Entries, func(x store.WorkEntry) bool { return x.EntryID == best.entry }) {
			continue
		}
		signer = pj
		in := store.MarkInput{Key: fmt.Sprintf("demo-appeal-%d-%d-%d", pj.ID, best.entry, best.aspect.ID),
			EntryID: best.entry, AspectID: best.aspect.ID, Value: scoring.Centi(best.aspect.MaxMark), Version: 1}
		if _, err := db.SubmitMarks(ctx, e.ID, sk.ID, pj.ID, pj.UserID, []store.MarkInput{in}); err != nil {
			return fmt.Errorf("demo appeal mark: %w", err)
		}
	}
	_, err := db.SignOff(ctx, e.ID, sk.ID, signer.ID, signer.UserID, best.entry, best.sub.ID)
	return err
}
