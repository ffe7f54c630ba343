package server

// authzTabletScenarios cover the judge's tablet pages: the skills page is
// for anyone signed in (a judge of one skill goes straight to it), a
// skill's marking page for those who mark it (its judges and chief expert,
// not organizers or the admin), and the service worker is public code.
func authzTabletScenarios() []authzScenario {
	return []authzScenario{
		{method: "GET", path: "/tablet", allowed: authzRolesSignedIn, status: 200, readOnly: true,
			// Each fixture judge marks one skill: straight to it.
			statusFor: map[string]int{asJudge: 303, asChief: 303, asJudgeOther: 303}},
		{method: "GET", path: "/tablet/sw.js", allowed: authzRolesPublic, status: 200, readOnly: true},
		{method: "GET", path: "/tablet/events/:event/skills/:skill", allowed: authzRolesMarkers, status: 200, readOnly: true},
	}
}
