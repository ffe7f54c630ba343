package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/scoring"
	"bayskills/sheet"
)

func (f *fixture) path(format string, keys ...string) string {
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = f.ids[k]
	}
	return fmt.Sprintf(format, args...)
}

// count returns the rows of table, to prove a refused request wrote nothing.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	// table names come from the tests themselves
	if err := f.db.QueryRowForTest(context.Background(), "SELECT count(*) FROM "+table, &n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	events := f.path("/api/v1/events/%d", "event")
	valid := `{"name":{"en":"New Event"},"starts_on":"2027-01-10","ends_on":"2027-01-12","host_region":"MO"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
		field                    string // a key expected in error.fields
	}{
		{"malformed JSON", "POST", "/api/v1/events", `{"name":`, 400, "malformed", ""},
		{"not an object", "POST", "/api/v1/events", `[1,2]`, 400, "malformed", ""},
		{"two objects", "POST", "/api/v1/events", valid + valid, 400, "malformed", ""},
		{"empty body", "POST", "/api/v1/events", ``, 400, "malformed", ""},
		{"wrong type", "POST", "/api/v1/events", `{"name":{"en":"X"},"starts_on":20270110}`, 400, "malformed", "starts_on"},
		{"wrong nested type", "POST", "/api/v1/events", `{"name":"X"}`, 400, "malformed", "name"},
		{"unknown field", "POST", "/api/v1/events", `{"name":{"en":"X"},"owner":"me"}`, 400, "malformed", "owner"},
		{"unknown nested field", "POST", "/api/v1/events", `{"name":{"en":"X","fr":"Y"}}`, 400, "malformed", "fr"},
		{"missing required", "POST", "/api/v1/events", `{"name":{"en":""},"host_region":"GD"}`, 422, "invalid", "starts_on"},
		{"bad region", "POST", "/api/v1/events", strings.Replace(valid, `"MO"`, `"TW"`, 1), 422, "invalid", "host_region"},
		{"oversized body", "POST", "/api/v1/events", `{"name":{"en":"` + strings.Repeat("x", 2<<20) + `"}}`, 413, "too_large", ""},
		{"deeply nested", "POST", "/api/v1/events", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), 400, "malformed", ""},
		{"skill code taken", "POST", events + "/skills", `{"code":"CNC","name":{"en":"Again"}}`, 409, "conflict", ""},
		{"skill bad kind", "POST", events + "/skills", `{"code":"WELD","name":{"en":"Welding"},"kind":"pair"}`, 422, "invalid", "kind"},
		{"competitor of unknown skill", "POST", events + "/competitors", `{"skill":"NOPE","name_native":"甲","name_latin":"A","region":"GD","institution":"X"}`, 422, "invalid", "skill"},
		{"duplicate competitor", "POST", events + "/competitors", `{"skill":"CNC","ref":"R-9","name_native":"陈大文","name_latin":"CHAN Tai Man","region":"HK","institution":"Inst HK"}`, 422, "invalid", "name_native"},
		{"duplicate ref", "POST", events + "/competitors", `{"skill":"CNC","ref":"r-1","name_native":"新","name_latin":"NEW","region":"HK","institution":"Z"}`, 422, "invalid", "ref"},
		{"invalid UTF-8 name", "POST", events + "/competitors", "{\"skill\":\"CNC\",\"name_native\":\"\xff\xfe\",\"name_latin\":\"A\",\"region\":\"GD\",\"institution\":\"X\"}", 422, "invalid", "name_native"},
		{"SQL in a name is just text", "PATCH", events, `{"venue":"'; DROP TABLE events; --"}`, 200, "", ""},
		{"judge with a bad PIN", "POST", events + "/judges", `{"username":"newjudge","display_name":"N","region":"GD","institution":"X","pin":"12ab"}`, 422, "invalid", "pin"},
		{"second chief expert", "POST", events + "/judges", `{"username":"newchief","display_name":"N","region":"GD","institution":"X","skill":"CNC","role":"chief_expert"}`, 422, "invalid", "role"},
		{"event not found", "GET", "/api/v1/events/9999", ``, 404, "not_found", ""},
		{"event id not a number", "GET", "/api/v1/events/abc", ``, 404, "not_found", ""},
		{"no such route", "GET", "/api/v1/nothing", ``, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := [...]int{f.count("events"), f.count("skills"), f.count("competitors"), f.count("judges"), f.count("users")}
			var body any
			if tt.body != "" {
				body = tt.body
			}
			r := f.do(tt.method, tt.path, asOrganizer, body)
			if r.Status != tt.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, tt.status)
			}
			if tt.code != "" {
				var e errorBody
				r.JSON(t, &e)
				if string(e.Error.Code) != tt.code || e.Error.Message == "" {
					t.Errorf("error %+v, want code %s with a message", e.Error, tt.code)
				}
				if tt.field != "" && e.Error.Fields[tt.field] == "" {
					t.Errorf("fields %v, want a problem on %s", e.Error.Fields, tt.field)
				}
				after := [...]int{f.count("events"), f.count("skills"), f.count("competitors"), f.count("judges"), f.count("users")}
				if before != after {
					t.Errorf("row counts %v → %v: a refused request wrote data", before, after)
				}
			}
		})
	}
	// The SQL-looking venue was stored verbatim and the table is still there.
	var ev struct{ Venue string }
	f.do("GET", events, asOrganizer, nil).JSON(t, &ev)
	if ev.Venue != "'; DROP TABLE events; --" {
		t.Errorf("venue = %q, want it stored as given", ev.Venue)
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	f := newFixture(t)
	f.srv.engine.GET("/test/panic", func(*gin.Context) { panic("boom: secret detail") })
	r := f.do("GET", "/test/panic", "", nil)
	if r.Status != 500 || r.ErrorCode() != "internal" || strings.Contains(string(r.Body), "secret") {
		t.Fatalf("panic answered %d %s, want 500 internal without detail", r.Status, r.Body)
	}
	// The server keeps serving.
	if r := f.do("GET", "/healthz", "", nil); r.Status != 200 {
		t.Fatalf("healthz after a panic: %d", r.Status)
	}
}

// TestInternalErrorLogged: a 500's cause reaches the server's configured
// logger, on the request's line with its id, and never the client.
func TestInternalErrorLogged(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	srv, err := New(f.db, Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv.engine.GET("/test/fail", func(c *gin.Context) { fail(c, errors.New("disk on fire at /var/secret")) })
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/test/fail", nil))
	var answer errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil || w.Code != 500 || answer.Error.RequestID == "" ||
		strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("answer %d %s (%v), want a 500 with a request id and no cause", w.Code, w.Body, err)
	}
	var line struct {
		Msg       string `json:"msg"`
		RequestID string `json:"request_id"`
		Status    int    `json:"status"`
		Error     string `json:"error"`
		Cause     string `json:"cause"`
	}
	for l := range strings.Lines(log.String()) {
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if line.Msg == "request" {
			break
		}
	}
	if line.RequestID != answer.Error.RequestID || line.Status != 500 || line.Error != "internal" ||
		!strings.Contains(line.Cause, "disk on fire at /var/secret") {
		t.Errorf("logged %+v, want the request id %s, status 500, error internal and the cause", line, answer.Error.RequestID)
	}
}

func csvFile(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

func xlsxFile(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := sheet.Write(&buf, sheet.XLSX, header, rows); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func TestImportCompetitors(t *testing.T) {
	header := []string{"skill", "ref", "name_native", "name_latin", "region", "institution", "team"}
	good := [][]string{
		{"CNC", "N-1", "黄小玲", "WONG Siu Ling", "HK", "Inst HK", ""},
		{"HAIR", "N-2", "Ana Sousa", "Ana SOUSA", "MO", "Inst MO", ""},
		{"CNC", "N-3", "张伟", "ZHANG Wei", "GD", "Inst GD", ""},
	}
	bad := [][]string{
		good[0],
		{"CNC", "N-1", "重复", "DUP", "HK", "Inst HK", ""}, // duplicate ref in the file
		{"WELD", "N-4", "甲", "A", "GD", "X", ""},         // unknown skill
		{"CNC", "N-5", "乙", "B", "Taiwan", "X", ""},      // bad region
		{"CNC", "R-1", "丙", "C", "GD", "X", ""},          // ref already in the event
		{"HAIR", "N-6", "丁", "D", "GD", "X", "Team A"},   // team in an individual skill
	}
	asCSV := func(rows [][]string) []byte {
		lines := []string{strings.Join(header, ",")}
		for _, r := range rows {
			lines = append(lines, strings.Join(r, ","))
		}
		return csvFile(lines...)
	}
	multipartBody := func(name string, data []byte) (string, []byte) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(data)
		w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}
	for _, format := range []string{"csv", "xlsx", "multipart-xlsx"} {
		t.Run(format, func(t *testing.T) {
			f := newFixture(t)
			path := f.path("/api/v1/events/%d/competitors/import", "event")
			send := func(rows [][]string) response {
				switch format {
				case "csv":
					return f.upload(path, asOrganizer, "text/csv", asCSV(rows))
				case "xlsx":
					return f.upload(path, asOrganizer, xlsxType, xlsxFile(t, header, rows))
				}
				ct, body := multipartBody("competitors.xlsx", xlsxFile(t, header, rows))
				return f.upload(path, asOrganizer, ct, body)
			}
			before := f.count("competitors")
			r := send(bad)
			var e errorBody
			r.JSON(t, &e)
			if r.Status != 422 || len(e.Error.Rows) != 5 {
				t.Fatalf("bad file: %d with %d bad rows (%s), want 422 listing 5 rows", r.Status, len(e.Error.Rows), r.Body)
			}
			wantLines := []int{3, 4, 5, 6, 7}
			for i, row := range e.Error.Rows {
				if row.Line != wantLines[i] || len(row.Fields) == 0 {
					t.Errorf("bad row %d = %+v, want line %d with its reason", i, row, wantLines[i])
				}
			}
			if n := f.count("competitors"); n != before {
				t.Fatalf("competitors %d → %d after a refused import", before, n)
			}
			r = send(good)
			var res importResult[map[string]any]
			r.JSON(t, &res)
			if r.Status != 201 || res.Imported != 3 || f.count("competitors") != before+3 {
				t.Fatalf("good file: %d %s, want 201 with 3 imported", r.Status, r.Body)
			}
			if res.Items[0]["name_native"] != "黄小玲" {
				t.Errorf("first item %v, want 黄小玲", res.Items[0])
			}
			// The same file again: every row is now a duplicate.
			if r := send(good); r.Status != 422 {
				t.Errorf("same file twice: %d, want 422", r.Status)
			}
		})
	}
}

func TestImportRefusesBadFiles(t *testing.T) {
	f := newFixture(t)
	path := f.path("/api/v1/events/%d/judges/import", "event")
	tests := []struct {
		name, ctype string
		data        []byte
		status      int
		want        string
	}{
		{"missing column", "text/csv", csvFile("username,display_name,region", "abc,A,GD"), 422, "institution"},
		{"unknown column", "text/csv", csvFile("username,display_name,region,institution,email", "abc,A,GD,X,a@b"), 422, "email"},
		{"header only", "text/csv", csvFile("username,display_name,region,institution"), 422, "no rows"},
		{"empty", "text/csv", nil, 400, "empty"},
		{"legacy xls", "application/vnd.ms-excel", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), 400, "xlsx"},
		{"binary", "application/octet-stream", []byte("\x00\x01\x02garbage\x00"), 400, ""},
		{"invalid UTF-8", "text/csv", csvFile("username,display_name,region,institution", "abc,\xff\xfe,GD,X"), 422, "UTF-8"},
		{"too large", "text/csv", bytes.Repeat([]byte("a"), maxUploadBody+1), 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.upload(path, asOrganizer, tt.ctype, tt.data)
			if r.Status != tt.status || !strings.Contains(string(r.Body), tt.want) {
				t.Fatalf("%d %s, want %d mentioning %q", r.Status, r.Body, tt.status, tt.want)
			}
			if n := f.count("judges"); n != 3 {
				t.Fatalf("judges = %d, want the fixture's 3", n)
			}
		})
	}
}

func TestImportJudgesReturnsGeneratedPINs(t *testing.T) {
	f := newFixture(t)
	r := f.upload(f.path("/api/v1/events/%d/judges/import", "event"), asOrganizer, "text/csv", csvFile(
		"Username,Display Name,Region,Institution,Skill,Role,PIN",
		"hair-j1,美髮評判 (HAIR Judge),mo,Inst MO,HAIR,judge,",
		"hair-j2,Expert Two,GD,Inst GD,HAIR,chief_expert,246802",
	))
	var res importResult[map[string]any]
	r.JSON(t, &res)
	if r.Status != 201 || res.Imported != 2 {
		t.Fatalf("%d %s, want 201", r.Status, r.Body)
	}
	pins := map[string]string{}
	for _, it := range res.Items {
		pin, _ := it["pin"].(string)
		pins[it["username"].(string)] = pin
	}
	if len(pins["hair-j1"]) != 6 || pins["hair-j2"] != "" {
		t.Fatalf("pins %v: want a generated 6-digit PIN for hair-j1 only", pins)
	}
	f.loginPIN("hair-j1", pins["hair-j1"])
	f.loginPIN("hair-j2", "246802")
	// The PIN is never shown again.
	if strings.Contains(string(f.do("GET", f.path("/api/v1/events/%d/judges", "event"), asOrganizer, nil).Body), pins["hair-j1"]) {
		t.Error("judge list shows a PIN")
	}
}

func TestOrganizerScope(t *testing.T) {
	f := newFixture(t)
	ev := f.path("/api/v1/events/%d", "event")
	r := f.do("POST", ev+"/organizers", asOrganizer, map[string]any{"user_id": f.ids["user:"+asOrganizerOther]})
	if r.Status != 200 {
		t.Fatalf("add co-organizer: %d %s", r.Status, r.Body)
	}
	if r := f.do("GET", ev+"/competitors", asOrganizerOther, nil); r.Status != 200 {
		t.Fatalf("co-organizer lists competitors: %d, want 200", r.Status)
	}
	if r := f.do("POST", ev+"/organizers", asOrganizer, map[string]any{"user_id": f.ids["user:"+asJudge]}); r.Status != 422 {
		t.Errorf("judge as organizer: %d, want 422", r.Status)
	}
	f.do("DELETE", f.path("/api/v1/events/%d/organizers/%d", "event", "user:"+asOrganizerOther), asOrganizer, nil)
	if r := f.do("DELETE", f.path("/api/v1/events/%d/organizers/%d", "event", "user:"+asOrganizer), asOrganizer, nil); r.Status != 409 {
		t.Errorf("removing the last organizer: %d, want 409", r.Status)
	}
}

// Every code has its own error status, and the table has nothing else.
func TestAPICodesMapToStatuses(t *testing.T) {
	seen := map[int]apperr.Code{}
	for _, c := range apperr.Codes {
		status, ok := statusOf[c]
		switch {
		case !ok:
			t.Errorf("code %s has no status", c)
		case status < 400 || status > 599:
			t.Errorf("%s maps to %d, want an error status", c, status)
		case seen[status] != "":
			t.Errorf("%s and %s both map to %d", c, seen[status], status)
		}
		seen[status] = c
	}
	if len(statusOf) != len(apperr.Codes) {
		t.Errorf("statusOf has %d entries for %d codes", len(statusOf), len(apperr.Codes))
	}
}

func TestMeListsSkillsWithCodes(t *testing.T) {
	f := newFixture(t)
	var me meResponse
	f.do("GET", "/api/v1/me", asChief, nil).JSON(t, &me)
	if len(me.Skills) != 1 || me.Skills[0].Skill != "CNC" || me.Skills[0].Role != "chief_expert" || me.Skills[0].EventID != f.ids["event"] {
		t.Fatalf("me.skills = %+v, want CNC as chief expert of the event", me.Skills)
	}
	f.do("GET", "/api/v1/me", asOrganizer, nil).JSON(t, &me)
	if len(me.OrganizerOf) != 1 || me.OrganizerOf[0] != f.ids["event"] {
		t.Fatalf("me.organizer_of = %v, want the event", me.OrganizerOf)
	}
}

func TestUnassignedJudgeSeesTheEvent(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", f.path("/api/v1/events/%d/judges", "event"), asOrganizer,
		map[string]string{"username": "reserve-judge", "display_name": "Reserve", "region": "MO", "institution": "Inst MO", "pin": "454545"})
	if r.Status != 201 {
		t.Fatalf("create judge: %d %s", r.Status, r.Body)
	}
	tok := "Bearer " + f.loginPIN("reserve-judge", "454545")
	var events []map[string]any
	f.do("GET", "/api/v1/events", tok, nil).JSON(t, &events)
	if len(events) != 1 {
		t.Fatalf("events = %d, want the one they serve at", len(events))
	}
	if r := f.do("GET", f.path("/api/v1/events/%d", "event"), tok, nil); r.Status != 200 {
		t.Errorf("GET the event they serve at: %d, want 200", r.Status)
	}
	if r := f.do("GET", f.path("/api/v1/events/%d/skills/%d", "event", "skill"), tok, nil); r.Status != 403 {
		t.Errorf("GET a skill they are not assigned to: %d, want 403", r.Status)
	}
}

func TestServerFieldsAreNotInput(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ path, body, field string }{
		{"/api/v1/events", `{"id":7,"name":{"en":"X"},"starts_on":"2027-01-01","ends_on":"2027-01-01","host_region":"GD"}`, "id"},
		{f.path("/api/v1/events/%d/skills", "event"), `{"code":"NEW","name":{"en":"New"},"created_at":"2020-01-01"}`, "created_at"},
	} {
		r := f.do("POST", tt.path, asOrganizer, tt.body)
		var e errorBody
		r.JSON(t, &e)
		if r.Status != 400 || e.Error.Fields[tt.field] == "" {
			t.Errorf("POST %s with %s: %d %s, want 400 naming the field", tt.path, tt.field, r.Status, r.Body)
		}
	}
	r := f.do("PATCH", f.path("/api/v1/events/%d/skills/%d", "event", "skill"), asOrganizer, `{"total_marks":0}`)
	if r.Status != 422 {
		t.Errorf("total_marks 0: %d, want 422", r.Status)
	}
	r = f.do("PATCH", f.path("/api/v1/events/%d/skills/%d", "event", "otherSkill"), asOrganizer, `{"kind":"team"}`)
	var sk map[string]any
	r.JSON(t, &sk)
	if r.Status != 200 || sk["team_size"] != 2.0 {
		t.Errorf("individual→team: %d %v, want team_size 2 for a skill without competitors yet", r.Status, sk)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t)
	r := f.do("DELETE", "/api/v1/events", asAdmin, nil)
	if r.Status != 405 || r.ErrorCode() != "method_not_allowed" {
		t.Fatalf("DELETE /api/v1/events: %d %s, want 405", r.Status, r.Body)
	}
}

func TestMarkValueErrorNamesTheField(t *testing.T) {
	var body struct {
		Marks []struct {
			Value scoring.Centi `json:"value"`
		} `json:"marks"`
	}
	err := jsonError(json.Unmarshal([]byte(`{"marks":[{"value":"1.255"}]}`), &body))
	e := apperr.As(err)
	if e.Code != apperr.Malformed || !strings.Contains(e.Fields["marks.value"], "2 decimals") {
		t.Fatalf("error %+v, want malformed naming marks.value with the reason", e)
	}
}
