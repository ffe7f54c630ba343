package main

import (
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"strconv"

	"bayskills/tools/internal/loadevent"
	"bayskills/tools/internal/serverproc"
)

// venue is what the load works on: the judges with their marks, the demo's
// certificates employers verify, and what organizers read.
type venue struct {
	organizer    string            // the demo organizer's token
	skills       []loadevent.Skill // of the soak's own event
	judges       []*judge
	certificates []string // public ids of the demo's certificates
	reads        []read   // the organizer's reads, in rotation
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
func setup(c *serverproc.Client, cfg config) (*venue, error) {
	v := &venue{}
	var login struct{ Token string }
	if err := c.Call("POST", "/api/v1/auth/login", "", map[string]string{"username": demoOrganizer,
		"password": demoOrganizerPassword}, 0, &login); err != nil {
		return nil, err
	}
	v.organizer = login.Token
	var events []struct{ ID int64 }
	if err := c.Call("GET", "/api/v1/events", v.organizer, nil, 0, &events); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("the demo organizer has no event: was the demo loaded?")
	}
	demo := events[0].ID
	var demoSkills []struct{ ID int64 }
	if err := c.Call("GET", fmt.Sprintf("/api/v1/events/%d/skills", demo), v.organizer, nil, 0, &demoSkills); err != nil {
		return nil, err
	}
	for _, sk := range demoSkills {
		path := fmt.Sprintf("/api/v1/events/%d/skills/%d", demo, sk.ID)
		var list []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := c.Call("GET", path+"/certificates", v.organizer, nil, 0, &list); err != nil {
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

	ev, err := loadevent.Create(c, v.organizer, loadevent.Spec{Name: "Soak test", Skills: cfg.skills, Entries: cfg.entriesPerSkill,
		Judges: cfg.judgesPerSkill, Subs: cfg.subsPerSkill, Aspects: cfg.aspectsPerSub, UserPrefix: "soak-", PINBase: 200000})
	if err != nil {
		return nil, err
	}
	v.skills = ev.Skills
	for si, sk := range ev.Skills {
		// The progress grid, and the results, which answer 409 naming what
		// is not signed off while marking goes on.
		v.reads = append(v.reads, read{path: sk.Path + "/progress", token: v.organizer, want: 200},
			read{path: sk.Path + "/results", token: v.organizer, want: 409})
		for _, j := range sk.Judges {
			token, err := j.SignIn(c)
			if err != nil {
				return nil, err
			}
			jd := &judge{username: j.Username, token: token, path: sk.Path, skill: si}
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
				return nil, fmt.Errorf("judge %s has nothing to mark", j.Username)
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

func (j *judge) work(c *serverproc.Client) (work, error) {
	var w work
	err := c.Call("GET", j.path+"/work", j.token, nil, 200, &w)
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
