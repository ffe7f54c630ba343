// Command loadmarks drives the real bayskills binary with concurrent judges
// submitting marks over HTTP, the way tablets do at a venue, and reports
// acknowledged marks per second, request latency percentiles, and whether
// every acknowledged mark is stored exactly once. In the same run it measures
// raw SQLite batched inserts with the same durability settings, as the
// baseline the figures are compared with.
//
//	go build -o bin/bayskills . && go run ./tools/loadmarks --bin bin/bayskills
package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite"

	"bayskills/tools/internal/loadevent"
	"bayskills/tools/internal/serverproc"
)

type config struct {
	bin                           string
	skills, judgesPerSkill        int
	entriesPerSkill, subsPerSkill int
	aspectsPerSub, batch          int
	rate                          float64
	keep                          bool
	json                          bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/bayskills", "the bayskills binary to start")
	flag.IntVar(&cfg.skills, "skills", 10, "skills in the generated event")
	flag.IntVar(&cfg.judgesPerSkill, "judges", 20, "judges per skill (all of them submit concurrently)")
	flag.IntVar(&cfg.entriesPerSkill, "entries", 30, "competitors per skill")
	flag.IntVar(&cfg.subsPerSkill, "subs", 10, "sub-criteria per skill (one panel of 3 each)")
	flag.IntVar(&cfg.aspectsPerSub, "aspects", 6, "aspects per sub-criterion (half J, half M)")
	flag.IntVar(&cfg.batch, "batch", 10, "marks per request (a tablet's outbox flush)")
	flag.Float64Var(&cfg.rate, "rate", 0, "offered marks per second over all judges (0: every judge sends as fast as answers come back)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the data directory")
	flag.BoolVar(&cfg.json, "json", false, "also print the results as one JSON line, last (read by tools/benchreport)")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "loadmarks:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	dir, err := os.MkdirTemp("", "loadmarks-")
	if err != nil {
		return err
	}
	if !cfg.keep {
		defer os.RemoveAll(dir)
	}
	baseline, err := sqliteBaseline(filepath.Join(dir, "baseline.db"), 50_000, cfg.batch*20)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	data := filepath.Join(dir, "data")
	srv, err := serverproc.Start(cfg.bin, serverproc.Options{Data: data, Log: data + ".log",
		Env: []string{"BAYSKILLS_ADMIN_PASSWORD=" + adminPassword, "BAYSKILLS_LOGIN_LIMIT=100000"}})
	if err != nil {
		return err
	}
	defer srv.Kill()
	c := serverproc.NewClient(srv.URL, 60*time.Second)
	fmt.Printf("setting up %d skills × %d judges × %d competitors × %d aspects …\n", cfg.skills, cfg.judgesPerSkill,
		cfg.entriesPerSkill, cfg.subsPerSkill*cfg.aspectsPerSub)
	admin, judges, expected, err := setup(c, cfg)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fmt.Printf("%d judges will submit %d marks in batches of %d\n", len(judges), expected, cfg.batch)

	var acked, retries, failures atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	begin := time.Now()
	// Paced: each judge flushes a batch every interval, and latency counts
	// from when the batch was due, so a slow server cannot hide its backlog.
	var interval time.Duration
	if cfg.rate > 0 {
		interval = time.Duration(float64(len(judges)*cfg.batch) / cfg.rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	for i, j := range judges {
		wg.Add(1)
		go func(i int, j *judge) {
			defer wg.Done()
			var mine []time.Duration
			due := begin.Add(interval * time.Duration(i) / time.Duration(len(judges)))
			for start := 0; start < len(j.work); start += cfg.batch {
				batch := j.work[start:min(start+cfg.batch, len(j.work))]
				if interval > 0 {
					time.Sleep(time.Until(due))
				}
				for try := 0; ; try++ {
					t0 := time.Now()
					if interval > 0 {
						t0 = due
					}
					n, err := j.submit(c, batch)
					if err == nil {
						mine = append(mine, time.Since(t0))
						acked.Add(int64(n))
						break
					}
					if try == 5 {
						failures.Add(1)
						fmt.Fprintln(os.Stderr, "giving up on a batch:", err)
						break
					}
					retries.Add(1) // the same keys again: the server must not store twice
					time.Sleep(50 * time.Millisecond)
				}
				due = due.Add(interval)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(i, j)
	}
	wg.Wait()
	elapsed := time.Since(begin)

	stored, err := storedMarks(c, admin)
	if err != nil {
		return err
	}
	srv.Stop() // how it exits is not a figure of the run; the audit trail it leaves is
	verify, verr := exec.Command(cfg.bin, "audit", "verify", "--data", data).CombinedOutput()

	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	rate := float64(acked.Load()) / elapsed.Seconds()
	fmt.Printf("\nresults\n")
	fmt.Printf("  marks acknowledged   %d of %d in %.2f s (%d requests, %d retries, %d batches failed)\n",
		acked.Load(), expected, elapsed.Seconds(), len(latencies), retries.Load(), failures.Load())
	fmt.Printf("  marks stored         %d (lost %d, duplicated %d)\n", stored, max(0, expected-stored), max(0, stored-expected))
	if cfg.rate > 0 {
		fmt.Printf("  offered              %.0f marks/s (each judge a batch of %d every %s)\n", cfg.rate, cfg.batch, interval)
	}
	fmt.Printf("  throughput           %.0f marks/s\n", rate)
	fmt.Printf("  latency per request  p50 %s  p90 %s  p99 %s  max %s\n", ms(pct(0.5)), ms(pct(0.9)), ms(pct(0.99)), ms(pct(1)))
	fmt.Printf("  baseline             raw SQLite batched inserts: %.0f rows/s (synchronous=FULL, %d rows a commit)\n",
		baseline, cfg.batch*20)
	fmt.Printf("  ratio                %.2f of the baseline\n", rate/baseline)
	fmt.Printf("  audit verify         %s", strings.TrimSpace(string(verify)))
	if verr != nil {
		fmt.Printf(" (FAILED: %v)", verr)
	}
	fmt.Println()
	if cfg.json {
		line, _ := json.Marshal(map[string]any{"tool": "loadmarks", "judges": len(judges), "batch": cfg.batch,
			"expected": expected, "acked": acked.Load(), "stored": stored,
			"lost": max(0, expected-stored), "duplicated": max(0, stored-expected),
			"retries": retries.Load(), "failed_batches": failures.Load(), "seconds": elapsed.Seconds(),
			"offered_marks_per_s": cfg.rate, "marks_per_s": rate,
			"p50_ms": msf(pct(0.5)), "p90_ms": msf(pct(0.9)), "p99_ms": msf(pct(0.99)), "max_ms": msf(pct(1)),
			"baseline_rows_per_s": baseline, "ratio": rate / baseline,
			"audit_ok": verr == nil, "audit": strings.TrimSpace(string(verify))})
		fmt.Printf("%s\n", line)
	}
	if stored != expected || acked.Load() != int64(expected) || verr != nil {
		return errors.New("marks were lost, duplicated or not acknowledged, or the audit trail disagrees")
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", msf(d)) }

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sqliteBaseline inserts rows in batches into a table shaped like marks, with
// the pragmas bayskills uses, and returns rows per second.
func sqliteBaseline(path string, rows, batch int) (float64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE marks (id INTEGER PRIMARY KEY, entry_id INTEGER, aspect_id INTEGER, judge_id INTEGER,
		value INTEGER, version INTEGER, created_at TEXT, updated_at TEXT, UNIQUE (entry_id, aspect_id, judge_id))`); err != nil {
		return 0, err
	}
	begin := time.Now()
	for done := 0; done < rows; {
		tx, err := db.Begin()
		if err != nil {
			return 0, err
		}
		stmt, err := tx.Prepare(`INSERT INTO marks (entry_id, aspect_id, judge_id, value, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, 1, ?, ?)`)
		if err != nil {
			return 0, err
		}
		now := time.Now().UTC().Format(time.RFC3339Nano)
		for i := 0; i < batch && done < rows; i++ {
			if _, err := stmt.Exec(done/1000, done%1000, done%7, done%4, now, now); err != nil {
				return 0, err
			}
			done++
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(rows) / time.Since(begin).Seconds(), nil
}

type markInput struct {
	Key      string  `json:"key"`
	EntryID  int64   `json:"entry_id"`
	AspectID int64   `json:"aspect_id"`
	Value    float64 `json:"value"`
	Version  int64   `json:"version"`
}

type judge struct {
	token, path string
	work        []markInput
}

// submit sends one batch; it returns how many marks were acknowledged.
func (j *judge) submit(c *serverproc.Client, batch []markInput) (int, error) {
	var out struct {
		Marks []struct{ Status string } `json:"marks"`
	}
	if err := c.Call("POST", j.path+"/marks", j.token, map[string]any{"marks": batch}, 0, &out); err != nil {
		return 0, err
	}
	return len(out.Marks), nil
}

func newKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// adminPassword is the admin's password the server is started with; the
// load signs in as the admin to create its event.
const adminPassword = "load-test-admin-password"

// setup creates the event through the API as an organizer would, signs every
// judge in with their PIN and works out each judge's marks. It returns the
// admin's token too.
func setup(c *serverproc.Client, cfg config) (string, []*judge, int, error) {
	var login struct{ Token string }
	if err := c.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, 0, &login); err != nil {
		return "", nil, 0, err
	}
	ev, err := loadevent.Create(c, login.Token, loadevent.Spec{Name: "Load test", Skills: cfg.skills, Entries: cfg.entriesPerSkill,
		Judges: cfg.judgesPerSkill, Subs: cfg.subsPerSkill, Aspects: cfg.aspectsPerSub, PINBase: 100000})
	if err != nil {
		return "", nil, 0, err
	}
	var judges []*judge
	expected := 0
	for _, sk := range ev.Skills {
		for _, j := range sk.Judges {
			token, err := j.SignIn(c)
			if err != nil {
				return "", nil, 0, err
			}
			var work struct {
				SubCriteria []struct {
					Aspects []struct {
						ID   int64
						Kind string
					}
				} `json:"sub_criteria"`
				Entries []struct {
					EntryID int64 `json:"entry_id"`
				}
			}
			if err := c.Call("GET", sk.Path+"/work", token, nil, 0, &work); err != nil {
				return "", nil, 0, err
			}
			jd := &judge{token: token, path: sk.Path}
			for _, e := range work.Entries {
				for _, sub := range work.SubCriteria {
					for _, a := range sub.Aspects {
						v := float64(e.EntryID % 4) // every judge agrees: no divergence to re-score
						if a.Kind == "M" {
							v = float64(e.EntryID%2) * 0.5
						}
						jd.work = append(jd.work, markInput{Key: newKey(), EntryID: e.EntryID, AspectID: a.ID, Value: v})
					}
				}
			}
			expected += len(jd.work)
			judges = append(judges, jd)
		}
	}
	return login.Token, judges, expected, nil
}

// storedMarks counts the marks the server holds, from each skill's progress.
func storedMarks(c *serverproc.Client, token string) (int, error) {
	var events []struct{ ID int64 }
	if err := c.Call("GET", "/api/v1/events", token, nil, 0, &events); err != nil {
		return 0, err
	}
	total := 0
	for _, ev := range events {
		var skills []struct{ ID int64 }
		if err := c.Call("GET", fmt.Sprintf("/api/v1/events/%d/skills", ev.ID), token, nil, 0, &skills); err != nil {
			return 0, err
		}
		for _, sk := range skills {
			var p struct {
				Totals struct {
					MarksStored int `json:"marks_stored"`
				} `json:"totals"`
			}
			if err := c.Call("GET", fmt.Sprintf("/api/v1/events/%d/skills/%d/progress", ev.ID, sk.ID), token, nil, 0, &p); err != nil {
				return 0, err
			}
			total += p.Totals.MarksStored
		}
	}
	return total, nil
}
