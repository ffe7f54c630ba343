package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"bayskills/apperr"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMigrationsAppliedOnceInOrder(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := db.Migrations(ctx)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		list, _, _ := migrationList()
		if len(ms) != len(list) {
			t.Fatalf("open %d: %d migrations recorded, want %d", i+1, len(ms), len(list))
		}
		for j, m := range ms {
			if m.Version != list[j].Version || m.Name != list[j].Name {
				t.Errorf("migration %d = %d %s, want %d %s", j, m.Version, m.Name, list[j].Version, list[j].Name)
			}
		}
	}
}

// Pragmas set in the DSN must hold on every pooled connection, not only the
// first one (a pragma run with Exec reaches one connection).
func TestPragmasOnEveryConnection(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	check := func(t *testing.T, pool *sql.DB, n int, queryOnly int) {
		var conns []*sql.Conn
		for i := 0; i < n; i++ {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2",
				"busy_timeout": "10000", "query_only": map[int]string{0: "0", 1: "1"}[queryOnly]} {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("connection %d: %s = %s, want %s", i, pragma, got, want)
				}
			}
		}
		for _, c := range conns {
			c.Close()
		}
	}
	t.Run("writer", func(t *testing.T) { check(t, db.write, 1, 0) })
	t.Run("readers", func(t *testing.T) { check(t, db.read, 4, 1) })
}

func TestReadersCannotWrite(t *testing.T) {
	db := openTest(t)
	_, err := db.read.Exec(`INSERT INTO users (username, role, created_at) VALUES ('x', 'admin', 'now')`)
	if err == nil {
		t.Fatal("insert through the reader pool succeeded, want an error")
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	db := openTest(t)
	_, err := db.write.Exec(`INSERT INTO skills (event_id, code, name_en, kind, created_at, updated_at)
		VALUES (999, 'X', 'X', 'individual', 'now', 'now')`)
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("skill of a missing event: err = %v, want a FOREIGN KEY error", err)
	}
}

func TestConcurrentWritesAllLand(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := db.CreateUser(ctx, NewUser{Username: "user-" + itoa(i), Role: RoleOrganizer})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := db.CountUsers(ctx); n != 40 {
		t.Fatalf("users = %d, want 40", n)
	}
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := newEvent(t, db)
	if _, err := db.AddCompetitors(ctx, ev, []CompetitorInput{
		{Skill: "CNC", NameNative: "陈大文", NameLatin: "CHAN Tai Man", Region: HongKong, Institution: "A"},
	}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Error("second backup over the same file succeeded, want an error")
	}
	copy, err := OpenFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	got, err := copy.Competitors(ctx, ev, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].NameNative != "陈大文" {
		t.Fatalf("restored competitors = %+v, want the one competitor", got)
	}
}

// newEvent creates an organizer, an event and skills CNC (individual) and
// MECH (team of 2).
func newEvent(t *testing.T, db *DB) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, NewUser{Username: "org-" + itoa(int(db.now().UnixNano()%1e6)), Role: RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEvent(ctx, EventInput{Name: Names{En: "Test"}, StartsOn: "2026-12-01", EndsOn: "2026-12-02",
		HostRegion: Macao}, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateSkill(ctx, e.ID, SkillInput{Code: "CNC", Name: Names{En: "CNC Milling"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateSkill(ctx, e.ID, SkillInput{Code: "MECH", Name: Names{En: "Mechatronics"}, Kind: Team, TeamSize: 2}); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func TestEventValidation(t *testing.T) {
	good := Event{Name: Names{En: "GBA Skills"}, StartsOn: "2026-12-01", EndsOn: "2026-12-03", HostRegion: HongKong}
	tests := []struct {
		name   string
		change func(*Event)
		field  string
	}{
		{"valid", func(*Event) {}, ""},
		{"no English name", func(e *Event) { e.Name.En = "" }, "name.en"},
		{"bad date", func(e *Event) { e.StartsOn = "2026-02-30" }, "starts_on"},
		{"ends before start", func(e *Event) { e.EndsOn = "2026-11-30" }, "ends_on"},
		{"unknown region", func(e *Event) { e.HostRegion = "TW" }, "host_region"},
		{"conflict rule", func(e *Event) { e.Settings.ConflictRule = "family" }, "settings.conflict_rule"},
		{"negative tie threshold", func(e *Event) { e.Settings.TieThreshold = -1 }, "settings.tie_threshold"},
		{"control character", func(e *Event) { e.Venue = "Hall\x00A" }, "venue"},
		{"too long", func(e *Event) { e.Name.ZhHant = strings.Repeat("賽", 201) }, "name.zh-Hant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good
			tt.change(&e)
			e.Normalize()
			err := e.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ae *apperr.Error
			if !asErr(err, &ae) || ae.Code != apperr.Invalid || ae.Fields[tt.field] == "" {
				t.Fatalf("Validate() = %v, want invalid with a problem on %s", err, tt.field)
			}
		})
	}
}

func asErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	*target = e
	return ok
}
