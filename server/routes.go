package server

import (
	"slices"

	"github.com/gin-gonic/gin"
)

// route is one entry of the server's surface: who may call it and what
// answers.
type route struct {
	method string
	path   string
	who    access
	handle gin.HandlerFunc
	kind   routeKind
}

// routeKind says what a route takes and how it fails.
type routeKind int

const (
	jsonBody routeKind = iota // a JSON API route: JSON errors
	fileBody                  // an API route taking a file (bigger size limit)
	page                      // an HTML page or form: refusals redirect to sign in or render an error page
)

// table lists every route of the server. Nothing is registered elsewhere.
func (s *Server) table() []route {
	return slices.Concat(s.apiRoutes(), s.pageRoutes(), s.tabletRoutes(), s.consoleRoutes(), s.publicPageRoutes(),
		s.badgeRoutes(), s.certRoutes(), s.verifyRoutes(), s.verifyPageRoutes())
}

// apiRoutes are the JSON API.
func (s *Server) apiRoutes() []route {
	return []route{
		{"GET", "/healthz", public, s.healthz, jsonBody},
		{"GET", "/api/openapi.json", public, s.openAPI, jsonBody},
		{"GET", "/metrics", metricsReader, s.serveMetrics, jsonBody},

		{"POST", "/api/v1/auth/login", public, s.login, jsonBody},
		{"POST", "/api/v1/auth/pin", public, s.loginPIN, jsonBody},
		{"POST", "/api/v1/auth/logout", authenticated, s.logout, jsonBody},
		{"GET", "/api/v1/me", authenticated, s.me, jsonBody},
		{"POST", "/api/v1/me/password", authenticated, s.changePassword, jsonBody},

		{"GET", "/api/v1/users", adminOnly, s.listUsers, jsonBody},
		{"POST", "/api/v1/users", adminOnly, s.createUser, jsonBody},
		{"GET", "/api/v1/users/:user", adminOnly, s.getUser, jsonBody},
		{"PATCH", "/api/v1/users/:user", adminOnly, s.updateUser, jsonBody},

		{"GET", "/api/v1/events", authenticated, s.listEvents, jsonBody},
		{"POST", "/api/v1/events", eventCreator, s.createEvent, jsonBody},
		{"GET", "/api/v1/events/:event", eventMember, s.getEvent, jsonBody},
		{"PATCH", "/api/v1/events/:event", eventOrganizer, s.updateEvent, jsonBody},
		{"GET", "/api/v1/events/:event/organizers", eventOrganizer, s.listOrganizers, jsonBody},
		{"POST", "/api/v1/events/:event/organizers", eventOrganizer, s.addOrganizer, jsonBody},
		{"DELETE", "/api/v1/events/:event/organizers/:user", eventOrganizer, s.removeOrganizer, jsonBody},

		{"GET", "/api/v1/events/:event/skills", eventMember, s.listSkills, jsonBody},
		{"POST", "/api/v1/events/:event/skills", eventOrganizer, s.createSkill, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill", skillStaff, s.getSkill, jsonBody},
		{"PATCH", "/api/v1/events/:event/skills/:skill", eventOrganizer, s.updateSkill, jsonBody},
		{"PUT", "/api/v1/events/:event/skills/:skill/judges/:judge", eventOrganizer, s.assignJudge, jsonBody},
		{"DELETE", "/api/v1/events/:event/skills/:skill/judges/:judge", eventOrganizer, s.unassignJudge, jsonBody},

		{"GET", "/api/v1/events/:event/skills/:skill/scheme", skillStaff, s.getScheme, jsonBody},
		{"PUT", "/api/v1/events/:event/skills/:skill/scheme", skillLead, s.putScheme, fileBody},
		{"GET", "/api/v1/events/:event/skills/:skill/panels", skillStaff, s.listPanels, jsonBody},
		{"PUT", "/api/v1/events/:event/skills/:skill/panels/:sub", skillLead, s.setPanel, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/panels/generate", skillLead, s.generatePanels, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/work", skillJudge, s.judgeWork, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/marks", skillJudge, s.submitMarks, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/signoffs", skillJudge, s.signOff, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/unlocks", chiefExpert, s.unlock, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/progress", skillLead, s.progress, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/audit", skillLead, s.auditTrail, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/results", skillLead, s.skillResults, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/results/export", skillLead, s.exportResults, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/results/sheet.pdf", skillLead, s.resultSheet, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/marks/export", skillLead, s.exportMarks, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/results/confirm", skillLead, s.confirmResults, jsonBody},
		{"POST", "/api/v1/events/:event/skills/:skill/results/close-appeals", eventOrganizer, s.closeAppeals, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/analytics", skillLead, s.skillAnalytics, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/charts/scores.svg", skillLead, s.scoresChart, jsonBody},
		{"GET", "/api/v1/events/:event/skills/:skill/charts/severity.svg", skillLead, s.severityChart, jsonBody},

		{"GET", "/api/v1/events/:event/results", eventOrganizer, s.eventResults, jsonBody},
		{"GET", "/api/v1/public/events/:event/results", public, s.publicResults, jsonBody},

		{"GET", "/api/v1/events/:event/competitors", eventOrganizer, s.listCompetitors, jsonBody},
		{"POST", "/api/v1/events/:event/competitors", eventOrganizer, s.createCompetitor, jsonBody},
		{"POST", "/api/v1/events/:event/competitors/import", eventOrganizer, s.importCompetitors, fileBody},
		{"GET", "/api/v1/events/:event/competitors/:competitor", eventOrganizer, s.getCompetitor, jsonBody},
		{"PATCH", "/api/v1/events/:event/competitors/:competitor", eventOrganizer, s.updateCompetitor, jsonBody},
		{"DELETE", "/api/v1/events/:event/competitors/:competitor", eventOrganizer, s.deleteCompetitor, jsonBody},

		{"GET", "/api/v1/events/:event/judges", eventOrganizer, s.listJudges, jsonBody},
		{"POST", "/api/v1/events/:event/judges", eventOrganizer, s.createJudge, jsonBody},
		{"POST", "/api/v1/events/:event/judges/import", eventOrganizer, s.importJudges, fileBody},
		{"GET", "/api/v1/events/:event/judges/:judge", eventOrganizer, s.getJudge, jsonBody},
		{"PATCH", "/api/v1/events/:event/judges/:judge", eventOrganizer, s.updateJudge, jsonBody},
		{"DELETE", "/api/v1/events/:event/judges/:judge", eventOrganizer, s.removeJudge, jsonBody},
	}
}

// routes registers the table on a fresh engine.
func (s *Server) routes() *gin.Engine {
	e := s.engineBase()
	for _, r := range s.table() {
		limit := int64(maxJSONBody)
		if r.kind == fileBody {
			limit = maxUploadBody
		}
		handlers := []gin.HandlerFunc{limitBody(limit), s.authorize(r.who, r.kind == page), r.handle}
		if r.kind == page {
			handlers = slices.Insert(handlers, 1, s.readForm)
		}
		e.Handle(r.method, r.path, handlers...)
	}
	return e
}
