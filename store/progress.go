package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"bayskills/apperr"
	"bayskills/scoring"
)

// JudgeScore is one judge's score, shown to the panel when an aspect is
// flagged so the judges can talk it through and re-score.
type JudgeScore struct {
	JudgeID int64         `json:"judge_id"`
	Value   scoring.Centi `json:"value"` // as sent: a J score or M marks
}

// AspectStatus is where one aspect of one entry stands.
type AspectStatus struct {
	AspectID int64               `json:"aspect_id"`
	Code     string              `json:"code"`
	State    scoring.AspectState `json:"state"`
	Missing  []int64             `json:"missing_judges,omitempty"`
	Scores   []JudgeScore        `json:"scores,omitempty"` // only when flagged
	value    *big.Rat            // the aspect's mark in hundredths, when complete
}

// Sub-criterion states, in the order marking moves through them.
const (
	SubNotStarted = "not_started"
	SubInProgress = "in_progress"
	SubFlagged    = "flagged"
	SubComplete   = "complete" // every aspect complete: ready for sign-off
	SubSignedOff  = "signed_off"
)

// SubStatus is where one entry's sub-criterion stands.
type SubStatus struct {
	EntryID        int64          `json:"entry_id"`
	SubCriterionID int64          `json:"sub_criterion_id"`
	Code           string         `json:"code"`
	State          string         `json:"state"`
	Missing        int            `json:"missing"`
	Flagged        int            `json:"flagged"`
	SignedBy       int64          `json:"signed_by,omitempty"`
	SignedAt       string         `json:"signed_at,omitempty"`
	Aspects        []AspectStatus `json:"aspects,omitempty"`
}

// skillEval is the whole marking state of one skill, evaluated by the rules.
type skillEval struct {
	scheme  SkillScheme
	rules   scoring.MarkingRules
	people  *skillPeople
	panels  map[int64][]int64 // sub → judges
	subs    []scoring.SubCriterion
	marks   map[[2]int64][]scoring.JudgeMark // (entry, aspect) → marks
	entries []int64                          // in code order
	status  map[[2]int64]*SubStatus          // (entry, sub)
	total   int                              // marks stored
	signed  []signoff
}

type signoff struct {
	entry, sub, by int64
	at             string
}

func loadRules(ctx context.Context, q rowQueryer, skill int64) (scoring.MarkingRules, error) {
	var r scoring.MarkingRules
	err := q.QueryRowContext(ctx, `SELECT aggregation, divergence_limit, single_entry FROM skills WHERE id = ?`, skill).Scan(
		&r.Aggregation, &r.DivergenceLimit, &r.SingleEntry)
	return r, notFound(err, "skill")
}

// evaluate loads everything marking depends on for skill and applies the
// rules of scoring to every entry × sub-criterion.
func evaluate(ctx context.Context, q rowQueryer, event, skill int64) (*skillEval, error) {
	ev, err := loadEval(ctx, q, event, skill, 0)
	if err != nil {
		return nil, err
	}
	return ev, ev.apply()
}

// loadEval reads what evaluation needs, without applying any rule: for
// every entry of skill, or only for entry `only` when it is not 0 (a
// sign-off, inside the write transaction, needs just its own).
func loadEval(ctx context.Context, q rowQueryer, event, skill, only int64) (*skillEval, error) {
	return loadEvalWith(ctx, q, event, skill, only, func(ev *skillEval) error { return ev.loadMarks(ctx, q, skill, only) })
}

