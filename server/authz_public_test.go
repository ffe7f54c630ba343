package server

// authzPublicPageScenarios cover the public pages.
func authzPublicPageScenarios() []authzScenario { return nil }
