package scoring

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// unitScores builds the scores of one unit: judge ids and scores alternate.
func unitScores(unit string, judgeScore ...int) []UnitScore {
	var out []UnitScore
	for i := 0; i+1 < len(judgeScore); i += 2 {
		out = append(out, UnitScore{Unit: unit, Judge: int64(judgeScore[i]), Score: judgeScore[i+1]})
	}
	return out
}

// reliabilityData turns a table of reliability data (one row per judge, one
// column per unit, missing for no score) into scores: row i is judge i+1,
// column u is unit "u<u+1>".
func reliabilityData(missing int, rows ...[]int) []UnitScore {
	var out []UnitScore
	for i, row := range rows {
		for u, v := range row {
			if v != missing {
				out = append(out, UnitScore{Unit: fmt.Sprintf("u%02d", u+1), Judge: int64(i + 1), Score: v})
			}
		}
	}
	return out
}

// handExample is the small case of TestKrippendorffAlphaOrdinal, worked by
// hand there: three units scored by judges 1–3, one score missing.
//
//	unit   judge 1  judge 2  judge 3
//	u1        0        1        1
//	u2        2        2        3
//	u3        1        2        –
func handExample() []UnitScore {
	return reliabilityData(-1,
		[]int{0, 2, 1},
		[]int{1, 2, 2},
		[]int{1, 3, -1},
	)
}

// krippendorff2011 is the reliability data of Krippendorff (2011),
// "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units,
// values 1–5, with missing data (0 here). Unit 12 has one value only and is
// not pairable, leaving n = 40 pairable values. The published coefficients
// are nominal 0.743, ordinal 0.815, interval 0.849 and ratio 0.797.
func krippendorff2011() []UnitScore {
	return reliabilityData(0,
		[]int{1, 2, 3, 3, 2, 1, 4, 1, 2, 0, 0, 0},
		[]int{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, 0, 3},
		[]int{0, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 0},
		[]int{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, 0},
	)
}

