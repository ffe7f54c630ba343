package server

// authzConsoleScenarios cover the organizer's console pages: the console
// home for organizer accounts, the admin and chief experts (a judge who
// leads no skill has no console); an event's pages for its organizers; a
// skill's pages for its organizers and the skill's chief expert, except
// its certificates, which are the organizers' (as the certificates' API);
// the certificate issuers for the admin, who creates them.
func authzConsoleScenarios() []authzScenario {
	return []authzScenario{
		{method: "GET", path: "/console", allowed: []string{asChief, asOrganizerOther, asOrganizer, asAdmin}, status: 200,
			readOnly: true},
		{method: "GET", path: "/console/events/:event", allowed: authzRolesOrganizers, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzFinal)},
		{method: "GET", path: "/console/events/:event/people", allowed: authzRolesOrganizers, status: 200, readOnly: true},
		{method: "GET", path: "/console/events/:event/skills/:skill", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzScheme)},
		{method: "GET", path: "/console/events/:event/skills/:skill/panels", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzPanel)},
		{method: "GET", path: "/console/events/:event/skills/:skill/progress", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzMarked)},
		{method: "GET", path: "/console/events/:event/skills/:skill/audit", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzSignedOff)},
		{method: "GET", path: "/console/events/:event/skills/:skill/results", allowed: authzRolesSkillLeads, status: 200,
			readOnly: true, setup: authzJudgingSetup(authzFinal)},
		{method: "GET", path: "/console/events/:event/skills/:skill/certificates", allowed: authzRolesOrganizers, status: 200,
			readOnly: true, setup: certSetup(certIssued, nil)},
		{method: "GET", path: "/console/issuers", allowed: authzRolesAdmin, status: 200, readOnly: true,
			setup: certSetup(certIssuers, nil)},
	}
}
