package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"bayskills/apperr"
	"bayskills/scoring"
)

// Audit actions of the results lifecycle.
const (
	ActionResultsProvisional  = "results.provisional"
	ActionResultsAppealClosed = "results.appeals_closed"
	ActionResultsConfirm      = "results.confirm"
	ActionResultsFinal        = "results.final"
	ActionResultsReopen       = "results.reopen"
)

// ResultState is where a skill's results stand (DESIGN §6: marking →
// provisional → appeal window → final).
type ResultState string

// The result states.
const (
	ResultsMarking     ResultState = "marking"
	ResultsProvisional ResultState = "provisional"
	ResultsFinal       ResultState = "final"
)

// Confirmer says in which capacity someone confirms results: both the chief
// expert and an organizer must, in either order.
type Confirmer string

// The two confirmations final results need.
const (
	ConfirmChiefExpert Confirmer = "chief_expert"
	ConfirmOrganizer   Confirmer = "organizer"
)

// Lifecycle is the state of a skill's results and who moved it on.
type Lifecycle struct {
	State         ResultState `json:"state"`
	SHA256        string      `json:"sha256,omitempty"` // of the stored results JSON
	ProvisionalAt string      `json:"provisional_at,omitempty"`
	// AppealUntil: confirmation waits until the appeal window has closed.
	AppealUntil          string `json:"appeal_until,omitempty"`
	AppealsClosedBy      int64  `json:"appeals_closed_by,omitempty"` // who closed the window early
	ChiefConfirmedBy     int64  `json:"chief_confirmed_by,omitempty"`
	ChiefConfirmedAt     string `json:"chief_confirmed_at,omitempty"`
	OrganizerConfirmedBy int64  `json:"organizer_confirmed_by,omitempty"`
	OrganizerConfirmedAt string `json:"organizer_confirmed_at,omitempty"`
	FinalAt              string `json:"final_at,omitempty"`
}

// Results are a skill's results with their place in the lifecycle.
type Results struct {
	Lifecycle Lifecycle `json:"lifecycle"`
	SkillResults
}

// storedResults is a row of skill_results.
type storedResults struct {
	Lifecycle
	skill   int64
	params  string
	results string
}

const storedColumns = `skill_id, state, params, results, sha256, provisional_at, appeal_until,
	coalesce(appeals_closed_by, 0), coalesce(chief_confirmed_by, 0), coalesce(chief_confirmed_at, ''),
	coalesce(organizer_confirmed_by, 0), coalesce(organizer_confirmed_at, ''), coalesce(final_at, '')`

func scanStored(row scanner) (s storedResults, err error) {
	l := &s.Lifecycle
	err = row.Scan(&s.skill, &l.State, &s.params, &s.results, &l.SHA256, &l.ProvisionalAt, &l.AppealUntil,
		&l.AppealsClosedBy, &l.ChiefConfirmedBy, &l.ChiefConfirmedAt, &l.OrganizerConfirmedBy, &l.OrganizerConfirmedAt,
		&l.FinalAt)
	return s, err
}

// loadStored reads skill's stored results; ok is false when there are none.
func loadStored(ctx context.Context, q rowQueryer, skill int64) (s storedResults, ok bool, err error) {
	s, err = scanStored(q.QueryRowContext(ctx, `SELECT `+storedColumns+` FROM skill_results WHERE skill_id = ?`, skill))
	if err == sql.ErrNoRows {
		return s, false, nil
	}
	if err != nil {
		return s, false, internal(err, "load results")
	}
	return s, true, nil
}

func (s storedResults) view() (Results, error) {
	out := Results{Lifecycle: s.Lifecycle}
	if err := json.Unmarshal([]byte(s.results), &out.SkillResults); err != nil {
		return Results{}, internal(err, "read stored results")
	}
	return out, nil
}

// Results returns skill's results: the stored provisional or final results
// when there are some, else (while marking) a 409 saying, per competitor
// code, which sub-criteria are not signed off yet.
func (db *DB) Results(ctx context.Context, event, skill int64) (Results, error) {
	if _, err := db.Skill(ctx, event, skill); err != nil {
		return Results{}, err
	}
	s, ok, err := loadStored(ctx, db.read, skill)
	if err != nil {
		return Results{}, err
	}
	if ok {
		return s.view()
	}
	// Not published: either marking is still open (the computation says
	// what is missing) or every sign-off predates the lifecycle.
	r, err := db.ComputeResults(ctx, event, skill)
	return Results{Lifecycle: Lifecycle{State: ResultsMarking}, SkillResults: r}, err
}

