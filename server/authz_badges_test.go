package server

// authzBadgeScenarios cover judges' badges and their QR sign-in.
func authzBadgeScenarios() []authzScenario { return nil }
