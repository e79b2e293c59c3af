package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

const (
	activitiesPerPage = 100
	changesPerPage    = 50
	removedPerPage    = 100
)

// outcomes are the activity statuses a run page filters by.
var outcomes = []string{catalog.StatusCreated, catalog.StatusUpdated, catalog.StatusUnchanged, catalog.StatusNoAccess, catalog.StatusFailed}

type runView struct {
	Run   runs.Run
	Stats *catalog.Stats
	Other []Setting
	// Catalog is true for discovery runs, whose assets are in the catalog; a crawl writes the
	// Glue Data Catalog instead.
	Catalog  bool
	Log      []string
	Result   *discovery.Result
	Source   *Source
	Duration time.Duration

	Changes     []assetChanges
	NextChanges int
	Removed     []catalog.Removal
	RemovedAll  int
	RemovedPage pager

	Outcome        string
	Outcomes       []string
	Activities     []catalog.Activity
	After          int
	NextActivities int
	// Problems are the failures and skips of the run, with their reasons (the first page).
	Problems     []catalog.Activity
	MoreProblems bool
}

// assetChanges is one updated asset and its typed change list.
type assetChanges struct {
	AssetID  string
	Ref      schema.Ref
	Revision int
	Changes  []schema.Description
}

func (c *Console) runPage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	run, err := c.cfg.Runs.Get(ctx, s.Scope(), r.PathValue("id"))
	if errors.Is(err, runs.ErrNotFound) {
		return nil, notFound("There is no run %s in this account.", r.PathValue("id"))
	}
	if err != nil {
		return nil, err
	}
	d := &runView{Run: run, Stats: runStats(run), Other: otherStats(run), Catalog: run.Job == discovery.JobDiscover,
		Outcome: q.Get("outcome"), Outcomes: outcomes}
	if d.Outcome != "" && !contains(outcomes, d.Outcome) {
		return nil, badRequest("Unknown outcome %q.", d.Outcome)
	}
	if len(run.Result) > 0 {
		var res struct {
			discovery.Result
			Log []string `json:"log"`
		}
		if json.Unmarshal(run.Result, &res) == nil {
			d.Result, d.Log = &res.Result, res.Log
		}
	}
	if run.StartedAt != nil {
		end := c.cfg.Now()
		if run.StoppedAt != nil {
			end = *run.StoppedAt
		}
		d.Duration = end.Sub(*run.StartedAt)
	}
	if src, _, err := c.findSource(ctx, run.SourceID); err == nil {
		d.Source = &src
	}
	d.After, _ = strconv.Atoi(q.Get("after"))
	changesAfter, _ := strconv.Atoi(q.Get("changes"))
	err = c.cfg.DB.ReadTx(ctx, func(tx *store.Tx) error {
		changed, next, err := c.cfg.Catalog.RunChanges(ctx, tx, s.AccountID, run.ID, changesAfter, changesPerPage)
		if err != nil {
			return err
		}
		d.NextChanges = next
		for _, ch := range changed {
			diff := schema.DiffTable(ch.Ref, ch.Before, ch.After)
			ac := assetChanges{AssetID: ch.AssetID, Ref: ch.Ref, Revision: ch.Revision}
			for _, x := range diff.Changes {
				ac.Changes = append(ac.Changes, schema.Describe(x))
			}
			d.Changes = append(d.Changes, ac)
		}
		d.RemovedPage = newPagerNamed(q, "rpage", 0, removedPerPage)
		d.Removed, d.RemovedAll, err = c.cfg.Catalog.RemovedByRun(ctx, tx, s.AccountID, run.ID, d.RemovedPage.Offset, removedPerPage)
		if err != nil {
			return err
		}
		d.RemovedPage = newPagerNamed(q, "rpage", d.RemovedAll, removedPerPage)
		d.Activities, d.NextActivities, err = c.cfg.Catalog.ListActivities(ctx, tx, run.ID, d.Outcome, d.After, activitiesPerPage)
		if err != nil {
			return err
		}
		for _, st := range []string{catalog.StatusFailed, catalog.StatusNoAccess} {
			acts, next, err := c.cfg.Catalog.ListActivities(ctx, tx, run.ID, st, 0, activitiesPerPage)
			if err != nil {
				return err
			}
			d.Problems = append(d.Problems, acts...)
			d.MoreProblems = d.MoreProblems || next > 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &view{Page: "run", Nav: "sources", Title: "Run " + run.ID, D: d}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
