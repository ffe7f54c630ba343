package certs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Names is a name in the languages of the GBA: English, simplified and
// traditional Chinese, Portuguese. An empty field means no usage is
// attested in that language.
type Names struct {
	En     string `json:"en"`
	ZhHans string `json:"zh-Hans"`
	ZhHant string `json:"zh-Hant"`
	Pt     string `json:"pt"`
}

// In returns the text in lang ("en", "zh-Hans", "zh-Hant", "pt"), or ""
// when it has none in that language.
func (t Names) In(lang string) string {
	switch lang {
	case "en":
		return t.En
	case "zh-Hans":
		return t.ZhHans
	case "zh-Hant":
		return t.ZhHant
	case "pt":
		return t.Pt
	}
	return ""
}

// Level is one level of a qualification framework, stored natively (DESIGN
// §7: never one unified level).
type Level struct {
	Code string `json:"code"` // unique in its framework: "5", "apprentice", "basic", …
	// Rank orders a framework's levels, lowest first.
	Rank int `json:"rank"`
	// Digit is the level digit of a Mainland certificate number ("1" for
	// 一级 … "5" for 五级); empty for a level the 22-character layout
	// cannot number.
	Digit string `json:"digit"`
	Name  Names  `json:"name"`
}

// Framework is a region's qualification framework with its levels, lowest
// first.
type Framework struct {
	Code   string  `json:"code"` // "CN-VSL", "HKQF", "MO-DSAL"
	Region string  `json:"region"`
	Name   Names   `json:"name"`
	Levels []Level `json:"levels"`
}

// Level finds the level with code.
func (f Framework) Level(code string) (Level, bool) {
	for _, l := range f.Levels {
		if l.Code == code {
			return l, true
		}
	}
	return Level{}, false
}

// nativeLanguage is the written language a region's names must have.
var nativeLanguage = map[string]string{"GD": "zh-Hans", "HK": "zh-Hant", "MO": "zh-Hant"}

// ParseFrameworks reads the frameworks file (assets/frameworks) and checks
// it: known regions, unique codes, levels with a native and an English
// name, strictly rising ranks, level digits 1–5 used once each.
func ParseFrameworks(data []byte) ([]Framework, error) {
	var file struct {
		Frameworks []Framework `json:"frameworks"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("frameworks: %w", err)
	}
	var problems []string
	seen := map[string]bool{}
	for i := range file.Frameworks {
		f := &file.Frameworks[i]
		where := fmt.Sprintf("framework %q", f.Code)
		native, ok := nativeLanguage[f.Region]
		switch {
		case f.Code == "":
			problems = append(problems, fmt.Sprintf("framework %d has no code", i+1))
		case seen[f.Code]:
			problems = append(problems, where+" is defined twice")
		case !ok:
			problems = append(problems, where+": region must be GD, HK or MO")
		case len(f.Levels) == 0:
			problems = append(problems, where+" has no levels")
		}
		seen[f.Code] = true
		levels, digits := map[string]bool{}, map[string]bool{}
		for j, l := range f.Levels {
			lw := fmt.Sprintf("%s level %q", where, l.Code)
			switch {
			case l.Code == "" || levels[l.Code]:
				problems = append(problems, lw+": empty or repeated code")
			case l.Name.En == "" || (ok && l.Name.In(native) == ""):
				problems = append(problems, lw+": needs an English name and one in "+native)
			case j > 0 && l.Rank <= f.Levels[j-1].Rank:
				problems = append(problems, lw+": ranks must rise from the lowest level")
			case l.Digit != "" && (len(l.Digit) != 1 || l.Digit < "1" || l.Digit > "5" || digits[l.Digit]):
				problems = append(problems, lw+": a level digit is 1–5, used once")
			}
			levels[l.Code], digits[l.Digit] = true, l.Digit != ""
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("frameworks: %s", strings.Join(problems, "; "))
	}
	return file.Frameworks, nil
}
