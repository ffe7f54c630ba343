package server

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bayskills/scoring"
	"bayskills/store"
)

// This file checks who may call every route of the API, as an API scenario
// table in the style of PocketBase's ApiScenario: one row per route of
// (&Server{}).table(), with a concrete URL, a valid body and the roles the
// product rules let in. The expectations are written from the product rules,
// not from the access levels in routes.go:
//
//   - public: /healthz, /api/openapi.json, POST /api/v1/auth/login, POST /api/v1/auth/pin;
//   - any signed-in user: logout, GET /api/v1/me, POST /api/v1/me/password, GET /api/v1/events;
//   - admin only: /api/v1/users…, GET /metrics (or a scraper with the
//     metrics token: metrics_test.go);
//   - POST /api/v1/events: admin and organizer accounts;
//   - GET an event, GET its skills: admin, its organizers and the judges and
//     chief experts of any of its skills;
//   - GET one skill, its marking scheme or its panels: admin, the event's
//     organizers, that skill's judges and chief expert;
//   - replace the marking scheme, set or generate panels, see the marking
//     progress and the audit trail of a skill: admin, the event's organizers
//     and that skill's chief expert;
//   - a judge's work, marks and sign-offs: only those who mark, the skill's
//     judges and chief expert (neither organizers nor the admin);
//   - unlocking a signed-off sub-criterion: the skill's chief expert only;
//   - everything else under /api/v1/events/{event}/…: admin and the event's
//     organizers.
//
// Allowed roles get the exact 2xx of the row; refused roles get exactly 401
// (anonymous) or 403 (signed in).

// Role sets of the product rules.
var (
	authzRolesPublic     = allRoles
	authzRolesSignedIn   = []string{asJudgeOther, asJudge, asChief, asOrganizerOther, asOrganizer, asAdmin}
	authzRolesAdmin      = []string{asAdmin}
	authzRolesCreators   = []string{asAdmin, asOrganizer, asOrganizerOther}
	authzRolesMembers    = []string{asAdmin, asOrganizer, asJudge, asChief, asJudgeOther}
	authzRolesSkillStaff = []string{asAdmin, asOrganizer, asJudge, asChief}
	authzRolesOrganizers = []string{asAdmin, asOrganizer}
	authzRolesSkillLeads = []string{asAdmin, asOrganizer, asChief}
	authzRolesMarkers    = []string{asJudge, asChief}
	authzRolesChief      = []string{asChief}
)

// authzScenario is one route of the API and who may call it.
type authzScenario struct {
	method string // as in the route table
	path   string // the route table's path template, e.g. /api/v1/events/:event
	query  string // appended after "?", e.g. format=csv
	// files fills wildcard parameters ("*file"), and parameters that are
	// not fixture ids (":cert", a certificate's opaque id), with literal
	// text.
	files map[string]string
	// form, when set, is sent as an application/x-www-form-urlencoded body.
	form string
	// params maps a path parameter (":judge") to the fixture id used for it
	// (f.ids key) where the default of authzDefaultParams does not fit.
	params map[string]string
	// setup prepares the (fresh) fixture before the request, e.g. an extra
	// organizer to remove.
	setup func(t *testing.T, f *fixture)
	// body returns the JSON body (nil: none); role is the caller, so that
	// usernames and refs are unique per subtest.
	body func(f *fixture, role string) any
	// csv, when set, is sent with Content-Type text/csv instead of a JSON
	// body (imports); %[1]s is replaced by a per-role suffix.
	csv string
	// allowed are the roles the product rules let in.
	allowed []string
	// status is what an allowed role gets; statusFor overrides it per role.
	status    int
	statusFor map[string]int
	// readOnly rows change no state: all roles share one fresh fixture.
	readOnly bool
}

func (s authzScenario) key() string { return s.method + " " + s.path }

// authzDefaultParams says which fixture id fills each path parameter.
var authzDefaultParams = map[string]string{
	":event":      "event",
	":skill":      "skill",
	":competitor": "competitor",
	":judge":      "judge",
	":user":       "user:" + asOrganizerOther,
	":sub":        "sub", // set by authzJudgingSetup
}

// url returns the scenario's concrete path on fixture f.
func (s authzScenario) url(f *fixture) string {
	parts := strings.Split(s.path, "/")
	for i, p := range parts {
		if file, ok := strings.CutPrefix(p, "*"); ok {
			parts[i] = s.files[file]
			continue
		}
		if !strings.HasPrefix(p, ":") {
			continue
		}
		if text, ok := s.files[p[1:]]; ok {
			parts[i] = text
			continue
		}
		key, ok := s.params[p]
		if !ok {
			key, ok = authzDefaultParams[p]
		}
		if !ok {
			f.t.Fatalf("%s: no fixture id for path parameter %s", s.key(), p)
		}
		id, ok := f.ids[key]
		if !ok {
			f.t.Fatalf("%s: fixture has no id %q", s.key(), key)
		}
		parts[i] = strconv.FormatInt(id, 10)
	}
	u := strings.Join(parts, "/")
	if s.query != "" {
		u += "?" + s.query
	}
	return u
}

