package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"bayskills/certs"
)

// SyncFrameworks writes the shipped qualification frameworks (DESIGN §7)
// into the database at start: new frameworks and levels are added and
// names and ranks follow the file; a level that certificates or plans may
// name is never removed.
func (db *DB) SyncFrameworks(ctx context.Context, fws []certs.Framework) error {
	return db.lockTx(ctx, func(tx *sql.Tx) error {
		for _, f := range fws {
			name, err := json.Marshal(f.Name)
			if err != nil {
				return internal(err, "encode framework")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO frameworks (code, region, name) VALUES (?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET region = excluded.region, name = excluded.name`,
				f.Code, f.Region, string(name)); err != nil {
				return internal(err, "store framework")
			}
			for _, l := range f.Levels {
				name, err := json.Marshal(l.Name)
				if err != nil {
					return internal(err, "encode level")
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO framework_levels (framework, code, rank, digit, name)
					VALUES (?, ?, ?, ?, ?) ON CONFLICT (framework, code) DO UPDATE SET rank = excluded.rank,
					digit = excluded.digit, name = excluded.name`, f.Code, l.Code, l.Rank, l.Digit, string(name)); err != nil {
					return internal(err, "store level")
				}
			}
		}
		return nil
	})
}

// Frameworks lists the stored frameworks with their levels, lowest first.
func (db *DB) Frameworks(ctx context.Context) ([]certs.Framework, error) {
	type row struct {
		f    certs.Framework
		name string
	}
	fws, err := queryAll(ctx, db.read, func(r scanner) (x row, err error) {
		err = r.Scan(&x.f.Code, &x.f.Region, &x.name)
		return x, err
	}, "frameworks", `SELECT code, region, name FROM frameworks ORDER BY code`)
	if err != nil {
		return nil, err
	}
	type lrow struct {
		framework, name string
		l               certs.Level
	}
	levels, err := queryAll(ctx, db.read, func(r scanner) (x lrow, err error) {
		err = r.Scan(&x.framework, &x.l.Code, &x.l.Rank, &x.l.Digit, &x.name)
		return x, err
	}, "levels", `SELECT framework, code, rank, digit, name FROM framework_levels ORDER BY framework, rank`)
	if err != nil {
		return nil, err
	}
	out := make([]certs.Framework, len(fws))
	for i, x := range fws {
		out[i] = x.f
		if err := json.Unmarshal([]byte(x.name), &out[i].Name); err != nil {
			return nil, internal(err, "read framework")
		}
		for _, l := range levels {
			if l.framework != x.f.Code {
				continue
			}
			if err := json.Unmarshal([]byte(l.name), &l.l.Name); err != nil {
				return nil, internal(err, "read level")
			}
			out[i].Levels = append(out[i].Levels, l.l)
		}
	}
	return out, nil
}
