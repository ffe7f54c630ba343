package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"bayskills/apperr"
	"bayskills/scoring"
)

// Achievements a recognition plan entry can ask for.
const (
	AchieveGold      = "gold"
	AchieveSilver    = "silver"
	AchieveBronze    = "bronze"
	AchieveMedal     = "medal"     // gold, silver or bronze
	AchieveMedallion = "medallion" // a Medallion for Excellence
	AchieveScore     = "score"     // a standardised score of at least MinScore
)

// Mapping provenances (DESIGN §7): by agreement, or only indicative.
const (
	ProvenanceOfficial   = "official"
	ProvenanceIndicative = "indicative"
)

// PlanEntry is one line of a skill's recognition plan: the issuer awards
// Level of its framework for Achievement. An entry's result earns, from
// each issuer, the level of the first of that issuer's entries it meets.
type PlanEntry struct {
	IssuerID    int64    `json:"issuer_id"`
	Achievement string   `json:"achievement"`
	MinScore    *float64 `json:"min_score,omitempty"`
	Level       string   `json:"level"`
	Provenance  string   `json:"provenance"`
	Reference   string   `json:"reference,omitempty"` // the agreement, for an official mapping
}

// Meets reports whether a result (award and standardised score, as
// results show them) meets the entry's achievement.
func (p PlanEntry) Meets(award scoring.Award, score string) bool {
	switch p.Achievement {
	case AchieveGold, AchieveSilver, AchieveBronze, AchieveMedallion:
		return string(award) == p.Achievement
	case AchieveMedal:
		return award == scoring.Gold || award == scoring.Silver || award == scoring.Bronze
	case AchieveScore:
		v, err := strconv.ParseFloat(score, 64)
		return err == nil && p.MinScore != nil && v >= *p.MinScore
	}
	return false
}

// SetPlan replaces skill's recognition plan (organizers do, before
// issuance). Every entry is checked against its issuer: the level must be
// one of the issuer's framework, and a Mainland-numbered issuer's level
// must have a number digit; an official mapping names its agreement.
func (db *DB) SetPlan(ctx context.Context, event, skill, user int64, plan []PlanEntry) ([]PlanEntry, error) {
	if _, err := db.Skill(ctx, event, skill); err != nil {
		return nil, err
	}
	fws, err := db.frameworkMap(ctx)
	if err != nil {
		return nil, err
	}
	issuers := map[int64]Issuer{}
	list, err := db.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	for _, i := range list {
		issuers[i.ID] = i
	}
	var rows []apperr.RowError
	for n := range plan {
		p := &plan[n]
		p.Reference = clean(p.Reference)
		fe := apperr.FieldErrors{}
		iss, ok := issuers[p.IssuerID]
		if !ok {
			fe.Add("issuer_id", "unknown issuer")
		}
		switch p.Achievement {
		case AchieveGold, AchieveSilver, AchieveBronze, AchieveMedal, AchieveMedallion:
			if p.MinScore != nil {
				fe.Add("min_score", "only for the score achievement")
			}
		case AchieveScore:
			if p.MinScore == nil || *p.MinScore < 0 || *p.MinScore > 10000 {
				fe.Add("min_score", "a standardised score between 0 and 10000")
			}
		default:
			fe.Add("achievement", "gold, silver, bronze, medal, medallion or score")
		}
		if ok {
			level, has := fws[iss.Framework].Level(p.Level)
			switch {
			case !has:
				fe.Add("level", fmt.Sprintf("%s's framework %s has no level %q", iss.Code, iss.Framework, p.Level))
			case iss.Numbering == NumberingMainland && level.Digit == "":
				fe.Add("level", fmt.Sprintf("level %q has no digit in the Mainland certificate number", p.Level))
			}
		}
		switch p.Provenance {
		case ProvenanceOfficial:
			if p.Reference == "" {
				fe.Add("reference", "an official mapping names its agreement")
			}
		case ProvenanceIndicative:
		default:
			fe.Add("provenance", "official or indicative")
		}
		checkText(fe, "reference", p.Reference, false, 300)
		if len(fe) > 0 {
			rows = append(rows, apperr.RowError{Line: n + 1, Fields: fe})
		}
	}
	if len(rows) > 0 {
		return nil, &apperr.Error{Code: apperr.Invalid, Rows: rows,
			Message: fmt.Sprintf("%d of %d plan entries have problems; the plan is unchanged", len(rows), len(plan))}
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_entries WHERE skill_id = ?`, skill); err != nil {
			return internal(err, "clear plan")
		}
		for n, p := range plan {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_entries (skill_id, issuer_id, position, achievement,
				min_score, level, provenance, reference) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, skill, p.IssuerID, n+1,
				p.Achievement, p.MinScore, p.Level, p.Provenance, p.Reference); err != nil {
				return internal(err, "store plan")
			}
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: "plan.set",
			subject: skillSubject(skill), after: plan})
	})
	if err != nil {
		return nil, err
	}
	return db.Plan(ctx, event, skill)
}

// Plan returns skill's recognition plan in order.
func (db *DB) Plan(ctx context.Context, event, skill int64) ([]PlanEntry, error) {
	if _, err := db.Skill(ctx, event, skill); err != nil {
		return nil, err
	}
	return queryAll(ctx, db.read, func(r scanner) (p PlanEntry, err error) {
		var min sql.NullFloat64
		err = r.Scan(&p.IssuerID, &p.Achievement, &min, &p.Level, &p.Provenance, &p.Reference)
		if min.Valid {
			p.MinScore = &min.Float64
		}
		return p, err
	}, "plan", `SELECT issuer_id, achievement, min_score, level, provenance, reference FROM plan_entries
		WHERE skill_id = ? ORDER BY position`, skill)
}
