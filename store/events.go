package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"bayskills/apperr"
	"bayskills/scoring"
)

// ConflictRule says who may not mark whom: judges never mark competitors of
// their own institution, or (stricter) of their own region. The type is the
// panel rules' own.
type ConflictRule = scoring.ConflictRule

// The conflict-of-interest rules.
const (
	ConflictInstitution = scoring.ConflictInstitution
	ConflictRegion      = scoring.ConflictRegion
)

// EventSettings are the per-event options that shape judging and results.
type EventSettings struct {
	BlindJudging bool         `json:"blind_judging"`
	ConflictRule ConflictRule `json:"conflict_rule"`
	// TieThreshold: standardised scores closer than this share a rank.
	TieThreshold float64 `json:"tie_threshold"`
	// TieBreak: competitors who tie are separated by their criterion marks,
	// in criterion order.
	TieBreak bool `json:"tie_break"`
	// ScoreCentre is the standardised score of the median raw total, and
	// ScoreSpread the points per standard deviation (700 and 100).
	ScoreCentre int64 `json:"score_centre"`
	ScoreSpread int64 `json:"score_spread"`
	// MedallionAt: a Medallion for Excellence at or above this score (700).
	MedallionAt float64 `json:"medallion_at"`
	// ExcellencePercent: an excellence award for the top X % of those
	// without a medal; 0 gives none.
	ExcellencePercent int `json:"excellence_percent"`
	// AppealWindowMinutes: how long provisional results stay open to
	// appeal before they can be confirmed as final.
	AppealWindowMinutes int `json:"appeal_window_minutes"`
	// HideResults keeps the public results page closed (until the closing
	// ceremony) even for final results.
	HideResults bool `json:"hide_results"`
}

// DefaultEventSettings are the settings of an event that does not say
// otherwise.
func DefaultEventSettings() EventSettings {
	return EventSettings{ConflictRule: ConflictInstitution, ScoreCentre: 700, ScoreSpread: 100, MedallionAt: 700,
		AppealWindowMinutes: 120}
}

// ResultParams are the settings results are computed with; the stored
// results record them, so a recomputation uses the same.
type ResultParams struct {
	ScoreCentre       int64   `json:"score_centre"`
	ScoreSpread       int64   `json:"score_spread"`
	MedallionAt       float64 `json:"medallion_at"`
	ExcellencePercent int     `json:"excellence_percent"`
	TieThreshold      float64 `json:"tie_threshold"`
	TieBreak          bool    `json:"tie_break"`
}

// ResultParams are the settings of s that results depend on.
func (s EventSettings) ResultParams() ResultParams {
	return ResultParams{ScoreCentre: s.ScoreCentre, ScoreSpread: s.ScoreSpread, MedallionAt: s.MedallionAt,
		ExcellencePercent: s.ExcellencePercent, TieThreshold: s.TieThreshold, TieBreak: s.TieBreak}
}

// Event is one competition: several skills at one venue on given dates.
type Event struct {
	ID         int64         `json:"id"`
	Name       Names         `json:"name"`
	StartsOn   string        `json:"starts_on"`
	EndsOn     string        `json:"ends_on"`
	Venue      string        `json:"venue"`
	HostRegion Region        `json:"host_region"`
	Settings   EventSettings `json:"settings"`
	CreatedAt  string        `json:"created_at"`
	UpdatedAt  string        `json:"updated_at"`
}

// EventInput is what a caller gives to create an event.
type EventInput struct {
	Name       Names         `json:"name"`
	StartsOn   string        `json:"starts_on"`
	EndsOn     string        `json:"ends_on"`
	Venue      string        `json:"venue"`
	HostRegion Region        `json:"host_region"`
	Settings   EventSettings `json:"settings"`
}

// Event returns the event described by in.
func (in EventInput) Event() Event {
	return Event{Name: in.Name, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Venue: in.Venue, HostRegion: in.HostRegion,
		Settings: in.Settings}
}

// EventPatch changes an event; nil fields stay as they are.
type EventPatch struct {
	Name       *Names         `json:"name"`
	StartsOn   *string        `json:"starts_on"`
	EndsOn     *string        `json:"ends_on"`
	Venue      *string        `json:"venue"`
	HostRegion *Region        `json:"host_region"`
	Settings   *SettingsPatch `json:"settings"`
}

// SettingsPatch changes event settings; nil fields stay as they are.
type SettingsPatch struct {
	BlindJudging        *bool         `json:"blind_judging"`
	ConflictRule        *ConflictRule `json:"conflict_rule"`
	TieThreshold        *float64      `json:"tie_threshold"`
	TieBreak            *bool         `json:"tie_break"`
	ScoreCentre         *int64        `json:"score_centre"`
	ScoreSpread         *int64        `json:"score_spread"`
	MedallionAt         *float64      `json:"medallion_at"`
	ExcellencePercent   *int          `json:"excellence_percent"`
	AppealWindowMinutes *int          `json:"appeal_window_minutes"`
	HideResults         *bool         `json:"hide_results"`
}

