package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/surveyorhq/surveyor/examples"
	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
	"github.com/surveyorhq/surveyor/internal/store"
)

// sampleSetting marks a store whose sample was registered (or declined): the sample is offered
// once per store, so one deleted never comes back.
const sampleSetting = "console_sample"

// Sample names, as the console and the API show them.
const (
	SampleDomain = "Sample"
	SampleSource = "shop (sample)"
	SampleSecret = "surveyor-sample-shop"
)

// ensureSample registers the sample shop database as a DataZone data source of the first
// account and starts its first run, when the store is new. A store with resources or runs
// already is not new: it gets no sample, now or later.
func (s *Server) ensureSample(ctx context.Context) error {
	fresh, err := s.claimSample(ctx)
	if err != nil || !fresh {
		return err
	}
	path, err := s.writeSample()
	if err != nil {
		return err
	}
	if len(s.cfg.LocalRoots) > 0 {
		inside := false
		for _, root := range s.cfg.LocalRoots {
			if rel, err := filepath.Rel(root, path); err == nil && filepath.IsLocal(rel) {
				inside = true
			}
		}
		if !inside {
			s.log.Info("no sample source: it would lie outside --local-roots", "path", path)
			return nil
		}
	}
	key, err := s.keys.First(ctx)
	if err != nil {
		return err
	}
	ctx = awsapi.WithCaller(ctx, awsapi.Caller{AccountID: key.AccountID, AccessKeyID: key.AccessKeyID, Region: s.cfg.Region})
	value, _ := json.Marshal(map[string]string{"engine": "sqlite", "path": path})
	str := string(value)
	if _, _, err := s.secrets.Create(ctx, scope.Scope{Account: key.AccountID, Region: s.cfg.Region}, secrets.CreateInput{Name: SampleSecret,
		Description: "Where the sample shop database is (no password: a SQLite file).", Value: &secrets.Value{String: &str}}); err != nil {
		return fmt.Errorf("create the sample's secret: %w", err)
	}
	started, err := s.datazone.CreateSample(ctx, SampleDomain, SampleSource, SampleSecret, "main")
	if err != nil {
		return err
	}
	s.log.Info("registered the sample shop database as a DataZone data source (--no-sample turns this off)",
		"dataSource", started.SourceID, "run", started.RunID)
	return nil
}

// claimSample records, once per store, that the sample was considered, and reports whether the
// store is new (no resources, no runs) and so gets it.
func (s *Server) claimSample(ctx context.Context) (bool, error) {
	fresh := false
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM settings WHERE name = ?`, sampleSetting).Scan(&n); err != nil || n > 0 {
			return err
		}
		var used int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM resources) + (SELECT count(*) FROM runs)`).Scan(&used); err != nil {
			return err
		}
		value := "registered"
		if used > 0 {
			value = "declined: the store was not new"
		}
		inserted, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, sampleSetting, value)
		fresh = err == nil && inserted == 1 && used == 0
		return err
	})
	return fresh, err
}

// writeSample writes the embedded shop database where the server may read it, outside the data
// directory (sources may never read that one).
func (s *Server) writeSample() (string, error) {
	dir := s.cfg.SampleDir
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir = filepath.Join(cache, "surveyor", "sample")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	path := filepath.Join(dir, "shop.db")
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, examples.ShopDB) {
		return path, nil
	}
	if err := os.WriteFile(path, examples.ShopDB, 0o644); err != nil {
		return "", fmt.Errorf("write the sample database: %w", err)
	}
	return path, nil
}
