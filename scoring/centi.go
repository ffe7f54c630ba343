package scoring

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
)

// Centi is an amount of marks in hundredths (1.25 marks = 125). Marks are
// kept as integers so totals are exact and reproducible byte for byte;
// rounding happens only for display. Two decimals are enough for
// WorldSkills marking schemes, whose aspect max marks are set in steps of
// 0.05 or coarser, and whose marks are summed, never divided, until a
// result is shown.
type Centi int64

// Mark is one whole mark, so that a skill's total of 100 marks reads
// Centi(100) * Mark, the way durations read 5 * time.Second.
const Mark Centi = 100

// MaxCenti is the largest amount ParseCenti accepts, 1 000 000 000 marks: far
// beyond any marking scheme, yet small enough that sums of many marks cannot
// overflow an int64.
const MaxCenti Centi = 1_000_000_000 * Mark

// Errors returned by ParseCenti and Centi.UnmarshalJSON. Their messages are
// written for the person who typed the value, to follow a field name or a
// column name: "max_mark: must be a number of marks with at most 2 decimals".
var (
	errCentiSyntax = errors.New("must be a number of marks with at most 2 decimals")
	errCentiRange  = errors.New("must be at most 1000000000 marks")
)

// ParseCenti parses a decimal number of marks such as "1", "1.5", "0.25" or
// "-0.5" exactly, without going through floating point. It accepts an
// optional leading minus sign (a negative amount is not a valid max mark, but
// refusing it is the job of validation, which can say why), digits, and
// optionally a dot followed by digits. More than two decimals are an error
// unless the extra ones are zeros ("1.250" is 1.25, "1.255" is refused),
// since the amount would otherwise have to be rounded. An exponent, spaces,
// a leading "+", ".5" and "1." are refused. The magnitude may not exceed
// MaxCenti.
func ParseCenti(s string) (Centi, error) {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac, dot := cutByte(s, '.')
	if !digitsOnly(whole) || dot && !digitsOnly(frac) {
		return 0, errCentiSyntax
	}
	var n uint64
	for i := 0; i < len(whole); i++ {
		n = n*10 + uint64(whole[i]-'0')
		if n > uint64(MaxCenti/Mark) {
			return 0, errCentiRange
		}
	}
	n *= uint64(Mark)
	for i := 0; i < len(frac); i++ {
		d := uint64(frac[i] - '0')
		switch i {
		case 0:
			n += 10 * d
		case 1:
			n += d
		default:
			if d != 0 {
				return 0, errCentiSyntax
			}
		}
	}
	if n > uint64(MaxCenti) {
		return 0, errCentiRange
	}
	if neg {
		return -Centi(n), nil
	}
	return Centi(n), nil
}

// cutByte splits s around the first sep, like strings.Cut for one byte.
func cutByte(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// digitsOnly reports whether s is a non-empty run of ASCII digits.
func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns c in marks with as few decimals as needed: "1" for 100,
// "1.5" for 150, "1.25" for 125, "-0.5" for -50. It is the form used in
// files, JSON and messages, and ParseCenti reads it back exactly.
func (c Centi) String() string {
	u := uint64(c)
	if c < 0 {
		u = -u // also right for the smallest int64
	}
	b := make([]byte, 0, 24)
	if c < 0 {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, u/100, 10)
	switch frac := u % 100; {
	case frac == 0:
	case frac%10 == 0:
		b = append(b, '.', byte('0'+frac/10))
	default:
		b = append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
	return string(b)
}

// MarshalJSON writes c as a JSON number of marks, e.g. 1.25, so that API
// clients see marks, not hundredths.
func (c Centi) MarshalJSON() ([]byte, error) {
	return []byte(c.String()), nil
}

// UnmarshalJSON reads a JSON number of marks, or a JSON string holding one
// (spreadsheet-minded clients send "1.5"), exactly as ParseCenti does, from
// the number's text and never through float64, so 0.1 + 0.2 stays 0.3. JSON
// null leaves c unchanged, as encoding/json does for other types.
func (c *Centi) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return errCentiSyntax
		}
	}
	v, err := ParseCenti(s)
	if err != nil {
		// A type error, so that the JSON decoder names the field it was in;
		// Value carries the reason ("must be …") for the caller.
		return &json.UnmarshalTypeError{Value: err.Error(), Type: reflect.TypeFor[Centi]()}
	}
	*c = v
	return nil
}
