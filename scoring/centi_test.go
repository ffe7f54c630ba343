package scoring

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestParseCenti(t *testing.T) {
	tests := []struct {
		in      string
		want    Centi
		wantErr string // substring of the error, "" for none
	}{
		{"1", 100, ""},
		{"1.5", 150, ""},
		{"0.25", 25, ""},
		{"1.25", 125, ""},
		{"0", 0, ""},
		{"0.05", 5, ""},
		{"100", 10000, ""},
		{"007", 700, ""},
		{"1.250", 125, ""},
		{"1.5000000", 150, ""},
		{"-0.5", -50, ""},
		{"-0", 0, ""},
		{"1000000000", MaxCenti, ""},
		{"1000000000.00", MaxCenti, ""},
		{"-1000000000", -MaxCenti, ""},
		{"1.255", 0, "at most 2 decimals"},
		{"0.001", 0, "at most 2 decimals"},
		{"1e2", 0, "at most 2 decimals"},
		{"1E2", 0, "at most 2 decimals"},
		{"", 0, "at most 2 decimals"},
		{"-", 0, "at most 2 decimals"},
		{".5", 0, "at most 2 decimals"},
		{"1.", 0, "at most 2 decimals"},
		{"+1", 0, "at most 2 decimals"},
		{" 1", 0, "at most 2 decimals"},
		{"1 ", 0, "at most 2 decimals"},
		{"1,5", 0, "at most 2 decimals"},
		{"1.2.3", 0, "at most 2 decimals"},
		{"--1", 0, "at most 2 decimals"},
		{"NaN", 0, "at most 2 decimals"},
		{"Inf", 0, "at most 2 decimals"},
		{"０", 0, "at most 2 decimals"}, // full-width digit
		{"1000000000.01", 0, "at most 1000000000 marks"},
		{"1000000001", 0, "at most 1000000000 marks"},
		{"99999999999999999999999", 0, "at most 1000000000 marks"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCenti(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseCenti(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseCenti(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestCentiString(t *testing.T) {
	tests := []struct {
		in   Centi
		want string
	}{
		{0, "0"},
		{100, "1"},
		{150, "1.5"},
		{125, "1.25"},
		{5, "0.05"},
		{10, "0.1"},
		{-50, "-0.5"},
		{-5, "-0.05"},
		{-100, "-1"},
		{10000, "100"},
		{9850, "98.5"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.in.String(); got != tc.want {
				t.Fatalf("Centi(%d).String() = %q, want %q", int64(tc.in), got, tc.want)
			}
		})
	}
}

func TestCentiRoundTrip(t *testing.T) {
	for c := Centi(-1000); c <= 1000; c++ {
		got, err := ParseCenti(c.String())
		if err != nil || got != c {
			t.Fatalf("ParseCenti(%q) = %d, %v; want %d", c.String(), got, err, c)
		}
	}
	for _, c := range []Centi{MaxCenti, -MaxCenti, MaxCenti - 1, 12345678901} {
		got, err := ParseCenti(c.String())
		if err != nil || got != c {
			t.Fatalf("ParseCenti(%q) = %d, %v; want %d", c.String(), got, err, c)
		}
	}
}

func TestCentiJSON(t *testing.T) {
	t.Run("marshal", func(t *testing.T) {
		got, err := json.Marshal(struct {
			M Centi   `json:"m"`
			L []Centi `json:"l"`
		}{125, []Centi{0, 100, -50}})
		if want := `{"m":1.25,"l":[0,1,-0.5]}`; err != nil || string(got) != want {
			t.Fatalf("json.Marshal = %s, %v; want %s", got, err, want)
		}
	})

	tests := []struct {
		name    string
		in      string
		want    Centi
		wantErr bool
	}{
		{"integer", `1`, 100, false},
		{"decimal", `1.25`, 125, false},
		{"exact where float64 is not", `0.29`, 29, false},
		{"trailing zeros", `2.500`, 250, false},
		{"negative", `-0.5`, -50, false},
		{"string", `"1.5"`, 150, false},
		{"null keeps the value", `null`, 777, false},
		{"exponent", `1e2`, 0, true},
		{"three decimals", `1.255`, 0, true},
		{"string with spaces", `" 1.5"`, 0, true},
		{"empty string", `""`, 0, true},
		{"string with exponent", `"1e2"`, 0, true},
		{"bool", `true`, 0, true},
		{"object", `{}`, 0, true},
		{"array", `[1]`, 0, true},
		{"too large", `10000000000`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Centi(777)
			err := json.Unmarshal([]byte(tc.in), &got)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("json.Unmarshal(%s) = %d, want an error", tc.in, got)
				}
				if !strings.Contains(err.Error(), "must be") {
					t.Fatalf("json.Unmarshal(%s) error = %q, want a message saying what the value must be", tc.in, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("json.Unmarshal(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}

	t.Run("round trip", func(t *testing.T) {
		in := []Centi{0, 1, 5, 10, 99, 100, 125, 9850, 10000, -50, MaxCenti}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		var got []Centi
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", b, err)
		}
		for i := range in {
			if got[i] != in[i] {
				t.Fatalf("round trip of %s: got %d, want %d", b, got[i], in[i])
			}
		}
	})
}

func FuzzParseCenti(f *testing.F) {
	for _, s := range []string{"0", "1", "1.5", "0.25", "-0.5", "1.255", "1e2", "", "-", ".5", "1.", "1000000000", "1000000000.01", "007", "1.250"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCenti(s)
		if err != nil {
			return
		}
		if c > MaxCenti || c < -MaxCenti {
			t.Fatalf("ParseCenti(%q) = %d, beyond MaxCenti", s, c)
		}
		back, err := ParseCenti(c.String())
		if err != nil || back != c {
			t.Fatalf("ParseCenti(%q) = %d; ParseCenti(%q) = %d, %v", s, c, c.String(), back, err)
		}
		var j Centi
		if err := json.Unmarshal([]byte(`"`+c.String()+`"`), &j); err != nil || j != c {
			t.Fatalf("json.Unmarshal of %q = %d, %v; want %d", c.String(), j, err, c)
		}
	})
}
