package server

// authzTabletScenarios cover the judge's tablet pages.
func authzTabletScenarios() []authzScenario { return nil }
