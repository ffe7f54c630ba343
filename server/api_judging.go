package server

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/scoring"
	"bayskills/sheet"
	"bayskills/store"
)

// getScheme: the skill's marking scheme as JSON, or ?format=csv|xlsx for the
// flat file organizers edit in Excel.
func (s *Server) getScheme(c *gin.Context) {
	ss, err := s.db.Scheme(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	format, ok := tableFormat(c, true)
	if !ok {
		return
	}
	if format == "json" {
		c.JSON(http.StatusOK, ss)
		return
	}
	header, rows := schemeToTable(ss.Scheme)
	sendTable(c, format, "marking-scheme-"+skillOf(c).Code, header, rows)
}

const xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// tableFormat reads ?format=: csv or xlsx, or json (the default) where
// withJSON; it answers the error itself and says false on anything else.
func tableFormat(c *gin.Context, withJSON bool) (string, bool) {
	format := c.Query("format")
	switch {
	case format == "csv" || format == "xlsx":
		return format, true
	case withJSON && (format == "" || format == "json"):
		return "json", true
	case withJSON:
		fail(c, apperr.WithFields("unknown format", map[string]string{"format": "must be json, csv or xlsx"}))
	default:
		fail(c, apperr.WithFields("unknown format", map[string]string{"format": "must be csv or xlsx"}))
	}
	return "", false
}

// sendTable answers a table as a CSV or XLSX download named name.format.
func sendTable(c *gin.Context, format, name string, header []string, rows [][]string) {
	var buf bytes.Buffer
	if err := sheet.Write(&buf, sheet.Format(format), header, rows); err != nil {
		fail(c, apperr.Wrap(err, "write "+name))
		return
	}
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = xlsxContentType
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.`+format+`"`)
	c.Data(http.StatusOK, ctype, buf.Bytes())
}

// putScheme replaces the marking scheme (until marking starts) from JSON, or
// from a CSV or XLSX file with one aspect a row. Every problem is listed.
func (s *Server) putScheme(c *gin.Context) {
	var sch scoring.Scheme
	if c.ContentType() == "application/json" {
		if err := decode(c, &sch); err != nil {
			fail(c, err)
			return
		}
	} else {
		t, err := readUpload(c, schemeFileColumns)
		if err != nil {
			fail(c, err)
			return
		}
		var bad []apperr.RowError
		if sch, bad = schemeFromTable(t); len(bad) > 0 {
			fail(c, &apperr.Error{Code: apperr.Invalid, Rows: bad,
				Message: strconv.Itoa(len(bad)) + " rows of the file have problems; nothing was saved"})
			return
		}
	}
	ss, err := s.db.ReplaceScheme(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, caller(c).User.ID, sch)
	respond(c, http.StatusOK, ss, err)
}

func (s *Server) listPanels(c *gin.Context) {
	list, err := s.db.Panels(c.Request.Context(), skillOf(c).ID)
	respond(c, http.StatusOK, list, err)
}

type panelRequest struct {
	JudgeIDs []int64 `json:"judge_ids"`
}

func (s *Server) setPanel(c *gin.Context) {
	withIDAndBody(c, "sub", "sub-criterion", http.StatusOK, func(sub int64, req panelRequest) (any, error) {
		return s.db.SetPanel(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, sub, caller(c).User.ID, req.JudgeIDs)
	})
}

type generateRequest struct {
	Size int `json:"size"`
}

// generatePanels staffs every sub-criterion without a panel (size 3 or 5,
// default 3), following the panel rules.
func (s *Server) generatePanels(c *gin.Context) {
	withBody(c, http.StatusOK, func(req generateRequest) (any, error) {
		if req.Size == 0 {
			req.Size = 3
		}
		return s.db.GeneratePanels(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, caller(c).User.ID, req.Size)
	})
}

// judgeOf returns the id of the caller's judge record at the path's event.
func (s *Server) judgeOf(c *gin.Context) (int64, error) {
	return s.db.JudgeID(c.Request.Context(), eventOf(c).ID, caller(c).User.ID)
}

func (s *Server) judgeWork(c *gin.Context) {
	j, err := s.judgeOf(c)
	if err != nil {
		fail(c, err)
		return
	}
	w, err := s.db.JudgeWork(c.Request.Context(), eventOf(c), skillOf(c), j)
	respond(c, http.StatusOK, w, err)
}

type marksRequest struct {
	Marks []store.MarkInput `json:"marks"`
}

type marksResponse struct {
	Marks []store.MarkResult `json:"marks"`
}

// submitMarks stores a batch of marks from a tablet. The answer comes only
// after the marks are durably committed; a retry with the same keys gets the
// same answer and writes nothing.
func (s *Server) submitMarks(c *gin.Context) {
	withBody(c, http.StatusOK, func(req marksRequest) (any, error) {
		j, err := s.judgeOf(c)
		if err != nil {
			return nil, err
		}
		res, err := s.db.SubmitMarks(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, j, caller(c).User.ID, req.Marks)
		s.metrics.countMarks(res, len(req.Marks), err)
		return marksResponse{Marks: res}, err
	})
}

type signOffRequest struct {
	EntryID        int64 `json:"entry_id"`
	SubCriterionID int64 `json:"sub_criterion_id"`
}

func (s *Server) signOff(c *gin.Context) {
	withBody(c, http.StatusCreated, func(req signOffRequest) (any, error) {
		j, err := s.judgeOf(c)
		if err != nil {
			return nil, err
		}
		return s.db.SignOff(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, j, caller(c).User.ID, req.EntryID,
			req.SubCriterionID)
	})
}

type unlockRequest struct {
	EntryID        int64  `json:"entry_id"`
	SubCriterionID int64  `json:"sub_criterion_id"`
	Reason         string `json:"reason"`
}

func (s *Server) unlock(c *gin.Context) {
	withBody(c, http.StatusNoContent, func(req unlockRequest) (any, error) {
		return nil, s.db.Unlock(c.Request.Context(), eventOf(c).ID, skillOf(c).ID, caller(c).User.ID, req.EntryID,
			req.SubCriterionID, req.Reason)
	})
}

func (s *Server) progress(c *gin.Context) {
	p, err := s.db.Progress(c.Request.Context(), eventOf(c).ID, skillOf(c).ID)
	respond(c, http.StatusOK, p, err)
}

// auditTrail: the skill's audit entries after ?after=SEQ, at most ?limit=N
// (default 500, at most 5000), oldest first.
func (s *Server) auditTrail(c *gin.Context) {
	after, err1 := strconv.ParseInt(c.DefaultQuery("after", "0"), 10, 64)
	limit, err2 := strconv.Atoi(c.DefaultQuery("limit", "500"))
	if err1 != nil || err2 != nil || after < 0 || limit < 1 || limit > 5000 {
		fail(c, apperr.WithFields("bad paging", map[string]string{"after": "a sequence number ≥ 0",
			"limit": "1 to 5000"}))
		return
	}
	list, err := s.db.AuditTrail(c.Request.Context(), skillOf(c).ID, after, limit)
	respond(c, http.StatusOK, list, err)
}
