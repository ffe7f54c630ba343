package server

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"bayskills/apperr"
	"bayskills/scoring"
	"bayskills/sheet"
)

// readSchemeCSV parses CSV text as a scheme file.
func readSchemeCSV(t *testing.T, text string) (scoring.Scheme, []apperr.RowError) {
	t.Helper()
	tab, err := sheet.Read([]byte(text), sheet.CSV, sheet.DefaultLimits)
	if err != nil {
		t.Fatalf("sheet.Read: %v", err)
	}
	return schemeFromTable(tab)
}

// loadCNCScheme reads the CNC Milling template from testdata, normalized.
func loadCNCScheme(t *testing.T) scoring.Scheme {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "schemes", "cnc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := sheet.Detect(data, "cnc.csv", "text/csv")
	if err != nil || f != sheet.CSV {
		t.Fatalf("sheet.Detect = %q, %v; want csv", f, err)
	}
	tab, err := sheet.Read(data, f, sheet.DefaultLimits)
	if err != nil {
		t.Fatalf("sheet.Read: %v", err)
	}
	s, bad := schemeFromTable(tab)
	if bad != nil {
		t.Fatalf("schemeFromTable: row problems %+v, want none", bad)
	}
	s.Normalize()
	return s
}

// edgeCaseScheme is a small valid scheme of 10 marks with texts that files
// tend to mangle: Chinese, commas, quotes, line breaks, two decimals.
func edgeCaseScheme() scoring.Scheme {
	s := scoring.Scheme{Criteria: []scoring.Criterion{
		{Code: "A", Name: "工作组织与管理, \"safety\"", SubCriteria: []scoring.SubCriterion{
			{Code: "A1", Name: "安全", Aspects: []scoring.Aspect{
				{Code: "A1.1", Kind: scoring.Measurement, Description: "佩戴护目镜", MaxMark: 125, Standard: "WSOS 1", Rule: "0 if missing once;\n0.5 deducted per reminder"},
				{Code: "A1.2", Kind: scoring.Judgement, Description: "Tool handling", MaxMark: 375, Descriptors: []string{
					"Unsafe", "Safe,\nbut disorderly", "Safe and orderly", "Exemplary \"5S\" practice"}},
			}},
		}},
		{Code: "BC", Name: "Dimensions", SubCriteria: []scoring.SubCriterion{
			{Code: "BC-1", Name: "Bores", Aspects: []scoring.Aspect{
				{Code: "BC-1.a", Kind: scoring.Measurement, Description: "Ø 40 H7", MaxMark: 500},
			}},
		}},
	}}
	s.Normalize()
	return s
}

func TestSchemeFileRoundTrip(t *testing.T) {
	schemes := []struct {
		name   string
		scheme scoring.Scheme
		total  scoring.Centi
	}{
		{"cnc template", loadCNCScheme(t), 100 * scoring.Mark},
		{"edge cases", edgeCaseScheme(), 10 * scoring.Mark},
	}
	for _, sc := range schemes {
		if problems := sc.scheme.Validate(sc.total); problems != nil {
			t.Fatalf("%s: Validate = %+v, want nil", sc.name, problems)
		}
		for _, f := range []sheet.Format{sheet.CSV, sheet.XLSX} {
			t.Run(sc.name+"/"+string(f), func(t *testing.T) {
				header, rows := schemeToTable(sc.scheme)
				if len(rows) != sc.scheme.AspectCount() {
					t.Fatalf("schemeToTable wrote %d rows, want one per aspect (%d)", len(rows), sc.scheme.AspectCount())
				}
				var buf bytes.Buffer
				if err := sheet.Write(&buf, f, header, rows); err != nil {
					t.Fatalf("sheet.Write: %v", err)
				}
				tab, err := sheet.Read(buf.Bytes(), f, sheet.DefaultLimits)
				if err != nil {
					t.Fatalf("sheet.Read: %v", err)
				}
				got, bad := schemeFromTable(tab)
				if bad != nil {
					t.Fatalf("schemeFromTable: row problems %+v, want none", bad)
				}
				got.Normalize()
				if !reflect.DeepEqual(got, sc.scheme) {
					t.Fatalf("round trip:\n got %+v\nwant %+v", got, sc.scheme)
				}
			})
		}
	}
}

