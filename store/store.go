// Package store keeps bayskills' data in one SQLite file. It is the only
// package that speaks SQL.
//
// Writes go through a single connection (SQLite has one writer at a time; a
// single pooled connection turns lock contention into an orderly queue), reads
// through a pool of read-only connections. Every connection gets its pragmas
// from the DSN, so none of them can miss one.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"bayskills/apperr"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// FileName is the database file's name inside the data directory.
const FileName = "bayskills.db"

// DB is the bayskills database: one writer connection, a pool of readers.
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB
	now   func() time.Time

	queue         chan *groupWrite // group commit (commit.go)
	committerDone chan struct{}

	// setup caches, per skill, what marking is checked against and only
	// setup changes; setupGen counts the commits that may have changed it.
	setupMu  sync.Mutex
	setup    map[int64]*skillSetup
	setupGen atomic.Int64

	stmtMu    sync.Mutex
	stmts     map[string]*sql.Stmt // hot write statements, parsed once
	readStmts map[string]*sql.Stmt // frequent reads (authorization), parsed once per connection
}

// hotStatements are prepared once on the writer connection when the
// database opens: the pure-Go SQLite driver parses every statement it is
// given, and on the marking path parsing costs more than executing. (They
// cannot be prepared later: a transaction holds the only writer connection.)
var hotStatements = []string{sqlInsertAudit, sqlInsertMark, sqlUpdateMark, sqlInsertMarkRequest,
	sqlMarkLocks, sqlMarkMarks, sqlMarkRequests, sqlAuditHead,
	sqlLockScheme, sqlSavepoint, sqlRollbackTo, sqlRelease}

func (db *DB) prepareHot(ctx context.Context) error {
	db.stmts = map[string]*sql.Stmt{}
	for _, q := range hotStatements {
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		db.stmts[q] = s
	}
	return nil
}

// readStmt returns query prepared on the reader pool, once; database/sql
// prepares it again on each pooled connection the first time it runs there.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if s, ok := db.readStmts[query]; ok {
		return s, nil
	}
	s, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, internal(err, "prepare")
	}
	if db.readStmts == nil {
		db.readStmts = map[string]*sql.Stmt{}
	}
	db.readStmts[query] = s
	return s, nil
}

// readRow runs a frequent single-row read through a prepared statement.
func (db *DB) readRow(ctx context.Context, query string, args []any, dest ...any) error {
	s, err := db.readStmt(ctx, query)
	if err != nil {
		return err
	}
	return s.QueryRowContext(ctx, args...).Scan(dest...)
}

// readAll runs a frequent read through a prepared statement.
func readAll[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), what, query string, args ...any) ([]T, error) {
	s, err := db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, args...)
	return scanAll(rows, err, scan, what)
}

// prepared returns a hot statement for use in tx, or prepares query in tx
// when it is not one of them.
func (db *DB) prepared(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	db.stmtMu.Lock()
	s, ok := db.stmts[query]
	db.stmtMu.Unlock()
	if ok {
		return tx.StmtContext(ctx, s), nil
	}
	s, err := tx.PrepareContext(ctx, query)
	return s, internal(err, "prepare")
}

// dsn builds the connection string. busy_timeout comes first so that the
// pragmas after it already wait for locks instead of failing.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: an acknowledged mark, certificate or audit entry survives power loss.
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "mmap_size(2147418112)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database in dir and applies pending
// migrations.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

