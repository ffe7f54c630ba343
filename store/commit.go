package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Group commit: marks arrive from hundreds of tablets at once, and every
// acknowledged mark must survive power loss (synchronous=FULL), so each
// commit costs an fsync. The committer runs the writes that queue up while
// one commit is in flight together in the next transaction, each in its own
// savepoint — one failing write rolls back alone — and answers each only
// after the shared commit is durable.

// The savepoint around each write of a group.
const (
	sqlSavepoint  = `SAVEPOINT w`
	sqlRollbackTo = `ROLLBACK TO w`
	sqlRelease    = `RELEASE w`
)

// maxGroup bounds how many writes share one commit.
const maxGroup = 256

type groupWrite struct {
	fn   func(*sql.Tx) error
	done chan error
}

func (db *DB) startCommitter() {
	db.queue = make(chan *groupWrite, 4*maxGroup)
	db.committerDone = make(chan struct{})
	go func() {
		defer close(db.committerDone)
		for w := range db.queue {
			group := []*groupWrite{w}
		drain:
			for len(group) < maxGroup {
				select {
				case w, ok := <-db.queue:
					if !ok {
						break drain
					}
					group = append(group, w)
				default:
					break drain
				}
			}
			db.commitGroup(group)
		}
	}()
}

func (db *DB) stopCommitter() {
	if db.queue != nil {
		close(db.queue)
		<-db.committerDone
	}
}

// commitGroup runs a group in one transaction and answers every write.
func (db *DB) commitGroup(group []*groupWrite) {
	results := make([]error, len(group))
	tx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		for _, w := range group {
			w.done <- internal(err, "begin group")
		}
		return
	}
	savepoint, err1 := db.prepared(context.Background(), tx, sqlSavepoint)
	rollbackTo, err2 := db.prepared(context.Background(), tx, sqlRollbackTo)
	release, err3 := db.prepared(context.Background(), tx, sqlRelease)
	if err := errors.Join(err1, err2, err3); err != nil {
		tx.Rollback()
		for _, w := range group {
			w.done <- err
		}
		return
	}
	for i, w := range group {
		if _, err := savepoint.Exec(); err != nil {
			results[i] = internal(err, "savepoint")
			continue
		}
		results[i] = runGuarded(w.fn, tx)
		if results[i] != nil {
			if _, err := rollbackTo.Exec(); err != nil {
				tx.Rollback()
				for _, w := range group {
					w.done <- internal(err, "rollback to savepoint")
				}
				return
			}
		}
		if _, err := release.Exec(); err != nil {
			results[i] = internal(err, "release savepoint")
		}
	}
	if err := tx.Commit(); err != nil {
		for _, w := range group {
			w.done <- internal(err, "commit group")
		}
		return
	}
	for i, w := range group {
		w.done <- results[i]
	}
}

// runGuarded runs fn, turning a panic into an error so one bad write cannot
// take the committer (and every tablet waiting on it) down.
func runGuarded(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internal(fmt.Errorf("panic in group write: %v", r), "group write")
		}
	}()
	return fn(tx)
}

// groupTx runs fn in the next group commit and returns once its outcome is
// durable (or fn failed). It waits for the answer even when ctx ends after
// the write was queued, so a caller never reports a write that happened as
// failed.
func (db *DB) groupTx(ctx context.Context, fn func(*sql.Tx) error) error {
	w := &groupWrite{fn: fn, done: make(chan error, 1)}
	select {
	case db.queue <- w:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-w.done
}