func TestSchemeFileCNCTemplate(t *testing.T) {
	s := loadCNCScheme(t)
	if problems := s.Validate(10000); problems != nil {
		t.Fatalf("Validate(100 marks) = %+v, want nil", problems)
	}
	if got := s.Total(); got != 100*scoring.Mark {
		t.Fatalf("Total() = %s, want 100", got)
	}
	kinds := map[scoring.AspectKind]int{}
	for _, c := range s.Criteria {
		for _, sc := range c.SubCriteria {
			for _, a := range sc.Aspects {
				kinds[a.Kind]++
			}
		}
	}
	if n := s.AspectCount(); n < 15 || n > 30 || kinds[scoring.Measurement] == 0 || kinds[scoring.Judgement] == 0 {
		t.Fatalf("the template has %d aspects (%v), want about 20 mixing M and J", n, kinds)
	}
	if got, want := s.Criteria[1].SubCriteria[0].Name, "Part 1 – base plate"; got != want {
		t.Fatalf("B1 name = %q, want %q", got, want)
	}
}

func TestSchemeFromTableCarriesNames(t *testing.T) {
	const file = "criterion,criterion_name,sub_criterion,sub_criterion_name,kind,description,max_mark\n" +
		"A,Work organisation,A1,Safety,M,PPE worn,2\n" +
		"A,,A1,,J,Tool handling,3\n" + // names carried down
		"a,Work organisation,A2,,M,Plan ready,1\n" + // same name repeated; lower-case code; A2 named later
		"B,,B1,Bores,M,Ø 40 H7,1.5\n" + // B named later
		"B,Dimensions,B1,,M,Ø 20 H7,1.5\n" +
		"A,,A2,Planning,M,Tool list ready,1\n" // back to A: grouped with the earlier rows
	s, bad := readSchemeCSV(t, file)
	if bad != nil {
		t.Fatalf("row problems %+v, want none", bad)
	}
	type names struct{ code, name string }
	var got []names
	for _, c := range s.Criteria {
		got = append(got, names{c.Code, c.Name})
		for _, sc := range c.SubCriteria {
			got = append(got, names{sc.Code, sc.Name})
			for _, a := range sc.Aspects {
				got = append(got, names{"", a.Description})
			}
		}
	}
	want := []names{
		{"A", "Work organisation"},
		{"A1", "Safety"}, {"", "PPE worn"}, {"", "Tool handling"},
		{"A2", "Planning"}, {"", "Plan ready"}, {"", "Tool list ready"},
		{"B", "Dimensions"},
		{"B1", "Bores"}, {"", "Ø 40 H7"}, {"", "Ø 20 H7"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("grouping:\n got %v\nwant %v", got, want)
	}
}

func TestSchemeFromTableErrors(t *testing.T) {
	const header = "criterion,criterion_name,sub_criterion,sub_criterion_name,aspect,kind,description,max_mark\n"
	tests := []struct {
		name string
		file string
		want map[int][]string // line → columns with a problem
		// wantMsg is a substring of the message of the first listed column
		// of the first line in want.
		wantMsg string
	}{
		{"valid", header + "A,Safety,A1,PPE,,M,Glasses worn,2\n", nil, ""},
		{"unknown kind", header +
			"A,Safety,A1,PPE,,M,Glasses worn,2\n" +
			"A,,A1,,,X,Shoes worn,2\n",
			map[int][]string{3: {"kind"}}, "must be M (measurement) or J (judgement)"},
		{"max mark with 3 decimals", header + "A,Safety,A1,PPE,,j,Handling,1.255\n",
			map[int][]string{2: {"max_mark"}}, "at most 2 decimals"},
		{"max mark with a comma", header + "A,Safety,A1,PPE,,M,Glasses worn,\"1,5\"\n",
			map[int][]string{2: {"max_mark"}}, "at most 2 decimals"},
		{"required cells missing", header + ",Safety,,PPE,,,,\n",
			map[int][]string{2: {"criterion", "description", "kind", "max_mark", "sub_criterion"}}, "is required"},
		{"every bad row listed with its line, blank lines counted", header +
			"A,Safety,A1,PPE,,M,Glasses worn,2\n" +
			"A,,A1,,,Q,Shoes worn,2\n" +
			"\n" +
			"A,,A1,,,M,Area clean,two\n" +
			"A,,A1,,,J,Handling,3\n" +
			"A,,A1,,,M,,1\n",
			map[int][]string{3: {"kind"}, 5: {"max_mark"}, 7: {"description"}}, "must be M"},
		{"another criterion name", header +
			"A,Safety,A1,PPE,,M,Glasses worn,2\n" +
			"A,Work organisation,A1,,,M,Shoes worn,2\n",
			map[int][]string{3: {"criterion_name"}}, `criterion A is already named "Safety"`},
		{"another sub-criterion name", header +
			"A,Safety,A1,PPE,,M,Glasses worn,2\n" +
			"A,,A1,Housekeeping,,M,Area clean,2\n",
			map[int][]string{3: {"sub_criterion_name"}}, `sub-criterion A1 is already named "PPE"`},
		{"sub-criterion under two criteria", header +
			"A,Safety,A1,PPE,,M,Glasses worn,2\n" +
			"B,Dimensions,A1,,,M,Ø 40 H7,2\n",
			map[int][]string{3: {"sub_criterion"}}, "belongs to criterion A"},
		{"unknown column, rows still checked", "criterion,sub_criterion,kind,description,max_mark,remarks\n" +
			"A,A1,M,Glasses worn,2,\n" +
			"A,A1,M,Shoes worn,-,\n",
			map[int][]string{1: {"remarks"}, 3: {"max_mark"}}, "unknown column"},
		{"required column missing, rows not checked", "criterion,sub_criterion,kind,description\n" +
			"A,A1,X,Glasses worn\n",
			map[int][]string{1: {"max_mark"}}, "required column is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, bad := readSchemeCSV(t, tc.file)
			got := map[int][]string{}
			for _, r := range bad {
				if _, dup := got[r.Line]; dup {
					t.Fatalf("line %d listed twice: %+v", r.Line, bad)
				}
				for col := range r.Fields {
					got[r.Line] = append(got[r.Line], col)
				}
				slices.Sort(got[r.Line])
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("problems at %v, want %v\n%+v", got, tc.want, bad)
			}
			if tc.wantMsg != "" {
				first := bad[0]
				msg := first.Fields[tc.want[first.Line][0]]
				if !strings.Contains(msg, tc.wantMsg) {
					t.Fatalf("line %d message = %q, want it to contain %q", first.Line, msg, tc.wantMsg)
				}
			}
		})
	}
}

