package store

import (
	"context"
	"errors"
	"fmt"
)

// regionTables are the tables whose rows migration 00012 left with region ”.
var regionTables = []string{"resources", "secrets", "runs", "schedules"}

// FillRegion gives region to the rows created before regions were real (migration 00012 left
// them with region ”): they were created when the server answered as one region only, its
// --region, which their ARNs already name. The server calls it at startup with its --region; it
// returns how many rows it changed, and changes none on later starts.
func (db *DB) FillRegion(ctx context.Context, region string) (int64, error) {
	if region == "" {
		return 0, errors.New("fill region: no region")
	}
	var total int64
	err := db.Tx(ctx, func(tx *Tx) error {
		total = 0
		for _, t := range regionTables {
			n, err := tx.Exec(ctx, "UPDATE "+t+" SET region = ? WHERE region = ''", region)
			if err != nil {
				return fmt.Errorf("fill region of %s: %w", t, err)
			}
			total += n
		}
		return nil
	})
	return total, err
}
