package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/sheet"
	"bayskills/store"
)

// Columns of the import files.
var (
	competitorColumns = columns{
		required: []string{"skill", "name_native", "name_latin", "region", "institution"},
		optional: []string{"ref", "team"},
	}
	judgeColumns = columns{
		required: []string{"username", "display_name", "region", "institution"},
		optional: []string{"skill", "role", "pin"},
	}
)

type columns struct{ required, optional []string }

// check refuses a file whose header lacks a required column or has one the
// import does not know (a typo would otherwise silently drop data).
func (cols columns) check(t *sheet.Table) error {
	fe := apperr.FieldErrors{}
	for _, h := range t.Header {
		if !slices.Contains(cols.required, h) && !slices.Contains(cols.optional, h) {
			fe.Add(h, "unknown column; expected "+strings.Join(append(slices.Clone(cols.required), cols.optional...), ", "))
		}
	}
	for _, r := range cols.required {
		if !slices.Contains(t.Header, r) {
			fe.Add(r, "required column is missing")
		}
	}
	return fe.Err("the file's columns are wrong; nothing was imported")
}

// readUpload reads an uploaded spreadsheet: a multipart form's "file" field or
// the raw body (text/csv or XLSX).
func readUpload(c *gin.Context, cols columns) (*sheet.Table, error) {
	var data []byte
	var name string
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	var err error
	if mt == "multipart/form-data" {
		fh, ferr := c.FormFile("file")
		if ferr != nil {
			err = ferr
		} else {
			name = fh.Filename
			f, oerr := fh.Open()
			if oerr != nil {
				return nil, apperr.Wrap(oerr, "open upload")
			}
			defer f.Close()
			data, err = io.ReadAll(f)
		}
	} else {
		data, err = io.ReadAll(c.Request.Body)
	}
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr) || err != nil && strings.Contains(err.Error(), "request body too large"):
		return nil, apperr.New(apperr.TooLarge, "the file is larger than %d MiB", maxUploadBody>>20)
	case err != nil && mt == "multipart/form-data":
		return nil, apperr.New(apperr.Malformed, "send the file as the form field \"file\"")
	case err != nil:
		return nil, apperr.Wrap(err, "read upload")
	}
	if len(data) == 0 {
		return nil, apperr.New(apperr.Malformed, "the file is empty")
	}
	head := data[:min(len(data), 512)]
	format, err := sheet.Detect(head, name, mt)
	if err != nil {
		return nil, apperr.New(apperr.Malformed, "%s", err.Error())
	}
	t, err := sheet.Read(bytes.Clone(data), format, sheet.DefaultLimits)
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "%s", err.Error())
	}
	if err := cols.check(t); err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 {
		return nil, apperr.New(apperr.Invalid, "the file has a header but no rows")
	}
	return t, nil
}

// competitorInputs turns the rows of a competitor file into inputs.
func competitorInputs(t *sheet.Table) []store.CompetitorInput {
	in := make([]store.CompetitorInput, len(t.Rows))
	for i, r := range t.Rows {
		in[i] = store.CompetitorInput{Line: r.Line, Skill: r.Cells["skill"], Ref: r.Cells["ref"],
			NameNative: r.Cells["name_native"], NameLatin: r.Cells["name_latin"], Region: store.Region(r.Cells["region"]),
			Institution: r.Cells["institution"], Team: r.Cells["team"]}
	}
	return in
}

// judgeInputs turns the rows of a judge file into inputs.
func judgeInputs(t *sheet.Table) []store.JudgeInput {
	in := make([]store.JudgeInput, len(t.Rows))
	for i, r := range t.Rows {
		in[i] = store.JudgeInput{Line: r.Line, Username: r.Cells["username"], DisplayName: r.Cells["display_name"],
			Region: store.Region(r.Cells["region"]), Institution: r.Cells["institution"], Skill: r.Cells["skill"],
			Role: r.Cells["role"], PIN: r.Cells["pin"]}
	}
	return in
}

type importResult[T any] struct {
	Imported int `json:"imported"`
	Items    []T `json:"items"`
}

