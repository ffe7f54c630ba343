// Package loadevent creates the event a load tool marks (tools/loadmarks,
// tools/soak), through the API as an organizer does: skills, competitors
// and judges with PINs imported as CSV, a marking scheme of 100 marks and
// panels of three for each skill.
package loadevent

import (
	"encoding/json"
	"fmt"
	"strings"

	"bayskills/tools/internal/serverproc"
)

// Spec is the event to create.
type Spec struct {
	Name    string // the event's name, in English
	Skills  int
	Entries int // competitors a skill
	Judges  int // judges a skill
	Subs    int // sub-criteria a skill (one panel of 3 each)
	Aspects int // aspects a sub-criterion (J and M alternating, J first)
	// UserPrefix comes before each judge's username: skill S00's first
	// judge is PREFIXs00-j0. It keeps the judges of two events apart.
	UserPrefix string
	// PINBase is the first judge's PIN: skill s's judge j has
	// PINBase + 1000 s + j, six digits.
	PINBase int
}

// Event is the created event.
type Event struct {
	ID     int64
	Skills []Skill
}

// Skill is a skill of the event, in the order the API lists them.
type Skill struct {
	ID     int64
	Code   string // S00, S01, …
	Path   string // /api/v1/events/{event}/skills/{skill}
	Judges []Judge
}

// Judge is a judge of a skill, with what they sign in with.
type Judge struct {
	Username, PIN string
}

// Create creates the event as the organizer whose token is given.
func Create(c *serverproc.Client, token string, spec Spec) (Event, error) {
	var created struct{ ID int64 }
	if err := c.Call("POST", "/api/v1/events", token, map[string]any{"name": map[string]string{"en": spec.Name},
		"starts_on": "2026-12-01", "ends_on": "2026-12-04", "host_region": "GD"}, 0, &created); err != nil {
		return Event{}, err
	}
	ev := Event{ID: created.ID}
	regions := []string{"GD", "HK", "MO"}
	var comps, judgesCSV strings.Builder
	comps.WriteString("skill,name_native,name_latin,region,institution\n")
	judgesCSV.WriteString("username,display_name,region,institution,skill,role,pin\n")
	judges := map[string][]Judge{} // by skill code
	for s := 0; s < spec.Skills; s++ {
		code := fmt.Sprintf("S%02d", s)
		if err := c.Call("POST", fmt.Sprintf("/api/v1/events/%d/skills", ev.ID), token, map[string]any{"code": code,
			"name": map[string]string{"en": "Skill " + code}}, 0, nil); err != nil {
			return ev, err
		}
		for e := 0; e < spec.Entries; e++ {
			fmt.Fprintf(&comps, "%s,选手%d,COMPETITOR %s-%d,%s,School %d\n", code, e, code, e, regions[e%3], e%12)
		}
		for j := 0; j < spec.Judges; j++ {
			jd := Judge{Username: fmt.Sprintf("%s%s-j%d", spec.UserPrefix, strings.ToLower(code), j),
				PIN: fmt.Sprintf("%06d", spec.PINBase+s*1000+j)}
			judges[code] = append(judges[code], jd)
			fmt.Fprintf(&judgesCSV, "%s,Judge %s-%d,%s,Expert Institute %d,%s,judge,%s\n", jd.Username, code, j, regions[j%3], j,
				code, jd.PIN)
		}
	}
	if err := c.Call("POST", fmt.Sprintf("/api/v1/events/%d/competitors/import", ev.ID), token, []byte(comps.String()), 0, nil); err != nil {
		return ev, err
	}
	if err := c.Call("POST", fmt.Sprintf("/api/v1/events/%d/judges/import", ev.ID), token, []byte(judgesCSV.String()), 0, nil); err != nil {
		return ev, err
	}
	var listed []struct {
		ID   int64
		Code string
	}
	if err := c.Call("GET", fmt.Sprintf("/api/v1/events/%d/skills", ev.ID), token, nil, 0, &listed); err != nil {
		return ev, err
	}
	for _, l := range listed {
		sk := Skill{ID: l.ID, Code: l.Code, Path: fmt.Sprintf("/api/v1/events/%d/skills/%d", ev.ID, l.ID), Judges: judges[l.Code]}
		ev.Skills = append(ev.Skills, sk)
		if err := c.Call("PUT", sk.Path+"/scheme", token, Scheme(spec.Subs, spec.Aspects), 0, nil); err != nil {
			return ev, err
		}
		if err := c.Call("POST", sk.Path+"/panels/generate", token, map[string]int{"size": 3}, 0, nil); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// SignIn signs the judge in with their PIN, as on a tablet, and returns
// their token.
func (j Judge) SignIn(c *serverproc.Client) (string, error) {
	var out struct{ Token string }
	err := c.Call("POST", "/api/v1/auth/pin", "", map[string]string{"username": j.Username, "pin": j.PIN}, 0, &out)
	return out.Token, err
}

// Scheme builds a marking scheme of one criterion totalling 100 marks:
// subs sub-criteria of aspects aspects each, J and M alternating (J
// first), the marks shared evenly and the rest on the first aspect.
func Scheme(subs, aspects int) map[string]any {
	n := subs * aspects
	per := 10000 / n // hundredths
	rest := 10000 - per*n
	var subList []map[string]any
	descr := []string{"not shown", "below industry standard", "meets industry standard", "excellent"}
	k := 0
	for s := 0; s < subs; s++ {
		var list []map[string]any
		for a := 0; a < aspects; a++ {
			mark := per
			if k == 0 {
				mark += rest
			}
			k++
			maxMark := json.Number(fmt.Sprintf("%d.%02d", mark/100, mark%100))
			asp := map[string]any{"kind": "M", "description": fmt.Sprintf("Measurement %d", k), "max_mark": maxMark}
			if a%2 == 0 {
				asp = map[string]any{"kind": "J", "description": fmt.Sprintf("Judgement %d", k), "max_mark": maxMark,
					"descriptors": descr}
			}
			list = append(list, asp)
		}
		subList = append(subList, map[string]any{"name": fmt.Sprintf("Part %d", s+1), "aspects": list})
	}
	return map[string]any{"criteria": []map[string]any{{"name": "Work piece", "sub_criteria": subList}}}
}
