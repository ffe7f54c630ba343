package server

import (
	"context"
	"testing"
)

// authzBadgeScenarios cover judges' badges and their QR sign-in. Printing
// badges is the event's organizers' (it issues codes that sign judges in);
// the sign-in pages are public: the code is the credential. Each /q row's
// setup issues the judge a code and puts it in the row's path.
func authzBadgeScenarios() []authzScenario {
	withCode := func() (map[string]string, func(*testing.T, *fixture)) {
		files := map[string]string{}
		return files, func(t *testing.T, f *fixture) {
			t.Helper()
			codes, err := f.db.IssueLoginCodes(context.Background(), f.ids["event"], f.ids["user:"+asOrganizer],
				[]int64{f.ids[asJudge]})
			if err != nil || len(codes) != 1 {
				t.Fatalf("IssueLoginCodes = %v, %v", codes, err)
			}
			files["code"] = codes[0].Code
		}
	}
	getFiles, getSetup := withCode()
	postFiles, postSetup := withCode()
	return []authzScenario{
		{method: "POST", path: "/api/v1/events/:event/judges/badges", allowed: authzRolesOrganizers, status: 200},
		// Looking does not use the code up: every role sees the same one.
		{method: "GET", path: "/q/*code", files: getFiles, setup: getSetup, allowed: authzRolesPublic, status: 200,
			readOnly: true},
		{method: "POST", path: "/q/*code", files: postFiles, setup: postSetup, allowed: authzRolesPublic, status: 303},
	}
}
