package server

import (
	"fmt"
	"slices"
	"strings"

	"bayskills/apperr"
	"bayskills/scoring"
	"bayskills/sheet"
)

// The marking scheme file is the flat form of a WorldSkills marking scheme
// (criteria → sub-criteria → aspects) that organizers edit in Excel: one
// aspect per row, each row naming its criterion and sub-criterion by code.
// A criterion's or sub-criterion's name is written on its first row only and
// carried down to the following rows of the same code.

// schemeColumns are the columns of a marking scheme file, in the order they
// are written. descriptor_0 … descriptor_3 hold the texts of the judgement
// scores 0–3 that WorldSkills requires for every J aspect.
var schemeColumns = []string{
	"criterion", "criterion_name", "sub_criterion", "sub_criterion_name", "aspect", "kind", "description",
	"max_mark", "standard", "rule", "descriptor_0", "descriptor_1", "descriptor_2", "descriptor_3",
}

// schemeRequired are the columns every scheme file must have.
var schemeRequired = []string{"criterion", "sub_criterion", "kind", "description", "max_mark"}

// schemeFileColumns checks the header of a scheme file.
var schemeFileColumns = columns{
	required: schemeRequired,
	optional: slices.DeleteFunc(slices.Clone(schemeColumns), func(c string) bool {
		return slices.Contains(schemeRequired, c)
	}),
}

// descriptorColumn returns the column of the descriptor for a judgement score.
func descriptorColumn(score int) string { return fmt.Sprintf("descriptor_%d", score) }

// headerLine is the line reported for problems with the header, which is
// the first line of a file unless blank lines precede it.
const headerLine = 1

// schemeFromTable turns the rows of a marking scheme file into a Scheme.
//
// Rows are grouped in file order: criteria appear in the order their codes
// first appear, sub-criteria likewise within their criterion, aspects in row
// order. Criterion codes are compared without regard to case, as Normalize
// upper-cases them. The first non-empty name given for a criterion or
// sub-criterion is its name; a row giving another name for the same code is
// an error, as is a sub-criterion code used under two criteria.
//
// Every row is checked and every problem listed with the row's line: an
// unknown or missing column (reported on the header line), a missing code,
// kind, description or max mark, a kind other than M or J, a max mark that
// is not a number with at most 2 decimals. When a required column is
// missing no row is checked, since every row would repeat the problem.
// Whole-scheme rules (unique codes, descriptors, the total, …) are left to
// scoring.Scheme.Validate, which the caller runs on the normalized result.
// When problems are returned the scheme is incomplete and must not be saved.
func schemeFromTable(t *sheet.Table) (scoring.Scheme, []apperr.RowError) {
	var bad []apperr.RowError
	if err := schemeFileColumns.check(t); err != nil {
		bad = append(bad, apperr.RowError{Line: headerLine, Fields: apperr.As(err).Fields})
		for _, c := range schemeRequired {
			if !slices.Contains(t.Header, c) {
				return scoring.Scheme{}, bad
			}
		}
	}

	var s scoring.Scheme
	crits := map[string]int{}   // upper-cased criterion code → index in s.Criteria
	subs := map[string][2]int{} // sub-criterion code → criterion and sub-criterion index
	for _, r := range t.Rows {
		fe := apperr.FieldErrors{}
		cell := func(col string) string {
			v := r.Cells[col]
			if v == "" && slices.Contains(schemeRequired, col) {
				fe.Add(col, "is required")
			}
			return v
		}
		critCode, critName := strings.ToUpper(cell("criterion")), r.Cells["criterion_name"]
		subCode, subName := cell("sub_criterion"), r.Cells["sub_criterion_name"]
		a := scoring.Aspect{
			Code:        r.Cells["aspect"],
			Kind:        scoring.AspectKind(strings.ToUpper(cell("kind"))),
			Description: cell("description"),
			Standard:    r.Cells["standard"],
			Rule:        r.Cells["rule"],
		}
		if a.Kind != "" && a.Kind != scoring.Measurement && a.Kind != scoring.Judgement {
			fe.Add("kind", "must be M (measurement) or J (judgement)")
		}
		if mm := cell("max_mark"); mm != "" {
			var err error
			if a.MaxMark, err = scoring.ParseCenti(mm); err != nil {
				fe.Add("max_mark", err.Error())
			}
		}
		descriptors := make([]string, scoring.JudgementLevels)
		for score := range descriptors {
			descriptors[score] = r.Cells[descriptorColumn(score)]
		}
		if slices.ContainsFunc(descriptors, func(d string) bool { return d != "" }) {
			a.Descriptors = descriptors // kept in place, so that Validate can name a missing score
		}

		if critCode == "" || subCode == "" {
			bad = appendRowError(bad, r.Line, fe)
			continue
		}
		ci, ok := crits[critCode]
		if !ok {
			ci = len(s.Criteria)
			crits[critCode] = ci
			s.Criteria = append(s.Criteria, scoring.Criterion{Code: critCode})
		}
		c := &s.Criteria[ci]
		carryName(&c.Name, critName, "criterion_name", "criterion "+critCode, fe)
		at, ok := subs[subCode]
		if !ok {
			at = [2]int{ci, len(c.SubCriteria)}
			subs[subCode] = at
			c.SubCriteria = append(c.SubCriteria, scoring.SubCriterion{Code: subCode})
		}
		if at[0] != ci {
			fe.Add("sub_criterion", fmt.Sprintf("sub-criterion %s belongs to criterion %s on an earlier row; sub-criterion codes must differ between criteria",
				subCode, s.Criteria[at[0]].Code))
		} else {
			sc := &c.SubCriteria[at[1]]
			carryName(&sc.Name, subName, "sub_criterion_name", "sub-criterion "+subCode, fe)
			sc.Aspects = append(sc.Aspects, a)
		}
		bad = appendRowError(bad, r.Line, fe)
	}
	return s, bad
}

