package server

import "testing"

func TestFixtureRolesSignIn(t *testing.T) {
	f := newFixture(t)
	for _, role := range allRoles[1:] {
		r := f.do("GET", "/api/v1/me", role, nil)
		if r.Status != 200 {
			t.Errorf("%s: GET /api/v1/me = %d, want 200: %s", role, r.Status, r.Body)
		}
	}
}
