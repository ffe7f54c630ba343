package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// cells builds a Cells map from alternating keys and values.
func cells(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// mustRead reads data or fails the test.
func mustRead(t *testing.T, data []byte, f Format) *Table {
	t.Helper()
	tab, err := Read(data, f, DefaultLimits)
	if err != nil {
		t.Fatalf("Read: unexpected error: %v", err)
	}
	return tab
}

// checkTable compares a table with the wanted header and rows.
func checkTable(t *testing.T, got *Table, header []string, rows []Row) {
	t.Helper()
	if !reflect.DeepEqual(got.Header, header) {
		t.Errorf("Header: got %q, want %q", got.Header, header)
	}
	if len(got.Rows) != len(rows) {
		t.Fatalf("got %d rows %+v, want %d rows %+v", len(got.Rows), got.Rows, len(rows), rows)
	}
	for i := range rows {
		if !reflect.DeepEqual(got.Rows[i], rows[i]) {
			t.Errorf("row %d: got %+v, want %+v", i, got.Rows[i], rows[i])
		}
	}
}

func TestReadCSV(t *testing.T) {
	fixture, err := os.ReadFile("testdata/semicolon_bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		data   string
		header []string
		rows   []Row
	}{
		{
			name:   "BOM, semicolons, CRLF, Chinese, blank rows, multi-line cell (testdata)",
			data:   string(fixture),
			header: []string{"name_latin", "name_chinese", "region", "note"},
			rows: []Row{
				{Line: 2, Cells: cells("name_latin", "Chan Tai Man", "name_chinese", "陈大文", "region", "澳門", "note", "first; second")},
				{Line: 5, Cells: cells("name_latin", "Lee Siu Lung", "name_chinese", "李小龍", "region", "Hong Kong", "note", "line one\nline two")},
				{Line: 7, Cells: cells("name_latin", "Wong", "name_chinese", "黃", "region", "Taipa", "note", "")},
			},
		},
		{
			name: "commas, quoted commas and newlines keep later line numbers",
			data: "Name,Address,Age\n" +
				"\"Chan, Tai Man\",\"Flat 1\n2/F\nMacau\",12\n" + // lines 2-4
				"Ho,Taipa,13\n", // line 5
			header: []string{"name", "address", "age"},
			rows: []Row{
				{Line: 2, Cells: cells("name", "Chan, Tai Man", "address", "Flat 1\n2/F\nMacau", "age", "12")},
				{Line: 5, Cells: cells("name", "Ho", "address", "Taipa", "age", "13")},
			},
		},
		{
			name:   "tab separated",
			data:   "ID\tName\n1\t澳門\n\t\n2\t\n",
			header: []string{"id", "name"},
			rows: []Row{
				{Line: 2, Cells: cells("id", "1", "name", "澳門")},
				{Line: 4, Cells: cells("id", "2", "name", "")},
			},
		},
		{
			name:   "header only",
			data:   "\ufeffA,B\r\n",
			header: []string{"a", "b"},
			rows:   []Row{},
		},
		{
			name:   "leading blank lines, short rows, spaces before quotes",
			data:   "\n , \n Team Name , Coach\nAlpha\nBeta, \"Chan, T.\"\n",
			header: []string{"team_name", "coach"},
			rows: []Row{
				{Line: 4, Cells: cells("team_name", "Alpha", "coach", "")},
				{Line: 5, Cells: cells("team_name", "Beta", "coach", "Chan, T.")},
			},
		},
		{
			name:   "whitespace of all kinds trimmed",
			data:   "name,city\n\u3000陈大文\u3000 ,\u00a0澳門\t\n",
			header: []string{"name", "city"},
			rows:   []Row{{Line: 2, Cells: cells("name", "陈大文", "city", "澳門")}},
		},
		{
			name:   "Excel sep= line",
			data:   "sep=;\r\na;b\r\n1,5;2\r\n",
			header: []string{"a", "b"},
			rows:   []Row{{Line: 3, Cells: cells("a", "1,5", "b", "2")}},
		},
		{
			name:   "bare CR line ends (old Mac CSV)",
			data:   "a,b\r1,2\r\r3,4\r",
			header: []string{"a", "b"},
			rows: []Row{
				{Line: 2, Cells: cells("a", "1", "b", "2")},
				{Line: 4, Cells: cells("a", "3", "b", "4")},
			},
		},
		{
			name:   "trailing empty cells and unnamed empty columns are ignored",
			data:   "a,,b,,\n1,,2,,,,\n",
			header: []string{"a", "b"},
			rows:   []Row{{Line: 2, Cells: cells("a", "1", "b", "2")}},
		},
		{
			name:   "header names normalized",
			data:   "\ufeff  Name\u3000Latin ,E-MAIL,Date of  Birth\n",
			header: []string{"name_latin", "e-mail", "date_of_birth"},
			rows:   []Row{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTable(t, mustRead(t, []byte(tt.data), CSV), tt.header, tt.rows)
		})
	}
}

func TestReadErrors(t *testing.T) {
	many := func(n int, line string) string { return strings.Repeat(line, n) }
	small := Limits{MaxRows: 2, MaxCellBytes: 10, MaxColumns: 3}
	tests := []struct {
		name string
		data string
		f    Format
		lim  Limits
		want string // the exact error message
	}{
		{"invalid UTF-8", "a,b\n1,2\n3,4\n\n5,6\n7,8\n9,\xff\xfe\n", CSV, DefaultLimits,
			"line 7: not valid UTF-8; save the file as CSV UTF-8"},
		{"Big5 in header", "\xa6W\xa6r,b\n", CSV, DefaultLimits,
			"line 1: not valid UTF-8; save the file as CSV UTF-8"},
		{"too many cells", "a,b\n1,2\n1,2,3\n", CSV, DefaultLimits,
			"line 3: the row has 3 cells but the header has only 2 columns; put values containing the separator in quotes"},
		{"duplicate header", "Name,Team,name \n", CSV, DefaultLimits,
			`line 1: columns A and C have the same header name "name"; column names must be unique`},
		{"value without header", "a,,c\n1,2,3\n", CSV, DefaultLimits,
			"line 2: column B has a value but no header name"},
		{"empty file", "", CSV, DefaultLimits, "the file is empty"},
		{"only BOM and blank rows", "\ufeff\r\n,,\r\n \u3000 \r\n", CSV, DefaultLimits, "the file is empty"},
		{"empty xlsx", "", XLSX, DefaultLimits, "the file is empty"},
		{"too many rows", "a\n" + many(3, "x\n"), CSV, small,
			"the file has more than 2 data rows; split it into smaller files"},
		{"too many columns", "a,b,c,d\n", CSV, small,
			"line 1: too many columns (4); at most 3 are allowed"},
		{"cell too long", "a,b\nok,12345678901\n", CSV, small,
			"line 2, column B: the cell is longer than the limit of 10 bytes"},
		{"default row limit", "a\n" + many(DefaultLimits.MaxRows+1, "x\n"), CSV, Limits{},
			"the file has more than 20000 data rows; split it into smaller files"},
		{"bare quote", "a,b\n1,say \"hi\"\n", CSV, DefaultLimits,
			`line 2: a cell contains a quote (") but does not start with one; put the whole cell in quotes and double the quote inside it ("")`},
		{"unclosed quote", "a,b\n1,\"open\n2,3\n", CSV, DefaultLimits,
			`line 3 (row starting on line 2): a quoted cell is not closed properly, or has text after its closing quote (")`},
		{"text after closing quote", "a,b\n1,\"x\"y\n", CSV, DefaultLimits,
			`line 2: a quoted cell is not closed properly, or has text after its closing quote (")`},
		{"NUL byte", "a,b\n1,\x002\n", CSV, DefaultLimits,
			"line 2: contains a NUL character; this is not a text CSV file"},
		{"not a workbook", "PK\x03\x04garbage", XLSX, DefaultLimits, errBadXLSX.Error()},
		{"unknown format", "a\n", Format("ods"), DefaultLimits,
			"unsupported file format; upload a CSV or Excel .xlsx file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Read([]byte(tt.data), tt.f, tt.lim)
			if err == nil {
				t.Fatalf("got table %+v, want error %q", tab, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("got error %q, want %q", err, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	ole := "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 100)
	tests := []struct {
		name        string
		head        string
		filename    string
		contentType string
		want        Format
		wantErr     string // substring of the error, "" for none
	}{
		{"zip is xlsx", "PK\x03\x04\x14\x00\x06\x00", "upload.bin", "", XLSX, ""},
		{"text is csv", "a,b\n1,2\n", "entries.csv", "text/csv", CSV, ""},
		{"csv sent as ms-excel", "name;team\n", "entries.csv", "application/vnd.ms-excel", CSV, ""},
		{"csv with BOM and Chinese", "\ufeff姓名,澳門\n", "", "", CSV, ""},
		{"empty with xlsx name", "", "Entries.XLSX", "", XLSX, ""},
		{"empty with xlsx content type", "", "", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", XLSX, ""},
		{"empty defaults to csv", "", "", "", CSV, ""},
		{"legacy xls", ole, "entries.xls", "application/vnd.ms-excel", "", "save it as .xlsx"},
		{"encrypted xlsx", ole, "entries.xlsx", "", "", "password-protected"},
		{"binary garbage", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "text/csv", "", "not a CSV or Excel .xlsx file"},
		{"pdf", "%PDF-1.7\n", "entries.pdf", "", "", "not a CSV or Excel .xlsx file"},
		{"utf-16", "\xff\xfen\x00a\x00", "entries.txt", "", "", "UTF-16"},
		{"html disguised as xls", "\n<html><table>", "report.xls", "", "", "web page"},
		{"ods", "PK\x03\x04\x14\x00\x00\x08\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "x.ods", "", "", ".ods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect([]byte(tt.head), tt.filename, tt.contentType)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got (%q, %v), want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got (%q, %v), want (%q, nil)", got, err, tt.want)
			}
		})
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	header := []string{"id", "name", "formula_like", "note"}
	rows := [][]string{
		{"1", "陈大文", "=1+1", "澳門"},
		{"2", "Ho", "+853 2888 0000", "-x"},
		{"", "", "", ""}, // an empty row: row 4 stays in the file
		{"3", "Lee", "@SUM(A1:A3)", "=HYPERLINK(\"http://example.com\")"},
		{"4", "-7"}, // short row
	}
	var buf bytes.Buffer
	if err := Write(&buf, XLSX, header, rows); err != nil {
		t.Fatalf("Write: %v", err)
	}
	format, err := Detect(buf.Bytes(), "export.xlsx", "")
	if err != nil || format != XLSX {
		t.Fatalf("Detect: got (%q, %v), want (xlsx, nil)", format, err)
	}
	got := mustRead(t, buf.Bytes(), XLSX)
	checkTable(t, got, header, []Row{
		{Line: 2, Cells: cells("id", "1", "name", "陈大文", "formula_like", "=1+1", "note", "澳門")},
		{Line: 3, Cells: cells("id", "2", "name", "Ho", "formula_like", "+853 2888 0000", "note", "-x")},
		{Line: 5, Cells: cells("id", "3", "name", "Lee", "formula_like", "@SUM(A1:A3)", "note", "=HYPERLINK(\"http://example.com\")")},
		{Line: 6, Cells: cells("id", "4", "name", "-7", "formula_like", "", "note", "")},
	})

	// Look inside the workbook: sheet name, bold header, no formulas.
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"data"}; !reflect.DeepEqual(got, want) {
		t.Errorf("sheets: got %q, want %q", got, want)
	}
	styleID, err := f.GetCellStyle("data", "B1")
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	if style.Font == nil || !style.Font.Bold {
		t.Errorf("header cell B1 is not bold: font %+v", style.Font)
	}
	for _, cell := range []string{"C2", "C3", "D3", "C5", "D5"} {
		formula, err := f.GetCellFormula("data", cell)
		if err != nil || formula != "" {
			t.Errorf("cell %s: got formula %q (err %v), want none", cell, formula, err)
		}
		typ, err := f.GetCellType("data", cell)
		if err != nil || typ != excelize.CellTypeInlineString {
			t.Errorf("cell %s: got type %v (err %v), want inline string", cell, typ, err)
		}
	}
	if w, err := f.GetColWidth("data", "B"); err != nil || w < minColWidth || w > maxColWidth {
		t.Errorf("column B width: got %v (err %v), want within [%d, %d]", w, err, minColWidth, maxColWidth)
	}
}

// TestReadXLSX reads a workbook built the way Excel users build them: a hidden
// first sheet, numbers, blank rows above the header and between data rows.
func TestReadXLSX(t *testing.T) {
	// build returns a workbook with a hidden first sheet and the data on the
	// visible sheet "Entries", plus extra cells on that sheet.
	build := func(t *testing.T, extra map[string]any) []byte {
		t.Helper()
		f := excelize.NewFile()
		defer f.Close()
		set := func(sheet, cell string, v any) {
			t.Helper()
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
		set("Sheet1", "A1", "hidden sheet, must be ignored")
		idx, err := f.NewSheet("Entries")
		if err != nil {
			t.Fatal(err)
		}
		f.SetActiveSheet(idx) // excelize does not hide the selected sheet
		if err := f.SetSheetVisible("Sheet1", false); err != nil {
			t.Fatal(err)
		}
		if visible, err := f.GetSheetVisible("Sheet1"); err != nil || visible {
			t.Fatalf("Sheet1 visible: got (%v, %v), want (false, nil)", visible, err)
		}
		// Rows 1-2 and 5-6 stay empty; the header is on row 3 from column B.
		set("Entries", "B3", " Name Latin ")
		set("Entries", "C3", "Score")
		set("Entries", "D3", "Region\u3000")
		set("Entries", "B4", "Chan Tai Man")
		set("Entries", "C4", 42)
		set("Entries", "D4", "澳門")
		set("Entries", "C7", 3.5)
		set("Entries", "D7", "\u00a0Taipa ")
		set("Entries", "B8", "   ") // only a blank string: an empty row
		for cell, v := range extra {
			set("Entries", cell, v)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}

	data := build(t, nil)
	checkTable(t, mustRead(t, data, XLSX), []string{"name_latin", "score", "region"}, []Row{
		{Line: 4, Cells: cells("name_latin", "Chan Tai Man", "score", "42", "region", "澳門")},
		{Line: 7, Cells: cells("name_latin", "", "score", "3.5", "region", "Taipa")},
	})

	errTests := []struct {
		name  string
		extra map[string]any
		lim   Limits
		want  string
	}{
		{"row limit", nil, Limits{MaxRows: 1},
			"the file has more than 1 data rows; split it into smaller files"},
		{"value right of the header", map[string]any{"E7": "extra"}, DefaultLimits,
			"row 7: column E has a value but no header name"},
		{"value left of the header", map[string]any{"A4": 1}, DefaultLimits,
			"row 4: column A has a value but no header name"},
		{"duplicate header", map[string]any{"E3": "SCORE"}, DefaultLimits,
			`row 3: columns C and E have the same header name "score"; column names must be unique`},
		{"cell too long", map[string]any{"D7": strings.Repeat("澳", 5)}, Limits{MaxCellBytes: 12},
			"row 7, column D: the cell is longer than the limit of 12 bytes"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(build(t, tt.extra), XLSX, tt.lim)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	header := []string{"name", "city", "formula"}
	rows := [][]string{
		{"陈大文", "澳門", "=1+1"},
		{"Chan, Tai Man", "say \"hi\"", "-3"},
		{"@admin", "+853 2888", "-2+3"},
		{"two\nlines", "", "+2.5"},
		{"\tcmd", "a\rb", "1-"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, CSV, header, rows); err != nil {
		t.Fatalf("Write: %v", err)
	}
	want := "\ufeffname,city,formula\r\n" +
		"陈大文,澳門,'=1+1\r\n" +
		"\"Chan, Tai Man\",\"say \"\"hi\"\"\",-3\r\n" +
		"'@admin,'+853 2888,'-2+3\r\n" +
		"\"two\r\nlines\",,+2.5\r\n" +
		"'\tcmd,\"a\r\nb\",1-\r\n"
	if got := buf.String(); got != want {
		t.Fatalf("CSV output:\ngot  %q\nwant %q", got, want)
	}
	got := mustRead(t, buf.Bytes(), CSV)
	checkTable(t, got, header, []Row{
		{Line: 2, Cells: cells("name", "陈大文", "city", "澳門", "formula", "'=1+1")},
		{Line: 3, Cells: cells("name", "Chan, Tai Man", "city", "say \"hi\"", "formula", "-3")},
		{Line: 4, Cells: cells("name", "'@admin", "city", "'+853 2888", "formula", "'-2+3")},
		{Line: 5, Cells: cells("name", "two\nlines", "city", "", "formula", "+2.5")},
		{Line: 7, Cells: cells("name", "'\tcmd", "city", "a\nb", "formula", "1-")},
	})
}

func TestWriteErrors(t *testing.T) {
	for _, f := range []Format{CSV, XLSX, "pdf"} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, f, []string{"a"}, [][]string{{"1", "2"}}); err == nil {
				t.Errorf("got no error for a row longer than the header")
			}
		})
	}
}

func TestColName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := colName(i); got != want {
			t.Errorf("colName(%d): got %q, want %q", i, got, want)
		}
	}
}

// minimalXLSX returns a small hand-made workbook holding only the parts a
// reader needs (no styles or theme), so that fuzzing it stays fast. Its sheet
// has a header, an empty row 2, a number, a shared and an inline string.
func minimalXLSX(tb testing.TB) []byte {
	tb.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/`
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<Types ` + ns + `package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>` +
			`</Types>`},
		{"_rels/.rels", `<Relationships ` + ns + `package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", `<workbook ` + ns + `spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships ` + ns + `package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`},
		{"xl/sharedStrings.xml", `<sst ` + ns + `spreadsheetml/2006/main"><si><t>id</t></si><si><t>name</t></si></sst>`},
		{"xl/worksheets/sheet1.xml", `<worksheet ` + ns + `spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
			`<row r="3"><c r="A3"><v>7</v></c><c r="B3" t="inlineStr"><is><t>澳門</t></is></c></row>` +
			`</sheetData></worksheet>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestMinimalXLSX(t *testing.T) {
	checkTable(t, mustRead(t, minimalXLSX(t), XLSX), []string{"id", "name"}, []Row{
		{Line: 3, Cells: cells("id", "7", "name", "澳門")},
	})
}

func TestReadZipNotWorkbook(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "<document/>"); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	format, err := Detect(buf.Bytes(), "report.docx", "")
	if err != nil || format != XLSX {
		t.Fatalf("Detect: got (%q, %v), want (xlsx, nil)", format, err)
	}
	if _, err := Read(buf.Bytes(), format, DefaultLimits); err == nil || err.Error() != errBadXLSX.Error() {
		t.Errorf("got error %v, want %q", err, errBadXLSX)
	}
}

// FuzzRead checks that Detect and Read never panic and that whatever Read
// returns is consistent.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n",
		"\ufeffName;Team\r\n陈大文;澳門\r\n\r\n;\r\n",
		"a,b\n\"x\ny\",2\n3\n",
		"sep=\t\nx\ty\n1\t2\n",
		"a\r1\r",
	} {
		f.Add([]byte(s))
	}
	f.Add(minimalXLSX(f))
	lim := Limits{MaxRows: 1000, MaxCellBytes: 1000, MaxColumns: 50}
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := Detect(data, "upload", "")
		if err != nil {
			return
		}
		tab, err := Read(data, format, lim)
		if err != nil {
			if tab != nil {
				t.Fatalf("got a table together with error %v", err)
			}
			return
		}
		inHeader := make(map[string]bool, len(tab.Header))
		for _, h := range tab.Header {
			if h == "" || inHeader[h] {
				t.Fatalf("empty or duplicate header name %q in %q", h, tab.Header)
			}
			inHeader[h] = true
		}
		if len(tab.Rows) > lim.MaxRows {
			t.Fatalf("got %d rows, limit is %d", len(tab.Rows), lim.MaxRows)
		}
		prev := 0
		for _, r := range tab.Rows {
			if r.Line <= prev {
				t.Fatalf("row line %d after line %d", r.Line, prev)
			}
			prev = r.Line
			if len(r.Cells) != len(tab.Header) {
				t.Fatalf("line %d: %d cells for %d header names", r.Line, len(r.Cells), len(tab.Header))
			}
			for k, v := range r.Cells {
				if !inHeader[k] {
					t.Fatalf("line %d: cell key %q is not in header %q", r.Line, k, tab.Header)
				}
				if len(v) > lim.MaxCellBytes {
					t.Fatalf("line %d: cell of %d bytes exceeds the limit", r.Line, len(v))
				}
			}
		}
	})
}
