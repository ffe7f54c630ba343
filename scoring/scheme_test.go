package scoring

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// judgementAspect returns a judgement aspect with the four descriptors WorldSkills
// requires, for scores 0, 1, 2 and 3.
func judgementAspect(desc string, maxMark Centi, d0, d1, d2, d3 string) Aspect {
	return Aspect{Kind: Judgement, Description: desc, MaxMark: maxMark, Standard: "WSOS 5", Descriptors: []string{d0, d1, d2, d3}}
}

// measurementAspect returns a measurement aspect.
func measurementAspect(desc string, maxMark Centi, rule string) Aspect {
	return Aspect{Kind: Measurement, Description: desc, MaxMark: maxMark, Standard: "WSOS 4", Rule: rule}
}

// cncMillingScheme returns a valid CNC Milling marking scheme totalling 100 marks,
// normalized, with codes filled by Normalize (A, A1, A1.1, …).
func cncMillingScheme() Scheme {
	const tol = "Full mark within tolerance, otherwise 0"
	dims := func(descs ...string) []Aspect {
		as := make([]Aspect, len(descs))
		for i, d := range descs {
			as[i] = measurementAspect(d, 150, tol)
		}
		return as
	}
	s := Scheme{Criteria: []Criterion{
		{Name: "Work organisation and safety", SubCriteria: []SubCriterion{
			{Name: "Health, safety and housekeeping", Aspects: []Aspect{
				measurementAspect("Safety glasses and safety shoes worn at all times in the workshop", 200, "2 marks deducted per observed breach, down to 0"),
				measurementAspect("Machine and work area cleaned at the end of the module", 200, ""),
				judgementAspect("Handling of tools, fixtures and workpieces", 300,
					"Unsafe handling; tools or workpieces damaged or dropped",
					"Safe handling with frequent lapses in order and care",
					"Safe and orderly handling with minor lapses",
					"Exemplary, safe and efficient handling throughout"),
			}},
			{Name: "Planning", Aspects: []Aspect{
				measurementAspect("Machining sequence and tool list documented before machining", 300, ""),
			}},
		}},
		{Name: "Dimensions", SubCriteria: []SubCriterion{
			{Name: "Bores and fits", Aspects: dims(
				"Ø 40 H7 within tolerance", "Ø 20 H7 within tolerance", "Ø 12 H7 within tolerance",
				"Ø 8 H7 dowel holes, position ±0.02", "Bore depth 25 ±0.05", "Counterbore Ø 18 depth 11 ±0.1",
				"Bore axis perpendicularity 0.02 to datum A", "Bore position 60 ±0.02 from datum B")},
			{Name: "Pockets and profiles", Aspects: dims(
				"Pocket width 30 +0.05/0", "Pocket depth 8 ±0.03", "Outer contour 120 ±0.05",
				"Outer contour 80 ±0.05", "Boss Ø 50 f7 within tolerance", "Slot width 10 H9 within tolerance",
				"Step height 15 ±0.02", "Flatness of top face 0.02")},
			{Name: "Threads and chamfers", Aspects: dims(
				"M8 threads pass go/no-go gauge", "M6 threads pass go/no-go gauge",
				"Chamfers 1 × 45° on all outer edges", "Radius R5 on pocket corners")},
		}},
		{Name: "Surface finish", SubCriteria: []SubCriterion{
			{Name: "Machined surfaces", Aspects: []Aspect{
				judgementAspect("Surface finish of bores and pockets", 600,
					"Visible chatter or tearing; Ra clearly above 3.2",
					"Uneven finish with tool marks; Ra around 3.2",
					"Even finish with few tool marks; Ra around 1.6",
					"Uniform finish comparable to grinding; Ra 0.8 or better"),
				judgementAspect("Surface finish of outer contour and faces", 600,
					"Steps, chatter or dwell marks clearly visible",
					"Several visible steps or dwell marks",
					"Few, faint witness marks",
					"No visible steps, dwell or witness marks"),
				judgementAspect("Blending of roughing and finishing passes", 600,
					"Clear mismatch between passes",
					"Mismatch visible in several places",
					"Mismatch barely visible",
					"Passes blend without any visible transition"),
			}},
			{Name: "Edges and appearance", Aspects: []Aspect{
				judgementAspect("Deburring and edge quality", 600,
					"Burrs left on most edges", "Burrs left on some edges",
					"All edges deburred, unevenly", "All edges evenly deburred and broken"),
				judgementAspect("Overall appearance of the finished part", 600,
					"Damaged, scratched or marked part", "Several handling marks",
					"Clean part with minor marks", "Flawless, professional appearance"),
			}},
		}},
		{Name: "Function and assembly", SubCriteria: []SubCriterion{
			{Name: "Assembly", Aspects: []Aspect{
				measurementAspect("Part 1 and part 2 assemble by hand without force", 1000, ""),
				measurementAspect("Dowel pins fit with transition fit", 500, ""),
				measurementAspect("Assembled height 65 ±0.05", 500, ""),
			}},
			{Name: "Function", Aspects: []Aspect{
				measurementAspect("Slide moves freely over its full stroke", 1000, "5 marks deducted if it sticks, 0 if it does not move"),
			}},
		}},
	}}
	s.Normalize()
	return s
}

