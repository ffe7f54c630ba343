package store

import (
	"context"
	"fmt"
	"math/big"
	"runtime"
	"sort"
	"strings"
	"sync"

	"bayskills/apperr"
	"bayskills/scoring"
)

// ResultCompetitor is a competitor as results show them.
type ResultCompetitor struct {
	NameNative  string `json:"name_native"`
	NameLatin   string `json:"name_latin"`
	Institution string `json:"institution"`
}

// EntryResult is one entry's result: totals in marks and the standardised
// score rounded half-up to 2 decimals for display (the computation is exact).
type EntryResult struct {
	EntryID      int64              `json:"entry_id"`
	Code         string             `json:"code"`
	Team         string             `json:"team,omitempty"`
	Competitors  []ResultCompetitor `json:"competitors"`
	Region       Region             `json:"region"`
	Raw          string             `json:"raw"`
	Criteria     map[string]string  `json:"criteria"`
	Score        string             `json:"score"`
	Rank         int                `json:"rank"`
	Award        scoring.Award      `json:"award,omitempty"`
	BestOfRegion bool               `json:"best_of_region"`
}

// SkillResults are a skill's results, best first, as computed. Stored
// provisional and final results are exactly these, as JSON.
type SkillResults struct {
	SkillID  int64         `json:"skill_id"`
	Params   ResultParams  `json:"params"`
	Formula  string        `json:"formula"`
	Criteria []string      `json:"criteria"` // codes in scheme order
	Entries  []EntryResult `json:"entries"`
}

// ComputeResults computes the results of skill from its signed-off marks
// (DESIGN §6) and the event's current settings, without storing anything.
// Every sub-criterion of every entry must be signed off; otherwise the
// answer is a Conflict naming, per entry code, what is not.
func (db *DB) ComputeResults(ctx context.Context, event, skill int64) (SkillResults, error) {
	in, err := loadResultInputs(ctx, db.read, event, skill)
	if err != nil {
		return SkillResults{}, err
	}
	return computeResults(in)
}

// resultInputs is everything results are computed from, loaded.
type resultInputs struct {
	ev           *skillEval
	comps        []Competitor
	params       ResultParams
	appealWindow int // minutes, for publishing
	skill        int64
}

// loadResultInputs reads through q what the results of skill depend on.
func loadResultInputs(ctx context.Context, q rowQueryer, event, skill int64) (*resultInputs, error) {
	ev, err := loadEval(ctx, q, event, skill, 0)
	if err != nil {
		return nil, err
	}
	return loadResultContext(ctx, q, ev, event, skill)
}

// loadResultContext adds to ev the event's result settings and the skill's
// competitors.
func loadResultContext(ctx context.Context, q rowQueryer, ev *skillEval, event, skill int64) (*resultInputs, error) {
	in := &resultInputs{ev: ev, skill: skill}
	p := &in.params
	if err := q.QueryRowContext(ctx, `SELECT score_centre, score_spread, medallion_at, excellence_percent, tie_threshold,
		tie_break, appeal_window_minutes FROM events WHERE id = ?`, event).Scan(&p.ScoreCentre, &p.ScoreSpread,
		&p.MedallionAt, &p.ExcellencePercent, &p.TieThreshold, &p.TieBreak, &in.appealWindow); err != nil {
		return nil, internal(err, "load result settings")
	}
	var err error
	in.comps, err = competitorsWhere(ctx, q, `c.event_id = ? AND c.skill_id = ?`, event, skill)
	return in, err
}

