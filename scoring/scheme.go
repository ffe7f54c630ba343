package scoring

import (
	"fmt"
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AspectKind says how an aspect is marked (DESIGN §5; WorldSkills marking
// schemes distinguish measurement from judgement aspects).
type AspectKind string

// The aspect kinds of a WorldSkills marking scheme.
const (
	// Measurement (M) aspects are objective: full mark or zero, or a
	// stated deduction rule, entered by one judge and confirmed by another.
	Measurement AspectKind = "M"
	// Judgement (J) aspects are scored 0–3 by each judge of the panel
	// against four mandatory descriptors, one per score.
	Judgement AspectKind = "J"
)

// Limits of a marking scheme, enforced by Scheme.Validate.
const (
	// MaxAspects bounds the size of one skill's scheme. Real WorldSkills
	// schemes have tens to a few hundred aspects; the bound keeps uploads,
	// marking pages and result sheets manageable.
	MaxAspects = 2000
	// MaxTextLen is the longest name, description, standard reference or
	// rule, in characters.
	MaxTextLen = 500
	// MaxDescriptorLen is the longest judgement descriptor, in characters.
	MaxDescriptorLen = 1000
	// JudgementLevels is the number of scores a judge can give to a J
	// aspect (WorldSkills: 0, 1, 2 or 3), hence the number of descriptors
	// such an aspect needs.
	JudgementLevels = 4
)

// Aspect is the smallest marked item of a WorldSkills marking scheme
// (criteria → sub-criteria → aspects). Its MaxMark is what a competitor
// earns at best: in full or in part for an M aspect, as MaxMark × the
// panel's aggregate score / 3 for a J aspect (DESIGN §5).
type Aspect struct {
	ID          int64      `json:"id,omitempty"`          // set by the store
	Code        string     `json:"code"`                  // e.g. "A1.3"; filled by Normalize when empty
	Kind        AspectKind `json:"kind"`                  // M or J
	Description string     `json:"description"`           // what is assessed
	MaxMark     Centi      `json:"max_mark"`              // the most this aspect can earn
	Standard    string     `json:"standard,omitempty"`    // WorldSkills Occupational Standards section reference, e.g. "WSOS 3"
	Rule        string     `json:"rule,omitempty"`        // M: how the mark is measured / deduction rule; optional
	Descriptors []string   `json:"descriptors,omitempty"` // J: exactly 4 texts, for scores 0,1,2,3; M: none
}

// SubCriterion groups the aspects of one criterion that a single panel of
// judges marks and signs off together (DESIGN §5: "each sub-criterion is
// marked by a panel").
type SubCriterion struct {
	ID      int64    `json:"id,omitempty"` // set by the store
	Code    string   `json:"code"`         // e.g. "A1"; filled by Normalize when empty
	Name    string   `json:"name"`
	Aspects []Aspect `json:"aspects"`
}

// Criterion is a top-level part of a marking scheme, coded with letters
// (WorldSkills: criterion A, B, …), whose marks are reported as a subtotal.
type Criterion struct {
	Code        string         `json:"code"` // "A", "B", …; filled by Normalize when empty
	Name        string         `json:"name"`
	SubCriteria []SubCriterion `json:"sub_criteria"`
}

// Scheme is a skill's marking scheme: criteria → sub-criteria → aspects,
// whose max marks add up to the skill's total (DESIGN §5).
type Scheme struct {
	Criteria []Criterion `json:"criteria"`
}

// Problem is one thing wrong with a scheme. Path says where, with the
// codes organizers know from their scheme rather than array indexes: "A",
// "A1", "A1.3", a field of one of them such as "A1.3.max_mark" or
// "A1.3.descriptors", or "criteria", "aspects" and "total" for the scheme as
// a whole. Message says what, in a sentence safe to show.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Normalize tidies a scheme as typed by people: it trims surrounding white
// space (U+3000 included) from every text, turns CR LF and lone CR line
// breaks into LF, upper-cases kinds ("j" → "J") and criterion codes, drops
// a descriptor list that is entirely blank, and fills empty codes the
// WorldSkills way: a criterion gets the letter of its position ("A", "B",
// …, "Z", "AA", …), a sub-criterion its criterion's code and its position
// ("A1", "A2", …), an aspect its sub-criterion's code, a dot and its
// position ("A1.1", "A1.2", …). Codes already given are kept, so a filled
// code may clash with one given elsewhere; Validate reports that.
func (s *Scheme) Normalize() {
	for i := range s.Criteria {
		c := &s.Criteria[i]
		c.Code = strings.ToUpper(trimText(c.Code))
		if c.Code == "" {
			c.Code = letters(i)
		}
		c.Name = trimText(c.Name)
		for j := range c.SubCriteria {
			sc := &c.SubCriteria[j]
			sc.Code = trimText(sc.Code)
			if sc.Code == "" {
				sc.Code = fmt.Sprintf("%s%d", c.Code, j+1)
			}
			sc.Name = trimText(sc.Name)
			for k := range sc.Aspects {
				a := &sc.Aspects[k]
				a.Code = trimText(a.Code)
				if a.Code == "" {
					a.Code = fmt.Sprintf("%s.%d", sc.Code, k+1)
				}
				a.Kind = AspectKind(strings.ToUpper(trimText(string(a.Kind))))
				a.Description = trimText(a.Description)
				a.Standard = trimText(a.Standard)
				a.Rule = trimText(a.Rule)
				blank := true
				for d := range a.Descriptors {
					a.Descriptors[d] = trimText(a.Descriptors[d])
					blank = blank && a.Descriptors[d] == ""
				}
				if blank {
					a.Descriptors = nil
				}
			}
		}
	}
}

// trimText trims white space, the byte order mark and zero-width spaces that
// copy and paste brings, and unifies line breaks to "\n".
func trimText(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
	})
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return s
}

