package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// readCSV parses CSV text and feeds its records to b.
func readCSV(data []byte, b *builder) error {
	data = bytes.TrimPrefix(data, []byte(bom))
	// Old "CSV (Macintosh)" exports end lines with a bare CR, which
	// encoding/csv does not treat as a line break.
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("line %d: not valid UTF-8; save the file as CSV UTF-8", lineAt(data, invalidUTF8At(data)))
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Errorf("line %d: contains a NUL character; this is not a text CSV file", lineAt(data, i))
	}

	data, sep := separator(data)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = false
	// Skipping blanks after a separator lets `a, "b"` parse; encoding/csv
	// would also skip tab separators, so not for tab-separated text.
	r.TrimLeadingSpace = sep != '\t'
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(err)
		}
		line, _ := r.FieldPos(0)
		if err := b.add(line, rec); err != nil {
			return err
		}
	}
}

// separator picks the field separator and returns the data to parse.
//
// An Excel "sep=X" first line sets it explicitly (that line is then blanked,
// keeping line numbers). Otherwise the first non-blank line decides: comma if
// it has one outside quotes, else semicolon or tab, whichever is more common
// (Excel uses them in locales where the comma is the decimal separator).
func separator(data []byte) ([]byte, rune) {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	first = bytes.TrimSuffix(first, []byte("\r"))
	if len(first) == 5 && bytes.EqualFold(first[:4], []byte("sep=")) {
		switch c := rune(first[4]); c {
		case ',', ';', '\t', '|':
			return data[len(first):], c
		}
	}
	rest := data
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if len(bytes.TrimFunc(line, isBlank)) == 0 {
			continue
		}
		var comma, semi, tab int
		quoted := false
		for _, c := range line {
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ',':
				comma++
			case c == ';':
				semi++
			case c == '\t':
				tab++
			}
		}
		switch {
		case comma > 0:
			return data, ','
		case semi > 0 && semi >= tab:
			return data, ';'
		case tab > 0:
			return data, '\t'
		}
		return data, ','
	}
	return data, ','
}

// csvError turns an encoding/csv error into a message for the user.
func csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return errors.New("the CSV file could not be read")
	}
	where := fmt.Sprintf("line %d", pe.Line)
	if pe.StartLine != pe.Line {
		where = fmt.Sprintf("line %d (row starting on line %d)", pe.Line, pe.StartLine)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Errorf(`%s: a cell contains a quote (") but does not start with one; put the whole cell in quotes and double the quote inside it ("")`, where)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Errorf(`%s: a quoted cell is not closed properly, or has text after its closing quote (")`, where)
	}
	return fmt.Errorf("%s: the CSV is malformed", where)
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence in
// data, or len(data).
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// lineAt returns the 1-based line holding byte offset off.
func lineAt(data []byte, off int) int {
	return bytes.Count(data[:off], []byte("\n")) + 1
}