// appendRowError appends the problems fe of the row at line, if any.
func appendRowError(bad []apperr.RowError, line int, fe apperr.FieldErrors) []apperr.RowError {
	if len(fe) == 0 {
		return bad
	}
	return append(bad, apperr.RowError{Line: line, Fields: fe})
}

// carryName sets *name to given when it is not set yet, and records a
// problem in column col when given differs from the name already set: a
// criterion or sub-criterion has one name, written on its first row and
// carried down.
func carryName(name *string, given, col, what string, fe apperr.FieldErrors) {
	switch {
	case given == "" || given == *name:
	case *name == "":
		*name = given
	default:
		fe.Add(col, fmt.Sprintf("%s is already named %q on an earlier row; leave the name empty or repeat it exactly", what, *name))
	}
}

// schemeToTable turns a scheme into the rows of a marking scheme file, the
// inverse of schemeFromTable: one row per aspect in document order, the
// names of a criterion and a sub-criterion on their first row only, max
// marks with as few decimals as needed. Store IDs, criteria without
// sub-criteria, sub-criteria without aspects and descriptors beyond the four
// of a J aspect cannot be written; a valid scheme has none of the last three.
// Note that sheet.Write defuses, in CSV only, a text starting with '=', '+',
// '-' or '@' by prefixing a quote, which reading keeps as part of the text.
func schemeToTable(s scoring.Scheme) (header []string, rows [][]string) {
	header = slices.Clone(schemeColumns)
	for _, c := range s.Criteria {
		critName := c.Name
		for _, sc := range c.SubCriteria {
			subName := sc.Name
			for _, a := range sc.Aspects {
				cells := map[string]string{
					"criterion": c.Code, "criterion_name": critName, "sub_criterion": sc.Code,
					"sub_criterion_name": subName, "aspect": a.Code, "kind": string(a.Kind),
					"description": a.Description, "max_mark": a.MaxMark.String(), "standard": a.Standard, "rule": a.Rule,
				}
				for score, d := range a.Descriptors[:min(len(a.Descriptors), scoring.JudgementLevels)] {
					cells[descriptorColumn(score)] = d
				}
				row := make([]string, len(header))
				for i, col := range header {
					row[i] = cells[col]
				}
				rows = append(rows, row)
				critName, subName = "", ""
			}
		}
	}
	return header, rows
}
