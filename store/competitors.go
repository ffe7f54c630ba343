package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strconv"
	"strings"

	"bayskills/apperr"
)

// Competitor is a person competing in one skill of an event. In a team skill
// the members of one team share their entry, and so their code and result.
type Competitor struct {
	ID          int64  `json:"id"`
	EventID     int64  `json:"event_id"`
	SkillID     int64  `json:"skill_id"`
	Skill       string `json:"skill"`
	Ref         string `json:"ref"`
	NameNative  string `json:"name_native"`
	NameLatin   string `json:"name_latin"`
	Region      Region `json:"region"`
	Institution string `json:"institution"`
	Team        string `json:"team"`
	// EntryID and Code identify what judges mark: the competitor, or their
	// team. Code is random, all that judges see under blind judging.
	EntryID   int64  `json:"entry_id"`
	Code      string `json:"code"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// CompetitorInput is one competitor to add, from the API or one row of an
// imported file (Line > 0).
type CompetitorInput struct {
	Line        int    `json:"-"`
	Skill       string `json:"skill"`
	Ref         string `json:"ref"`
	NameNative  string `json:"name_native"`
	NameLatin   string `json:"name_latin"`
	Region      Region `json:"region"`
	Institution string `json:"institution"`
	Team        string `json:"team"`
}

// CompetitorPatch changes a competitor; nil fields stay as they are. The skill
// cannot change: remove the competitor and add them to the other skill.
type CompetitorPatch struct {
	Ref         *string `json:"ref"`
	NameNative  *string `json:"name_native"`
	NameLatin   *string `json:"name_latin"`
	Region      *Region `json:"region"`
	Institution *string `json:"institution"`
	Team        *string `json:"team"`
}

func (in *CompetitorInput) normalize() {
	in.Skill, in.Ref, in.NameNative, in.NameLatin = clean(in.Skill), clean(in.Ref), clean(in.NameNative), clean(in.NameLatin)
	in.Region = Region(strings.ToUpper(clean(string(in.Region))))
	in.Institution, in.Team = clean(in.Institution), clean(in.Team)
}

// codeAlphabet leaves out letters and digits that are easily confused (0/O,
// 1/I/L, 2/Z, 5/S, 8/B) when read off a tablet or called out in a hall.
const codeAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// newEntryCode returns a random 5-character code (25^5 ≈ 9.8 million).
func newEntryCode() string {
	b := make([]byte, 5)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

type teamEntry struct {
	id      int64
	members int
}

// competitorChecker validates competitor rows against each other and against
// what the event already holds, so a whole import is checked before anything
// is written.
type competitorChecker struct {
	skills  map[string]Skill
	refs    map[string]bool
	persons map[string]bool
	teams   map[int64]map[string]*teamEntry // skill → lower(team) → entry
	codes   map[int64]map[string]bool       // skill → used entry codes
}

func personKey(skill int64, in CompetitorInput) string {
	return strings.Join([]string{strconv.FormatInt(skill, 10), strings.ToLower(in.NameNative), strings.ToLower(in.NameLatin),
		strings.ToLower(in.Institution)}, "\x00")
}

// loadChecker reads the event's state, leaving out competitor `except` (the
// one being edited).
func loadChecker(ctx context.Context, tx *sql.Tx, event, except int64) (*competitorChecker, error) {
	c := &competitorChecker{refs: map[string]bool{}, persons: map[string]bool{},
		teams: map[int64]map[string]*teamEntry{}, codes: map[int64]map[string]bool{}}
	var err error
	if c.skills, err = skillsByCode(ctx, tx, event); err != nil {
		return nil, err
	}
	for _, s := range c.skills {
		c.teams[s.ID] = map[string]*teamEntry{}
		c.codes[s.ID] = map[string]bool{}
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.skill_id, coalesce(c.ref, ''), c.name_native, c.name_latin, c.institution
		FROM competitors c WHERE c.event_id = ? AND c.id != ?`, event, except)
	if err != nil {
		return nil, internal(err, "load competitors")
	}
	for rows.Next() {
		var in CompetitorInput
		var skill int64
		if err := rows.Scan(&skill, &in.Ref, &in.NameNative, &in.NameLatin, &in.Institution); err != nil {
			rows.Close()
			return nil, internal(err, "load competitors")
		}
		if in.Ref != "" {
			c.refs[strings.ToLower(in.Ref)] = true
		}
		c.persons[personKey(skill, in)] = true
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT e.id, e.skill_id, e.code, coalesce(e.team_name, ''),
		(SELECT count(*) FROM competitors c WHERE c.entry_id = e.id AND c.id != ?)
		FROM entries e JOIN skills s ON s.id = e.skill_id WHERE s.event_id = ?`, except, event)
	if err != nil {
		return nil, internal(err, "load entries")
	}
	defer rows.Close()
	for rows.Next() {
		var id, skill int64
		var code, team string
		var members int
		if err := rows.Scan(&id, &skill, &code, &team, &members); err != nil {
			return nil, internal(err, "load entries")
		}
		c.codes[skill][code] = true
		if team != "" {
			c.teams[skill][strings.ToLower(team)] = &teamEntry{id: id, members: members}
		}
	}
	return c, internal(rows.Err(), "load entries")
}

// check lists what is wrong with in and, if nothing is, records it so later
// rows see it as taken.
func (c *competitorChecker) check(in CompetitorInput) (Skill, apperr.FieldErrors) {
	fe := apperr.FieldErrors{}
	skill, ok := c.skills[in.Skill]
	if in.Skill == "" {
		fe.Add("skill", "is required")
	} else if !ok {
		fe.Add("skill", skillCodes(c.skills))
	}
	checkText(fe, "ref", in.Ref, false, 64)
	checkText(fe, "name_native", in.NameNative, true, 100)
	checkText(fe, "name_latin", in.NameLatin, true, 100)
	checkRegion(fe, "region", in.Region)
	checkText(fe, "institution", in.Institution, true, 200)
	checkText(fe, "team", in.Team, false, 100)
	if in.Ref != "" && c.refs[strings.ToLower(in.Ref)] {
		fe.Add("ref", "another competitor of this event has this registration number")
	}
	if ok {
		if c.persons[personKey(skill.ID, in)] {
			fe.Add("name_native", "this competitor (same names and institution) is already registered in this skill")
		}
		switch {
		case skill.Kind == Individual && in.Team != "":
			fe.Add("team", "must be empty: "+skill.Code+" is an individual skill")
		case skill.Kind == Team && in.Team == "":
			fe.Add("team", "is required: "+skill.Code+" is a team skill")
		case skill.Kind == Team:
			if t := c.teams[skill.ID][strings.ToLower(in.Team)]; t != nil && t.members >= skill.TeamSize {
				fe.Add("team", "the team is full (a team of "+skill.Code+" has at most "+itoa(skill.TeamSize)+" members)")
			}
		}
	}
	if len(fe) == 0 {
		if in.Ref != "" {
			c.refs[strings.ToLower(in.Ref)] = true
		}
		c.persons[personKey(skill.ID, in)] = true
	}
	return skill, fe
}

// entryFor returns the entry a new member of skill joins: the team's entry,
// created on first use, or a fresh one for an individual.
func (c *competitorChecker) entryFor(ctx context.Context, tx *sql.Tx, skill Skill, team string) (int64, error) {
	if team != "" {
		if t := c.teams[skill.ID][strings.ToLower(team)]; t != nil {
			t.members++
			return t.id, nil
		}
	}
	code := newEntryCode()
	for c.codes[skill.ID][code] {
		code = newEntryCode()
	}
	c.codes[skill.ID][code] = true
	var teamName any
	if team != "" {
		teamName = team
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO entries (skill_id, code, team_name) VALUES (?, ?, ?)`, skill.ID, code, teamName)
	if err != nil {
		return 0, internal(err, "insert entry")
	}
	id, _ := res.LastInsertId()
	if team != "" {
		c.teams[skill.ID][strings.ToLower(team)] = &teamEntry{id: id, members: 1}
	}
	return id, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// AddCompetitors adds competitors to event, all or none: if any row has a
