package server

// authzConsoleScenarios cover the organizer's console pages.
func authzConsoleScenarios() []authzScenario { return nil }
