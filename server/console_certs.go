package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/certs"
	"bayskills/store"
)

// The console's certificate pages (DESIGN §7). A skill's Certificates tab,
// for the event's organizers: the recognition plan to edit, issuance with
// its progress, and the certificates issued. The admin's issuers page: the
// certifying bodies with their keys, and the form to create one. Like the
// rest of the console, the pages show the store and their forms call the
// certificates' API (api_certs.go).

// planAchievements are the achievements a plan entry asks for, in the
// order the plan's select offers them.
var planAchievements = []string{store.AchieveGold, store.AchieveSilver, store.AchieveBronze, store.AchieveMedal,
	store.AchieveMedallion, store.AchieveScore}

// planProvenances are the provenances of a level mapping, in the order the
// plan's select offers them.
var planProvenances = []string{store.ProvenanceIndicative, store.ProvenanceOfficial}

// certificatesView is a skill's Certificates tab.
type certificatesView struct {
	Issuers      []issuerChoice
	Mainland     bool // an issuer numbers the Mainland way: some levels are not for it
	Achievements []string
	Provenances  []string
	// Rows are the plan's entries in order, then a blank one: the script's
	// model for a row the organizer adds.
	Rows []planRow
	// Where the results stand: certificates come from final results only.
	State   store.ResultState
	Final   bool
	Marking string // while marking: what is not signed off yet
	// Batch is the issuance the page follows: ?batch=, or the latest.
	Batch *store.Batch
	// The skill's certificates, with how many are in each state.
	Certificates []certificateRow
	Valid        int
	Superseded   int
	Withdrawn    int // revoked or suspended
}

// issuerChoice is an issuer as the plan offers it, with the levels of its
// framework.
type issuerChoice struct {
	ID     int64
	Code   string
	Name   store.Names
	Demo   bool
	Levels []levelChoice
}

// levelChoice is a level of an issuer's framework in a plan row's select.
type levelChoice struct {
	Code  string
	Label string // its name in the page language
	// Unnumbered: the issuer numbers certificates the Mainland way and the
	// level has no digit in that number, so the issuer cannot award it.
	Unnumbered bool
	Selected   bool
}

// planRow is one row of the plan's table.
type planRow struct {
	store.PlanEntry
	Line     int    // the entry's place, as the API's row errors count it
	Blank    bool   // the model row, not an entry
	MinScore string // as typed: no trailing zeros
	Levels   []levelChoice
}

// certificateRow is a certificate of the skill as the tab lists it.
type certificateRow struct {
	store.CertificateRecord
	Issuer     string // the issuer's code
	IssuerName store.Names
	Level      string // its name in the page language
	Issued     string // the date of issue, in Greater Bay Area time
	Until      string // the last date it is valid, if it expires
	StatusAt   string // the date the status last changed, in Greater Bay Area time
	NewHolder  bool   // the first row of its holder's certificates
}

