package scoring

import (
	"errors"
	"fmt"
	"math/big"
)

// Judgement scores are integers from 0 to 3 (DESIGN §5, WorldSkills: "each
// panel judge gives an integer 0–3").
const (
	minJudgementScore = 0
	maxJudgementScore = 3
)

// Aggregation is how a panel's judgement scores combine into one aggregate
// (DESIGN §5, judgement aggregation).
type Aggregation string

// The aggregations of DESIGN §5: "mean of the panel's scores (default), or
// trimmed mean (drop highest and lowest, for panels of 5)". The empty
// Aggregation means Mean.
const (
	// Mean is the arithmetic mean of the panel's scores; the default.
	Mean Aggregation = "mean"
	// TrimmedMean drops one highest and one lowest score before taking the
	// mean. It is meant for panels of 5; see AggregateScores for smaller
	// panels.
	TrimmedMean Aggregation = "trimmed_mean"
)

// ParseAggregation turns a configured value into an Aggregation. The empty
// string yields the default, Mean (DESIGN §5); any value other than "mean"
// or "trimmed_mean" is an error, so that a typo in a skill's configuration
// is refused rather than silently changing how marks are computed.
func ParseAggregation(s string) (Aggregation, error) {
	switch Aggregation(s) {
	case "", Mean:
		return Mean, nil
	case TrimmedMean:
		return TrimmedMean, nil
	}
	return "", fmt.Errorf("aggregation must be %q or %q", Mean, TrimmedMean)
}

// DefaultDivergenceLimit is D of DESIGN §5's divergence rule: "if max − min
// of the scores exceeds D (default 1), the aspect is flagged".
const DefaultDivergenceLimit = 1

// MarkingRules are a skill's marking options (DESIGN §5: judgement
// aggregation, the divergence rule, and single or double measurement entry).
// Use DefaultMarkingRules for the defaults: the zero value has a divergence
// limit of 0, which demands that all judges agree.
type MarkingRules struct {
	// Aggregation combines judgement scores; the empty value means Mean.
	Aggregation Aggregation
	// DivergenceLimit is D: a judgement aspect's scores may differ by at
	// most this much (default 1); 0 means all must agree. Negative is
	// invalid.
	DivergenceLimit int
	// SingleEntry lets M aspects be complete after one judge's entry,
	// instead of the default double entry (DESIGN §5: "Single entry is a
	// per-skill option").
	SingleEntry bool
}

// DefaultMarkingRules returns the defaults of DESIGN §5: mean aggregation,
// divergence limit D = 1, and double entry for measurement aspects.
func DefaultMarkingRules() MarkingRules {
	return MarkingRules{Aggregation: Mean, DivergenceLimit: DefaultDivergenceLimit}
}

// validate refuses rules that no skill should be configured with, so that a
// bad configuration is reported whatever state the marks are in.
func (r MarkingRules) validate() error {
	if _, err := ParseAggregation(string(r.Aggregation)); err != nil {
		return err
	}
	if r.DivergenceLimit < 0 {
		return fmt.Errorf("divergence limit must not be negative, got %d", r.DivergenceLimit)
	}
	return nil
}

// minMax returns the smallest and largest of scores, which must not be
// empty.
func minMax(scores []int) (lo, hi int) {
	lo, hi = scores[0], scores[0]
	for _, s := range scores[1:] {
		lo, hi = min(lo, s), max(hi, s)
	}
	return lo, hi
}

// Diverges reports whether max − min of scores exceeds limit: DESIGN §5's
// divergence rule, under which such an aspect "is flagged and cannot be
// signed off until the judges re-score". No scores at all do not diverge.
func Diverges(scores []int, limit int) bool {
	if len(scores) == 0 {
		return false
	}
	lo, hi := minMax(scores)
	return hi-lo > limit
}

// checkJudgementScore returns an error unless s is a judgement score, an
// integer 0–3 (DESIGN §5).
func checkJudgementScore(s int64) error {
	if s < minJudgementScore || s > maxJudgementScore {
		return fmt.Errorf("judgement score must be %d to %d, got %d", minJudgementScore, maxJudgementScore, s)
	}
	return nil
}

// AggregateScores combines a panel's judgement scores as DESIGN §5 says:
// the mean of the scores, or, for TrimmedMean, the mean after dropping one
// highest and one lowest score. The trimmed mean is defined for panels of 5
// ("drop highest and lowest, for panels of 5"); with 5 or more scores it
// trims, and with fewer than 5 scores TrimmedMean falls back to the plain
// mean, since trimming a panel of 3 would leave a single judge's score. The
// empty Aggregation means Mean.
//
// The result is exact (a fraction, never a float), so that marks computed
// from it are reproducible (DESIGN §6). It is an error to pass no scores, a
// score outside 0–3, or an unknown Aggregation.
func AggregateScores(scores []int, how Aggregation) (*big.Rat, error) {
	if _, err := ParseAggregation(string(how)); err != nil {
		return nil, err
	}
	if len(scores) == 0 {
		return nil, errors.New("no judgement scores to aggregate")
	}
	var sum int64
	for _, s := range scores {
		if err := checkJudgementScore(int64(s)); err != nil {
			return nil, err
		}
		sum += int64(s)
	}
	n := int64(len(scores))
	if how == TrimmedMean && n >= LargePanelSize {
		lo, hi := minMax(scores)
		sum -= int64(lo) + int64(hi)
		n -= 2
	}
	return big.NewRat(sum, n), nil
}

