package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/catalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/scheduler"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Sources is what the console needs of one façade's discovery sources. Each façade implements
// it in its own console.go. The context of every call carries the session's caller
// (awsapi.CallerFrom: account, access key and region), as a signed request's would.
type Sources interface {
	// Service names the façade as people know it: "DataZone", "AppIntegrations", "DMS"...
	Service() string
	// ListSources lists the caller's sources.
	ListSources(ctx context.Context) ([]Source, error)
	// GetSource returns one of the caller's sources by its id, or an error wrapping ErrNotFound.
	GetSource(ctx context.Context, id string) (Source, error)
	// RunNow starts a run of the source exactly as the façade's own operation does: idempotent
	// on clientToken, refused while a run is active (the operation's error, an *awsapi.Error,
	// whose message the console shows).
	RunNow(ctx context.Context, id, clientToken string) (Started, error)
}

// ErrNotFound is what Sources.GetSource wraps for a source the caller does not have.
var ErrNotFound = errors.New("console: source not found")

// Source is one discovery source: what runs read, and what their assets belong to.
type Source struct {
	// ID is the source id of its runs, and of its catalog assets unless CatalogID says otherwise.
	ID string
	// CatalogID, when set, is the source id of its catalog assets, which several sources may
	// share: the associations of one AppIntegrations data integration record what they find
	// under the integration's id.
	CatalogID string
	Service   string
	// Type is the façade's word for it: "data source", "data integration", "endpoint"...
	Type string
	Name string
	// Engine says what is read: an engine, or a location for files.
	Engine   string
	Location string
	// Schedule is the schedule expression ("" when runs are started by hand).
	Schedule string
	// Settings are the configuration shown on the source's page. Secrets appear by name only.
	Settings []Setting
	// CanRun says whether Run now is offered; RunHelp says what it does, or why not.
	CanRun  bool
	RunHelp string
	Created time.Time
}

// Catalog is the source id of the source's catalog assets.
func (s Source) Catalog() string {
	if s.CatalogID != "" {
		return s.CatalogID
	}
	return s.ID
}

// Setting is one configuration value of a source.
type Setting struct{ Name, Value string }

// Started is the run RunNow started (or found, for a repeated clientToken), and its source
// (a new one for façades whose every run is its own source, like AppSync introspections).
type Started struct {
	SourceID, RunID string
}

// sourceRow is a source with what its latest run says.
type sourceRow struct {
	Source
	Last   *runs.Run
	Stats  *catalog.Stats
	Status string // the latest run's status, RUNNING while one is active, NEVER_RUN without any
	Next   *time.Time
}

const sourcesPerPage = 50

type sourcesView struct {
	Rows           []sourceRow
	Services       []string
	Service        string
	Status         string
	Statuses       []string
	Total, Showing int
	Page           pager
}

