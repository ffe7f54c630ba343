package scoring

import (
	"cmp"
	"maps"
	"math"
	"math/big"
	"slices"
	"strings"
)

// UnitScore is one judge's judgement score on one unit, the input of the
// judge analytics of DESIGN §6. A unit is what a panel scores together: one
// J aspect of one entry. Each judge scores a unit at most once (DESIGN §5:
// one judge holds one mark per aspect and entry); should a (unit, judge)
// pair occur twice, both scores are counted, as two values of that unit.
type UnitScore struct {
	// Unit names the unit, e.g. "entry:12/aspect:7". Scores with the same
	// Unit belong to the same unit; nothing else is read from it.
	Unit string
	// Judge is the id of the judge who gave the score.
	Judge int64
	// Score is the judgement score, an integer 0–3 (DESIGN §5).
	Score int
}

// JudgeSeverity is one judge's severity (DESIGN §6, judge analytics: "each
// judge's severity (mean deviation from their panels' means)").
type JudgeSeverity struct {
	// Judge is the judge's id.
	Judge int64
	// Severity is the mean, over the units counted, of the judge's score
	// minus the mean of all scores on that unit, in score points. Positive
	// means lenient (the judge scores above their panels), negative means
	// severe. It is 0 when Units is 0.
	Severity float64
	// Units is the number of units counted: those the judge scored that
	// have at least two scores. A unit with one score has no panel to
	// deviate from.
	Units int
	// Outlier reports whether the judge is flagged (see SeverityParams).
	Outlier bool
}

// SeverityParams decide which judges Severities flags as outliers: a judge is
// flagged when |Severity| ≥ Threshold and Units ≥ MinUnits (and Units ≥ 1).
//
// The two conditions work together. A judge's severity over a handful of
// units is mostly noise: with scores 0–3, one unit on which a judge is a
// point off a panel of 3 already moves the mean deviation by 2/3 of a point,
// so a large severity from few units says little about the judge. MinUnits
// withholds the flag until the judge has scored enough units for the mean to
// be worth acting on; Threshold says how far from their panels, on average,
// a judge must be to matter.
//
// Use DefaultSeverityParams for the defaults. The zero value flags every
// judge with at least one unit counted, since every |Severity| ≥ 0.
type SeverityParams struct {
	// Threshold is the least |Severity|, in score points, that is flagged
	// (default 0.5). The comparison is exact, on the exact severity. A NaN
	// or +Inf Threshold flags no one.
	Threshold float64
	// MinUnits is the least number of units counted for a judge to be
	// flagged at all (default 10).
	MinUnits int
}

// DefaultSeverityParams returns the default outlier rule for judge severity:
// flag a judge whose scores are on average at least half a score point off
// their panels' means, once they have scored at least 10 units.
func DefaultSeverityParams() SeverityParams {
	return SeverityParams{Threshold: 0.5, MinUnits: 10}
}

// outlier reports whether a judge with the exact severity sev, over units
// counted units, is flagged under p.
func (p SeverityParams) outlier(sev *big.Rat, units int) bool {
	switch {
	case units < 1 || units < p.MinUnits:
		return false
	case math.IsNaN(p.Threshold) || math.IsInf(p.Threshold, 1):
		return false
	case math.IsInf(p.Threshold, -1):
		return true
	}
	threshold := new(big.Rat).SetFloat64(p.Threshold)
	return new(big.Rat).Abs(sev).Cmp(threshold) >= 0
}

// sortedByUnit returns a copy of scores sorted by unit, then judge, then
// score, so that everything computed from it is independent of the order in
// which the caller listed the scores.
func sortedByUnit(scores []UnitScore) []UnitScore {
	sorted := slices.Clone(scores)
	slices.SortFunc(sorted, func(a, b UnitScore) int {
		return cmp.Or(
			strings.Compare(a.Unit, b.Unit),
			cmp.Compare(a.Judge, b.Judge),
			cmp.Compare(a.Score, b.Score),
		)
	})
	return sorted
}

// pairableUnits splits scores sorted by sortedByUnit into units and keeps
// those with at least two scores: the units on which judges can be compared
// with one another. Both judge severity and Krippendorff's alpha use only
// these.
func pairableUnits(sorted []UnitScore) [][]UnitScore {
	var units [][]UnitScore
	for start := 0; start < len(sorted); {
		end := start + 1
		for end < len(sorted) && sorted[end].Unit == sorted[start].Unit {
			end++
		}
		if end-start >= 2 {
			units = append(units, sorted[start:end])
		}
		start = end
	}
	return units
}

