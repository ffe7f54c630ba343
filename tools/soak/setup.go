package main

import (
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"
	"strings"
)

// venue is what the load works on: the judges with their marks, the demo's
// certificates employers verify, and what organizers read.
type venue struct {
	organizer    string // the demo organizer's token
	skills       []soakSkill
	judges       []*judge
	certificates []string // public ids of the demo's certificates
	reads        []read   // the organizer's reads, in rotation
}

// soakSkill is a skill of the soak's own event.
type soakSkill struct {
	id   int64
	code string
	path string // /api/v1/events/{event}/skills/{skill}
}

// read is one organizer read and the answer it must get.
type read struct {
	path  string
	token string // "" for a public read
	want  int
}

// judge is one judge's tablet: their marks, each as last acknowledged.
// Only one goroutine uses a judge at a time.
type judge struct {
	username, token, path string
	skill                 int // index in venue.skills
	marks                 []*mark
	next                  int // index of the next mark to send
}

// mark is one (competitor, aspect) pair a judge marks, with the value and
// version the server last acknowledged; version 0: not marked yet.
type mark struct {
	entry, aspect int64
	judgement     bool
	max           int64 // hundredths of a mark (M aspects)
	value         int64 // J: the score ×100; M: hundredths of a mark
	version       int64
}

// setup signs in as the demo organizer, finds the demo's certificates and
// creates the soak's own event through the API as an organizer would:
// skills, competitors, judges with PINs, marking schemes, panels. Then it
// signs every judge in and reads their work.
func setup(c *client, cfg config) (*venue, error) {
	v := &venue{}
	var login struct{ Token string }
	if err := c.call("POST", "/api/v1/auth/login", "", map[string]string{"username": demoOrganizer,
		"password": demoOrganizerPassword}, 0, &login); err != nil {
		return nil, err
	}
	v.organizer = login.Token
	var events []struct{ ID int64 }
	if err := c.call("GET", "/api/v1/events", v.organizer, nil, 0, &events); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("the demo organizer has no event: was the demo loaded?")
	}
	demo := events[0].ID
	var demoSkills []struct{ ID int64 }
	if err := c.call("GET", fmt.Sprintf("/api/v1/events/%d/skills", demo), v.organizer, nil, 0, &demoSkills); err != nil {
		return nil, err
	}
	for _, sk := range demoSkills {
		path := fmt.Sprintf("/api/v1/events/%d/skills/%d", demo, sk.ID)
		var list []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := c.call("GET", path+"/certificates", v.organizer, nil, 0, &list); err != nil {
			return nil, err
		}
		for _, cert := range list {
			if cert.Status == "valid" {
				v.certificates = append(v.certificates, cert.ID)
			}
		}
		if len(list) > 0 { // a skill with certificates has final results
			v.reads = append(v.reads, read{path: path + "/results", token: v.organizer, want: 200})
		}
	}
	if len(v.certificates) == 0 {
		return nil, fmt.Errorf("the demo issued no valid certificate to verify")
	}
	v.reads = append(v.reads, read{path: fmt.Sprintf("/api/v1/events/%d/results", demo), token: v.organizer, want: 200},
		read{path: fmt.Sprintf("/api/v1/public/events/%d/results", demo), want: 200})

	var ev struct{ ID int64 }
	if err := c.call("POST", "/api/v1/events", v.organizer, map[string]any{"name": map[string]string{"en": "Soak test"},
		"starts_on": "2026-12-01", "ends_on": "2026-12-04", "host_region": "GD"}, 0, &ev); err != nil {
		return nil, err
	}
	regions := []string{"GD", "HK", "MO"}
	var comps, judgesCSV strings.Builder
	comps.WriteString("skill,name_native,name_latin,region,institution\n")
	judgesCSV.WriteString("username,display_name,region,institution,skill,role,pin\n")
	pins := map[string]string{}
	for s := 0; s < cfg.skills; s++ {
		code := fmt.Sprintf("S%02d", s)
		if err := c.call("POST", fmt.Sprintf("/api/v1/events/%d/skills", ev.ID), v.organizer, map[string]any{"code": code,
			"name": map[string]string{"en": "Skill " + code}}, 0, nil); err != nil {
			return nil, err
		}
		for e := 0; e < cfg.entriesPerSkill; e++ {
			fmt.Fprintf(&comps, "%s,选手%d,COMPETITOR %s-%d,%s,School %d\n", code, e, code, e, regions[e%3], e%12)
		}
		for j := 0; j < cfg.judgesPerSkill; j++ {
			name, pin := fmt.Sprintf("soak-%s-j%d", strings.ToLower(code), j), fmt.Sprintf("%06d", 200000+s*1000+j)
			pins[name] = pin
			fmt.Fprintf(&judgesCSV, "%s,Judge %s-%d,%s,Expert Institute %d,%s,judge,%s\n", name, code, j, regions[j%3], j, code, pin)
		}
	}
	if err := c.call("POST", fmt.Sprintf("/api/v1/events/%d/competitors/import", ev.ID), v.organizer, []byte(comps.String()), 0, nil); err != nil {
		return nil, err
	}
	if err := c.call("POST", fmt.Sprintf("/api/v1/events/%d/judges/import", ev.ID), v.organizer, []byte(judgesCSV.String()), 0, nil); err != nil {
		return nil, err
	}
	var skills []struct {
		ID   int64
		Code string
	}
	if err := c.call("GET", fmt.Sprintf("/api/v1/events/%d/skills", ev.ID), v.organizer, nil, 0, &skills); err != nil {
		return nil, err
	}
	for si, sk := range skills {
		path := fmt.Sprintf("/api/v1/events/%d/skills/%d", ev.ID, sk.ID)
		v.skills = append(v.skills, soakSkill{id: sk.ID, code: sk.Code, path: path})
		if err := c.call("PUT", path+"/scheme", v.organizer, scheme(cfg), 0, nil); err != nil {
			return nil, err
		}
		if err := c.call("POST", path+"/panels/generate", v.organizer, map[string]int{"size": 3}, 0, nil); err != nil {
			return nil, err
		}
		// The progress grid, and the results, which answer 409 naming what
		// is not signed off while marking goes on.
		v.reads = append(v.reads, read{path: path + "/progress", token: v.organizer, want: 200},
			read{path: path + "/results", token: v.organizer, want: 409})
		for j := 0; j < cfg.judgesPerSkill; j++ {
			name := fmt.Sprintf("soak-%s-j%d", strings.ToLower(sk.Code), j)
			var jl struct{ Token string }
			if err := c.call("POST", "/api/v1/auth/pin", "", map[string]string{"username": name, "pin": pins[name]}, 0, &jl); err != nil {
				return nil, err
			}
			jd := &judge{username: name, token: jl.Token, path: path, skill: si}
			w, err := jd.work(c)
			if err != nil {
				return nil, err
			}
			for _, e := range w.Entries {
				for _, sub := range w.SubCriteria {
					for _, a := range sub.Aspects {
						jd.marks = append(jd.marks, &mark{entry: e.EntryID, aspect: a.ID, judgement: a.Kind == "J", max: centi(a.MaxMark)})
					}
				}
			}
			if len(jd.marks) == 0 {
				return nil, fmt.Errorf("judge %s has nothing to mark", name)
			}
			v.judges = append(v.judges, jd)
		}
	}
	v.reads = append(v.reads, read{path: fmt.Sprintf("/api/v1/events/%d/results", ev.ID), token: v.organizer, want: 200})
	return v, nil
}

