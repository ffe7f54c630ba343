package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Audit actions.
const (
	ActionMarkCreate    = "mark.create"
	ActionMarkUpdate    = "mark.update"
	ActionSignOff       = "signoff"
	ActionUnlock        = "unlock"
	ActionSchemeReplace = "scheme.replace"
	ActionPanelSet      = "panel.set"
	ActionSkillSettings = "skill.settings"
	ActionEventSettings = "event.settings"
)

// genesis is the previous hash of the first entry.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditEntry is one link of the hash chain: who did what to which subject,
// with the state before and after as JSON.
type AuditEntry struct {
	Seq      int64           `json:"seq"`
	At       string          `json:"at"`
	UserID   int64           `json:"user_id,omitempty"`
	EventID  int64           `json:"event_id,omitempty"`
	SkillID  int64           `json:"skill_id,omitempty"`
	Action   string          `json:"action"`
	Subject  string          `json:"subject"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// chainHash is SHA-256 over the previous hash and every field of the entry,
// each length-prefixed so no two entries can serialise alike.
func chainHash(e AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At, strconv.FormatInt(e.UserID, 10),
		strconv.FormatInt(e.EventID, 10), strconv.FormatInt(e.SkillID, 10), e.Action, e.Subject, string(e.Before), string(e.After)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// audit is what a change records; append adds it to the chain inside the
// change's own transaction, so the change and its record commit together.
type audit struct {
	user, event, skill int64
	action, subject    string
	before, after      any
}

func marshalState(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, a audit) error {
	return (&chain{db: db, tx: tx}).append(ctx, a)
}

const sqlInsertAudit = `INSERT INTO audit (seq, at, user_id, event_id, skill_id, action, subject, before, after, prev_hash,
	hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const sqlAuditHead = `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`

// chain appends entries within one transaction, reading the chain's head once.
type chain struct {
	db     *DB
	tx     *sql.Tx
	loaded bool
	seq    int64
	prev   string
}

func (c *chain) append(ctx context.Context, a audit) error {
	e := AuditEntry{At: c.db.stamp(), UserID: a.user, EventID: a.event, SkillID: a.skill, Action: a.action, Subject: a.subject}
	var err error
	if e.Before, err = marshalState(a.before); err != nil {
		return internal(err, "audit state")
	}
	if e.After, err = marshalState(a.after); err != nil {
		return internal(err, "audit state")
	}
	if !c.loaded {
		head, err := c.db.prepared(ctx, c.tx, sqlAuditHead)
		if err != nil {
			return err
		}
		err = head.QueryRowContext(ctx).Scan(&c.seq, &c.prev)
		switch {
		case err == sql.ErrNoRows:
			c.seq, c.prev = 0, genesis
		case err != nil:
			return internal(err, "audit head")
		}
		c.loaded = true
	}
	e.Seq, e.PrevHash = c.seq+1, c.prev
	e.Hash = chainHash(e)
	stmt, err := c.db.prepared(ctx, c.tx, sqlInsertAudit)
	if err != nil {
		return err
	}
	if _, err = stmt.ExecContext(ctx, e.Seq, e.At, nullZero(e.UserID), nullZero(e.EventID), nullZero(e.SkillID), e.Action,
		e.Subject, string(e.Before), string(e.After), e.PrevHash, e.Hash); err != nil {
		return internal(err, "append audit")
	}
	c.seq, c.prev = e.Seq, e.Hash
	return nil
}

func nullZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func scanAudit(row scanner) (e AuditEntry, err error) {
	var user, event, skill sql.NullInt64
	var before, after string
	err = row.Scan(&e.Seq, &e.At, &user, &event, &skill, &e.Action, &e.Subject, &before, &after, &e.PrevHash, &e.Hash)
	e.UserID, e.EventID, e.SkillID = user.Int64, event.Int64, skill.Int64
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return e, err
}

const auditColumns = `seq, at, user_id, event_id, skill_id, action, subject, before, after, prev_hash, hash`

// AuditTrail lists the entries of skill after seq `after`, oldest first, at
// most limit of them.
func (db *DB) AuditTrail(ctx context.Context, skill, after int64, limit int) ([]AuditEntry, error) {
	return queryAll(ctx, db.read, scanAudit, "audit entries", `SELECT `+auditColumns+` FROM audit
		WHERE skill_id = ? AND seq > ? ORDER BY seq LIMIT ?`, skill, after, limit)
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Entries  int      // entries walked
	Marks    int      // marks compared
	Problems []string // empty when the chain and the marks table agree
}

// OK reports whether nothing was found.
func (r AuditReport) OK() bool { return len(r.Problems) == 0 }

// markState is a mark as the audit trail records it.
type markState struct {
	ID      int64 `json:"id"`
	Entry   int64 `json:"entry_id"`
	Aspect  int64 `json:"aspect_id"`
	Judge   int64 `json:"judge_id"`
	Value   int64 `json:"value"`
	Version int64 `json:"version"`
}

// VerifyAudit walks the whole chain, recomputing every hash and link, then
// replays the mark entries and compares the result with the marks table: a
// mark edited, added or removed behind the application's back shows up as a
// difference. Stored results are recomputed from the replayed marks and must
// come out byte for byte as stored.
func (db *DB) VerifyAudit(ctx context.Context) (AuditReport, error) {
	var rep AuditReport
	problem := func(format string, args ...any) {
		if len(rep.Problems) < 1000 {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
	if err != nil {
		return rep, internal(err, "read audit")
	}
	replayed := map[int64]markState{}
	prev, wantSeq := genesis, int64(1)
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return rep, internal(err, "scan audit")
		}
		rep.Entries++
		if e.Seq != wantSeq {
			problem("audit entry %d: expected entry %d (entries missing)", e.Seq, wantSeq)
		}
		if e.PrevHash != prev {
			problem("audit entry %d: does not link to the entry before it", e.Seq)
		}
		if got := chainHash(e); got != e.Hash {
			problem("audit entry %d (%s %s): content does not match its hash (edited)", e.Seq, e.Action, e.Subject)
		}
		prev, wantSeq = e.Hash, e.Seq+1
		if e.Action == ActionMarkCreate || e.Action == ActionMarkUpdate {
			var m markState
			if err := json.Unmarshal(e.After, &m); err != nil {
				problem("audit entry %d: unreadable mark state", e.Seq)
				continue
			}
			replayed[m.ID] = m
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, internal(err, "read audit")
	}
	stored, err := queryAll(ctx, db.read, func(row scanner) (m markState, err error) {
		err = row.Scan(&m.ID, &m.Entry, &m.Aspect, &m.Judge, &m.Value, &m.Version)
		return m, err
	}, "marks", `SELECT id, entry_id, aspect_id, judge_id, value, version FROM marks ORDER BY id`)
	if err != nil {
		return rep, err
	}
	rep.Marks = len(stored)
	for _, m := range stored {
		want, ok := replayed[m.ID]
		switch {
		case !ok:
			problem("mark %d: in the marks table but never recorded in the audit trail", m.ID)
		case want != m:
			problem("mark %d: the marks table says %s, the audit trail says %s", m.ID, describeMark(m), describeMark(want))
		}
	}
	inTable := make(map[int64]bool, len(stored))
	for _, m := range stored {
		inTable[m.ID] = true
	}
	for id := range replayed {
		if !inTable[id] {
			problem("mark %d: recorded in the audit trail but missing from the marks table", id)
		}
	}
	return rep, db.verifyResults(ctx, replayed, problem)
}

func describeMark(m markState) string {
	return strings.Join([]string{"value " + strconv.FormatInt(m.Value, 10), "version " + strconv.FormatInt(m.Version, 10),
		"entry " + strconv.FormatInt(m.Entry, 10), "aspect " + strconv.FormatInt(m.Aspect, 10),
		"judge " + strconv.FormatInt(m.Judge, 10)}, ", ")
}
