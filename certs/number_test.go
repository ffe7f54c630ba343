package certs

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseMainlandNumberValid(t *testing.T) {
	tests := []struct {
		in   string
		want MainlandNumber
	}{
		{"Y000144000123253000042", MainlandNumber{'Y', "0001", "44", "000123", 2025, 3, 42}},
		{"S999911000000015000001", MainlandNumber{'S', "9999", "11", "000000", 2001, 5, 1}},
		{"Y123482999999991999999", MainlandNumber{'Y', "1234", "82", "999999", 2099, 1, 999999}},
		{"S000071123456002000100", MainlandNumber{'S', "0000", "71", "123456", 2000, 2, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if len(tc.in) != MainlandNumberLength {
				t.Fatalf("bad test case: %q has %d characters", tc.in, len(tc.in))
			}
			got, err := ParseMainlandNumber(tc.in)
			if err != nil {
				t.Fatalf("ParseMainlandNumber(%q) error = %v, want nil", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseMainlandNumber(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.in {
				t.Errorf("String() = %q, want %q", s, tc.in)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestParseMainlandNumberInvalid(t *testing.T) {
	const valid = "Y000144000123253000042"
	// at replaces the characters of valid starting at 1-based position pos.
	at := func(pos int, repl string) string {
		return valid[:pos-1] + repl + valid[pos-1+len(repl):]
	}
	tests := []struct {
		name    string
		in      string
		wantMsg string
	}{
		{"empty", "", "must be exactly 22 characters, not 0"},
		{"too short", valid[:21], "must be exactly 22 characters, not 21"},
		{"too long", valid + "1", "must be exactly 22 characters, not 23"},
		{"surrounding space", " " + valid[:21], "evaluator type (character 1)"},
		{"trailing newline", valid + "\n", "must be exactly 22 characters, not 23"},
		{"lower-case type", at(1, "y"), "must be an upper-case Y or S"},
		{"unknown type", at(1, "X"), "evaluator type (character 1) must be Y"},
		{"digit as type", at(1, "1"), "evaluator type (character 1) must be Y"},
		{"letter in organisation", at(3, "A"), "organisation code (characters 2 to 5) must be 4 digits"},
		{"letter in province", at(7, "x"), "province code (characters 6 to 7) must be 2 digits"},
		{"unknown province 00", at(6, "00"), "province code (characters 6 to 7) is not a provincial-level"},
		{"unknown province 47", at(6, "47"), "province code (characters 6 to 7) is not a provincial-level"},
		{"unknown province 83", at(6, "83"), "province code (characters 6 to 7) is not a provincial-level"},
		{"space in site", at(10, " "), "site code (characters 8 to 13) must be 6 digits"},
		{"letter in year", at(14, "2O"), "year (characters 14 to 15) must be 2 digits"},
		{"level 0", at(16, "0"), "level digit (character 16) must be 1 to 5"},
		{"level 6", at(16, "6"), "level digit (character 16) must be 1 to 5"},
		{"level letter", at(16, "A"), "level digit (character 16) must be 1 to 5"},
		{"letter in serial", at(22, "x"), "serial (characters 17 to 22) must be 6 digits"},
		{"serial zero", at(17, "000000"), "serial (characters 17 to 22) must be 000001 to 999999"},
		{"full-width digit", "Y０" + valid[2:], "organisation code (characters 2 to 5)"},
		{"CJK in site, 22 characters", valid[:8] + "广" + valid[9:], "site code (characters 8 to 13)"},
		{"invalid UTF-8", valid[:20] + "\xff" + valid[21:], "serial (characters 17 to 22)"},
		{"NUL byte", valid[:4] + "\x00" + valid[5:], "organisation code (characters 2 to 5)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMainlandNumber(tc.in)
			if err == nil {
				t.Fatalf("ParseMainlandNumber(%q) = %+v, want an error", tc.in, got)
			}
			if got != (MainlandNumber{}) {
				t.Errorf("ParseMainlandNumber(%q) returned %+v with the error, want the zero value", tc.in, got)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "certificate number: ") || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("error = %q, want it to start with %q and contain %q", msg, "certificate number: ", tc.wantMsg)
			}
			if !errors.Is(err, ErrInvalidMainlandNumber) {
				t.Errorf("errors.Is(%v, ErrInvalidMainlandNumber) = false, want true", err)
			}
		})
	}
}

func TestMainlandNumberValidate(t *testing.T) {
	valid := MainlandNumber{'S', "0001", "44", "000123", 2025, 3, 42}
	tests := []struct {
		name    string
		change  func(*MainlandNumber)
		wantMsg string // empty: valid
	}{
		{"valid", func(*MainlandNumber) {}, ""},
		{"every province accepted", func(n *MainlandNumber) { n.Province = "65" }, ""},
		{"zero type", func(n *MainlandNumber) { n.EvaluatorType = 0 }, "evaluator type must be Y"},
		{"lower-case type", func(n *MainlandNumber) { n.EvaluatorType = 's' }, "evaluator type must be Y"},
		{"short organisation", func(n *MainlandNumber) { n.OrgCode = "001" }, "organisation code must be 4 digits"},
		{"signed organisation", func(n *MainlandNumber) { n.OrgCode = "-001" }, "organisation code must be 4 digits"},
		{"province 3 digits", func(n *MainlandNumber) { n.Province = "440" }, "province code must be 2 digits"},
		{"province unknown", func(n *MainlandNumber) { n.Province = "99" }, "province code is not"},
		{"site long", func(n *MainlandNumber) { n.Site = "0001234" }, "site code must be 6 digits"},
		{"year 1999", func(n *MainlandNumber) { n.Year = 1999 }, "year must be 2000 to 2099"},
		{"year 2100", func(n *MainlandNumber) { n.Year = 2100 }, "year must be 2000 to 2099"},
		{"year 25", func(n *MainlandNumber) { n.Year = 25 }, "year must be 2000 to 2099"},
		{"level 0", func(n *MainlandNumber) { n.Level = 0 }, "level digit must be 1 to 5"},
		{"level 6", func(n *MainlandNumber) { n.Level = 6 }, "level digit must be 1 to 5"},
		{"serial 0", func(n *MainlandNumber) { n.Serial = 0 }, "serial must be 000001 to 999999"},
		{"serial 1000000", func(n *MainlandNumber) { n.Serial = 1000000 }, "serial must be 000001 to 999999"},
		{"serial negative", func(n *MainlandNumber) { n.Serial = -1 }, "serial must be 000001 to 999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := valid
			tc.change(&n)
			err := n.Validate()
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", n, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error containing %q", n, tc.wantMsg)
			}
			if want := "certificate number: " + tc.wantMsg; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Validate error = %q, want it to start with %q", err.Error(), want)
			}
			if !errors.Is(err, ErrInvalidMainlandNumber) {
				t.Errorf("errors.Is(%v, ErrInvalidMainlandNumber) = false, want true", err)
			}
			// String of an invalid number must not panic.
			_ = n.String()
		})
	}
}

// TestMainlandNumberRoundTrip checks Parse(String(n)) == n over every level,
// every province and both evaluator types, plus the edge years and serials.
func TestMainlandNumberRoundTrip(t *testing.T) {
	for province := range mainlandProvinces {
		for level := MinMainlandLevel; level <= MaxMainlandLevel; level++ {
			for _, typ := range []byte{EvaluatorEmployer, EvaluatorSocialOrg} {
				for _, ys := range [][2]int{{2000, 1}, {2025, 4321}, {2099, MaxMainlandSerial}} {
					n := MainlandNumber{typ, "0420", province, "510100", ys[0], level, ys[1]}
					if err := n.Validate(); err != nil {
						t.Fatalf("Validate(%+v) = %v", n, err)
					}
					s := n.String()
					if len(s) != MainlandNumberLength {
						t.Fatalf("String(%+v) = %q, %d characters, want %d", n, s, len(s), MainlandNumberLength)
					}
					got, err := ParseMainlandNumber(s)
					if err != nil {
						t.Fatalf("ParseMainlandNumber(%q) error = %v", s, err)
					}
					if got != n {
						t.Fatalf("ParseMainlandNumber(String(%+v)) = %+v", n, got)
					}
				}
			}
		}
	}
	if len(mainlandProvinces) != 34 {
		t.Errorf("%d province codes, want the 34 provincial-level divisions", len(mainlandProvinces))
	}
}

// TestMainlandNumberStringNeverPanics formats extreme, invalid values.
func TestMainlandNumberStringNeverPanics(t *testing.T) {
	for _, n := range []MainlandNumber{
		{},
		{EvaluatorType: 0xff, Year: -2025, Level: -1, Serial: -999999999},
		{Year: 1 << 62, Level: 1 << 40, Serial: 1 << 62, OrgCode: "\xff\xfe", Site: "广州"},
	} {
		_ = n.String()
	}
}

func FuzzParseMainlandNumber(f *testing.F) {
	for _, seed := range []string{
		"Y000144000123253000042",
		"S999911000000015000001",
		"Y123482999999991999999",
		"y000144000123253000042",
		"Y000100000123253000042",
		"Y000144000123256000042",
		"Y000144000123253000000",
		"Y00014400012325300004",
		"Y0001440001232530000420",
		"Y000144000广23253000042",
		"",
		"\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseMainlandNumber(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidMainlandNumber) {
				t.Fatalf("ParseMainlandNumber(%q) error %v does not match ErrInvalidMainlandNumber", s, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("ParseMainlandNumber(%q) error %q is not valid UTF-8", s, err)
			}
			return
		}
		if err := n.Validate(); err != nil {
			t.Fatalf("ParseMainlandNumber(%q) = %+v, which fails Validate: %v", s, n, err)
		}
		if got := n.String(); got != s {
			t.Fatalf("ParseMainlandNumber(%q).String() = %q, want the input back", s, got)
		}
	})
}
