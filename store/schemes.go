package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"bayskills/apperr"
	"bayskills/scoring"
)

// SkillScheme is a skill's marking scheme with its state.
type SkillScheme struct {
	SkillID  int64          `json:"skill_id"`
	Total    scoring.Centi  `json:"total"`
	Locked   bool           `json:"locked"`
	LockedAt string         `json:"locked_at,omitempty"`
	Scheme   scoring.Scheme `json:"scheme"`
}

// Scheme loads the marking scheme of skill (of event).
func (db *DB) Scheme(ctx context.Context, event, skill int64) (SkillScheme, error) {
	return loadScheme(ctx, db.read, event, skill)
}

type rowQueryer interface {
	queryer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func loadScheme(ctx context.Context, q rowQueryer, event, skill int64) (SkillScheme, error) {
	ss := SkillScheme{SkillID: skill}
	var total int64
	var locked sql.NullString
	err := q.QueryRowContext(ctx, `SELECT total_marks, scheme_locked_at FROM skills WHERE id = ? AND event_id = ?`,
		skill, event).Scan(&total, &locked)
	if err != nil {
		return ss, notFound(err, "skill")
	}
	ss.Total, ss.Locked, ss.LockedAt = scoring.Centi(total*100), locked.Valid, locked.String
	type aspectRow struct {
		critCode, critName, subCode, subName string
		subID                                int64
		a                                    scoring.Aspect
		descriptors                          string
	}
	rows, err := queryAll(ctx, q, func(row scanner) (r aspectRow, err error) {
		var id, max sql.NullInt64
		var code, kind, desc, std, rule, descr sql.NullString
		err = row.Scan(&r.critCode, &r.critName, &r.subID, &r.subCode, &r.subName, &id, &code, &kind, &desc, &max,
			&std, &rule, &descr)
		r.a = scoring.Aspect{ID: id.Int64, Code: code.String, Kind: scoring.AspectKind(kind.String),
			Description: desc.String, MaxMark: scoring.Centi(max.Int64), Standard: std.String, Rule: rule.String}
		r.descriptors = descr.String
		return r, err
	}, "scheme", `SELECT c.code, c.name, s.id, s.code, s.name, a.id, a.code, a.kind, a.description, a.max_centi,
		a.standard, a.rule, a.descriptors
		FROM criteria c JOIN sub_criteria s ON s.criterion_id = c.id LEFT JOIN aspects a ON a.sub_criterion_id = s.id
		WHERE c.skill_id = ? ORDER BY c.position, s.position, a.position`, skill)
	if err != nil {
		return ss, err
	}
	sch := scoring.Scheme{Criteria: []scoring.Criterion{}}
	for _, r := range rows {
		n := len(sch.Criteria)
		if n == 0 || sch.Criteria[n-1].Code != r.critCode {
			sch.Criteria = append(sch.Criteria, scoring.Criterion{Code: r.critCode, Name: r.critName})
			n++
		}
		crit := &sch.Criteria[n-1]
		m := len(crit.SubCriteria)
		if m == 0 || crit.SubCriteria[m-1].ID != r.subID {
			crit.SubCriteria = append(crit.SubCriteria, scoring.SubCriterion{ID: r.subID, Code: r.subCode, Name: r.subName,
				Aspects: []scoring.Aspect{}})
			m++
		}
		if r.a.ID != 0 {
			if r.a.Kind == scoring.Judgement {
				json.Unmarshal([]byte(r.descriptors), &r.a.Descriptors)
			}
			crit.SubCriteria[m-1].Aspects = append(crit.SubCriteria[m-1].Aspects, r.a)
		}
	}
	ss.Scheme = sch
	return ss, nil
}

// schemeProblems turns validation problems into one Invalid error.
func schemeProblems(problems []scoring.Problem) error {
	fe := apperr.FieldErrors{}
	for _, p := range problems {
		if old, ok := fe[p.Path]; ok {
			fe[p.Path] = old + "; " + p.Message
		} else {
			fe[p.Path] = p.Message
		}
	}
	return fe.Err(itoa(len(problems)) + " problems in the marking scheme; nothing was saved")
}

// ReplaceScheme replaces the marking scheme of skill, as long as no mark
// exists. Panels of sub-criteria whose codes survive are kept.
func (db *DB) ReplaceScheme(ctx context.Context, event, skill, user int64, sch scoring.Scheme) (SkillScheme, error) {
	sch.Normalize()
	err := db.eventTx(ctx, event, user, func(tx *sql.Tx) error {
		old, err := loadScheme(ctx, tx, event, skill)
		if err != nil {
			return err
		}
		if old.Locked {
			return apperr.New(apperr.Conflict, "the marking scheme is locked: marking started at %s", old.LockedAt)
		}
		if problems := sch.Validate(old.Total); len(problems) > 0 {
			return schemeProblems(problems)
		}
		type member struct {
			code  string
			judge int64
		}
		panels, err := queryAll(ctx, tx, func(row scanner) (m member, err error) {
			err = row.Scan(&m.code, &m.judge)
			return m, err
		}, "panels", `SELECT s.code, p.judge_id FROM panel_members p JOIN sub_criteria s ON s.id = p.sub_criterion_id
			WHERE s.skill_id = ?`, skill)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM criteria WHERE skill_id = ?`, skill); err != nil {
			return internal(err, "clear scheme")
		}
		subIDs := map[string]int64{}
		for ci, c := range sch.Criteria {
			res, err := tx.ExecContext(ctx, `INSERT INTO criteria (skill_id, code, name, position) VALUES (?, ?, ?, ?)`,
				skill, c.Code, c.Name, ci)
			if err != nil {
				return internal(err, "insert criterion")
			}
			cid, _ := res.LastInsertId()
			for si, s := range c.SubCriteria {
				res, err := tx.ExecContext(ctx, `INSERT INTO sub_criteria (criterion_id, skill_id, code, name, position)
					VALUES (?, ?, ?, ?, ?)`, cid, skill, s.Code, s.Name, si)
				if err != nil {
					return internal(err, "insert sub-criterion")
				}
				sid, _ := res.LastInsertId()
				subIDs[strings.ToUpper(s.Code)] = sid
				for ai, a := range s.Aspects {
					descr, _ := json.Marshal(a.Descriptors)
					if a.Descriptors == nil {
						descr = []byte("[]")
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO aspects (sub_criterion_id, skill_id, code, kind, description,
						max_centi, standard, rule, descriptors, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
						sid, skill, a.Code, a.Kind, a.Description, int64(a.MaxMark), a.Standard, a.Rule, string(descr), ai); err != nil {
						return internal(err, "insert aspect")
					}
				}
			}
		}
		for _, m := range panels {
			if sid, ok := subIDs[strings.ToUpper(m.code)]; ok {
				if _, err := tx.ExecContext(ctx, `INSERT INTO panel_members (sub_criterion_id, judge_id) VALUES (?, ?)`,
					sid, m.judge); err != nil {
					return internal(err, "restore panel")
				}
			}
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionSchemeReplace,
			subject: "scheme", before: schemeSummary(old.Scheme), after: sch})
	})
	if err != nil {
		return SkillScheme{}, err
	}
	return db.Scheme(ctx, event, skill)
}

// schemeSummary is what the audit keeps of a replaced scheme: its shape, not
// every descriptor again.
func schemeSummary(s scoring.Scheme) map[string]any {
	return map[string]any{"aspects": s.AspectCount(), "total": s.Total()}
}
