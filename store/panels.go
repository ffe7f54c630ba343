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

// PanelJudge is a judge as a panel shows them.
type PanelJudge struct {
	JudgeID     int64  `json:"judge_id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Region      Region `json:"region"`
	Institution string `json:"institution"`
}

// Panel is the judges marking one sub-criterion of a skill.
type Panel struct {
	SubCriterionID int64        `json:"sub_criterion_id"`
	Code           string       `json:"code"`
	Name           string       `json:"name"`
	Judges         []PanelJudge `json:"judges"`
}

// Panels lists the panel of every sub-criterion of skill, in scheme order.
func (db *DB) Panels(ctx context.Context, skill int64) ([]Panel, error) {
	type row struct {
		sub        int64
		code, name string
		j          PanelJudge
	}
	rows, err := queryAll(ctx, db.read, func(r scanner) (x row, err error) {
		var id sql.NullInt64
		var user, name, region, inst sql.NullString
		err = r.Scan(&x.sub, &x.code, &x.name, &id, &user, &name, &region, &inst)
		x.j = PanelJudge{JudgeID: id.Int64, Username: user.String, DisplayName: name.String, Region: Region(region.String),
			Institution: inst.String}
		return x, err
	}, "panels", `SELECT s.id, s.code, s.name, j.id, u.username, u.display_name, j.region, j.institution
		FROM sub_criteria s JOIN criteria c ON c.id = s.criterion_id
		LEFT JOIN panel_members p ON p.sub_criterion_id = s.id LEFT JOIN judges j ON j.id = p.judge_id
		LEFT JOIN users u ON u.id = j.user_id
		WHERE s.skill_id = ? ORDER BY c.position, s.position, u.username`, skill)
	if err != nil {
		return nil, err
	}
	out := []Panel{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].SubCriterionID != r.sub {
			out = append(out, Panel{SubCriterionID: r.sub, Code: r.code, Name: r.name, Judges: []PanelJudge{}})
		}
		if r.j.JudgeID != 0 {
			out[len(out)-1].Judges = append(out[len(out)-1].Judges, r.j)
		}
	}
	return out, nil
}

// minEligible is the fewest judges of a panel who must be free to mark an
// entry: with fewer, neither the divergence rule nor double entry can work.
const minEligible = 2

// skillPeople is what the panel rules compare, loaded for one skill.
type skillPeople struct {
	rule    scoring.ConflictRule
	judges  map[int64]scoring.PanelJudge // judges assigned to the skill
	regions []scoring.Region             // regions among them
	entries map[int64][]scoring.Person   // entry → its members
	codes   map[int64]string             // entry → code
	// conflicts memoises conflicted: panel generation asks it for every
	// judge and entry of every candidate panel.
	conflicts map[[2]int64]bool
}

func loadSkillPeople(ctx context.Context, q rowQueryer, event, skill int64) (*skillPeople, error) {
	p := &skillPeople{judges: map[int64]scoring.PanelJudge{}, entries: map[int64][]scoring.Person{}, codes: map[int64]string{}}
	if err := q.QueryRowContext(ctx, `SELECT conflict_rule FROM events WHERE id = ?`, event).Scan(&p.rule); err != nil {
		return nil, notFound(err, "event")
	}
	judges, err := queryAll(ctx, q, func(r scanner) (j scoring.PanelJudge, err error) {
		err = r.Scan(&j.ID, &j.Region, &j.Institution)
		return j, err
	}, "skill judges", `SELECT j.id, j.region, j.institution FROM judges j JOIN skill_judges sj ON sj.judge_id = j.id
		WHERE sj.skill_id = ?`, skill)
	if err != nil {
		return nil, err
	}
	seen := map[scoring.Region]bool{}
	for _, j := range judges {
		p.judges[j.ID] = j
		if !seen[j.Region] {
			seen[j.Region] = true
			p.regions = append(p.regions, j.Region)
		}
	}
	type member struct {
		entry int64
		code  string
		who   scoring.Person
	}
	members, err := queryAll(ctx, q, func(r scanner) (m member, err error) {
		err = r.Scan(&m.entry, &m.code, &m.who.Region, &m.who.Institution)
		return m, err
	}, "entries", `SELECT e.id, e.code, c.region, c.institution FROM entries e JOIN competitors c ON c.entry_id = e.id
		WHERE e.skill_id = ?`, skill)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		p.entries[m.entry] = append(p.entries[m.entry], m.who)
		p.codes[m.entry] = m.code
	}
	return p, nil
}

// conflicted reports whether judge may not mark entry: a conflict with any
// member of a team is a conflict with the team.
func (p *skillPeople) conflicted(judge scoring.PanelJudge, entry int64) bool {
	key := [2]int64{judge.ID, entry}
	if c, ok := p.conflicts[key]; ok {
		return c
	}
	c := false
	for _, who := range p.entries[entry] {
		c = c || scoring.Conflicted(p.rule, judge.Person, who)
	}
	if p.conflicts == nil {
		p.conflicts = map[[2]int64]bool{}
	}
	p.conflicts[key] = c
	return c
}

// eligible returns the members of panel free to mark entry, in id order.
func (p *skillPeople) eligible(panel []int64, entry int64) []int64 {
	out := []int64{}
	for _, id := range panel {
		if j, ok := p.judges[id]; ok && !p.conflicted(j, entry) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// SetPanel makes judges the panel of sub-criterion sub of skill. It refuses,
// saying why, a panel of the wrong size, with a judge twice or not assigned
// to the skill, from one region where the skill has judges of several
// (cross-region rule), or leaving an entry with fewer than two judges free of
// conflicts of interest.
func (db *DB) SetPanel(ctx context.Context, event, skill, sub, user int64, judges []int64) (Panel, error) {
	err := db.eventTx(ctx, event, user, func(tx *sql.Tx) error {
		people, err := loadSkillPeople(ctx, tx, event, skill)
		if err != nil {
			return err
		}
		return db.setPanel(ctx, tx, people, event, skill, sub, user, judges)
	})
	if err != nil {
		return Panel{}, err
	}
	panels, err := db.Panels(ctx, skill)
	for _, p := range panels {
		if p.SubCriterionID == sub {
			return p, err
		}
	}
	return Panel{}, internal(err, "reload panel")
}

// panelFaults lists what is wrong with judges as a panel of the skill, as
// field errors on judge_ids.
func (p *skillPeople) panelFaults(judges []int64) apperr.FieldErrors {
	var panel []scoring.PanelJudge
	var unknown []string
	for _, id := range judges {
		j, ok := p.judges[id]
		if !ok {
			unknown = append(unknown, fmt.Sprint(id))
		}
		j.ID = id
		panel = append(panel, j)
	}
	fe := apperr.FieldErrors{}
	if len(unknown) > 0 {
		fe.Add("judge_ids", "not judges of this skill: "+strings.Join(unknown, ", "))
	}
	var msgs []string
	for _, pr := range scoring.CheckPanel(panel, p.regions) {
		msgs = append(msgs, pr.Message)
	}
	if len(msgs) > 0 {
		fe.Add("judge_ids", strings.Join(msgs, "; "))
	}
	if len(fe) == 0 {
		var short []string
		for entry := range p.entries {
			if n := len(p.eligible(judges, entry)); n < minEligible {
				short = append(short, fmt.Sprintf("%s (%d)", p.codes[entry], n))
			}
		}
		if len(short) > 0 {
			sort.Strings(short)
			fe.Add("judge_ids", fmt.Sprintf("conflict of interest (%s rule): fewer than %d judges of this panel may mark entries %s",
				p.rule, minEligible, strings.Join(short, ", ")))
		}
	}
	return fe
}

func (db *DB) setPanel(ctx context.Context, tx *sql.Tx, people *skillPeople, event, skill, sub, user int64, judges []int64) error {
	var code string
	if err := tx.QueryRowContext(ctx, `SELECT code FROM sub_criteria WHERE id = ? AND skill_id = ?`, sub, skill).Scan(&code); err != nil {
		return notFound(err, "sub-criterion")
	}
	if err := people.panelFaults(judges).Err("the panel for " + code + " is refused"); err != nil {
		return err
	}
	before, err := queryAll(ctx, tx, func(r scanner) (id int64, err error) { err = r.Scan(&id); return id, err },
		"panel", `SELECT judge_id FROM panel_members WHERE sub_criterion_id = ? ORDER BY judge_id`, sub)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM panel_members WHERE sub_criterion_id = ?`, sub); err != nil {
		return internal(err, "clear panel")
	}
	for _, id := range judges {
		if _, err := tx.ExecContext(ctx, `INSERT INTO panel_members (sub_criterion_id, judge_id) VALUES (?, ?)`, sub, id); err != nil {
			return internal(err, "set panel")
		}
	}
	sorted := append([]int64(nil), judges...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	return db.appendAudit(ctx, tx, audit{user: user, event: event, skill: skill, action: ActionPanelSet,
		subject: "panel:" + code, before: before, after: sorted})
}