// consoleCertificates: the skill's recognition plan, the issuance of its
// certificates, and the certificates issued.
func (s *Server) consoleCertificates(c *gin.Context) {
	s.consoleSkillPage(c, "certificates", func(ctx context.Context, d *consoleSkillData) error {
		v := &certificatesView{Achievements: planAchievements, Provenances: planProvenances}
		r, marking, err := s.resultsOrMarking(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		v.State, v.Marking = r.Lifecycle.State, marking
		v.Final = v.State == store.ResultsFinal
		if v.Issuers, err = s.issuerChoices(ctx, s.pageWords(c)); err != nil {
			return err
		}
		levels := map[int64][]levelChoice{}
		for _, iss := range v.Issuers {
			levels[iss.ID] = iss.Levels
			v.Mainland = v.Mainland || slices.ContainsFunc(iss.Levels, func(l levelChoice) bool { return l.Unnumbered })
		}
		plan, err := s.db.Plan(ctx, d.Event.ID, d.Skill.ID)
		if err != nil {
			return err
		}
		for n, p := range plan {
			row := planRow{PlanEntry: p, Line: n + 1}
			if p.MinScore != nil {
				row.MinScore = strconv.FormatFloat(*p.MinScore, 'f', -1, 64)
			}
			for _, l := range levels[p.IssuerID] {
				l.Selected = l.Code == p.Level
				row.Levels = append(row.Levels, l)
			}
			v.Rows = append(v.Rows, row)
		}
		v.Rows = append(v.Rows, planRow{Blank: true,
			PlanEntry: store.PlanEntry{Achievement: store.AchieveMedal, Provenance: store.ProvenanceIndicative}})
		if v.Batch, err = s.followedBatch(ctx, c.Query("batch"), d.Skill.ID); err != nil {
			return err
		}
		if v.Certificates, err = s.certificateRows(ctx, d.Event.ID, d.Skill.ID, v.Issuers); err != nil {
			return err
		}
		for _, cr := range v.Certificates {
			switch cr.Status {
			case store.CertValid:
				v.Valid++
			case store.CertSuperseded:
				v.Superseded++
			case store.CertRevoked, store.CertSuspended:
				v.Withdrawn++
			}
		}
		d.Certificates = v
		return nil
	})
}

// followedBatch is the issuance the Certificates tab shows: the one its
// ?batch= names, when it is the skill's, or else the skill's latest, so
// that a reload (or another organizer's page) still sees a batch running
// or why it failed. Nil when the skill has none.
func (s *Server) followedBatch(ctx context.Context, query string, skill int64) (*store.Batch, error) {
	if id, err := strconv.ParseInt(query, 10, 64); err == nil {
		switch b, err := s.db.Batch(ctx, id); {
		case err == nil && b.SkillID == skill:
			return &b, nil
		case err != nil && apperr.CodeOf(err) != apperr.NotFound:
			return nil, err
		}
	}
	list, err := s.db.Batches(ctx, skill)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// issuerChoices lists every issuer with the levels of its framework, named
// in the page language.
func (s *Server) issuerChoices(ctx context.Context, words pageData) ([]issuerChoice, error) {
	issuers, err := s.db.Issuers(ctx)
	if err != nil {
		return nil, err
	}
	frameworks, err := s.db.Frameworks(ctx)
	if err != nil {
		return nil, err
	}
	fws := map[string]certs.Framework{}
	for _, f := range frameworks {
		fws[f.Code] = f
	}
	var out []issuerChoice
	for _, iss := range issuers {
		ic := issuerChoice{ID: iss.ID, Code: iss.Code, Name: store.Names(iss.Name), Demo: iss.Demo}
		for _, l := range fws[iss.Framework].Levels {
			ic.Levels = append(ic.Levels, levelChoice{Code: l.Code, Label: words.Name(store.Names(l.Name)),
				Unnumbered: iss.Numbering == store.NumberingMainland && l.Digit == ""})
		}
		out = append(out, ic)
	}
	return out, nil
}

// certificateRows lists the skill's issued certificates (the registry's
// order: by competitor, issuer, then issue) with the names of their
// issuers and levels.
func (s *Server) certificateRows(ctx context.Context, event, skill int64, issuers []issuerChoice) ([]certificateRow, error) {
	list, err := s.db.SkillCertificates(ctx, event, skill)
	if err != nil {
		return nil, err
	}
	byID := map[int64]issuerChoice{}
	for _, iss := range issuers {
		byID[iss.ID] = iss
	}
	out := make([]certificateRow, len(list))
	for i, rec := range list {
		iss := byID[rec.IssuerID]
		level := rec.Level
		if n := slices.IndexFunc(iss.Levels, func(l levelChoice) bool { return l.Code == rec.Level }); n >= 0 {
			level = iss.Levels[n].Label
		}
		out[i] = certificateRow{CertificateRecord: rec, Issuer: iss.Code, IssuerName: iss.Name, Level: level,
			Issued: consoleDate(rec.IssuedAt), Until: consoleDate(rec.ValidUntil), StatusAt: consoleDate(rec.StatusAt),
			NewHolder: i == 0 || list[i-1].CompetitorID != rec.CompetitorID}
	}
	return out, nil
}

// pageWords translates and picks names in the caller's page language, for
// what a handler words itself.
func (s *Server) pageWords(c *gin.Context) pageData {
	lang := pageLanguage(c)
	return pageData{Lang: lang, cat: s.pages.catalogs[lang], en: s.pages.catalogs["en"]}
}

// consoleDate is the Greater Bay Area date of a stored UTC timestamp (""
// stays "").
func consoleDate(stamp string) string {
	t := consoleTime(stamp)
	return t[:min(len(t), len("2006-01-02"))]
}

// --- issuers --------------------------------------------------------------

// consoleIssuersData is what console_issuers.html renders.
type consoleIssuersData struct {
	Flash      string
	Issuers    []issuerRow
	Frameworks []frameworkChoice
	Regions    []store.Region
	Languages  []pageLang // what certificates may be printed in
	Slots      []int      // the places of the languages in print order: 1, 2, …
}

// frameworkChoice is a framework as the issuer form offers it.
type frameworkChoice struct {
	Code   string
	Region string
	Name   store.Names
}

// issuerRow is an issuer with its framework's name and its keys.
type issuerRow struct {
	store.Issuer
	Names         store.Names
	FrameworkName store.Names
	Languages     []string // the languages' own names, in print order
	Keys          []keyRow
}

// keyRow is a signing key with its window in Greater Bay Area time.
type keyRow struct {
	store.IssuerKey
	From, Until, Retired, Compromised string
}

// consoleIssuers: the certifying bodies with their frameworks, numbering
// and signing keys, and the form that creates one (the admin's).
func (s *Server) consoleIssuers(c *gin.Context) {
	ctx := c.Request.Context()
	d := consoleIssuersData{Flash: consoleFlash(c), Regions: consoleRegions, Languages: pageLangs}
	for i := range pageLangs {
		d.Slots = append(d.Slots, i+1)
	}
	fws, err := s.db.Frameworks(ctx)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	fwNames := map[string]store.Names{}
	for _, f := range fws {
		fwNames[f.Code] = store.Names(f.Name)
		d.Frameworks = append(d.Frameworks, frameworkChoice{Code: f.Code, Region: f.Region, Name: store.Names(f.Name)})
	}
	langNames := map[string]string{}
	for _, l := range pageLangs {
		langNames[l.Code] = l.Name
	}
	issuers, err := s.db.Issuers(ctx)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	for _, iss := range issuers {
		keys, err := s.db.IssuerKeys(ctx, iss.ID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		row := issuerRow{Issuer: iss, Names: store.Names(iss.Name), FrameworkName: fwNames[iss.Framework]}
		for _, l := range iss.Languages {
			row.Languages = append(row.Languages, langNames[l])
		}
		for _, k := range keys {
			row.Keys = append(row.Keys, keyRow{IssuerKey: k, From: consoleTime(k.NotBefore), Until: consoleTime(k.NotAfter),
				Retired: consoleTime(k.RetiredAt), Compromised: consoleTime(k.CompromisedAt)})
		}
		d.Issuers = append(d.Issuers, row)
	}
	s.render(c, http.StatusOK, "console_issuers", d)
}
