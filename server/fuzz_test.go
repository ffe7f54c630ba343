package server

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzImportCompetitors sends arbitrary files to the competitor import. Any
// answer but 201 must leave the competitors as they were, and nothing may
// be a 500.
func FuzzImportCompetitors(f *testing.F) {
	f.Add([]byte("skill,name_native,name_latin,region,institution\nCNC,甲,A,GD,X\n"))
	f.Add([]byte("skill,name_native,name_latin,region,institution,team\nHAIR,乙,B,MO,Y,T\nCNC,,C,HK,Z,\n"))
	f.Add([]byte("\xef\xbb\xbfskill;name_native;name_latin;region;institution\nCNC;丙;C;hk;Z\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	fx := newFixture(f)
	path := fmt.Sprintf("/api/v1/events/%d/competitors/import", fx.ids["event"])
	f.Fuzz(func(t *testing.T, data []byte) {
		fx.t = t
		before := fx.count("competitors")
		r := fx.upload(path, asOrganizer, "text/csv", data)
		after := fx.count("competitors")
		switch {
		case r.Status >= 500:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		case r.Status != 201 && after != before:
			t.Fatalf("refused import (%d) changed competitors %d → %d", r.Status, before, after)
		case r.Status == 201 && after <= before:
			t.Fatalf("accepted import wrote nothing")
		}
	})
}

// FuzzCreateEvent sends arbitrary bodies to POST /api/v1/events: the answer
// is 201 or a 4xx in the error shape, never a 500.
func FuzzCreateEvent(f *testing.F) {
	f.Add(`{"name":{"en":"X"},"starts_on":"2027-01-01","ends_on":"2027-01-02","host_region":"GD"}`)
	f.Add(`{"name":{"en":"X","zh-Hant":"賽"},"settings":{"tie_threshold":1e309}}`)
	f.Add(`{"name":null}`)
	f.Add(`[[[[`)
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		fx.t = t
		r := fx.do("POST", "/api/v1/events", asOrganizer, body)
		if r.Status >= 500 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if r.Status >= 400 && r.ErrorCode() == "" {
			t.Fatalf("status %d without the error shape: %s", r.Status, r.Body)
		}
	})
}

// FuzzSubmitMarks sends arbitrary bodies to a judge's mark endpoint, with a
// marking scheme and panels in place: never a 500, always the error shape,
// and a refused batch stores nothing.
func FuzzSubmitMarks(f *testing.F) {
	f.Add(`{"marks":[{"key":"a","entry_id":1,"aspect_id":1,"value":2,"version":0}]}`)
	f.Add(`{"marks":[{"key":"b","entry_id":2,"aspect_id":2,"value":"1.5"}]}`)
	f.Add(`{"marks":[{"key":"c","entry_id":2,"aspect_id":3,"value":1e400}]}`)
	f.Add(`{"marks":[]}`)
	f.Add(`{"marks":null}`)
	g := newJGSkill(f)
	path := g.skill + "/marks"
	f.Fuzz(func(t *testing.T, body string) {
		g.fixture.t, g.t = t, t
		before := g.fixture.count("marks")
		r := g.fixture.do("POST", path, asJudge, body)
		after := g.fixture.count("marks")
		switch {
		case r.Status >= 500:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		case r.Status >= 400 && r.ErrorCode() == "":
			t.Fatalf("status %d without the error shape: %s", r.Status, r.Body)
		case r.Status >= 400 && after != before:
			t.Fatalf("refused batch (%d) changed the marks %d → %d", r.Status, before, after)
		}
	})
}

// FuzzPutScheme sends arbitrary scheme files — JSON, CSV or XLSX, chosen
// by the fuzzer — to PUT …/scheme: the answer is 200 or a 4xx in the
// error shape, never a 500, and a refused file leaves the scheme as it
// was.
func FuzzPutScheme(f *testing.F) {
	types := []string{"application/json", "text/csv",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	for _, name := range []string{"CNC.csv", "HAIR.csv"} {
		if data, err := os.ReadFile(filepath.Join("..", "assets", "demo", "schemes", name)); err == nil {
			f.Add(uint8(1), data)
		}
	}
	f.Add(uint8(0), []byte(`{"criteria":[{"code":"A","name":"A","sub_criteria":[{"code":"A1","name":"A1",`+
		`"aspects":[{"kind":"M","description":"d","max_mark":"10"}]}]}]}`))
	f.Add(uint8(0), []byte(`{"criteria":[{"code":"A","sub_criteria":[{"aspects":[{"kind":"J","max_mark":"1e308"}]}]}]}`))
	f.Add(uint8(2), []byte("PK\x03\x04garbage"))
	fx := newFixture(f)
	path := fmt.Sprintf("/api/v1/events/%d/skills/%d/scheme", fx.ids["event"], fx.ids["skill"])
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		fx.t = t
		before := fx.do("GET", path, asOrganizer, nil)
		r := fx.upload(path, asOrganizer, types[int(kind)%len(types)], data)
		after := fx.do("GET", path, asOrganizer, nil)
		switch {
		case r.Status >= 500:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		case r.Status != 200 && string(after.Body) != string(before.Body):
			t.Fatalf("refused scheme (%d) changed the scheme", r.Status)
		case r.Status != 200 && r.ErrorCode() == "":
			t.Fatalf("refusal %d without the error shape: %s", r.Status, r.Body)
		}
	})
}
