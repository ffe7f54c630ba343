package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"bayskills/apperr"
	"bayskills/scoring"
)

// SkillKind says whether a skill is contested by individuals or by teams.
type SkillKind string

// The skill kinds.
const (
	Individual SkillKind = "individual"
	Team       SkillKind = "team"
)

// Skill is one trade contested at an event (e.g. CNC Milling), marked against
// its own marking scheme.
type Skill struct {
	ID             int64     `json:"id"`
	EventID        int64     `json:"event_id"`
	Code           string    `json:"code"`
	Name           Names     `json:"name"`
	OccupationCode string    `json:"occupation_code"`
	Kind           SkillKind `json:"kind"`
	// TeamSize is the most members a team may have (1 for individual skills).
	TeamSize int `json:"team_size"`
	// TotalMarks is what the marking scheme's aspects add up to.
	TotalMarks int             `json:"total_marks"`
	Marking    MarkingSettings `json:"marking"`
	CreatedAt  string          `json:"created_at"`
	UpdatedAt  string          `json:"updated_at"`
}

// MarkingSettings are a skill's marking options (DESIGN §5).
type MarkingSettings struct {
	Aggregation     scoring.Aggregation `json:"aggregation"`      // mean or trimmed_mean
	DivergenceLimit int                 `json:"divergence_limit"` // D: J scores may differ by at most this
	SingleEntry     bool                `json:"single_entry"`     // M aspects without a second, confirming entry
}

// MarkingPatch changes marking settings; nil fields stay as they are.
type MarkingPatch struct {
	Aggregation     *scoring.Aggregation `json:"aggregation"`
	DivergenceLimit *int                 `json:"divergence_limit"`
	SingleEntry     *bool                `json:"single_entry"`
}

func (p *MarkingPatch) apply(m MarkingSettings) MarkingSettings {
	if p != nil {
		setIf(&m.Aggregation, p.Aggregation)
		setIf(&m.DivergenceLimit, p.DivergenceLimit)
		setIf(&m.SingleEntry, p.SingleEntry)
	}
	return m
}

func defaultMarking() MarkingSettings {
	r := scoring.DefaultMarkingRules()
	return MarkingSettings{Aggregation: r.Aggregation, DivergenceLimit: r.DivergenceLimit, SingleEntry: r.SingleEntry}
}

// SkillInput is what a caller gives to create a skill. Kind defaults to
// individual, team size to 2 for teams, total marks to 100.
type SkillInput struct {
	Code           string        `json:"code"`
	Name           Names         `json:"name"`
	OccupationCode string        `json:"occupation_code"`
	Kind           SkillKind     `json:"kind"`
	TeamSize       int           `json:"team_size"`
	TotalMarks     int           `json:"total_marks"`
	Marking        *MarkingPatch `json:"marking"`
}

// Skill returns the skill described by in, with defaults filled.
func (in SkillInput) Skill() Skill {
	s := Skill{Code: in.Code, Name: in.Name, OccupationCode: in.OccupationCode, Kind: in.Kind, TeamSize: in.TeamSize,
		TotalMarks: in.TotalMarks, Marking: in.Marking.apply(defaultMarking())}
	if s.Kind == "" {
		s.Kind = Individual
	}
	if s.Kind == Team && s.TeamSize == 0 {
		s.TeamSize = 2
	}
	if s.TotalMarks == 0 {
		s.TotalMarks = 100
	}
	return s
}

// SkillPatch changes a skill; nil fields stay as they are.
type SkillPatch struct {
	Code           *string       `json:"code"`
	Name           *Names        `json:"name"`
	OccupationCode *string       `json:"occupation_code"`
	Kind           *SkillKind    `json:"kind"`
	TeamSize       *int          `json:"team_size"`
	TotalMarks     *int          `json:"total_marks"`
	Marking        *MarkingPatch `json:"marking"`
}

// Apply returns s with p's fields set.
func (p SkillPatch) Apply(s Skill) Skill {
	setIf(&s.Code, p.Code)
	if p.Name != nil {
		s.Name = *p.Name
	}
	setIf(&s.OccupationCode, p.OccupationCode)
	setIf(&s.Kind, p.Kind)
	setIf(&s.TeamSize, p.TeamSize)
	setIf(&s.TotalMarks, p.TotalMarks)
	s.Marking = p.Marking.apply(s.Marking)
	return s
}

