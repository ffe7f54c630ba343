package store

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"bayskills/apperr"
)

// Role is a user's system-wide role. Organizers are further scoped to the
// events they organize, judges to the skills they are assigned to (as judge or
// chief expert).
type Role string

// The system roles.
const (
	RoleAdmin     Role = "admin"
	RoleOrganizer Role = "organizer"
	RoleJudge     Role = "judge"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleOrganizer || r == RoleJudge
}

// User is an account. Hashes never leave the server.
type User struct {
	ID           int64  `json:"id"`
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Role         Role   `json:"role"`
	Disabled     bool   `json:"disabled"`
	HasPassword  bool   `json:"has_password"`
	HasPIN       bool   `json:"has_pin"`
	CreatedAt    string `json:"created_at"`
	TokenVersion int64  `json:"-"`
	PasswordHash string `json:"-"`
	PINHash      string `json:"-"`
}

// NewUser is what CreateUser needs. Hashes are computed by the caller.
type NewUser struct {
	Username     string
	DisplayName  string
	Role         Role
	PasswordHash string
	PINHash      string
}

// ValidUsername checks a login name: 3–64 characters of letters, digits,
// '.', '_', '-' or '@'.
func ValidUsername(s string) string {
	if n := utf8.RuneCountInString(s); n < 3 || n > 64 {
		return "must be 3 to 64 characters"
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)
		if !ok {
			return "may contain only letters, digits and . _ - @"
		}
	}
	return ""
}

const userColumns = `id, username, display_name, role, disabled, password_hash != '', pin_hash != '',
	created_at, token_version, password_hash, pin_hash`

func scanUser(row scanner) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.Disabled, &u.HasPassword, &u.HasPIN,
		&u.CreatedAt, &u.TokenVersion, &u.PasswordHash, &u.PINHash)
	return u, err
}

// CreateUser adds an account. A taken username is a Conflict.
func (db *DB) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insertUser(ctx, tx, nu, db.stamp())
		return err
	})
	if err != nil {
		return User{}, err
	}
	return db.User(ctx, id)
}

func insertUser(ctx context.Context, tx *sql.Tx, nu NewUser, now string) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO users (username, display_name, role, password_hash, pin_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, nu.Username, nu.DisplayName, nu.Role, nu.PasswordHash, nu.PINHash, now)
	if isUnique(err) {
		return 0, apperr.New(apperr.Conflict, "username %q is taken", nu.Username)
	}
	if err != nil {
		return 0, internal(err, "insert user")
	}
	return res.LastInsertId()
}

// User loads an account by id.
func (db *DB) User(ctx context.Context, id int64) (User, error) {
	s, err := db.readStmt(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`)
	if err != nil {
		return User{}, err
	}
	u, err := scanUser(s.QueryRowContext(ctx, id))
	return u, notFound(err, "user")
}

// UserByName loads an account by username (case-insensitive).
func (db *DB) UserByName(ctx context.Context, username string) (User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	return u, notFound(err, "user")
}

// Users lists every account.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	return queryAll(ctx, db.read, scanUser, "users", `SELECT `+userColumns+` FROM users ORDER BY id`)
}

// CountUsers returns how many accounts exist.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, internal(err, "count users")
}

// UserUpdate changes an account; nil fields stay as they are. Disabling a user
// or changing a credential also invalidates every token issued to them.
type UserUpdate struct {
	DisplayName  *string
	Disabled     *bool
	PasswordHash *string
	PINHash      *string
}

// UpdateUser applies u to the account id.
func (db *DB) UpdateUser(ctx context.Context, id int64, u UserUpdate) (User, error) {
	if err := db.tx(ctx, func(tx *sql.Tx) error { return updateUser(ctx, tx, id, u) }); err != nil {
		return User{}, err
	}
	return db.User(ctx, id)
}

func updateUser(ctx context.Context, tx *sql.Tx, id int64, u UserUpdate) error {
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = ?`, id).Scan(&exists); err != nil {
		return internal(err, "load user")
	}
	if exists == 0 {
		return apperr.New(apperr.NotFound, "user not found")
	}
	bump := u.PasswordHash != nil || u.PINHash != nil || u.Disabled != nil && *u.Disabled
	for _, set := range []struct {
		col string
		val any
		ok  bool
	}{
		{"display_name", deref(u.DisplayName), u.DisplayName != nil},
		{"disabled", deref(u.Disabled), u.Disabled != nil},
		{"password_hash", deref(u.PasswordHash), u.PasswordHash != nil},
		{"pin_hash", deref(u.PINHash), u.PINHash != nil},
	} {
		if !set.ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET `+set.col+` = ? WHERE id = ?`, set.val, id); err != nil {
			return internal(err, "update user")
		}
	}
	if bump {
		_, err := tx.ExecContext(ctx, `UPDATE users SET token_version = token_version + 1 WHERE id = ?`, id)
		return internal(err, "revoke tokens")
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// RevokeTokens invalidates every token issued to the user so far (logout).
func (db *DB) RevokeTokens(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET token_version = token_version + 1 WHERE id = ?`, id)
		return internal(err, "revoke tokens")
	})
}

// Access is what a user may act on beyond their system role: the events they
// organize and, per skill, whether they judge it or lead it as chief expert.
type Access struct {
	OrganizerOf map[int64]bool   // event id → organizer
	SkillRoles  map[int64]string // skill id → "judge" or "chief_expert"
	JudgeEvents map[int64]bool   // event id → serves as a judge there
}

// AccessOf loads the scopes of user id.
func (db *DB) AccessOf(ctx context.Context, id int64) (Access, error) {
	a := Access{OrganizerOf: map[int64]bool{}, SkillRoles: map[int64]string{}, JudgeEvents: map[int64]bool{}}
	type scope struct {
		organizes    bool
		event, skill int64
		role         string
	}
	scopes, err := readAll(ctx, db, func(r scanner) (s scope, err error) {
		err = r.Scan(&s.organizes, &s.event, &s.skill, &s.role)
		return s, err
	}, "access", `SELECT 1, event_id, 0, '' FROM event_organizers WHERE user_id = ?
		UNION ALL SELECT 0, j.event_id, coalesce(sj.skill_id, 0), coalesce(sj.role, '')
		FROM judges j LEFT JOIN skill_judges sj ON sj.judge_id = j.id WHERE j.user_id = ?`, id, id)
	for _, s := range scopes {
		switch {
		case s.organizes:
			a.OrganizerOf[s.event] = true
		default:
			a.JudgeEvents[s.event] = true
			if s.skill > 0 {
				a.SkillRoles[s.skill] = s.role
			}
		}
	}
	return a, err
}
