package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"bayskills/apperr"
)

// Skill roles of a judge.
const (
	SkillJudge       = "judge"
	SkillChiefExpert = "chief_expert"
)

// JudgeSkill is one skill a judge is assigned to, as judge or chief expert.
type JudgeSkill struct {
	EventID int64  `json:"event_id"`
	SkillID int64  `json:"skill_id"`
	Skill   string `json:"skill"`
	Role    string `json:"role"`
}

// Judge is an expert serving at an event: a judge account plus the region and
// institution the conflict-of-interest rules compare with competitors'.
type Judge struct {
	ID          int64        `json:"id"`
	EventID     int64        `json:"event_id"`
	UserID      int64        `json:"user_id"`
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Region      Region       `json:"region"`
	Institution string       `json:"institution"`
	Disabled    bool         `json:"disabled"`
	Skills      []JudgeSkill `json:"skills"`
	// PIN is returned once, when the server generated it.
	PIN       string `json:"pin,omitempty"`
	CreatedAt string `json:"created_at"`
}

// JudgeInput is one judge to add, from the API or a row of an imported file
// (Line > 0). Skill and Role optionally assign the judge to a skill at once.
type JudgeInput struct {
	Line        int    `json:"-"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Region      Region `json:"region"`
	Institution string `json:"institution"`
	Skill       string `json:"skill"`
	Role        string `json:"role"`
	PIN         string `json:"pin"`
}

// JudgePatch changes a judge; nil fields stay as they are. A new PIN or
// disabling signs the judge out everywhere.
type JudgePatch struct {
	DisplayName *string `json:"display_name"`
	Region      *Region `json:"region"`
	Institution *string `json:"institution"`
	PIN         *string `json:"pin"`
	Disabled    *bool   `json:"disabled"`
}

var pinPattern = regexp.MustCompile(`^[0-9]{6,8}$`)

// CheckPIN returns what is wrong with a judge PIN, or "".
func CheckPIN(pin string) string {
	if !pinPattern.MatchString(pin) {
		return "must be 6 to 8 digits"
	}
	return ""
}

// NewPIN returns a random 6-digit PIN.
func NewPIN() string {
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func (in *JudgeInput) normalize() {
	in.Username, in.DisplayName, in.Institution = clean(in.Username), clean(in.DisplayName), clean(in.Institution)
	in.Region = Region(strings.ToUpper(clean(string(in.Region))))
	in.Skill, in.Role, in.PIN = clean(in.Skill), strings.ToLower(clean(in.Role)), clean(in.PIN)
	if in.Skill != "" && in.Role == "" {
		in.Role = SkillJudge
	}
}

// hashPINs returns, for each row, its PIN (generated when the row has none)
// and the PIN's hash, hashing in parallel. Rows whose PIN is malformed are
// left empty; validation reports them.
func hashPINs(in []JudgeInput, hashPIN func(string) (string, error)) (pins, hashes []string, err error) {
	pins, hashes = make([]string, len(in)), make([]string, len(in))
	errs := make([]error, len(in))
	for i, r := range in {
		pins[i] = strings.TrimSpace(r.PIN)
		if pins[i] == "" {
			pins[i] = NewPIN()
		}
	}
	var wg sync.WaitGroup
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if CheckPIN(pins[i]) == "" {
					hashes[i], errs[i] = hashPIN(pins[i])
				}
			}
		}()
	}
	for i := range in {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, apperr.Wrap(err, "hash PIN")
	}
	return pins, hashes, nil
}

// AddJudges adds judges to event, all or none, creating judge accounts for
// new usernames and reusing existing judge accounts (judges serve at many
// events). PINs are hashed (hashPIN is slow on purpose) before the write
// transaction, on every CPU, so that an import never holds the writer — and
// the tablets' marks behind it — for seconds. Judges whose PIN
// was generated get it back in Judge.PIN.
func (db *DB) AddJudges(ctx context.Context, event int64, in []JudgeInput, hashPIN func(string) (string, error)) ([]Judge, error) {
	pins, hashes, err := hashPINs(in, hashPIN)
	if err != nil {
		return nil, err
	}
	var ids []int64
	generated := map[int64]string{}
	err = db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		skills, err := skillsByCode(ctx, tx, event)
		if err != nil {
			return err
		}
		chiefList, err := queryAll(ctx, tx, func(row scanner) (id int64, err error) { err = row.Scan(&id); return id, err },
			"chief experts", `SELECT skill_id FROM skill_judges WHERE role = 'chief_expert'
			AND skill_id IN (SELECT id FROM skills WHERE event_id = ?)`, event)
		if err != nil {
			return err
		}
		chiefs := map[int64]bool{}
		for _, id := range chiefList {
			chiefs[id] = true
		}
		seen := map[string]bool{}
		users := make([]User, len(in))
		var bad []apperr.RowError
		for i := range in {
			r := &in[i]
			r.normalize()
			fe := apperr.FieldErrors{}
			if msg := ValidUsername(r.Username); msg != "" {
				fe.Add("username", msg)
			} else if seen[strings.ToLower(r.Username)] {
				fe.Add("username", "appears twice in this file")
			}
			seen[strings.ToLower(r.Username)] = true
			checkText(fe, "display_name", r.DisplayName, true, 100)
			checkRegion(fe, "region", r.Region)
			checkText(fe, "institution", r.Institution, true, 200)
			if r.PIN != "" {
				if msg := CheckPIN(r.PIN); msg != "" {
					fe.Add("pin", msg)
				}
			}
			if r.Skill != "" {
				if s, ok := skills[r.Skill]; !ok {
					fe.Add("skill", skillCodes(skills))
				} else if r.Role != SkillJudge && r.Role != SkillChiefExpert {
					fe.Add("role", "must be judge or chief_expert")
				} else if r.Role == SkillChiefExpert {
					if chiefs[s.ID] {
						fe.Add("role", "skill "+s.Code+" already has a chief expert")
					}
					chiefs[s.ID] = true
				}
			} else if r.Role != "" {
				fe.Add("skill", "is required when a role is given")
			}
			if _, ok := fe["username"]; !ok {
				u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, r.Username))
				switch {
				case err == sql.ErrNoRows:
				case err != nil:
					return internal(err, "load user")
				case u.Role != RoleJudge:
					fe.Add("username", "belongs to an "+string(u.Role)+" account; choose another")
				case r.PIN != "":
					fe.Add("pin", "must be empty: the judge account exists and keeps its PIN")
				default:
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM judges WHERE event_id = ? AND user_id = ?`,
						event, u.ID).Scan(&n); err != nil {
						return internal(err, "count judges")
					}
					if n > 0 {
						fe.Add("username", "is already a judge of this event")
					}
					users[i] = u
				}
			}
			if len(fe) > 0 {
				bad = append(bad, apperr.RowError{Line: r.Line, Fields: fe})
			}
		}
		if err := rowsErr(bad, len(in), "judge"); err != nil {
			return err
		}
		now := db.stamp()
		for i, r := range in {
			// An existing account given no PIN keeps its own; every other row
			// gets the PIN given or the one generated for it.
			pin, hash := pins[i], hashes[i]
			if r.PIN == "" && users[i].HasPIN {
				pin, hash = "", ""
			}
			uid := users[i].ID
			if uid == 0 {
				if uid, err = insertUser(ctx, tx, NewUser{Username: r.Username, DisplayName: r.DisplayName,
					Role: RoleJudge, PINHash: hash}, now); err != nil {
					return err
				}
			} else if hash != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE users SET pin_hash = ?, token_version = token_version + 1
					WHERE id = ?`, hash, uid); err != nil {
					return internal(err, "set PIN")
				}
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO judges (event_id, user_id, region, institution, created_at)
				VALUES (?, ?, ?, ?, ?)`, event, uid, r.Region, r.Institution, now)
			if err != nil {
				return internal(err, "insert judge")
			}
			id, _ := res.LastInsertId()
			ids = append(ids, id)
			if pin != "" && r.PIN == "" {
				generated[id] = pin
			}
			if r.Skill != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO skill_judges (skill_id, judge_id, role) VALUES (?, ?, ?)`,
					skills[r.Skill].ID, id, r.Role); err != nil {
					return internal(err, "assign judge")
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out, err := db.judgesWhere(ctx, `j.event_id = ? AND j.id BETWEEN ? AND ?`, event, ids[0], ids[len(ids)-1])
	for i := range out {
		out[i].PIN = generated[out[i].ID]
	}
	return out, err
}

func (db *DB) judgesWhere(ctx context.Context, where string, args ...any) ([]Judge, error) {
	out, err := queryAll(ctx, db.read, func(row scanner) (j Judge, err error) {
		err = row.Scan(&j.ID, &j.EventID, &j.UserID, &j.Username, &j.DisplayName, &j.Region, &j.Institution,
			&j.Disabled, &j.CreatedAt)
		j.Skills = []JudgeSkill{}
		return j, err
	}, "judges", `SELECT j.id, j.event_id, j.user_id, u.username, u.display_name, j.region, j.institution, u.disabled,
		j.created_at FROM judges j JOIN users u ON u.id = j.user_id WHERE `+where+` ORDER BY u.username`, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	type judgeSkill struct {
		judge int64
		JudgeSkill
	}
	skills, err := queryAll(ctx, db.read, func(row scanner) (js judgeSkill, err error) {
		err = row.Scan(&js.judge, &js.EventID, &js.SkillID, &js.Skill, &js.Role)
		return js, err
	}, "judge skills", `SELECT sj.judge_id, s.event_id, sj.skill_id, s.code, sj.role FROM skill_judges sj
		JOIN skills s ON s.id = sj.skill_id JOIN judges j ON j.id = sj.judge_id WHERE `+where+` ORDER BY s.code`, args...)
	byID := make(map[int64]int, len(out))
	for i, j := range out {
		byID[j.ID] = i
	}
	for _, js := range skills {
		if i, ok := byID[js.judge]; ok {
			out[i].Skills = append(out[i].Skills, js.JudgeSkill)
		}
	}
	return out, err
}

// Judges lists event's judges, of one skill when skill > 0.
func (db *DB) Judges(ctx context.Context, event, skill int64) ([]Judge, error) {
	if skill > 0 {
		return db.judgesWhere(ctx, `j.event_id = ? AND j.id IN (SELECT judge_id FROM skill_judges WHERE skill_id = ?)`, event, skill)
	}
	return db.judgesWhere(ctx, `j.event_id = ?`, event)
}

// Judge loads judge id of event.
func (db *DB) Judge(ctx context.Context, event, id int64) (Judge, error) {
	list, err := db.judgesWhere(ctx, `j.event_id = ? AND j.id = ?`, event, id)
	if err != nil {
		return Judge{}, err
	}
	if len(list) == 0 {
		return Judge{}, apperr.New(apperr.NotFound, "judge not found")
	}
	return list[0], nil
}

// UpdateJudge applies p to judge id of event; hashPIN hashes a new PIN. The
// account (name, PIN, disabled) may serve at other events too: then only an
// admin (asAdmin) may change it, so that no organizer can take over a judge
// of someone else's event.
func (db *DB) UpdateJudge(ctx context.Context, event, id int64, p JudgePatch, asAdmin bool, hashPIN func(string) (string, error)) (Judge, error) {
	j, err := db.Judge(ctx, event, id)
	if err != nil {
		return Judge{}, err
	}
	fe := apperr.FieldErrors{}
	in := JudgeInput{Username: j.Username, DisplayName: j.DisplayName, Region: j.Region, Institution: j.Institution}
	setIf(&in.DisplayName, p.DisplayName)
	setIf(&in.Region, p.Region)
	setIf(&in.Institution, p.Institution)
	in.normalize()
	checkText(fe, "display_name", in.DisplayName, true, 100)
	checkRegion(fe, "region", in.Region)
	checkText(fe, "institution", in.Institution, true, 200)
	if p.PIN != nil {
		if msg := CheckPIN(*p.PIN); msg != "" {
			fe.Add("pin", msg)
		}
	}
	if err := fe.Err("the judge has invalid fields"); err != nil {
		return Judge{}, err
	}
	uu := UserUpdate{Disabled: p.Disabled}
	if p.DisplayName != nil {
		uu.DisplayName = &in.DisplayName
	}
	if p.PIN != nil {
		h, err := hashPIN(*p.PIN)
		if err != nil {
			return Judge{}, apperr.Wrap(err, "hash PIN")
		}
		uu.PINHash = &h
	}
	err = db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		if uu != (UserUpdate{}) && !asAdmin {
			var elsewhere int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM judges WHERE user_id = ? AND event_id != ?`,
				j.UserID, event).Scan(&elsewhere); err != nil {
				return internal(err, "count events")
			}
			if elsewhere > 0 {
				return apperr.New(apperr.Forbidden, "this judge's account also serves at other events; only an admin may change its name, PIN or status")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE judges SET region = ?, institution = ? WHERE id = ?`,
			in.Region, in.Institution, id); err != nil {
			return internal(err, "update judge")
		}
		if uu == (UserUpdate{}) {
			return nil
		}
		return updateUser(ctx, tx, j.UserID, uu)
	})
	if err != nil {
		return Judge{}, err
	}
	return db.Judge(ctx, event, id)
}

// RemoveJudge takes judge id off event (the account stays for other events).
func (db *DB) RemoveJudge(ctx context.Context, event, id int64) error {
	return db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM judges WHERE id = ? AND event_id = ?`, id, event)
		if err != nil {
			return internal(err, "remove judge")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "judge not found")
		}
		return nil
	})
}