func (s *Server) listCompetitors(c *gin.Context) {
	var skill int64
	if code := c.Query("skill"); code != "" {
		list, err := s.db.Skills(c.Request.Context(), eventOf(c).ID)
		if err != nil {
			fail(c, err)
			return
		}
		skill = -1
		for _, sk := range list {
			if sk.Code == code {
				skill = sk.ID
			}
		}
		if skill < 0 {
			fail(c, apperr.New(apperr.NotFound, "the event has no skill %q", code))
			return
		}
	}
	list, err := s.db.Competitors(c.Request.Context(), eventOf(c).ID, skill)
	respond(c, http.StatusOK, list, err)
}

func (s *Server) createCompetitor(c *gin.Context) {
	withBody(c, http.StatusCreated, func(in store.CompetitorInput) (any, error) {
		list, err := s.db.AddCompetitors(c.Request.Context(), eventOf(c).ID, []store.CompetitorInput{in})
		return first(list, err)
	})
}

// first returns the only item of a one-item batch.
func first[T any](list []T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return list[0], nil
}

// importCompetitors: a CSV or XLSX file, one competitor a row; all or nothing.
func (s *Server) importCompetitors(c *gin.Context) {
	t, err := readUpload(c, competitorColumns)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := s.db.AddCompetitors(c.Request.Context(), eventOf(c).ID, competitorInputs(t))
	respond(c, http.StatusCreated, importResult[store.Competitor]{Imported: len(list), Items: list}, err)
}

func (s *Server) getCompetitor(c *gin.Context) {
	withID(c, "competitor", "competitor", http.StatusOK, func(id int64) (any, error) {
		return s.db.Competitor(c.Request.Context(), eventOf(c).ID, id)
	})
}

func (s *Server) updateCompetitor(c *gin.Context) {
	withIDAndBody(c, "competitor", "competitor", http.StatusOK, func(id int64, p store.CompetitorPatch) (any, error) {
		return s.db.UpdateCompetitor(c.Request.Context(), eventOf(c).ID, id, p)
	})
}

func (s *Server) deleteCompetitor(c *gin.Context) {
	withID(c, "competitor", "competitor", http.StatusNoContent, func(id int64) (any, error) {
		return nil, s.db.DeleteCompetitor(c.Request.Context(), eventOf(c).ID, id)
	})
}

func (s *Server) listJudges(c *gin.Context) {
	list, err := s.db.Judges(c.Request.Context(), eventOf(c).ID, 0)
	respond(c, http.StatusOK, list, err)
}

func (s *Server) createJudge(c *gin.Context) {
	withBody(c, http.StatusCreated, func(in store.JudgeInput) (any, error) {
		return first(s.db.AddJudges(c.Request.Context(), eventOf(c).ID, []store.JudgeInput{in}, hashSecret))
	})
}

// importJudges: a CSV or XLSX file, one judge a row; all or nothing. PINs left
// empty are generated and returned once in the response.
func (s *Server) importJudges(c *gin.Context) {
	t, err := readUpload(c, judgeColumns)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := s.db.AddJudges(c.Request.Context(), eventOf(c).ID, judgeInputs(t), hashSecret)
	respond(c, http.StatusCreated, importResult[store.Judge]{Imported: len(list), Items: list}, err)
}

func (s *Server) getJudge(c *gin.Context) {
	withID(c, "judge", "judge", http.StatusOK, func(id int64) (any, error) {
		return s.db.Judge(c.Request.Context(), eventOf(c).ID, id)
	})
}

func (s *Server) updateJudge(c *gin.Context) {
	withIDAndBody(c, "judge", "judge", http.StatusOK, func(id int64, p store.JudgePatch) (any, error) {
		return s.db.UpdateJudge(c.Request.Context(), eventOf(c).ID, id, p, caller(c).isAdmin(), hashSecret)
	})
}

func (s *Server) removeJudge(c *gin.Context) {
	withID(c, "judge", "judge", http.StatusNoContent, func(id int64) (any, error) {
		return nil, s.db.RemoveJudge(c.Request.Context(), eventOf(c).ID, id)
	})
}
