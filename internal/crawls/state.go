package crawls

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/runs"
	"github.com/surveyorhq/surveyor/internal/store"
)

// crawlStats is what a finished crawl run keeps as its stats.
type crawlStats struct {
	TablesCreated     int      `json:"tablesCreated"`
	TablesUpdated     int      `json:"tablesUpdated"`
	TablesDeleted     int      `json:"tablesDeleted"`
	PartitionsCreated int      `json:"partitionsCreated"`
	PartitionsUpdated int      `json:"partitionsUpdated"`
	PartitionsDeleted int      `json:"partitionsDeleted"`
	Created           []string `json:"created,omitempty"`
	Updated           []string `json:"updated,omitempty"`
	Deleted           []string `json:"deleted,omitempty"`
}

// history reads a crawler's runs, newest first (at most limit; 0: all).
func (s *Service) history(ctx context.Context, r *record, limit int) ([]runs.Run, error) {
	var out []runs.Run
	after := ""
	for {
		page, next, err := s.Runs.List(ctx, runs.ListQuery{Scope: r.Scope, SourceID: r.SourceID, Limit: 100, After: after})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" || (limit > 0 && len(out) >= limit) {
			break
		}
		after = next
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// state is the crawler's state and its active run (nil when READY).
func (s *Service) state(ctx context.Context, tx *store.Tx, r *record) (State, *runs.Run, error) {
	hist, err := s.history(ctx, r, 1)
	if err != nil || len(hist) == 0 || runs.Terminal(hist[0].Status) {
		return Ready, nil, err
	}
	active := hist[0]
	at, err := s.Runs.CancelRequestedAt(ctx, tx, active.ID)
	if err != nil {
		return Ready, nil, err
	}
	if at != nil {
		return Stopping, &active, nil
	}
	return Running, &active, nil
}

func epoch(t *time.Time) *awsapi.EpochSeconds {
	if t == nil {
		return nil
	}
	e := awsapi.EpochSeconds(*t)
	return &e
}

// view is a stored crawler as GetCrawler shows it.
func (s *Service) view(ctx context.Context, tx *store.Tx, r *record) (*Crawler, error) {
	d := r.Def
	c := &Crawler{Name: d.Name, Role: d.Role, Targets: normTargets(d.Targets), DatabaseName: d.DatabaseName, Description: d.Description,
		Classifiers: d.Classifiers, RecrawlPolicy: d.RecrawlPolicy, SchemaChangePolicy: d.SchemaChangePolicy,
		LineageConfiguration: d.LineageConfiguration, TablePrefix: d.TablePrefix, Version: r.Version,
		Configuration: d.Configuration, CrawlerSecurityConfiguration: d.CrawlerSecurityConfiguration,
		CreationTime: epoch(&r.Created), LastUpdated: epoch(&r.Updated), State: Ready}
	lf := d.LakeFormationConfiguration
	if lf.UseLakeFormationCredentials == nil {
		f := false
		lf.UseLakeFormationCredentials = &f
	}
	c.LakeFormationConfiguration = &lf
	if c.Classifiers == nil {
		c.Classifiers = []string{}
	}
	if d.Schedule != "" {
		c.Schedule = &Schedule{ScheduleExpression: d.Schedule, State: d.ScheduleState}
	}
	hist, err := s.history(ctx, r, 20)
	if err != nil {
		return nil, err
	}
	for i, run := range hist {
		if !runs.Terminal(run.Status) {
			if i == 0 {
				st, _, err := s.state(ctx, tx, r)
				if err != nil {
					return nil, err
				}
				c.State = st
				if run.StartedAt != nil {
					c.CrawlElapsedTime = s.now().Sub(*run.StartedAt).Milliseconds()
				}
			}
			continue
		}
		c.LastCrawl = &LastCrawlInfo{Status: lastStatus(run.Status), ErrorMessage: truncate(run.ErrorDetail, 2048), LogGroup: LogGroup,
			LogStream: d.Name, MessagePrefix: run.ID, StartTime: epoch(startOf(run))}
		break
	}
	return c, nil
}

func startOf(r runs.Run) *time.Time {
	if r.StartedAt != nil {
		return r.StartedAt
	}
	return &r.CreatedAt
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func lastStatus(runStatus string) string {
	switch runStatus {
	case runs.StatusFailed:
		return "FAILED"
	case runs.StatusCanceled:
		return "CANCELLED"
	}
	return "SUCCEEDED"
}

func historyState(runStatus string) string {
	switch runStatus {
	case runs.StatusFailed:
		return "FAILED"
	case runs.StatusCanceled:
		return "STOPPED"
	case runs.StatusSuccess, runs.StatusPartiallySucceeded:
		return "COMPLETED"
	}
	return "RUNNING"
}

func normTargets(t Targets) Targets {
	fill := func(n int) bool { return n == 0 }
	if fill(len(t.S3Targets)) {
		t.S3Targets = []S3Target{}
	}
	if fill(len(t.JdbcTargets)) {
		t.JdbcTargets = []JdbcTarget{}
	}
	if fill(len(t.MongoDBTargets)) {
		t.MongoDBTargets = []MongoDBTarget{}
	}
	if fill(len(t.DynamoDBTargets)) {
		t.DynamoDBTargets = []DynamoDBTarget{}
	}
	if fill(len(t.CatalogTargets)) {
		t.CatalogTargets = []CatalogTarget{}
	}
	if fill(len(t.DeltaTargets)) {
		t.DeltaTargets = []DeltaTarget{}
	}
	if fill(len(t.IcebergTargets)) {
		t.IcebergTargets = []PathsTarget{}
	}
	if fill(len(t.HudiTargets)) {
		t.HudiTargets = []PathsTarget{}
	}
	return t
}

func runtime(r runs.Run) (time.Duration, bool) {
	if r.StoppedAt == nil {
		return 0, false
	}
	return r.StoppedAt.Sub(*startOf(r)), true
}

// Metrics are a crawler's GetCrawlerMetrics entry: counts of the last finished crawl, last and
// median runtimes, and while it runs the time left (median runtime minus elapsed), still
// estimating when there is no finished crawl to go by.
func (s *Service) Metrics(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) (*CrawlerMetrics, error) {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return nil, err
	}
	hist, err := s.history(ctx, r, 0)
	if err != nil {
		return nil, err
	}
	m := &CrawlerMetrics{CrawlerName: name}
	var times []float64
	last := true
	for _, run := range hist {
		d, ok := runtime(run)
		if !ok {
			continue
		}
		times = append(times, d.Seconds())
		if last {
			m.LastRuntimeSeconds = d.Seconds()
			var st crawlStats
			if len(run.Stats) > 0 {
				_ = json.Unmarshal(run.Stats, &st)
			}
			m.TablesCreated, m.TablesUpdated, m.TablesDeleted = st.TablesCreated, st.TablesUpdated, st.TablesDeleted
			last = false
		}
	}
	if len(times) > 0 {
		slices.Sort(times)
		n := len(times)
		m.MedianRuntimeSeconds = times[n/2]
		if n%2 == 0 {
			m.MedianRuntimeSeconds = (times[n/2-1] + times[n/2]) / 2
		}
	}
	if len(hist) > 0 && !runs.Terminal(hist[0].Status) {
		if len(times) == 0 {
			m.StillEstimating = true
		} else if hist[0].StartedAt != nil {
			m.TimeLeftSeconds = max(0, m.MedianRuntimeSeconds-s.now().Sub(*hist[0].StartedAt).Seconds())
		} else {
			m.TimeLeftSeconds = m.MedianRuntimeSeconds
		}
	}
	return m, nil
}

// Crawls lists a crawler's crawls, newest first, that pass every filter.
func (s *Service) Crawls(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string, filters []CrawlsFilter) ([]CrawlerHistory, error) {
	r, err := getRecord(ctx, tx, sc, name)
	if err != nil {
		return nil, err
	}
	checks, err := compileFilters(filters)
	if err != nil {
		return nil, err
	}
	hist, err := s.history(ctx, r, 0)
	if err != nil {
		return nil, err
	}
	var out []CrawlerHistory
	for _, run := range hist {
		h := CrawlerHistory{CrawlId: run.ID, State: historyState(run.Status), StartTime: epoch(startOf(run)), EndTime: epoch(run.StoppedAt),
			ErrorMessage: truncate(run.ErrorDetail, 2048), LogGroup: LogGroup, LogStream: name, MessagePrefix: run.ID}
		if d, ok := runtime(run); ok {
			h.DPUHour = d.Hours() * 2
		}
		if len(run.Stats) > 0 {
			var st crawlStats
			if json.Unmarshal(run.Stats, &st) == nil {
				h.Summary = summary(st)
			}
		}
		keep := true
		for _, c := range checks {
			if !c(h) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, h)
		}
	}
	return out, nil
}

