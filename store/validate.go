package store

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"bayskills/apperr"
	"bayskills/scoring"
)

// Region is one of the three GBA regions whose bodies certify skills; the
// type is the panel rules' own.
type Region = scoring.Region

// The regions.
const (
	Guangdong = scoring.RegionGD
	HongKong  = scoring.RegionHK
	Macao     = scoring.RegionMO
)

// Names holds a name in the four languages of the pages and certificates.
// English is required; the others are optional (pages fall back to
// English).
type Names struct {
	En     string `json:"en"`
	ZhHans string `json:"zh-Hans"`
	ZhHant string `json:"zh-Hant"`
	Pt     string `json:"pt"`
}

func (n *Names) trim() {
	n.En, n.ZhHans, n.ZhHant, n.Pt = clean(n.En), clean(n.ZhHans), clean(n.ZhHant), clean(n.Pt)
}

func (n Names) check(fe apperr.FieldErrors, field string) {
	checkText(fe, field+".en", n.En, true, 200)
	checkText(fe, field+".zh-Hans", n.ZhHans, false, 200)
	checkText(fe, field+".zh-Hant", n.ZhHant, false, 200)
	checkText(fe, field+".pt", n.Pt, false, 200)
}

// clean trims surrounding white space, including ideographic and no-break spaces.
func clean(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

// checkText records a problem with a free-text field: missing when required,
// longer than max characters, or containing control characters or invalid UTF-8.
func checkText(fe apperr.FieldErrors, field, v string, required bool, max int) {
	if v == "" && required {
		fe.Add(field, "is required")
	} else if msg := TextProblem(v, max); msg != "" {
		fe.Add(field, msg)
	}
}

// TextProblem says what is wrong with a free-text value — invalid UTF-8,
// longer than max characters, control characters — or "".
func TextProblem(v string, max int) string {
	switch {
	case !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError):
		return "is not valid UTF-8 text"
	case utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "must not contain control characters"
	case strings.IndexFunc(v, invisibleFormat) >= 0:
		return "must not contain invisible formatting characters (such as U+200B, U+00AD, U+FEFF, U+202E)"
	}
	return ""
}

// invisibleFormat reports whether r is an invisible formatting character
// (Unicode category Cf) other than the zero-width joiner and non-joiner,
// which some scripts need: bidirectional overrides and zero-width spaces
// make a name display other than it reads.
func invisibleFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d'
}

func checkDate(fe apperr.FieldErrors, field, v string) (time.Time, bool) {
	if v == "" {
		fe.Add(field, "is required")
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		fe.Add(field, "must be a date as YYYY-MM-DD")
		return time.Time{}, false
	}
	return t, true
}

func checkRegion(fe apperr.FieldErrors, field string, r Region) {
	if r == "" {
		fe.Add(field, "is required")
	} else if !r.Valid() {
		fe.Add(field, "must be GD, HK or MO")
	}
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$`)

func checkCode(fe apperr.FieldErrors, field, v string) {
	if v == "" {
		fe.Add(field, "is required")
	} else if !codePattern.MatchString(v) {
		fe.Add(field, "must be 1 to 16 letters, digits, '-' or '_'")
	}
}