// loadEvalWith is loadEval taking the marks from a source of the caller's
// (the audit trail's replay, when results are recomputed from it).
func loadEvalWith(ctx context.Context, q rowQueryer, event, skill, only int64, marks func(*skillEval) error) (*skillEval, error) {
	ev := &skillEval{panels: map[int64][]int64{}, marks: map[[2]int64][]scoring.JudgeMark{}, status: map[[2]int64]*SubStatus{}}
	var err error
	if ev.scheme, err = loadScheme(ctx, q, event, skill); err != nil {
		return nil, err
	}
	if ev.rules, err = loadRules(ctx, q, skill); err != nil {
		return nil, err
	}
	if ev.people, err = loadSkillPeople(ctx, q, event, skill); err != nil {
		return nil, err
	}
	for _, c := range ev.scheme.Scheme.Criteria {
		ev.subs = append(ev.subs, c.SubCriteria...)
	}
	members, err := queryAll(ctx, q, func(r scanner) (m [2]int64, err error) { err = r.Scan(&m[0], &m[1]); return m, err },
		"panels", `SELECT p.sub_criterion_id, p.judge_id FROM panel_members p JOIN sub_criteria s ON s.id = p.sub_criterion_id
		WHERE s.skill_id = ?`, skill)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		ev.panels[m[0]] = append(ev.panels[m[0]], m[1])
	}
	if err := marks(ev); err != nil {
		return nil, err
	}
	for entry := range ev.people.entries {
		if only == 0 || entry == only {
			ev.entries = append(ev.entries, entry)
		}
	}
	sort.Slice(ev.entries, func(a, b int) bool { return ev.people.codes[ev.entries[a]] < ev.people.codes[ev.entries[b]] })
	ev.signed, err = queryAll(ctx, q, func(r scanner) (s signoff, err error) {
		err = r.Scan(&s.entry, &s.sub, &s.by, &s.at)
		return s, err
	}, "sign-offs", `SELECT o.entry_id, o.sub_criterion_id, o.signed_by, o.signed_at FROM signoffs o
		JOIN sub_criteria s ON s.id = o.sub_criterion_id WHERE s.skill_id = ? AND o.unlocked_at IS NULL
		AND (?2 = 0 OR o.entry_id = ?2)`, skill, only)
	return ev, err
}

// loadMarks reads the stored marks of skill (of entry only, when not 0).
func (ev *skillEval) loadMarks(ctx context.Context, q rowQueryer, skill, only int64) error {
	// One row per entry and aspect, its marks as "judge:value,…": a skill's
	// marks are the bulk of what results read, and the driver's cost is per
	// row and column.
	type aspectMarks struct {
		entry, aspect int64
		marks         string
	}
	query, args := `SELECT m.aspect_id, m.entry_id, group_concat(m.judge_id || ':' || m.value)
		FROM aspects a JOIN marks m ON m.aspect_id = a.id WHERE a.skill_id = ? GROUP BY m.aspect_id, m.entry_id`, []any{skill}
	if only != 0 {
		query, args = `SELECT m.aspect_id, m.entry_id, group_concat(m.judge_id || ':' || m.value)
		FROM aspects a JOIN marks m ON m.aspect_id = a.id WHERE a.skill_id = ? AND m.entry_id = ?
		GROUP BY m.aspect_id, m.entry_id`, []any{skill, only}
	}
	rows, err := queryAll(ctx, q, func(r scanner) (m aspectMarks, err error) {
		err = r.Scan(&m.aspect, &m.entry, &m.marks)
		return m, err
	}, "marks", query, args...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		k := [2]int64{r.entry, r.aspect}
		for _, jm := range strings.Split(r.marks, ",") {
			judge, value, _ := strings.Cut(jm, ":")
			j, err1 := strconv.ParseInt(judge, 10, 64)
			v, err2 := strconv.ParseInt(value, 10, 64)
			if err1 != nil || err2 != nil {
				return internal(fmt.Errorf("mark %q of aspect %d", jm, r.aspect), "read marks")
			}
			ev.add(k, scoring.JudgeMark{Judge: j, Value: v})
		}
	}
	return nil
}

// add records mark m of (entry, aspect) k.
func (ev *skillEval) add(k [2]int64, m scoring.JudgeMark) {
	ev.marks[k] = append(ev.marks[k], m)
	ev.total++
}

// apply evaluates every entry × sub-criterion by the marking rules.
func (ev *skillEval) apply() error {
	for _, entry := range ev.entries {
		for _, sub := range ev.subs {
			st, err := ev.evaluateSub(entry, sub)
			if err != nil {
				return err
			}
			ev.status[[2]int64{entry, sub.ID}] = st
		}
	}
	for _, s := range ev.signed {
		if st := ev.status[[2]int64{s.entry, s.sub}]; st != nil {
			st.State, st.SignedBy, st.SignedAt = SubSignedOff, s.by, s.at
		}
	}
	return nil
}