// JudgementMark returns a judgement aspect's mark in hundredths of a mark,
// exactly: DESIGN §5, "Aspect mark = max mark × aggregate / 3", with the
// aggregate from AggregateScores. maxCenti is the aspect's max mark in
// hundredths and must not be negative. The result is a fraction (400/3 for a
// 1.50-mark aspect scored 2, 3, 3); rounding happens only for display
// (DESIGN §6).
func JudgementMark(maxCenti int64, scores []int, how Aggregation) (*big.Rat, error) {
	if maxCenti < 0 {
		return nil, fmt.Errorf("max mark must not be negative, got %d hundredths", maxCenti)
	}
	agg, err := AggregateScores(scores, how)
	if err != nil {
		return nil, err
	}
	mark := new(big.Rat).Mul(big.NewRat(maxCenti, maxJudgementScore), agg)
	return mark, nil
}

// AspectState is where one aspect of one entry (competitor or team) stands
// in marking (DESIGN §5: divergence rule, double entry, sign-off).
type AspectState string

// The states of an aspect. Only StateComplete allows sign-off; of the
// others, StateDivergent and StateDisagreement are flagged (see Flagged).
const (
	// StateMissing: some expected judge has not marked yet.
	StateMissing AspectState = "missing"
	// StateAwaiting: an M aspect under double entry has one entry and waits
	// for a second judge to confirm it independently.
	StateAwaiting AspectState = "awaiting_confirmation"
	// StateDivergent: a J aspect has all its scores, but max − min exceeds
	// the divergence limit D, so the judges must re-score.
	StateDivergent AspectState = "divergent"
	// StateDisagreement: an M aspect's entries differ.
	StateDisagreement AspectState = "disagreement"
	// StateComplete: the aspect has its mark.
	StateComplete AspectState = "complete"
)

// Flagged reports whether s blocks sign-off for a reason the judges must
// resolve rather than merely finish: a divergent judgement ("flagged and
// cannot be signed off until the judges re-score") or a measurement
// disagreement ("a disagreement is flagged"), both DESIGN §5.
func (s AspectState) Flagged() bool {
	return s == StateDivergent || s == StateDisagreement
}

// JudgeMark is one judge's mark on one aspect of one entry. Value is the
// score 0–3 for a J aspect, or the hundredths of a mark awarded for an M
// aspect.
type JudgeMark struct {
	Judge int64
	Value int64
}

// AspectOutcome is the evaluation of one aspect of one entry against the
// marking rules of DESIGN §5.
type AspectOutcome struct {
	// State is where the aspect stands.
	State AspectState
	// Missing lists, in expected order, the judges who still have to score
	// a J aspect; it is empty for M aspects, which need any one or two
	// judges rather than particular ones.
	Missing []int64
	// Value is the aspect's mark in hundredths when State is
	// StateComplete, and nil otherwise.
	Value *big.Rat
}

// expectedMarks returns the marks of the judges in expected, by judge. Marks
// by other judges are left out. It is an error for expected to be empty or
// to list a judge twice, or for an expected judge to have more than one
// mark: one judge holds one mark per aspect and entry, so two would mean the
// caller's data is wrong, and picking one would hide it.
func expectedMarks(expected []int64, marks []JudgeMark) (map[int64]int64, error) {
	if len(expected) == 0 {
		return nil, errors.New("no judges are expected to mark this aspect")
	}
	want := make(map[int64]bool, len(expected))
	for _, j := range expected {
		if want[j] {
			return nil, fmt.Errorf("judge %d is expected twice", j)
		}
		want[j] = true
	}
	got := make(map[int64]int64, len(expected))
	for _, m := range marks {
		if !want[m.Judge] {
			continue
		}
		if _, dup := got[m.Judge]; dup {
			return nil, fmt.Errorf("judge %d has more than one mark on this aspect", m.Judge)
		}
		got[m.Judge] = m.Value
	}
	return got, nil
}