func TestKrippendorffAlphaOrdinal(t *testing.T) {
	tests := []struct {
		name         string
		scores       []UnitScore
		want         float64
		tolerance    float64
		wantPairable int
		wantOK       bool
	}{
		{
			name: "perfect agreement",
			scores: slices.Concat(
				unitScores("u1", 1, 0, 2, 0, 3, 0),
				unitScores("u2", 1, 2, 2, 2),
				unitScores("u3", 1, 3, 2, 3, 3, 3),
			),
			want: 1, wantPairable: 8, wantOK: true,
		},
		{
			// handExample, by hand. Pairable values n = 3 + 3 + 2 = 8.
			//
			// Coincidence matrix: every ordered pair of values of a unit
			// adds 1/(m_u − 1).
			//   u1 {0,1,1}, m=3, weight 1/2: (0,1)×2, (1,0)×2, (1,1)×2
			//      → o01 += 1, o10 += 1, o11 += 1
			//   u2 {2,2,3}, m=3, weight 1/2: (2,2)×2, (2,3)×2, (3,2)×2
			//      → o22 += 1, o23 += 1, o32 += 1
			//   u3 {1,2},   m=2, weight 1:   (1,2), (2,1)
			//      → o12 += 1, o21 += 1
			//
			//          0  1  2  3
			//     0  [ 0  1  0  0 ]   n_0 = 1
			//     1  [ 1  1  1  0 ]   n_1 = 3
			//     2  [ 0  1  1  1 ]   n_2 = 3
			//     3  [ 0  0  1  0 ]   n_3 = 1      n = 8
			//
			// δ²(c,k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²:
			//   δ²(0,1) = (1+3 − 2)²     =  4
			//   δ²(1,2) = (3+3 − 3)²     =  9
			//   δ²(2,3) = (3+1 − 2)²     =  4
			//   δ²(0,2) = (1+3+3 − 2)²   = 25
			//   δ²(1,3) = (3+3+1 − 2)²   = 25
			//   δ²(0,3) = (8 − 1)²       = 49
			//
			// Σ o_ck δ²_ck = 2·(1·4) [0,1] + 2·(1·9) [1,2] + 2·(1·4) [2,3]
			//             = 34, so D_o = 34/n = 4.25.
			// Σ n_c n_k δ²_ck = 2·(1·3·4 + 3·3·9 + 3·1·4 + 1·3·25
			//                      + 3·1·25 + 1·1·49)
			//                = 2·304 = 608, so D_e = 608/(n(n−1)) = 608/56.
			// α = 1 − D_o/D_e = 1 − (n−1)·34/608 = 1 − 238/608
			//   = 185/304 ≈ 0.6085526.
			name:   "hand-computed example",
			scores: handExample(),
			want:   185.0 / 304.0, wantPairable: 8, wantOK: true,
		},
		{
			// n_0 = n_1 = 2, n = 4; o01 = o10 = 2 (1 from each unit);
			// δ²(0,1) = (4 − 2)² = 4. Σ o δ² = 16, Σ n n δ² = 2·2·2·4 = 32;
			// α = 1 − 3·16/32 = −1/2: worse than chance.
			name: "systematic disagreement",
			scores: slices.Concat(
				unitScores("u1", 1, 0, 2, 1),
				unitScores("u2", 1, 1, 2, 0),
			),
			want: -0.5, wantPairable: 4, wantOK: true,
		},
		{
			// n_0 = n_3 = 1, n = 2; o03 = o30 = 1; δ²(0,3) = (2 − 1)² = 1.
			// α = 1 − 1·2/2 = 0: one unit's disagreement is all there is.
			name:   "single unit, two judges disagreeing",
			scores: unitScores("u1", 7, 0, 9, 3),
			want:   0, wantPairable: 2, wantOK: true,
		},
		{
			name:   "single unit, two judges a point apart",
			scores: unitScores("u1", 7, 1, 9, 2),
			want:   0, wantPairable: 2, wantOK: true,
		},
		{
			name: "all values identical",
			scores: slices.Concat(
				unitScores("u1", 1, 2, 2, 2),
				unitScores("u2", 1, 2, 2, 2, 3, 2),
			),
			want: 0, wantPairable: 5, wantOK: false,
		},
		{
			name: "identical pairable values, other values unpaired",
			scores: slices.Concat(
				unitScores("u1", 1, 2, 2, 2),
				unitScores("u2", 1, 0),
				unitScores("u3", 2, 3),
			),
			want: 0, wantPairable: 2, wantOK: false,
		},
		{
			name: "no pairable units",
			scores: slices.Concat(
				unitScores("u1", 1, 0),
				unitScores("u2", 2, 3),
			),
			want: 0, wantPairable: 0, wantOK: false,
		},
		{
			name: "no scores",
			want: 0, wantPairable: 0, wantOK: false,
		},
		{
			name:   "Krippendorff (2011) reliability data",
			scores: krippendorff2011(),
			want:   0.815, tolerance: 0.0005, wantPairable: 40, wantOK: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, pairable, ok := KrippendorffAlphaOrdinal(tc.scores)
			if ok != tc.wantOK || pairable != tc.wantPairable {
				t.Fatalf("KrippendorffAlphaOrdinal pairable, ok = %d, %v, want %d, %v", pairable, ok, tc.wantPairable, tc.wantOK)
			}
			tolerance := max(tc.tolerance, 1e-12)
			if math.Abs(got-tc.want) > tolerance {
				t.Errorf("KrippendorffAlphaOrdinal = %.7f, want %.7f ± %g", got, tc.want, tolerance)
			}
		})
	}
}

// referenceAlphaOrdinal is a direct, floating-point transcription of
// Krippendorff (2011): it builds the coincidence matrix over the value range
// pair by pair of different judges, then applies the ordinal δ² and α as
// written. KrippendorffAlphaOrdinal must agree with it.
func referenceAlphaOrdinal(scores []UnitScore) (float64, bool) {
	byUnit := make(map[string][]UnitScore)
	for _, s := range scores {
		byUnit[s.Unit] = append(byUnit[s.Unit], s)
	}
	lo, hi := math.MaxInt, math.MinInt
	for _, s := range scores {
		lo, hi = min(lo, s.Score), max(hi, s.Score)
	}
	if lo > hi {
		return 0, false
	}
	size := hi - lo + 1
	o := make([][]float64, size)
	for c := range o {
		o[c] = make([]float64, size)
	}
	for _, unit := range byUnit {
		m := len(unit)
		if m < 2 {
			continue
		}
		for _, a := range unit {
			for _, b := range unit {
				if a.Judge != b.Judge {
					o[a.Score-lo][b.Score-lo] += 1 / float64(m-1)
				}
			}
		}
	}
	nc := make([]float64, size)
	n := 0.0
	for c := range o {
		for k := range o[c] {
			nc[c] += o[c][k]
		}
		n += nc[c]
	}
	delta2 := func(c, k int) float64 {
		if c > k {
			c, k = k, c
		}
		sum := 0.0
		for g := c; g <= k; g++ {
			sum += nc[g]
		}
		d := sum - (nc[c]+nc[k])/2
		return d * d
	}
	var observed, expected float64
	for c := range size {
		for k := range size {
			observed += o[c][k] * delta2(c, k)
			expected += nc[c] * nc[k] * delta2(c, k)
		}
	}
	if n == 0 || expected == 0 {
		return 0, false
	}
	return 1 - (n-1)*observed/expected, true
}

