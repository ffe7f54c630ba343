package scoring

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Results (DESIGN §6) are computed so that they are reproducible byte for
// byte on any platform: totals are exact fractions (*big.Rat); the
// standardised score, which needs a square root, is a *big.Float of
// ScorePrec bits rounded to nearest even after every operation, computed in
// one fixed order of operations and never through float64; rounding to two
// decimals happens only for display (Round2, RoundMarks).

// ScorePrec is the precision, in bits, of every standardised score and of
// the standard deviation behind it (DESIGN §6: results reproducible byte for
// byte). All such values are rounded with ScoreRounding.
const ScorePrec = 128

// ScoreRounding is the rounding mode of every operation on standardised
// scores, fixed so that the same inputs give the same bits everywhere
// (DESIGN §6).
const ScoreRounding = big.ToNearestEven

// newScoreFloat returns a zero *big.Float with the fixed precision and
// rounding mode of standardised scores.
func newScoreFloat() *big.Float {
	return new(big.Float).SetPrec(ScorePrec).SetMode(ScoreRounding)
}

// ratOrZero returns r, or 0 when r is nil, so that a missing mark counts as
// no mark rather than crashing a results page.
func ratOrZero(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// AspectValue is one aspect's mark for one entry, exactly, in hundredths of
// a mark (DESIGN §5: "Aspect mark = max mark × aggregate / 3", as
// JudgementMark returns it), with the codes of the criterion and
// sub-criterion it belongs to so that subtotals can be reported the
// WorldSkills way. A nil Value counts as 0.
type AspectValue struct {
	Criterion, SubCriterion, Aspect string
	Value                           *big.Rat
}

// EntryScore is what results start from for one entry: a competitor, or a
// team whose members share the result (DESIGN §6), with the entry's region
// (for best of region and the medal table) and its aspect marks.
type EntryScore struct {
	Entry   int64
	Region  Region
	Aspects []AspectValue
}

// Totals are one entry's totals, exactly, in hundredths of a mark (DESIGN
// §6: "Raw total = sum of aspect marks"): the raw total, and the subtotals
// of each criterion and each sub-criterion, keyed by code. Sub-criterion
// codes are unique across a scheme (Scheme.Validate), so the code alone is
// the key.
type Totals struct {
	Entry       int64
	Raw         *big.Rat
	Criteria    map[string]*big.Rat
	SubCriteria map[string]*big.Rat
}

// ComputeTotals sums an entry's aspect marks into its raw total and its
// criterion and sub-criterion subtotals (DESIGN §6: "Raw total = sum of
// aspect marks … rounding only for display"). The sums are exact, so the
// order of the aspects does not matter. Every criterion and sub-criterion
// named by an aspect has a subtotal, 0 included; the returned values are
// new and share nothing with e.
func ComputeTotals(e EntryScore) Totals {
	t := Totals{
		Entry:       e.Entry,
		Raw:         new(big.Rat),
		Criteria:    make(map[string]*big.Rat),
		SubCriteria: make(map[string]*big.Rat),
	}
	// Each aspect is added once, to its sub-criterion; criteria and the raw
	// total are sums of those (exact sums, so the grouping cannot change
	// them, and a big.Rat addition costs a GCD).
	criterionOf := make(map[string]string)
	var order []string
	for _, a := range e.Aspects {
		if _, seen := t.SubCriteria[a.SubCriterion]; !seen {
			order = append(order, a.SubCriterion)
		}
		addTo(t.SubCriteria, a.SubCriterion, ratOrZero(a.Value))
		criterionOf[a.SubCriterion] = a.Criterion
	}
	for _, sub := range order {
		v := t.SubCriteria[sub]
		addTo(t.Criteria, criterionOf[sub], v)
		t.Raw.Add(t.Raw, v)
	}
	return t
}

// addTo adds v to m[key], starting from 0.
func addTo(m map[string]*big.Rat, key string, v *big.Rat) {
	sum, ok := m[key]
	if !ok {
		sum = new(big.Rat)
		m[key] = sum
	}
	sum.Add(sum, v)
}

// StandardParams configure the standardised score (DESIGN §6, after
// WorldSkills: "700 at the median raw total; spread configurable (default
// 100 points per standard deviation)"). The zero value puts every score at
// 0; use DefaultStandardParams.
type StandardParams struct {
	// Centre is the score at the median raw total (700).
	Centre int64
	// PointsPerSD is how many points one standard deviation of the raw
	// totals is worth (100).
	PointsPerSD int64
}

// DefaultStandardParams returns the WorldSkills scale of DESIGN §6: 700 at
// the median, 100 points per standard deviation.
func DefaultStandardParams() StandardParams {
	return StandardParams{Centre: 700, PointsPerSD: 100}
}

// rawSpread returns the median of raws (the mean of the two middle values
// for an even count) exactly, and their population standard deviation as a
// ScorePrec-bit float, or nil when it is 0 (no raws, one raw, or all
// equal). Mean and variance are exact fractions; only the square root is
// rounded. Nil raws count as 0.
func rawSpread(raws []*big.Rat) (median *big.Rat, sigma *big.Float) {
	n := len(raws)
	if n == 0 {
		return new(big.Rat), nil
	}
	sorted := make([]*big.Rat, n)
	mean := new(big.Rat)
	for i, r := range raws {
		sorted[i] = ratOrZero(r)
		mean.Add(mean, sorted[i])
	}
	slices.SortFunc(sorted, (*big.Rat).Cmp)
	median = new(big.Rat).Set(sorted[n/2])
	if n%2 == 0 {
		median.Add(median, sorted[n/2-1])
		median.Quo(median, big.NewRat(2, 1))
	}
	count := new(big.Rat).SetInt64(int64(n))
	mean.Quo(mean, count)
	variance, d := new(big.Rat), new(big.Rat)
	for _, r := range sorted {
		d.Sub(r, mean)
		variance.Add(variance, d.Mul(d, d))
	}
	if variance.Sign() == 0 {
		return median, nil
	}
	variance.Quo(variance, count)
	v := newScoreFloat().SetRat(variance)
	return median, newScoreFloat().Sqrt(v)
}

// Standardise returns the standardised score of each raw total, in the
// order given (DESIGN §6, WorldSkills-style: "700 at the median raw total;
// spread configurable (default 100 points per standard deviation)"):
//
//	Centre + PointsPerSD × (raw − median) ÷ σ
//
// where the median is the usual one (the mean of the two middle values for
// an even count) and σ the population standard deviation of raws. When σ is
// 0 — one entry, or all raw totals equal — every score is Centre. Raw totals
// are in hundredths, like Totals.Raw; the ratio does not depend on the unit.
// Nil raws count as 0.
//
// (raw − median) × PointsPerSD is exact; it is then rounded to a
// ScorePrec-bit float, divided by σ and added to Centre, in that order,
// each step rounded to nearest even, so the result is the same bits on
// every platform.
func Standardise(raws []*big.Rat, p StandardParams) []*big.Float {
	median, sigma := rawSpread(raws)
	points := new(big.Rat).SetInt64(p.PointsPerSD)
	centre := newScoreFloat().SetInt64(p.Centre)
	scores := make([]*big.Float, len(raws))
	for i, r := range raws {
		s := newScoreFloat()
		if sigma != nil {
			d := new(big.Rat).Sub(ratOrZero(r), median)
			s.SetRat(d.Mul(d, points))
			s.Quo(s, sigma)
		}
		scores[i] = s.Add(s, centre)
	}
	return scores
}

// FormulaText returns the standardisation formula with the actual numbers,
// for results pages and exports (DESIGN §6: "Show the formula on results
// pages"), e.g. "standardised = 700 + 100 × (raw − 71.25) ÷ 8.43", with the
// median and σ in marks, rounded half-up to 2 decimals. When σ is 0 the
// formula degenerates and the text says so: "standardised = 700 (all raw
// totals equal)". With no raws at all it gives the formula in words.
func FormulaText(raws []*big.Rat, p StandardParams) string {
	if len(raws) == 0 {
		return fmt.Sprintf("standardised = %d + %d × (raw − median) ÷ σ", p.Centre, p.PointsPerSD)
	}
	median, sigma := rawSpread(raws)
	if sigma == nil {
		return fmt.Sprintf("standardised = %d (all raw totals equal)", p.Centre)
	}
	sign, m := "−", median
	if median.Sign() < 0 {
		sign, m = "+", new(big.Rat).Neg(median)
	}
	sigmaRat, _ := sigma.Rat(nil)
	return fmt.Sprintf("standardised = %d + %d × (raw %s %s) ÷ %s",
		p.Centre, p.PointsPerSD, sign, RoundMarks(m), RoundMarks(sigmaRat))
}

// roundHalfAway returns r rounded to the nearest integer, halves away from
// zero ("half-up" as results sheets and people expect: 0.125 → 0.13,
// −0.125 → −0.13).
func roundHalfAway(r *big.Rat) *big.Int {
	// ⌊(2|n| + d) ÷ 2d⌋ with the sign of r.
	twice := new(big.Int).Abs(r.Num())
	twice.Lsh(twice, 1)
	twice.Add(twice, r.Denom())
	q := twice.Quo(twice, new(big.Int).Lsh(r.Denom(), 1))
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

// formatHundredths writes a whole number of hundredths as a decimal with
// exactly two decimals: 12345 → "123.45", −5 → "-0.05", 0 → "0.00".
func formatHundredths(c *big.Int) string {
	var b strings.Builder
	if c.Sign() < 0 {
		b.WriteByte('-')
	}
	whole, frac := new(big.Int).QuoRem(new(big.Int).Abs(c), big.NewInt(100), new(big.Int))
	b.WriteString(whole.String())
	fmt.Fprintf(&b, ".%02d", frac.Int64())
	return b.String()
}

// Round2 formats a standardised score for display: rounded half-up (away
// from zero at .5) to 2 decimals, e.g. "712.35" (DESIGN §6: "rounding
// (half-up, 2 decimals) only for display"). The rounding works on the exact
// value of f, never through float64, so the text is the same on every
// platform. A value that rounds to zero prints "0.00", never "-0.00"; a nil
// f (no score) prints ""; infinities print "+Inf" and "-Inf".
func Round2(f *big.Float) string {
	if f == nil {
		return ""
	}
	if f.IsInf() {
		return f.String()
	}
	r, _ := f.Rat(nil) // exact for a finite float
	return formatHundredths(roundHalfAway(r.Mul(r, big.NewRat(100, 1))))
}

// RoundMarks formats an exact amount given in hundredths of a mark (as
// Totals and JudgementMark hold them) as marks rounded half-up to 2
// decimals, for display only (DESIGN §6): 12345 → "123.45", 1/3 → "0.00",
// 1/2 → "0.01", 400/3 → "1.33", −1/2 → "-0.01". A nil amount prints "".
func RoundMarks(hundredths *big.Rat) string {
	if hundredths == nil {
		return ""
	}
	return formatHundredths(roundHalfAway(hundredths))
}

// RankParams configure ranking (DESIGN §6: "scores within the event's tie
// threshold share a rank; optional tie-break by criterion order").
type RankParams struct {
	// TieThreshold is T, in standardised points: groups form from the top,
	// and an entry joins the current tie group when its score is at most T
	// below the group's highest score. Nil or negative means 0: only equal
	// scores tie.
	TieThreshold *big.Float
	// TieBreak lists criterion codes in scheme order. Within a tie group the
	// higher raw total of the first criterion ranks first, then of the
	// second, and so on; entries still equal stay tied. Empty means no
	// tie-break.
	TieBreak []string
}

// Ranked is one entry's place in a skill (DESIGN §6): its standardised
// score and its rank.
type Ranked struct {
	Entry int64
	Score *big.Float
	Rank  int
}

// Rank ranks entries by standardised score with standard competition
// ranking, "1224" (DESIGN §6: "standard competition ranking (1, 1, 3)"): an
// entry's rank is 1 + the number of entries ranked strictly better, so
// tied entries share the best rank and the ranks after them skip.
//
// Entries tie when they fall in the same tie group (see
// RankParams.TieThreshold; the threshold is compared exactly, on the
// scores' exact binary values) and, if TieBreak is set, have equal raw
// totals on every tie-break criterion (read from totals; a missing entry or
// criterion counts as 0). The result is ordered by rank, and by entry id
// ascending within a rank, whatever the order of the input. scores[i] is
// entries[i]'s score; Rank panics if the lengths differ or a score is nil,
// both programming errors. The scores are copied.
func Rank(entries []int64, scores []*big.Float, totals map[int64]Totals, p RankParams) []Ranked {
	if len(entries) != len(scores) {
		panic(fmt.Sprintf("scoring.Rank: %d entries but %d scores", len(entries), len(scores)))
	}
	out := make([]Ranked, len(entries))
	for i, e := range entries {
		if scores[i] == nil {
			panic(fmt.Sprintf("scoring.Rank: entry %d has no score", e))
		}
		out[i] = Ranked{Entry: e, Score: new(big.Float).Copy(scores[i])}
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		if c := b.Score.Cmp(a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Entry, b.Entry)
	})
	threshold := new(big.Rat)
	if p.TieThreshold != nil && p.TieThreshold.Sign() > 0 {
		if p.TieThreshold.IsInf() {
			threshold = nil // everything ties
		} else {
			threshold, _ = p.TieThreshold.Rat(nil)
		}
	}
	for start := 0; start < len(out); {
		end := start + 1
		for end < len(out) && withinThreshold(out[start].Score, out[end].Score, threshold) {
			end++
		}
		rankTieGroup(out[start:end], start, totals, p.TieBreak)
		start = end
	}
	slices.SortFunc(out, func(a, b Ranked) int { return byRankThenEntry(a.Rank, a.Entry, b.Rank, b.Entry) })
	return out
}

// byRankThenEntry is the order in which rankings and results are listed:
// best rank first, then entry id ascending, so that entries sharing a rank
// appear in the same order on every run (DESIGN §6: reproducible results).
func byRankThenEntry(rankA int, entryA int64, rankB int, entryB int64) int {
	return cmp.Or(cmp.Compare(rankA, rankB), cmp.Compare(entryA, entryB))
}

// withinThreshold reports whether score is at most threshold below top,
// computed exactly. A nil threshold is infinite.
func withinThreshold(top, score *big.Float, threshold *big.Rat) bool {
	if threshold == nil || top.Cmp(score) == 0 {
		return true
	}
	if top.IsInf() || score.IsInf() {
		return false
	}
	t, _ := top.Rat(nil)
	s, _ := score.Rat(nil)
	return t.Sub(t, s).Cmp(threshold) <= 0
}

// rankTieGroup gives the entries of one tie group their ranks, the group
// starting after `before` better-ranked entries, splitting the group by the
// tie-break criteria when there are any.
func rankTieGroup(group []Ranked, before int, totals map[int64]Totals, tieBreak []string) {
	if len(tieBreak) == 0 {
		for i := range group {
			group[i].Rank = before + 1
		}
		return
	}
	keys := make(map[int64][]*big.Rat, len(group))
	for _, r := range group {
		key := make([]*big.Rat, len(tieBreak))
		for i, code := range tieBreak {
			key[i] = ratOrZero(totals[r.Entry].Criteria[code])
		}
		keys[r.Entry] = key
	}
	byKey := func(a, b Ranked) int {
		return -slices.CompareFunc(keys[a.Entry], keys[b.Entry], (*big.Rat).Cmp) // higher first
	}
	slices.SortStableFunc(group, byKey)
	for i := range group {
		if i > 0 && byKey(group[i-1], group[i]) == 0 {
			group[i].Rank = group[i-1].Rank
		} else {
			group[i].Rank = before + i + 1
		}
	}
}

// Award is what an entry receives in a skill (DESIGN §6, after WorldSkills
// practice). The empty Award means none.
type Award string

// The awards of DESIGN §6. An entry receives at most one of them; best of
// region is separate (Result.BestOfRegion), since it combines with any.
const (
	// Gold goes to every entry ranked 1.
	Gold Award = "gold"
	// Silver goes to every entry ranked 2; there is none when two or more
	// entries share rank 1.
	Silver Award = "silver"
	// Bronze goes to every entry ranked 3.
	Bronze Award = "bronze"
	// Medallion is the WorldSkills Medallion for Excellence: entries without
	// a medal whose standardised score is at or above AwardParams.MedallionAt.
	Medallion Award = "medallion"
	// Excellence is the optional excellence award for the best of the
	// entries that received neither a medal nor a medallion (see
	// AwardParams.ExcellenceTopPercent).
	Excellence Award = "excellence"
)

// DefaultMedallionAt is the standardised score from which WorldSkills gives
// the Medallion for Excellence (DESIGN §6: "at or above 700").
const DefaultMedallionAt = 700

// AwardParams configure the awards of DESIGN §6.
type AwardParams struct {
	// MedallionAt is the lowest standardised score earning a Medallion for
	// Excellence; nil means DefaultMedallionAt (700). Set it to +Inf to give
	// no medallions.
	MedallionAt *big.Float
	// ExcellenceTopPercent is X of DESIGN §6's "optional excellence award
	// for non-medallists in the top X %": the award goes to the best X % of
	// the entries that received neither a medal nor a medallion, counted
	// rounded up (X = 10 of 11 such entries is 2), and also to every entry
	// sharing the rank of the last one counted. 0 or less turns the award
	// off; 100 or more gives it to all of them.
	ExcellenceTopPercent int
}

// DefaultAwardParams returns the defaults of DESIGN §6: the medallion at 700
// and no excellence award.
func DefaultAwardParams() AwardParams {
	return AwardParams{MedallionAt: newScoreFloat().SetInt64(DefaultMedallionAt)}
}

// Result is one entry's result in a skill (DESIGN §6), as results pages,
// exports and certificates show it.
type Result struct {
	Entry  int64
	Region Region
	// Raw is the raw total in hundredths of a mark; nil if unknown.
	Raw *big.Rat
	// Score is the standardised score.
	Score *big.Float
	Rank  int
	// Award is the entry's medal or award; "" for none.
	Award Award
	// BestOfRegion marks the best-ranked entries of the entry's region.
	BestOfRegion bool
}

// Awards turns a skill's ranking into results with awards (DESIGN §6, after
// WorldSkills practice):
//
//   - gold, silver and bronze by rank: rank 1 gold, 2 silver, 3 bronze, so
//     tied entries share a medal and the medal of the rank they skip is not
//     given (two golds, then bronze at rank 3; no silver);
//   - the Medallion for Excellence to every entry without a medal whose
//     score is at or above MedallionAt. It follows the score, not the rank,
//     as in WorldSkills, so two entries sharing a rank through the tie
//     threshold can fall either side of it;
//   - optionally the excellence award, to the top ExcellenceTopPercent % of
//     the entries left without a medal or medallion, by rank (see
//     AwardParams);
//   - best of region to the best-ranked entries of each region, all of them
//     when several share that rank. Entries without a region (not in
//     regions, or "") are never best of region.
//
// regions and raws give each entry's region and raw total. The results are
// ordered by rank, then entry id, whatever the order of ranked; scores and
// raw totals are copied.
func Awards(ranked []Ranked, regions map[int64]Region, raws map[int64]*big.Rat, p AwardParams) []Result {
	medallionAt := p.MedallionAt
	if medallionAt == nil {
		medallionAt = newScoreFloat().SetInt64(DefaultMedallionAt)
	}
	out := make([]Result, len(ranked))
	for i, r := range ranked {
		out[i] = Result{Entry: r.Entry, Region: regions[r.Entry], Rank: r.Rank}
		if r.Score != nil {
			out[i].Score = new(big.Float).Copy(r.Score)
		}
		if raw := raws[r.Entry]; raw != nil {
			out[i].Raw = new(big.Rat).Set(raw)
		}
	}
	slices.SortFunc(out, func(a, b Result) int { return byRankThenEntry(a.Rank, a.Entry, b.Rank, b.Entry) })
	var rest []*Result // without medal or medallion, best first
	best := make(map[Region]int)
	for i := range out {
		r := &out[i]
		switch {
		case r.Rank == 1:
			r.Award = Gold
		case r.Rank == 2:
			r.Award = Silver
		case r.Rank == 3:
			r.Award = Bronze
		case r.Score != nil && r.Score.Cmp(medallionAt) >= 0:
			r.Award = Medallion
		default:
			rest = append(rest, r)
		}
		if b, ok := best[r.Region]; r.Region != "" && (!ok || r.Rank < b) {
			best[r.Region] = r.Rank
		}
	}
	if pct := min(p.ExcellenceTopPercent, 100); pct > 0 && len(rest) > 0 {
		n := (pct*len(rest) + 99) / 100
		cut := rest[n-1].Rank
		for _, r := range rest {
			if r.Rank <= cut {
				r.Award = Excellence
			}
		}
	}
	for i := range out {
		if b, ok := best[out[i].Region]; ok && out[i].Rank == b {
			out[i].BestOfRegion = true
		}
	}
	return out
}

// MedalRow is one region's line of the medal table (DESIGN §6: "a region
// medal table").
type MedalRow struct {
	Region    Region `json:"region"`
	Gold      int    `json:"gold"`
	Silver    int    `json:"silver"`
	Bronze    int    `json:"bronze"`
	Medallion int    `json:"medallion"`
}

// MedalTable builds an event's region medal table from the results of all
// its skills (DESIGN §6), counting each region's golds, silvers, bronzes and
// Medallions for Excellence. A team is one entry, so it counts once, however
// many members it has; an entry listed twice in the same skill still counts
// once. Every region with an entry appears, with zeros if it won nothing;
// entries without a region are left out. Rows are sorted the usual way: by
// golds, then silvers, then bronzes, then medallions, most first, then by
// region code.
func MedalTable(skills [][]Result) []MedalRow {
	rows := make(map[Region]*MedalRow)
	for _, skill := range skills {
		seen := make(map[int64]bool, len(skill))
		for _, r := range skill {
			if r.Region == "" || seen[r.Entry] {
				continue
			}
			seen[r.Entry] = true
			row, ok := rows[r.Region]
			if !ok {
				row = &MedalRow{Region: r.Region}
				rows[r.Region] = row
			}
			switch r.Award {
			case Gold:
				row.Gold++
			case Silver:
				row.Silver++
			case Bronze:
				row.Bronze++
			case Medallion:
				row.Medallion++
			}
		}
	}
	table := make([]MedalRow, 0, len(rows))
	for _, row := range rows {
		table = append(table, *row)
	}
	slices.SortFunc(table, func(a, b MedalRow) int {
		return cmp.Or(
			cmp.Compare(b.Gold, a.Gold),
			cmp.Compare(b.Silver, a.Silver),
			cmp.Compare(b.Bronze, a.Bronze),
			cmp.Compare(b.Medallion, a.Medallion),
			cmp.Compare(a.Region, b.Region),
		)
	})
	return table
}
