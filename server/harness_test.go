package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bayskills/store"
)

// fixture is a server on a temp-file database with one account of every
// role the authorization rules tell apart.
type fixture struct {
	t      testing.TB
	srv    *Server
	db     *store.DB
	now    time.Time
	tokens map[string]string // role name → token
	ids    map[string]int64  // "event", "otherEvent", "skill", "otherSkill", "judge", "chief", "otherJudge", "competitor", user ids "user:<role>"
}

// Role names of the fixture.
const (
	asAnonymous      = "anonymous"
	asJudgeOther     = "judge_other_skill" // judge of another skill of the same event
	asJudge          = "judge"             // judge of skill
	asChief          = "chief_expert"      // chief expert of skill
	asOrganizerOther = "organizer_other"   // organizer of another event
	asOrganizer      = "organizer"         // organizer of event
	asAdmin          = "admin"
)

var allRoles = []string{asAnonymous, asJudgeOther, asJudge, asChief, asOrganizerOther, asOrganizer, asAdmin}

const testPassword = "correct horse battery"

// newFixture builds the fixture: event (organizer) with skills CNC (judge,
// chief expert) and HAIR (judge_other_skill), two competitors in CNC; a
// second event organized by organizer_other.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, now: time.Now(), tokens: map[string]string{}, ids: map[string]int64{}}
	srv, err := New(db, Config{DataDir: dir, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	hash, _ := hashSecret(testPassword)
	mk := func(name string, role store.Role) store.User {
		u, err := db.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name, Role: role, PasswordHash: hash})
		if err != nil {
			t.Fatal(err)
		}
		f.ids["user:"+name] = u.ID
		return u
	}
	mk(asAdmin, store.RoleAdmin)
	org := mk(asOrganizer, store.RoleOrganizer)
	other := mk(asOrganizerOther, store.RoleOrganizer)
	ev, err := db.CreateEvent(ctx, store.EventInput{Name: store.Names{En: "Test Skills 2026", ZhHans: "测试技能赛"}, StartsOn: "2026-12-01",
		EndsOn: "2026-12-03", HostRegion: store.Guangdong}, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	ev2, err := db.CreateEvent(ctx, store.EventInput{Name: store.Names{En: "Other Event"}, StartsOn: "2026-12-01",
		EndsOn: "2026-12-03", HostRegion: store.HongKong}, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.ids["event"], f.ids["otherEvent"] = ev.ID, ev2.ID
	for _, code := range []string{"CNC", "HAIR"} {
		sk, err := db.CreateSkill(ctx, ev.ID, store.SkillInput{Code: code, Name: store.Names{En: code}})
		if err != nil {
			t.Fatal(err)
		}
		f.ids["skill:"+code] = sk.ID
	}
	f.ids["skill"], f.ids["otherSkill"] = f.ids["skill:CNC"], f.ids["skill:HAIR"]
	judges, err := db.AddJudges(ctx, ev.ID, []store.JudgeInput{
		{Username: asJudge, DisplayName: "Judge", Region: store.HongKong, Institution: "Inst HK", Skill: "CNC", Role: "judge", PIN: "111111"},
		{Username: asChief, DisplayName: "Chief", Region: store.Macao, Institution: "Inst MO", Skill: "CNC", Role: "chief_expert", PIN: "222222"},
		{Username: asJudgeOther, DisplayName: "Other judge", Region: store.Guangdong, Institution: "Inst GD", Skill: "HAIR", Role: "judge", PIN: "333333"},
	}, hashSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range judges {
		f.ids[j.Username] = j.ID
		f.ids["user:"+j.Username] = j.UserID
	}
	comps, err := db.AddCompetitors(ctx, ev.ID, []store.CompetitorInput{
		{Skill: "CNC", Ref: "R-1", NameNative: "陈大文", NameLatin: "CHAN Tai Man", Region: store.HongKong, Institution: "Inst HK"},
		{Skill: "CNC", Ref: "R-2", NameNative: "李小明", NameLatin: "LI Xiaoming", Region: store.Guangdong, Institution: "Inst GD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["competitor"] = comps[0].ID
	for _, role := range []string{asAdmin, asOrganizer, asOrganizerOther} {
		f.tokens[role] = f.login(role, testPassword)
	}
	for role, pin := range map[string]string{asJudge: "111111", asChief: "222222", asJudgeOther: "333333"} {
		f.tokens[role] = f.loginPIN(role, pin)
	}
	return f
}

// response is a recorded answer.
type response struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
}

// ErrorCode returns error.code of an error body, or "".
func (r response) ErrorCode() string {
	var e errorBody
	json.Unmarshal(r.Body, &e)
	return string(e.Error.Code)
}

// do sends a request as role (a fixture role name, or a raw "Bearer …"
// header when it starts with "Bearer "). body may be nil, a string (sent as
// is, JSON content type) or any value (marshalled).
func (f *fixture) do(method, path, role string, body any) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	f.authorize(req, role)
	return f.send(req)
}

func (f *fixture) authorize(req *http.Request, role string) {
	if strings.HasPrefix(role, "Bearer ") {
		req.Header.Set("Authorization", role)
	} else if tok := f.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}

func (f *fixture) send(req *http.Request) response {
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	return response{Status: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

// upload sends a file body with the given content type as role.
func (f *fixture) upload(path, role, contentType string, data []byte) response {
	f.t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(data))
	req.Header.Set("Content-Type", contentType)
	f.authorize(req, role)
	return f.send(req)
}

func (f *fixture) login(username, password string) string {
	f.t.Helper()
	return f.signIn("/api/v1/auth/login", map[string]string{"username": username, "password": password})
}

func (f *fixture) loginPIN(username, pin string) string {
	f.t.Helper()
	return f.signIn("/api/v1/auth/pin", map[string]string{"username": username, "pin": pin})
}

func (f *fixture) signIn(path string, body map[string]string) string {
	f.t.Helper()
	r := f.do("POST", path, "", body)
	if r.Status != 200 {
		f.t.Fatalf("POST %s as %s: status %d: %s", path, body["username"], r.Status, r.Body)
	}
	var lr loginResponse
	r.JSON(f.t, &lr)
	return lr.Token
}
