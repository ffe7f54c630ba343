package store

import (
	"context"
	"math/big"

	"bayskills/scoring"
)

// MarkRow is one stored mark as exports list it: who marked what, for
// whom, and the value as judges entered it.
type MarkRow struct {
	EntryCode string `json:"entry_code"`
	// Competitors names the entry's competitors, "native (latin)", joined
	// with "; " for a team.
	Competitors  string `json:"competitors"`
	Criterion    string `json:"criterion"`
	SubCriterion string `json:"sub_criterion"`
	Aspect       string `json:"aspect"`
	Kind         string `json:"kind"`  // J or M
	Judge        string `json:"judge"` // username
	JudgeName    string `json:"judge_name"`
	// Value is as shown: a J score ("2") or M marks with 2 decimals ("1.50").
	Value     string `json:"value"`
	Version   int64  `json:"version"`
	UpdatedAt string `json:"updated_at"`
}

// sqlMarkRows lists the marks of one skill (?1) of one event (?2) by entry
// code, then scheme order, then judge. Competitors come from a subquery
// grouped per entry, so a team's marks are not repeated per member.
const sqlMarkRows = `SELECT e.code, coalesce(p.names, ''), c.code, s.code, a.code, a.kind, u.username, u.display_name,
		m.value, m.version, m.updated_at
	FROM marks m
	JOIN aspects a ON a.id = m.aspect_id
	JOIN sub_criteria s ON s.id = a.sub_criterion_id
	JOIN criteria c ON c.id = s.criterion_id
	JOIN skills k ON k.id = a.skill_id
	JOIN entries e ON e.id = m.entry_id
	JOIN judges j ON j.id = m.judge_id
	JOIN users u ON u.id = j.user_id
	LEFT JOIN (SELECT entry_id, group_concat(name_native || ' (' || name_latin || ')', '; ' ORDER BY id) AS names
		FROM competitors WHERE skill_id = ?1 GROUP BY entry_id) p ON p.entry_id = e.id
	WHERE a.skill_id = ?1 AND k.event_id = ?2
	ORDER BY e.code, c.position, s.position, a.position, u.username`

// MarkRows lists every stored mark of skill (of event), signed off or not,
// for the marks export (DESIGN §6: exports). The list is empty, never nil,
// when nothing is marked yet; a skill of another event is NotFound.
func (db *DB) MarkRows(ctx context.Context, event, skill int64) ([]MarkRow, error) {
	if _, err := db.Skill(ctx, event, skill); err != nil {
		return nil, err
	}
	return queryAll(ctx, db.read, func(r scanner) (row MarkRow, err error) {
		var value int64
		err = r.Scan(&row.EntryCode, &row.Competitors, &row.Criterion, &row.SubCriterion, &row.Aspect, &row.Kind,
			&row.Judge, &row.JudgeName, &value, &row.Version, &row.UpdatedAt)
		row.Value = exportValue(scoring.AspectKind(row.Kind), value)
		return row, err
	}, "marks", sqlMarkRows, skill, event)
}

// exportValue formats a stored mark for a sheet: a J score as the whole
// number judges gave, M marks always with 2 decimals so a column lines up.
func exportValue(kind scoring.AspectKind, v int64) string {
	if kind == scoring.Judgement {
		return displayValue(kind, v)
	}
	return scoring.RoundMarks(big.NewRat(v, 1))
}
