package scoring

import (
	"cmp"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// resMarks is n whole marks in hundredths, as an exact fraction.
func resMarks(n int64) *big.Rat { return big.NewRat(n*100, 1) }

// resMarksList turns whole marks into raw totals in hundredths.
func resMarksList(ns ...int64) []*big.Rat {
	out := make([]*big.Rat, len(ns))
	for i, n := range ns {
		out[i] = resMarks(n)
	}
	return out
}

// resFloat parses a decimal such as "709.5" into a standardised score.
func resFloat(t *testing.T, s string) *big.Float {
	t.Helper()
	f, _, err := big.ParseFloat(s, 10, ScorePrec, ScoreRounding)
	if err != nil {
		t.Fatalf("ParseFloat(%q): %v", s, err)
	}
	return f
}

// resFloats parses several scores.
func resFloats(t *testing.T, ss ...string) []*big.Float {
	t.Helper()
	out := make([]*big.Float, len(ss))
	for i, s := range ss {
		out[i] = resFloat(t, s)
	}
	return out
}

// resRound2All formats scores with Round2.
func resRound2All(fs []*big.Float) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = Round2(f)
	}
	return out
}

// resRatMap prints a map of exact subtotals for comparisons and messages.
func resRatMap(m map[string]*big.Rat) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v.RatString()
	}
	return out
}

func TestComputeTotals(t *testing.T) {
	tests := []struct {
		name     string
		in       EntryScore
		wantRaw  string
		wantCrit map[string]string
		wantSub  map[string]string
	}{
		{
			name:     "no aspects",
			in:       EntryScore{Entry: 7},
			wantRaw:  "0",
			wantCrit: map[string]string{},
			wantSub:  map[string]string{},
		},
		{
			name: "criteria and sub-criteria, with a judgement fraction",
			in: EntryScore{Entry: 7, Region: RegionHK, Aspects: []AspectValue{
				{"A", "A1", "A1.1", big.NewRat(150, 1)},
				{"A", "A1", "A1.2", big.NewRat(400, 3)}, // 1.50-mark J aspect scored 2, 3, 3
				{"A", "A2", "A2.1", big.NewRat(200, 1)},
				{"B", "B1", "B1.1", big.NewRat(50, 1)},
			}},
			wantRaw:  "1600/3",
			wantCrit: map[string]string{"A": "1450/3", "B": "50"},
			wantSub:  map[string]string{"A1": "850/3", "A2": "200", "B1": "50"},
		},
		{
			name: "a nil mark counts as 0 but names its criterion",
			in: EntryScore{Entry: 7, Aspects: []AspectValue{
				{"A", "A1", "A1.1", big.NewRat(125, 1)},
				{"C", "C1", "C1.1", nil},
			}},
			wantRaw:  "125",
			wantCrit: map[string]string{"A": "125", "C": "0"},
			wantSub:  map[string]string{"A1": "125", "C1": "0"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ComputeTotals(tc.in)
			if got.Entry != tc.in.Entry {
				t.Errorf("Entry = %d, want %d", got.Entry, tc.in.Entry)
			}
			if got.Raw.RatString() != tc.wantRaw {
				t.Errorf("Raw = %s, want %s", got.Raw.RatString(), tc.wantRaw)
			}
			if c := resRatMap(got.Criteria); !reflect.DeepEqual(c, tc.wantCrit) {
				t.Errorf("Criteria = %v, want %v", c, tc.wantCrit)
			}
			if s := resRatMap(got.SubCriteria); !reflect.DeepEqual(s, tc.wantSub) {
				t.Errorf("SubCriteria = %v, want %v", s, tc.wantSub)
			}
		})
	}
}

func TestComputeTotalsSharesNothing(t *testing.T) {
	v := big.NewRat(100, 1)
	got := ComputeTotals(EntryScore{Aspects: []AspectValue{{"A", "A1", "A1.1", v}}})
	got.Raw.Add(got.Raw, big.NewRat(1, 1))
	got.Criteria["A"].Add(got.Criteria["A"], big.NewRat(1, 1))
	if v.Cmp(big.NewRat(100, 1)) != 0 {
		t.Fatalf("aspect value = %s after changing the totals, want 100", v.RatString())
	}
}

func TestDefaultStandardParams(t *testing.T) {
	got := DefaultStandardParams()
	want := StandardParams{Centre: 700, PointsPerSD: 100}
	if got != want {
		t.Fatalf("DefaultStandardParams() = %+v, want %+v", got, want)
	}
}