// allSources lists the caller's sources of every façade, ordered by service and name.
func (c *Console) allSources(ctx context.Context) ([]Source, error) {
	var out []Source
	for _, p := range c.cfg.Sources {
		list, err := p.ListSources(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s sources: %w", p.Service(), err)
		}
		out = append(out, list...)
	}
	slices.SortFunc(out, func(a, b Source) int {
		if c := strings.Compare(a.Service, b.Service); c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// findSource returns the caller's source with id from whichever façade has it. An id that is
// no source's but the catalog id of some (an asset's SourceID) gives the first of those, in
// allSources' order.
func (c *Console) findSource(ctx context.Context, id string) (Source, Sources, error) {
	for _, p := range c.cfg.Sources {
		s, err := p.GetSource(ctx, id)
		if err == nil {
			return s, p, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Source{}, nil, fmt.Errorf("get %s source %s: %w", p.Service(), id, err)
		}
	}
	if id != "" {
		all, err := c.allSources(ctx)
		if err != nil {
			return Source{}, nil, err
		}
		for _, s := range all {
			if s.CatalogID != id {
				continue
			}
			for _, p := range c.cfg.Sources {
				if p.Service() == s.Service {
					return s, p, nil
				}
			}
		}
	}
	return Source{}, nil, notFound("There is no source %s in this account.", id)
}

func (c *Console) row(ctx context.Context, s *Session, src Source) (sourceRow, error) {
	row := sourceRow{Source: src, Status: "NEVER_RUN"}
	list, _, err := c.cfg.Runs.List(ctx, runs.ListQuery{Scope: s.Scope(), SourceID: src.ID, Limit: 1})
	if err != nil {
		return row, err
	}
	if len(list) > 0 {
		r := list[0]
		row.Last, row.Stats, row.Status = &r, runStats(r), r.Status
		if !runs.Terminal(r.Status) {
			row.Status = runs.StatusRunning
		}
	}
	if src.Schedule != "" {
		err = c.cfg.DB.Read(ctx, func(tx *store.Tx) error {
			e, err := scheduler.Get(ctx, tx, src.ID)
			if errors.Is(err, scheduler.ErrNotFound) {
				return nil
			}
			if err == nil && e.Scope == s.Scope() && e.Enabled {
				row.Next = e.NextRunAt
			}
			return err
		})
	}
	return row, err
}

// runStats reads a discovery run's statistics; nil for a run without (not finished, or of
// another job: a crawl counts tables and partitions, see otherStats).
func runStats(r runs.Run) *catalog.Stats {
	var keys map[string]json.RawMessage
	if len(r.Stats) == 0 || json.Unmarshal(r.Stats, &keys) != nil {
		return nil
	}
	if _, ok := keys["added"]; !ok {
		return nil
	}
	var st catalog.Stats
	if json.Unmarshal(r.Stats, &st) != nil {
		return nil
	}
	return &st
}

// otherStats are the numbers of a run whose statistics are not a discovery's, by name
// ("tablesCreated" becomes "tables created").
func otherStats(r runs.Run) []Setting {
	if runStats(r) != nil {
		return nil
	}
	var keys map[string]json.RawMessage
	if len(r.Stats) == 0 || json.Unmarshal(r.Stats, &keys) != nil {
		return nil
	}
	var out []Setting
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		var n json.Number
		if json.Unmarshal(keys[k], &n) == nil {
			out = append(out, Setting{Name: camelWords(k), Value: n.String()})
		}
	}
	return out
}

// camelWords turns "tablesCreated" into "tables created".
func camelWords(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var sourceStatuses = []string{"SUCCESS", "PARTIALLY_SUCCEEDED", "FAILED", "RUNNING", "NEVER_RUN"}

func (c *Console) sourcesPage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	all, err := c.allSources(ctx)
	if err != nil {
		return nil, err
	}
	d := &sourcesView{Service: q.Get("service"), Status: q.Get("status"), Statuses: sourceStatuses}
	for _, p := range c.cfg.Sources {
		d.Services = append(d.Services, p.Service())
	}
	var rows []sourceRow
	for _, src := range all {
		if d.Service != "" && src.Service != d.Service {
			continue
		}
		if d.Status == "" {
			rows = append(rows, sourceRow{Source: src})
			continue
		}
		row, err := c.row(ctx, s, src)
		if err != nil {
			return nil, err
		}
		if row.Status == d.Status {
			rows = append(rows, row)
		}
	}
	d.Total = len(rows)
	d.Page = newPager(q, d.Total, sourcesPerPage)
	rows = rows[d.Page.Offset:min(d.Page.Offset+sourcesPerPage, len(rows))]
	for i := range rows {
		if rows[i].Status == "" {
			if rows[i], err = c.row(ctx, s, rows[i].Source); err != nil {
				return nil, err
			}
		}
	}
	d.Rows, d.Showing = rows, len(rows)
	return &view{Page: "sources", Nav: "sources", Title: "Sources", D: d}, nil
}

const (
	runsPerPage   = 20
	assetsPerPage = 100
)

type sourceView struct {
	sourceRow
	Runs        []runRow
	NextRuns    string
	Namespaces  []catalog.NamespaceCount
	Assets      []catalog.AssetSummary
	AssetTotal  int
	AssetPage   pager
	Database    string
	Namespace   string
	ClientToken string
	Error       string
}

// runRow is a run with its statistics.
type runRow struct {
	runs.Run
	Stats *catalog.Stats
}

func (c *Console) sourcePage(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	q := r.URL.Query()
	src, _, err := c.findSource(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	row, err := c.row(ctx, s, src)
	if err != nil {
		return nil, err
	}
	d := &sourceView{sourceRow: row, Database: q.Get("db"), Namespace: q.Get("ns"), ClientToken: randomToken(), Error: q.Get("error")}
	list, next, err := c.cfg.Runs.List(ctx, runs.ListQuery{Scope: s.Scope(), SourceID: src.ID, Limit: runsPerPage, After: q.Get("runs")})
	if errors.Is(err, runs.ErrBadCursor) {
		return nil, badRequest("That page of runs does not exist.")
	}
	if err != nil {
		return nil, err
	}
	for _, run := range list {
		d.Runs = append(d.Runs, runRow{Run: run, Stats: runStats(run)})
	}
	d.NextRuns = next
	err = c.cfg.DB.ReadTx(ctx, func(tx *store.Tx) error {
		if d.Namespaces, err = c.cfg.Catalog.Namespaces(ctx, tx, s.AccountID, src.Catalog()); err != nil {
			return err
		}
		var total int
		offset := pageNumber(q, "page") * assetsPerPage
		d.Assets, total, err = c.cfg.Catalog.ListAssets(ctx, tx, catalog.AssetQuery{AccountID: s.AccountID, SourceID: src.Catalog(),
			Database: d.Database, Namespace: d.Namespace, Offset: offset, Limit: assetsPerPage})
		d.AssetTotal, d.AssetPage = total, newPager(q, total, assetsPerPage)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &view{Page: "source", Nav: "sources", Title: src.Name, D: d}, nil
}

// runNow starts a run through the source's façade and shows it; a refusal (a run already
// active, a source that cannot run) comes back to the source page with the façade's message.
func (c *Console) runNow(w http.ResponseWriter, r *http.Request, s *Session) (*view, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	src, p, err := c.findSource(ctx, id)
	if err != nil {
		return nil, err
	}
	token := r.PostForm.Get("client_token")
	if len(token) > 64 {
		return nil, badRequest("The form's client token is too long.")
	}
	started, err := p.RunNow(ctx, src.ID, token)
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		http.Redirect(w, r, "/console/sources/"+url.PathEscape(src.ID)+"?error="+url.QueryEscape(ae.Message), http.StatusSeeOther)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("run %s source %s now: %w", p.Service(), src.ID, err)
	}
	http.Redirect(w, r, "/console/runs/"+url.PathEscape(started.RunID)+"?flash="+url.QueryEscape("Run started."), http.StatusSeeOther)
	return nil, nil
}

// pager is the paging of an offset-paged list.
type pager struct {
	Number, Pages, Offset int
	Prev, Next            string // query strings of the neighbouring pages, "" when none
}

// newPager reads the page number ("page", from 0) and builds the links to the pages around it,
// keeping the other query parameters.
func newPager(q url.Values, total, per int) pager { return newPagerNamed(q, "page", total, per) }

// newPagerNamed is newPager with the page number in parameter name.
func newPagerNamed(q url.Values, name string, total, per int) pager {
	p := pager{Number: pageNumber(q, name), Pages: (total + per - 1) / per}
	if p.Pages > 0 && p.Number >= p.Pages {
		p.Number = p.Pages - 1
	}
	p.Offset = p.Number * per
	link := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			v[k] = vals
		}
		v.Set(name, strconv.Itoa(n))
		return "?" + v.Encode()
	}
	if p.Number > 0 {
		p.Prev = link(p.Number - 1)
	}
	if p.Number+1 < p.Pages {
		p.Next = link(p.Number + 1)
	}
	return p
}

func pageNumber(q url.Values, name string) int {
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, 1<<20)
}
