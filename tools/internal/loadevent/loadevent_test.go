package loadevent

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestScheme(t *testing.T) {
	for _, tt := range []struct{ subs, aspects int }{{10, 6}, {4, 6}, {3, 7}, {1, 1}} {
		t.Run(fmt.Sprintf("%d×%d", tt.subs, tt.aspects), func(t *testing.T) {
			raw, err := json.Marshal(Scheme(tt.subs, tt.aspects))
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Criteria []struct {
					SubCriteria []struct {
						Aspects []struct {
							Kind        string
							MaxMark     float64 `json:"max_mark"`
							Descriptors []string
						}
					} `json:"sub_criteria"`
				}
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			if len(s.Criteria) != 1 || len(s.Criteria[0].SubCriteria) != tt.subs {
				t.Fatalf("scheme = %s, want one criterion of %d sub-criteria", raw, tt.subs)
			}
			hundredths := 0
			for _, sub := range s.Criteria[0].SubCriteria {
				if len(sub.Aspects) != tt.aspects {
					t.Fatalf("a sub-criterion has %d aspects, want %d", len(sub.Aspects), tt.aspects)
				}
				for a, asp := range sub.Aspects {
					want := map[bool]string{true: "J", false: "M"}[a%2 == 0]
					if asp.Kind != want || (asp.Kind == "J") != (len(asp.Descriptors) == 4) {
						t.Errorf("aspect %d: kind %s with %d descriptors, want %s (J with 4)", a, asp.Kind, len(asp.Descriptors), want)
					}
					hundredths += int(asp.MaxMark*100 + 0.5)
				}
			}
			if hundredths != 10000 {
				t.Errorf("the scheme totals %d hundredths, want 10000 (100 marks)", hundredths)
			}
		})
	}
}