// randomPanelScores returns random scores from 0 to maxScore on units
// "u000".., by judges 1..judges, each judge scoring each unit with
// probability present.
func randomPanelScores(rng *rand.Rand, units, judges, maxScore int, present float64) []UnitScore {
	var out []UnitScore
	for u := range units {
		for j := 1; j <= judges; j++ {
			if rng.Float64() < present {
				out = append(out, UnitScore{Unit: fmt.Sprintf("u%03d", u), Judge: int64(j), Score: rng.IntN(maxScore + 1)})
			}
		}
	}
	return out
}

func TestKrippendorffAlphaMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 21))
	for i := range 500 {
		scores := randomPanelScores(rng, 1+rng.IntN(20), 2+rng.IntN(4), maxJudgementScore, 0.3+0.7*rng.Float64())
		got, _, ok := KrippendorffAlphaOrdinal(scores)
		want, wantOK := referenceAlphaOrdinal(scores)
		if ok != wantOK || math.Abs(got-want) > 1e-9 {
			t.Fatalf("case %d: KrippendorffAlphaOrdinal = %v, %v, want %v, %v (reference)\nscores: %v", i, got, ok, want, wantOK, scores)
		}
	}
}

// TestKrippendorffAlphaProperties checks, over many random skills, that
// alpha is at most 1, and that it is unchanged when every value is mapped
// by the same strictly increasing function: the ordinal δ² reads only the
// order of the values.
func TestKrippendorffAlphaProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 22))
	stretch := []int{-4, 1, 5, 100} // strictly increasing image of 0..3
	for i := range 1000 {
		scores := randomPanelScores(rng, 1+rng.IntN(25), 2+rng.IntN(4), maxJudgementScore, 0.3+0.7*rng.Float64())
		alpha, pairable, ok := KrippendorffAlphaOrdinal(scores)
		if ok && alpha > 1 {
			t.Fatalf("case %d: KrippendorffAlphaOrdinal = %v, want ≤ 1\nscores: %v", i, alpha, scores)
		}

		stretched := slices.Clone(scores)
		for k := range stretched {
			stretched[k].Score = stretch[stretched[k].Score]
		}
		gotAlpha, gotPairable, gotOK := KrippendorffAlphaOrdinal(stretched)
		if gotAlpha != alpha || gotPairable != pairable || gotOK != ok {
			t.Fatalf("case %d: alpha of stretched values = %v, %d, %v, want %v, %d, %v", i, gotAlpha, gotPairable, gotOK, alpha, pairable, ok)
		}
	}
}

// permuted returns scores in a shuffled order with judges renamed by
// judgeMap and units renamed by a random bijection.
func permuted(rng *rand.Rand, scores []UnitScore, judgeMap map[int64]int64) []UnitScore {
	unitMap := make(map[string]string)
	for _, s := range scores {
		unitMap[s.Unit] = ""
	}
	names := rng.Perm(len(unitMap))
	for i, u := range slices.Sorted(maps.Keys(unitMap)) {
		unitMap[u] = fmt.Sprintf("renamed-%d", names[i])
	}
	out := make([]UnitScore, len(scores))
	for i, s := range scores {
		out[i] = UnitScore{Unit: unitMap[s.Unit], Judge: judgeMap[s.Judge], Score: s.Score}
	}
	rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

// TestAnalyticsPermutationProperty checks, over many random skills, that
// listing the scores in another order, renaming the units, or renumbering
// the judges changes neither alpha nor any judge's severity, and that the
// caller's slice is left as it was.
func TestAnalyticsPermutationProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 23))
	p := SeverityParams{Threshold: 0.25, MinUnits: 3}
	for i := range 300 {
		judges := 2 + rng.IntN(5)
		scores := randomPanelScores(rng, 1+rng.IntN(25), judges, maxJudgementScore, 0.3+0.7*rng.Float64())
		judgeMap := make(map[int64]int64)
		for j, to := range rng.Perm(judges) {
			judgeMap[int64(j+1)] = int64(100 + to)
		}
		other := permuted(rng, scores, judgeMap)
		otherCopy := slices.Clone(other)

		want := AnalyseJudges(scores, p)
		got := AnalyseJudges(other, p)
		if !slices.Equal(other, otherCopy) {
			t.Fatalf("case %d: AnalyseJudges reordered or changed its input", i)
		}
		if got.Alpha != want.Alpha || got.AlphaDefined != want.AlphaDefined || got.Pairable != want.Pairable {
			t.Fatalf("case %d: alpha after permuting = %v, %v, %d, want %v, %v, %d", i, got.Alpha, got.AlphaDefined, got.Pairable, want.Alpha, want.AlphaDefined, want.Pairable)
		}
		byJudge := make(map[int64]JudgeSeverity)
		for _, js := range got.Judges {
			byJudge[js.Judge] = js
		}
		if len(byJudge) != len(want.Judges) {
			t.Fatalf("case %d: %d judges after permuting, want %d", i, len(byJudge), len(want.Judges))
		}
		for _, w := range want.Judges {
			g := byJudge[judgeMap[w.Judge]]
			w.Judge = judgeMap[w.Judge]
			if g != w {
				t.Fatalf("case %d: severity after permuting = %+v, want %+v", i, g, w)
			}
		}
	}
}

