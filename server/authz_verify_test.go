package server

import (
	"context"
	"testing"
)

// authzVerifyScenarios cover verification (DESIGN §8). Everything an
// employer or an offline verifier reads is public; changing a
// certificate's status is its issuer's officers' and the admin's; issuer
// officers and key rotation are the admin's.
func authzVerifyScenarios() []authzScenario {
	issuer := map[string]string{"issuer": "GD-TEST"}
	// withCert makes a row about an issued certificate. Rows run in
	// parallel: each has its own map of the certificate it issued (id,
	// number, holder's name, claims), filled by its setup.
	withCert := func(row func(cert map[string]string) authzScenario) authzScenario {
		cert := map[string]string{}
		s := row(cert)
		s.files = cert
		s.setup = func(t *testing.T, f *fixture) {
			certSetup(certIssued, nil)(t, f)
			list, err := f.db.SkillCertificates(context.Background(), f.ids["event"], f.ids["skill"])
			if err != nil || len(list) == 0 {
				t.Fatalf("certificates issued: %v, %v", list, err)
			}
			v, err := f.db.VerifyCertificate(context.Background(), list[0].PublicID)
			if err != nil {
				t.Fatal(err)
			}
			cert["id"], cert["cert"], cert["number"], cert["name"], cert["claims"] = v.PublicID, v.PublicID, v.Number,
				v.HolderLatin, v.Claims
		}
		return s
	}
	return []authzScenario{
		{method: "GET", path: "/.well-known/jwks.json", allowed: authzRolesPublic, status: 200, readOnly: true,
			setup: certSetup(certIssuers, nil)},
		{method: "GET", path: "/status/:issuer", files: issuer, allowed: authzRolesPublic, status: 200, readOnly: true,
			setup: certSetup(certIssuers, nil)},
		{method: "GET", path: "/status/:issuer/suspension", files: issuer, allowed: authzRolesPublic, status: 200,
			readOnly: true, setup: certSetup(certIssuers, nil)},
		withCert(func(map[string]string) authzScenario {
			return authzScenario{method: "GET", path: "/api/v1/public/certificates/:id", allowed: authzRolesPublic,
				status: 200, readOnly: true}
		}),
		withCert(func(cert map[string]string) authzScenario {
			return authzScenario{method: "POST", path: "/api/v1/public/certificates/:id/claims", allowed: authzRolesPublic,
				status: 200, readOnly: true, body: func(*fixture, string) any { return claimsBody{Claims: cert["claims"]} }}
		}),
		withCert(func(cert map[string]string) authzScenario {
			return authzScenario{method: "POST", path: "/api/v1/public/lookup", allowed: authzRolesPublic, status: 200,
				readOnly: true, body: func(*fixture, string) any {
					return lookupBody{Number: cert["number"], Name: cert["name"]}
				}}
		}),
		withCert(func(map[string]string) authzScenario {
			return authzScenario{method: "POST", path: "/api/v1/public/verify-pdf", allowed: authzRolesPublic,
				status: 200, readOnly: true, csv: "not a PDF"}
		}),
		withCert(func(map[string]string) authzScenario {
			return authzScenario{method: "GET", path: "/v/:id/certificate.pdf", allowed: authzRolesPublic, status: 200,
				readOnly: true}
		}),
		withCert(func(map[string]string) authzScenario {
			return authzScenario{method: "POST", path: "/api/v1/certificates/:cert/status", allowed: authzRolesAdmin,
				status: 200, body: func(*fixture, string) any {
					return map[string]string{"status": "suspended", "reason": "checking an appeal"}
				}}
		}),
		{method: "PUT", path: "/api/v1/issuers/:issuer/officers/:user", params: map[string]string{":issuer": "issuer"},
			allowed: authzRolesAdmin, status: 204, setup: certSetup(certIssuers, nil)},
		{method: "DELETE", path: "/api/v1/issuers/:issuer/officers/:user", params: map[string]string{":issuer": "issuer"},
			allowed: authzRolesAdmin, status: 204, setup: certSetup(certIssuers, nil)},
		{method: "POST", path: "/api/v1/issuers/:issuer/keys/rotate", params: map[string]string{":issuer": "issuer"},
			allowed: authzRolesAdmin, status: 200, setup: certSetup(certIssuers, nil),
			body: func(*fixture, string) any { return map[string]string{"reason": "yearly rotation"} }},
	}
}