// computeResults applies the marking and results rules of scoring to loaded
// inputs.
func computeResults(in *resultInputs) (SkillResults, error) {
	ev, skill := in.ev, in.skill
	if err := ev.apply(); err != nil {
		return SkillResults{}, err
	}
	if len(ev.entries) == 0 || len(ev.subs) == 0 {
		return SkillResults{}, apperr.New(apperr.Conflict, "the skill has no competitors or no marking scheme yet")
	}
	open := apperr.FieldErrors{}
	pending := 0
	for _, entry := range ev.entries {
		var subs []string
		for _, sub := range ev.subs {
			if ev.status[[2]int64{entry, sub.ID}].State != SubSignedOff {
				subs = append(subs, sub.Code)
			}
		}
		if len(subs) > 0 {
			pending += len(subs)
			open[ev.people.codes[entry]] = strings.Join(subs, ", ") + " not signed off"
		}
	}
	if len(open) > 0 {
		return SkillResults{}, &apperr.Error{Code: apperr.Conflict, Fields: open, Message: fmt.Sprintf(
			"results need every sub-criterion signed off: %d of %d are not", pending, len(ev.entries)*len(ev.subs))}
	}
	criterionOf := map[int64]string{}
	var criteria []string
	for _, c := range ev.scheme.Scheme.Criteria {
		criteria = append(criteria, c.Code)
		for _, s := range c.SubCriteria {
			criterionOf[s.ID] = c.Code
		}
	}
	totals := map[int64]scoring.Totals{}
	raws := make([]*big.Rat, len(ev.entries))
	rawOf := map[int64]*big.Rat{}
	regions := map[int64]scoring.Region{}
	for i, entry := range ev.entries {
		es := scoring.EntryScore{Entry: entry}
		if members := ev.people.entries[entry]; len(members) > 0 {
			es.Region = members[0].Region
		}
		for _, sub := range ev.subs {
			for _, a := range ev.status[[2]int64{entry, sub.ID}].Aspects {
				es.Aspects = append(es.Aspects, scoring.AspectValue{Criterion: criterionOf[sub.ID], SubCriterion: sub.Code,
					Aspect: a.Code, Value: a.value})
			}
		}
		t := scoring.ComputeTotals(es)
		totals[entry], raws[i], rawOf[entry], regions[entry] = t, t.Raw, t.Raw, es.Region
	}
	standard, rank, awards := in.params.scoring(criteria)
	scores := scoring.Standardise(raws, standard)
	ranked := scoring.Rank(ev.entries, scores, totals, rank)
	results := scoring.Awards(ranked, regions, rawOf, awards)
	byEntry := map[int64][]Competitor{}
	for _, c := range in.comps {
		byEntry[c.EntryID] = append(byEntry[c.EntryID], c)
	}
	out := SkillResults{SkillID: skill, Params: in.params, Formula: scoring.FormulaText(raws, standard),
		Criteria: criteria, Entries: []EntryResult{}}
	for _, r := range results {
		er := EntryResult{EntryID: r.Entry, Code: ev.people.codes[r.Entry], Region: r.Region, Raw: scoring.RoundMarks(r.Raw),
			Criteria: map[string]string{}, Score: scoring.Round2(r.Score), Rank: r.Rank, Award: r.Award,
			BestOfRegion: r.BestOfRegion, Competitors: []ResultCompetitor{}}
		for code, v := range totals[r.Entry].Criteria {
			er.Criteria[code] = scoring.RoundMarks(v)
		}
		for _, c := range byEntry[r.Entry] {
			er.Team = c.Team
			er.Competitors = append(er.Competitors, ResultCompetitor{NameNative: c.NameNative, NameLatin: c.NameLatin,
				Institution: c.Institution})
		}
		out.Entries = append(out.Entries, er)
	}
	return out, nil
}

// JudgeStats is one judge's severity (DESIGN §6: mean deviation from their
// panels' means), with a flag when it is an outlier.
type JudgeStats struct {
	JudgeID     int64   `json:"judge_id"`
	Username    string  `json:"username"`
	DisplayName string  `json:"display_name"`
	Severity    float64 `json:"severity"`
	Units       int     `json:"units"`
	Outlier     bool    `json:"outlier"`
}

// Analytics is the judging analysis of a skill over its judgement scores.
type Analytics struct {
	SkillID      int64        `json:"skill_id"`
	Alpha        float64      `json:"alpha"` // Krippendorff's alpha, ordinal
	AlphaDefined bool         `json:"alpha_defined"`
	Pairable     int          `json:"pairable"`
	Threshold    float64      `json:"severity_threshold"`
	Histogram    [4]int       `json:"histogram"` // how often each score 0–3 was given
	Judges       []JudgeStats `json:"judges"`
}

