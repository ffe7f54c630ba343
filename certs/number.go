package certs

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Evaluator-type letters, the first character of a Mainland certificate
// number (DESIGN §7, national 22-character layout). They say which kind of
// recognised body carried out the skill-level evaluation.
const (
	// EvaluatorEmployer (Y) is an employer evaluating its own staff (用人单位).
	EvaluatorEmployer byte = 'Y'
	// EvaluatorSocialOrg (S) is a social training and evaluation
	// organisation (社会培训评价组织).
	EvaluatorSocialOrg byte = 'S'
)

// MainlandNumberLength is the length, in characters, of a Mainland
// vocational skill level certificate number (DESIGN §7): evaluator type (1),
// organisation code (4), province (2), site (6), year (2), level (1),
// serial (6).
const MainlandNumberLength = 22

// Positions of the fields within a Mainland number, as [start, end) offsets.
const (
	typeEnd     = 1
	orgEnd      = typeEnd + 4
	provinceEnd = orgEnd + 2
	siteEnd     = provinceEnd + 6
	yearEnd     = siteEnd + 2
	levelEnd    = yearEnd + 1
	serialEnd   = levelEnd + 6
)

// Highest values of the numeric fields of a Mainland number.
const (
	// MaxMainlandSerial is the largest serial that fits the six serial digits.
	MaxMainlandSerial = 999999
	// MinMainlandLevel is 一级 (高级技师), the highest skill level.
	MinMainlandLevel = 1
	// MaxMainlandLevel is 五级 (初级工), the entry skill level.
	MaxMainlandLevel = 5
)

// mainlandProvinces is the set of the 34 provincial-level division codes of
// GB/T 2260 (the first two digits of an administrative division code), the
// only values the province field of a Mainland number may take.
var mainlandProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

// ErrInvalidMainlandNumber is matched, through errors.Is, by every error that
// ParseMainlandNumber and MainlandNumber.Validate return, so that callers can
// recognise bad input (and answer "invalid") without comparing messages.
var ErrInvalidMainlandNumber = errors.New("certificate number: invalid Mainland certificate number")

// numberError is a user-safe message about a bad Mainland number. It never
// echoes the input back.
type numberError string

// Error returns the message, prefixed so users know which input is meant.
func (e numberError) Error() string { return "certificate number: " + string(e) }

// Is makes every numberError match ErrInvalidMainlandNumber.
func (e numberError) Is(target error) bool { return target == ErrInvalidMainlandNumber }

// MainlandNumber is a parsed 22-character Mainland vocational skill level
// certificate number, following the national layout required by DESIGN §7:
//
//	Y 0001 44 000123 25 3 000042
//	│ │    │  │      │  │ └ Serial (6 digits, 000001–999999)
//	│ │    │  │      │  └ Level (1 digit, 1 = 一级/高级技师 … 5 = 五级/初级工)
//	│ │    │  │      └ Year (last 2 digits; stored as the full year 2000–2099)
//	│ │    │  └ Site code (6 digits)
//	│ │    └ Province (2 digits, GB/T 2260 provincial-level code, 44 = Guangdong)
//	│ └ Organisation code (4 digits)
//	└ EvaluatorType: Y (employer) or S (social training/evaluation organisation)
//
// The level digit is part of the number itself (DESIGN §7), so a number always
// names exactly one level: certificates at two levels need two numbers.
type MainlandNumber struct {
	EvaluatorType byte   // EvaluatorEmployer or EvaluatorSocialOrg
	OrgCode       string // 4 digits
	Province      string // 2 digits, a provincial-level GB/T 2260 code
	Site          string // 6 digits
	Year          int    // full year, 2000 + YY
	Level         int    // 1 (highest) to 5
	Serial        int    // 1 to 999999
}

// String formats n in the 22-character national layout (DESIGN §7). It never
// panics, but only a number for which Validate returns nil formats to a
// well-formed, 22-character result: validate before printing or storing.
func (n MainlandNumber) String() string {
	return fmt.Sprintf("%c%s%s%s%02d%d%06d",
		n.EvaluatorType, n.OrgCode, n.Province, n.Site, ((n.Year%100)+100)%100, n.Level, n.Serial)
}

