package benchgen

import (
	"context"
	"database/sql"
	"fmt"
)

// Load runs the batches of a generated schema into db, in order, on one connection.
//
// SQLite runs them all in one transaction. PostgreSQL runs each batch as one implicit
// transaction (a multi-statement simple query): a single transaction over 10,000 tables would
// need more lock slots than a default server has. MySQL commits each DDL statement anyway; the
// DSN must allow multiStatements.
func Load(ctx context.Context, db *sql.DB, dialect string, batches []string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("load %s schema: %w", dialect, err)
	}
	defer conn.Close()
	if dialect == SQLite {
		// Each CREATE re-reads sqlite_schema to parse the new entry, so loading is quadratic in
		// the number of objects; a page cache that holds the whole catalog (here up to 256 MiB)
		// keeps those re-reads in memory instead of going back to the file every time.
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return fmt.Errorf("load sqlite schema: cache size: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			return fmt.Errorf("load sqlite schema: begin: %w", err)
		}
	}
	for i, batch := range batches {
		if _, err := conn.ExecContext(ctx, batch); err != nil {
			if dialect == SQLite {
				_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			}
			return fmt.Errorf("load %s schema: batch %d of %d: %w", dialect, i+1, len(batches), err)
		}
	}
	if dialect == SQLite {
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("load sqlite schema: commit: %w", err)
		}
	}
	return nil
}