// AssignJudge assigns judge to skill (both of event) as judge or chief
// expert, replacing an earlier role. A skill has at most one chief expert.
func (db *DB) AssignJudge(ctx context.Context, event, skill, judge int64, role string) (Judge, error) {
	if role != SkillJudge && role != SkillChiefExpert {
		return Judge{}, apperr.WithFields("invalid role", map[string]string{"role": "must be judge or chief_expert"})
	}
	err := db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM judges WHERE id = ? AND event_id = ?`, judge, event).Scan(&n); err != nil || n == 0 {
			return notFound(orNoRows(err), "judge")
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM skills WHERE id = ? AND event_id = ?`, skill, event).Scan(&n); err != nil || n == 0 {
			return notFound(orNoRows(err), "skill")
		}
		if role == SkillChiefExpert {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT u.display_name FROM skill_judges sj JOIN judges j ON j.id = sj.judge_id
				JOIN users u ON u.id = j.user_id WHERE sj.skill_id = ? AND sj.role = 'chief_expert' AND sj.judge_id != ?`,
				skill, judge).Scan(&other)
			if err == nil {
				return apperr.New(apperr.Conflict, "the skill already has a chief expert (%s); assign them as judge first", other)
			}
			if err != sql.ErrNoRows {
				return internal(err, "load chief expert")
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO skill_judges (skill_id, judge_id, role) VALUES (?, ?, ?)
			ON CONFLICT (skill_id, judge_id) DO UPDATE SET role = excluded.role`, skill, judge, role)
		return internal(err, "assign judge")
	})
	if err != nil {
		return Judge{}, err
	}
	return db.Judge(ctx, event, judge)
}

