package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"bayskills/store"
)

// This file sends hostile input to every route of the table that takes a
// body (DESIGN §9). The base requests are the authorization matrix's
// scenarios (authzScenarios), sent as a role each lets in, from the state
// its setup makes: a new route with a body is covered once it has its row.
// Per route:
//
//   - refused: unknown fields (at every level), values of the wrong type,
//     raw control characters, bodies that are no JSON object: 400
//     (malformed) in the error shape, nothing written;
//   - oversize: 100 MB bodies, declared and chunked, and 100,000 levels of
//     nesting: 400 or 413, quickly, reading no more than the limit, nothing
//     written (what they allocate is measured in "memory", one at a time);
//   - fields: SQL injection strings, invalid UTF-8, NUL and odd but valid
//     text (format characters, astral planes) in every text field (JSON
//     strings, form fields, spreadsheet columns), one at a time and all at
//     once: no 5xx, every table still there and no rows lost (but where the
//     scenario's own request loses some), nothing written when refused, no
//     invalid UTF-8 or NUL stored, and SQL accepted stored as sent;
//   - upload names: multipart files named to climb out of a directory or
//     to break the part's header: no file appears, no header echoes it.
//
// And for every route of the table: a declared 100 MB body is refused with
// 413 before a byte is read, and path parameters that climb out of a
// directory get a refusal and never a file. No answer shows SQL errors, Go
// internals or the data directory.

// hostileSQL are SQL injection strings. Parameterised queries store them
// as text.
var hostileSQL = []string{
	`'; DROP TABLE users; --`,
	`" OR 1=1 --`,
	`Robert'); DELETE FROM marks; --`,
	`%' AND 1=0 UNION SELECT password_hash FROM users --`,
	`1; UPDATE users SET role = 'admin' WHERE 1=1; --`,
	`' OR '1'='1`,
}

// hostileUTF8 are string contents that are not valid UTF-8, as they are
// written between the quotes of a JSON string: raw bytes, or an escaped
// lone surrogate. (encoding/json reads each as U+FFFD; a CSV file or a
// form hands the bytes on as they are.)
var hostileUTF8 = []string{
	"\xff\xfe",           // not UTF-8 at all
	"ab\xc0\xafcd",       // overlong "/"
	"\xed\xa0\x80x",      // a lone surrogate, as raw bytes (CESU-8)
	"caf\xe9 latin-1",    // Latin-1, not UTF-8
	"\xf4\x90\x80\x80no", // past U+10FFFF
	`\ud800 lone`,        // an escaped lone surrogate
}

// hostileOdd is valid but unusual text: a byte-order mark, a zero-width
// space, a right-to-left override and a soft hyphen (format characters,
// which the signing certificates' names refuse), characters outside the
// BMP (a surrogate pair in JSON), combining marks. Refused, or stored
// (perhaps normalized) as valid text; never a 5xx.
const hostileOdd = "\ufeffzero\u200bwidth \u202egnirts soft\u00adhyphen 𝕏 🎉 e\u0301\u0301"

// hostileNUL is a NUL in a JSON string (escaped: raw, it is no JSON), as
// a C string ends: text that must not be stored.
const hostileNUL = `x\u0000y`

// hostileLeaks are what an answer must never show: SQL errors, Go
// internals, hashes. Compared lower-cased.
var hostileLeaks = []string{"sqlite", "sql:", "sql logic", "syntax error", "no such table", "no such column",
	"constraint failed", "database is locked", "goroutine ", ".go:", "panic", "runtime error", "$argon2",
	"unexpected eof", "json: ", "multipart:", "http: "}

// hostileSecretField reports whether a body field holds a secret, which the
// server keeps only hashed (so it does not read back).
func hostileSecretField(name string) bool {
	for _, s := range []string{"password", "pin", "secret"} {
		if strings.Contains(strings.ToLower(name), s) {
			return true
		}
	}
	return false
}

// hostileRoute is one route of the table with its scenario and the role
// that sends it.
type hostileRoute struct {
	s    authzScenario
	r    route
	role string
}

func (h hostileRoute) key() string { return h.s.key() }

// api reports whether the route answers in the API's error shape.
func (h hostileRoute) api() bool { return h.r.kind != page }

// jsonBody, formBody and rawBody say what the scenario sends: JSON, a
// form, or a file (text/csv).
func (h hostileRoute) jsonBody() bool { return h.s.body != nil }
func (h hostileRoute) formBody() bool { return h.s.form != "" }
func (h hostileRoute) rawBody() bool  { return h.s.csv != "" }

// takesBody reports whether the route takes a body at all.
func (h hostileRoute) takesBody() bool {
	return h.jsonBody() || h.formBody() || h.rawBody() || h.r.kind == fileBody
}

// hostileRoutes pairs every route of the table with its scenario and picks
// the role: the admin, else an organizer, else whoever the scenario lets in
// with a 2xx (or a page's 303).
func hostileRoutes(t *testing.T) []hostileRoute {
	t.Helper()
	table := map[string]route{}
	for _, r := range (&Server{}).table() {
		table[r.method+" "+r.path] = r
	}
	var out []hostileRoute
	for _, s := range authzScenarios() {
		r, ok := table[s.key()]
		if !ok {
			t.Fatalf("scenario %s names no route", s.key())
		}
		role := ""
		for _, cand := range []string{asAdmin, asOrganizer, asChief, asJudge, asOrganizerOther, asJudgeOther, asAnonymous} {
			want := s.status
			if w, ok := s.statusFor[cand]; ok {
				want = w
			}
			if slices.Contains(s.allowed, cand) && (want/100 == 2 || want == http.StatusSeeOther) {
				role = cand
				break
			}
		}
		if role == "" {
			t.Fatalf("scenario %s lets no role in with a 2xx", s.key())
		}
		out = append(out, hostileRoute{s: s, r: r, role: role})
	}
	return out
}

// hostileUploadFiles are files for the upload routes whose scenario sends
// JSON: a spreadsheet the route reads.
var hostileUploadFiles = map[string]string{
	"PUT /api/v1/events/:event/skills/:skill/scheme": "criterion,criterion_name,sub_criterion,sub_criterion_name,kind,description,max_mark," +
		"descriptor_0,descriptor_1,descriptor_2,descriptor_3\r\n" +
		"A,Machining,A1,Dimensions,M,Every dimension within tolerance,60,,,,\r\n" +
		"A,,A1,,J,Surface finish,40,unacceptable,below industry standard,industry standard,excellent\r\n",
}

// file returns the spreadsheet or file the route takes as an upload, with
// suffix making its rows unique ("" when it takes none).
func (h hostileRoute) file(suffix string) string {
	if h.rawBody() {
		if strings.Contains(h.s.csv, "%[1]s") {
			return fmt.Sprintf(h.s.csv, suffix)
		}
		return h.s.csv
	}
	return hostileUploadFiles[h.key()]
}