func TestStandardise(t *testing.T) {
	tests := []struct {
		name string
		raws []*big.Rat
		p    StandardParams
		want []string
	}{
		// median 70, σ = sqrt(200/3) = 8.1650 marks.
		{"odd count", resMarksList(60, 70, 80), DefaultStandardParams(), []string{"577.53", "700.00", "822.47"}},
		{"odd count, input order kept", resMarksList(80, 60, 70), DefaultStandardParams(), []string{"822.47", "577.53", "700.00"}},
		// median (20 + 30) / 2 = 25, σ = sqrt(125) = 11.1803 marks.
		{"even count", resMarksList(10, 20, 30, 40), DefaultStandardParams(), []string{"565.84", "655.28", "744.72", "834.16"}},
		// median (70 + 80) / 2 = 75 from unsorted input, same σ.
		{"even count unsorted", resMarksList(80, 60, 90, 70), DefaultStandardParams(), []string{"744.72", "565.84", "834.16", "655.28"}},
		// median 70 ≠ mean 80: the centre is the median.
		{"median not mean", resMarksList(60, 70, 110), DefaultStandardParams(), []string{"653.71", "700.00", "885.16"}},
		{"one competitor", resMarksList(55), DefaultStandardParams(), []string{"700.00"}},
		{"all equal", resMarksList(50, 50, 50), DefaultStandardParams(), []string{"700.00", "700.00", "700.00"}},
		{"no raws", nil, DefaultStandardParams(), []string{}},
		{"other scale", resMarksList(60, 70, 80), StandardParams{Centre: 500, PointsPerSD: 50}, []string{"438.76", "500.00", "561.24"}},
		{"fractions of hundredths", []*big.Rat{big.NewRat(0, 1), big.NewRat(200, 3)}, DefaultStandardParams(), []string{"600.00", "800.00"}},
		{"nil raw counts as 0", []*big.Rat{nil, big.NewRat(200, 1)}, DefaultStandardParams(), []string{"600.00", "800.00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Standardise(tc.raws, tc.p)
			if g := resRound2All(got); !slices.Equal(g, tc.want) {
				t.Fatalf("Standardise = %v, want %v", g, tc.want)
			}
			for i, f := range got {
				if f.Prec() != ScorePrec || f.Mode() != ScoreRounding {
					t.Errorf("score %d: prec %d mode %v, want %d %v", i, f.Prec(), f.Mode(), ScorePrec, ScoreRounding)
				}
			}
		})
	}
}

func TestStandardiseExact(t *testing.T) {
	// raws 0 and 2 marks: median 1, σ = 1, so scores are exactly 600 and 800.
	got := Standardise(resMarksList(0, 2), DefaultStandardParams())
	for i, want := range []int64{600, 800} {
		if got[i].Cmp(new(big.Float).SetInt64(want)) != 0 {
			t.Errorf("score %d = %s, want exactly %d", i, got[i].Text('g', 50), want)
		}
	}
}

func TestStandardiseGolden(t *testing.T) {
	// The exact bits of the 128-bit scores, fixed here so that a change of
	// precision, rounding or order of operations is noticed (DESIGN §6:
	// reproducible byte for byte).
	got := Standardise(resMarksList(60, 70, 80), DefaultStandardParams())
	want := []string{
		"577.5255128608410950901357962647054304026",
		"700",
		"822.4744871391589049098642037352945695974",
	}
	for i, f := range got {
		if g := f.Text('g', 40); g != want[i] {
			t.Errorf("score %d = %s, want %s", i, g, want[i])
		}
	}
}

