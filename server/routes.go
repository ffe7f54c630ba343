package server

import (
	"github.com/gin-gonic/gin"
)

// route is one entry of the API surface: who may call it and what answers.
type route struct {
	method string
	path   string
	who    access
	handle gin.HandlerFunc
	upload bool // takes a file body (bigger size limit) instead of JSON
}

// table lists every route of the server. Nothing is registered elsewhere.
func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", public, s.healthz, false},
		{"GET", "/api/openapi.json", public, s.openAPI, false},

		{"POST", "/api/v1/auth/login", public, s.login, false},
		{"POST", "/api/v1/auth/pin", public, s.loginPIN, false},
		{"POST", "/api/v1/auth/logout", authenticated, s.logout, false},
		{"GET", "/api/v1/me", authenticated, s.me, false},
		{"POST", "/api/v1/me/password", authenticated, s.changePassword, false},

		{"GET", "/api/v1/users", adminOnly, s.listUsers, false},
		{"POST", "/api/v1/users", adminOnly, s.createUser, false},
		{"GET", "/api/v1/users/:user", adminOnly, s.getUser, false},
		{"PATCH", "/api/v1/users/:user", adminOnly, s.updateUser, false},

		{"GET", "/api/v1/events", authenticated, s.listEvents, false},
		{"POST", "/api/v1/events", eventCreator, s.createEvent, false},
		{"GET", "/api/v1/events/:event", eventMember, s.getEvent, false},
		{"PATCH", "/api/v1/events/:event", eventOrganizer, s.updateEvent, false},
		{"GET", "/api/v1/events/:event/organizers", eventOrganizer, s.listOrganizers, false},
		{"POST", "/api/v1/events/:event/organizers", eventOrganizer, s.addOrganizer, false},
		{"DELETE", "/api/v1/events/:event/organizers/:user", eventOrganizer, s.removeOrganizer, false},

		{"GET", "/api/v1/events/:event/skills", eventMember, s.listSkills, false},
		{"POST", "/api/v1/events/:event/skills", eventOrganizer, s.createSkill, false},
		{"GET", "/api/v1/events/:event/skills/:skill", skillStaff, s.getSkill, false},
		{"PATCH", "/api/v1/events/:event/skills/:skill", eventOrganizer, s.updateSkill, false},
		{"PUT", "/api/v1/events/:event/skills/:skill/judges/:judge", eventOrganizer, s.assignJudge, false},
		{"DELETE", "/api/v1/events/:event/skills/:skill/judges/:judge", eventOrganizer, s.unassignJudge, false},

		{"GET", "/api/v1/events/:event/skills/:skill/scheme", skillStaff, s.getScheme, false},
		{"PUT", "/api/v1/events/:event/skills/:skill/scheme", skillLead, s.putScheme, true},
		{"GET", "/api/v1/events/:event/skills/:skill/panels", skillStaff, s.listPanels, false},
		{"PUT", "/api/v1/events/:event/skills/:skill/panels/:sub", skillLead, s.setPanel, false},
		{"POST", "/api/v1/events/:event/skills/:skill/panels/generate", skillLead, s.generatePanels, false},
		{"GET", "/api/v1/events/:event/skills/:skill/work", skillJudge, s.judgeWork, false},
		{"POST", "/api/v1/events/:event/skills/:skill/marks", skillJudge, s.submitMarks, false},
		{"POST", "/api/v1/events/:event/skills/:skill/signoffs", skillJudge, s.signOff, false},
		{"POST", "/api/v1/events/:event/skills/:skill/unlocks", chiefExpert, s.unlock, false},
		{"GET", "/api/v1/events/:event/skills/:skill/progress", skillLead, s.progress, false},
		{"GET", "/api/v1/events/:event/skills/:skill/audit", skillLead, s.auditTrail, false},
		{"GET", "/api/v1/events/:event/skills/:skill/results", skillLead, s.skillResults, false},
		{"GET", "/api/v1/events/:event/skills/:skill/results/export", skillLead, s.exportResults, false},
		{"GET", "/api/v1/events/:event/skills/:skill/results/sheet.pdf", skillLead, s.resultSheet, false},
		{"GET", "/api/v1/events/:event/skills/:skill/marks/export", skillLead, s.exportMarks, false},
		{"POST", "/api/v1/events/:event/skills/:skill/results/confirm", skillLead, s.confirmResults, false},
		{"POST", "/api/v1/events/:event/skills/:skill/results/close-appeals", eventOrganizer, s.closeAppeals, false},
		{"GET", "/api/v1/events/:event/skills/:skill/analytics", skillLead, s.skillAnalytics, false},
		{"GET", "/api/v1/events/:event/skills/:skill/charts/scores.svg", skillLead, s.scoresChart, false},
		{"GET", "/api/v1/events/:event/skills/:skill/charts/severity.svg", skillLead, s.severityChart, false},

		{"GET", "/api/v1/events/:event/results", eventOrganizer, s.eventResults, false},
		{"GET", "/api/v1/public/events/:event/results", public, s.publicResults, false},

		{"GET", "/api/v1/events/:event/competitors", eventOrganizer, s.listCompetitors, false},
		{"POST", "/api/v1/events/:event/competitors", eventOrganizer, s.createCompetitor, false},
		{"POST", "/api/v1/events/:event/competitors/import", eventOrganizer, s.importCompetitors, true},
		{"GET", "/api/v1/events/:event/competitors/:competitor", eventOrganizer, s.getCompetitor, false},
		{"PATCH", "/api/v1/events/:event/competitors/:competitor", eventOrganizer, s.updateCompetitor, false},
		{"DELETE", "/api/v1/events/:event/competitors/:competitor", eventOrganizer, s.deleteCompetitor, false},

		{"GET", "/api/v1/events/:event/judges", eventOrganizer, s.listJudges, false},
		{"POST", "/api/v1/events/:event/judges", eventOrganizer, s.createJudge, false},
		{"POST", "/api/v1/events/:event/judges/import", eventOrganizer, s.importJudges, true},
		{"GET", "/api/v1/events/:event/judges/:judge", eventOrganizer, s.getJudge, false},
		{"PATCH", "/api/v1/events/:event/judges/:judge", eventOrganizer, s.updateJudge, false},
		{"DELETE", "/api/v1/events/:event/judges/:judge", eventOrganizer, s.removeJudge, false},
	}
}

// routes registers the table on a fresh engine.
func (s *Server) routes() *gin.Engine {
	e := s.engineBase()
	for _, r := range s.table() {
		limit := int64(maxJSONBody)
		if r.upload {
			limit = maxUploadBody
		}
		e.Handle(r.method, r.path, limitBody(limit), s.authorize(r.who), r.handle)
	}
	return e
}