// text returns the form or the spreadsheet the route takes, with its
// content type ("" when it takes neither).
func (h hostileRoute) text(suffix string) (string, string) {
	if h.formBody() {
		return h.s.form, "application/x-www-form-urlencoded"
	}
	if file := h.file(suffix); file != "" {
		return file, "text/csv"
	}
	return "", ""
}

// --- fixtures -------------------------------------------------------------

// hostileGolden is a route's fixture after its scenario's setup, frozen as
// the files of its data directory: each clone starts from the same state
// without running the setup (issuing certificates) again.
type hostileGolden struct {
	files  map[string][]byte
	ids    map[string]int64
	tokens map[string]string
	now    time.Time
	dump   hostileDump // what the database holds
}

// newHostileGolden runs the scenario's setup on a clone of the template and
// freezes the result; it returns the clone too, in the golden state.
func newHostileGolden(t *testing.T, tp *authzTemplate, s authzScenario) (*hostileGolden, *hostileFixture) {
	t.Helper()
	f := tp.clone(t)
	if s.setup != nil {
		s.setup(t, f)
	}
	// Nothing writes now: the database's file and its WAL, copied as they
	// are, are the database (the WAL mostly empty after the checkpoint).
	if _, err := f.db.ExecForTest(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	g := &hostileGolden{files: map[string][]byte{}, ids: maps.Clone(f.ids), tokens: maps.Clone(f.tokens), now: f.now}
	for _, name := range []string{store.FileName, store.FileName + "-wal"} {
		data, err := os.ReadFile(filepath.Join(f.srv.cfg.DataDir, name))
		switch {
		case err == nil:
			g.files[name] = data
		case !os.IsNotExist(err):
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(f.srv.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), store.FileName) {
			continue
		}
		if g.files[e.Name()], err = os.ReadFile(filepath.Join(f.srv.cfg.DataDir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	hf := hostileWatch(t, f)
	g.dump = hf.scan(t)
	return g, hf
}

// hostileFixture is a fixture with a connection of its own to its
// database, to see what requests wrote.
type hostileFixture struct {
	*fixture
	conn    *sql.Conn
	version int64
}

// clone returns a fresh fixture in the golden state.
func (g *hostileGolden) clone(t *testing.T) *hostileFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	for name, data := range g.files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, now: g.now, tokens: maps.Clone(g.tokens), ids: maps.Clone(g.ids)}
	srv, err := New(db, Config{DataDir: dir, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.issuance.wait)
	f.srv = srv
	return hostileWatch(t, f)
}

// hostileWatch opens a connection of its own to f's database.
func hostileWatch(t *testing.T, f *fixture) *hostileFixture {
	t.Helper()
	ctx := context.Background()
	pool, err := sql.Open("sqlite", "file:"+f.db.Path()+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); pool.Close() })
	hf := &hostileFixture{fixture: f, conn: conn}
	hf.wrote()
	return hf
}

// wrote reports whether anything was committed to the database since it
// last asked (SQLite's data_version changes with every commit of another
// connection).
func (f *hostileFixture) wrote() bool {
	f.t.Helper()
	var v int64
	if err := f.conn.QueryRowContext(context.Background(), "PRAGMA data_version").Scan(&v); err != nil {
		f.t.Fatal(err)
	}
	changed := v != f.version
	f.version = v
	return changed
}

// --- requests -------------------------------------------------------------

// hostileAddr gives every request its own client address, so that the
// per-address rate limits never answer in place of the route.
var hostileAddr atomic.Uint32

// hostileSend sends body (nil: none) with contentType as role. length is
// the declared Content-Length; -1 sends it chunked, without one.
func hostileSend(f *fixture, method, target, role, contentType string, body io.Reader, length int64) response {
	f.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	n := hostileAddr.Add(1)
	req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4711", n>>16&0xff, n>>8&0xff, n&0xff)
	if body != nil {
		req.Body = io.NopCloser(body)
		req.ContentLength = length
		if length < 0 {
			req.TransferEncoding = []string{"chunked"}
		}
		req.Header.Set("Content-Type", contentType)
	}
	f.authorize(req, role)
	return f.send(req)
}

// sendBytes sends data to the route as its role.
func (h hostileRoute) sendBytes(f *fixture, contentType string, data []byte) response {
	f.t.Helper()
	return hostileSend(f, h.s.method, h.s.url(f), h.role, contentType, bytes.NewReader(data), int64(len(data)))
}

// sendValid sends the scenario's own request; what it creates is named
// after unique (the role, as the scenario does, or hostileUnique).
func (h hostileRoute) sendValid(f *fixture, unique string) response {
	f.t.Helper()
	switch {
	case h.jsonBody():
		return h.sendBytes(f, "application/json", h.jsonBase(f, unique).encode())
	case h.formBody():
		return h.sendBytes(f, "application/x-www-form-urlencoded", []byte(h.s.form))
	case h.rawBody():
		return h.sendBytes(f, "text/csv", []byte(h.file(authzSuffix(unique))))
	}
	return hostileSend(f, h.s.method, h.s.url(f), h.role, "", nil, 0)
}

// hostileUnique stands in for the role in a scenario's body, which names
// what it creates after the role: unique per request, so that a request
// after an accepted one does not merely repeat a name.
func hostileUnique(i int) string { return fmt.Sprintf("h%03d-hostile", i) }

// --- checks ---------------------------------------------------------------

// hostileCheck checks what any answer to hostile input must be: no 5xx, no
// internals, and for the API the one error shape with its code's status.
func hostileCheck(t *testing.T, f *fixture, h hostileRoute, what string, r response) {
	t.Helper()
	if r.Status >= 500 {
		t.Errorf("%s %s: status %d, want no 5xx: %.300s", h.key(), what, r.Status, r.Body)
	}
	hostileNoLeak(t, f, h.key()+" "+what, r)
	if h.api() && r.Status >= 400 {
		hostileErrorShape(t, h.key()+" "+what, r)
	}
	if r.Status/100 == 2 && !utf8.Valid(r.Body) && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s %s: the answer (%d) is not UTF-8: %q", h.key(), what, r.Status, r.Body)
	}
}