func TestFormulaText(t *testing.T) {
	tests := []struct {
		name string
		raws []*big.Rat
		p    StandardParams
		want string
	}{
		{"odd count", resMarksList(60, 70, 80), DefaultStandardParams(), "standardised = 700 + 100 × (raw − 70.00) ÷ 8.16"},
		{"even count", resMarksList(10, 20, 30, 40), DefaultStandardParams(), "standardised = 700 + 100 × (raw − 25.00) ÷ 11.18"},
		{"fractional median", []*big.Rat{big.NewRat(7000, 1), big.NewRat(7250, 1)}, DefaultStandardParams(), "standardised = 700 + 100 × (raw − 71.25) ÷ 1.25"},
		{"median rounds half-up", []*big.Rat{big.NewRat(7000, 1), big.NewRat(7001, 1)}, DefaultStandardParams(), "standardised = 700 + 100 × (raw − 70.01) ÷ 0.01"},
		{"negative median", resMarksList(-10, -20, -30), DefaultStandardParams(), "standardised = 700 + 100 × (raw + 20.00) ÷ 8.16"},
		{"other scale", resMarksList(60, 70, 80), StandardParams{Centre: 500, PointsPerSD: 50}, "standardised = 500 + 50 × (raw − 70.00) ÷ 8.16"},
		{"one competitor", resMarksList(55), DefaultStandardParams(), "standardised = 700 (all raw totals equal)"},
		{"all equal", resMarksList(50, 50), DefaultStandardParams(), "standardised = 700 (all raw totals equal)"},
		{"no raws", nil, DefaultStandardParams(), "standardised = 700 + 100 × (raw − median) ÷ σ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormulaText(tc.raws, tc.p); got != tc.want {
				t.Fatalf("FormulaText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRound2(t *testing.T) {
	inf := new(big.Float).SetInf(false)
	tests := []struct {
		name string
		in   *big.Float
		want string
	}{
		{"zero", new(big.Float), "0.00"},
		{"integer", big.NewFloat(700), "700.00"},
		{"two decimals", big.NewFloat(712.25), "712.25"},
		{"exact half up .125", big.NewFloat(0.125), "0.13"},
		{"exact half up .375", big.NewFloat(0.375), "0.38"},
		{"exact half up 2.625", big.NewFloat(2.625), "2.63"},
		{"712.34375 is below the half", big.NewFloat(712.34375), "712.34"},
		{"exact half up 0.015625", big.NewFloat(0.015625), "0.02"},
		{"below half 0.0078125", big.NewFloat(0.0078125), "0.01"},
		{"negative half away from zero", big.NewFloat(-0.125), "-0.13"},
		{"negative half away from zero 2.625", big.NewFloat(-2.625), "-2.63"},
		{"negative", big.NewFloat(-2.5), "-2.50"},
		{"negative rounding to zero", big.NewFloat(-0.001), "0.00"},
		{"1.005 is stored below the half", big.NewFloat(1.005), "1.00"},
		{"large", big.NewFloat(1234567.875), "1234567.88"},
		{"nil", nil, ""},
		{"infinity", inf, "+Inf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Round2(tc.in); got != tc.want {
				t.Fatalf("Round2(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRoundMarks(t *testing.T) {
	tests := []struct {
		name string
		in   *big.Rat
		want string
	}{
		{"whole hundredths", big.NewRat(12345, 1), "123.45"},
		{"whole marks", big.NewRat(10000, 1), "100.00"},
		{"zero", new(big.Rat), "0.00"},
		{"a third of a hundredth", big.NewRat(1, 3), "0.00"},
		{"two thirds of a hundredth", big.NewRat(2, 3), "0.01"},
		{"half a hundredth rounds up", big.NewRat(1, 2), "0.01"},
		{"negative half rounds away from zero", big.NewRat(-1, 2), "-0.01"},
		{"five thousandths of a hundredth", big.NewRat(5, 1000), "0.00"},
		{"judgement mark 400/3", big.NewRat(400, 3), "1.33"},
		{"judgement mark 500/3", big.NewRat(500, 3), "1.67"},
		{"negative", big.NewRat(-12345, 1), "-123.45"},
		{"negative rounding to zero", big.NewRat(-1, 3), "0.00"},
		{"nil", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RoundMarks(tc.in); got != tc.want {
				t.Fatalf("RoundMarks(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// resRankPairs prints a ranking as "entry:rank" pairs.
func resRankPairs(rs []Ranked) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d:%d", r.Entry, r.Rank)
	}
	return strings.Join(parts, " ")
}

// resCriteria builds totals with the given criterion subtotals.
func resCriteria(entry int64, crit map[string]int64) Totals {
	t := Totals{Entry: entry, Raw: new(big.Rat), Criteria: map[string]*big.Rat{}}
	for k, v := range crit {
		t.Criteria[k] = big.NewRat(v, 1)
		t.Raw.Add(t.Raw, t.Criteria[k])
	}
	return t
}

func TestRank(t *testing.T) {
	tieBreakTotals := map[int64]Totals{
		1: resCriteria(1, map[string]int64{"A": 3000, "B": 1000}),
		2: resCriteria(2, map[string]int64{"A": 3000, "B": 2000}),
		3: resCriteria(3, map[string]int64{"A": 2000, "B": 5000}),
	}
	tests := []struct {
		name    string
		entries []int64
		scores  []string
		totals  map[int64]Totals
		p       func(t *testing.T) RankParams
		want    string
	}{
		{"no entries", nil, nil, nil, nil, ""},
		{"one entry", []int64{4}, []string{"700"}, nil, nil, "4:1"},
		{"distinct", []int64{1, 2, 3}, []string{"700", "800", "600"}, nil, nil, "2:1 1:2 3:3"},
		{"tie 1 1 3", []int64{1, 2, 3}, []string{"750", "750", "700"}, nil, nil, "1:1 2:1 3:3"},
		{"tie 1 2 2 4", []int64{1, 2, 3, 4}, []string{"800", "700", "700", "600"}, nil, nil, "1:1 2:2 3:2 4:4"},
		{"equal rank by entry id", []int64{9, 5, 3}, []string{"750", "700", "750"}, nil, nil, "3:1 9:1 5:3"},
		{"threshold 1 ties three", []int64{1, 2, 3}, []string{"710", "709.5", "709"}, nil,
			func(t *testing.T) RankParams { return RankParams{TieThreshold: resFloat(t, "1")} }, "1:1 2:1 3:1"},
		{"threshold 0.6 ties two", []int64{1, 2, 3}, []string{"710", "709.5", "709"}, nil,
			func(t *testing.T) RankParams { return RankParams{TieThreshold: resFloat(t, "0.6")} }, "1:1 2:1 3:3"},
		{"groups anchor on their highest score, not chain", []int64{1, 2, 3, 4}, []string{"710", "709.5", "709", "708.5"}, nil,
			func(t *testing.T) RankParams { return RankParams{TieThreshold: resFloat(t, "0.6")} }, "1:1 2:1 3:3 4:3"},
		{"difference exactly the threshold ties", []int64{1, 2}, []string{"710.25", "709.25"}, nil,
			func(t *testing.T) RankParams { return RankParams{TieThreshold: resFloat(t, "1")} }, "1:1 2:1"},
		{"nil threshold is 0", []int64{1, 2}, []string{"710", "709.99"}, nil,
			func(t *testing.T) RankParams { return RankParams{} }, "1:1 2:2"},
		{"negative threshold is 0", []int64{1, 2, 3}, []string{"710", "710", "709.99"}, nil,
			func(t *testing.T) RankParams { return RankParams{TieThreshold: resFloat(t, "-5")} }, "1:1 2:1 3:3"},
		{"tie-break by first criterion then second", []int64{1, 2, 3}, []string{"700", "700", "700"}, tieBreakTotals,
			func(t *testing.T) RankParams { return RankParams{TieBreak: []string{"A", "B"}} }, "2:1 1:2 3:3"},
		{"tie-break in another criterion order", []int64{1, 2, 3}, []string{"700", "700", "700"}, tieBreakTotals,
			func(t *testing.T) RankParams { return RankParams{TieBreak: []string{"B", "A"}} }, "3:1 2:2 1:3"},
		{"still equal after tie-break stays tied", []int64{1, 2, 3}, []string{"700", "700", "700"}, tieBreakTotals,
			func(t *testing.T) RankParams { return RankParams{TieBreak: []string{"A"}} }, "1:1 2:1 3:3"},
		{"tie-break only within a tie group", []int64{1, 3}, []string{"710", "705"}, tieBreakTotals,
			func(t *testing.T) RankParams { return RankParams{TieBreak: []string{"B"}} }, "1:1 3:2"},
		{"tie-break within a threshold group", []int64{1, 2, 3}, []string{"710", "709.5", "600"}, tieBreakTotals,
			func(t *testing.T) RankParams {
				return RankParams{TieThreshold: resFloat(t, "1"), TieBreak: []string{"B"}}
			}, "2:1 1:2 3:3"},
		{"missing totals count as 0", []int64{1, 8}, []string{"700", "700"}, tieBreakTotals,
			func(t *testing.T) RankParams { return RankParams{TieBreak: []string{"A", "Z"}} }, "1:1 8:2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p RankParams
			if tc.p != nil {
				p = tc.p(t)
			}
			got := Rank(tc.entries, resFloats(t, tc.scores...), tc.totals, p)
			if g := resRankPairs(got); g != tc.want {
				t.Fatalf("Rank = %q, want %q", g, tc.want)
			}
		})
	}
}

func TestRankCopiesScores(t *testing.T) {
	scores := resFloats(t, "700")
	got := Rank([]int64{1}, scores, nil, RankParams{})
	scores[0].SetInt64(1)
	if got[0].Score.Cmp(big.NewFloat(700)) != 0 {
		t.Fatalf("Score = %s after changing the input, want 700", got[0].Score.String())
	}
}

func TestRankPanicsOnBadInput(t *testing.T) {
	tests := []struct {
		name    string
		entries []int64
		scores  []*big.Float
	}{
		{"lengths differ", []int64{1, 2}, []*big.Float{big.NewFloat(1)}},
		{"nil score", []int64{1}, []*big.Float{nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("Rank did not panic")
				}
			}()
			Rank(tc.entries, tc.scores, nil, RankParams{})
		})
	}
}

// resRanked builds a ranking from entry, rank and score triples.
func resRanked(t *testing.T, rows ...any) []Ranked {
	t.Helper()
	var out []Ranked
	for i := 0; i+2 < len(rows); i += 3 {
		out = append(out, Ranked{Entry: int64(rows[i].(int)), Rank: rows[i+1].(int), Score: resFloat(t, rows[i+2].(string))})
	}
	return out
}

// resAwardText prints results as "entry:award[*]" with * for best of region.
func resAwardText(rs []Result) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		a := string(r.Award)
		if a == "" {
			a = "-"
		}
		if r.BestOfRegion {
			a += "*"
		}
		parts[i] = fmt.Sprintf("%d:%s", r.Entry, a)
	}
	return strings.Join(parts, " ")
}

func TestDefaultAwardParams(t *testing.T) {
	p := DefaultAwardParams()
	if p.MedallionAt == nil || p.MedallionAt.Cmp(big.NewFloat(700)) != 0 || p.ExcellenceTopPercent != 0 {
		t.Fatalf("DefaultAwardParams() = %v, %d; want 700, 0", p.MedallionAt, p.ExcellenceTopPercent)
	}
}

func TestAwards(t *testing.T) {
	tests := []struct {
		name    string
		ranked  []any // entry, rank, score triples
		regions map[int64]Region
		p       AwardParams
		want    string
	}{
		{"no entries", nil, nil, DefaultAwardParams(), ""},
		{"one competitor gets gold", []any{1, 1, "700"}, nil, DefaultAwardParams(), "1:gold"},
		{"one to three", []any{1, 1, "800", 2, 2, "750", 3, 3, "720", 4, 4, "690"}, nil, DefaultAwardParams(),
			"1:gold 2:silver 3:bronze 4:-"},
		{"two golds: no silver, bronze at 3", []any{1, 1, "800", 2, 1, "800", 3, 3, "720", 4, 4, "690"}, nil, DefaultAwardParams(),
			"1:gold 2:gold 3:bronze 4:-"},
		{"two silvers: no bronze", []any{1, 1, "800", 2, 2, "750", 3, 2, "750", 4, 4, "720"}, nil, DefaultAwardParams(),
			"1:gold 2:silver 3:silver 4:medallion"},
		{"three-way tie for bronze", []any{1, 1, "800", 2, 2, "760", 3, 3, "720", 4, 3, "720", 5, 3, "720", 6, 6, "650"}, nil, DefaultAwardParams(),
			"1:gold 2:silver 3:bronze 4:bronze 5:bronze 6:-"},
		{"medallion at exactly 700", []any{1, 1, "800", 2, 2, "760", 3, 3, "720", 4, 4, "700", 5, 5, "699.99"}, nil, DefaultAwardParams(),
			"1:gold 2:silver 3:bronze 4:medallion 5:-"},
		{"nil medallion threshold means 700", []any{1, 1, "800", 2, 2, "760", 3, 3, "720", 4, 4, "700", 5, 5, "699.99"}, nil, AwardParams{},
			"1:gold 2:silver 3:bronze 4:medallion 5:-"},
		{"medallion follows the score within a shared rank", []any{1, 1, "800", 2, 2, "760", 3, 3, "720", 4, 4, "700.2", 5, 4, "699.9"}, nil, DefaultAwardParams(),
			"1:gold 2:silver 3:bronze 4:medallion 5:-"},
		{"excellence 10 % of 11 rounds up to 2",
			[]any{1, 1, "900", 2, 2, "850", 3, 3, "800", 4, 4, "699", 5, 5, "698", 6, 6, "697", 7, 7, "696", 8, 8, "695", 9, 9, "694", 10, 10, "693", 11, 11, "692", 12, 12, "691", 13, 13, "690", 14, 14, "689"},
			nil, AwardParams{ExcellenceTopPercent: 10},
			"1:gold 2:silver 3:bronze 4:excellence 5:excellence 6:- 7:- 8:- 9:- 10:- 11:- 12:- 13:- 14:-"},
		{"excellence skips medallists and medallions",
			[]any{1, 1, "900", 2, 2, "850", 3, 3, "800", 4, 4, "750", 5, 5, "690", 6, 6, "680", 7, 7, "670", 8, 8, "660", 9, 9, "650"},
			nil, AwardParams{ExcellenceTopPercent: 50},
			"1:gold 2:silver 3:bronze 4:medallion 5:excellence 6:excellence 7:excellence 8:- 9:-"},
		{"excellence 20 % of 5 is 1",
			[]any{1, 1, "900", 2, 2, "850", 3, 3, "800", 4, 4, "690", 5, 5, "680", 6, 6, "670", 7, 7, "660", 8, 8, "650"},
			nil, AwardParams{ExcellenceTopPercent: 20},
			"1:gold 2:silver 3:bronze 4:excellence 5:- 6:- 7:- 8:-"},
		{"excellence includes ties at the cut",
			[]any{1, 1, "900", 2, 2, "850", 3, 3, "800", 4, 4, "690", 5, 5, "680", 6, 5, "680", 7, 7, "660"},
			nil, AwardParams{ExcellenceTopPercent: 50},
			"1:gold 2:silver 3:bronze 4:excellence 5:excellence 6:excellence 7:-"},
		{"excellence 100 % gives it to all the rest",
			[]any{1, 1, "900", 2, 2, "690", 3, 3, "680", 4, 4, "600", 5, 5, "500"},
			nil, AwardParams{ExcellenceTopPercent: 150},
			"1:gold 2:silver 3:bronze 4:excellence 5:excellence"},
		{"excellence 0 % is off",
			[]any{1, 1, "900", 2, 2, "690", 3, 3, "680", 4, 4, "600"},
			nil, AwardParams{ExcellenceTopPercent: 0},
			"1:gold 2:silver 3:bronze 4:-"},
		{"best of region with ties",
			[]any{1, 1, "900", 2, 2, "850", 3, 2, "850", 4, 4, "690", 5, 5, "680", 6, 6, "670", 7, 7, "660"},
			map[int64]Region{1: RegionHK, 2: RegionGD, 3: RegionGD, 4: RegionMO, 5: RegionMO, 6: RegionGD},
			DefaultAwardParams(),
			"1:gold* 2:silver* 3:silver* 4:-* 5:- 6:- 7:-"},
		{"input order does not matter",
			[]any{4, 4, "690", 2, 1, "800", 3, 3, "720", 1, 1, "800"},
			map[int64]Region{1: RegionGD, 2: RegionGD, 3: RegionHK, 4: RegionHK},
			DefaultAwardParams(),
			"1:gold* 2:gold* 3:bronze* 4:-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Awards(resRanked(t, tc.ranked...), tc.regions, nil, tc.p)
			if g := resAwardText(got); g != tc.want {
				t.Fatalf("Awards = %q,\nwant     %q", g, tc.want)
			}
		})
	}
}

func TestAwardsCarriesEntryData(t *testing.T) {
	ranked := resRanked(t, 1, 1, "812.5")
	raws := map[int64]*big.Rat{1: big.NewRat(8125, 1)}
	got := Awards(ranked, map[int64]Region{1: RegionMO}, raws, DefaultAwardParams())
	raws[1].SetInt64(0)
	ranked[0].Score.SetInt64(0)
	want := Result{Entry: 1, Region: RegionMO, Raw: big.NewRat(8125, 1), Score: resFloat(t, "812.5"), Rank: 1, Award: Gold, BestOfRegion: true}
	g := got[0]
	if g.Entry != want.Entry || g.Region != want.Region || g.Raw.Cmp(want.Raw) != 0 || g.Score.Cmp(want.Score) != 0 ||
		g.Rank != want.Rank || g.Award != want.Award || g.BestOfRegion != want.BestOfRegion {
		t.Fatalf("Awards = %+v, want %+v", g, want)
	}
}

func TestMedalTable(t *testing.T) {
	r := func(entry int64, region Region, award Award) Result {
		return Result{Entry: entry, Region: region, Award: award}
	}
	tests := []struct {
		name   string
		skills [][]Result
		want   []MedalRow
	}{
		{"no skills", nil, []MedalRow{}},
		{
			name: "counts and sorting by gold, silver, bronze, medallion",
			skills: [][]Result{
				{r(1, RegionGD, Gold), r(2, RegionHK, Silver), r(3, RegionMO, Bronze), r(4, RegionMO, Medallion)},
				{r(5, RegionHK, Gold), r(6, RegionGD, Silver), r(7, RegionGD, Bronze), r(8, RegionHK, Excellence)},
				{r(9, RegionMO, Gold), r(10, RegionMO, Gold), r(11, RegionGD, Bronze), r(12, "", Medallion)},
			},
			want: []MedalRow{
				{Region: RegionMO, Gold: 2, Bronze: 1, Medallion: 1},
				{Region: RegionGD, Gold: 1, Silver: 1, Bronze: 2},
				{Region: RegionHK, Gold: 1, Silver: 1},
			},
		},
		{
			name: "medallions decide, then region code",
			skills: [][]Result{
				{r(1, RegionMO, Gold), r(2, RegionHK, Gold), r(3, RegionGD, Gold), r(4, RegionHK, Medallion)},
			},
			want: []MedalRow{
				{Region: RegionHK, Gold: 1, Medallion: 1},
				{Region: RegionGD, Gold: 1},
				{Region: RegionMO, Gold: 1},
			},
		},
		{
			name: "a team counts once; a region without medals is listed",
			skills: [][]Result{
				{r(1, RegionHK, Gold), r(1, RegionHK, Gold), r(2, RegionGD, ""), r(3, RegionMO, Silver)},
			},
			want: []MedalRow{
				{Region: RegionHK, Gold: 1},
				{Region: RegionMO, Silver: 1},
				{Region: RegionGD},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MedalTable(tc.skills); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("MedalTable = %+v,\nwant %+v", got, tc.want)
			}
		})
	}
}

// resPipeline runs the whole of DESIGN §6 on a skill's entries, in the order
// given: totals, standardisation, ranking and awards.
func resPipeline(entries []EntryScore, rp RankParams, ap AwardParams) []Result {
	ids := make([]int64, len(entries))
	rawList := make([]*big.Rat, len(entries))
	totals := make(map[int64]Totals, len(entries))
	regions := make(map[int64]Region, len(entries))
	raws := make(map[int64]*big.Rat, len(entries))
	for i, e := range entries {
		t := ComputeTotals(e)
		ids[i], rawList[i] = e.Entry, t.Raw
		totals[e.Entry], regions[e.Entry], raws[e.Entry] = t, e.Region, t.Raw
	}
	scores := Standardise(rawList, DefaultStandardParams())
	return Awards(Rank(ids, scores, totals, rp), regions, raws, ap)
}

// resResultText prints results exactly, score bits included.
func resResultText(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%d %s %s %s %d %s %v\n", r.Entry, r.Region, r.Raw.RatString(), r.Score.Text('p', 0), r.Rank, r.Award, r.BestOfRegion)
	}
	return b.String()
}

// resRandomEntries makes n entries with random exact marks, coarse enough
// that equal totals (ties) happen.
func resRandomEntries(rng *rand.Rand, n int) []EntryScore {
	regions := []Region{RegionGD, RegionHK, RegionMO}
	layout := [][3]string{{"A", "A1", "A1.1"}, {"A", "A1", "A1.2"}, {"A", "A2", "A2.1"}, {"B", "B1", "B1.1"}, {"B", "B1", "B1.2"}, {"C", "C1", "C1.1"}}
	entries := make([]EntryScore, n)
	for i := range entries {
		e := EntryScore{Entry: int64(100 + 7*i), Region: regions[rng.IntN(len(regions))]}
		for _, l := range layout {
			var v *big.Rat
			if rng.IntN(2) == 0 {
				v = big.NewRat(int64(rng.IntN(4))*100, 1) // M aspect: whole marks
			} else {
				v = big.NewRat(int64(rng.IntN(10))*50, 3) // J aspect: 0.50 marks × k/3
			}
			e.Aspects = append(e.Aspects, AspectValue{l[0], l[1], l[2], v})
		}
		entries[i] = e
	}
	return entries
}

func TestResultsOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240601, 6))
	for round := range 200 {
		n := 1 + rng.IntN(15)
		entries := resRandomEntries(rng, n)
		rp := RankParams{TieThreshold: big.NewFloat([]float64{0, 0.5, 5, 25}[rng.IntN(4)])}
		if rng.IntN(2) == 0 {
			rp.TieBreak = []string{"A", "B", "C"}
		}
		ap := AwardParams{ExcellenceTopPercent: []int{0, 10, 33, 100}[rng.IntN(4)]}
		want := resPipeline(entries, rp, ap)

		shuffled := make([]EntryScore, n)
		for i, e := range entries {
			e.Aspects = slices.Clone(e.Aspects)
			rng.Shuffle(len(e.Aspects), func(a, b int) { e.Aspects[a], e.Aspects[b] = e.Aspects[b], e.Aspects[a] })
			shuffled[i] = e
		}
		rng.Shuffle(n, func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got := resPipeline(shuffled, rp, ap)

		byEntry := func(a, b Result) int { return cmp.Compare(a.Entry, b.Entry) }
		slices.SortFunc(got, byEntry)
		slices.SortFunc(want, byEntry)
		if g, w := resResultText(got), resResultText(want); g != w {
			t.Fatalf("round %d: shuffled input gives\n%s\nwant\n%s", round, g, w)
		}
	}
}

func TestStandardiseMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 700))
	for round := range 300 {
		n := 1 + rng.IntN(20)
		raws := make([]*big.Rat, n)
		for i := range raws {
			raws[i] = big.NewRat(int64(rng.IntN(40))*25, int64(1+rng.IntN(3)))
		}
		p := StandardParams{Centre: 700, PointsPerSD: int64(1 + rng.IntN(200))}
		scores := Standardise(raws, p)
		for i := range raws {
			for j := range raws {
				rc, sc := raws[i].Cmp(raws[j]), scores[i].Cmp(scores[j])
				if rc != sc {
					t.Fatalf("round %d: raw %s vs %s compares %d, but scores %s vs %s compare %d",
						round, raws[i].RatString(), raws[j].RatString(), rc, scores[i].Text('g', 20), scores[j].Text('g', 20), sc)
				}
			}
		}
	}
}

func TestRankCompetitionPattern(t *testing.T) {
	rng := rand.New(rand.NewPCG(1224, 1))
	thresholds := []string{"0", "0.5", "1", "2.5"}
	for round := range 300 {
		n := 1 + rng.IntN(20)
		entries := make([]int64, n)
		scores := make([]*big.Float, n)
		for i := range entries {
			entries[i] = int64(rng.IntN(1000))*100 + int64(i) // distinct, unordered
			scores[i] = resFloat(t, fmt.Sprintf("%d.%d", 695+rng.IntN(10), 5*rng.IntN(2)))
		}
		threshold := resFloat(t, thresholds[rng.IntN(len(thresholds))])
		got := Rank(entries, scores, nil, RankParams{TieThreshold: threshold})

		// Groups recomputed independently: walk the scores from the top;
		// a score more than T below the current group's top opens a group.
		byScore := slices.Clone(got)
		slices.SortFunc(byScore, func(a, b Ranked) int { return b.Score.Cmp(a.Score) })
		group := make(map[int64]int, n)
		top, g := (*big.Float)(nil), -1
		for _, r := range byScore {
			if top == nil || new(big.Float).Sub(top, r.Score).Cmp(threshold) > 0 {
				top, g = r.Score, g+1
			}
			group[r.Entry] = g
		}
		for i, r := range got {
			better, betterRank, scoreBelow := 0, 0, 0
			for _, o := range got {
				if group[o.Entry] < group[r.Entry] {
					better++
				}
				if o.Rank < r.Rank {
					betterRank++
				}
				if o.Score.Cmp(r.Score) > 0 {
					scoreBelow++
				}
				if o.Score.Cmp(r.Score) > 0 && o.Rank > r.Rank {
					t.Fatalf("round %d: entry %d scores more than %d but ranks worse", round, o.Entry, r.Entry)
				}
			}
			if r.Rank != 1+better || r.Rank != 1+betterRank {
				t.Fatalf("round %d: entry %d has rank %d, want 1 + %d entries in better groups (%d better ranked)",
					round, r.Entry, r.Rank, better, betterRank)
			}
			if threshold.Sign() == 0 && r.Rank != 1+scoreBelow {
				t.Fatalf("round %d: entry %d has rank %d, want 1 + %d higher scores", round, r.Entry, r.Rank, scoreBelow)
			}
			if i > 0 && byRankThenEntry(got[i-1].Rank, got[i-1].Entry, r.Rank, r.Entry) >= 0 {
				t.Fatalf("round %d: results not ordered by rank then entry at %d", round, i)
			}
		}
	}
}

func TestResultsReproducible(t *testing.T) {
	entries := resRandomEntries(rand.New(rand.NewPCG(42, 42)), 25)
	run := func() string {
		var b strings.Builder
		raws := make([]*big.Rat, len(entries))
		for i, e := range entries {
			raws[i] = ComputeTotals(e).Raw
		}
		b.WriteString(FormulaText(raws, DefaultStandardParams()))
		for _, r := range resPipeline(entries, RankParams{TieThreshold: big.NewFloat(0.5)}, AwardParams{ExcellenceTopPercent: 20}) {
			fmt.Fprintf(&b, "\n%d %s %s %d %s", r.Entry, RoundMarks(r.Raw), Round2(r.Score), r.Rank, r.Award)
		}
		return b.String()
	}
	first := run()
	for i := range 50 {
		if got := run(); got != first {
			t.Fatalf("run %d gives\n%s\nwant\n%s", i+1, got, first)
		}
	}
}