// letters returns the criterion code of the 0-based position i, in the
// order spreadsheet columns use: 0 → "A", 25 → "Z", 26 → "AA".
func letters(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// Total returns the sum of the max marks of all aspects, which DESIGN §5
// requires to equal the skill's total.
func (s Scheme) Total() Centi {
	var t Centi
	for _, a := range s.aspects() {
		t += a.MaxMark
	}
	return t
}

// aspects yields every aspect of s, in document order, with the
// sub-criterion it belongs to. The pointers point into s's slices.
func (s Scheme) aspects() iter.Seq2[*SubCriterion, *Aspect] {
	return func(yield func(*SubCriterion, *Aspect) bool) {
		for i := range s.Criteria {
			for j := range s.Criteria[i].SubCriteria {
				sc := &s.Criteria[i].SubCriteria[j]
				for k := range sc.Aspects {
					if !yield(sc, &sc.Aspects[k]) {
						return
					}
				}
			}
		}
	}
}

// AspectCount returns the number of aspects in the scheme.
func (s Scheme) AspectCount() int {
	n := 0
	for _, c := range s.Criteria {
		for _, sc := range c.SubCriteria {
			n += len(sc.Aspects)
		}
	}
	return n
}

// Aspect finds the aspect with the given store ID and the sub-criterion it
// belongs to, whose panel marks it (DESIGN §5). IDs not above zero are
// unset and never found.
func (s Scheme) Aspect(id int64) (Aspect, SubCriterion, bool) {
	if id <= 0 {
		return Aspect{}, SubCriterion{}, false
	}
	for sc, a := range s.aspects() {
		if a.ID == id {
			return *a, *sc, true
		}
	}
	return Aspect{}, SubCriterion{}, false
}

// Validate checks s against the rules of a WorldSkills marking scheme
// (DESIGN §5) for a skill whose aspects must add up to total, and returns
// every problem found, in document order, or nil when the scheme is valid:
//
//   - structure: at least one criterion, every criterion has sub-criteria,
//     every sub-criterion has aspects, at most MaxAspects aspects;
//   - codes: criterion codes are 1–3 letters A–Z; sub-criterion and aspect
//     codes 1–16 letters, digits, '.' or '-'; every code is unique across
//     the whole scheme (criteria, sub-criteria and aspects share one
//     namespace, so a code names one thing only);
//   - texts: names and descriptions are required; names, descriptions,
//     standards and rules hold at most MaxTextLen characters, descriptors
//     MaxDescriptorLen; no control characters (descriptions, rules and
//     descriptors may span lines);
//   - aspects: kind M or J; max mark above 0 and not above total; a J
//     aspect has exactly JudgementLevels non-empty descriptors, for scores
//     0, 1, 2 and 3; an M aspect has none;
//   - total: the max marks add up to total.
//
// Validate expects a normalized scheme (see Normalize) and does not modify s.
func (s Scheme) Validate(total Centi) []Problem {
	v := validator{seen: make(map[string]string)}
	if total <= 0 {
		v.add("total", "the skill's total must be more than 0, not %s", total)
	}
	if len(s.Criteria) == 0 {
		v.add("criteria", "the scheme has no criteria; add at least one")
	}
	if n := s.AspectCount(); n > MaxAspects {
		v.add("aspects", "the scheme has %d aspects; at most %d are allowed", n, MaxAspects)
	}
	for i, c := range s.Criteria {
		cp := v.code(c.Code, fmt.Sprintf("criterion %d", i+1), "criterion", isCriterionCode,
			"a criterion code must be 1 to 3 letters A–Z, e.g. \"A\"")
		v.text(cp+".name", "name", c.Name, true, MaxTextLen, false)
		if len(c.SubCriteria) == 0 {
			v.add(cp, "criterion %s has no sub-criteria; add at least one", cp)
		}
		for j, sc := range c.SubCriteria {
			sp := v.code(sc.Code, fmt.Sprintf("%s sub-criterion %d", cp, j+1), "sub-criterion", isItemCode,
				"a sub-criterion code must be 1 to 16 letters, digits, '.' or '-', e.g. \"A1\"")
			v.text(sp+".name", "name", sc.Name, true, MaxTextLen, false)
			if len(sc.Aspects) == 0 {
				v.add(sp, "sub-criterion %s has no aspects; add at least one", sp)
			}
			for k, a := range sc.Aspects {
				ap := v.code(a.Code, fmt.Sprintf("%s aspect %d", sp, k+1), "aspect", isItemCode,
					"an aspect code must be 1 to 16 letters, digits, '.' or '-', e.g. \"A1.1\"")
				v.aspect(ap, a, total)
			}
		}
	}
	if sum := s.Total(); total > 0 && sum != total {
		v.add("total", "aspects add up to %s, the skill's total is %s", sum, total)
	}
	return v.problems
}

// validator collects the problems of one Validate call.
type validator struct {
	problems []Problem
	seen     map[string]string // code → what uses it ("a criterion", …)
}

// add records a problem.
func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// code checks the code of a criterion, sub-criterion or aspect and returns
// the path to report its problems under: the code itself, or fallback
// (a position) when the code is missing.
func (v *validator) code(code, fallback, what string, valid func(string) bool, rule string) string {
	if code == "" {
		v.add(fallback, "the %s has no code", what)
		return fallback
	}
	if prev, dup := v.seen[code]; dup {
		v.add(code, "the code %s is already used by %s earlier in the scheme; codes of criteria, sub-criteria and aspects must all differ", code, prev)
		return code
	}
	v.seen[code] = article(what)
	if !valid(code) {
		v.add(code, "%s", rule)
	}
	return code
}

// article prefixes a noun with "a" or "an".
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// aspect checks the fields of one aspect whose problems go under path.
func (v *validator) aspect(path string, a Aspect, total Centi) {
	v.text(path+".description", "description", a.Description, true, MaxTextLen, true)
	v.text(path+".standard", "standard", a.Standard, false, MaxTextLen, false)
	v.text(path+".rule", "rule", a.Rule, false, MaxTextLen, true)
	switch {
	case a.MaxMark <= 0:
		v.add(path+".max_mark", "the max mark must be more than 0, not %s", a.MaxMark)
	case total > 0 && a.MaxMark > total:
		v.add(path+".max_mark", "the max mark %s is more than the skill's total of %s", a.MaxMark, total)
	}
	switch a.Kind {
	case Judgement:
		if len(a.Descriptors) != JudgementLevels {
			v.add(path+".descriptors", "a judgement (J) aspect needs %d descriptors, one for each score 0, 1, 2 and 3; it has %d",
				JudgementLevels, len(a.Descriptors))
		}
		for score, d := range a.Descriptors {
			v.text(path+".descriptors", fmt.Sprintf("descriptor for score %d", score), d, true, MaxDescriptorLen, true)
		}
	case Measurement:
		if len(a.Descriptors) > 0 {
			v.add(path+".descriptors", "a measurement (M) aspect has no descriptors; remove them or make it a judgement (J) aspect")
		}
	case "":
		v.add(path+".kind", "the kind is required: M (measurement) or J (judgement)")
	default:
		v.add(path+".kind", "the kind must be M (measurement) or J (judgement), not %q", a.Kind)
	}
}

// text checks one text field: presence when required, length in
// characters, valid UTF-8 and no control characters except, where
// multiline, line breaks.
func (v *validator) text(path, what, s string, required bool, maxLen int, multiline bool) {
	switch {
	case s == "":
		if required {
			v.add(path, "the %s is required", what)
		}
	case !utf8.ValidString(s):
		v.add(path, "the %s is not valid UTF-8 text", what)
	case utf8.RuneCountInString(s) > maxLen:
		v.add(path, "the %s is longer than %d characters", what, maxLen)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !(multiline && r == '\n') }):
		if multiline {
			v.add(path, "the %s contains a control character; only line breaks are allowed", what)
		} else {
			v.add(path, "the %s contains a control character such as a tab or a line break", what)
		}
	}
}

// isCriterionCode reports whether s is 1–3 letters A–Z.
func isCriterionCode(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// isItemCode reports whether s is a valid sub-criterion or aspect code:
// 1–16 ASCII letters, digits, '.' or '-'.
func isItemCode(s string) bool {
	if len(s) < 1 || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}