// hostileNoLeak fails when an answer shows SQL errors, Go internals, a
// password hash or the server's files.
func hostileNoLeak(t *testing.T, f *fixture, what string, r response) {
	t.Helper()
	body := strings.ToLower(string(r.Body))
	for _, leak := range append(slices.Clone(hostileLeaks), strings.ToLower(f.srv.cfg.DataDir)) {
		if i := strings.Index(body, leak); i >= 0 {
			t.Errorf("%s: the answer (%d) shows %q: …%s…", what, r.Status, leak, r.Body[max(0, i-80):min(len(r.Body), i+80)])
		}
	}
	for name, values := range r.Header {
		for _, v := range values {
			if strings.Contains(strings.ToLower(v), "sqlite") || strings.Contains(v, f.srv.cfg.DataDir) {
				t.Errorf("%s: header %s shows internals: %q", what, name, v)
			}
		}
	}
}

// hostileErrorShape fails unless r is the API's one error shape, with the
// status of its code.
func hostileErrorShape(t *testing.T, what string, r response) {
	t.Helper()
	var e errorBody
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("%s: status %d is not the error shape (%v): %.300s", what, r.Status, err, r.Body)
		return
	}
	if statusOf[e.Error.Code] != r.Status {
		t.Errorf("%s: status %d with code %q, whose status is %d", what, r.Status, e.Error.Code, statusOf[e.Error.Code])
	}
	if e.Error.Code == "internal" && e.Error.Message != "internal error" {
		t.Errorf("%s: an internal error says %q, want only \"internal error\"", what, e.Error.Message)
	}
}

// hostileDump is what the database holds: per table, its rows and a digest
// of them; every text value (and every string inside JSON text); the text
// values that are not valid UTF-8 or hold a NUL.
type hostileDump struct {
	rows    map[string]int
	digest  map[string]string
	text    map[string]bool
	invalid []string
}

// scan reads every row of every table.
func (f *hostileFixture) scan(t *testing.T) hostileDump {
	t.Helper()
	ctx := context.Background()
	d := hostileDump{rows: map[string]int{}, digest: map[string]string{}, text: map[string]bool{}}
	var tables []string
	rows, err := f.conn.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, table := range tables {
		rows, err := f.conn.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var line strings.Builder
			for i, v := range vals {
				switch v := v.(type) {
				case string:
					if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
						d.invalid = append(d.invalid, fmt.Sprintf("%s.%s = %q", table, cols[i], v))
					}
					d.addText(v)
					fmt.Fprintf(&line, "%q|", v)
				case []byte:
					sum := sha256.Sum256(v)
					fmt.Fprintf(&line, "b%x|", sum[:8])
				default:
					fmt.Fprintf(&line, "%v|", v)
				}
			}
			lines = append(lines, line.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
		d.rows[table], d.digest[table] = len(lines), hex.EncodeToString(sum[:8])
	}
	return d
}

// addText records a text value, and the strings of JSON text.
func (d hostileDump) addText(v string) {
	d.text[v] = true
	if !strings.HasPrefix(v, "{") && !strings.HasPrefix(v, "[") {
		return
	}
	var j any
	if json.Unmarshal([]byte(v), &j) != nil {
		return
	}
	hostileWalk(j, nil, func(_ []any, v any) {
		if s, ok := v.(string); ok {
			d.text[s] = true
		}
	})
}

// holds reports whether s is stored: a text value, a string in JSON text,
// or part of either.
func (d hostileDump) holds(s string) bool {
	if d.text[s] {
		return true
	}
	for v := range d.text {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// changed lists the tables whose rows differ.
func (d hostileDump) changed(after hostileDump) []string {
	var out []string
	for table := range d.digest {
		if after.digest[table] != d.digest[table] {
			out = append(out, fmt.Sprintf("%s (%d → %d rows)", table, d.rows[table], after.rows[table]))
		}
	}
	for table := range after.digest {
		if _, ok := d.digest[table]; !ok {
			out = append(out, table+" (new)")
		}
	}
	slices.Sort(out)
	return out
}

// lost lists the tables that are gone or lost rows, but those in allowed.
func (d hostileDump) lost(after hostileDump, allowed map[string]bool) []string {
	var out []string
	for table, n := range d.rows {
		m, ok := after.rows[table]
		switch {
		case !ok:
			out = append(out, table+" is gone")
		case m < n && !allowed[table]:
			out = append(out, fmt.Sprintf("%s lost rows (%d → %d)", table, n, m))
		}
	}
	slices.Sort(out)
	return out
}

// unchanged fails when the database changed since it held before.
func (f *hostileFixture) unchanged(t *testing.T, what string, before hostileDump) {
	t.Helper()
	if !f.wrote() {
		return
	}
	if ch := before.changed(f.scan(t)); len(ch) > 0 {
		t.Errorf("%s was refused but wrote: %v", what, ch)
	}
}

// --- JSON bodies ----------------------------------------------------------

// hostileJSON is a JSON body being mutated: a tree of map[string]any,
// []any, string, json.Number, bool and nil.
type hostileJSON struct{ v any }

// jsonBase is the scenario's body as a tree; role names what it creates.
func (h hostileRoute) jsonBase(f *fixture, role string) hostileJSON {
	raw, err := json.Marshal(h.s.body(f, role))
	if err != nil {
		f.t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		f.t.Fatal(err)
	}
	return hostileJSON{v}
}

// hostileWalk calls fn on every value of a tree, containers first, with its
// path (keys and indices).
func hostileWalk(v any, at []any, fn func(at []any, v any)) {
	fn(at, v)
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			hostileWalk(v[k], append(slices.Clip(at), k), fn)
		}
	case []any:
		for i, e := range v {
			hostileWalk(e, append(slices.Clip(at), i), fn)
		}
	}
}

// paths lists the paths of the values keep accepts.
func (j hostileJSON) paths(keep func(v any) bool) [][]any {
	var out [][]any
	hostileWalk(j.v, nil, func(at []any, v any) {
		if keep(v) {
			out = append(out, at)
		}
	})
	return out
}

func hostileIsString(v any) bool { _, ok := v.(string); return ok }

// with returns a copy with the value at path replaced by nv.
func (j hostileJSON) with(at []any, nv any) hostileJSON {
	return hostileJSON{hostileReplace(j.v, at, nv)}
}

func hostileReplace(v any, at []any, nv any) any {
	if len(at) == 0 {
		return nv
	}
	switch v := v.(type) {
	case map[string]any:
		c := maps.Clone(v)
		c[at[0].(string)] = hostileReplace(v[at[0].(string)], at[1:], nv)
		return c
	case []any:
		c := slices.Clone(v)
		c[at[0].(int)] = hostileReplace(v[at[0].(int)], at[1:], nv)
		return c
	}
	panic(fmt.Sprintf("no value at %v", at))
}

// hostileRaw is a string replaced, when encoded, by raw bytes between the
// quotes of a JSON string.
type hostileRaw string