func TestSchemeFromTableDescriptors(t *testing.T) {
	const file = "criterion,criterion_name,sub_criterion,sub_criterion_name,kind,description,max_mark,descriptor_0,descriptor_1,descriptor_2,descriptor_3\n" +
		"C,Finish,C1,Surfaces,J,Surface finish,6,Chatter marks,Tool marks,Faint marks,No marks\n" +
		"C,,C1,,J,Edges,6,Burrs,,Even,\n" +
		"C,,C1,,M,Ra 1.6,6,,,,\n"
	s, bad := readSchemeCSV(t, file)
	if bad != nil {
		t.Fatalf("row problems %+v, want none", bad)
	}
	as := s.Criteria[0].SubCriteria[0].Aspects
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"complete", as[0].Descriptors, []string{"Chatter marks", "Tool marks", "Faint marks", "No marks"}},
		{"gaps kept in place", as[1].Descriptors, []string{"Burrs", "", "Even", ""}},
		{"none", as[2].Descriptors, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Fatalf("Descriptors = %q, want %q", tc.got, tc.want)
			}
		})
	}
	s.Normalize()
	if got := s.Validate(18 * scoring.Mark); len(got) != 2 || got[0].Path != "C1.2.descriptors" || got[1].Path != "C1.2.descriptors" {
		t.Fatalf("Validate = %+v, want two problems at C1.2.descriptors", got)
	}
}