// GeneratePanels gives every sub-criterion of skill without a panel one of
// size judges (3 or 5), chosen among the skill's judges (chief expert
// excluded) so that every panel passes the rules of SetPanel, the load is
// spread evenly and as many regions as possible sit on each panel. It changes
// nothing and says which sub-criterion could not be staffed when the judges
// do not allow it.
func (db *DB) GeneratePanels(ctx context.Context, event, skill, user int64, size int) ([]Panel, error) {
	if size != 3 && size != 5 {
		return nil, apperr.WithFields("invalid panel size", map[string]string{"size": "must be 3 or 5"})
	}
	err := db.eventTx(ctx, event, user, func(tx *sql.Tx) error {
		people, err := loadSkillPeople(ctx, tx, event, skill)
		if err != nil {
			return err
		}
		pool, err := queryAll(ctx, tx, func(r scanner) (id int64, err error) { err = r.Scan(&id); return id, err },
			"judges", `SELECT judge_id FROM skill_judges WHERE skill_id = ? AND role = 'judge' ORDER BY judge_id`, skill)
		if err != nil {
			return err
		}
		type subPanel struct {
			id      int64
			code    string
			members int
		}
		subs, err := queryAll(ctx, tx, func(r scanner) (s subPanel, err error) { err = r.Scan(&s.id, &s.code, &s.members); return s, err },
			"sub-criteria", `SELECT s.id, s.code, (SELECT count(*) FROM panel_members p WHERE p.sub_criterion_id = s.id)
			FROM sub_criteria s JOIN criteria c ON c.id = s.criterion_id WHERE s.skill_id = ? ORDER BY c.position, s.position`, skill)
		if err != nil {
			return err
		}
		load := map[int64]int{}
		for _, s := range subs {
			if s.members > 0 {
				continue
			}
			best := bestPanel(people, pool, size, load)
			if best == nil {
				return apperr.New(apperr.Conflict, "no panel of %d for %s passes the panel rules with this skill's %d judges; "+
					"add judges or set the panel by hand", size, s.code, len(pool))
			}
			for _, id := range best {
				load[id]++
			}
			if err := db.setPanel(ctx, tx, people, event, skill, s.id, user, best); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.Panels(ctx, skill)
}

// bestPanel tries every combination of size judges of pool (a skill has a
// handful of judges, so this is small) and keeps the valid one with the least
// load, then the most regions, then the lowest ids.
func bestPanel(people *skillPeople, pool []int64, size int, load map[int64]int) []int64 {
	var best []int64
	bestLoad, bestRegions := 0, 0
	combo := make([]int64, 0, size)
	var walk func(start int)
	walk = func(start int) {
		if len(combo) == size {
			if len(people.panelFaults(combo)) > 0 {
				return
			}
			l, regions := 0, map[scoring.Region]bool{}
			for _, id := range combo {
				l += load[id]
				regions[people.judges[id].Region] = true
			}
			if best == nil || l < bestLoad || l == bestLoad && len(regions) > bestRegions {
				best, bestLoad, bestRegions = append([]int64(nil), combo...), l, len(regions)
			}
			return
		}
		for i := start; i <= len(pool)-(size-len(combo)); i++ {
			combo = append(combo, pool[i])
			walk(i + 1)
			combo = combo[:len(combo)-1]
		}
	}
	walk(0)
	return best
}