// Severities returns each judge's severity (DESIGN §6, judge analytics):
// the mean, over the units the judge scored that have at least two scores,
// of the judge's score minus the mean of all scores on the unit (the judge's
// own included). Positive is lenient, negative severe. Every judge in scores
// is listed, in order of judge id; a judge none of whose units has a second
// score has Units 0 and Severity 0, and is never flagged. Outliers are
// flagged as SeverityParams says.
//
// Severities are computed exactly, in fractions, and converted to float64
// only at the end, so the result does not depend on the order of scores.
func Severities(scores []UnitScore, p SeverityParams) []JudgeSeverity {
	sorted := sortedByUnit(scores)

	// Per judge, the exact sum of deviations and the number of them.
	type tally struct {
		sum   big.Rat
		units int
	}
	tallies := make(map[int64]*tally)
	for _, s := range sorted {
		if tallies[s.Judge] == nil {
			tallies[s.Judge] = new(tally)
		}
	}

	var mean, deviation big.Rat
	for _, unit := range pairableUnits(sorted) {
		mean.SetInt64(0)
		for _, s := range unit {
			mean.Add(&mean, deviation.SetInt64(int64(s.Score)))
		}
		mean.Quo(&mean, deviation.SetInt64(int64(len(unit))))
		for _, s := range unit {
			deviation.SetInt64(int64(s.Score))
			deviation.Sub(&deviation, &mean)
			t := tallies[s.Judge]
			t.sum.Add(&t.sum, &deviation)
			t.units++
		}
	}

	out := make([]JudgeSeverity, 0, len(tallies))
	for _, judge := range slices.Sorted(maps.Keys(tallies)) {
		t := tallies[judge]
		js := JudgeSeverity{Judge: judge, Units: t.units}
		if t.units > 0 {
			sev := new(big.Rat).Quo(&t.sum, new(big.Rat).SetInt64(int64(t.units)))
			js.Severity, _ = sev.Float64()
			js.Outlier = p.outlier(sev, t.units)
		}
		out = append(out, js)
	}
	return out
}