// TestSeverityLenientJudgeProperty checks, over many random skills scored
// 0–2, that adding 1 to every score of one judge strictly increases that
// judge's severity whenever the judge has a unit counted: on each such unit
// of m scores, the judge's deviation grows by 1 − 1/m.
func TestSeverityLenientJudgeProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 24))
	for i := range 500 {
		judges := 2 + rng.IntN(4)
		scores := randomPanelScores(rng, 1+rng.IntN(20), judges, maxJudgementScore-1, 0.4+0.6*rng.Float64())
		lenient := int64(1 + rng.IntN(judges))
		raised := slices.Clone(scores)
		for k := range raised {
			if raised[k].Judge == lenient {
				raised[k].Score++
			}
		}
		before := severityOf(Severities(scores, DefaultSeverityParams()), lenient)
		after := severityOf(Severities(raised, DefaultSeverityParams()), lenient)
		if before.Units != after.Units {
			t.Fatalf("case %d: judge %d units = %d after raising, want %d", i, lenient, after.Units, before.Units)
		}
		if before.Units > 0 && !(after.Severity > before.Severity) {
			t.Fatalf("case %d: judge %d severity = %v after raising every score, want > %v", i, lenient, after.Severity, before.Severity)
		}
	}
}

// severityOf returns judge's entry in severities, or the zero entry.
func severityOf(severities []JudgeSeverity, judge int64) JudgeSeverity {
	for _, js := range severities {
		if js.Judge == judge {
			return js
		}
	}
	return JudgeSeverity{}
}

// TestSeverityEqualPanelsProperty checks, over many random skills in which
// every unit is scored by the same judges, that the judges' severities sum
// to zero: each unit's deviations sum to zero, and each judge divides by the
// same number of units.
func TestSeverityEqualPanelsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250312, 25))
	for i := range 500 {
		judges := 2 + rng.IntN(4)
		scores := randomPanelScores(rng, 1+rng.IntN(30), judges, maxJudgementScore, 1)
		sum := 0.0
		for _, js := range Severities(scores, DefaultSeverityParams()) {
			sum += js.Severity
		}
		if math.Abs(sum) > 1e-9 {
			t.Fatalf("case %d: severities sum to %v, want 0 ± 1e-9", i, sum)
		}
	}
}

// severityExample is scored by judges 1–4:
//
//	unit  judge 1  judge 2  judge 3  judge 4  mean  deviations (1, 2, 3)
//	u1       3        1        2        –       2    +1, −1,  0
//	u2       2        0        1        –       1    +1, −1,  0
//	u3       1        1        –        –       1     0,  0
//	u4       –        –        0        –          (one score: not counted)
//	u5       –        –        –        2          (one score: not counted)
//
// so judge 1's severity is (1+1+0)/3 = 2/3 over 3 units, judge 2's −2/3
// over 3, judge 3's 0 over 2, and judge 4 has no unit counted.
func severityExample() []UnitScore {
	return slices.Concat(
		unitScores("u1", 1, 3, 2, 1, 3, 2),
		unitScores("u2", 1, 2, 2, 0, 3, 1),
		unitScores("u3", 1, 1, 2, 1),
		unitScores("u4", 3, 0),
		unitScores("u5", 4, 2),
	)
}

