package scoring

import (
	"fmt"
	"strings"
)

// Region identifies one of the three Greater Bay Area regions a judge or a
// competitor comes from. It exists as its own type so that the panel rules of
// DESIGN §5 (conflict of interest, cross-region panels) cannot be fed an
// arbitrary string by mistake.
type Region string

// The regions of the Greater Bay Area (DESIGN, introduction): Guangdong,
// Hong Kong and Macao.
const (
	RegionGD Region = "GD"
	RegionHK Region = "HK"
	RegionMO Region = "MO"
)

// Valid reports whether r is one of RegionGD, RegionHK or RegionMO, so that
// callers can reject unknown region codes before they reach the panel rules.
func (r Region) Valid() bool {
	switch r {
	case RegionGD, RegionHK, RegionMO:
		return true
	}
	return false
}

// ConflictRule selects how widely conflict of interest is drawn (DESIGN §5:
// "no judge marks a competitor of their own institution (configurable to
// 'own region')").
type ConflictRule string

// The conflict-of-interest rules of DESIGN §5. ConflictInstitution is the
// default; the empty ConflictRule means ConflictInstitution.
const (
	// ConflictInstitution forbids a judge to mark a competitor of the same
	// institution.
	ConflictInstitution ConflictRule = "institution"
	// ConflictRegion forbids a judge to mark a competitor of the same region
	// or of the same institution.
	ConflictRegion ConflictRule = "region"
)

// ParseConflictRule turns a configured value into a ConflictRule. The empty
// string yields the default, ConflictInstitution (DESIGN §5); any other value
// than "institution" or "region" is an error, so that a typo in an event's
// configuration is refused rather than silently weakening the rule.
func ParseConflictRule(s string) (ConflictRule, error) {
	switch ConflictRule(s) {
	case "", ConflictInstitution:
		return ConflictInstitution, nil
	case ConflictRegion:
		return ConflictRegion, nil
	}
	return "", fmt.Errorf("conflict rule must be %q or %q", ConflictInstitution, ConflictRegion)
}

// Person is what the conflict-of-interest rule compares (DESIGN §5): a
// judge or a competitor, reduced to their region and institution.
type Person struct {
	Region      Region
	Institution string
}