// stampAt formats t as timestamps are stored.
func stampAt(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// skillSubject names a skill in the audit trail.
func skillSubject(skill int64) string { return "skill:" + strconv.FormatInt(skill, 10) }

// publishIfComplete publishes provisional results once the last open
// sub-criterion of skill has been signed off inside tx.
func (db *DB) publishIfComplete(ctx context.Context, tx *sql.Tx, event, skill, user int64) error {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM entries WHERE skill_id = ?1) * (SELECT count(*) FROM sub_criteria WHERE skill_id = ?1)
		- (SELECT count(*) FROM signoffs o JOIN sub_criteria s ON s.id = o.sub_criterion_id
		   WHERE s.skill_id = ?1 AND o.unlocked_at IS NULL)`, skill).Scan(&open); err != nil {
		return internal(err, "count open sub-criteria")
	}
	if open != 0 {
		return nil
	}
	return db.publish(ctx, tx, event, skill, user)
}

// computed are a skill's results computed inside a write transaction,
// encoded as they are stored.
type computed struct {
	in   *resultInputs
	res  SkillResults
	body []byte
}

func compute(ctx context.Context, tx *sql.Tx, event, skill int64) (computed, error) {
	in, err := loadResultInputs(ctx, tx, event, skill)
	if err != nil {
		return computed{}, err
	}
	c := computed{in: in}
	if c.res, err = computeResults(in); err != nil {
		return computed{}, err
	}
	c.body, err = json.Marshal(c.res)
	return c, internal(err, "encode results")
}

// publish computes skill's results inside tx and stores them as
// provisional, opening the appeal window from now.
func (db *DB) publish(ctx context.Context, tx *sql.Tx, event, skill, user int64) error {
	c, err := compute(ctx, tx, event, skill)
	if err != nil {
		return err
	}
	return db.store(ctx, tx, event, skill, user, c)
}

// store keeps c as skill's provisional results, replacing any published
// before (the audit trail keeps them all), and opens the appeal window.
func (db *DB) store(ctx context.Context, tx *sql.Tx, event, skill, user int64, c computed) error {
	params, err := json.Marshal(c.in.params)
	if err != nil {
		return internal(err, "encode result settings")
	}
	sum := sha256.Sum256(c.body)
	digest := hex.EncodeToString(sum[:])
	now := db.now()
	until := stampAt(now.Add(time.Duration(c.in.appealWindow) * time.Minute))
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO skill_results (skill_id, state, params, results, sha256,
		provisional_at, appeal_until) VALUES (?, 'provisional', ?, ?, ?, ?, ?)`,
		skill, string(params), string(c.body), digest, stampAt(now), until); err != nil {
		return internal(err, "store results")
	}
	return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionResultsProvisional,
		subject: skillSubject(skill), after: map[string]any{"sha256": digest, "params": c.in.params,
			"appeal_until": until, "entries": len(c.res.Entries)}})
}

// eventTx is tx for a setup change of event (people, panels, settings)
// that may alter results already published: inside the same transaction
// they are recomputed, and where they come out differently, provisional
// results are republished (with a new appeal window) or reopened, while
// final results refuse the change.
func (db *DB) eventTx(ctx context.Context, event, user int64, fn func(*sql.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return db.refreshResults(ctx, tx, event, user)
	})
}