// summary is a crawl's Summary as Glue writes it: {"TABLE":{"ADD":"{\"Details\":…,\"Count\":n}"},
// "PARTITION":{…}}, within 255 characters (names are dropped first when it would be longer).
func summary(st crawlStats) string {
	build := func(withNames bool) string {
		out := map[string]map[string]string{}
		add := func(kind, action string, n int, names []string) {
			if n == 0 {
				return
			}
			detail := map[string]any{"Count": n}
			if withNames && len(names) > 0 {
				detail["Details"] = map[string]any{"names": names}
			}
			b, _ := json.Marshal(detail)
			if out[kind] == nil {
				out[kind] = map[string]string{}
			}
			out[kind][action] = string(b)
		}
		add("TABLE", "ADD", st.TablesCreated, st.Created)
		add("TABLE", "UPDATE", st.TablesUpdated, st.Updated)
		add("TABLE", "DELETE", st.TablesDeleted, st.Deleted)
		add("PARTITION", "ADD", st.PartitionsCreated, nil)
		add("PARTITION", "UPDATE", st.PartitionsUpdated, nil)
		add("PARTITION", "DELETE", st.PartitionsDeleted, nil)
		b, _ := json.Marshal(out)
		return string(b)
	}
	s := build(true)
	if len(s) > 255 {
		s = build(false)
	}
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}

