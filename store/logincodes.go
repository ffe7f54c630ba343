package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"bayskills/apperr"
)

// Audit actions of one-time sign-in codes. Their entries say who printed
// badges for whom and which account signed in; never a code or its hash.
const (
	ActionLoginCodesIssue = "login_codes.issue"
	ActionLoginCodeUse    = "login_code.use"
)

// LoginCode is a one-time sign-in code for a judge of an event, as
// IssueLoginCodes returns it: the only time the code itself is known.
type LoginCode struct {
	JudgeID   int64
	UserID    int64
	Code      string // 26 characters of lower-case base32: 128 random bits
	ExpiresAt string // as stored: RFC 3339 in UTC
}

// CodeHolder is whom a valid sign-in code signs in, and for which event it
// was printed.
type CodeHolder struct {
	User    User
	EventID int64
}

// loginCodeBytes is the randomness of a code (crypto/rand.Text): 128 bits,
// beyond guessing even without the rate limits. Codes are spelt in lower-case
// base32 without padding: letters and digits that survive any URL handling,
// denser in a QR code than hex.
const loginCodeBytes = 16

var loginCodeText = base32.StdEncoding.WithPadding(base32.NoPadding)

// venueTime is the time zone of every GBA venue (UTC+8, no daylight saving):
// an event's dates are days there.
var venueTime = time.FixedZone("UTC+8", 8*60*60)

// loginCodeMinLife is how long a code works at least: badges printed after
// the event (a rehearsal, the demo, dates entered wrong) still sign in for a
// day.
const loginCodeMinLife = 24 * time.Hour

// loginCodeExpiry returns when codes printed at now for an event whose last
// day is endsOn (YYYY-MM-DD) stop working: at the end of the following day,
// venue time, so that a badge lost after the event signs nobody in; but not
// before loginCodeMinLife has passed.
func loginCodeExpiry(endsOn string, now time.Time) (time.Time, error) {
	day, err := time.ParseInLocation(time.DateOnly, endsOn, venueTime)
	if err != nil {
		return time.Time{}, err
	}
	expires := day.AddDate(0, 0, 2)
	if floor := now.Add(loginCodeMinLife); expires.Before(floor) {
		expires = floor
	}
	return expires, nil
}

// hashLoginCode is what the database keeps of a code: the hex SHA-256 of
// its canonical (lower-case) text.
func hashLoginCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// canonicalLoginCode returns code in lower case and whether it has the shape
// of a code at all; anything else is refused before the database is asked.
func canonicalLoginCode(code string) (string, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	raw, err := loginCodeText.DecodeString(strings.ToUpper(code))
	return code, err == nil && len(raw) == loginCodeBytes
}