// evaluateSub applies the marking rules to one entry's sub-criterion.
func (ev *skillEval) evaluateSub(entry int64, sub scoring.SubCriterion) (*SubStatus, error) {
	st := &SubStatus{EntryID: entry, SubCriterionID: sub.ID, Code: sub.Code}
	expected := ev.people.eligible(ev.panels[sub.ID], entry)
	var outcomes []scoring.AspectOutcome
	marked := 0
	for _, a := range sub.Aspects {
		marks := ev.marks[[2]int64{entry, a.ID}]
		marked += len(marks)
		as := AspectStatus{AspectID: a.ID, Code: a.Code, State: scoring.StateMissing}
		if len(expected) > 0 {
			var out scoring.AspectOutcome
			var err error
			if a.Kind == scoring.Judgement {
				out, err = scoring.EvaluateJudgement(int64(a.MaxMark), expected, marks, ev.rules)
			} else {
				out, err = scoring.EvaluateMeasurement(int64(a.MaxMark), expected, marks, ev.rules)
			}
			if err != nil {
				return nil, internal(err, fmt.Sprintf("evaluate aspect %s of entry %d", a.Code, entry))
			}
			as.State, as.Missing, as.value = out.State, out.Missing, out.Value
			outcomes = append(outcomes, out)
		} else {
			outcomes = append(outcomes, scoring.AspectOutcome{State: scoring.StateMissing})
		}
		if as.State.Flagged() {
			for _, m := range marks {
				as.Scores = append(as.Scores, JudgeScore{JudgeID: m.Judge, Value: asSent(a.Kind, m.Value)})
			}
			sort.Slice(as.Scores, func(i, j int) bool { return as.Scores[i].JudgeID < as.Scores[j].JudgeID })
		}
		st.Aspects = append(st.Aspects, as)
	}
	sum := scoring.SummarizeSubCriterion(outcomes)
	st.Missing, st.Flagged = sum.Missing, sum.Flagged
	switch {
	case sum.Complete:
		st.State = SubComplete
	case sum.Flagged > 0:
		st.State = SubFlagged
	case marked > 0:
		st.State = SubInProgress
	default:
		st.State = SubNotStarted
	}
	return st, nil
}

// EntryProgress is one entry's sub-criteria.
type EntryProgress struct {
	EntryID     int64       `json:"entry_id"`
	Code        string      `json:"code"`
	SubCriteria []SubStatus `json:"sub_criteria"`
}