func (db *DB) refreshResults(ctx context.Context, tx *sql.Tx, event, user int64) error {
	stored, err := queryAll(ctx, tx, scanStored, "results", `SELECT `+storedColumns+` FROM skill_results
		WHERE skill_id IN (SELECT id FROM skills WHERE event_id = ?) ORDER BY skill_id`, event)
	if err != nil {
		return err
	}
	for _, s := range stored {
		c, err := compute(ctx, tx, event, s.skill)
		if err != nil && apperr.CodeOf(err) == apperr.Internal {
			return err
		}
		if err == nil && string(c.body) == s.results {
			continue
		}
		if s.State == ResultsFinal {
			var code string
			if err := tx.QueryRowContext(ctx, `SELECT code FROM skills WHERE id = ?`, s.skill).Scan(&code); err != nil {
				return internal(err, "load skill")
			}
			return apperr.New(apperr.Conflict, "this would change the final results of skill %s; a chief expert's "+
				"unlock reopens them first", code)
		}
		if err != nil { // no longer complete: back to marking
			if err := db.reopen(ctx, tx, event, s.skill, user, "a setup change: "+err.Error()); err != nil {
				return err
			}
			continue
		}
		if err := db.store(ctx, tx, event, s.skill, user, c); err != nil {
			return err
		}
	}
	return nil
}

// reopen returns skill's results to marking, inside the transaction of the
// unlock that reopens them: the stored results go, the audit trail keeps
// what they were and why.
func (db *DB) reopen(ctx context.Context, tx *sql.Tx, event, skill, user int64, reason string) error {
	s, ok, err := loadStored(ctx, tx, skill)
	if err != nil || !ok {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM skill_results WHERE skill_id = ?`, skill); err != nil {
		return internal(err, "reopen results")
	}
	return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionResultsReopen,
		subject: skillSubject(skill), before: map[string]any{"state": s.State, "sha256": s.SHA256},
		after: map[string]any{"reason": reason}})
}

// provisionalFor loads skill's stored results inside tx for a lifecycle
// step, refusing unless they are provisional.
func provisionalFor(ctx context.Context, tx *sql.Tx, skill int64) (storedResults, error) {
	s, ok, err := loadStored(ctx, tx, skill)
	switch {
	case err != nil:
		return s, err
	case !ok:
		return s, apperr.New(apperr.Conflict, "there are no provisional results yet: every sub-criterion of every "+
			"competitor must be signed off first")
	case s.State == ResultsFinal:
		return s, apperr.New(apperr.Conflict, "the results are already final (since %s)", s.FinalAt)
	}
	return s, nil
}

// CloseAppeals ends skill's appeal window early (every team has waived
// appeals, or they have been heard), with a reason for the audit trail.
func (db *DB) CloseAppeals(ctx context.Context, event, skill, user int64, reason string) (Results, error) {
	reason, err := requireReason(reason, "closing the appeal window needs a reason")
	if err != nil {
		return Results{}, err
	}
	err = db.lockTx(ctx, func(tx *sql.Tx) error {
		s, err := provisionalFor(ctx, tx, skill)
		if err != nil {
			return err
		}
		now := db.stamp()
		if s.AppealUntil <= now {
			return apperr.New(apperr.Conflict, "the appeal window closed at %s", s.AppealUntil)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE skill_results SET appeal_until = ?, appeals_closed_by = ? WHERE skill_id = ?`,
			now, user, skill); err != nil {
			return internal(err, "close appeals")
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionResultsAppealClosed,
			subject: skillSubject(skill), before: map[string]any{"appeal_until": s.AppealUntil},
			after: map[string]any{"appeal_until": now, "reason": reason}})
	})
	if err != nil {
		return Results{}, err
	}
	return db.Results(ctx, event, skill)
}

