package store

import (
	"context"

	"bayskills/apperr"
	"bayskills/scoring"
)

// PublicEntry is one entry's result as the public sees it: names, region,
// standardised score and award; no blind code, no marks.
type PublicEntry struct {
	Rank         int                `json:"rank"`
	Team         string             `json:"team,omitempty"`
	Competitors  []ResultCompetitor `json:"competitors"`
	Region       Region             `json:"region"`
	Score        string             `json:"score"`
	Award        scoring.Award      `json:"award,omitempty"`
	BestOfRegion bool               `json:"best_of_region"`
}

// SkillStanding is where one skill's results stand.
type SkillStanding struct {
	SkillID   int64     `json:"skill_id"`
	Code      string    `json:"code"`
	Name      Names     `json:"name"`
	Lifecycle Lifecycle `json:"lifecycle"`
	Formula   string    `json:"formula,omitempty"`
	// Entries are the published results: final ones only, publicly.
	Entries []PublicEntry `json:"entries"`
}

// Standing is an event's results overview: every skill's lifecycle and
// results, and the region medal table over them.
type Standing struct {
	EventID int64              `json:"event_id"`
	Name    Names              `json:"name"`
	Skills  []SkillStanding    `json:"skills"`
	Medals  []scoring.MedalRow `json:"medals"`
}

// EventStanding gives event's results overview. For the public (public
// set) it shows final results only, and nothing at all while the event
// keeps its results hidden (until the closing ceremony); organizers see
// provisional results as well. The medal table counts what is shown.
func (db *DB) EventStanding(ctx context.Context, event int64, public bool) (Standing, error) {
	e, err := db.Event(ctx, event)
	if err != nil {
		return Standing{}, err
	}
	if public && e.Settings.HideResults {
		return Standing{}, apperr.New(apperr.NotFound, "the results of this event are not published yet")
	}
	skills, err := db.Skills(ctx, event)
	if err != nil {
		return Standing{}, err
	}
	stored, err := queryAll(ctx, db.read, scanStored, "results", `SELECT `+storedColumns+` FROM skill_results
		WHERE skill_id IN (SELECT id FROM skills WHERE event_id = ?)`, event)
	if err != nil {
		return Standing{}, err
	}
	bySkill := map[int64]storedResults{}
	for _, s := range stored {
		bySkill[s.skill] = s
	}
	out := Standing{EventID: e.ID, Name: e.Name, Skills: []SkillStanding{}}
	var medals [][]scoring.Result
	for _, sk := range skills {
		st := SkillStanding{SkillID: sk.ID, Code: sk.Code, Name: sk.Name, Lifecycle: Lifecycle{State: ResultsMarking},
			Entries: []PublicEntry{}}
		s, ok := bySkill[sk.ID]
		if ok {
			st.Lifecycle = s.Lifecycle
		}
		if ok && (!public || s.State == ResultsFinal) {
			r, err := s.view()
			if err != nil {
				return Standing{}, err
			}
			st.Formula = r.Formula
			var counted []scoring.Result
			for _, er := range r.Entries {
				st.Entries = append(st.Entries, PublicEntry{Rank: er.Rank, Team: er.Team, Competitors: er.Competitors,
					Region: er.Region, Score: er.Score, Award: er.Award, BestOfRegion: er.BestOfRegion})
				counted = append(counted, scoring.Result{Entry: er.EntryID, Region: er.Region, Award: er.Award})
			}
			medals = append(medals, counted)
		}
		if public {
			st.Lifecycle = Lifecycle{State: st.Lifecycle.State, FinalAt: st.Lifecycle.FinalAt}
		}
		out.Skills = append(out.Skills, st)
	}
	out.Medals = scoring.MedalTable(medals)
	return out, nil
}