// IssueLoginCodes gives each of the judges of event (judge ids; nil means
// every judge of the event) a fresh one-time sign-in code, in one
// transaction, and returns the codes in the order of the judges' usernames.
// A judge's earlier unused codes of the event are deleted: only the badge
// printed last signs them in. The audit trail records who issued codes to
// whom (by), without the codes.
//
// A judge id not of event is a NotFound.
func (db *DB) IssueLoginCodes(ctx context.Context, event, by int64, judges []int64) ([]LoginCode, error) {
	var out []LoginCode
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		out = nil
		var endsOn string
		if err := tx.QueryRowContext(ctx, `SELECT ends_on FROM events WHERE id = ?`, event).Scan(&endsOn); err != nil {
			return notFound(err, "event")
		}
		expires, err := loginCodeExpiry(endsOn, db.now())
		if err != nil {
			return internal(err, "event end date")
		}
		all, err := queryAll(ctx, tx, func(row scanner) (c LoginCode, err error) {
			err = row.Scan(&c.JudgeID, &c.UserID)
			return c, err
		}, "judges", `SELECT j.id, j.user_id FROM judges j JOIN users u ON u.id = j.user_id
			WHERE j.event_id = ? ORDER BY u.username`, event)
		if err != nil {
			return err
		}
		picked := all
		if judges != nil {
			want := map[int64]bool{}
			for _, id := range judges {
				want[id] = true
			}
			picked = nil
			for _, c := range all {
				if want[c.JudgeID] {
					picked = append(picked, c)
					delete(want, c.JudgeID)
				}
			}
			if missing := slices.Sorted(maps.Keys(want)); len(missing) > 0 {
				return apperr.New(apperr.NotFound, "judge %d not found", missing[0])
			}
		}
		if len(picked) == 0 {
			return nil
		}
		drop, err := tx.PrepareContext(ctx, `DELETE FROM login_codes WHERE user_id = ? AND event_id = ? AND used_at IS NULL`)
		if err != nil {
			return internal(err, "prepare")
		}
		defer drop.Close()
		insert, err := tx.PrepareContext(ctx, `INSERT INTO login_codes (code_hash, user_id, event_id, issued_by, created_at,
			expires_at) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return internal(err, "prepare")
		}
		defer insert.Close()
		now, until := db.stamp(), stampAt(expires)
		ids := make([]int64, len(picked))
		for i := range picked {
			c := &picked[i]
			if _, err := drop.ExecContext(ctx, c.UserID, event); err != nil {
				return internal(err, "drop earlier codes")
			}
			c.Code, c.ExpiresAt = strings.ToLower(rand.Text()), until
			if _, err := insert.ExecContext(ctx, hashLoginCode(c.Code), c.UserID, event, nullZero(by), now, until); err != nil {
				return internal(err, "insert code")
			}
			ids[i] = c.JudgeID
		}
		out = picked
		return db.appendAudit(ctx, tx, audit{user: by, event: event, action: ActionLoginCodesIssue,
			subject: "event:" + strconv.FormatInt(event, 10) + "/judges",
			after:   map[string]any{"judge_ids": ids, "expires_at": until}})
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []LoginCode{}
	}
	return out, nil
}

// loginCodeUsable is the condition on a login_codes row under which its code
// signs someone in: unused, unexpired, and its account an enabled judge
// account still serving at the code's event.
const loginCodeUsable = `code_hash = ? AND used_at IS NULL AND expires_at > ?
	AND EXISTS (SELECT 1 FROM users u WHERE u.id = login_codes.user_id AND u.disabled = 0 AND u.role = 'judge')
	AND EXISTS (SELECT 1 FROM judges j WHERE j.user_id = login_codes.user_id AND j.event_id = login_codes.event_id)`

// errLoginCode is the one answer to every code that does not sign anyone
// in, whatever the reason: an unknown, used or expired code, or a disabled
// account, all look alike to the caller.
func errLoginCode() error {
	return apperr.New(apperr.NotFound, "this sign-in code is not valid any more")
}

// LoginCodeHolder returns whom code would sign in, without using it up (a
// page asks the judge to confirm first; link previews must not burn it).
func (db *DB) LoginCodeHolder(ctx context.Context, code string) (CodeHolder, error) {
	code, ok := canonicalLoginCode(code)
	if !ok {
		return CodeHolder{}, errLoginCode()
	}
	var h CodeHolder
	err := db.read.QueryRowContext(ctx, `SELECT user_id, event_id FROM login_codes WHERE `+loginCodeUsable,
		hashLoginCode(code), db.stamp()).Scan(&h.User.ID, &h.EventID)
	return db.holder(ctx, h, err)
}

// ConsumeLoginCode uses code up and returns whom it signs in. Of two
// concurrent uses of one code exactly one succeeds: the check and the
// marking happen in one statement of one write transaction, together with
// the audit entry.
func (db *DB) ConsumeLoginCode(ctx context.Context, code string) (CodeHolder, error) {
	code, ok := canonicalLoginCode(code)
	if !ok {
		return CodeHolder{}, errLoginCode()
	}
	var h CodeHolder
	err := db.lockTx(ctx, func(tx *sql.Tx) error {
		now := db.stamp()
		err := tx.QueryRowContext(ctx, `UPDATE login_codes SET used_at = ? WHERE `+loginCodeUsable+`
			RETURNING user_id, event_id`, now, hashLoginCode(code), now).Scan(&h.User.ID, &h.EventID)
		if err != nil {
			return err
		}
		var username string
		if err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, h.User.ID).Scan(&username); err != nil {
			return internal(err, "load user")
		}
		return db.appendAudit(ctx, tx, audit{user: h.User.ID, event: h.EventID, action: ActionLoginCodeUse,
			subject: "user:" + strconv.FormatInt(h.User.ID, 10), after: map[string]any{"username": username}})
	})
	return db.holder(ctx, h, err)
}

// holder completes h with its account, turning "no such usable code" into
// errLoginCode.
func (db *DB) holder(ctx context.Context, h CodeHolder, err error) (CodeHolder, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return CodeHolder{}, errLoginCode()
	}
	if err != nil {
		return CodeHolder{}, internal(err, "sign-in code")
	}
	if h.User, err = db.User(ctx, h.User.ID); err != nil {
		return CodeHolder{}, err
	}
	return h, nil
}