// normaliseInstitution returns s without surrounding white space and with
// every inner run of white space collapsed to one ASCII space. White space is
// Unicode white space, so the ideographic space U+3000 that Chinese input
// methods produce counts too.
func normaliseInstitution(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// SameInstitution reports whether a and b name the same institution for the
// conflict-of-interest rule of DESIGN §5: compared case-insensitively
// (Unicode simple case folding), ignoring surrounding white space (including
// U+3000) and treating runs of inner white space as one space. A blank
// institution is unknown and matches nothing, not even another blank one:
// the rule forbids marking one's own institution, and "unknown" is not an
// institution. Callers that need a known institution must require it when
// people are registered.
func SameInstitution(a, b string) bool {
	na, nb := normaliseInstitution(a), normaliseInstitution(b)
	if na == "" || nb == "" {
		return false
	}
	return strings.EqualFold(na, nb)
}

// Conflicted reports whether judge may not mark competitor under rule
// (DESIGN §5, conflict of interest). Under ConflictInstitution (and the empty
// default) the judge is conflicted when both share an institution, as
// decided by SameInstitution. Under ConflictRegion the judge is conflicted
// when both share a region or an institution: the region rule is meant to be
// the stricter one, and the data does not guarantee that an institution lies
// in a single region. A blank region, like a blank institution, matches
// nothing. Any rule value other than ConflictRegion is treated as
// ConflictInstitution; validate configuration with ParseConflictRule.
func Conflicted(rule ConflictRule, judge, competitor Person) bool {
	if SameInstitution(judge.Institution, competitor.Institution) {
		return true
	}
	if rule == ConflictRegion {
		return judge.Region != "" && judge.Region == competitor.Region
	}
	return false
}

// PanelJudge is a judge as a member of a panel: an identity, used to detect
// a judge listed twice, and the Person the conflict rules compare.
type PanelJudge struct {
	ID int64
	Person
}

// The codes of PanelProblem, stable so that the server and the pages can
// translate them and point at the right field.
const (
	// ProblemSize: the panel does not have 3 or 5 judges (DESIGN §5).
	ProblemSize = "size"
	// ProblemDuplicateJudge: one judge appears more than once in the panel.
	ProblemDuplicateJudge = "duplicate_judge"
	// ProblemSingleRegion: the skill has judges from two or more regions,
	// yet the panel's judges all come from one region (DESIGN §5,
	// cross-region panels).
	ProblemSingleRegion = "single_region"
)

// Panel sizes allowed by DESIGN §5: "3 judges by default; 5 allowed".
const (
	DefaultPanelSize = 3
	LargePanelSize   = 5
)

// PanelProblem describes one reason why a panel is refused. Code is one of
// the Problem* constants; Message is an English sentence safe to show to an
// organizer. It implements error so that a single problem can be returned
// where an error is expected.
type PanelProblem struct {
	Code    string
	Message string
}

// Error returns the problem's message, so that PanelProblem satisfies error.
func (p PanelProblem) Error() string { return p.Message }

// distinctRegions returns the number of non-blank regions in the set seen.
func distinctRegions(seen map[Region]struct{}) int {
	n := 0
	for r := range seen {
		if r != "" {
			n++
		}
	}
	return n
}

// CheckPanel checks the panel of judges assigned to one sub-criterion
// against the panel rules of DESIGN §5 and returns every problem found, or
// nil when the panel is acceptable:
//
//   - size: a panel has 3 judges (the default) or 5;
//   - duplicate_judge: no judge, identified by ID, sits on it twice (one
//     problem per repeated ID);
//   - single_region: where the judges serving the skill come from two or
//     more regions, the panel includes judges of at least two regions.
//
// skillJudgeRegions lists the regions of the judges serving the skill
// (repetitions and blanks are ignored); the panel's own regions are added to
// it, since a panel's judges serve the skill too.
func CheckPanel(panel []PanelJudge, skillJudgeRegions []Region) []PanelProblem {
	var problems []PanelProblem

	if n := len(panel); n != DefaultPanelSize && n != LargePanelSize {
		problems = append(problems, PanelProblem{
			Code:    ProblemSize,
			Message: fmt.Sprintf("a panel must have %d or %d judges, not %d", DefaultPanelSize, LargePanelSize, n),
		})
	}

	count := make(map[int64]int, len(panel))
	for _, j := range panel {
		count[j.ID]++
		if count[j.ID] == 2 { // report each repeated judge once, in panel order
			problems = append(problems, PanelProblem{
				Code:    ProblemDuplicateJudge,
				Message: fmt.Sprintf("judge %d appears more than once in the panel", j.ID),
			})
		}
	}

	panelRegions := make(map[Region]struct{}, len(panel))
	skillRegions := make(map[Region]struct{}, len(skillJudgeRegions)+len(panel))
	for _, j := range panel {
		panelRegions[j.Region] = struct{}{}
		skillRegions[j.Region] = struct{}{}
	}
	for _, r := range skillJudgeRegions {
		skillRegions[r] = struct{}{}
	}
	if distinctRegions(skillRegions) >= 2 && distinctRegions(panelRegions) < 2 {
		problems = append(problems, PanelProblem{
			Code:    ProblemSingleRegion,
			Message: "the skill has judges from two or more regions, so the panel must include judges from at least two regions",
		})
	}

	return problems
}

// EligibleJudges returns, in panel order, the judges of panel who may mark
// competitor under rule, that is those not Conflicted with the competitor
// (DESIGN §5, conflict of interest). The result is a new slice; panel is not
// modified. It is empty (not nil) when every judge is conflicted.
func EligibleJudges(rule ConflictRule, panel []PanelJudge, competitor Person) []PanelJudge {
	eligible := make([]PanelJudge, 0, len(panel))
	for _, j := range panel {
		if !Conflicted(rule, j.Person, competitor) {
			eligible = append(eligible, j)
		}
	}
	return eligible
}

// CanMark reports whether at least minJudges judges of panel may mark
// competitor under rule. A panel where too few judges remain once conflicted
// judges stand aside cannot mark that competitor, and the organizer has to
// reassign (DESIGN §5: panels and conflict of interest). minJudges is the
// event's policy; DefaultPanelSize is the natural choice.
func CanMark(rule ConflictRule, panel []PanelJudge, competitor Person, minJudges int) bool {
	return len(EligibleJudges(rule, panel, competitor)) >= minJudges
}
