package server

import (
	"context"
	"fmt"

	"bayskills/assets"
	"bayskills/certs"
	"bayskills/store"
)

// Prepare brings a freshly migrated database up to what this binary ships
// and expects: the qualification frameworks of assets/frameworks, and no
// certificate issuance left half done by a process that stopped.
func Prepare(ctx context.Context, db *store.DB) error {
	fws, err := certs.ParseFrameworks(assets.Frameworks)
	if err != nil {
		return err
	}
	if err := db.SyncFrameworks(ctx, fws); err != nil {
		return fmt.Errorf("frameworks: %w", err)
	}
	if _, err := db.FailInterrupted(ctx); err != nil {
		return fmt.Errorf("interrupted issuances: %w", err)
	}
	return nil
}