// Apply returns e with p's fields set.
func (p EventPatch) Apply(e Event) Event {
	if p.Name != nil {
		e.Name = *p.Name
	}
	setIf(&e.StartsOn, p.StartsOn)
	setIf(&e.EndsOn, p.EndsOn)
	setIf(&e.Venue, p.Venue)
	setIf(&e.HostRegion, p.HostRegion)
	if s := p.Settings; s != nil {
		setIf(&e.Settings.BlindJudging, s.BlindJudging)
		setIf(&e.Settings.ConflictRule, s.ConflictRule)
		setIf(&e.Settings.TieThreshold, s.TieThreshold)
		setIf(&e.Settings.TieBreak, s.TieBreak)
		setIf(&e.Settings.ScoreCentre, s.ScoreCentre)
		setIf(&e.Settings.ScoreSpread, s.ScoreSpread)
		setIf(&e.Settings.MedallionAt, s.MedallionAt)
		setIf(&e.Settings.ExcellencePercent, s.ExcellencePercent)
		setIf(&e.Settings.AppealWindowMinutes, s.AppealWindowMinutes)
		setIf(&e.Settings.HideResults, s.HideResults)
	}
	return e
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Normalize trims text fields and fills defaults where a zero value means
// "not given" (a zero spread or centre is never meant).
func (e *Event) Normalize() {
	e.Name.trim()
	e.Venue = clean(e.Venue)
	e.HostRegion = Region(strings.ToUpper(clean(string(e.HostRegion))))
	d, s := DefaultEventSettings(), &e.Settings
	if s.ConflictRule == "" {
		s.ConflictRule = d.ConflictRule
	}
	if s.ScoreCentre == 0 {
		s.ScoreCentre = d.ScoreCentre
	}
	if s.ScoreSpread == 0 {
		s.ScoreSpread = d.ScoreSpread
	}
	if s.MedallionAt == 0 {
		s.MedallionAt = d.MedallionAt
	}
}

// Validate lists every problem with e.
func (e Event) Validate() error {
	fe := apperr.FieldErrors{}
	e.Name.check(fe, "name")
	start, okS := checkDate(fe, "starts_on", e.StartsOn)
	end, okE := checkDate(fe, "ends_on", e.EndsOn)
	if okS && okE && end.Before(start) {
		fe.Add("ends_on", "must not be before starts_on")
	}
	checkText(fe, "venue", e.Venue, false, 300)
	checkRegion(fe, "host_region", e.HostRegion)
	if r := e.Settings.ConflictRule; r != ConflictInstitution && r != ConflictRegion {
		fe.Add("settings.conflict_rule", "must be institution or region")
	}
	s := e.Settings
	for _, r := range []struct {
		field     string
		v, lo, hi float64
		unit      string
	}{
		{"tie_threshold", s.TieThreshold, 0, 100, ""},
		{"score_centre", float64(s.ScoreCentre), 0, 10000, ""},
		{"score_spread", float64(s.ScoreSpread), 1, 1000, " points per standard deviation"},
		{"medallion_at", s.MedallionAt, 0, 10000, ""},
		{"excellence_percent", float64(s.ExcellencePercent), 0, 100, ""},
		{"appeal_window_minutes", float64(s.AppealWindowMinutes), 0, 10080, " (a week)"},
	} {
		if !(r.v >= r.lo && r.v <= r.hi) { // NaN fails too
			fe.Add("settings."+r.field, fmt.Sprintf("must be between %g and %g%s", r.lo, r.hi, r.unit))
		}
	}
	return fe.Err("the event has invalid fields")
}

const eventColumns = `id, name_en, name_zh_hans, name_zh_hant, name_pt, starts_on, ends_on, venue, host_region,
	blind_judging, conflict_rule, tie_threshold, tie_break, score_centre, score_spread, medallion_at, excellence_percent,
	appeal_window_minutes, hide_results, created_at, updated_at`

func scanEvent(row scanner) (Event, error) {
	var e Event
	s := &e.Settings
	err := row.Scan(&e.ID, &e.Name.En, &e.Name.ZhHans, &e.Name.ZhHant, &e.Name.Pt, &e.StartsOn, &e.EndsOn,
		&e.Venue, &e.HostRegion, &s.BlindJudging, &s.ConflictRule, &s.TieThreshold, &s.TieBreak, &s.ScoreCentre,
		&s.ScoreSpread, &s.MedallionAt, &s.ExcellencePercent, &s.AppealWindowMinutes, &s.HideResults,
		&e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// settingsValues are the settings columns' values, in eventColumns order.
func settingsValues(s EventSettings) []any {
	return []any{s.BlindJudging, s.ConflictRule, s.TieThreshold, s.TieBreak, s.ScoreCentre, s.ScoreSpread,
		s.MedallionAt, s.ExcellencePercent, s.AppealWindowMinutes, s.HideResults}
}

// CreateEvent adds an event; its creator becomes its first organizer.
func (db *DB) CreateEvent(ctx context.Context, in EventInput, creator int64) (Event, error) {
	e := in.Event()
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.stamp()
		args := append([]any{e.Name.En, e.Name.ZhHans, e.Name.ZhHant, e.Name.Pt, e.StartsOn, e.EndsOn, e.Venue,
			e.HostRegion}, settingsValues(e.Settings)...)
		res, err := tx.ExecContext(ctx, `INSERT INTO events (name_en, name_zh_hans, name_zh_hant, name_pt, starts_on,
			ends_on, venue, host_region, blind_judging, conflict_rule, tie_threshold, tie_break, score_centre, score_spread,
			medallion_at, excellence_percent, appeal_window_minutes, hide_results, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, creator, now, now)...)
		if err != nil {
			return internal(err, "insert event")
		}
		id, _ = res.LastInsertId()
		_, err = tx.ExecContext(ctx, `INSERT INTO event_organizers (event_id, user_id) VALUES (?, ?)`, id, creator)
		return internal(err, "insert organizer")
	})
	if err != nil {
		return Event{}, err
	}
	return db.Event(ctx, id)
}

// Event loads an event.
func (db *DB) Event(ctx context.Context, id int64) (Event, error) {
	s, err := db.readStmt(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`)
	if err != nil {
		return Event{}, err
	}
	e, err := scanEvent(s.QueryRowContext(ctx, id))
	return e, notFound(err, "event")
}

// Events lists events: all of them when all is set, else those the user
// organizes or judges in.
func (db *DB) Events(ctx context.Context, user int64, all bool) ([]Event, error) {
	q := `SELECT ` + eventColumns + ` FROM events`
	var args []any
	if !all {
		q += ` WHERE id IN (SELECT event_id FROM event_organizers WHERE user_id = ?)
			OR id IN (SELECT event_id FROM judges WHERE user_id = ?)`
		args = append(args, user, user)
	}
	return queryAll(ctx, db.read, scanEvent, "events", q+` ORDER BY starts_on DESC, id DESC`, args...)
}

// UpdateEvent applies p to event id on behalf of user; the change is audited.
func (db *DB) UpdateEvent(ctx context.Context, id, user int64, p EventPatch) (Event, error) {
	err := db.eventTx(ctx, id, user, func(tx *sql.Tx) error {
		old, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "event")
		}
		e := p.Apply(old)
		e.Normalize()
		if err := e.Validate(); err != nil {
			return err
		}
		args := append([]any{e.Name.En, e.Name.ZhHans, e.Name.ZhHant, e.Name.Pt, e.StartsOn, e.EndsOn, e.Venue,
			e.HostRegion}, settingsValues(e.Settings)...)
		_, err = tx.ExecContext(ctx, `UPDATE events SET name_en = ?, name_zh_hans = ?, name_zh_hant = ?, name_pt = ?,
			starts_on = ?, ends_on = ?, venue = ?, host_region = ?, blind_judging = ?, conflict_rule = ?,
			tie_threshold = ?, tie_break = ?, score_centre = ?, score_spread = ?, medallion_at = ?, excellence_percent = ?,
			appeal_window_minutes = ?, hide_results = ?, updated_at = ? WHERE id = ?`, append(args, db.stamp(), id)...)
		if err != nil {
			return internal(err, "update event")
		}
		return db.appendAudit(ctx, tx, audit{user: user, event: id, action: ActionEventSettings,
			subject: "event:" + strconv.FormatInt(id, 10), before: old, after: e})
	})
	if err != nil {
		return Event{}, err
	}
	return db.Event(ctx, id)
}

// Organizers lists the accounts that organize event id.
func (db *DB) Organizers(ctx context.Context, event int64) ([]User, error) {
	return queryAll(ctx, db.read, scanUser, "organizers", `SELECT `+userColumns+` FROM users
		WHERE id IN (SELECT user_id FROM event_organizers WHERE event_id = ?) ORDER BY id`, event)
}

// AddOrganizer makes user an organizer of event. Only organizer and admin
// accounts can organize.
func (db *DB) AddOrganizer(ctx context.Context, event, user int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var role Role
		err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, user).Scan(&role)
		if err != nil {
			return notFound(err, "user")
		}
		if role == RoleJudge {
			return apperr.WithFields("a judge account cannot organize an event", map[string]string{"user_id": "is a judge account"})
		}
		_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO event_organizers (event_id, user_id) VALUES (?, ?)`, event, user)
		return internal(err, "add organizer")
	})
}

// RemoveOrganizer removes user from event's organizers; the last organizer stays.
func (db *DB) RemoveOrganizer(ctx context.Context, event, user int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n, is int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(user_id = ?), 0) FROM event_organizers WHERE event_id = ?`,
			user, event).Scan(&n, &is); err != nil {
			return internal(err, "count organizers")
		}
		if is == 0 {
			return apperr.New(apperr.NotFound, "user is not an organizer of this event")
		}
		if n == 1 {
			return apperr.New(apperr.Conflict, "an event keeps at least one organizer")
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM event_organizers WHERE event_id = ? AND user_id = ?`, event, user)
		return internal(err, "remove organizer")
	})
}