// compileFilters turns ListCrawls filters into predicates.
func compileFilters(fs []CrawlsFilter) ([]func(CrawlerHistory) bool, error) {
	var out []func(CrawlerHistory) bool
	for _, f := range fs {
		if f.FieldName == "" || f.FilterOperator == "" {
			return nil, invalid("A crawls filter needs FieldName and FilterOperator")
		}
		cmp := func(c int) bool {
			switch f.FilterOperator {
			case "GT":
				return c > 0
			case "GE":
				return c >= 0
			case "LT":
				return c < 0
			case "LE":
				return c <= 0
			case "EQ":
				return c == 0
			}
			return c != 0
		}
		switch f.FieldName {
		case "CRAWL_ID":
			out = append(out, func(h CrawlerHistory) bool { return cmp(strings.Compare(h.CrawlId, f.FieldValue)) })
		case "STATE":
			out = append(out, func(h CrawlerHistory) bool { return cmp(strings.Compare(h.State, strings.ToUpper(f.FieldValue))) })
		case "DPU_HOUR":
			v, err := strconv.ParseFloat(f.FieldValue, 64)
			if err != nil {
				return nil, invalid("DPU_HOUR filter value %q is not a number", f.FieldValue)
			}
			out = append(out, func(h CrawlerHistory) bool { return cmp(compareFloat(h.DPUHour, v)) })
		case "START_TIME", "END_TIME":
			t, err := parseFilterTime(f.FieldValue)
			if err != nil {
				return nil, err
			}
			end := f.FieldName == "END_TIME"
			out = append(out, func(h CrawlerHistory) bool {
				at := h.StartTime
				if end {
					at = h.EndTime
				}
				if at == nil {
					return false
				}
				return cmp(time.Time(*at).Compare(t))
			})
		}
	}
	return out, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseFilterTime reads epoch milliseconds or an ISO-8601 time.
func parseFilterTime(v string) (time.Time, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalid("time filter value %q is neither epoch milliseconds nor an ISO-8601 time", v)
}
