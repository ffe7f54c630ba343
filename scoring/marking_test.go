package scoring

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// markRat is a shorthand for the exact fraction a/b in test tables.
func markRat(a, b int64) *big.Rat { return big.NewRat(a, b) }

// sameMarkRat reports whether a and b are both nil or both the same number.
func sameMarkRat(a, b *big.Rat) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}

// markRatString prints a possibly nil *big.Rat for failure messages.
func markRatString(r *big.Rat) string {
	if r == nil {
		return "<nil>"
	}
	return r.RatString()
}

func TestMarkingParseAggregation(t *testing.T) {
	tests := []struct {
		in      string
		want    Aggregation
		wantErr bool
	}{
		{"", Mean, false},
		{"mean", Mean, false},
		{"trimmed_mean", TrimmedMean, false},
		{"Mean", "", true},
		{"median", "", true},
		{" mean", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseAggregation(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseAggregation(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseAggregation(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDefaultMarkingRules(t *testing.T) {
	got := DefaultMarkingRules()
	want := MarkingRules{Aggregation: Mean, DivergenceLimit: 1, SingleEntry: false}
	if got != want {
		t.Fatalf("DefaultMarkingRules() = %+v, want %+v", got, want)
	}
}

func TestDiverges(t *testing.T) {
	tests := []struct {
		name   string
		scores []int
		limit  int
		want   bool
	}{
		{"spread 2 over D=1", []int{1, 3}, 1, true},
		{"spread 1 within D=1", []int{2, 3}, 1, false},
		{"all equal with D=0", []int{2, 2, 2}, 0, false},
		{"spread 1 over D=0", []int{2, 3}, 0, true},
		{"spread 3 within D=3", []int{0, 3, 1}, 3, false},
		{"extremes in the middle", []int{2, 0, 3, 2, 2}, 2, true},
		{"single score", []int{3}, 0, false},
		{"no scores", nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Diverges(tc.scores, tc.limit); got != tc.want {
				t.Errorf("Diverges(%v, %d) = %v, want %v", tc.scores, tc.limit, got, tc.want)
			}
		})
	}
}

func TestAggregateScores(t *testing.T) {
	tests := []struct {
		name    string
		scores  []int
		how     Aggregation
		want    *big.Rat
		wantErr bool
	}{
		{"mean of 2,3,3", []int{2, 3, 3}, Mean, markRat(8, 3), false},
		{"empty aggregation is mean", []int{2, 3, 3}, "", markRat(8, 3), false},
		{"trimmed mean of 0,2,2,3,3", []int{0, 2, 2, 3, 3}, TrimmedMean, markRat(7, 3), false},
		{"trimmed mean, unsorted", []int{3, 2, 0, 3, 2}, TrimmedMean, markRat(7, 3), false},
		{"mean of 0,2,2,3,3", []int{0, 2, 2, 3, 3}, Mean, markRat(2, 1), false},
		{"trimmed mean of 3 scores is the mean", []int{1, 2, 3}, TrimmedMean, markRat(2, 1), false},
		{"trimmed mean of 3 uneven scores is the mean", []int{0, 0, 3}, TrimmedMean, markRat(1, 1), false},
		{"trimmed mean of 4 scores is the mean", []int{0, 1, 1, 3}, TrimmedMean, markRat(5, 4), false},
		{"trimmed mean of 6 drops one of each end", []int{0, 1, 1, 1, 1, 3}, TrimmedMean, markRat(1, 1), false},
		{"all equal, mean", []int{2, 2, 2}, Mean, markRat(2, 1), false},
		{"all equal, trimmed", []int{1, 1, 1, 1, 1}, TrimmedMean, markRat(1, 1), false},
		{"all zero", []int{0, 0, 0}, Mean, markRat(0, 1), false},
		{"single score", []int{3}, Mean, markRat(3, 1), false},
		{"no scores", nil, Mean, nil, true},
		{"score above 3", []int{2, 4, 3}, Mean, nil, true},
		{"negative score", []int{2, -1, 3}, TrimmedMean, nil, true},
		{"unknown aggregation", []int{2, 3, 3}, "median", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AggregateScores(tc.scores, tc.how)
			if (err != nil) != tc.wantErr {
				t.Fatalf("AggregateScores(%v, %q) error = %v, want error %v", tc.scores, tc.how, err, tc.wantErr)
			}
			if !sameMarkRat(got, tc.want) {
				t.Errorf("AggregateScores(%v, %q) = %s, want %s", tc.scores, tc.how, markRatString(got), markRatString(tc.want))
			}
		})
	}
}

func TestJudgementMark(t *testing.T) {
	tests := []struct {
		name     string
		maxCenti int64
		scores   []int
		how      Aggregation
		want     *big.Rat
		wantErr  bool
	}{
		// 150 × (8/3) / 3 = 1200/9 = 400/3 hundredths.
		{"1.5 marks, mean of 2,3,3", 150, []int{2, 3, 3}, Mean, markRat(400, 3), false},
		// 300 × (7/3) / 3 = 700/3.
		{"3 marks, trimmed 0,2,2,3,3", 300, []int{0, 2, 2, 3, 3}, TrimmedMean, markRat(700, 3), false},
		{"all 3 gives the max", 150, []int{3, 3, 3}, Mean, markRat(150, 1), false},
		{"all 0 gives nothing", 150, []int{0, 0, 0}, Mean, markRat(0, 1), false},
		{"all 2 gives two thirds", 300, []int{2, 2, 2}, Mean, markRat(200, 1), false},
		{"zero max", 0, []int{3, 2, 3}, Mean, markRat(0, 1), false},
		{"negative max", -100, []int{3, 3, 3}, Mean, nil, true},
		{"bad score", 150, []int{3, 3, 9}, Mean, nil, true},
		{"no scores", 150, nil, Mean, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := JudgementMark(tc.maxCenti, tc.scores, tc.how)
			if (err != nil) != tc.wantErr {
				t.Fatalf("JudgementMark(%d, %v, %q) error = %v, want error %v", tc.maxCenti, tc.scores, tc.how, err, tc.wantErr)
			}
			if !sameMarkRat(got, tc.want) {
				t.Errorf("JudgementMark(%d, %v, %q) = %s, want %s", tc.maxCenti, tc.scores, tc.how, markRatString(got), markRatString(tc.want))
			}
		})
	}
}

func TestMarkingAspectStateFlagged(t *testing.T) {
	tests := []struct {
		state AspectState
		want  bool
	}{
		{StateMissing, false},
		{StateAwaiting, false},
		{StateDivergent, true},
		{StateDisagreement, true},
		{StateComplete, false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(string(tc.state), func(t *testing.T) {
			if got := tc.state.Flagged(); got != tc.want {
				t.Errorf("%q.Flagged() = %v, want %v", tc.state, got, tc.want)
			}
		})
	}
}

// checkOutcome compares an outcome field by field, Value numerically.
func checkOutcome(t *testing.T, got, want AspectOutcome) {
	t.Helper()
	if got.State != want.State {
		t.Errorf("State = %q, want %q", got.State, want.State)
	}
	if !reflect.DeepEqual(got.Missing, want.Missing) {
		t.Errorf("Missing = %v, want %v", got.Missing, want.Missing)
	}
	if !sameMarkRat(got.Value, want.Value) {
		t.Errorf("Value = %s, want %s", markRatString(got.Value), markRatString(want.Value))
	}
}

// marksOf builds JudgeMarks from alternating judge, value pairs.
func marksOf(pairs ...int64) []JudgeMark {
	marks := make([]JudgeMark, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		marks = append(marks, JudgeMark{Judge: pairs[i], Value: pairs[i+1]})
	}
	return marks
}

func TestEvaluateJudgement(t *testing.T) {
	def := DefaultMarkingRules()
	strict := MarkingRules{Aggregation: Mean, DivergenceLimit: 0}
	loose := MarkingRules{Aggregation: Mean, DivergenceLimit: 2}
	trimmed := MarkingRules{Aggregation: TrimmedMean, DivergenceLimit: 3}
	panel := []int64{10, 20, 30}

	tests := []struct {
		name     string
		maxCenti int64
		expected []int64
		marks    []JudgeMark
		rules    MarkingRules
		want     AspectOutcome
		wantErr  bool
	}{
		{"no marks yet", 150, panel, nil, def,
			AspectOutcome{State: StateMissing, Missing: []int64{10, 20, 30}}, false},
		{"missing listed in expected order", 150, []int64{30, 10, 20}, marksOf(20, 2), def,
			AspectOutcome{State: StateMissing, Missing: []int64{30, 10}}, false},
		{"missing wins over divergence", 150, panel, marksOf(10, 0, 20, 3), def,
			AspectOutcome{State: StateMissing, Missing: []int64{30}}, false},
		{"non-expected mark does not fill a gap", 150, panel, marksOf(10, 2, 20, 3, 99, 3), def,
			AspectOutcome{State: StateMissing, Missing: []int64{30}}, false},
		{"complete, mean of 2,3,3", 150, panel, marksOf(30, 3, 10, 2, 20, 3), def,
			AspectOutcome{State: StateComplete, Value: markRat(400, 3)}, false},
		{"non-expected marks ignored", 150, panel, marksOf(10, 2, 77, 0, 20, 3, 30, 3, 88, 9), def,
			AspectOutcome{State: StateComplete, Value: markRat(400, 3)}, false},
		{"conflicted judge's divergent score ignored", 300, []int64{10, 30}, marksOf(10, 3, 20, 0, 30, 3), def,
			AspectOutcome{State: StateComplete, Value: markRat(300, 1)}, false},
		{"divergent under D=1", 150, panel, marksOf(10, 1, 20, 3, 30, 3), def,
			AspectOutcome{State: StateDivergent}, false},
		{"same scores complete under D=2", 150, panel, marksOf(10, 1, 20, 3, 30, 3), loose,
			AspectOutcome{State: StateComplete, Value: markRat(350, 3)}, false},
		{"D=0, all agree", 200, panel, marksOf(10, 2, 20, 2, 30, 2), strict,
			AspectOutcome{State: StateComplete, Value: markRat(400, 3)}, false},
		{"D=0, one differs", 200, panel, marksOf(10, 2, 20, 3, 30, 2), strict,
			AspectOutcome{State: StateDivergent}, false},
		{"zero-value rules: mean, D=0", 200, panel, marksOf(10, 1, 20, 1, 30, 1), MarkingRules{},
			AspectOutcome{State: StateComplete, Value: markRat(200, 3)}, false},
		{"panel of 5, trimmed", 300, []int64{1, 2, 3, 4, 5}, marksOf(1, 0, 2, 2, 3, 2, 4, 3, 5, 3), trimmed,
			AspectOutcome{State: StateComplete, Value: markRat(700, 3)}, false},
		{"panel of 5 reduced to 4 by conflict, trimmed falls back to mean", 300, []int64{1, 2, 3, 4},
			marksOf(1, 0, 2, 2, 3, 3, 4, 3, 5, 3), trimmed,
			AspectOutcome{State: StateComplete, Value: markRat(200, 1)}, false},
		{"no expected judges", 150, nil, marksOf(10, 2), def, AspectOutcome{}, true},
		{"score above 3", 150, panel, marksOf(10, 2, 20, 4, 30, 3), def, AspectOutcome{}, true},
		{"negative score while others missing", 150, panel, marksOf(10, -1), def, AspectOutcome{}, true},
		{"judge expected twice", 150, []int64{10, 20, 10}, nil, def, AspectOutcome{}, true},
		{"two marks by one judge", 150, panel, marksOf(10, 2, 10, 3), def, AspectOutcome{}, true},
		{"negative divergence limit", 150, panel, nil, MarkingRules{DivergenceLimit: -1}, AspectOutcome{}, true},
		{"unknown aggregation", 150, panel, nil, MarkingRules{Aggregation: "median", DivergenceLimit: 1}, AspectOutcome{}, true},
		{"negative max", -150, panel, marksOf(10, 2, 20, 2, 30, 2), def, AspectOutcome{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EvaluateJudgement(tc.maxCenti, tc.expected, tc.marks, tc.rules)
			if (err != nil) != tc.wantErr {
				t.Fatalf("EvaluateJudgement error = %v, want error %v", err, tc.wantErr)
			}
			checkOutcome(t, got, tc.want)
		})
	}
}

func TestEvaluateMeasurement(t *testing.T) {
	double := DefaultMarkingRules()
	single := DefaultMarkingRules()
	single.SingleEntry = true
	panel := []int64{10, 20, 30}

	tests := []struct {
		name     string
		maxCenti int64
		expected []int64
		marks    []JudgeMark
		rules    MarkingRules
		want     AspectOutcome
		wantErr  bool
	}{
		{"double, no entry", 200, panel, nil, double, AspectOutcome{State: StateMissing}, false},
		{"double, one entry", 200, panel, marksOf(20, 150), double, AspectOutcome{State: StateAwaiting}, false},
		{"double, two equal entries", 200, panel, marksOf(20, 150, 10, 150), double,
			AspectOutcome{State: StateComplete, Value: markRat(150, 1)}, false},
		{"double, two differing entries", 200, panel, marksOf(20, 150, 10, 200), double,
			AspectOutcome{State: StateDisagreement}, false},
		{"double, three entries, one differs", 200, panel, marksOf(10, 0, 20, 0, 30, 200), double,
			AspectOutcome{State: StateDisagreement}, false},
		{"double, non-expected confirmation ignored", 200, panel, marksOf(10, 150, 99, 150), double,
			AspectOutcome{State: StateAwaiting}, false},
		{"double, full mark and zero both allowed", 200, panel, marksOf(10, 200, 20, 200), double,
			AspectOutcome{State: StateComplete, Value: markRat(200, 1)}, false},
		{"double, agreed zero", 200, panel, marksOf(10, 0, 20, 0), double,
			AspectOutcome{State: StateComplete, Value: markRat(0, 1)}, false},
		{"single, no entry", 200, panel, nil, single, AspectOutcome{State: StateMissing}, false},
		{"single, one entry", 200, panel, marksOf(30, 75), single,
			AspectOutcome{State: StateComplete, Value: markRat(75, 1)}, false},
		{"single, two equal entries", 200, panel, marksOf(30, 75, 10, 75), single,
			AspectOutcome{State: StateComplete, Value: markRat(75, 1)}, false},
		{"single, two differing entries", 200, panel, marksOf(30, 75, 10, 100), single,
			AspectOutcome{State: StateDisagreement}, false},
		{"value above max", 200, panel, marksOf(10, 201), double, AspectOutcome{}, true},
		{"value above max, single", 200, panel, marksOf(10, 201), single, AspectOutcome{}, true},
		{"negative value", 200, panel, marksOf(10, -1, 20, -1), double, AspectOutcome{}, true},
		{"non-expected value above max ignored", 200, panel, marksOf(99, 999), double,
			AspectOutcome{State: StateMissing}, false},
		{"no expected judges", 200, nil, marksOf(10, 100), single, AspectOutcome{}, true},
		{"two entries by one judge", 200, panel, marksOf(10, 100, 10, 100), double, AspectOutcome{}, true},
		{"negative max", -1, panel, nil, double, AspectOutcome{}, true},
		{"negative divergence limit", 200, panel, nil, MarkingRules{DivergenceLimit: -2}, AspectOutcome{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EvaluateMeasurement(tc.maxCenti, tc.expected, tc.marks, tc.rules)
			if (err != nil) != tc.wantErr {
				t.Fatalf("EvaluateMeasurement error = %v, want error %v", err, tc.wantErr)
			}
			checkOutcome(t, got, tc.want)
		})
	}
}

func TestSummarizeSubCriterion(t *testing.T) {
	complete := AspectOutcome{State: StateComplete, Value: markRat(100, 1)}
	tests := []struct {
		name     string
		outcomes []AspectOutcome
		want     SubCriterionState
	}{
		{"all complete", []AspectOutcome{complete, complete}, SubCriterionState{Complete: true}},
		{"no aspects", nil, SubCriterionState{}},
		{"one missing", []AspectOutcome{complete, {State: StateMissing, Missing: []int64{4}}},
			SubCriterionState{Missing: 1}},
		{"awaiting counts as missing", []AspectOutcome{{State: StateAwaiting}, complete, {State: StateMissing}},
			SubCriterionState{Missing: 2}},
		{"flagged", []AspectOutcome{{State: StateDivergent}, {State: StateDisagreement}, complete},
			SubCriterionState{Flagged: 2}},
		{"mixed", []AspectOutcome{{State: StateDivergent}, {State: StateAwaiting}, complete, {State: StateMissing}},
			SubCriterionState{Missing: 2, Flagged: 1}},
		{"unknown state is not complete", []AspectOutcome{complete, {State: "weird"}}, SubCriterionState{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SummarizeSubCriterion(tc.outcomes); got != tc.want {
				t.Errorf("SummarizeSubCriterion = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// randomScores returns n judgement scores drawn uniformly from 0–3.
func randomScores(rng *rand.Rand, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = rng.IntN(maxJudgementScore + 1)
	}
	return s
}

// TestMarkingProperties checks, over many random panels of 1 to 7 judges,
// that:
//   - either aggregate lies between the smallest and largest score;
//   - the judgement mark lies between 0 and the aspect's max mark;
//   - the mean does not depend on the order of the scores;
//   - the trimmed mean of 5 scores is the mean of the middle three;
//   - Diverges(scores, D) == (max − min > D).
func TestMarkingProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 5))
	for i := 0; i < 20000; i++ {
		scores := randomScores(rng, 1+rng.IntN(7))
		sorted := slices.Sorted(slices.Values(scores))
		lo, hi := sorted[0], sorted[len(sorted)-1]

		for _, how := range []Aggregation{Mean, TrimmedMean} {
			agg, err := AggregateScores(scores, how)
			if err != nil {
				t.Fatalf("AggregateScores(%v, %q) error = %v", scores, how, err)
			}
			if agg.Cmp(markRat(int64(lo), 1)) < 0 || agg.Cmp(markRat(int64(hi), 1)) > 0 {
				t.Fatalf("AggregateScores(%v, %q) = %s, want within [%d, %d]", scores, how, agg.RatString(), lo, hi)
			}

			maxCenti := rng.Int64N(10001)
			mark, err := JudgementMark(maxCenti, scores, how)
			if err != nil {
				t.Fatalf("JudgementMark(%d, %v, %q) error = %v", maxCenti, scores, how, err)
			}
			if mark.Sign() < 0 || mark.Cmp(markRat(maxCenti, 1)) > 0 {
				t.Fatalf("JudgementMark(%d, %v, %q) = %s, want within [0, %d]", maxCenti, scores, how, mark.RatString(), maxCenti)
			}
		}

		mean, _ := AggregateScores(scores, Mean)
		shuffled := slices.Clone(scores)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if got, _ := AggregateScores(shuffled, Mean); got.Cmp(mean) != 0 {
			t.Fatalf("mean of %v = %s, of its permutation %v = %s, want equal", scores, mean.RatString(), shuffled, got.RatString())
		}

		d := rng.IntN(4)
		if got, want := Diverges(scores, d), hi-lo > d; got != want {
			t.Fatalf("Diverges(%v, %d) = %v, want %v", scores, d, got, want)
		}
	}
}

// TestAggregateTrimmedMeanOfFiveProperty checks, over many random panels of 5, that
// the trimmed mean equals the mean of the middle three scores once sorted.
func TestAggregateTrimmedMeanOfFiveProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 6))
	for i := 0; i < 5000; i++ {
		scores := randomScores(rng, LargePanelSize)
		got, err := AggregateScores(scores, TrimmedMean)
		if err != nil {
			t.Fatalf("AggregateScores(%v, trimmed) error = %v", scores, err)
		}
		want, err := AggregateScores(slices.Sorted(slices.Values(scores))[1:4], Mean)
		if err != nil {
			t.Fatalf("AggregateScores(middle of %v, mean) error = %v", scores, err)
		}
		if got.Cmp(want) != 0 {
			t.Fatalf("trimmed mean of %v = %s, want %s (mean of the middle three)", scores, got.RatString(), want.RatString())
		}
	}
}