func TestSeverities(t *testing.T) {
	got := Severities(severityExample(), SeverityParams{Threshold: 0.5, MinUnits: 3})
	want := []JudgeSeverity{
		{Judge: 1, Severity: 2.0 / 3.0, Units: 3, Outlier: true},
		{Judge: 2, Severity: -2.0 / 3.0, Units: 3, Outlier: true},
		{Judge: 3, Severity: 0, Units: 2},
		{Judge: 4, Severity: 0, Units: 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Severities = %+v, want %+v", got, want)
	}
	if got := Severities(nil, DefaultSeverityParams()); len(got) != 0 {
		t.Errorf("Severities(nil) = %+v, want none", got)
	}
}

// halfPointApart returns units on each of which judge 1 scores 2 and judge 2
// scores 1: severities exactly +0.5 and −0.5 over units units.
func halfPointApart(units int) []UnitScore {
	var out []UnitScore
	for u := range units {
		out = append(out, unitScores(fmt.Sprintf("u%02d", u), 1, 2, 2, 1)...)
	}
	return out
}

func TestSeverityOutliers(t *testing.T) {
	tests := []struct {
		name   string
		scores []UnitScore
		p      SeverityParams
		want   []int64 // flagged judges
	}{
		{"default, exactly 0.5 over exactly 10 units", halfPointApart(10), DefaultSeverityParams(), []int64{1, 2}},
		{"default, 0.5 over 9 units: too few", halfPointApart(9), DefaultSeverityParams(), nil},
		{"default, 2/3 over 3 units: too few", severityExample(), DefaultSeverityParams(), nil},
		{"MinUnits 3 reached", severityExample(), SeverityParams{Threshold: 0.5, MinUnits: 3}, []int64{1, 2}},
		{"MinUnits 4 not reached", severityExample(), SeverityParams{Threshold: 0.5, MinUnits: 4}, nil},
		{"threshold above 2/3", severityExample(), SeverityParams{Threshold: 0.7, MinUnits: 1}, nil},
		{"threshold just below 2/3", severityExample(), SeverityParams{Threshold: 0.666, MinUnits: 1}, []int64{1, 2}},
		{"threshold above 0.5", halfPointApart(10), SeverityParams{Threshold: 0.5000001, MinUnits: 10}, nil},
		{"zero value flags every judge with a unit", severityExample(), SeverityParams{}, []int64{1, 2, 3}},
		{"NaN threshold flags no one", severityExample(), SeverityParams{Threshold: math.NaN()}, nil},
		{"+Inf threshold flags no one", severityExample(), SeverityParams{Threshold: math.Inf(1)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			for _, js := range Severities(tc.scores, tc.p) {
				if js.Outlier {
					got = append(got, js.Judge)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("flagged judges = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDefaultSeverityParams(t *testing.T) {
	if got, want := DefaultSeverityParams(), (SeverityParams{Threshold: 0.5, MinUnits: 10}); got != want {
		t.Errorf("DefaultSeverityParams() = %+v, want %+v", got, want)
	}
}

func TestAnalyseJudges(t *testing.T) {
	tests := []struct {
		name   string
		scores []UnitScore
		want   JudgeAnalytics
	}{
		{
			name:   "hand-computed example",
			scores: handExample(),
			want: JudgeAnalytics{
				Alpha: 185.0 / 304.0, AlphaDefined: true, Pairable: 8,
				Judges: Severities(handExample(), DefaultSeverityParams()),
			},
		},
		{
			name:   "alpha undefined",
			scores: unitScores("u1", 1, 2, 2, 2),
			want: JudgeAnalytics{
				Pairable: 2,
				Judges:   []JudgeSeverity{{Judge: 1, Units: 1}, {Judge: 2, Units: 1}},
			},
		},
		{
			name: "no scores",
			want: JudgeAnalytics{Judges: []JudgeSeverity{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AnalyseJudges(tc.scores, DefaultSeverityParams())
			if math.Abs(got.Alpha-tc.want.Alpha) > 1e-12 {
				t.Errorf("AnalyseJudges Alpha = %v, want %v", got.Alpha, tc.want.Alpha)
			}
			got.Alpha = tc.want.Alpha
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AnalyseJudges = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestScoreHistogram(t *testing.T) {
	tests := []struct {
		name   string
		scores []UnitScore
		want   [4]int
	}{
		{"no scores", nil, [4]int{}},
		{"hand-computed example", handExample(), [4]int{1, 3, 3, 1}},
		{"unpaired scores count", unitScores("u1", 1, 3), [4]int{0, 0, 0, 1}},
		{"out of range left out", unitScores("u1", 1, -1, 2, 4, 3, 0, 4, 0), [4]int{2, 0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ScoreHistogram(tc.scores); got != tc.want {
				t.Errorf("ScoreHistogram = %v, want %v", got, tc.want)
			}
		})
	}
}
