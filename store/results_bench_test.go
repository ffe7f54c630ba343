package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// worldSkillsEvent writes an event the size of WorldSkills Lyon 2024 straight
// into the database (the API would take minutes): 60 skills, 1,400
// competitors, 120 aspects a skill (60 J marked by 3 judges, 60 M by double
// entry), every sub-criterion signed off — 420,000 marks. It returns the
// event and its skills.
func worldSkillsEvent(tb testing.TB, db *DB) (int64, []int64) {
	tb.Helper()
	ctx := context.Background()
	const skills, subs, aspectsPerSub, judgesPerSkill = 60, 20, 6, 6
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := tx.Exec(q, args...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	now := "2026-12-01T00:00:00.000Z"
	exec(`INSERT INTO users (id, username, role, created_at) VALUES (1, 'organizer', 'organizer', ?)`, now)
	exec(`INSERT INTO events (id, name_en, starts_on, ends_on, host_region, created_at, updated_at)
		VALUES (1, 'WorldSkills-size event', '2026-12-01', '2026-12-04', 'GD', ?, ?)`, now, now)
	stmt := func(q string) func(args ...any) {
		s, err := tx.Prepare(q)
		if err != nil {
			tb.Fatal(err)
		}
		return func(args ...any) {
			if _, err := s.Exec(args...); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		}
	}
	mark := stmt(`INSERT INTO marks (entry_id, aspect_id, judge_id, value, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`)
	signoff := stmt(`INSERT INTO signoffs (entry_id, sub_criterion_id, signed_by, signed_at) VALUES (?, ?, ?, ?)`)
	aspect := stmt(`INSERT INTO aspects (id, sub_criterion_id, skill_id, code, kind, description, max_centi, descriptors, position)
		VALUES (?, ?, ?, ?, ?, 'aspect', ?, '[]', ?)`)
	regions := []string{"GD", "HK", "MO"}
	var skillIDs []int64
	entryID, compID, aspectID, subID, judgeID := int64(0), int64(0), int64(0), int64(0), int64(0)
	for s := 1; s <= skills; s++ {
		skillIDs = append(skillIDs, int64(s))
		exec(`INSERT INTO skills (id, event_id, code, name_en, kind, created_at, updated_at, scheme_locked_at)
			VALUES (?, 1, ?, ?, 'individual', ?, ?, ?)`, s, fmt.Sprintf("S%02d", s), fmt.Sprintf("Skill %d", s), now, now, now)
		judges := make([]int64, judgesPerSkill)
		for j := range judges {
			judgeID++
			judges[j] = judgeID
			exec(`INSERT INTO users (id, username, role, created_at) VALUES (?, ?, 'judge', ?)`, judgeID+1, fmt.Sprintf("j%d", judgeID), now)
			exec(`INSERT INTO judges (id, event_id, user_id, region, institution, created_at) VALUES (?, 1, ?, ?, ?, ?)`,
				judgeID, judgeID+1, regions[j%3], fmt.Sprintf("Expert institute %d", judgeID), now)
			exec(`INSERT INTO skill_judges (skill_id, judge_id, role) VALUES (?, ?, 'judge')`, s, judgeID)
		}
		competitors := 23
		if s <= 20 {
			competitors = 24 // 20 × 24 + 40 × 23 = 1,400
		}
		var entries []int64
		for c := 0; c < competitors; c++ {
			entryID++
			compID++
			entries = append(entries, entryID)
			exec(`INSERT INTO entries (id, skill_id, code) VALUES (?, ?, ?)`, entryID, s, fmt.Sprintf("E%05d", entryID))
			exec(`INSERT INTO competitors (id, event_id, skill_id, entry_id, name_native, name_latin, region, institution,
				created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`, compID, s, entryID, fmt.Sprintf("选手%d", compID),
				fmt.Sprintf("COMPETITOR %d", compID), regions[c%3], fmt.Sprintf("School %d", c%15), now, now)
		}
		for crit := 0; crit < 4; crit++ {
			critID := int64(s*10 + crit)
			exec(`INSERT INTO criteria (id, skill_id, code, name, position) VALUES (?, ?, ?, 'criterion', ?)`,
				critID, s, string(rune('A'+crit)), crit)
			for k := 0; k < subs/4; k++ {
				subID++
				code := fmt.Sprintf("%c%d", 'A'+crit, k+1)
				exec(`INSERT INTO sub_criteria (id, criterion_id, skill_id, code, name, position) VALUES (?, ?, ?, ?, 'sub', ?)`,
					subID, critID, s, code, k)
				panel := []int64{judges[(int(subID))%6], judges[(int(subID)+1)%6], judges[(int(subID)+2)%6]}
				for _, j := range panel {
					exec(`INSERT INTO panel_members (sub_criterion_id, judge_id) VALUES (?, ?)`, subID, j)
				}
				for a := 0; a < aspectsPerSub; a++ {
					aspectID++
					kind, max := "J", int64(100)
					if a%2 == 1 {
						kind = "M"
					}
					if a >= 4 {
						max = 50 // 4 aspects of 1 mark and 2 of 0.5 a sub-criterion: 20 × 5 = 100 marks
					}
					aspect(aspectID, subID, s, fmt.Sprintf("%s.%d", code, a+1), kind, max, a)
					for i, e := range entries {
						if kind == "J" {
							for p, j := range panel {
								mark(e, aspectID, j, int64((i+p+a)%3+1)%4, now, now)
							}
						} else {
							v := max * int64((i+a)%5) / 4
							mark(e, aspectID, panel[0], v, now, now)
							mark(e, aspectID, panel[1], v, now, now)
						}
					}
				}
				for _, e := range entries {
					signoff(e, subID, panel[0], now)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return 1, skillIDs
}

// BenchmarkRecomputeEvent recomputes every result of a WorldSkills-size event
// from the database: load (queries) and compute (marking and results rules)
// separately, and together.
func BenchmarkRecomputeEvent(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	event, skills := worldSkillsEvent(b, db)
	var marks int
	db.read.QueryRow(`SELECT count(*) FROM marks`).Scan(&marks)
	b.Logf("generated %d skills, %d marks in %s", len(skills), marks, time.Since(start).Round(time.Millisecond))
	if _, err := db.Results(ctx, event, skills[0]); err != nil {
		b.Fatal(err)
	}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			for _, s := range skills {
				if _, err := loadResultInputs(ctx, db.read, event, s); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("compute", func(b *testing.B) {
		var inputs []*resultInputs
		for _, s := range skills {
			in, err := loadResultInputs(ctx, db.read, event, s)
			if err != nil {
				b.Fatal(err)
			}
			inputs = append(inputs, in)
		}
		b.ResetTimer()
		for b.Loop() {
			for _, in := range inputs {
				if _, err := computeResults(in); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("event-parallel", func(b *testing.B) {
		for b.Loop() {
			results, errs, err := db.EventResults(ctx, event)
			if err != nil || len(errs) > 0 || len(results) != len(skills) {
				b.Fatalf("EventResults: %d results, errors %v %v", len(results), errs, err)
			}
		}
	})
	b.Run("total", func(b *testing.B) {
		for b.Loop() {
			for _, s := range skills {
				if _, err := db.Results(ctx, event, s); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