// EvaluateJudgement evaluates a J aspect of one entry (DESIGN §5: judgement
// aggregation and the divergence rule). expected lists the judges who must
// score this entry: the panel minus the judges conflicted with it. Marks by
// judges not in expected are ignored: they come from a judge who has since
// become conflicted or left the panel, and such a mark must count neither
// towards the aspect nor against its completion.
//
// The aspect is StateMissing, with the judges still to score in expected
// order, while any expected judge lacks a mark; otherwise StateDivergent if
// the scores diverge by more than rules.DivergenceLimit; otherwise
// StateComplete with the JudgementMark for maxCenti. It is an error for
// expected to be empty or repeat a judge, for an expected judge to have two
// marks, for a mark to lie outside 0–3, or for rules to be invalid.
func EvaluateJudgement(maxCenti int64, expected []int64, marks []JudgeMark, rules MarkingRules) (AspectOutcome, error) {
	if err := rules.validate(); err != nil {
		return AspectOutcome{}, err
	}
	got, err := expectedMarks(expected, marks)
	if err != nil {
		return AspectOutcome{}, err
	}
	var scores []int
	var missing []int64
	for _, j := range expected {
		v, ok := got[j]
		if !ok {
			missing = append(missing, j)
			continue
		}
		if err := checkJudgementScore(v); err != nil {
			return AspectOutcome{}, fmt.Errorf("judge %d: %w", j, err)
		}
		scores = append(scores, int(v))
	}
	if len(missing) > 0 {
		return AspectOutcome{State: StateMissing, Missing: missing}, nil
	}
	if Diverges(scores, rules.DivergenceLimit) {
		return AspectOutcome{State: StateDivergent}, nil
	}
	mark, err := JudgementMark(maxCenti, scores, rules.Aggregation)
	if err != nil {
		return AspectOutcome{}, err
	}
	return AspectOutcome{State: StateComplete, Value: mark}, nil
}

// EvaluateMeasurement evaluates an M aspect of one entry (DESIGN §5: "one
// judge enters, a second judge confirms independently (double entry); a
// disagreement is flagged. Single entry is a per-skill option"). Only
// entries by judges in expected count, for the reason given at
// EvaluateJudgement, and each judge counts once.
//
// With no entry the aspect is StateMissing. With one entry it is
// StateComplete under rules.SingleEntry, and otherwise StateAwaiting. With
// two or more entries it is StateComplete if they are all equal and
// StateDisagreement if not; under single entry too, since a second judge's
// differing entry is a disagreement all the same. A complete aspect's Value
// is the agreed entry. It is an error for expected to be empty or repeat a
// judge, for an expected judge to have two entries, for an entry to lie
// outside 0..maxCenti, or for rules to be invalid.
func EvaluateMeasurement(maxCenti int64, expected []int64, marks []JudgeMark, rules MarkingRules) (AspectOutcome, error) {
	if err := rules.validate(); err != nil {
		return AspectOutcome{}, err
	}
	if maxCenti < 0 {
		return AspectOutcome{}, fmt.Errorf("max mark must not be negative, got %d hundredths", maxCenti)
	}
	got, err := expectedMarks(expected, marks)
	if err != nil {
		return AspectOutcome{}, err
	}
	var values []int64
	for _, j := range expected {
		v, ok := got[j]
		if !ok {
			continue
		}
		if v < 0 || v > maxCenti {
			return AspectOutcome{}, fmt.Errorf("judge %d: measurement must be 0 to %d hundredths, got %d", j, maxCenti, v)
		}
		values = append(values, v)
	}
	switch {
	case len(values) == 0:
		return AspectOutcome{State: StateMissing}, nil
	case len(values) == 1 && !rules.SingleEntry:
		return AspectOutcome{State: StateAwaiting}, nil
	}
	for _, v := range values[1:] {
		if v != values[0] {
			return AspectOutcome{State: StateDisagreement}, nil
		}
	}
	return AspectOutcome{State: StateComplete, Value: big.NewRat(values[0], 1)}, nil
}

// SubCriterionState summarises the aspects of one sub-criterion for one
// entry, which is what the panel signs off (DESIGN §5: "when a competitor's
// sub-criterion is complete and unflagged, its panel signs it off").
type SubCriterionState struct {
	// Complete is true when every aspect is complete: the panel may sign
	// off.
	Complete bool
	// Missing counts the aspects missing a mark or awaiting confirmation.
	Missing int
	// Flagged counts the aspects divergent or in disagreement.
	Flagged int
}

// SummarizeSubCriterion summarises the outcomes of a sub-criterion's
// aspects for one entry, for the sign-off rule of DESIGN §5. A
// sub-criterion with no aspects is not complete: there is nothing to sign
// off, and a scheme without aspects is a mistake to surface, not to lock.
func SummarizeSubCriterion(outcomes []AspectOutcome) SubCriterionState {
	sum := SubCriterionState{Complete: len(outcomes) > 0}
	for _, o := range outcomes {
		switch {
		case o.State == StateMissing || o.State == StateAwaiting:
			sum.Missing++
		case o.State.Flagged():
			sum.Flagged++
		}
		if o.State != StateComplete {
			sum.Complete = false
		}
	}
	return sum
}