// JudgeProgress is one judge's share of the marking.
type JudgeProgress struct {
	JudgeID     int64  `json:"judge_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Entered     int    `json:"entered"` // marks stored
	Owed        int    `json:"owed"`    // judgement scores still expected from them
	Flagged     int    `json:"flagged"` // flagged aspects they scored
}

// ProgressTotals counts entry × sub-criterion pairs by state, and marks.
type ProgressTotals struct {
	Pairs       int            `json:"pairs"`
	ByState     map[string]int `json:"by_state"`
	MarksStored int            `json:"marks_stored"`
}

// Progress is the marking progress of a skill, for the organizer's dashboard.
type Progress struct {
	SkillID int64           `json:"skill_id"`
	Totals  ProgressTotals  `json:"totals"`
	Entries []EntryProgress `json:"entries"`
	Judges  []JudgeProgress `json:"judges"`
}

// Progress evaluates the marking of skill.
func (db *DB) Progress(ctx context.Context, event, skill int64) (Progress, error) {
	ev, err := evaluate(ctx, db.read, event, skill)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{SkillID: skill, Totals: ProgressTotals{ByState: map[string]int{}, MarksStored: ev.total},
		Entries: []EntryProgress{}, Judges: []JudgeProgress{}}
	judges := map[int64]*JudgeProgress{}
	for id := range ev.people.judges {
		judges[id] = &JudgeProgress{JudgeID: id}
	}
	for _, entry := range ev.entries {
		ep := EntryProgress{EntryID: entry, Code: ev.people.codes[entry], SubCriteria: []SubStatus{}}
		for _, sub := range ev.subs {
			st := *ev.status[[2]int64{entry, sub.ID}]
			for _, a := range st.Aspects {
				for _, j := range a.Missing {
					if jp := judges[j]; jp != nil {
						jp.Owed++
					}
				}
				for _, s := range a.Scores {
					if jp := judges[s.JudgeID]; jp != nil {
						jp.Flagged++
					}
				}
			}
			for _, a := range sub.Aspects {
				for _, m := range ev.marks[[2]int64{entry, a.ID}] {
					if jp := judges[m.Judge]; jp != nil {
						jp.Entered++
					}
				}
			}
			st.Aspects = nil
			p.Totals.Pairs++
			p.Totals.ByState[st.State]++
			ep.SubCriteria = append(ep.SubCriteria, st)
		}
		p.Entries = append(p.Entries, ep)
	}
	names, err := db.Judges(ctx, event, skill)
	if err != nil {
		return Progress{}, err
	}
	for _, j := range names {
		if jp := judges[j.ID]; jp != nil {
			jp.Username, jp.DisplayName = j.Username, j.DisplayName
		}
	}
	for _, jp := range judges {
		p.Judges = append(p.Judges, *jp)
	}
	sort.Slice(p.Judges, func(a, b int) bool { return p.Judges[a].JudgeID < p.Judges[b].JudgeID })
	return p, nil
}

// SignOff locks entry's sub-criterion sub, signed by judge (a member of its
// panel free to mark the entry), when every aspect is complete and none is
// flagged (DESIGN §5).
func (db *DB) SignOff(ctx context.Context, event, skill, judge, user, entry, sub int64) (SubStatus, error) {
	var out SubStatus
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		ev, err := loadEval(ctx, tx, event, skill, entry)
		if err == nil {
			err = ev.apply()
		}
		if err != nil {
			return err
		}
		st := ev.status[[2]int64{entry, sub}]
		if st == nil {
			return apperr.New(apperr.NotFound, "no such competitor and sub-criterion in this skill")
		}
		mayMark := false
		for _, j := range ev.people.eligible(ev.panels[sub], entry) {
			mayMark = mayMark || j == judge
		}
		if !mayMark {
			return apperr.New(apperr.Forbidden, "only a judge of this sub-criterion's panel free to mark this competitor may sign off")
		}
		switch st.State {
		case SubSignedOff:
			return apperr.New(apperr.Conflict, "already signed off at %s", st.SignedAt)
		case SubComplete:
		default:
			var open []string
			for _, a := range st.Aspects {
				if a.State != scoring.StateComplete {
					open = append(open, a.Code+" "+string(a.State))
				}
			}
			return apperr.New(apperr.Conflict, "cannot sign off %s: %s", st.Code, strings.Join(open, ", "))
		}
		now := db.stamp()
		if _, err := tx.ExecContext(ctx, `INSERT INTO signoffs (entry_id, sub_criterion_id, signed_by, signed_at) VALUES (?, ?, ?, ?)`,
			entry, sub, judge, now); err != nil {
			return internal(err, "sign off")
		}
		st.State, st.SignedBy, st.SignedAt = SubSignedOff, judge, now
		out = *st
		if err := db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionSignOff,
			subject: fmt.Sprintf("entry:%d/sub:%s", entry, st.Code), after: map[string]any{"entry_id": entry,
				"sub_criterion_id": sub, "judge_id": judge}}); err != nil {
			return err
		}
		return db.publishIfComplete(ctx, tx, event, skill, user)
	})
	return out, err
}

// Unlock reopens a signed-off sub-criterion; only the chief expert does it,
// always with a reason, which the audit trail keeps.
func (db *DB) Unlock(ctx context.Context, event, skill, user, entry, sub int64, reason string) error {
	reason, err := requireReason(reason, "an unlock needs a reason")
	if err != nil {
		return err
	}
	return db.lockTx(ctx, func(tx *sql.Tx) error {
		var id, signedBy int64
		var code string
		err := tx.QueryRowContext(ctx, `SELECT o.id, o.signed_by, s.code FROM signoffs o JOIN sub_criteria s ON s.id = o.sub_criterion_id
			WHERE o.entry_id = ? AND o.sub_criterion_id = ? AND s.skill_id = ? AND o.unlocked_at IS NULL`, entry, sub, skill).Scan(
			&id, &signedBy, &code)
		if err == sql.ErrNoRows {
			return apperr.New(apperr.Conflict, "this competitor's sub-criterion is not signed off")
		}
		if err != nil {
			return internal(err, "load sign-off")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signoffs SET unlocked_by = ?, unlocked_at = ?, unlock_reason = ? WHERE id = ?`,
			user, db.stamp(), reason, id); err != nil {
			return internal(err, "unlock")
		}
		if err := db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionUnlock,
			subject: fmt.Sprintf("entry:%d/sub:%s", entry, code), before: map[string]any{"signed_by": signedBy},
			after: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		return db.reopen(ctx, tx, event, skill, user, reason)
	})
}