// Normalize trims text; an individual skill has a team size of 1.
func (s *Skill) Normalize() {
	s.Code = clean(s.Code)
	s.Name.trim()
	s.OccupationCode = clean(s.OccupationCode)
	if s.Kind == Individual {
		s.TeamSize = 1
	}
}

// Validate lists every problem with s.
func (s Skill) Validate() error {
	fe := apperr.FieldErrors{}
	checkCode(fe, "code", s.Code)
	s.Name.check(fe, "name")
	checkText(fe, "occupation_code", s.OccupationCode, false, 32)
	switch s.Kind {
	case Individual:
	case Team:
		if s.TeamSize < 2 || s.TeamSize > 20 {
			fe.Add("team_size", "must be between 2 and 20 for a team skill")
		}
	default:
		fe.Add("kind", "must be individual or team")
	}
	if s.TotalMarks < 1 || s.TotalMarks > 1000 {
		fe.Add("total_marks", "must be between 1 and 1000")
	}
	if _, err := scoring.ParseAggregation(string(s.Marking.Aggregation)); err != nil || s.Marking.Aggregation == "" {
		fe.Add("marking.aggregation", "must be mean or trimmed_mean")
	}
	if d := s.Marking.DivergenceLimit; d < 0 || d > 3 {
		fe.Add("marking.divergence_limit", "must be between 0 and 3")
	}
	return fe.Err("the skill has invalid fields")
}

const skillColumns = `id, event_id, code, name_en, name_zh_hans, name_zh_hant, name_pt, occupation_code, kind,
	team_size, total_marks, aggregation, divergence_limit, single_entry, created_at, updated_at`

func scanSkill(row scanner) (Skill, error) {
	var s Skill
	err := row.Scan(&s.ID, &s.EventID, &s.Code, &s.Name.En, &s.Name.ZhHans, &s.Name.ZhHant, &s.Name.Pt,
		&s.OccupationCode, &s.Kind, &s.TeamSize, &s.TotalMarks, &s.Marking.Aggregation, &s.Marking.DivergenceLimit,
		&s.Marking.SingleEntry, &s.CreatedAt, &s.UpdatedAt)
	return s, err
}

// CreateSkill adds a skill to event.
func (db *DB) CreateSkill(ctx context.Context, event int64, in SkillInput) (Skill, error) {
	s := in.Skill()
	s.Normalize()
	if err := s.Validate(); err != nil {
		return Skill{}, err
	}
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insertSkill(ctx, tx, event, s, db.stamp())
		return err
	})
	if err != nil {
		return Skill{}, err
	}
	return db.Skill(ctx, event, id)
}

func insertSkill(ctx context.Context, tx *sql.Tx, event int64, s Skill, now string) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO skills (event_id, code, name_en, name_zh_hans, name_zh_hant, name_pt,
		occupation_code, kind, team_size, total_marks, aggregation, divergence_limit, single_entry, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		event, s.Code, s.Name.En, s.Name.ZhHans, s.Name.ZhHant, s.Name.Pt, s.OccupationCode, s.Kind, s.TeamSize,
		s.TotalMarks, s.Marking.Aggregation, s.Marking.DivergenceLimit, s.Marking.SingleEntry, now, now)
	if isUnique(err) {
		return 0, apperr.New(apperr.Conflict, "the event already has a skill with code %q", s.Code)
	}
	if err != nil {
		return 0, internal(err, "insert skill")
	}
	return res.LastInsertId()
}

// Skill loads skill id of event (NotFound if it belongs to another event).
func (db *DB) Skill(ctx context.Context, event, id int64) (Skill, error) {
	stmt, err := db.readStmt(ctx, `SELECT `+skillColumns+` FROM skills WHERE id = ? AND event_id = ?`)
	if err != nil {
		return Skill{}, err
	}
	s, err := scanSkill(stmt.QueryRowContext(ctx, id, event))
	return s, notFound(err, "skill")
}