// encode writes the tree as JSON; each hostileRaw is written as is.
func (j hostileJSON) encode() []byte {
	var raws []string
	v := j.v
	hostileWalk(v, nil, func(at []any, x any) {
		if r, ok := x.(hostileRaw); ok {
			v = hostileReplace(v, at, fmt.Sprintf("HOSTILE-RAW-%d", len(raws)))
			raws = append(raws, string(r))
		}
	})
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	out := bytes.TrimSpace(b.Bytes())
	for i, r := range raws {
		out = bytes.Replace(out, []byte(fmt.Sprintf(`"HOSTILE-RAW-%d"`, i)), []byte(`"`+r+`"`), 1)
	}
	return out
}

// hostileField names the last key of a path, for messages and to tell
// secrets apart.
func hostileField(at []any) string {
	for i := len(at) - 1; i >= 0; i-- {
		if k, ok := at[i].(string); ok {
			return k
		}
	}
	return ""
}

func hostilePath(at []any) string {
	var b strings.Builder
	for _, p := range at {
		switch p := p.(type) {
		case string:
			b.WriteString("." + p)
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		}
	}
	if b.Len() == 0 {
		return "(body)"
	}
	return b.String()
}

// --- text bodies: forms and spreadsheets ----------------------------------

// hostileText is a form or a CSV file being mutated: its fields in order.
type hostileText struct {
	form   bool
	header []string   // CSV: the header row
	rows   [][]string // CSV: data rows; form: one row of values
	keys   []string   // form: the field names
}

func hostileParseText(t *testing.T, h hostileRoute, data string) (hostileText, bool) {
	if h.formBody() {
		// Keep the order of the fields as sent.
		var tx hostileText
		tx.form = true
		tx.rows = [][]string{nil}
		for _, kv := range strings.Split(data, "&") {
			k, v, _ := strings.Cut(kv, "=")
			ku, err1 := url.QueryUnescape(k)
			vu, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: form %q", h.key(), data)
			}
			tx.keys = append(tx.keys, ku)
			tx.rows[0] = append(tx.rows[0], vu)
		}
		return tx, true
	}
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil || len(recs) < 2 || len(recs[0]) < 2 {
		return hostileText{}, false // not a spreadsheet (a PDF check)
	}
	return hostileText{header: recs[0], rows: recs[1:]}, true
}

// cells lists the (row, column) of every field of the first row: each
// column once (the other rows hold the same kinds of text).
func (tx hostileText) cells() [][2]int {
	var out [][2]int
	for j := range tx.rows[0] {
		out = append(out, [2]int{0, j})
	}
	return out
}

func (tx hostileText) name(c [2]int) string {
	if tx.form {
		return tx.keys[c[1]]
	}
	return fmt.Sprintf("row %d %s", c[0]+2, tx.header[c[1]])
}

func (tx hostileText) field(c [2]int) string {
	if tx.form {
		return tx.keys[c[1]]
	}
	return tx.header[c[1]]
}

// with returns the text with cell c set to v (every cell when c is nil).
func (tx hostileText) with(c *[2]int, v string) hostileText {
	out := tx
	out.rows = make([][]string, len(tx.rows))
	for i, r := range tx.rows {
		out.rows[i] = slices.Clone(r)
		for j := range r {
			if c == nil || *c == [2]int{i, j} {
				out.rows[i][j] = v
			}
		}
	}
	return out
}

func (tx hostileText) encode() []byte {
	var b bytes.Buffer
	if tx.form {
		for i, k := range tx.keys {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(tx.rows[0][i]))
		}
		return b.Bytes()
	}
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(tx.header)
	w.WriteAll(tx.rows)
	return b.Bytes()
}

// --- the tests ------------------------------------------------------------

// hostileMinBodyRoutes guards the selection: the table has at least this
// many routes with a body, so a broken selection cannot pass by testing
// nothing.
const hostileMinBodyRoutes = 30

func TestHostileInput(t *testing.T) {
	tp := newAuthzTemplate(t)
	routes := hostileRoutes(t)
	var body []hostileRoute
	for _, h := range routes {
		if h.takesBody() {
			body = append(body, h)
		}
	}
	if len(body) < hostileMinBodyRoutes {
		t.Fatalf("only %d routes with a body, want at least %d", len(body), hostileMinBodyRoutes)
	}
	// What a 100 MB body costs in memory is measured one request at a
	// time, after the rest: for the first route of each kind of body.
	measured := map[string]bool{}
	kinds := map[string]bool{}
	for _, h := range body {
		kind := fmt.Sprint(h.jsonBody(), h.formBody(), h.uploads(), h.r.kind)
		if !kinds[kind] {
			kinds[kind], measured[h.key()] = true, true
		}
	}
	if len(kinds) < 4 {
		t.Errorf("only %d kinds of body (%v), want JSON, a JSON upload, a spreadsheet and a form", len(kinds), kinds)
	}
	goldens := make([]*hostileGolden, len(body))
	// One route's setup runs once; every request starts from its state.
	t.Run("routes", func(t *testing.T) {
		for i, h := range body {
			t.Run(h.key(), func(t *testing.T) {
				t.Parallel()
				g, f := newHostileGolden(t, tp, h.s)
				goldens[i] = g
				owner := t
				t.Run("refused", func(t *testing.T) { f = hostileRefused(t, owner, h, g, f) })
				t.Run("oversize", func(t *testing.T) { hostileOversize(t, h, g, f, hostileParallel, measured[h.key()]) })
				t.Run("fields", func(t *testing.T) { hostileFields(t, h, g, i) })
				if h.uploads() {
					t.Run("upload names", func(t *testing.T) { hostileUploadNames(t, h, g) })
				}
			})
		}
		// These fill the paths without the setups, on scenarios of their
		// own: the setups above fill their rows' maps as they run.
		t.Run("declared size, every route", func(t *testing.T) {
			t.Parallel()
			hostileDeclaredSize(t, tp, hostileRoutes(t))
		})
		t.Run("path traversal", func(t *testing.T) {
			t.Parallel()
			hostileTraversal(t, tp, hostileRoutes(t))
		})
	})
	t.Run("memory", func(t *testing.T) {
		for i, h := range body {
			if measured[h.key()] && goldens[i] != nil {
				t.Run(h.key(), func(t *testing.T) { hostileOversize(t, h, goldens[i], goldens[i].clone(t), hostileAlone, false) })
			}
		}
	})
}

// hostileRun says how hostileOversize runs: in parallel with other tests,
// or alone, when what the process allocates is the request's.
type hostileRun int

const (
	hostileParallel hostileRun = iota
	hostileAlone
)

// uploads reports whether the route takes a file as multipart/form-data.
func (h hostileRoute) uploads() bool {
	return h.r.kind == fileBody || h.rawBody()
}

