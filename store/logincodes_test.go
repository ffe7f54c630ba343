package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"bayskills/apperr"
)

// codeFixture is an event (ending 2026-12-02) with three judges — jdg-a and
// jdg-b of CNC, jdg-c of MECH — and a store clock the test moves.
type codeFixture struct {
	db     *DB
	event  int64
	org    int64
	judges map[string]Judge // by username
	now    time.Time
}

func newCodeFixture(t *testing.T) *codeFixture {
	t.Helper()
	ctx := context.Background()
	f := &codeFixture{db: openTest(t), judges: map[string]Judge{},
		now: time.Date(2026, 12, 1, 8, 0, 0, 0, venueTime)}
	f.db.now = func() time.Time { return f.now }
	f.event = newEvent(t, f.db)
	org, err := f.db.CreateUser(ctx, NewUser{Username: "printer", DisplayName: "Printer", Role: RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	f.org = org.ID
	judges, err := f.db.AddJudges(ctx, f.event, []JudgeInput{
		{Username: "jdg-b", DisplayName: "周国栋 (ZHOU Guodong)", Region: "GD", Institution: "X", Skill: "CNC"},
		{Username: "jdg-a", DisplayName: "林偉明 (LAM Wai Ming)", Region: "HK", Institution: "Y", Skill: "CNC", Role: "chief_expert"},
		{Username: "jdg-c", DisplayName: "João Sá", Region: "MO", Institution: "Z", Skill: "MECH"},
	}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range judges {
		f.judges[j.Username] = j
	}
	return f
}

// issue issues codes to the named judges (none named: every judge) and
// returns them by username.
func (f *codeFixture) issue(t *testing.T, names ...string) map[string]LoginCode {
	t.Helper()
	var ids []int64
	for _, n := range names {
		ids = append(ids, f.judges[n].ID)
	}
	codes, err := f.db.IssueLoginCodes(context.Background(), f.event, f.org, ids)
	if err != nil {
		t.Fatalf("IssueLoginCodes(%v): %v", names, err)
	}
	byName := map[string]LoginCode{}
	for _, c := range codes {
		for n, j := range f.judges {
			if j.ID == c.JudgeID {
				byName[n] = c
				if c.UserID != j.UserID {
					t.Errorf("code of judge %s for user %d, want %d", n, c.UserID, j.UserID)
				}
			}
		}
	}
	return byName
}

// consume uses code and returns the username it signed in, or "" and the
// error.
func (f *codeFixture) consume(code string) (string, error) {
	h, err := f.db.ConsumeLoginCode(context.Background(), code)
	return h.User.Username, err
}

// wantRefused checks that err is the one answer every unusable code gets.
func wantRefused(t *testing.T, what string, user string, err error) {
	t.Helper()
	e := apperr.As(err)
	if err == nil || e.Code != apperr.NotFound || e.Message != "this sign-in code is not valid any more" {
		t.Errorf("%s: signed in %q, err %v; want the not-valid answer", what, user, err)
	}
}

func TestIssueLoginCodes(t *testing.T) {
	f := newCodeFixture(t)
	codes, err := f.db.IssueLoginCodes(context.Background(), f.event, f.org, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	seen := map[string]bool{}
	for _, c := range codes {
		j, _ := f.db.User(context.Background(), c.UserID)
		names = append(names, j.Username)
		if len(c.Code) != 26 || strings.Trim(c.Code, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Errorf("code %q is not 26 characters of lower-case base32 (128 bits)", c.Code)
		}
		if seen[c.Code] {
			t.Errorf("code %q issued twice", c.Code)
		}
		seen[c.Code] = true
		// The event ends on 2026-12-02: codes work to the end of the 3rd, UTC+8.
		if c.ExpiresAt != "2026-12-03T16:00:00.000Z" {
			t.Errorf("expires_at = %s, want 2026-12-03T16:00:00.000Z", c.ExpiresAt)
		}
	}
	if got := strings.Join(names, ","); got != "jdg-a,jdg-b,jdg-c" {
		t.Errorf("codes for %s, want every judge by username", got)
	}

	// Only the codes' hashes are stored.
	rows, err := f.db.read.Query(`SELECT code_hash, used_at IS NULL FROM login_codes ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for rows.Next() {
		var h string
		var unused bool
		if err := rows.Scan(&h, &unused); err != nil {
			t.Fatal(err)
		}
		if !unused {
			t.Errorf("a fresh code is marked used")
		}
		hashes = append(hashes, h)
	}
	rows.Close()
	for i, c := range codes {
		sum := sha256.Sum256([]byte(c.Code))
		if hashes[i] != hex.EncodeToString(sum[:]) {
			t.Errorf("stored %s for code %d, want its SHA-256", hashes[i], i)
		}
	}
	var dump string
	if err := f.db.read.QueryRow(`SELECT group_concat(id || user_id || event_id || created_at || expires_at, ' ')
		FROM login_codes`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if strings.Contains(dump, c.Code) || strings.Contains(dump, strings.ToUpper(c.Code)) {
			t.Errorf("the database holds code %s in plain", c.Code)
		}
	}
}

func TestConsumeLoginCode(t *testing.T) {
	f := newCodeFixture(t)
	ctx := context.Background()
	codes := f.issue(t)
	a := codes["jdg-a"].Code

	// Looking does not use the code up.
	for range 2 {
		h, err := f.db.LoginCodeHolder(ctx, a)
		if err != nil || h.User.Username != "jdg-a" || h.EventID != f.event {
			t.Fatalf("LoginCodeHolder = %+v, %v; want jdg-a of event %d", h, err, f.event)
		}
	}
	if got, err := f.consume(a); err != nil || got != "jdg-a" {
		t.Fatalf("first use signed in %q, %v; want jdg-a", got, err)
	}
	got, err := f.consume(a)
	wantRefused(t, "second use", got, err)
	_, err = f.db.LoginCodeHolder(ctx, a)
	wantRefused(t, "looking at a used code", "", err)

	// Codes are not case-sensitive (a scanner may upper-case the URL).
	if got, err := f.consume(strings.ToUpper(codes["jdg-b"].Code)); err != nil || got != "jdg-b" {
		t.Errorf("upper-case code signed in %q, %v; want jdg-b", got, err)
	}

	for _, bad := range []string{"", "x", strings.Repeat("a", 26), codes["jdg-c"].Code + "a", "../../etc/passwd",
		codes["jdg-c"].Code[:25] + "1"} {
		got, err := f.consume(bad)
		wantRefused(t, "code "+bad, got, err)
	}
	if got, err := f.consume(codes["jdg-c"].Code); err != nil || got != "jdg-c" {
		t.Errorf("jdg-c's code after the bad ones: %q, %v", got, err)
	}
}

func TestLoginCodeExpires(t *testing.T) {
	f := newCodeFixture(t)
	codes := f.issue(t)
	f.now = time.Date(2026, 12, 3, 23, 59, 59, 0, venueTime) // the day after the last day, venue time
	if got, err := f.consume(codes["jdg-a"].Code); err != nil || got != "jdg-a" {
		t.Errorf("on the day after the event: %q, %v; want jdg-a signed in", got, err)
	}
	f.now = time.Date(2026, 12, 4, 0, 0, 0, 0, venueTime)
	got, err := f.consume(codes["jdg-b"].Code)
	wantRefused(t, "expired code", got, err)

	// Codes printed after the event work for a day.
	f.now = time.Date(2026, 12, 20, 10, 0, 0, 0, venueTime)
	late := f.issue(t)
	if want := "2026-12-21T02:00:00.000Z"; late["jdg-b"].ExpiresAt != want {
		t.Errorf("printed after the event: expires_at %s, want %s (a day later)", late["jdg-b"].ExpiresAt, want)
	}
	f.now = f.now.Add(24*time.Hour - time.Second)
	if got, err := f.consume(late["jdg-b"].Code); err != nil || got != "jdg-b" {
		t.Errorf("late badge within its day: %q, %v", got, err)
	}
	f.now = f.now.Add(time.Second)
	got, err = f.consume(late["jdg-c"].Code)
	wantRefused(t, "late badge after its day", got, err)
}

func TestReissueReplacesUnusedCodes(t *testing.T) {
	f := newCodeFixture(t)
	ctx := context.Background()
	first := f.issue(t)
	if got, err := f.consume(first["jdg-c"].Code); err != nil || got != "jdg-c" {
		t.Fatalf("jdg-c: %q, %v", got, err)
	}
	// Badges printed again for jdg-a and jdg-c (listed twice): their old
	// codes stop working, jdg-b's stays.
	second := f.issue(t, "jdg-c", "jdg-a", "jdg-c")
	if len(second) != 2 {
		t.Fatalf("reissued %d codes, want 2", len(second))
	}
	got, err := f.consume(first["jdg-a"].Code)
	wantRefused(t, "jdg-a's old code", got, err)
	for _, n := range []string{"jdg-a", "jdg-c"} {
		if got, err := f.consume(second[n].Code); err != nil || got != n {
			t.Errorf("%s's new code: %q, %v", n, got, err)
		}
	}
	if got, err := f.consume(first["jdg-b"].Code); err != nil || got != "jdg-b" {
		t.Errorf("jdg-b's code, not reprinted: %q, %v", got, err)
	}
	// The used code stays on record; replaced unused ones are gone.
	var used, all int
	if err := f.db.read.QueryRow(`SELECT count(used_at), count(*) FROM login_codes`).Scan(&used, &all); err != nil {
		t.Fatal(err)
	}
	if used != 4 || all != 4 {
		t.Errorf("%d codes, %d used; want 4, all used (b and c of the first issue, a and c of the second)", all, used)
	}

	// A judge of another event, or none, is not found; nothing is issued.
	f.now = f.now.Add(time.Microsecond) // newEvent names its organizer after the clock
	other := newEvent(t, f.db)
	js, err := f.db.AddJudges(ctx, other, []JudgeInput{{Username: "jdg-x", DisplayName: "X", Region: "GD",
		Institution: "X"}}, fakeHash)
	if err != nil {
		t.Fatal(err)
	}
	for _, ids := range [][]int64{{f.judges["jdg-a"].ID, js[0].ID}, {999}} {
		if _, err := f.db.IssueLoginCodes(ctx, f.event, f.org, ids); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("IssueLoginCodes(%v) = %v, want not found", ids, err)
		}
	}
	if _, err := f.db.IssueLoginCodes(ctx, 999, f.org, nil); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("IssueLoginCodes for no event = %v, want not found", err)
	}
	if codes, err := f.db.IssueLoginCodes(ctx, f.event, f.org, []int64{}); err != nil || len(codes) != 0 {
		t.Errorf("IssueLoginCodes for no judges = %v, %v; want none", codes, err)
	}
	if err := f.db.read.QueryRow(`SELECT count(*) FROM login_codes`).Scan(&all); err != nil || all != 4 {
		t.Errorf("%d codes after refused issues, want 4 (%v)", all, err)
	}
}

func TestLoginCodeRefusesDisabledAndRemovedJudges(t *testing.T) {
	f := newCodeFixture(t)
	ctx := context.Background()
	codes := f.issue(t)
	off, on := true, false
	if _, err := f.db.UpdateUser(ctx, f.judges["jdg-a"].UserID, UserUpdate{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	got, err := f.consume(codes["jdg-a"].Code)
	wantRefused(t, "disabled account", got, err)
	_, err = f.db.LoginCodeHolder(ctx, codes["jdg-a"].Code)
	wantRefused(t, "looking as a disabled account", "", err)
	// The refusal did not use the code up: enabled again, it works.
	if _, err := f.db.UpdateUser(ctx, f.judges["jdg-a"].UserID, UserUpdate{Disabled: &on}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.consume(codes["jdg-a"].Code); err != nil || got != "jdg-a" {
		t.Errorf("enabled again: %q, %v", got, err)
	}
	// A judge taken off the event is no longer signed in by its badge.
	if err := f.db.RemoveJudge(ctx, f.event, f.judges["jdg-c"].ID); err != nil {
		t.Fatal(err)
	}
	got, err = f.consume(codes["jdg-c"].Code)
	wantRefused(t, "judge removed from the event", got, err)
}

// TestLoginCodeUsedOnce: of many concurrent uses of one code, one wins.
func TestLoginCodeUsedOnce(t *testing.T) {
	f := newCodeFixture(t)
	code := f.issue(t)["jdg-b"].Code
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 12 {
		wg.Go(func() {
			if _, err := f.consume(code); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if apperr.CodeOf(err) != apperr.NotFound {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent uses succeeded, want exactly 1", wins)
	}
}

func TestLoginCodeAudit(t *testing.T) {
	f := newCodeFixture(t)
	codes := f.issue(t, "jdg-a", "jdg-b")
	if _, err := f.consume(codes["jdg-b"].Code); err != nil {
		t.Fatal(err)
	}
	f.consume(codes["jdg-b"].Code) // refused: records nothing
	entries, err := queryAll(context.Background(), f.db.read, scanAudit, "audit", `SELECT `+auditColumns+`
		FROM audit WHERE action LIKE 'login_code%' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("%d audit entries, want 2 (issue, use): %+v", len(entries), entries)
	}
	issue, use := entries[0], entries[1]
	if issue.Action != ActionLoginCodesIssue || issue.UserID != f.org || issue.EventID != f.event {
		t.Errorf("issue entry %+v, want by the organizer %d for event %d", issue, f.org, f.event)
	}
	wantAfter := `{"expires_at":"2026-12-03T16:00:00.000Z","judge_ids":[` +
		itoa(int(f.judges["jdg-a"].ID)) + `,` + itoa(int(f.judges["jdg-b"].ID)) + `]}`
	if string(issue.After) != wantAfter {
		t.Errorf("issue entry after = %s, want %s", issue.After, wantAfter)
	}
	if use.Action != ActionLoginCodeUse || use.UserID != f.judges["jdg-b"].UserID || use.EventID != f.event ||
		string(use.After) != `{"username":"jdg-b"}` {
		t.Errorf("use entry %+v, want jdg-b's account at event %d", use, f.event)
	}
	for _, e := range entries {
		all := e.Subject + string(e.Before) + string(e.After)
		for _, c := range codes {
			sum := sha256.Sum256([]byte(c.Code))
			if strings.Contains(all, c.Code) || strings.Contains(all, hex.EncodeToString(sum[:])) {
				t.Errorf("audit entry %d holds a code or its hash: %s", e.Seq, all)
			}
		}
	}
	if rep, err := f.db.VerifyAudit(context.Background()); err != nil || !rep.OK() {
		t.Errorf("VerifyAudit = %+v, %v", rep, err)
	}
}
