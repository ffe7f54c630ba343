package server

import (
	"net/url"
	"testing"
)

// authzVerifyPageScenarios cover the verification pages: all public. The
// forms come from the pages themselves, so no row needs a session; a
// request that says nothing of its origin passes (see refuseCrossSite).
func authzVerifyPageScenarios() []authzScenario {
	// The certificate's page needs the id of the certificate its row's
	// setup issued: the row has its own map (rows run in parallel).
	cert := map[string]string{}
	return []authzScenario{
		{method: "GET", path: "/v/:id", files: cert, allowed: authzRolesPublic, status: 200, readOnly: true,
			setup: func(t *testing.T, f *fixture) { cert["id"] = verifyPagesSetup(t, f).PublicID }},
		{method: "GET", path: "/verify", allowed: authzRolesPublic, status: 200, readOnly: true},
		{method: "POST", path: "/verify/lookup", allowed: authzRolesPublic, status: 303, readOnly: true,
			form:  url.Values{"number": {verifyTestNumber}, "name": {verifyTestHolder}}.Encode(),
			setup: func(t *testing.T, f *fixture) { verifyPagesSetup(t, f) }},
		{method: "GET", path: "/verify/lookup", allowed: authzRolesPublic, status: 303, readOnly: true},
		{method: "GET", path: "/verify/upload", allowed: authzRolesPublic, status: 303, readOnly: true},
		// Not a PDF: the report says the registry has no such certificate.
		{method: "POST", path: "/verify/upload", allowed: authzRolesPublic, status: 200, readOnly: true,
			csv: "not a PDF", setup: certSetup(certIssuers, nil)},
	}
}
