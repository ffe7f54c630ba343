package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"bayskills/apperr"
	"bayskills/assets"
	"bayskills/sheet"
	"bayskills/store"
)

// Demo logins. They are printed by `make run` and must never be used outside
// the demo.
const (
	DemoOrganizer         = "organizer"
	DemoOrganizerPassword = "demo-organizer-2026"
)

type demoEvent struct {
	store.EventInput
	Skills []store.SkillInput `json:"skills"`
}

// DemoJudge is a demo judge's login.
type DemoJudge struct {
	Username, DisplayName, Skill, Role, PIN string
}

// Demo describes the demo event and how to sign in to it.
type Demo struct {
	EventID int64
	Loaded  bool // false when the database already held events
	Judges  []DemoJudge
	// CertificateURL is the verification URL of one of the finished
	// skill's certificates.
	CertificateURL string
}

// LoadDemo loads the embedded demo event into a database without events,
// through the same import paths as the API, and issues the finished skill's
// certificates (opts: the master key and the public URL they use). With
// events present it loads nothing and only returns the demo logins and
// certificate.
func LoadDemo(ctx context.Context, db *store.DB, opts ...DemoOption) (*Demo, error) {
	o, err := demoOptionsOf(db, opts)
	if err != nil {
		return nil, err
	}
	judgesCSV, err := assets.Demo.ReadFile("demo/judges.csv")
	if err != nil {
		return nil, err
	}
	jt, err := sheet.Read(judgesCSV, sheet.CSV, sheet.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("demo judges: %w", err)
	}
	judges := judgeInputs(jt)
	d := &Demo{}
	for _, j := range judges {
		d.Judges = append(d.Judges, DemoJudge{j.Username, j.DisplayName, j.Skill, j.Role, j.PIN})
	}
	events, err := db.Events(ctx, 0, true)
	if err != nil || len(events) > 0 {
		if len(events) > 0 {
			d.EventID = events[len(events)-1].ID
			d.CertificateURL, err = demoCertificateURL(ctx, db, d.EventID, o.baseURL)
		}
		return d, err
	}
	ev := demoEvent{EventInput: store.EventInput{Settings: store.DefaultEventSettings()}}
	raw, err := assets.Demo.ReadFile("demo/event.json")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("demo event: %w", err)
	}
	hash, err := hashSecret(DemoOrganizerPassword)
	if err != nil {
		return nil, err
	}
	org, err := db.UserByName(ctx, DemoOrganizer)
	if apperr.CodeOf(err) == apperr.NotFound {
		org, err = db.CreateUser(ctx, store.NewUser{Username: DemoOrganizer, DisplayName: "Demo Organizer",
			Role: store.RoleOrganizer, PasswordHash: hash})
	}
	if err != nil {
		return nil, fmt.Errorf("demo organizer: %w", err)
	}
	e, err := db.CreateEvent(ctx, ev.EventInput, org.ID)
	if err != nil {
		return nil, fmt.Errorf("demo event: %w", err)
	}
	d.EventID, d.Loaded = e.ID, true
	var skills []store.Skill
	for _, in := range ev.Skills {
		sk, err := db.CreateSkill(ctx, e.ID, in)
		if err != nil {
			return nil, fmt.Errorf("demo skill %s: %w", in.Code, err)
		}
		skills = append(skills, sk)
	}
	compCSV, err := assets.Demo.ReadFile("demo/competitors.csv")
	if err != nil {
		return nil, err
	}
	ct, err := sheet.Read(compCSV, sheet.CSV, sheet.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("demo competitors: %w", err)
	}
	if _, err := db.AddCompetitors(ctx, e.ID, competitorInputs(ct)); err != nil {
		return nil, fmt.Errorf("demo competitors: %w", err)
	}
	if _, err := db.AddJudges(ctx, e.ID, judges, hashSecret); err != nil {
		return nil, fmt.Errorf("demo judges: %w", err)
	}
	for _, sk := range skills {
		if err := loadDemoScheme(ctx, db, e.ID, sk, org.ID); err != nil {
			return nil, fmt.Errorf("demo skill %s: %w", sk.Code, err)
		}
		if sk.Code != demoFinishedSkill {
			continue
		}
		if err := finishDemoSkill(ctx, db, e, sk, org.ID); err != nil {
			return nil, fmt.Errorf("demo skill %s: %w", sk.Code, err)
		}
		if err := issueDemoCertificates(ctx, db, e, sk, org.ID, o); err != nil {
			return nil, fmt.Errorf("demo skill %s: %w", sk.Code, err)
		}
	}
	if d.CertificateURL, err = demoCertificateURL(ctx, db, e.ID, o.baseURL); err != nil {
		return nil, err
	}
	return d, nil
}

// loadDemoScheme gives a demo skill its marking scheme (the same file format
// organizers upload) and panels chosen by the panel rules.
func loadDemoScheme(ctx context.Context, db *store.DB, event int64, sk store.Skill, organizer int64) error {
	raw, err := assets.Demo.ReadFile("demo/schemes/" + sk.Code + ".csv")
	if err != nil {
		return err
	}
	t, err := sheet.Read(raw, sheet.CSV, sheet.DefaultLimits)
	if err != nil {
		return err
	}
	sch, bad := schemeFromTable(t)
	if len(bad) > 0 {
		return fmt.Errorf("scheme rows %+v", bad)
	}
	if _, err := db.ReplaceScheme(ctx, event, sk.ID, organizer, sch); err != nil {
		return err
	}
	_, err = db.GeneratePanels(ctx, event, sk.ID, organizer, 3)
	return err
}

// Print writes the demo logins for a person at a terminal.
func (d *Demo) Print(w io.Writer, baseURL string) {
	fmt.Fprintf(w, "\nDemo event (id %d): sign in at %s/login\n", d.EventID, baseURL)
	fmt.Fprintf(w, "  organizers: the console      %s/console\n", baseURL)
	fmt.Fprintf(w, "  judges:     the tablet       %s/tablet\n", baseURL)
	fmt.Fprintf(w, "  everyone:   public results   %s/results/%d\n", baseURL, d.EventID)
	if d.CertificateURL != "" {
		fmt.Fprintf(w, "  employers:  verification     %s  (a demo certificate)\n", d.CertificateURL)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  %-12s %-14s password %s\n", "organizer", DemoOrganizer, DemoOrganizerPassword)
	for _, j := range d.Judges {
		fmt.Fprintf(w, "  %-12s %-14s PIN %s  (%s, %s)\n", j.Role, j.Username, j.PIN, j.Skill, j.DisplayName)
	}
}

// EnsureAdmin creates the admin account on first start, with password or,
// when it is empty, a generated one that is returned to be printed once.
func EnsureAdmin(ctx context.Context, db *store.DB, password string) (generated string, err error) {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		password = newPassword()
		generated = password
	} else if msg := checkPassword(password); msg != "" {
		return "", fmt.Errorf("BAYSKILLS_ADMIN_PASSWORD %s", msg)
	}
	hash, err := hashSecret(password)
	if err != nil {
		return "", err
	}
	_, err = db.CreateUser(ctx, store.NewUser{Username: "admin", DisplayName: "Administrator", Role: store.RoleAdmin,
		PasswordHash: hash})
	return generated, err
}