// OpenFile opens the database file at path and applies pending migrations.
func OpenFile(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{path: path, write: w, now: time.Now}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.read = r
	if err := db.prepareHot(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.startCommitter()
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.stopCommitter()
	db.stmtMu.Lock()
	for _, s := range db.stmts {
		s.Close()
	}
	for _, s := range db.readStmts {
		s.Close()
	}
	db.stmtMu.Unlock()
	return errors.Join(db.read.Close(), db.write.Close())
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Pools returns the database's connection pools by name, "writer" and
// "readers", for their statistics (metrics); callers must not close them.
func (db *DB) Pools() map[string]*sql.DB {
	return map[string]*sql.DB{"writer": db.write, "readers": db.read}
}

// Migration is one applied schema migration.
type Migration struct {
	Version   int
	Name      string
	AppliedAt string
}

func migrationList() ([]Migration, map[int]string, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, nil, err
	}
	var list []Migration
	bodies := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", name)
		}
		if _, dup := bodies[v]; dup {
			return nil, nil, fmt.Errorf("migration %d appears twice", v)
		}
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, nil, err
		}
		bodies[v] = string(b)
		list = append(list, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql")})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Version < list[j].Version })
	return list, bodies, nil
}

// migrate applies every embedded migration not yet recorded, each in its own
// transaction together with its record.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	list, bodies, err := migrationList()
	if err != nil {
		return err
	}
	for _, m := range list {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, bodies[m.Version]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, db.stamp())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// Migrations lists the applied migrations in order.
func (db *DB) Migrations(ctx context.Context) ([]Migration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Migration
	for rows.Next() {
		var m Migration
		if err := rows.Scan(&m.Version, &m.Name, &m.AppliedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Backup writes a consistent copy of the live database to path (which must not
// exist) while the server keeps running. Restore by stopping the server and
// putting the copy in place as <data>/bayskills.db.
func (db *DB) Backup(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// tx runs fn in a write transaction; any error rolls everything back.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.writeTx(ctx, true, fn)
}

// lockTx is tx for writes that leave every skill's setup (people, panels,
// aspects, the conflict rule) as it was — sign-offs and unlocks — so they do
// not drop the committer's cache in the middle of marking.
func (db *DB) lockTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.writeTx(ctx, false, fn)
}

func (db *DB) writeTx(ctx context.Context, setupChanges bool, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return apperr.Wrap(err, "begin")
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	// Before the commit releases the writer connection, so the committer
	// cannot start a group on a stale setup cache (see setupFor).
	if setupChanges {
		db.setupGen.Add(1)
	}
	if err := tx.Commit(); err != nil {
		return apperr.Wrap(err, "commit")
	}
	return nil
}

// stamp is the current time as stored: RFC 3339 in UTC with milliseconds.
func (db *DB) stamp() string {
	return db.now().UTC().Format("2006-01-02T15:04:05.000Z")
}

// internal wraps an unexpected database error, keeping apperr errors as they are.
func internal(err error, context string) error {
	if err == nil {
		return nil
	}
	var e *apperr.Error
	if errors.As(err, &e) {
		return err
	}
	return apperr.Wrap(err, context)
}

// notFound turns sql.ErrNoRows into a NotFound error naming what was missing.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "%s not found", what)
	}
	return internal(err, "load "+what)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryer is a pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and scans every row with scan; what names the rows in
// errors. The result is never nil, so it encodes as [] rather than null.
func queryAll[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), what, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	return scanAll(rows, err, scan, what)
}

// queryHot is queryAll for one of the hotStatements, inside tx.
func queryHot[T any](ctx context.Context, db *DB, tx *sql.Tx, scan func(scanner) (T, error), what, query string, args ...any) ([]T, error) {
	stmt, err := db.prepared(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	return scanAll(rows, err, scan, what)
}

func scanAll[T any](rows *sql.Rows, err error, scan func(scanner) (T, error), what string) ([]T, error) {
	if err != nil {
		return nil, internal(err, "list "+what)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, internal(err, "scan "+what)
		}
		out = append(out, v)
	}
	return out, internal(rows.Err(), "list "+what)
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// QueryRowForTest runs a read query scanning one row into dest. It exists for
// tests in other packages that check what was (not) written.
func (db *DB) QueryRowForTest(ctx context.Context, query string, dest ...any) error {
	return db.read.QueryRowContext(ctx, query).Scan(dest...)
}

// ExecForTest runs a write statement. It exists for tests in other
// packages that put the database in a state no API reaches (a
// certificate past its end of validity).
func (db *DB) ExecForTest(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, query, args...)
}
