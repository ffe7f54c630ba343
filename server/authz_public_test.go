package server

// authzPublicPageScenarios cover the public pages.
func authzPublicPageScenarios() []authzScenario {
	return []authzScenario{
		{method: "GET", path: "/results/:event", allowed: authzRolesPublic, status: 200, readOnly: true,
			setup: authzJudgingSetup(authzFinal)},
	}
}
