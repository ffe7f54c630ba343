package server

// authzTabletScenarios cover the judge's tablet pages.
func authzTabletScenarios() []authzScenario { return nil }

// authzConsoleScenarios cover the organizer's console pages.
func authzConsoleScenarios() []authzScenario { return nil }

// authzPublicPageScenarios cover the public pages.
func authzPublicPageScenarios() []authzScenario { return nil }