// work is what the soak reads of a judge's GET …/work.
type work struct {
	SubCriteria []struct {
		Aspects []struct {
			ID      int64
			Kind    string
			MaxMark json.Number `json:"max_mark"`
		}
	} `json:"sub_criteria"`
	Entries []struct {
		EntryID int64 `json:"entry_id"`
	}
	Marks []struct {
		EntryID  int64       `json:"entry_id"`
		AspectID int64       `json:"aspect_id"`
		Value    json.Number `json:"value"`
		Version  int64       `json:"version"`
	}
}

func (j *judge) work(c *client) (work, error) {
	var w work
	err := c.call("GET", j.path+"/work", j.token, nil, 200, &w)
	return w, err
}

// centi reads a mark as JSON numbers carry it ("1.5") in hundredths.
func centi(n json.Number) int64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return int64(math.Round(f * 100))
}

// centiText writes hundredths of a mark as a JSON number: 150 → 1.50.
func centiText(v int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", v/100, v%100))
}

// newValue is a judge's new mark for m: on a re-score, a different one.
func newValue(m *mark) int64 {
	if m.judgement {
		if m.version == 0 {
			return int64(mrand.IntN(4)) * 100
		}
		return (m.value/100 + 1 + int64(mrand.IntN(3))) % 4 * 100
	}
	if m.max == 0 {
		return 0
	}
	v := mrand.Int64N(m.max + 1)
	if m.version > 0 && v == m.value {
		v = (v + 1) % (m.max + 1)
	}
	return v
}

// scheme builds a marking scheme totalling 100 marks, half J and half M
// aspects (as tools/loadmarks does).
func scheme(cfg config) map[string]any {
	n := cfg.subsPerSkill * cfg.aspectsPerSub
	per := 10000 / n // hundredths
	rest := 10000 - per*n
	var subs []map[string]any
	descr := []string{"not shown", "below industry standard", "meets industry standard", "excellent"}
	k := 0
	for s := 0; s < cfg.subsPerSkill; s++ {
		var aspects []map[string]any
		for a := 0; a < cfg.aspectsPerSub; a++ {
			mark := per
			if k == 0 {
				mark += rest
			}
			k++
			asp := map[string]any{"kind": "M", "description": fmt.Sprintf("Measurement %d", k), "max_mark": centiText(int64(mark))}
			if a%2 == 0 {
				asp = map[string]any{"kind": "J", "description": fmt.Sprintf("Judgement %d", k), "max_mark": centiText(int64(mark)),
					"descriptors": descr}
			}
			aspects = append(aspects, asp)
		}
		subs = append(subs, map[string]any{"name": fmt.Sprintf("Part %d", s+1), "aspects": aspects})
	}
	return map[string]any{"criteria": []map[string]any{{"name": "Work piece", "sub_criteria": subs}}}
}
