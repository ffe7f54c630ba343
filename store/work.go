package store

import (
	"context"
	"database/sql"

	"bayskills/apperr"
	"bayskills/scoring"
)

// JudgeID returns the id of user's judge record at event.
func (db *DB) JudgeID(ctx context.Context, event, user int64) (int64, error) {
	var id int64
	err := db.readRow(ctx, `SELECT id FROM judges WHERE event_id = ? AND user_id = ?`, []any{event, user}, &id)
	if err == sql.ErrNoRows {
		return 0, apperr.New(apperr.Forbidden, "you are not a judge of this event")
	}
	return id, internal(err, "load judge")
}

// WorkCompetitor is a competitor as a judge sees them: nothing under blind
// judging but the entry's code.
type WorkCompetitor struct {
	NameNative string `json:"name_native"`
	NameLatin  string `json:"name_latin"`
}

// WorkEntry is one entry a judge may mark.
type WorkEntry struct {
	EntryID     int64            `json:"entry_id"`
	Code        string           `json:"code"`
	Team        string           `json:"team,omitempty"`
	Competitors []WorkCompetitor `json:"competitors,omitempty"`
}

// Work is everything a judge's tablet needs for one skill: the sub-criteria
// of their panels with aspects and descriptors, the entries they may mark,
// their own marks, and where each entry's sub-criteria stand (with the
// panel's scores on flagged aspects, to talk through and re-score).
type Work struct {
	JudgeID     int64                  `json:"judge_id"`
	SkillID     int64                  `json:"skill_id"`
	Blind       bool                   `json:"blind"`
	Marking     MarkingSettings        `json:"marking"`
	SubCriteria []scoring.SubCriterion `json:"sub_criteria"`
	Entries     []WorkEntry            `json:"entries"`
	Marks       []Mark                 `json:"marks"`
	Status      []SubStatus            `json:"status"`
}

// JudgeWork assembles the work of judge on skill sk of event e (as the
// caller already loaded them).
func (db *DB) JudgeWork(ctx context.Context, e Event, sk Skill, judge int64) (Work, error) {
	event, skill := e.ID, sk.ID
	ev, err := evaluate(ctx, db.read, event, skill)
	if err != nil {
		return Work{}, err
	}
	w := Work{JudgeID: judge, SkillID: skill, Blind: e.Settings.BlindJudging, Marking: sk.Marking,
		SubCriteria: []scoring.SubCriterion{}, Entries: []WorkEntry{}, Status: []SubStatus{}}
	mine := map[int64]bool{}
	for _, sub := range ev.subs {
		for _, j := range ev.panels[sub.ID] {
			if j == judge {
				mine[sub.ID] = true
				w.SubCriteria = append(w.SubCriteria, sub)
			}
		}
	}
	comps, err := db.Competitors(ctx, event, skill)
	if err != nil {
		return Work{}, err
	}
	byEntry := map[int64][]Competitor{}
	for _, c := range comps {
		byEntry[c.EntryID] = append(byEntry[c.EntryID], c)
	}
	me, ok := ev.people.judges[judge]
	for _, entry := range ev.entries {
		if !ok || ev.people.conflicted(me, entry) {
			continue
		}
		we := WorkEntry{EntryID: entry, Code: ev.people.codes[entry]}
		for _, c := range byEntry[entry] {
			if !w.Blind { // a team's name identifies it as much as its members' names
				we.Team = c.Team
				we.Competitors = append(we.Competitors, WorkCompetitor{NameNative: c.NameNative, NameLatin: c.NameLatin})
			}
		}
		w.Entries = append(w.Entries, we)
		for _, sub := range w.SubCriteria {
			w.Status = append(w.Status, *ev.status[[2]int64{entry, sub.ID}])
		}
	}
	w.Marks, err = queryAll(ctx, db.read, func(r scanner) (m Mark, err error) {
		var kind scoring.AspectKind
		err = r.Scan(&m.ID, &m.EntryID, &m.AspectID, &m.JudgeID, &m.Value, &m.Version, &m.UpdatedAt, &kind)
		m.Shown = asSent(kind, m.Value)
		return m, err
	}, "marks", `SELECT m.id, m.entry_id, m.aspect_id, m.judge_id, m.value, m.version, m.updated_at, a.kind FROM marks m
		JOIN aspects a ON a.id = m.aspect_id WHERE a.skill_id = ? AND m.judge_id = ? ORDER BY m.id`, skill, judge)
	return w, err
}