// ConfirmResults records user's confirmation of skill's provisional results
// as the chief expert or as an organizer, once the appeal window has
// closed. With both confirmations the results become final.
func (db *DB) ConfirmResults(ctx context.Context, event, skill, user int64, as Confirmer) (Results, error) {
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		s, err := provisionalFor(ctx, tx, skill)
		if err != nil {
			return err
		}
		now := db.stamp()
		if now < s.AppealUntil {
			return apperr.New(apperr.Conflict, "the appeal window is open until %s; results can be confirmed after it "+
				"closes (an organizer may close it early, with a reason)", s.AppealUntil)
		}
		by, column := s.ChiefConfirmedBy, "chief"
		if as == ConfirmOrganizer {
			by, column = s.OrganizerConfirmedBy, "organizer"
		}
		if by != 0 {
			return apperr.New(apperr.Conflict, "the %s has already confirmed these results", map[Confirmer]string{
				ConfirmChiefExpert: "chief expert", ConfirmOrganizer: "organizer"}[as])
		}
		if _, err := tx.ExecContext(ctx, `UPDATE skill_results SET `+column+`_confirmed_by = ?, `+column+
			`_confirmed_at = ? WHERE skill_id = ?`, user, now, skill); err != nil {
			return internal(err, "confirm results")
		}
		if err := db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionResultsConfirm,
			subject: skillSubject(skill), after: map[string]any{"as": as, "sha256": s.SHA256}}); err != nil {
			return err
		}
		if s.ChiefConfirmedBy == 0 && s.OrganizerConfirmedBy == 0 {
			return nil // the other confirmation is still to come
		}
		if _, err := tx.ExecContext(ctx, `UPDATE skill_results SET state = 'final', final_at = ? WHERE skill_id = ?`,
			now, skill); err != nil {
			return internal(err, "finalise results")
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionResultsFinal,
			subject: skillSubject(skill), after: map[string]any{"sha256": s.SHA256}})
	})
	if err != nil {
		return Results{}, err
	}
	return db.Results(ctx, event, skill)
}

// requireReason cleans reason and insists on one of at least 5 characters.
func requireReason(reason, message string) (string, error) {
	reason = clean(reason)
	fe := apperr.FieldErrors{}
	checkText(fe, "reason", reason, true, 500)
	if len([]rune(reason)) < 5 && fe["reason"] == "" {
		fe.Add("reason", "say why, in at least 5 characters")
	}
	return reason, fe.Err(message)
}

// verifyResults recomputes every stored result from the marks replayed out
// of the audit trail (replayed, by mark id) with the settings stored with
// them, and reports where the recomputation differs from what was stored.
func (db *DB) verifyResults(ctx context.Context, replayed map[int64]markState, problem func(string, ...any)) error {
	stored, err := queryAll(ctx, db.read, scanStored, "results", `SELECT `+storedColumns+` FROM skill_results ORDER BY skill_id`)
	if err != nil {
		return err
	}
	for _, s := range stored {
		var event int64
		if err := db.read.QueryRowContext(ctx, `SELECT event_id FROM skills WHERE id = ?`, s.skill).Scan(&event); err != nil {
			return internal(err, "load skill")
		}
		ev, err := loadEvalWith(ctx, db.read, event, s.skill, 0, func(ev *skillEval) error {
			aspects := map[int64]bool{}
			for _, sub := range ev.subs {
				for _, a := range sub.Aspects {
					aspects[a.ID] = true
				}
			}
			for _, m := range replayed {
				if aspects[m.Aspect] {
					ev.add([2]int64{m.Entry, m.Aspect}, scoring.JudgeMark{Judge: m.Judge, Value: m.Value})
				}
			}
			for _, marks := range ev.marks {
				slices.SortFunc(marks, func(a, b scoring.JudgeMark) int { return cmp.Compare(a.Judge, b.Judge) })
			}
			return nil
		})
		if err != nil {
			return err
		}
		in, err := loadResultContext(ctx, db.read, ev, event, s.skill)
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(s.params), &in.params); err != nil {
			problem("results of skill %d: unreadable stored settings", s.skill)
			continue
		}
		res, err := computeResults(in)
		if err != nil {
			problem("results of skill %d: cannot be recomputed from the audit trail: %v", s.skill, err)
			continue
		}
		body, err := json.Marshal(res)
		if err != nil {
			return internal(err, "encode results")
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != s.SHA256 || string(body) != s.results {
			problem("results of skill %d: the stored %s results differ from a recomputation from the audit trail", s.skill, s.State)
		}
		var published struct {
			SHA256 string `json:"sha256"`
		}
		var after string
		err = db.read.QueryRowContext(ctx, `SELECT after FROM audit WHERE skill_id = ? AND action = ? ORDER BY seq DESC LIMIT 1`,
			s.skill, ActionResultsProvisional).Scan(&after)
		if err == nil {
			err = json.Unmarshal([]byte(after), &published)
		}
		if err != nil || published.SHA256 != s.SHA256 {
			problem("results of skill %d: the stored results are not the ones the audit trail says were published", s.skill)
		}
	}
	return nil
}