// cloneScheme returns a deep copy of s, so that a test can change it freely.
func cloneScheme(s Scheme) Scheme {
	out := Scheme{Criteria: slices.Clone(s.Criteria)}
	for i := range out.Criteria {
		c := &out.Criteria[i]
		c.SubCriteria = slices.Clone(c.SubCriteria)
		for j := range c.SubCriteria {
			sc := &c.SubCriteria[j]
			sc.Aspects = slices.Clone(sc.Aspects)
			for k := range sc.Aspects {
				sc.Aspects[k].Descriptors = slices.Clone(sc.Aspects[k].Descriptors)
			}
		}
	}
	return out
}

// findAspect returns the aspect of s with the given code; it fails the test if
// there is none.
func findAspect(t *testing.T, s *Scheme, code string) *Aspect {
	t.Helper()
	for _, a := range s.aspects() {
		if a.Code == code {
			return a
		}
	}
	t.Fatalf("no aspect %s", code)
	return nil
}

// problemPaths returns the paths of problems, in order.
func problemPaths(problems []Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Path)
	}
	return out
}

func TestCNCSchemeIsValid(t *testing.T) {
	s := cncMillingScheme()
	if got := s.Total(); got != 100*Mark {
		t.Fatalf("Total() = %s, want 100", got)
	}
	if got := s.Validate(100 * Mark); got != nil {
		t.Fatalf("Validate(100) = %v, want nil", got)
	}
	if got, want := s.AspectCount(), 33; got != want {
		t.Fatalf("AspectCount() = %d, want %d", got, want)
	}
}

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("铣", n) } // CJK: characters, not bytes, count
	tests := []struct {
		name   string
		change func(t *testing.T, s *Scheme)
		total  Centi // 0 means 100 marks
		want   []string
	}{
		{"valid", func(t *testing.T, s *Scheme) {}, 0, nil},
		{"no criteria", func(t *testing.T, s *Scheme) { s.Criteria = nil }, 0, []string{"criteria", "total"}},
		{"criterion without sub-criteria", func(t *testing.T, s *Scheme) { s.Criteria[2].SubCriteria = nil }, 0, []string{"C", "total"}},
		{"sub-criterion without aspects", func(t *testing.T, s *Scheme) { s.Criteria[2].SubCriteria[1].Aspects = nil }, 0, []string{"C2", "total"}},
		{"duplicate criterion code", func(t *testing.T, s *Scheme) { s.Criteria[3].Code = "C" }, 0, []string{"C"}},
		{"duplicate sub-criterion code", func(t *testing.T, s *Scheme) { s.Criteria[1].SubCriteria[2].Code = "A1" }, 0, []string{"A1"}},
		{"duplicate aspect code in another sub-criterion", func(t *testing.T, s *Scheme) { findAspect(t, s, "B2.1").Code = "B1.1" }, 0, []string{"B1.1"}},
		{"sub-criterion code clashes with a later criterion", func(t *testing.T, s *Scheme) { s.Criteria[0].SubCriteria[1].Code = "B" }, 0, []string{"B"}},
		{"aspect code clashes with a sub-criterion", func(t *testing.T, s *Scheme) { findAspect(t, s, "D2.1").Code = "D1" }, 0, []string{"D1"}},
		{"criterion code with a digit", func(t *testing.T, s *Scheme) { s.Criteria[0].Code = "A1X" }, 0, []string{"A1X"}},
		{"criterion code too long", func(t *testing.T, s *Scheme) { s.Criteria[0].Code = "ABCD" }, 0, []string{"ABCD"}},
		{"criterion code of 3 letters", func(t *testing.T, s *Scheme) { s.Criteria[0].Code = "WOS" }, 0, nil},
		{"criterion code missing", func(t *testing.T, s *Scheme) { s.Criteria[1].Code = "" }, 0, []string{"criterion 2"}},
		{"sub-criterion code with a space", func(t *testing.T, s *Scheme) { s.Criteria[0].SubCriteria[0].Code = "A 1" }, 0, []string{"A 1"}},
		{"sub-criterion code missing", func(t *testing.T, s *Scheme) { s.Criteria[0].SubCriteria[1].Code = "" }, 0, []string{"A sub-criterion 2"}},
		{"aspect code of 17 characters", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Code = "A1.1-123456789012" }, 0, []string{"A1.1-123456789012"}},
		{"aspect code of 16 characters", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Code = "A1.1-12345678901" }, 0, nil},
		{"aspect code missing", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.2").Code = "" }, 0, []string{"A1 aspect 2"}},
		{"criterion name missing", func(t *testing.T, s *Scheme) { s.Criteria[0].Name = "" }, 0, []string{"A.name"}},
		{"criterion name of 501 characters", func(t *testing.T, s *Scheme) { s.Criteria[0].Name = long(501) }, 0, []string{"A.name"}},
		{"criterion name of 500 characters", func(t *testing.T, s *Scheme) { s.Criteria[0].Name = long(500) }, 0, nil},
		{"criterion name with a line break", func(t *testing.T, s *Scheme) { s.Criteria[0].Name = "Work\norganisation" }, 0, []string{"A.name"}},
		{"sub-criterion name missing", func(t *testing.T, s *Scheme) { s.Criteria[1].SubCriteria[0].Name = "" }, 0, []string{"B1.name"}},
		{"sub-criterion name not UTF-8", func(t *testing.T, s *Scheme) { s.Criteria[1].SubCriteria[0].Name = "Bores \xff" }, 0, []string{"B1.name"}},
		{"description missing", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Description = "" }, 0, []string{"A1.1.description"}},
		{"description with a tab", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Description = "PPE\tworn" }, 0, []string{"A1.1.description"}},
		{"description with a line break", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Description = "PPE worn:\nglasses, shoes" }, 0, nil},
		{"description of 501 characters", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Description = long(501) }, 0, []string{"A1.1.description"}},
		{"standard of 501 characters", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Standard = long(501) }, 0, []string{"A1.1.standard"}},
		{"rule with a NUL", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Rule = "0 if\x00missing" }, 0, []string{"A1.1.rule"}},
		{"unknown kind", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Kind = "X" }, 0, []string{"A1.1.kind"}},
		{"kind missing", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Kind = "" }, 0, []string{"A1.1.kind"}},
		{"max mark zero", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").MaxMark = 0 }, 0, []string{"A1.1.max_mark", "total"}},
		{"max mark negative", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").MaxMark = -200 }, 0, []string{"A1.1.max_mark", "total"}},
		{"max mark above the total", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").MaxMark = 10100 }, 0, []string{"A1.1.max_mark", "total"}},
		{"judgement aspect with 3 descriptors", func(t *testing.T, s *Scheme) {
			a := findAspect(t, s, "C1.1")
			a.Descriptors = a.Descriptors[:3]
		}, 0, []string{"C1.1.descriptors"}},
		{"judgement aspect with 5 descriptors", func(t *testing.T, s *Scheme) {
			a := findAspect(t, s, "C1.1")
			a.Descriptors = append(a.Descriptors, "Beyond perfect")
		}, 0, []string{"C1.1.descriptors"}},
		{"judgement aspect without descriptors", func(t *testing.T, s *Scheme) { findAspect(t, s, "C1.1").Descriptors = nil }, 0, []string{"C1.1.descriptors"}},
		{"judgement aspect with two empty descriptors", func(t *testing.T, s *Scheme) {
			a := findAspect(t, s, "C1.2")
			a.Descriptors[1], a.Descriptors[3] = "", ""
		}, 0, []string{"C1.2.descriptors", "C1.2.descriptors"}},
		{"descriptor of 1001 characters", func(t *testing.T, s *Scheme) { findAspect(t, s, "C2.1").Descriptors[0] = long(1001) }, 0, []string{"C2.1.descriptors"}},
		{"descriptor of 1000 characters", func(t *testing.T, s *Scheme) { findAspect(t, s, "C2.1").Descriptors[0] = long(1000) }, 0, nil},
		{"measurement aspect with descriptors", func(t *testing.T, s *Scheme) {
			findAspect(t, s, "A1.1").Descriptors = []string{"none", "some", "most", "all"}
		}, 0, []string{"A1.1.descriptors"}},
		{"sum below the total", func(t *testing.T, s *Scheme) { findAspect(t, s, "A2.1").MaxMark = 150 }, 0, []string{"total"}},
		{"skill total differs", func(t *testing.T, s *Scheme) {}, 200 * Mark, []string{"total"}},
		{"skill total zero", func(t *testing.T, s *Scheme) {}, -1, []string{"total"}},
		{"several problems in document order", func(t *testing.T, s *Scheme) {
			findAspect(t, s, "D2.1").Kind = "?"
			s.Criteria[0].Name = ""
			findAspect(t, s, "C1.1").Descriptors[0] = ""
			findAspect(t, s, "B1.1").MaxMark = 0
			findAspect(t, s, "B1.2").MaxMark = 300
		}, 0, []string{"A.name", "B1.1.max_mark", "C1.1.descriptors", "D2.1.kind"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := cloneScheme(cncMillingScheme())
			tc.change(t, &s)
			total := tc.total
			switch total {
			case 0:
				total = 100 * Mark
			case -1:
				total = 0
			}
			got := s.Validate(total)
			if !slices.Equal(problemPaths(got), tc.want) {
				t.Fatalf("Validate paths = %q, want %q\nproblems: %+v", problemPaths(got), tc.want, got)
			}
			for _, p := range got {
				if p.Message == "" {
					t.Fatalf("problem at %s has no message", p.Path)
				}
			}
		})
	}
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, s *Scheme)
		want   Problem
	}{
		{"sum", func(t *testing.T, s *Scheme) { findAspect(t, s, "A2.1").MaxMark = 150 },
			Problem{"total", "aspects add up to 98.5, the skill's total is 100"}},
		{"duplicate", func(t *testing.T, s *Scheme) { findAspect(t, s, "D2.1").Code = "D1" },
			Problem{"D1", "the code D1 is already used by a sub-criterion earlier in the scheme; codes of criteria, sub-criteria and aspects must all differ"}},
		{"empty descriptor", func(t *testing.T, s *Scheme) { findAspect(t, s, "C1.1").Descriptors[2] = "" },
			Problem{"C1.1.descriptors", "the descriptor for score 2 is required"}},
		{"unknown kind", func(t *testing.T, s *Scheme) { findAspect(t, s, "A1.1").Kind = "Q" },
			Problem{"A1.1.kind", `the kind must be M (measurement) or J (judgement), not "Q"`}},
		{"no sub-criteria", func(t *testing.T, s *Scheme) { s.Criteria[3].SubCriteria = nil },
			Problem{"D", "criterion D has no sub-criteria; add at least one"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := cloneScheme(cncMillingScheme())
			tc.change(t, &s)
			got := s.Validate(100 * Mark)
			if len(got) == 0 || got[0] != tc.want {
				t.Fatalf("Validate = %+v, want first %+v", got, tc.want)
			}
		})
	}
}

