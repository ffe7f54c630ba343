package server

import (
	"testing"

	"bayskills/assets"
	"bayskills/scoring"
	"bayskills/sheet"
)

// TestDemoSchemesAreValid checks that the marking schemes of the demo
// event's skills read as scheme files and are valid WorldSkills schemes
// totalling 100 marks, with both measurement and judgement aspects.
func TestDemoSchemesAreValid(t *testing.T) {
	for _, code := range []string{"CNC", "HAIR", "REST"} {
		t.Run(code, func(t *testing.T) {
			data, err := assets.Demo.ReadFile("demo/schemes/" + code + ".csv")
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			tab, err := sheet.Read(data, sheet.CSV, sheet.DefaultLimits)
			if err != nil {
				t.Fatalf("sheet.Read: %v", err)
			}
			s, bad := schemeFromTable(tab)
			for _, re := range bad {
				t.Errorf("line %d: %v", re.Line, re.Fields)
			}
			if len(bad) > 0 {
				t.FailNow()
			}
			s.Normalize()
			for _, p := range s.Validate(100 * scoring.Mark) {
				t.Errorf("%s: %s", p.Path, p.Message)
			}
			if n := s.AspectCount(); n < 15 {
				t.Errorf("%d aspects, want at least 15", n)
			}
			kinds := map[scoring.AspectKind]int{}
			for _, c := range s.Criteria {
				for _, sc := range c.SubCriteria {
					for _, a := range sc.Aspects {
						kinds[a.Kind]++
					}
				}
			}
			if kinds[scoring.Measurement] == 0 || kinds[scoring.Judgement] == 0 {
				t.Errorf("aspect kinds %v, want both M and J", kinds)
			}
		})
	}
}