// Validate checks every field of n against the national layout of DESIGN
// §7: evaluator type Y or S; organisation code of 4 digits; province one of
// the 34 provincial-level GB/T 2260 codes; site of 6 digits; year 2000–2099;
// level 1–5; serial 1–999999. It returns the first problem found, as an
// error matching ErrInvalidMainlandNumber with a message safe for users.
func (n MainlandNumber) Validate() error {
	switch {
	case n.EvaluatorType != EvaluatorEmployer && n.EvaluatorType != EvaluatorSocialOrg:
		return numberError("evaluator type must be Y (employer) or S (social training and evaluation organisation)")
	case !allDigits(n.OrgCode, orgEnd-typeEnd):
		return numberError("organisation code must be 4 digits")
	case !allDigits(n.Province, provinceEnd-orgEnd):
		return numberError("province code must be 2 digits")
	case !mainlandProvinces[n.Province]:
		return numberError("province code is not a provincial-level division code")
	case !allDigits(n.Site, siteEnd-provinceEnd):
		return numberError("site code must be 6 digits")
	case n.Year < 2000 || n.Year > 2099:
		return numberError("year must be 2000 to 2099")
	case n.Level < MinMainlandLevel || n.Level > MaxMainlandLevel:
		return numberError("level digit must be 1 to 5")
	case n.Serial < 1 || n.Serial > MaxMainlandSerial:
		return numberError("serial must be 000001 to 999999")
	}
	return nil
}

// allDigits reports whether s consists of exactly n ASCII digits.
func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoiDigits converts a string already checked by allDigits.
func atoiDigits(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// ParseMainlandNumber parses a Mainland vocational skill level certificate
// number in the 22-character national layout of DESIGN §7. It is strict, as
// a number printed on a certificate and typed by an employer must match the
// registry exactly: no surrounding or inner spaces, no lower-case evaluator
// letter, ASCII digits only. On failure the error says which part is wrong
// (and at which character positions), never repeats the input, and matches
// ErrInvalidMainlandNumber. A successfully parsed number satisfies Validate
// and formats back, with String, to exactly s.
func ParseMainlandNumber(s string) (MainlandNumber, error) {
	if n := utf8.RuneCountInString(s); n != MainlandNumberLength {
		return MainlandNumber{}, numberError(fmt.Sprintf("must be exactly %d characters, not %d", MainlandNumberLength, n))
	}
	// Work on one byte per character: a non-ASCII character becomes 0, which
	// every field check below refuses, so errors name the right positions and
	// a number that parses is pure ASCII, identical to s.
	var buf [MainlandNumberLength]byte
	i := 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			buf[i] = byte(r)
		}
		i++
	}
	b := string(buf[:])
	switch c := b[0]; {
	case c == 'y' || c == 's':
		return MainlandNumber{}, numberError("evaluator type (character 1) must be an upper-case Y or S")
	case c != EvaluatorEmployer && c != EvaluatorSocialOrg:
		return MainlandNumber{}, numberError("evaluator type (character 1) must be Y (employer) or S (social training and evaluation organisation)")
	}
	org, province, site := b[typeEnd:orgEnd], b[orgEnd:provinceEnd], b[provinceEnd:siteEnd]
	year, level, serial := b[siteEnd:yearEnd], b[yearEnd:levelEnd], b[levelEnd:serialEnd]
	switch {
	case !allDigits(org, len(org)):
		return MainlandNumber{}, numberError("organisation code (characters 2 to 5) must be 4 digits")
	case !allDigits(province, len(province)):
		return MainlandNumber{}, numberError("province code (characters 6 to 7) must be 2 digits")
	case !mainlandProvinces[province]:
		return MainlandNumber{}, numberError("province code (characters 6 to 7) is not a provincial-level division code")
	case !allDigits(site, len(site)):
		return MainlandNumber{}, numberError("site code (characters 8 to 13) must be 6 digits")
	case !allDigits(year, len(year)):
		return MainlandNumber{}, numberError("year (characters 14 to 15) must be 2 digits")
	case level[0] < '1' || level[0] > '5':
		return MainlandNumber{}, numberError("level digit (character 16) must be 1 to 5")
	case !allDigits(serial, len(serial)):
		return MainlandNumber{}, numberError("serial (characters 17 to 22) must be 6 digits")
	case serial == "000000":
		return MainlandNumber{}, numberError("serial (characters 17 to 22) must be 000001 to 999999")
	}
	n := MainlandNumber{
		EvaluatorType: b[0],
		OrgCode:       org,
		Province:      province,
		Site:          site,
		Year:          2000 + atoiDigits(year),
		Level:         atoiDigits(level),
		Serial:        atoiDigits(serial),
	}
	if err := n.Validate(); err != nil {
		return MainlandNumber{}, err
	}
	return n, nil
}