// problem nothing is written and every bad row is listed. A single input
// without a line number (from the API) reports field errors instead of rows.
func (db *DB) AddCompetitors(ctx context.Context, event int64, in []CompetitorInput) ([]Competitor, error) {
	var ids []int64
	err := db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		c, err := loadChecker(ctx, tx, event, 0)
		if err != nil {
			return err
		}
		skills := make([]Skill, len(in))
		var bad []apperr.RowError
		for i := range in {
			in[i].normalize()
			s, fe := c.check(in[i])
			skills[i] = s
			if len(fe) > 0 {
				bad = append(bad, apperr.RowError{Line: in[i].Line, Fields: fe})
			}
		}
		if err := rowsErr(bad, len(in), "competitor"); err != nil {
			return err
		}
		now := db.stamp()
		for i, row := range in {
			entry, err := c.entryFor(ctx, tx, skills[i], row.Team)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO competitors (event_id, skill_id, entry_id, ref, name_native,
				name_latin, region, institution, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				event, skills[i].ID, entry, nullIfEmpty(row.Ref), row.NameNative, row.NameLatin, row.Region,
				row.Institution, now, now)
			if err != nil {
				return internal(err, "insert competitor")
			}
			id, _ := res.LastInsertId()
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return competitorsWhere(ctx, db.read, `c.event_id = ? AND c.id BETWEEN ? AND ?`, event, ids[0], ids[len(ids)-1])
}

// rowsErr turns row problems into one Invalid error listing them all.
func rowsErr(bad []apperr.RowError, total int, what string) error {
	if len(bad) == 0 {
		if total == 0 {
			return apperr.New(apperr.Invalid, "no %ss given", what)
		}
		return nil
	}
	if total == 1 && bad[0].Line == 0 {
		return apperr.WithFields("the "+what+" has invalid fields", bad[0].Fields)
	}
	return &apperr.Error{Code: apperr.Invalid, Rows: bad,
		Message: itoa(len(bad)) + " of " + itoa(total) + " rows have problems; nothing was imported"}
}

const competitorSelect = `SELECT c.id, c.event_id, c.skill_id, s.code, coalesce(c.ref, ''), c.name_native, c.name_latin,
	c.region, c.institution, coalesce(e.team_name, ''), e.id, e.code, c.created_at, c.updated_at
	FROM competitors c JOIN skills s ON s.id = c.skill_id JOIN entries e ON e.id = c.entry_id`

func competitorsWhere(ctx context.Context, q queryer, where string, args ...any) ([]Competitor, error) {
	return queryAll(ctx, q, func(row scanner) (c Competitor, err error) {
		err = row.Scan(&c.ID, &c.EventID, &c.SkillID, &c.Skill, &c.Ref, &c.NameNative, &c.NameLatin, &c.Region,
			&c.Institution, &c.Team, &c.EntryID, &c.Code, &c.CreatedAt, &c.UpdatedAt)
		return c, err
	}, "competitors", competitorSelect+` WHERE `+where+` ORDER BY s.code, c.id`, args...)
}

// Competitors lists event's competitors, of one skill when skill > 0.
func (db *DB) Competitors(ctx context.Context, event, skill int64) ([]Competitor, error) {
	if skill > 0 {
		return competitorsWhere(ctx, db.read, `c.event_id = ? AND c.skill_id = ?`, event, skill)
	}
	return competitorsWhere(ctx, db.read, `c.event_id = ?`, event)
}

// Competitor loads competitor id of event.
func (db *DB) Competitor(ctx context.Context, event, id int64) (Competitor, error) {
	list, err := competitorsWhere(ctx, db.read, `c.event_id = ? AND c.id = ?`, event, id)
	if err != nil {
		return Competitor{}, err
	}
	if len(list) == 0 {
		return Competitor{}, apperr.New(apperr.NotFound, "competitor not found")
	}
	return list[0], nil
}

// UpdateCompetitor applies p to competitor id of event. Changing the team
// moves the competitor to that team's entry.
func (db *DB) UpdateCompetitor(ctx context.Context, event, id int64, p CompetitorPatch) (Competitor, error) {
	old, err := db.Competitor(ctx, event, id)
	if err != nil {
		return Competitor{}, err
	}
	in := CompetitorInput{Skill: old.Skill, Ref: old.Ref, NameNative: old.NameNative, NameLatin: old.NameLatin,
		Region: old.Region, Institution: old.Institution, Team: old.Team}
	setIf(&in.Ref, p.Ref)
	setIf(&in.NameNative, p.NameNative)
	setIf(&in.NameLatin, p.NameLatin)
	setIf(&in.Region, p.Region)
	setIf(&in.Institution, p.Institution)
	setIf(&in.Team, p.Team)
	in.normalize()
	err = db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		c, err := loadChecker(ctx, tx, event, id)
		if err != nil {
			return err
		}
		skill, fe := c.check(in)
		if err := fe.Err("the competitor has invalid fields"); err != nil {
			return err
		}
		var oldEntry int64
		if err := tx.QueryRowContext(ctx, `SELECT entry_id FROM competitors WHERE id = ?`, id).Scan(&oldEntry); err != nil {
			return notFound(err, "competitor")
		}
		entry := oldEntry
		if !strings.EqualFold(in.Team, old.Team) {
			if entry, err = c.entryFor(ctx, tx, skill, in.Team); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE competitors SET ref = ?, name_native = ?, name_latin = ?, region = ?,
			institution = ?, entry_id = ?, updated_at = ? WHERE id = ?`, nullIfEmpty(in.Ref), in.NameNative, in.NameLatin,
			in.Region, in.Institution, entry, db.stamp(), id); err != nil {
			return internal(err, "update competitor")
		}
		if entry != oldEntry {
			return dropEmptyEntry(ctx, tx, oldEntry)
		}
		return nil
	})
	if err != nil {
		return Competitor{}, err
	}
	return db.Competitor(ctx, event, id)
}

// DeleteCompetitor removes competitor id of event (a withdrawal before marking).
func (db *DB) DeleteCompetitor(ctx context.Context, event, id int64) error {
	return db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		var entry int64
		err := tx.QueryRowContext(ctx, `SELECT entry_id FROM competitors WHERE id = ? AND event_id = ?`, id, event).Scan(&entry)
		if err != nil {
			return notFound(err, "competitor")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM competitors WHERE id = ?`, id); err != nil {
			return internal(err, "delete competitor")
		}
		return dropEmptyEntry(ctx, tx, entry)
	})
}

func dropEmptyEntry(ctx context.Context, tx *sql.Tx, entry int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE id = ? AND NOT EXISTS (SELECT 1 FROM competitors WHERE entry_id = ?)`,
		entry, entry)
	return internal(err, "drop empty entry")
}

func itoa(n int) string { return strconv.Itoa(n) }