func TestValidateAspectCount(t *testing.T) {
	build := func(n int) Scheme {
		var s Scheme
		for len(s.Criteria)*100 < n { // 100 aspects per criterion, 10 per sub-criterion
			c := Criterion{Name: "Criterion"}
			for j := 0; j < 10; j++ {
				sc := SubCriterion{Name: "Sub-criterion"}
				for k := 0; k < 10 && len(s.Criteria)*100+j*10+k < n; k++ {
					sc.Aspects = append(sc.Aspects, Aspect{Kind: Measurement, Description: "Dimension", MaxMark: 5})
				}
				if len(sc.Aspects) > 0 {
					c.SubCriteria = append(c.SubCriteria, sc)
				}
			}
			s.Criteria = append(s.Criteria, c)
		}
		s.Normalize()
		return s
	}
	tests := []struct {
		n    int
		want []string
	}{
		{MaxAspects, nil},
		{MaxAspects + 1, []string{"aspects"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			s := build(tc.n)
			if got := s.AspectCount(); got != tc.n {
				t.Fatalf("AspectCount() = %d, want %d", got, tc.n)
			}
			if got := problemPaths(s.Validate(Centi(tc.n) * 5)); !slices.Equal(got, tc.want) {
				t.Fatalf("Validate paths = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	s := Scheme{Criteria: []Criterion{
		{Name: "\u3000Work organisation ", SubCriteria: []SubCriterion{
			{Name: " Safety\t", Aspects: []Aspect{
				{Kind: " m ", Description: " PPE worn\r\nat all times\u3000", MaxMark: 100, Descriptors: []string{"", " ", "\u3000", ""}},
				{Code: " X-7 ", Kind: "j", Description: "Handling", MaxMark: 100, Descriptors: []string{" a", "b ", "c", "d"}},
				{Kind: "J", Description: "Order", MaxMark: 100, Descriptors: []string{"a", "", "c", "d"}},
			}},
			{Code: "a9", Name: "Planning", Aspects: []Aspect{{Kind: "M", Description: "Plan", MaxMark: 100}}},
		}},
		{Code: " b ", Name: "Dimensions", SubCriteria: []SubCriterion{
			{Name: "Bores", Aspects: []Aspect{{Kind: "M", Description: "Ø 40 H7", MaxMark: 100}}},
		}},
		{Name: "Finish", SubCriteria: []SubCriterion{
			{Name: "Surfaces", Aspects: []Aspect{{Kind: "M", Description: "Ra 0.8", MaxMark: 100}}},
		}},
	}}
	want := Scheme{Criteria: []Criterion{
		{Code: "A", Name: "Work organisation", SubCriteria: []SubCriterion{
			{Code: "A1", Name: "Safety", Aspects: []Aspect{
				{Code: "A1.1", Kind: Measurement, Description: "PPE worn\nat all times", MaxMark: 100},
				{Code: "X-7", Kind: Judgement, Description: "Handling", MaxMark: 100, Descriptors: []string{"a", "b", "c", "d"}},
				{Code: "A1.3", Kind: Judgement, Description: "Order", MaxMark: 100, Descriptors: []string{"a", "", "c", "d"}},
			}},
			{Code: "a9", Name: "Planning", Aspects: []Aspect{{Code: "a9.1", Kind: Measurement, Description: "Plan", MaxMark: 100}}},
		}},
		{Code: "B", Name: "Dimensions", SubCriteria: []SubCriterion{
			{Code: "B1", Name: "Bores", Aspects: []Aspect{{Code: "B1.1", Kind: Measurement, Description: "Ø 40 H7", MaxMark: 100}}},
		}},
		{Code: "C", Name: "Finish", SubCriteria: []SubCriterion{
			{Code: "C1", Name: "Surfaces", Aspects: []Aspect{{Code: "C1.1", Kind: Measurement, Description: "Ra 0.8", MaxMark: 100}}},
		}},
	}}
	s.Normalize()
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Normalize:\n got %+v\nwant %+v", s, want)
	}
	again := cloneScheme(s)
	again.Normalize()
	if !reflect.DeepEqual(again, s) {
		t.Fatalf("Normalize is not idempotent:\n got %+v\nwant %+v", again, s)
	}
}

func TestLetters(t *testing.T) {
	tests := []struct {
		i    int
		want string
	}{{0, "A"}, {1, "B"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {701, "ZZ"}, {702, "AAA"}}
	for _, tc := range tests {
		if got := letters(tc.i); got != tc.want {
			t.Errorf("letters(%d) = %q, want %q", tc.i, got, tc.want)
		}
	}
}

func TestSchemeAspect(t *testing.T) {
	s := cncMillingScheme()
	id := int64(0)
	for _, a := range s.aspects() {
		id++
		a.ID = id * 10
	}
	tests := []struct {
		id            int64
		wantAspect    string
		wantSub       string
		wantFound     bool
		wantMaxMarkOf Centi
	}{
		{10, "A1.1", "A1", true, 200},
		{40, "A2.1", "A2", true, 300},
		{id * 10, "D2.1", "D2", true, 1000},
		{0, "", "", false, 0},
		{-10, "", "", false, 0},
		{15, "", "", false, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.id), func(t *testing.T) {
			a, sc, ok := s.Aspect(tc.id)
			if ok != tc.wantFound || a.Code != tc.wantAspect || sc.Code != tc.wantSub || a.MaxMark != tc.wantMaxMarkOf {
				t.Fatalf("Aspect(%d) = %s (max %s) in %s, %v; want %s (max %s) in %s, %v",
					tc.id, a.Code, a.MaxMark, sc.Code, ok, tc.wantAspect, tc.wantMaxMarkOf, tc.wantSub, tc.wantFound)
			}
		})
	}
}

// TestValidateRandomSchemes checks, over many random well-formed schemes,
// that Validate accepts every one of them for the total they were built
// with, that Total is that total, that JSON keeps them intact, and that any
// other total is refused with a single "total" problem.
func TestValidateRandomSchemes(t *testing.T) {
	r := rand.New(rand.NewPCG(20240905, 1))
	for n := 0; n < 300; n++ {
		var s Scheme
		var sum Centi
		count := 0
		for i := range 1 + r.IntN(6) {
			c := Criterion{Name: fmt.Sprintf("Criterion %d", i+1)}
			for j := range 1 + r.IntN(4) {
				sc := SubCriterion{Name: fmt.Sprintf("Sub-criterion %d", j+1)}
				for k := range 1 + r.IntN(8) {
					a := Aspect{Kind: Measurement, Description: fmt.Sprintf("Aspect %d", k+1), MaxMark: Centi(1 + r.IntN(500))}
					if r.IntN(2) == 0 {
						a.Kind = Judgement
						a.Descriptors = []string{"Poor", "Acceptable", "Good", "Excellent"}
					}
					if r.IntN(3) == 0 {
						a.Code = fmt.Sprintf("Q%d-%d", n, count) // unique, unlike the codes Normalize fills
					}
					count++
					sum += a.MaxMark
					sc.Aspects = append(sc.Aspects, a)
				}
				c.SubCriteria = append(c.SubCriteria, sc)
			}
			s.Criteria = append(s.Criteria, c)
		}
		s.Normalize()
		if got := s.Total(); got != sum {
			t.Fatalf("scheme %d: Total() = %s, want %s", n, got, sum)
		}
		if got := s.Validate(sum); got != nil {
			t.Fatalf("scheme %d: Validate(%s) = %+v, want nil", n, sum, got)
		}
		if got := problemPaths(s.Validate(sum + 1)); !slices.Equal(got, []string{"total"}) {
			t.Fatalf("scheme %d: Validate(%s) paths = %q, want [total]", n, sum+1, got)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("scheme %d: json.Marshal: %v", n, err)
		}
		var back Scheme
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("scheme %d: JSON round trip = %+v, %v; want %+v", n, back, err, s)
		}
	}
}