// KrippendorffAlphaOrdinal returns Krippendorff's alpha with the ordinal
// difference function for the scores of one skill (DESIGN §6, judge
// analytics: "Krippendorff's alpha (ordinal) per skill"). It follows the
// coincidence-matrix formulation of Krippendorff (2011), "Computing
// Krippendorff's Alpha-Reliability":
//
//   - units with fewer than 2 scores are not pairable and are dropped;
//   - for a unit u with m_u scores, each ordered pair of its scores (two
//     different values of the unit, so with one score per judge, scores of
//     two different judges) adds 1/(m_u − 1) to the coincidence o_ck of the
//     pair's values c and k;
//   - n_c = Σ_k o_ck is the number of pairable values c, n = Σ_c n_c;
//   - δ²(c,k) = (Σ_{g=c..k} n_g − (n_c + n_k)/2)², over the values in
//     order, so only their order matters, not their size (ordinal);
//   - α = 1 − (n − 1) Σ_c Σ_k o_ck δ²(c,k) / Σ_c Σ_k n_c n_k δ²(c,k),
//     that is 1 − D_o/D_e, observed over expected disagreement.
//
// α is 1 for perfect agreement and 0 for agreement no better than chance;
// it may be negative. pairable is n. ok is false, and alpha 0, when α is
// undefined: no unit has two scores, or all pairable values are equal, so
// that no disagreement is expected. Any integer values are accepted, not
// only 0–3.
//
// The sums are computed exactly, in fractions, and α converted to float64
// only at the end, so the result does not depend on the order of scores.
func KrippendorffAlphaOrdinal(scores []UnitScore) (alpha float64, pairable int, ok bool) {
	units := pairableUnits(sortedByUnit(scores))

	// The marginals n_c, and the values that occur, in order.
	counts := make(map[int]int64)
	for _, unit := range units {
		for _, s := range unit {
			counts[s.Score]++
		}
		pairable += len(unit)
	}
	values := slices.Sorted(maps.Keys(counts))
	index := make(map[int]int, len(values))
	cumulative := make([]int64, len(values)+1) // cumulative[i] = Σ_{g<i} n_g
	for i, v := range values {
		index[v] = i
		cumulative[i+1] = cumulative[i] + counts[v]
	}

	// delta4 returns 4·δ²(c,k) = (2 Σ_{g=c..k} n_g − n_c − n_k)², an
	// integer, for the value indices c ≤ k. The factor 4 cancels in α.
	delta4 := func(c, k int) *big.Int {
		nc := cumulative[c+1] - cumulative[c]
		nk := cumulative[k+1] - cumulative[k]
		d := big.NewInt(2*(cumulative[k+1]-cumulative[c]) - nc - nk)
		return d.Mul(d, d)
	}

	// Expected: Σ_c Σ_k n_c n_k 4δ²(c,k) = 2 Σ_{c<k} n_c n_k 4δ²(c,k), as
	// δ² is symmetric and zero when c = k.
	expected := new(big.Int)
	term := new(big.Int)
	for c := range values {
		for k := c + 1; k < len(values); k++ {
			term.Mul(big.NewInt(2*counts[values[c]]*counts[values[k]]), delta4(c, k))
			expected.Add(expected, term)
		}
	}
	if expected.Sign() == 0 {
		return 0, pairable, false
	}

	// Observed: Σ_c Σ_k o_ck 4δ²(c,k), unit by unit. A unit whose values
	// c ≠ k occur a and b times holds 2ab ordered pairs of them, each
	// weighing 1/(m_u − 1).
	observed := new(big.Rat)
	unitSum := new(big.Int)
	for _, unit := range units {
		// How often each value (by index) occurs in the unit.
		runs := make(map[int]int64)
		for _, s := range unit {
			runs[index[s.Score]]++
		}
		present := slices.Sorted(maps.Keys(runs))
		unitSum.SetInt64(0)
		for i, c := range present {
			for _, k := range present[i+1:] {
				term.Mul(big.NewInt(2*runs[c]*runs[k]), delta4(c, k))
				unitSum.Add(unitSum, term)
			}
		}
		observed.Add(observed, new(big.Rat).SetFrac(unitSum, big.NewInt(int64(len(unit)-1))))
	}

	// α = 1 − (n − 1)·observed/expected.
	ratio := new(big.Rat).Mul(observed, new(big.Rat).SetInt64(int64(pairable-1)))
	ratio.Quo(ratio, new(big.Rat).SetInt(expected))
	alpha, _ = new(big.Rat).Sub(big.NewRat(1, 1), ratio).Float64()
	return alpha, pairable, true
}

// JudgeAnalytics are the judge analytics of one skill (DESIGN §6): how
// reliably its judges agree, and how severe or lenient each one is.
type JudgeAnalytics struct {
	// Alpha is Krippendorff's ordinal alpha over the skill's judgement
	// scores (see KrippendorffAlphaOrdinal); 0 when AlphaDefined is false.
	Alpha float64
	// AlphaDefined is false when alpha is undefined: no unit has two
	// scores, or all pairable scores are equal.
	AlphaDefined bool
	// Pairable is the number of scores alpha was computed from: those on
	// units with at least two scores.
	Pairable int
	// Judges are the judges' severities, in order of judge id, with
	// outliers flagged (see Severities).
	Judges []JudgeSeverity
}

// AnalyseJudges computes the judge analytics of one skill from its
// judgement scores (DESIGN §6: "each judge's severity … and Krippendorff's
// alpha (ordinal) per skill, with outliers flagged"), flagging outliers
// under p.
func AnalyseJudges(scores []UnitScore, p SeverityParams) JudgeAnalytics {
	alpha, pairable, ok := KrippendorffAlphaOrdinal(scores)
	return JudgeAnalytics{
		Alpha:        alpha,
		AlphaDefined: ok,
		Pairable:     pairable,
		Judges:       Severities(scores, p),
	}
}

// ScoreHistogram counts the scores of each value 0–3, for a skill's score
// distribution chart: element s is the number of scores equal to s. All
// scores count, pairable or not; a score outside 0–3, which is no judgement
// score (DESIGN §5), is left out.
func ScoreHistogram(scores []UnitScore) [4]int {
	var h [maxJudgementScore - minJudgementScore + 1]int
	for _, s := range scores {
		if s.Score >= minJudgementScore && s.Score <= maxJudgementScore {
			h[s.Score-minJudgementScore]++
		}
	}
	return h
}
