package scoring

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestSameInstitution(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", "Guangzhou Technician College", "Guangzhou Technician College", true},
		{"case differs", "Guangzhou Technician College", "guangzhou TECHNICIAN college", true},
		{"surrounding spaces", "  VTC\t", "VTC", true},
		{"full-width spaces around", "\u3000广州市技师学院\u3000", "广州市技师学院", true},
		{"repeated inner spaces", "Macao  Polytechnic\u3000\u3000University", "macao polytechnic university", true},
		{"inner space vs none", "VTC HK", "VTCHK", false},
		{"different", "VTC", "IVE", false},
		{"both blank", "", "", false},
		{"blank after trimming", " \u3000 ", "\t", false},
		{"one blank", "VTC", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameInstitution(tc.a, tc.b); got != tc.want {
				t.Errorf("SameInstitution(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestConflicted(t *testing.T) {
	gdA := Person{Region: RegionGD, Institution: "Foshan College"}
	gdA2 := Person{Region: RegionGD, Institution: " FOSHAN\u3000 college "}
	gdB := Person{Region: RegionGD, Institution: "Shenzhen College"}
	hkA := Person{Region: RegionHK, Institution: "Foshan College"} // same name, other region
	hkB := Person{Region: RegionHK, Institution: "VTC"}
	blank := Person{}

	tests := []struct {
		name              string
		rule              ConflictRule
		judge, competitor Person
		want              bool
	}{
		{"institution rule, same institution", ConflictInstitution, gdA, gdA2, true},
		{"institution rule, same region only", ConflictInstitution, gdA, gdB, false},
		{"institution rule, other region and institution", ConflictInstitution, gdA, hkB, false},
		{"default rule is institution", "", gdA, gdA2, true},
		{"default rule ignores region", "", gdA, gdB, false},
		{"region rule, same region", ConflictRegion, gdA, gdB, true},
		{"region rule, same institution other region", ConflictRegion, gdA, hkA, true},
		{"region rule, nothing shared", ConflictRegion, gdB, hkB, false},
		{"region rule, blank regions match nothing", ConflictRegion, blank, blank, false},
		{"unknown rule behaves as institution", "Region", gdA, gdB, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Conflicted(tc.rule, tc.judge, tc.competitor); got != tc.want {
				t.Errorf("Conflicted(%q, %+v, %+v) = %v, want %v", tc.rule, tc.judge, tc.competitor, got, tc.want)
			}
		})
	}
}

func TestParseConflictRule(t *testing.T) {
	tests := []struct {
		in      string
		want    ConflictRule
		wantErr bool
	}{
		{"", ConflictInstitution, false},
		{"institution", ConflictInstitution, false},
		{"region", ConflictRegion, false},
		{"Region", "", true},
		{"own region", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseConflictRule(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseConflictRule(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("ParseConflictRule(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRegionValid(t *testing.T) {
	for _, r := range []Region{RegionGD, RegionHK, RegionMO} {
		if !r.Valid() {
			t.Errorf("Region(%q).Valid() = false, want true", r)
		}
	}
	for _, r := range []Region{"", "gd", "TW", "GDHK"} {
		if r.Valid() {
			t.Errorf("Region(%q).Valid() = true, want false", r)
		}
	}
}

// judges builds a panel from region codes, with IDs 1, 2, 3, …
func judges(regions ...Region) []PanelJudge {
	p := make([]PanelJudge, len(regions))
	for i, r := range regions {
		p[i] = PanelJudge{ID: int64(i + 1), Person: Person{Region: r, Institution: "inst" + string(rune('A'+i))}}
	}
	return p
}

// codes returns the codes of problems, in order.
func codes(problems []PanelProblem) []string {
	var c []string
	for _, p := range problems {
		c = append(c, p.Code)
	}
	return c
}

func TestCheckPanel(t *testing.T) {
	allThree := []Region{RegionGD, RegionHK, RegionMO}
	gdOnly := []Region{RegionGD, RegionGD}

	dup := judges(RegionGD, RegionHK, RegionMO)
	dup[2].ID = dup[0].ID
	dupTwice := judges(RegionGD, RegionHK, RegionMO, RegionGD, RegionHK)
	dupTwice[2].ID, dupTwice[4].ID, dupTwice[3].ID = 1, 1, 2

	tests := []struct {
		name         string
		panel        []PanelJudge
		skillRegions []Region
		want         []string
	}{
		{"size 2", judges(RegionGD, RegionHK), allThree, []string{ProblemSize}},
		{"size 3", judges(RegionGD, RegionHK, RegionGD), allThree, nil},
		{"size 4", judges(RegionGD, RegionHK, RegionMO, RegionGD), allThree, []string{ProblemSize}},
		{"size 5", judges(RegionGD, RegionHK, RegionMO, RegionGD, RegionHK), allThree, nil},
		{"size 6", judges(RegionGD, RegionHK, RegionMO, RegionGD, RegionHK, RegionMO), allThree, []string{ProblemSize}},
		{"empty panel", nil, gdOnly, []string{ProblemSize}},
		{"duplicate judge", dup, allThree, []string{ProblemDuplicateJudge}},
		{"two judges repeated, each reported once", dupTwice, allThree, []string{ProblemDuplicateJudge, ProblemDuplicateJudge}},
		{"single region, skill judges from 3 regions", judges(RegionGD, RegionGD, RegionGD), allThree, []string{ProblemSingleRegion}},
		{"single region, all skill judges from one region", judges(RegionGD, RegionGD, RegionGD), gdOnly, nil},
		{"single region, no skill regions given", judges(RegionMO, RegionMO, RegionMO), nil, nil},
		{"two regions suffice", judges(RegionHK, RegionHK, RegionMO), allThree, nil},
		{"panel regions count as skill regions", judges(RegionHK, RegionMO, RegionMO), gdOnly, nil},
		{"blank regions ignored", judges(RegionGD, "", RegionGD), []Region{RegionGD, ""}, nil},
		{"all problems together", []PanelJudge{
			{ID: 7, Person: Person{Region: RegionGD}},
			{ID: 7, Person: Person{Region: RegionGD}},
		}, allThree, []string{ProblemSize, ProblemDuplicateJudge, ProblemSingleRegion}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckPanel(tc.panel, tc.skillRegions)
			if !reflect.DeepEqual(codes(got), tc.want) {
				t.Errorf("CheckPanel codes = %v, want %v (problems %+v)", codes(got), tc.want, got)
			}
			if tc.want == nil && got != nil {
				t.Errorf("CheckPanel = %#v, want nil", got)
			}
			for _, p := range got {
				if p.Message == "" || p.Error() != p.Message {
					t.Errorf("problem %+v: want a non-empty message returned by Error()", p)
				}
			}
		})
	}
}

func TestEligibleJudges(t *testing.T) {
	panel := []PanelJudge{
		{ID: 1, Person: Person{Region: RegionGD, Institution: "Guangzhou College"}},
		{ID: 2, Person: Person{Region: RegionHK, Institution: "VTC"}},
		{ID: 3, Person: Person{Region: RegionMO, Institution: "IPM"}},
		{ID: 4, Person: Person{Region: RegionGD, Institution: "Shenzhen College"}},
		{ID: 5, Person: Person{Region: RegionHK, Institution: "HKU SPACE"}},
	}
	ids := func(p []PanelJudge) []int64 {
		out := []int64{}
		for _, j := range p {
			out = append(out, j.ID)
		}
		return out
	}

	tests := []struct {
		name       string
		rule       ConflictRule
		panel      []PanelJudge
		competitor Person
		want       []int64
	}{
		{"institution rule drops same institution", ConflictInstitution, panel,
			Person{Region: RegionGD, Institution: "guangzhou\u3000college"}, []int64{2, 3, 4, 5}},
		{"institution rule, no conflict", ConflictInstitution, panel,
			Person{Region: RegionGD, Institution: "Zhuhai College"}, []int64{1, 2, 3, 4, 5}},
		{"region rule drops whole region", ConflictRegion, panel,
			Person{Region: RegionHK, Institution: "Other"}, []int64{1, 3, 4}},
		{"region rule drops region and institution", ConflictRegion, panel,
			Person{Region: RegionMO, Institution: "VTC"}, []int64{1, 4, 5}},
		{"everyone conflicted", ConflictRegion, panel[:1],
			Person{Region: RegionGD, Institution: "x"}, []int64{}},
		{"empty panel", ConflictInstitution, nil, Person{Region: RegionGD}, []int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]PanelJudge(nil), tc.panel...)
			got := EligibleJudges(tc.rule, tc.panel, tc.competitor)
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Errorf("EligibleJudges IDs = %v, want %v", ids(got), tc.want)
			}
			if got == nil {
				t.Errorf("EligibleJudges = nil, want a non-nil slice")
			}
			if !reflect.DeepEqual(tc.panel, before) {
				t.Errorf("EligibleJudges modified the panel: %+v, was %+v", tc.panel, before)
			}
		})
	}
}

func TestCanMark(t *testing.T) {
	panel := judges(RegionGD, RegionHK, RegionMO, RegionGD, RegionHK)
	tests := []struct {
		name       string
		rule       ConflictRule
		competitor Person
		min        int
		want       bool
	}{
		{"no conflict, 5 of 5", ConflictInstitution, Person{Region: RegionGD, Institution: "elsewhere"}, 5, true},
		{"one conflicted, 4 left of min 5", ConflictInstitution, Person{Region: RegionGD, Institution: "instA"}, 5, false},
		{"one conflicted, 4 left of min 3", ConflictInstitution, Person{Region: RegionGD, Institution: "instA"}, 3, true},
		{"region rule, 3 left of min 3", ConflictRegion, Person{Region: RegionGD}, 3, true},
		{"region rule, 3 left of min 4", ConflictRegion, Person{Region: RegionGD}, 4, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanMark(tc.rule, panel, tc.competitor, tc.min); got != tc.want {
				t.Errorf("CanMark(%q, …, %+v, %d) = %v, want %v", tc.rule, tc.competitor, tc.min, got, tc.want)
			}
		})
	}
}

// TestConflictedProperties checks, over many random people drawn from small
// pools (so that matches are frequent), that:
//   - the region rule is at least as strict as the institution rule;
//   - under the region rule, conflicted == same region or same institution;
//   - both rules are symmetric.
func TestConflictedProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240601, 7))
	regions := []Region{RegionGD, RegionHK, RegionMO, ""}
	names := []string{"VTC", "vtc", " VTC\u3000", "Foshan  College", "foshan college", "IPM", "", "\u3000"}
	person := func() Person {
		return Person{
			Region:      regions[rng.IntN(len(regions))],
			Institution: names[rng.IntN(len(names))],
		}
	}

	for i := 0; i < 20000; i++ {
		j, c := person(), person()
		inst := Conflicted(ConflictInstitution, j, c)
		reg := Conflicted(ConflictRegion, j, c)
		if inst && !reg {
			t.Fatalf("judge %+v, competitor %+v: conflicted under institution rule but not under region rule", j, c)
		}
		sameRegion := j.Region != "" && j.Region == c.Region
		if want := sameRegion || inst; reg != want {
			t.Fatalf("judge %+v, competitor %+v: region rule gives %v, want %v", j, c, reg, want)
		}
		if inst != Conflicted(ConflictInstitution, c, j) || reg != Conflicted(ConflictRegion, c, j) {
			t.Fatalf("judge %+v, competitor %+v: rule is not symmetric", j, c)
		}
	}
}