// hostileStream is a body of n bytes made as it is read: prefix, then
// pattern over and over. It counts what was read.
type hostileStream struct {
	prefix []byte
	block  []byte // pattern repeated
	period int
	n      int64
	read   int64
}

func newHostileStream(prefix, pattern string, n int64) *hostileStream {
	block := []byte(strings.Repeat(pattern, 64<<10/len(pattern)+2))
	return &hostileStream{prefix: []byte(prefix), block: block, period: len(pattern), n: n}
}

func (s *hostileStream) Read(p []byte) (int, error) {
	if s.read >= s.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.n-s.read)]
	done := 0
	for done < len(p) {
		off := s.read + int64(done)
		if off < int64(len(s.prefix)) {
			done += copy(p[done:], s.prefix[off:])
		} else {
			done += copy(p[done:], s.block[(off-int64(len(s.prefix)))%int64(s.period):])
		}
	}
	s.read += int64(done)
	return done, nil
}

const hostileHuge = 100 << 20 // 100 MB

// hostileOversize sends 100 MB bodies, declared and chunked, and 100,000
// levels of nesting: refused (400 or 413, in the error shape for the API
// and when the size is declared), within 5 seconds, having read no more
// of the body than the route's limit, and nothing written.
//
// f is in the golden state. Alone, only the 100 MB chunked bodies are
// sent, and what each allocates is measured: bounded by the route's limit,
// not by the body. In parallel, skipChunked leaves those to the run alone.
func hostileOversize(t *testing.T, h hostileRoute, g *hostileGolden, f *hostileFixture, run hostileRun, skipChunked bool) {
	f.t = t
	measure := run == hostileAlone
	limit := int64(maxJSONBody)
	if h.r.kind == fileBody {
		limit = maxUploadBody
	}
	type oversize struct {
		name        string
		contentType string
		body        *hostileStream
		declared    bool
		want        []int
	}
	var cases []oversize
	add := func(name, ct, prefix, pattern string, want ...int) {
		cases = append(cases,
			oversize{name + ", declared", ct, newHostileStream(prefix, pattern, hostileHuge), true, []int{413}},
			oversize{name + ", chunked", ct, newHostileStream(prefix, pattern, hostileHuge), false, want})
	}
	if h.jsonBody() {
		add("100 MB JSON string", "application/json", `{"`, "a", 413)
		add("100 MB of [", "application/json", "", "[", 400, 413)
		// 100,000 levels, under the size limit: refused for the depth.
		for _, nest := range [][2]string{{"[", "]"}, {`{"a":`, "}"}} {
			data := strings.Repeat(nest[0], 100000) + "1" + strings.Repeat(nest[1], 100000)
			cases = append(cases, oversize{"100,000 levels of " + nest[0], "application/json",
				newHostileStream(data, " ", int64(len(data))), false, []int{400}})
		}
	}
	if h.formBody() {
		add("100 MB form", "application/x-www-form-urlencoded", "a=", "a", 400, 413)
	}
	if h.uploads() {
		header := "a,b\r\n"
		if file := h.file("big"); strings.Contains(file, ",") {
			header, _, _ = strings.Cut(file, "\n")
			header += "\n"
		}
		row := "X," + strings.Repeat("y", 62) + "\r\n"
		add("100 MB file", "text/csv", header, row, 413)
		add("100 MB multipart file", "multipart/form-data; boundary=hostile-boundary",
			"--hostile-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"+
				"Content-Type: text/csv\r\n\r\n"+header, row, 413)
	}
	for _, c := range cases {
		chunked := !c.declared && c.body.n == hostileHuge
		if measure && !chunked || skipChunked && chunked {
			continue
		}
		length := int64(-1)
		if c.declared {
			length = c.body.n
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		began := time.Now()
		r := hostileSend(f.fixture, h.s.method, h.s.url(f.fixture), h.role, c.contentType, c.body, length)
		took := time.Since(began)
		runtime.ReadMemStats(&m1)
		alloc := int64(m1.TotalAlloc - m0.TotalAlloc)
		hostileCheck(t, f.fixture, h, c.name, r)
		if !slices.Contains(c.want, r.Status) {
			t.Errorf("%s %s: status %d, want %v: %.300s", h.key(), c.name, r.Status, c.want, r.Body)
		}
		if c.declared {
			hostileErrorShape(t, h.key()+" "+c.name, r)
		}
		if took > 5*time.Second {
			t.Errorf("%s %s: took %v, want under 5 s", h.key(), c.name, took)
		}
		if c.body.read > limit+64<<10 {
			t.Errorf("%s %s: read %d bytes of the body, want at most the limit, %d", h.key(), c.name, c.body.read, limit)
		}
		// Parsing copies what it reads a few times over (a 16 MiB
		// multipart upload, eight times): the bound follows the limit, and
		// for JSON (1 MiB) it is far under the 100 MB sent.
		if bound := 10*limit + 8<<20; measure && alloc > bound {
			t.Errorf("%s %s: allocated %d MB, want under %d MB", h.key(), c.name, alloc>>20, bound>>20)
		}
		if measure {
			t.Logf("%s: %d in %v, read %d KB, allocated %d KB", c.name, r.Status, took.Round(time.Millisecond),
				c.body.read>>10, alloc>>10)
		}
	}
	f.unchanged(t, h.key()+" with oversize bodies", g.dump)
}

// hostileMutation is one hostile request of hostileFields.
type hostileMutation struct {
	what    string
	payload string // the text sent, which the server should store as sent
	check   bool   // whether to look for payload in the database when accepted
	// body makes the request's body: unique names what it creates,
	// payload is the text to send (payload with a suffix).
	body func(f *fixture, unique, payload string) (contentType string, data []byte)
}

// hostileFields puts SQL injection strings, invalid UTF-8, NUL and odd but
// valid text in every text field, one field at a time, and (one payload of
// each, another for each route) in all fields at once.
// Requests go on one fixture while the route takes its scenario's request
// twice (what it creates is named after the request); otherwise each
// request after one that wrote starts from a fresh clone.
func hostileFields(t *testing.T, h hostileRoute, g *hostileGolden, seed int) {
	// The scenario's own request works (so that a refusal below is the
	// payload's doing) and shows which tables it may shrink (a replaced
	// scheme, a lifted sign-off).
	f := g.clone(t)
	want := h.s.status
	if w, ok := h.s.statusFor[h.role]; ok {
		want = w
	}
	if r := h.sendValid(f.fixture, h.role); r.Status != want {
		t.Fatalf("%s as %s, unchanged: status %d, want %d: %.300s", h.key(), h.role, r.Status, want, r.Body)
	}
	prev := g.dump
	shrinks := map[string]bool{}
	if f.wrote() {
		prev = f.scan(t)
		for table, n := range g.dump.rows {
			if prev.rows[table] < n {
				shrinks[table] = true
			}
		}
	}
	repeatable := h.sendValid(f.fixture, hostileUnique(999)).Status == want
	if f.wrote() {
		prev = f.scan(t)
	}

	var muts []hostileMutation
	add := func(what, payload string, check bool, body func(f *fixture, unique, payload string) (string, []byte)) {
		muts = append(muts, hostileMutation{what, payload, check, body})
	}
	if h.jsonBody() {
		strs := h.jsonBase(f.fixture, h.role).paths(hostileIsString)
		encode := func(f *fixture, unique string, at [][]any, v any) (string, []byte) {
			j := h.jsonBase(f, unique)
			for _, p := range at {
				j = j.with(p, v)
			}
			return "application/json", j.encode()
		}
		// encoding/json reads every invalid sequence as U+FFFD: the bad
		// bytes go in all strings at once (below), a NUL in each.
		for i, at := range strs {
			add("SQL in "+hostilePath(at), hostileSQL[(seed+i)%len(hostileSQL)], !hostileSecretField(hostileField(at)),
				func(f *fixture, unique, payload string) (string, []byte) {
					return encode(f, unique, [][]any{at}, payload)
				})
			add(fmt.Sprintf("%q in %s", hostileNUL, hostilePath(at)), "", false,
				func(f *fixture, unique, _ string) (string, []byte) {
					return encode(f, unique, [][]any{at}, hostileRaw(hostileNUL))
				})
			add("odd text in "+hostilePath(at), "", false, func(f *fixture, unique, _ string) (string, []byte) {
				return encode(f, unique, [][]any{at}, hostileOdd)
			})
		}
		// All at once: one payload of each kind, another for each route.
		if len(strs) > 0 {
			p, u := hostileSQL[seed%len(hostileSQL)], hostileUTF8[seed%len(hostileUTF8)]
			add("SQL in every string: "+p, p, true,
				func(f *fixture, unique, payload string) (string, []byte) { return encode(f, unique, strs, payload) })
			add(fmt.Sprintf("%q in every string", u), "", false,
				func(f *fixture, unique, _ string) (string, []byte) { return encode(f, unique, strs, hostileRaw(u)) })
		}
	}
	if data, ct := h.text(authzSuffix(h.role)); data != "" {
		if tx, ok := hostileParseText(t, h, data); ok {
			// Each request's file has its own suffix, where it has one.
			text := func(unique string) hostileText {
				if data, _ := h.text(unique); data != "" {
					if tx, ok := hostileParseText(t, h, data); ok {
						return tx
					}
				}
				return tx
			}
			// A file or a form hands invalid bytes on as they are: each
			// field gets some, a NUL and SQL.
			for i, c := range tx.cells() {
				u := strings.ReplaceAll(hostileUTF8[(seed+i)%len(hostileUTF8)], `\ud800`, "\xed\xa0\x80")
				add("SQL in "+tx.name(c), hostileSQL[(seed+i)%len(hostileSQL)], !hostileSecretField(tx.field(c)),
					func(_ *fixture, unique, payload string) (string, []byte) {
						return ct, text(unique).with(&c, payload).encode()
					})
				add(fmt.Sprintf("%q in %s", u, tx.name(c)), "", false,
					func(_ *fixture, unique, _ string) (string, []byte) { return ct, text(unique).with(&c, u).encode() })
				add(fmt.Sprintf("%q in %s", "x\x00y", tx.name(c)), "", false,
					func(_ *fixture, unique, _ string) (string, []byte) {
						return ct, text(unique).with(&c, "x\x00y").encode()
					})
				add("odd text in "+tx.name(c), "", false, func(_ *fixture, unique, _ string) (string, []byte) {
					return ct, text(unique).with(&c, hostileOdd).encode()
				})
			}
			p := hostileSQL[seed%len(hostileSQL)]
			add("SQL in every field: "+p, p, true, func(_ *fixture, unique, payload string) (string, []byte) {
				return ct, text(unique).with(nil, payload).encode()
			})
		}
	}
	if len(muts) == 0 {
		// Its body holds ids, numbers or a PDF, no text: the checks
		// above (its own request works and writes what it should) are
		// all there is; oversize and upload names cover the rest.
		t.Logf("%s takes no text field", h.key())
		return
	}
	clones, accepted := 1, 0
	if !repeatable {
		f = nil // the scenario's request changed what the next would need
	}
	for i, m := range muts {
		if f == nil {
			f, prev = g.clone(t), g.dump
			clones++
		}
		unique := hostileUnique(i)
		payload := m.payload
		if payload != "" {
			payload += " " + unique // to tell it from an earlier request's
		}
		ct, data := m.body(f.fixture, unique, payload)
		r := h.sendBytes(f.fixture, ct, data)
		if r.Status == http.StatusTooManyRequests {
			// Failed sign-ins add up per account: once more, afresh.
			f, prev = g.clone(t), g.dump
			clones++
			ct, data = m.body(f.fixture, unique, payload)
			r = h.sendBytes(f.fixture, ct, data)
		}
		what := m.what
		hostileCheck(t, f.fixture, h, what, r)
		if r.Status/100 == 2 {
			accepted++
		}
		if !f.wrote() {
			if r.Status/100 == 2 && m.check && !h.s.readOnly {
				t.Errorf("%s %s: accepted (%d) but stored nothing", h.key(), what, r.Status)
			}
			continue
		}
		after := f.scan(t)
		if r.Status >= 400 {
			t.Errorf("%s %s: refused (%d) but wrote: %v", h.key(), what, r.Status, prev.changed(after))
		}
		if lost := prev.lost(after, shrinks); len(lost) > 0 {
			t.Errorf("%s %s (%d): %v", h.key(), what, r.Status, lost)
		}
		if broken := slices.DeleteFunc(slices.Clone(after.invalid), func(s string) bool {
			return slices.Contains(prev.invalid, s)
		}); len(broken) > 0 {
			t.Errorf("%s %s (%d): the database holds broken text: %v", h.key(), what, r.Status, broken)
		}
		if r.Status/100 == 2 && m.check && !after.holds(payload) {
			t.Errorf("%s %s: accepted (%d) but %q is not stored as sent", h.key(), what, r.Status, payload)
		}
		prev = after
		if !repeatable {
			f = nil // the next request starts afresh
		}
	}
	t.Logf("%d requests (%d accepted) on %d fixtures (repeatable: %v)", len(muts), accepted, clones, repeatable)
}

// hostileRefused sends unknown fields, values of the wrong type and bodies
// that are no JSON object, which the API refuses (400, malformed) before
// anything is written.
//
// f is in the golden state; so is the fixture returned, which, when one
// of the requests wrote, is a fresh clone living as long as owner.
func hostileRefused(t, owner *testing.T, h hostileRoute, g *hostileGolden, f *hostileFixture) *hostileFixture {
	f.t = t
	if !h.jsonBody() {
		t.Logf("%s takes no JSON", h.key())
		return f
	}
	base := h.jsonBase(f.fixture, h.role)
	type bad struct {
		what  string
		body  []byte
		field string // expected in error.fields ("": any)
	}
	var cases []bad
	// Unknown fields: at the top and in every nested object.
	hostileWalk(base.v, nil, func(at []any, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		m = maps.Clone(m)
		m["hostile_unknown"] = "x"
		field := ""
		if len(at) == 0 {
			field = "hostile_unknown"
		}
		cases = append(cases, bad{"unknown field in " + hostilePath(at), base.with(at, m).encode(), field})
	})
	if top, ok := base.v.(map[string]any); ok {
		m := maps.Clone(top)
		m[hostileSQL[0]] = 1
		cases = append(cases, bad{"a field named " + hostileSQL[0], base.with(nil, m).encode(), hostileSQL[0]})
	}
	// Wrong types: every value as values of other kinds.
	hostileWalk(base.v, nil, func(at []any, v any) {
		if len(at) == 0 {
			return
		}
		var wrong []any
		switch v.(type) {
		case string:
			wrong = []any{true, map[string]any{"x": "y"}}
		case json.Number:
			wrong = []any{"not a number", true, json.Number("1e999")}
		case bool:
			wrong = []any{"yes", json.Number("1")}
		case map[string]any:
			wrong = []any{"x", []any{}}
		case []any:
			wrong = []any{"x", map[string]any{}}
		}
		for _, w := range wrong {
			wj, _ := json.Marshal(w)
			cases = append(cases, bad{fmt.Sprintf("%s as %s", hostilePath(at), wj), base.with(at, w).encode(), ""})
		}
	})
	// A raw control character in a string is no JSON.
	if strs := base.paths(hostileIsString); len(strs) > 0 {
		for _, raw := range []string{"x\x00y", "x\ny", "x\x1by"} {
			cases = append(cases, bad{fmt.Sprintf("raw %q in %s", raw, hostilePath(strs[0])),
				base.with(strs[0], hostileRaw(raw)).encode(), ""})
		}
	}
	for _, body := range []string{`[]`, `"x"`, `1`, `true`, `{} {}`, `{"a":1,}`, `{'a':1}`, "\xef\xbb\xbf{}"} {
		cases = append(cases, bad{"body " + body, []byte(body), ""})
	}
	for _, c := range cases {
		r := h.sendBytes(f.fixture, "application/json", c.body)
		hostileCheck(t, f.fixture, h, c.what, r)
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "malformed" {
			t.Errorf("%s %s: status %d (%q), want 400 (malformed): %.300s", h.key(), c.what, r.Status, r.ErrorCode(), r.Body)
		} else if c.field != "" {
			var e errorBody
			r.JSON(t, &e)
			if e.Error.Fields[c.field] == "" {
				t.Errorf("%s %s: fields %v, want a problem on %s", h.key(), c.what, e.Error.Fields, c.field)
			}
		}
		if f.wrote() {
			t.Errorf("%s %s (%d) wrote: %v", h.key(), c.what, r.Status, g.dump.changed(f.scan(t)))
			f = g.clone(owner)
			f.t = t
		}
	}
	t.Logf("%d bodies", len(cases))
	// null is no JSON object either, though encoding/json reads it into
	// one as nothing at all.
	t.Run("null body", func(t *testing.T) {
		f.t = t
		r := h.sendBytes(f.fixture, "application/json", []byte("null"))
		hostileCheck(t, f.fixture, h, "body null", r)
		if r.Status != http.StatusBadRequest || r.ErrorCode() != "malformed" {
			t.Errorf("%s body null: status %d (%q), want 400 (malformed): %.200s", h.key(), r.Status, r.ErrorCode(), r.Body)
		}
		if f.wrote() {
			t.Errorf("%s body null (%d) wrote: %v", h.key(), r.Status, g.dump.changed(f.scan(t)))
			f = g.clone(owner)
		}
	})
	f.t = t
	return f
}

// hostileUploadNames uploads the route's file as multipart/form-data under
// names that climb out of any directory or break the part's header: no
// file appears anywhere, no header carries the name, no 5xx.
func hostileUploadNames(t *testing.T, h hostileRoute, g *hostileGolden) {
	token := fmt.Sprintf("hostile%d", time.Now().UnixNano())
	names := []string{
		"../../" + token + ".csv",
		`..\..\windows\` + token + ".ini",
		"/tmp/" + token + ".csv",
		"....//....//" + token + ".csv",
		"%2e%2e%2f%2e%2e%2f" + token + ".csv",
		"./" + token + "/../" + token + ".csv",
		token + ".csv\x00.exe",
		token + "\r\nX-Injected: " + token + "\r\n.csv",
		"",
	}
	// One fixture for all: what an accepted upload imports does not
	// matter here, and each file's rows are named after the upload.
	f := g.clone(t)
	listing := func() []string {
		var out []string
		filepath.WalkDir(f.srv.cfg.DataDir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !strings.HasPrefix(d.Name(), store.FileName) {
				out = append(out, strings.TrimPrefix(path, f.srv.cfg.DataDir))
			}
			return nil
		})
		return out
	}
	before := listing()
	accepted := 0
	for i, name := range names {
		content := h.file(hostileUnique(i))
		ctype := "text/csv"
		if !strings.Contains(content, ",") {
			content, ctype = "%PDF-1.7\n"+strings.Repeat("x", 100)+"\n%%EOF\n", "application/pdf"
		}
		// Written by hand: mime/multipart would escape the name.
		var b bytes.Buffer
		fmt.Fprintf(&b, "--hostile-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"+
			"Content-Type: %s\r\n\r\n%s\r\n--hostile-boundary--\r\n", name, ctype, content)
		r := hostileSend(f.fixture, h.s.method, h.s.url(f.fixture), h.role, "multipart/form-data; boundary=hostile-boundary",
			bytes.NewReader(b.Bytes()), int64(b.Len()))
		what := fmt.Sprintf("upload named %q", name)
		hostileCheck(t, f.fixture, h, what, r)
		for k, values := range r.Header {
			if strings.Contains(strings.ToLower(k), "injected") {
				t.Errorf("%s %s: the name made the header %s", h.key(), what, k)
			}
			for _, v := range values {
				if strings.Contains(v, token) || strings.ContainsAny(v, "\r\n\x00") {
					t.Errorf("%s %s: header %s carries the name: %q", h.key(), what, k, v)
				}
			}
		}
		if after := listing(); !slices.Equal(after, before) {
			t.Errorf("%s %s: the data directory changed: %v → %v", h.key(), what, before, after)
		}
		if r.Status/100 == 2 {
			accepted++
		}
	}
	if accepted == 0 {
		t.Errorf("%s: no upload was accepted, so no name reached the handler's reading of the file", h.key())
	}
	// No file named after the upload, in any directory a name could reach.
	data := f.srv.cfg.DataDir
	for _, dir := range []string{data, filepath.Dir(data), filepath.Dir(filepath.Dir(data)), ".", "..", "../..",
		os.TempDir(), "/", "/etc", "/tmp"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), token) {
				t.Errorf("%s: an upload created %s", h.key(), filepath.Join(dir, e.Name()))
			}
		}
	}
	t.Logf("%d uploads, %d accepted", len(names), accepted)
}

// hostileURL is the route's path with every parameter filled, by a fixture
// id, the scenario's text or a placeholder: enough to reach the route's
// middleware without its setup.
func hostileURL(f *fixture, s authzScenario) string {
	s.files = maps.Clone(s.files)
	if s.files == nil {
		s.files = map[string]string{}
	}
	s.params = maps.Clone(s.params)
	if s.params == nil {
		s.params = map[string]string{}
	}
	f.ids["hostile:placeholder"] = 1
	for _, part := range strings.Split(s.path, "/") {
		if name, ok := strings.CutPrefix(part, "*"); ok && s.files[name] == "" {
			s.files[name] = "placeholder"
		}
		if name, ok := strings.CutPrefix(part, ":"); ok {
			key, ok := s.params[part]
			if !ok {
				key = authzDefaultParams[part]
			}
			if _, ok := f.ids[key]; !ok && s.files[name] == "" {
				s.params[part] = "hostile:placeholder"
			}
		}
	}
	return s.url(f)
}

// hostileDeclaredSize declares a 100 MB body on every route of the table:
// refused with 413 in the error shape before a byte is read.
func hostileDeclaredSize(t *testing.T, tp *authzTemplate, routes []hostileRoute) {
	f := hostileWatch(t, tp.clone(t))
	for _, h := range routes {
		body := newHostileStream(`{"`, "a", hostileHuge)
		r := hostileSend(f.fixture, h.s.method, hostileURL(f.fixture, h.s), h.role, "application/json", body, hostileHuge)
		hostileNoLeak(t, f.fixture, h.key(), r)
		if r.Status != http.StatusRequestEntityTooLarge || r.ErrorCode() != "too_large" {
			t.Errorf("%s with Content-Length 100 MB: status %d (%q), want 413: %.300s", h.key(), r.Status, r.ErrorCode(), r.Body)
		}
		hostileErrorShape(t, h.key()+" declared 100 MB", r)
		if body.read > 0 {
			t.Errorf("%s with Content-Length 100 MB: read %d bytes, want none", h.key(), body.read)
		}
	}
	if f.wrote() {
		t.Errorf("100 MB declared bodies wrote to the database")
	}
}

// hostileTraversal fills path parameters with ways out of a directory:
// never a file's content, a 5xx or a 2xx, and nothing written.
func hostileTraversal(t *testing.T, tp *authzTemplate, routes []hostileRoute) {
	f := hostileWatch(t, tp.clone(t))
	goMod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{"go.mod": goMod[:40], "/etc/passwd": []byte("root:x:0:0")}
	for _, name := range []string{keyFileName, MasterKeyFile} {
		if data, err := os.ReadFile(filepath.Join(f.srv.cfg.DataDir, name)); err == nil && len(data) > 12 {
			secrets[name] = data[:12]
		}
	}
	check := func(what string, r response) {
		t.Helper()
		for name, data := range secrets {
			if bytes.Contains(r.Body, data) {
				t.Errorf("%s: the answer holds %s", what, name)
			}
		}
		hostileNoLeak(t, f.fixture, what, r)
	}
	// Every route of the table, each parameter in turn.
	escaped := []string{"..%2f..%2fgo.mod", "..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fgo.mod",
		"..%5c..%5cgo.mod", "..", "%00", "1%00", "1;DROP%20TABLE%20users", "1%27%20OR%20%271%27=%271"}
	n := 0
	for _, h := range routes {
		parts, filled := strings.Split(h.s.path, "/"), strings.Split(hostileURL(f.fixture, h.s), "/")
		var body []byte
		if h.s.body != nil {
			body, _ = json.Marshal(h.s.body(f.fixture, h.role))
		}
		for i, p := range parts {
			wild := strings.HasPrefix(p, "*")
			if !wild && !strings.HasPrefix(p, ":") {
				continue
			}
			values := escaped
			if wild {
				values = append(slices.Clone(escaped), "../../go.mod", "../../../../../../etc/passwd", `..\..\go.mod`, "/../../go.mod")
			}
			for _, v := range values {
				u := append(slices.Clone(filled[:i]), v)
				if !wild {
					u = append(u, filled[i+1:]...)
				}
				target := strings.Join(u, "/")
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body)
				}
				n++
				r := hostileSend(f.fixture, h.s.method, target, h.role, "application/json", rd, int64(len(body)))
				what := fmt.Sprintf("%s %s as %s", h.s.method, target, h.role)
				if r.Status >= 500 || r.Status/100 == 2 {
					t.Errorf("%s: status %d, want a refusal: %.300s", what, r.Status, r.Body)
				}
				if h.api() && r.Status >= 400 {
					hostileErrorShape(t, what, r)
				}
				check(what, r)
			}
		}
	}
	// Traversal in the path itself: 404 or 400.
	for _, target := range []string{
		"/api/v1/events/..%2f..%2f/skills",
		"/v/..%2F..%2Fetc%2Fpasswd",
		"/static/../../go.mod",
		"/static/..%2f..%2fgo.mod",
		"/static/%2e%2e/%2e%2e/go.mod",
		"/static//etc/passwd",
		"/static/..%5c..%5cgo.mod",
		"/tablet/sw.js/../../../go.mod",
		"/api/v1/../../go.mod",
	} {
		for _, role := range []string{asAnonymous, asAdmin} {
			n++
			r := hostileSend(f.fixture, "GET", target, role, "", nil, 0)
			if r.Status != 404 && r.Status != 400 {
				t.Errorf("GET %s as %s: status %d, want 404 or 400: %.300s", target, role, r.Status, r.Body)
			}
			check("GET "+target, r)
		}
	}
	if f.wrote() {
		t.Errorf("%d requests with traversal in the path wrote to the database", n)
	}
	t.Logf("%d requests", n)
}