// UnassignJudge takes judge off skill.
func (db *DB) UnassignJudge(ctx context.Context, event, skill, judge int64) error {
	return db.eventTx(ctx, event, 0, func(tx *sql.Tx) error {
		panels, err := queryAll(ctx, tx, func(r scanner) (code string, err error) { err = r.Scan(&code); return code, err },
			"panels", `SELECT s.code FROM panel_members p JOIN sub_criteria s ON s.id = p.sub_criterion_id
			WHERE p.judge_id = ? AND s.skill_id = ? ORDER BY s.code`, judge, skill)
		if err != nil {
			return err
		}
		if len(panels) > 0 {
			return apperr.New(apperr.Conflict, "the judge sits on the panels of %s; give those panels other judges first",
				strings.Join(panels, ", "))
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM skill_judges WHERE skill_id = ? AND judge_id = ?
			AND judge_id IN (SELECT id FROM judges WHERE event_id = ?)`, skill, judge, event)
		if err != nil {
			return internal(err, "unassign judge")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "the judge is not assigned to this skill")
		}
		return nil
	})
}

func orNoRows(err error) error {
	if err == nil {
		return sql.ErrNoRows
	}
	return err
}

// SkillsOf lists every skill user is assigned to, at any event.
func (db *DB) SkillsOf(ctx context.Context, user int64) ([]JudgeSkill, error) {
	return queryAll(ctx, db.read, func(row scanner) (js JudgeSkill, err error) {
		err = row.Scan(&js.EventID, &js.SkillID, &js.Skill, &js.Role)
		return js, err
	}, "skills of user", `SELECT s.event_id, s.id, s.code, sj.role FROM skill_judges sj
		JOIN skills s ON s.id = sj.skill_id JOIN judges j ON j.id = sj.judge_id WHERE j.user_id = ? ORDER BY s.event_id, s.code`, user)
}