// SkillAnalytics analyses the judgement scores of skill (all of them,
// signed off or not, so that a chief expert can see a severe judge early).
func (db *DB) SkillAnalytics(ctx context.Context, event, skill int64) (Analytics, error) {
	if _, err := db.Skill(ctx, event, skill); err != nil {
		return Analytics{}, err
	}
	scores, err := queryAll(ctx, db.read, func(r scanner) (u scoring.UnitScore, err error) {
		var entry, aspect int64
		err = r.Scan(&entry, &aspect, &u.Judge, &u.Score)
		u.Unit = fmt.Sprintf("%d/%d", entry, aspect)
		return u, err
	}, "scores", `SELECT m.entry_id, m.aspect_id, m.judge_id, m.value FROM marks m JOIN aspects a ON a.id = m.aspect_id
		WHERE a.skill_id = ? AND a.kind = 'J'`, skill)
	if err != nil {
		return Analytics{}, err
	}
	params := scoring.DefaultSeverityParams()
	ja := scoring.AnalyseJudges(scores, params)
	out := Analytics{SkillID: skill, Alpha: ja.Alpha, AlphaDefined: ja.AlphaDefined, Pairable: ja.Pairable,
		Threshold: params.Threshold, Histogram: scoring.ScoreHistogram(scores), Judges: []JudgeStats{}}
	judges, err := db.Judges(ctx, event, skill)
	if err != nil {
		return Analytics{}, err
	}
	names := map[int64]Judge{}
	for _, j := range judges {
		names[j.ID] = j
	}
	for _, s := range ja.Judges {
		out.Judges = append(out.Judges, JudgeStats{JudgeID: s.Judge, Username: names[s.Judge].Username,
			DisplayName: names[s.Judge].DisplayName, Severity: s.Severity, Units: s.Units, Outlier: s.Outlier})
	}
	sort.Slice(out.Judges, func(a, b int) bool { return out.Judges[a].JudgeID < out.Judges[b].JudgeID })
	return out, nil
}

// scoring turns p into the parameters of the scoring rules; criteria are the
// skill's criterion codes in scheme order (the tie-break order).
func (p ResultParams) scoring(criteria []string) (scoring.StandardParams, scoring.RankParams, scoring.AwardParams) {
	rank := scoring.RankParams{TieThreshold: new(big.Float).SetPrec(scoring.ScorePrec).SetFloat64(p.TieThreshold)}
	if p.TieBreak {
		rank.TieBreak = criteria
	}
	return scoring.StandardParams{Centre: p.ScoreCentre, PointsPerSD: p.ScoreSpread}, rank, scoring.AwardParams{
		MedallionAt:          new(big.Float).SetPrec(scoring.ScorePrec).SetFloat64(p.MedallionAt),
		ExcellenceTopPercent: p.ExcellencePercent}
}

// EventResults recomputes the results of every skill of event, skills in
// parallel (they share nothing), one worker per CPU. Skills whose marking is
// not complete are reported in errs, by skill id, and left out of results.
func (db *DB) EventResults(ctx context.Context, event int64) (results map[int64]SkillResults, errs map[int64]error, err error) {
	skills, err := db.Skills(ctx, event)
	if err != nil {
		return nil, nil, err
	}
	results, errs = map[int64]SkillResults{}, map[int64]error{}
	var mu sync.Mutex
	work := make(chan int64)
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), len(skills))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for skill := range work {
				r, err := db.ComputeResults(ctx, event, skill)
				mu.Lock()
				if err != nil {
					errs[skill] = err
				} else {
					results[skill] = r
				}
				mu.Unlock()
			}
		}()
	}
	for _, s := range skills {
		work <- s.ID
	}
	close(work)
	wg.Wait()
	for skill, e := range errs {
		if apperr.CodeOf(e) == apperr.Internal {
			return nil, nil, fmt.Errorf("skill %d: %w", skill, e)
		}
	}
	return results, errs, nil
}