// send makes the scenario's request as role.
func (s authzScenario) send(f *fixture, role string) response {
	f.t.Helper()
	if s.csv != "" {
		return f.upload(s.url(f), role, "text/csv", []byte(fmt.Sprintf(s.csv, authzSuffix(role))))
	}
	if s.form != "" {
		return f.upload(s.url(f), role, "application/x-www-form-urlencoded", []byte(s.form))
	}
	var body any
	if s.body != nil {
		body = s.body(f, role)
	}
	return f.do(s.method, s.url(f), role, body)
}

// authzSuffix makes a role name usable in usernames, codes and refs.
func authzSuffix(role string) string {
	if role == asAnonymous {
		return "anon"
	}
	return strings.ReplaceAll(role, "_", "-")
}

// authzAddOrganizer creates an organizer account named name (f.ids
// "user:<name>") and, when event is set, makes it an organizer of the event.
func authzAddOrganizer(t *testing.T, f *fixture, name string, event bool) {
	t.Helper()
	ctx := context.Background()
	u, err := f.db.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name, Role: store.RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["user:"+name] = u.ID
	if event {
		if err := f.db.AddOrganizer(ctx, f.ids["event"], u.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// authzJudging is how far authzJudgingSetup takes the marking of the CNC
// skill; each stage includes the ones before it.
type authzJudging int

const (
	// authzScheme: two more CNC judges, judge_gd (GD, Inst GD 2) and
	// judge_mo (MO, Inst MO 2), and a marking scheme of one criterion A with
	// one sub-criterion A1 (f.ids "sub") of one M aspect worth the skill's
	// 100 marks (f.ids "aspect"). f.ids "entry" is the entry of competitor
	// R-2 (Inst GD), whom none of the CNC judges is conflicted with.
	authzScheme authzJudging = iota + 1
	// authzPanel: the panel of A1 is judge, chief_expert and judge_gd (three
	// regions; R-1 of Inst HK keeps two judges free of conflict).
	authzPanel
	// authzMarked: the skill has single entry, and judge_gd marked entry R-2
	// on the aspect, which completes A1 for R-2.
	authzMarked
	// authzSignedOff: judge_gd signed off A1 of entry R-2.
	authzSignedOff
	// authzAllSignedOff: R-1 is marked and signed off too, so the skill has
	// provisional results (the event has no appeal window).
	authzAllSignedOff
	// authzFinal: the chief expert and the admin confirmed the results.
	authzFinal
)

// authzJudgingSetup returns a setup that prepares the CNC skill's marking up
// to stage, through the store.
func authzJudgingSetup(stage authzJudging) func(t *testing.T, f *fixture) {
	return func(t *testing.T, f *fixture) {
		t.Helper()
		ctx := context.Background()
		event, skill, admin := f.ids["event"], f.ids["skill"], f.ids["user:"+asAdmin]
		judges, err := f.db.AddJudges(ctx, event, []store.JudgeInput{
			{Username: "judge_gd", DisplayName: "Judge GD", Region: store.Guangdong, Institution: "Inst GD 2", Skill: "CNC", Role: "judge"},
			{Username: "judge_mo", DisplayName: "Judge MO", Region: store.Macao, Institution: "Inst MO 2", Skill: "CNC", Role: "judge"},
		}, func(string) (string, error) { return "not-a-hash", nil })
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range judges {
			f.ids[j.Username] = j.ID
			f.ids["user:"+j.Username] = j.UserID
		}
		ss, err := f.db.ReplaceScheme(ctx, event, skill, admin, scoring.Scheme{Criteria: []scoring.Criterion{{
			Code: "A", Name: "Machining", SubCriteria: []scoring.SubCriterion{{Code: "A1", Name: "Dimensions",
				Aspects: []scoring.Aspect{{Kind: scoring.Measurement, Description: "Every dimension within tolerance",
					MaxMark: 100 * scoring.Mark}}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		sub := ss.Scheme.Criteria[0].SubCriteria[0]
		f.ids["sub"], f.ids["aspect"] = sub.ID, sub.Aspects[0].ID
		comps, err := f.db.Competitors(ctx, event, skill)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range comps {
			if c.Ref == "R-2" {
				f.ids["entry"] = c.EntryID
			}
		}
		if f.ids["entry"] == 0 {
			t.Fatal("fixture has no competitor R-2")
		}
		if stage < authzPanel {
			return
		}
		if _, err := f.db.SetPanel(ctx, event, skill, f.ids["sub"], admin,
			[]int64{f.ids[asJudge], f.ids[asChief], f.ids["judge_gd"]}); err != nil {
			t.Fatal(err)
		}
		if stage < authzMarked {
			return
		}
		single := true
		if _, err := f.db.UpdateSkill(ctx, event, skill, admin, store.SkillPatch{
			Marking: &store.MarkingPatch{SingleEntry: &single}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SubmitMarks(ctx, event, skill, f.ids["judge_gd"], f.ids["user:judge_gd"], []store.MarkInput{{
			Key: "setup-mark", EntryID: f.ids["entry"], AspectID: f.ids["aspect"], Value: 75 * scoring.Mark}}); err != nil {
			t.Fatal(err)
		}
		if stage < authzSignedOff {
			return
		}
		if _, err := f.db.SignOff(ctx, event, skill, f.ids["judge_gd"], f.ids["user:judge_gd"], f.ids["entry"],
			f.ids["sub"]); err != nil {
			t.Fatal(err)
		}
		if stage < authzAllSignedOff {
			return
		}
		var other int64
		for _, c := range comps {
			if c.Ref == "R-1" {
				other = c.EntryID
			}
		}
		if _, err := f.db.SubmitMarks(ctx, event, skill, f.ids["judge_gd"], f.ids["user:judge_gd"], []store.MarkInput{{
			Key: "setup-mark-2", EntryID: other, AspectID: f.ids["aspect"], Value: 60 * scoring.Mark}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SignOff(ctx, event, skill, f.ids["judge_gd"], f.ids["user:judge_gd"], other, f.ids["sub"]); err != nil {
			t.Fatal(err)
		}
		if stage < authzFinal {
			return
		}
		for _, c := range []struct {
			user int64
			as   store.Confirmer
		}{{f.ids["user:"+asChief], store.ConfirmChiefExpert}, {admin, store.ConfirmOrganizer}} {
			if _, err := f.db.ConfirmResults(ctx, event, skill, c.user, c.as); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// authzSchemeBody is a valid marking scheme for the CNC skill (100 marks) as
// a JSON body, named after role.
func authzSchemeBody(role string) any {
	return map[string]any{"criteria": []any{map[string]any{
		"code": "A", "name": "Machining (" + role + ")",
		"sub_criteria": []any{map[string]any{"code": "A1", "name": "Dimensions", "aspects": []any{
			map[string]any{"kind": "M", "description": "Every dimension within tolerance", "max_mark": 60,
				"rule": "full marks or zero"},
			map[string]any{"kind": "J", "description": "Surface finish", "max_mark": "40",
				"descriptors": []string{"unacceptable", "below industry standard", "industry standard", "excellent"}},
		}}},
	}}}
}

// authzScenarios is the scenario table: one row per route.
func authzScenarios() []authzScenario {
	return slices.Concat(authzAPIScenarios(), authzPageScenarios(), authzTabletScenarios(), authzConsoleScenarios(),
		authzPublicPageScenarios(), authzBadgeScenarios(), authzCertScenarios(), authzVerifyScenarios(),
		authzVerifyPageScenarios())
}

// authzPageScenarios cover the sign-in pages and static files.
func authzPageScenarios() []authzScenario {
	return []authzScenario{
		{method: "GET", path: "/", allowed: authzRolesPublic, status: 303, readOnly: true},
		{method: "GET", path: "/login", allowed: authzRolesPublic, status: 200, readOnly: true},
		{method: "POST", path: "/login", allowed: authzRolesPublic, status: 303, readOnly: true,
			form: "username=admin&kind=password&secret=" + url.QueryEscape(testPassword)},
		{method: "POST", path: "/logout", allowed: authzRolesSignedIn, status: 303},
		{method: "GET", path: "/static/*file", files: map[string]string{"file": "app.css"}, allowed: authzRolesPublic,
			status: 200, readOnly: true},
	}
}

// authzAPIScenarios cover the JSON API.
func authzAPIScenarios() []authzScenario {
	return []authzScenario{
		{method: "GET", path: "/healthz", allowed: authzRolesPublic, status: 200, readOnly: true},
		{method: "GET", path: "/api/openapi.json", allowed: authzRolesPublic, status: 200, readOnly: true},
		{method: "GET", path: "/metrics", allowed: authzRolesAdmin, status: 200, readOnly: true},

		{method: "POST", path: "/api/v1/auth/login", allowed: authzRolesPublic, status: 200, readOnly: true,
			body: func(*fixture, string) any {
				return map[string]string{"username": asAdmin, "password": testPassword}
			}},
		{method: "POST", path: "/api/v1/auth/pin", allowed: authzRolesPublic, status: 200, readOnly: true,
			body: func(*fixture, string) any { return map[string]string{"username": asJudge, "pin": "111111"} }},
		{method: "POST", path: "/api/v1/auth/logout", allowed: authzRolesSignedIn, status: 204},
		{method: "GET", path: "/api/v1/me", allowed: authzRolesSignedIn, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/me/password", allowed: authzRolesSignedIn, status: 200,
			// Judges sign in with a PIN and have no password to change.
			statusFor: map[string]int{asJudge: 422, asChief: 422, asJudgeOther: 422},
			body: func(*fixture, string) any {
				return map[string]string{"current_password": testPassword, "new_password": "a brand new passphrase"}
			}},

		{method: "GET", path: "/api/v1/users", allowed: authzRolesAdmin, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/users", allowed: authzRolesAdmin, status: 201,
			body: func(_ *fixture, role string) any {
				return map[string]string{"username": "new-org-" + authzSuffix(role), "display_name": "New Organizer",
					"role": "organizer", "password": "long enough password"}
			}},
		{method: "GET", path: "/api/v1/users/:user", allowed: authzRolesAdmin, status: 200, readOnly: true},
		{method: "PATCH", path: "/api/v1/users/:user", allowed: authzRolesAdmin, status: 200,
			body: func(_ *fixture, role string) any { return map[string]string{"display_name": "Renamed by " + role} }},

		{method: "GET", path: "/api/v1/events", allowed: authzRolesSignedIn, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/events", allowed: authzRolesCreators, status: 201,
			body: func(_ *fixture, role string) any {
				return map[string]any{
					"name":        map[string]string{"en": "New Games " + role, "zh-Hans": "新技能赛", "zh-Hant": "新技能賽", "pt": "Novos Jogos"},
					"starts_on":   "2027-05-01",
					"ends_on":     "2027-05-03",
					"venue":       "Macao Forum",
					"host_region": "MO",
					"settings":    map[string]any{"blind_judging": true, "conflict_rule": "region", "tie_threshold": 0.5},
				}
			}},
		{method: "GET", path: "/api/v1/events/:event", allowed: authzRolesMembers, status: 200, readOnly: true},
		{method: "PATCH", path: "/api/v1/events/:event", allowed: authzRolesOrganizers, status: 200,
			body: func(_ *fixture, role string) any { return map[string]any{"venue": "Hall of " + role} }},
		{method: "GET", path: "/api/v1/events/:event/organizers", allowed: authzRolesOrganizers, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/events/:event/organizers", allowed: authzRolesOrganizers, status: 200,
			setup: func(t *testing.T, f *fixture) { authzAddOrganizer(t, f, "org-to-add", false) },
			body:  func(f *fixture, _ string) any { return map[string]int64{"user_id": f.ids["user:org-to-add"]} }},
		{method: "DELETE", path: "/api/v1/events/:event/organizers/:user", allowed: authzRolesOrganizers, status: 204,
			params: map[string]string{":user": "user:org-to-remove"},
			setup:  func(t *testing.T, f *fixture) { authzAddOrganizer(t, f, "org-to-remove", true) }},

		{method: "GET", path: "/api/v1/events/:event/skills", allowed: authzRolesMembers, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/events/:event/skills", allowed: authzRolesOrganizers, status: 201,
			body: func(_ *fixture, role string) any {
				return map[string]any{"code": "WEB-" + strings.ToUpper(authzSuffix(role))[:4], "name": map[string]string{"en": "Web Technologies"},
					"occupation_code": "4-04-05", "kind": "team", "team_size": 2, "total_marks": 100}
			}},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill", allowed: authzRolesSkillStaff, status: 200, readOnly: true},
		{method: "PATCH", path: "/api/v1/events/:event/skills/:skill", allowed: authzRolesOrganizers, status: 200,
			body: func(_ *fixture, role string) any {
				return map[string]any{"name": map[string]string{"en": "CNC Milling (" + role + ")"}, "total_marks": 100}
			}},
		{method: "PUT", path: "/api/v1/events/:event/skills/:skill/judges/:judge", allowed: authzRolesOrganizers, status: 200,
			params: map[string]string{":judge": asJudgeOther}, // judge of HAIR, now also of CNC
			body:   func(*fixture, string) any { return map[string]string{"role": "judge"} }},
		{method: "DELETE", path: "/api/v1/events/:event/skills/:skill/judges/:judge", allowed: authzRolesOrganizers, status: 204},

		{method: "GET", path: "/api/v1/events/:event/skills/:skill/scheme", allowed: authzRolesSkillStaff, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzScheme)},
		{method: "PUT", path: "/api/v1/events/:event/skills/:skill/scheme", allowed: authzRolesSkillLeads, status: 200,
			setup: authzJudgingSetup(authzPanel),
			body:  func(_ *fixture, role string) any { return authzSchemeBody(role) }},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/panels", allowed: authzRolesSkillStaff, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzPanel)},
		{method: "PUT", path: "/api/v1/events/:event/skills/:skill/panels/:sub", allowed: authzRolesSkillLeads, status: 200,
			setup: authzJudgingSetup(authzPanel),
			body: func(f *fixture, _ string) any {
				return map[string][]int64{"judge_ids": {f.ids[asJudge], f.ids[asChief], f.ids["judge_mo"]}}
			}},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/panels/generate", allowed: authzRolesSkillLeads, status: 200,
			setup: authzJudgingSetup(authzScheme), // A1 has no panel yet
			body:  func(*fixture, string) any { return map[string]int{"size": 3} }},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/work", allowed: authzRolesMarkers, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzMarked)},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/marks", allowed: authzRolesMarkers, status: 200,
			setup: authzJudgingSetup(authzPanel), // the chief expert sits on the panel, so may mark
			body: func(f *fixture, role string) any {
				return map[string]any{"marks": []any{map[string]any{"key": "tablet-" + authzSuffix(role),
					"entry_id": f.ids["entry"], "aspect_id": f.ids["aspect"], "value": 87.5, "version": 0}}}
			}},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/signoffs", allowed: authzRolesMarkers, status: 201,
			setup: authzJudgingSetup(authzMarked), // A1 of R-2 is complete; judge and chief expert are on its panel
			body: func(f *fixture, _ string) any {
				return map[string]int64{"entry_id": f.ids["entry"], "sub_criterion_id": f.ids["sub"]}
			}},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/unlocks", allowed: authzRolesChief, status: 204,
			setup: authzJudgingSetup(authzSignedOff),
			body: func(f *fixture, _ string) any {
				return map[string]any{"entry_id": f.ids["entry"], "sub_criterion_id": f.ids["sub"],
					"reason": "the measurement was taken on the wrong part"}
			}},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/progress", allowed: authzRolesSkillLeads, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzMarked)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/audit", allowed: authzRolesSkillLeads, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzSignedOff)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/results", allowed: authzRolesSkillLeads, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzAllSignedOff)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/results/export", query: "format=csv",
			allowed: authzRolesSkillLeads, status: 200, readOnly: true, setup: authzJudgingSetup(authzAllSignedOff)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/results/sheet.pdf", allowed: authzRolesSkillLeads,
			status: 200, readOnly: true, setup: authzJudgingSetup(authzAllSignedOff)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/marks/export", query: "format=xlsx",
			allowed: authzRolesSkillLeads, status: 200, readOnly: true, setup: authzJudgingSetup(authzMarked)},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/results/confirm", allowed: authzRolesSkillLeads,
			status: 200, setup: authzJudgingSetup(authzAllSignedOff)},
		{method: "POST", path: "/api/v1/events/:event/skills/:skill/results/close-appeals", allowed: authzRolesOrganizers,
			status: 200, setup: func(t *testing.T, f *fixture) {
				window := 60
				if _, err := f.db.UpdateEvent(context.Background(), f.ids["event"], f.ids["user:"+asAdmin], store.EventPatch{
					Settings: &store.SettingsPatch{AppealWindowMinutes: &window}}); err != nil {
					t.Fatal(err)
				}
				authzJudgingSetup(authzAllSignedOff)(t, f)
			},
			body: func(*fixture, string) any { return map[string]string{"reason": "every team leader waived appeals"} }},
		{method: "GET", path: "/api/v1/events/:event/results", allowed: authzRolesOrganizers, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzAllSignedOff)},
		{method: "GET", path: "/api/v1/public/events/:event/results", allowed: authzRolesPublic, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzFinal)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/analytics", allowed: authzRolesSkillLeads, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzMarked)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/charts/scores.svg", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzMarked)},
		{method: "GET", path: "/api/v1/events/:event/skills/:skill/charts/severity.svg", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzMarked)},

		{method: "GET", path: "/api/v1/events/:event/competitors", allowed: authzRolesOrganizers, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/events/:event/competitors", allowed: authzRolesOrganizers, status: 201,
			body: func(_ *fixture, role string) any {
				return map[string]string{"skill": "CNC", "ref": "NEW-" + authzSuffix(role), "name_native": "王小五",
					"name_latin": "WONG Siu Ng " + role, "region": "MO", "institution": "Inst MO"}
			}},
		{method: "POST", path: "/api/v1/events/:event/competitors/import", allowed: authzRolesOrganizers, status: 201,
			csv: "skill,ref,name_native,name_latin,region,institution\r\n" +
				"CNC,IMP-%[1]s-1,張三,CHEUNG Sam,HK,Inst HK\r\n" +
				"HAIR,IMP-%[1]s-2,李四,LEI Sei,MO,Inst MO\r\n"},
		{method: "GET", path: "/api/v1/events/:event/competitors/:competitor", allowed: authzRolesOrganizers, status: 200, readOnly: true},
		{method: "PATCH", path: "/api/v1/events/:event/competitors/:competitor", allowed: authzRolesOrganizers, status: 200,
			body: func(_ *fixture, role string) any {
				return map[string]string{"name_latin": "CHAN Tai-man", "ref": "R-1-" + authzSuffix(role)}
			}},
		{method: "DELETE", path: "/api/v1/events/:event/competitors/:competitor", allowed: authzRolesOrganizers, status: 204},

		{method: "GET", path: "/api/v1/events/:event/judges", allowed: authzRolesOrganizers, status: 200, readOnly: true},
		{method: "POST", path: "/api/v1/events/:event/judges", allowed: authzRolesOrganizers, status: 201,
			body: func(_ *fixture, role string) any {
				return map[string]string{"username": "new-judge-" + authzSuffix(role), "display_name": "New Judge",
					"region": "MO", "institution": "Inst MO", "skill": "HAIR", "role": "judge", "pin": "444444"}
			}},
		{method: "POST", path: "/api/v1/events/:event/judges/import", allowed: authzRolesOrganizers, status: 201,
			csv: "username,display_name,region,institution,skill,role,pin\r\n" +
				"imp-judge-%[1]s,Imported Judge,GD,Inst GD,HAIR,judge,555555\r\n"},
		{method: "GET", path: "/api/v1/events/:event/judges/:judge", allowed: authzRolesOrganizers, status: 200, readOnly: true},
		{method: "PATCH", path: "/api/v1/events/:event/judges/:judge", allowed: authzRolesOrganizers, status: 200,
			body: func(_ *fixture, role string) any {
				return map[string]string{"display_name": "Judge (" + role + ")", "institution": "Inst HK 2"}
			}},
		{method: "DELETE", path: "/api/v1/events/:event/judges/:judge", allowed: authzRolesOrganizers, status: 204},
	}
}

// authzTemplate makes fresh fixtures fast: newFixture runs ten argon2
// hashes (about a second a fixture under -race), which a fresh fixture per
// role and route cannot afford. The template builds one fixture, keeps a
// consistent copy of its database and its token signing key, and each clone
// gets its own copy of that file, its own server (fresh rate limiters) and the
// same key, so the template's ids and tokens hold in every clone.
type authzTemplate struct {
	f      *fixture
	golden []byte // the database file, migrated, in WAL mode, checkpointed
	key    []byte
}

func newAuthzTemplate(t *testing.T) *authzTemplate {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), store.FileName)
	if err := f.db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	// Opening and closing the copy switches it to WAL mode and checkpoints
	// it, so that clones open it without writing.
	db, err := store.OpenFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(f.srv.cfg.DataDir, keyFileName))
	if err != nil {
		t.Fatal(err)
	}
	return &authzTemplate{f: f, golden: golden, key: key}
}

// clone returns a fresh fixture for t: the template's data, ids and tokens.
func (tp *authzTemplate) clone(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, store.FileName), tp.golden, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, keyFileName), tp.key, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, now: tp.f.now, tokens: maps.Clone(tp.f.tokens), ids: maps.Clone(tp.f.ids)}
	srv, err := New(db, Config{DataDir: dir, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

// authzSnapshot returns what the admin sees of the data a route could change, to
// check that a refused call changed nothing.
func authzSnapshot(f *fixture) string {
	f.t.Helper()
	paths := []string{"/api/v1/users", "/api/v1/events"}
	for _, ev := range []int64{f.ids["event"], f.ids["otherEvent"]} {
		for _, what := range []string{"organizers", "skills", "competitors", "judges"} {
			paths = append(paths, fmt.Sprintf("/api/v1/events/%d/%s", ev, what))
		}
	}
	// The marking of the skill: its scheme, panels, marks and sign-offs
	// (progress) and every change to them (audit trail).
	for _, what := range []string{"scheme", "panels", "progress", "audit"} {
		paths = append(paths, fmt.Sprintf("/api/v1/events/%d/skills/%d/%s", f.ids["event"], f.ids["skill"], what))
	}
	var b strings.Builder
	for _, path := range paths {
		r := f.do("GET", path, asAdmin, nil)
		if r.Status != 200 {
			f.t.Fatalf("snapshot: GET %s as admin: status %d: %s", path, r.Status, r.Body)
		}
		b.Write(r.Body)
		b.WriteByte('\n')
	}
	return b.String()
}

// authzCheck checks one answer against the scenario for role.
func authzCheck(t *testing.T, s authzScenario, role string, r response) {
	t.Helper()
	if slices.Contains(s.allowed, role) {
		want := s.status
		if w, ok := s.statusFor[role]; ok {
			want = w
		}
		if r.Status != want {
			t.Errorf("%s as %s: status %d, want %d (allowed): %s", s.key(), role, r.Status, want, r.Body)
		}
		return
	}
	want, code := http.StatusForbidden, "forbidden"
	if role == asAnonymous {
		want, code = http.StatusUnauthorized, "unauthorized"
	}
	if authzIsPage(s) {
		// Pages refuse as pages: to sign in (GET) or an error page.
		if role == asAnonymous && s.method == "GET" {
			want = http.StatusSeeOther
		}
		if r.Status != want || (want == http.StatusSeeOther && !strings.HasPrefix(r.Header.Get("Location"), "/login?next=")) {
			t.Errorf("%s as %s: status %d (to %q), want %d: %s", s.key(), role, r.Status, r.Header.Get("Location"), want, r.Body)
		}
		return
	}
	if r.Status != want || r.ErrorCode() != code {
		t.Errorf("%s as %s: status %d (%q), want %d (%s): %s", s.key(), role, r.Status, r.ErrorCode(), want, code, r.Body)
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	template := newAuthzTemplate(t)
	for _, s := range authzScenarios() {
		t.Run(s.key(), func(t *testing.T) {
			t.Parallel()
			var shared *fixture
			if s.readOnly {
				shared = template.clone(t)
				if s.setup != nil {
					s.setup(t, shared)
				}
			}
			for _, role := range allRoles {
				t.Run(role, func(t *testing.T) {
					f := shared
					if f == nil {
						f = template.clone(t)
						if s.setup != nil {
							s.setup(t, f)
						}
					}
					f.t = t
					refused := !slices.Contains(s.allowed, role)
					var before string
					if refused && !s.readOnly {
						before = authzSnapshot(f)
					}
					authzCheck(t, s, role, s.send(f, role))
					if refused && !s.readOnly {
						if after := authzSnapshot(f); after != before {
							t.Errorf("%s as %s was refused but changed the data:\nbefore: %s\nafter:  %s", s.key(), role, before, after)
						}
					}
				})
			}
		})
	}
}

// authzIsPage reports whether the scenario's route is a page.
func authzIsPage(s authzScenario) bool {
	for _, r := range (&Server{}).table() {
		if r.method+" "+r.path == s.key() {
			return r.kind == page
		}
	}
	return false
}

// TestAuthorizationMatrixCoversEveryRoute fails when a route of the table
// has no scenario (or a scenario names no route), so a new route cannot be
// added without saying who may call it.
func TestAuthorizationMatrixCoversEveryRoute(t *testing.T) {
	rows := map[string]int{}
	for _, s := range authzScenarios() {
		rows[s.key()]++
		if len(s.allowed) == 0 {
			t.Errorf("scenario %s allows nobody", s.key())
		}
		if (s.status < 200 || s.status > 299) && !(authzIsPage(s) && s.status == http.StatusSeeOther) {
			t.Errorf("scenario %s: status %d is not a 2xx (or a page's 303)", s.key(), s.status)
		}
	}
	routes := map[string]bool{}
	for _, r := range (&Server{}).table() {
		key := r.method + " " + r.path
		routes[key] = true
		switch rows[key] {
		case 0:
			t.Errorf("route %s has no row in the authorization scenario table", key)
		case 1:
		default:
			t.Errorf("route %s has %d rows in the authorization scenario table", key, rows[key])
		}
	}
	for key := range rows {
		if !routes[key] {
			t.Errorf("scenario %s names no route of the table", key)
		}
	}
}

// authzEventScoped reports whether a route works on one event's data.
func authzEventScoped(s authzScenario) bool {
	for _, prefix := range []string{"/api/v1/events/:event", "/console/events/:event"} {
		if s.path == prefix || strings.HasPrefix(s.path, prefix+"/") {
			return true
		}
	}
	return false
}

func TestCrossEventAccess(t *testing.T) {
	template := newAuthzTemplate(t)
	ctx := context.Background()

	// An organizer of another event is a stranger to this one: every
	// event-scoped route refuses them with 403.
	t.Run("organizer of another event", func(t *testing.T) {
		n := 0
		for _, s := range authzScenarios() {
			if !authzEventScoped(s) {
				continue
			}
			n++
			t.Run(s.key(), func(t *testing.T) {
				f := template.clone(t)
				if s.setup != nil {
					s.setup(t, f)
				}
				r := s.send(f, asOrganizerOther)
				if r.Status != http.StatusForbidden || (!authzIsPage(s) && r.ErrorCode() != "forbidden") {
					t.Errorf("%s on the organizer's event as %s: status %d (%q), want 403: %s",
						s.key(), asOrganizerOther, r.Status, r.ErrorCode(), r.Body)
				}
			})
		}
		if n < 20 {
			t.Fatalf("only %d event-scoped routes found", n)
		}
	})

	// The event's own staff get nothing of the other event either.
	t.Run("staff of this event on the other event", func(t *testing.T) {
		f := template.clone(t)
		other := strconv.FormatInt(f.ids["otherEvent"], 10)
		for _, role := range []string{asOrganizer, asJudge, asChief, asJudgeOther} {
			for _, path := range []string{"/api/v1/events/" + other, "/api/v1/events/" + other + "/skills",
				"/api/v1/events/" + other + "/organizers", "/api/v1/events/" + other + "/competitors",
				"/api/v1/events/" + other + "/judges"} {
				if r := f.do("GET", path, role, nil); r.Status != http.StatusForbidden {
					t.Errorf("GET %s as %s: status %d, want 403: %s", path, role, r.Status, r.Body)
				}
			}
		}
	})

	// Event lists show only the caller's events.
	t.Run("event lists", func(t *testing.T) {
		f := template.clone(t)
		want := map[string][]int64{
			asOrganizerOther: {f.ids["otherEvent"]},
			asOrganizer:      {f.ids["event"]},
			asJudge:          {f.ids["event"]},
			asJudgeOther:     {f.ids["event"]},
		}
		for role, ids := range want {
			r := f.do("GET", "/api/v1/events", role, nil)
			var list []store.Event
			r.JSON(t, &list)
			var got []int64
			for _, e := range list {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("GET /api/v1/events as %s: events %v, want %v", role, got, ids)
			}
		}
	})

	// Ids of the other event's skills, competitors and judges do not resolve
	// under this event's path: 404, for the admin too.
	t.Run("foreign ids under this event", func(t *testing.T) {
		f := template.clone(t)
		// This event's CNC has a scheme and a panel, so that its own
		// sub-criterion fills :sub where it is not the id under test.
		authzJudgingSetup(authzPanel)(t, f)
		otherEvent := f.ids["otherEvent"]
		sk, err := f.db.CreateSkill(ctx, otherEvent, store.SkillInput{Code: "WEB", Name: store.Names{En: "Web Technologies"}})
		if err != nil {
			t.Fatal(err)
		}
		ss, err := f.db.ReplaceScheme(ctx, otherEvent, sk.ID, f.ids["user:"+asAdmin], scoring.Scheme{Criteria: []scoring.Criterion{{
			Code: "W", Name: "Web", SubCriteria: []scoring.SubCriterion{{Code: "W1", Name: "Layout",
				Aspects: []scoring.Aspect{{Kind: scoring.Measurement, Description: "Valid HTML", MaxMark: 100 * scoring.Mark}}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		comps, err := f.db.AddCompetitors(ctx, otherEvent, []store.CompetitorInput{{Skill: "WEB", Ref: "O-1",
			NameNative: "黃一", NameLatin: "WONG Yat", Region: store.Macao, Institution: "Inst MO"}})
		if err != nil {
			t.Fatal(err)
		}
		judges, err := f.db.AddJudges(ctx, otherEvent, []store.JudgeInput{{Username: "foreign-judge", DisplayName: "Foreign",
			Region: store.Macao, Institution: "Inst MO", Skill: "WEB", Role: "judge", PIN: "999999"}},
			func(string) (string, error) { return "not-a-hash", nil })
		if err != nil {
			t.Fatal(err)
		}
		foreign := map[string]int64{":skill": sk.ID, ":competitor": comps[0].ID, ":judge": judges[0].ID,
			":sub": ss.Scheme.Criteria[0].SubCriteria[0].ID}
		before := authzSnapshot(f)
		n := 0
		for _, s := range authzScenarios() {
			if !authzEventScoped(s) {
				continue
			}
			for _, param := range []string{":skill", ":competitor", ":judge", ":sub"} {
				if !strings.Contains(s.path, "/"+param) {
					continue
				}
				f.ids["foreign"+param] = foreign[param]
				fs := s
				fs.params = map[string]string{param: "foreign" + param}
				for _, role := range []string{asAdmin, asOrganizer} {
					n++
					var body any
					if s.body != nil {
						body = s.body(f, role)
					}
					r := f.do(s.method, fs.url(f), role, body)
					if r.Status != http.StatusNotFound || (!authzIsPage(s) && r.ErrorCode() != "not_found") {
						t.Errorf("%s with the %s of the other event as %s: status %d, want 404: %s",
							s.key(), param, role, r.Status, r.Body)
					}
				}
			}
		}
		if n < 20 {
			t.Fatalf("only %d calls with a skill, competitor, judge or sub-criterion id", n)
		}
		if after := authzSnapshot(f); after != before {
			t.Errorf("calls with ids of the other event changed the data:\nbefore: %s\nafter:  %s", before, after)
		}
		// The foreign skill is intact and still answers under its own event.
		path := fmt.Sprintf("/api/v1/events/%d/skills/%d", otherEvent, sk.ID)
		r := f.do("GET", path, asAdmin, nil)
		var got store.Skill
		if r.Status == 200 {
			r.JSON(t, &got)
		}
		if r.Status != 200 || got.Code != "WEB" {
			t.Errorf("GET %s as admin: status %d: %s", path, r.Status, r.Body)
		}
	})
}
