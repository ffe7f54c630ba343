package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"bayskills/apperr"
	"bayskills/assets"
	"bayskills/store"
)

// The judge's tablet: two server-rendered pages (the judge's skills, and one
// skill's marking screen, which tablet.js fills from GET …/work) and the
// service worker that keeps them usable offline. Marks never go through a
// tablet route: tablet.js keeps them in an IndexedDB outbox and sends them
// to POST …/marks with their idempotency keys (DESIGN §5).

// tabletScope is the part of the site the tablet's service worker controls:
// the skills page and every marking page below it.
const tabletScope = "/tablet"

// tabletShell are the static files the service worker keeps, so that a
// marking page reloads without a network (the page itself is kept as it is
// fetched).
var tabletShell = []string{"app.css", "tablet.css", "tablet.js"}

// tabletRoutes are the judge's tablet pages.
func (s *Server) tabletRoutes() []route {
	return []route{
		{"GET", "/tablet", authenticated, s.tabletHome, page},
		{"GET", "/tablet/sw.js", public, s.tabletWorker, page},
		{"GET", "/tablet/events/:event/skills/:skill", skillJudge, s.tabletSkill, page},
	}
}

// tabletSkillLink is one skill the judge marks, as the skills page lists it.
type tabletSkillLink struct {
	URL   string
	Event store.Names
	Skill store.Names
	Code  string
	Chief bool
}

// tabletHome lists the caller's skills, or goes straight to the only one.
// Other accounts (organizers) get the page with nothing to mark.
func (s *Server) tabletHome(c *gin.Context) {
	ctx := c.Request.Context()
	js, err := s.db.SkillsOf(ctx, caller(c).User.ID)
	if err != nil {
		s.pageFail(c, err)
		return
	}
	if len(js) == 1 {
		c.Redirect(http.StatusSeeOther, tabletSkillURL(js[0].EventID, js[0].SkillID))
		return
	}
	links := make([]tabletSkillLink, 0, len(js))
	events := map[int64]store.Event{}
	for _, j := range js {
		ev, ok := events[j.EventID]
		if !ok {
			if ev, err = s.db.Event(ctx, j.EventID); err != nil {
				s.pageFail(c, err)
				return
			}
			events[j.EventID] = ev
		}
		sk, err := s.db.Skill(ctx, j.EventID, j.SkillID)
		if err != nil {
			s.pageFail(c, err)
			return
		}
		links = append(links, tabletSkillLink{URL: tabletSkillURL(j.EventID, j.SkillID), Event: ev.Name, Skill: sk.Name,
			Code: sk.Code, Chief: j.Role == store.SkillChiefExpert})
	}
	s.render(c, http.StatusOK, "tablet-home", links)
}

func tabletSkillURL(event, skill int64) string {
	return fmt.Sprintf("%s/events/%d/skills/%d", tabletScope, event, skill)
}

// tabletSkillData is what the marking page shows before its script runs.
type tabletSkillData struct {
	Event store.Event
	Skill store.Skill
	// API is the skill's judging API, which the page's script calls.
	API   string
	Chief bool
	// Several is set when the judge marks other skills too: the page links
	// to the list of them.
	Several bool
}

// tabletSkill is the marking page of one skill. Its content comes from the
// judge's work (GET …/work), fetched by tablet.js and kept in IndexedDB so
// the page works offline.
func (s *Server) tabletSkill(c *gin.Context) {
	ev, sk := eventOf(c), skillOf(c)
	// The service worker fetches the page once more to keep it, right after
	// its first load: let that come from the browser's cache, for this
	// session only (the session cookie is part of the key).
	c.Header("Cache-Control", "private, max-age=60")
	c.Header("Vary", "Cookie")
	roles := caller(c).Access.SkillRoles
	s.render(c, http.StatusOK, "tablet", tabletSkillData{Event: ev, Skill: sk,
		API:   fmt.Sprintf("/api/v1/events/%d/skills/%d", ev.ID, sk.ID),
		Chief: roles[sk.ID] == store.SkillChiefExpert, Several: len(roles) > 1})
}

// tabletWorker serves the service worker from inside its scope, with the
// shell's current (hashed) URLs written in: a new build changes the worker's
// bytes, so browsers install it and drop the files it no longer lists.
func (s *Server) tabletWorker(c *gin.Context) {
	src, err := assets.Web.ReadFile("web/static/tablet-sw.js")
	if err != nil {
		s.pageFail(c, apperr.Wrap(err, "read service worker"))
		return
	}
	shell := make([]string, len(tabletShell))
	version := ""
	for i, name := range tabletShell {
		shell[i] = s.pages.staticURL(name)
		version += s.pages.static[name]
	}
	list, _ := json.Marshal(shell)
	js := strings.Replace(string(src), "/*SHELL*/[]", string(list), 1)
	js = strings.Replace(js, "/*VERSION*/''", `'`+version+`'`, 1)
	c.Header("Service-Worker-Allowed", tabletScope)
	// Browsers look for a new worker on every navigation; never serve a
	// stale one from the HTTP cache.
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", []byte(js))
}