// Skills lists the skills of event by code.
func (db *DB) Skills(ctx context.Context, event int64) ([]Skill, error) {
	return queryAll(ctx, db.read, scanSkill, "skills", `SELECT `+skillColumns+` FROM skills WHERE event_id = ? ORDER BY code`, event)
}

// UpdateSkill applies p to skill id of event, on behalf of user. The kind and
// team size cannot change in a way that existing teams no longer fit; the
// total cannot change once marking started. The change is audited.
func (db *DB) UpdateSkill(ctx context.Context, event, id, user int64, p SkillPatch) (Skill, error) {
	err := db.eventTx(ctx, event, user, func(tx *sql.Tx) error {
		old, err := scanSkill(tx.QueryRowContext(ctx, `SELECT `+skillColumns+` FROM skills WHERE id = ? AND event_id = ?`, id, event))
		if err != nil {
			return notFound(err, "skill")
		}
		s := p.Apply(old)
		if s.Kind == Team && old.Kind == Individual && p.TeamSize == nil {
			s.TeamSize = 2
		}
		s.Normalize()
		if err := s.Validate(); err != nil {
			return err
		}
		if s.Kind != old.Kind || s.TeamSize < old.TeamSize {
			var largest int
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM competitors
				WHERE skill_id = ? GROUP BY entry_id)`, id).Scan(&largest); err != nil {
				return internal(err, "count team members")
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM competitors WHERE skill_id = ?`, id).Scan(&n); err != nil {
				return internal(err, "count competitors")
			}
			if s.Kind != old.Kind && n > 0 {
				return apperr.New(apperr.Conflict, "the skill already has competitors; its kind cannot change")
			}
			if largest > s.TeamSize {
				return apperr.New(apperr.Conflict, "a team of this skill already has %d members", largest)
			}
		}
		if s.TotalMarks != old.TotalMarks {
			var aspects int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM aspects WHERE skill_id = ?`, id).Scan(&aspects); err != nil {
				return internal(err, "count aspects")
			}
			if aspects > 0 {
				return apperr.New(apperr.Conflict, "the skill has a marking scheme adding up to %d marks; "+
					"upload a scheme for the new total together with the change, or remove the scheme first", old.TotalMarks)
			}
		}
		s.UpdatedAt = db.stamp()
		_, err = tx.ExecContext(ctx, `UPDATE skills SET code = ?, name_en = ?, name_zh_hans = ?, name_zh_hant = ?, name_pt = ?,
			occupation_code = ?, kind = ?, team_size = ?, total_marks = ?, aggregation = ?, divergence_limit = ?,
			single_entry = ?, updated_at = ? WHERE id = ?`,
			s.Code, s.Name.En, s.Name.ZhHans, s.Name.ZhHant, s.Name.Pt, s.OccupationCode, s.Kind, s.TeamSize,
			s.TotalMarks, s.Marking.Aggregation, s.Marking.DivergenceLimit, s.Marking.SingleEntry, s.UpdatedAt, id)
		if isUnique(err) {
			return apperr.New(apperr.Conflict, "the event already has a skill with code %q", s.Code)
		}
		if err != nil {
			return internal(err, "update skill")
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: id, action: ActionSkillSettings,
			subject: "skill:" + s.Code, before: old, after: s})
	})
	if err != nil {
		return Skill{}, err
	}
	return db.Skill(ctx, event, id)
}

// skillsByCode maps the codes of event's skills to the skills, in tx.
func skillsByCode(ctx context.Context, tx *sql.Tx, event int64) (map[string]Skill, error) {
	list, err := queryAll(ctx, tx, scanSkill, "skills", `SELECT `+skillColumns+` FROM skills WHERE event_id = ?`, event)
	out := make(map[string]Skill, len(list))
	for _, s := range list {
		out[s.Code] = s
	}
	return out, err
}

func skillCodes(m map[string]Skill) string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	if len(codes) == 0 {
		return "the event has no skills yet"
	}
	sort.Strings(codes)
	return fmt.Sprintf("must be one of the event's skill codes (%s)", strings.Join(codes, ", "))
}
