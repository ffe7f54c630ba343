package server

import (
	"context"
	"fmt"

	"bayskills/assets"
	"bayskills/certs"
	"bayskills/store"
)

// Prepare brings a freshly migrated database up to what this binary ships
// and expects: the qualification frameworks of assets/frameworks. It is
// safe while a server runs on the database (`bayskills migrate`, `keys
// rotate`); issuances left half done are New's to fail.
func Prepare(ctx context.Context, db *store.DB) error {
	fws, err := certs.ParseFrameworks(assets.Frameworks)
	if err != nil {
		return err
	}
	if err := db.SyncFrameworks(ctx, fws); err != nil {
		return fmt.Errorf("frameworks: %w", err)
	}
	return nil
}
