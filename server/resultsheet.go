package server

import (
	"bytes"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/assets"
	"bayskills/certs"
	"bayskills/scoring"
	"bayskills/store"
)

// gbaTime is the time zone of every venue in the Greater Bay Area (UTC+8,
// no daylight saving): printed times are local.
var gbaTime = time.FixedZone("UTC+8", 8*60*60)

// documentFonts are the fonts of printed documents, parsed on first use and
// shared by every document.
var documentFonts = sync.OnceValues(func() (*certs.Fonts, error) {
	return certs.NewFonts(certs.FontFiles{Latin: assets.FontLatin, LatinBold: assets.FontLatinBold, CJK: assets.FontCJK})
})

// resultSheet: the skill's provisional or final results as a printable PDF.
func (s *Server) resultSheet(c *gin.Context) {
	ctx := c.Request.Context()
	e, sk := eventOf(c), skillOf(c)
	r, err := s.db.Results(ctx, e.ID, sk.ID)
	if err == nil && r.Lifecycle.State == store.ResultsMarking {
		err = apperr.New(apperr.Conflict, "the results are not published yet")
	}
	if err != nil {
		fail(c, err)
		return
	}
	scheme, err := s.db.Scheme(ctx, e.ID, sk.ID)
	if err != nil {
		fail(c, err)
		return
	}
	fonts, err := documentFonts()
	if err != nil {
		fail(c, apperr.Wrap(err, "load fonts"))
		return
	}
	var buf bytes.Buffer
	if err := certs.RenderResultSheet(&buf, fonts, sheetOf(e, sk, scheme.Scheme, r, s.cfg.Now())); err != nil {
		fail(c, apperr.Wrap(err, "render result sheet"))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="results-`+sk.Code+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}

// sheetOf lays out results for the printed sheet, in the host region's
// script beside English.
func sheetOf(e store.Event, sk store.Skill, scheme scoring.Scheme, r store.Results, now time.Time) certs.ResultSheet {
	chinese := func(n store.Names) string { return hostChinese(e.HostRegion, n) }
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, " / ")
	}
	sh := certs.ResultSheet{
		Event:     join(e.Name.En, chinese(e.Name)),
		Skill:     sk.Code + " — " + join(sk.Name.En, chinese(sk.Name)),
		State:     certs.SheetProvisional,
		Formula:   r.Formula,
		SignOff:   []string{"Chief Expert", "Organizer"},
		Generated: localTime(now.UTC().Format("2006-01-02T15:04:05.000Z")),
	}
	if r.Lifecycle.State == store.ResultsFinal {
		sh.State, sh.Finalised = certs.SheetFinal, localTime(r.Lifecycle.FinalAt)+", confirmed by the chief expert and an organizer"
	} else {
		sh.AppealsClose = localTime(r.Lifecycle.AppealUntil)
	}
	for _, cr := range scheme.Criteria {
		var max scoring.Centi
		for _, sub := range cr.SubCriteria {
			for _, a := range sub.Aspects {
				max += a.MaxMark
			}
		}
		sh.Criteria = append(sh.Criteria, certs.SheetCriterion{Code: cr.Code, Name: cr.Name,
			Max: scoring.RoundMarks(new(big.Rat).SetInt64(int64(max)))})
	}
	p := r.Params
	sh.Notes = append(sh.Notes, fmt.Sprintf("Ranks: standard competition ranking on the standardised score; scores "+
		"within %g points share a rank%s. Medallion for Excellence from %g points.", p.TieThreshold,
		map[bool]string{true: ", then by criterion marks in criterion order", false: ""}[p.TieBreak], p.MedallionAt))
	if e.Settings.BlindJudging {
		sh.Notes = append(sh.Notes, "Judges marked under blind judging, by competitor code.")
	}
	if r.Lifecycle.SHA256 != "" {
		sh.Notes = append(sh.Notes, "SHA-256 of the stored results: "+r.Lifecycle.SHA256)
	}
	for _, en := range r.Entries {
		row := certs.ResultRow{Rank: en.Rank, Code: en.Code, Region: string(en.Region), Team: en.Team, Raw: en.Raw,
			Score: en.Score, Award: string(en.Award), BestOfRegion: en.BestOfRegion}
		row.NameNative, row.NameLatin, row.Institution = entryNames(en)
		for _, cr := range scheme.Criteria {
			row.Criteria = append(row.Criteria, en.Criteria[cr.Code])
		}
		sh.Rows = append(sh.Rows, row)
	}
	return sh
}

// localTime shows a stored timestamp in the venue's time zone.
func localTime(stamp string) string {
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return stamp
	}
	return t.In(gbaTime).Format("2006-01-02 15:04") + " (UTC+8)"
}
