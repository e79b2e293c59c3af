package glue

import (
	"context"
	"errors"
	"net/http"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/crawls"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/store"
)

// The crawler operations: each is its request and response shapes plus one function over
// crawls.Service (internal/crawls), which keeps the crawlers and runs their crawls.

func (f *Facade) crawlerOperations() map[string]awsapi.JSONOperation {
	return map[string]awsapi.JSONOperation{
		"CreateCrawler":         awsapi.JSONOp(f.CreateCrawler),
		"GetCrawler":            awsapi.JSONOp(f.GetCrawler),
		"GetCrawlers":           awsapi.JSONOp(f.GetCrawlers),
		"ListCrawlers":          awsapi.JSONOp(f.ListCrawlers),
		"BatchGetCrawlers":      awsapi.JSONOp(f.BatchGetCrawlers),
		"UpdateCrawler":         awsapi.JSONOp(f.UpdateCrawler),
		"DeleteCrawler":         awsapi.JSONOp(f.DeleteCrawler),
		"StartCrawler":          awsapi.JSONOp(f.StartCrawler),
		"StopCrawler":           awsapi.JSONOp(f.StopCrawler),
		"GetCrawlerMetrics":     awsapi.JSONOp(f.GetCrawlerMetrics),
		"ListCrawls":            awsapi.JSONOp(f.ListCrawls),
		"StartCrawlerSchedule":  awsapi.JSONOp(f.StartCrawlerSchedule),
		"StopCrawlerSchedule":   awsapi.JSONOp(f.StopCrawlerSchedule),
		"UpdateCrawlerSchedule": awsapi.JSONOp(f.UpdateCrawlerSchedule),
	}
}

// crawlerExists reports whether crawler name exists in the scope, for tagging by ARN.
func (f *Facade) crawlerExists(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string) error {
	return f.Crawls.Exists(ctx, tx, sc, name)
}

// crawlerError maps the crawls package's errors onto Glue's exceptions.
func crawlerError(err error) error {
	var (
		se *crawls.StateError
		vm *crawls.VersionMismatchError
	)
	switch {
	case errors.As(err, &se):
		return awsapi.Errorf(http.StatusBadRequest, se.Code, "%s", se.Message)
	case errors.As(err, &vm):
		return awsapi.Errorf(http.StatusBadRequest, "VersionMismatchException", "%s", vm.Error())
	}
	return awsError(err)
}

// crawlerWrite and crawlerRead run fn in a transaction of the caller's scope.
func (f *Facade) crawlerWrite(ctx context.Context, fn func(tx *store.Tx, sc gluecatalog.Scope) error) error {
	sc := gluecatalog.ScopeFrom(ctx)
	return crawlerError(f.DB.Tx(ctx, func(tx *store.Tx) error { return fn(tx, sc) }))
}

func (f *Facade) crawlerRead(ctx context.Context, fn func(tx *store.Tx, sc gluecatalog.Scope) error) error {
	sc := gluecatalog.ScopeFrom(ctx)
	return crawlerError(f.DB.ReadTx(ctx, func(tx *store.Tx) error { return fn(tx, sc) }))
}

// CrawlerInput are the members CreateCrawler and UpdateCrawler share.
type CrawlerInput struct {
	Role                         *string                            `json:"Role,omitempty"`
	DatabaseName                 *string                            `json:"DatabaseName,omitempty"`
	Description                  *string                            `json:"Description,omitempty" aws:"len=0:2048,pattern=multiline"`
	Targets                      *crawls.Targets                    `json:"Targets,omitempty"`
	Schedule                     *string                            `json:"Schedule,omitempty"`
	Classifiers                  []string                           `json:"Classifiers,omitempty" aws:"item.len=1:255,item.pattern=singleline"`
	TablePrefix                  *string                            `json:"TablePrefix,omitempty" aws:"len=0:128"`
	SchemaChangePolicy           *crawls.SchemaChangePolicy         `json:"SchemaChangePolicy,omitempty"`
	RecrawlPolicy                *crawls.RecrawlPolicy              `json:"RecrawlPolicy,omitempty"`
	LineageConfiguration         *crawls.LineageConfiguration       `json:"LineageConfiguration,omitempty"`
	LakeFormationConfiguration   *crawls.LakeFormationConfiguration `json:"LakeFormationConfiguration,omitempty"`
	Configuration                *string                            `json:"Configuration,omitempty"`
	CrawlerSecurityConfiguration *string                            `json:"CrawlerSecurityConfiguration,omitempty" aws:"len=0:128"`
}

// apply sets the members given (absent members stay as they are).
func (in *CrawlerInput) apply(d *crawls.Definition) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Role, in.Role)
	set(&d.DatabaseName, in.DatabaseName)
	set(&d.Description, in.Description)
	set(&d.Schedule, in.Schedule)
	set(&d.TablePrefix, in.TablePrefix)
	set(&d.Configuration, in.Configuration)
	set(&d.CrawlerSecurityConfiguration, in.CrawlerSecurityConfiguration)
	if in.Targets != nil {
		d.Targets = *in.Targets
	}
	if in.Classifiers != nil {
		d.Classifiers = in.Classifiers
	}
	if in.SchemaChangePolicy != nil {
		d.SchemaChangePolicy = *in.SchemaChangePolicy
	}
	if in.RecrawlPolicy != nil {
		d.RecrawlPolicy = *in.RecrawlPolicy
	}
	if in.LineageConfiguration != nil {
		d.LineageConfiguration = *in.LineageConfiguration
	}
	if in.LakeFormationConfiguration != nil {
		d.LakeFormationConfiguration = *in.LakeFormationConfiguration
	}
}

// CreateCrawlerInput is CreateCrawlerRequest.
type CreateCrawlerInput struct {
	Name string `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	CrawlerInput
	Tags map[string]string `json:"Tags,omitempty" aws:"count=0:50,key.len=1:128,value.len=0:256"`
}

// CreateCrawler stores a crawler (and its schedule).
func (f *Facade) CreateCrawler(ctx context.Context, in *CreateCrawlerInput) (*Empty, error) {
	if in.Role == nil || *in.Role == "" {
		return nil, invalidInput("Role is required")
	}
	if in.Targets == nil {
		return nil, invalidInput("Targets is required")
	}
	def := crawls.Definition{Name: in.Name}
	in.CrawlerInput.apply(&def)
	return nil, f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.Create(ctx, tx, sc, def, in.Tags)
	})
}

// NameInput is a request that names one crawler.
type NameInput struct {
	Name string `json:"Name" aws:"required,len=1:255,pattern=singleline"`
}

// GetCrawlerOutput is GetCrawlerResponse.
type GetCrawlerOutput struct {
	Crawler *crawls.Crawler `json:"Crawler"`
}

// GetCrawler returns a crawler with its state and last crawl.
func (f *Facade) GetCrawler(ctx context.Context, in *NameInput) (*GetCrawlerOutput, error) {
	out := &GetCrawlerOutput{}
	err := f.crawlerRead(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		var err error
		out.Crawler, err = f.Crawls.Get(ctx, tx, sc, in.Name)
		return err
	})
	return out, err
}

// PageInput is a paged listing request.
type PageInput struct {
	MaxResults *int32 `json:"MaxResults,omitempty" aws:"range=1:1000"`
	NextToken  string `json:"NextToken,omitempty"`
}

// GetCrawlersOutput is GetCrawlersResponse.
type GetCrawlersOutput struct {
	Crawlers  []*crawls.Crawler `json:"Crawlers"`
	NextToken string            `json:"NextToken,omitempty"`
}

// GetCrawlers pages through the crawlers by name.
func (f *Facade) GetCrawlers(ctx context.Context, in *PageInput) (*GetCrawlersOutput, error) {
	out := &GetCrawlersOutput{Crawlers: []*crawls.Crawler{}}
	err := f.crawlerRead(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		scope := tokenScope(sc, "GetCrawlers")
		cur, err := f.decodeToken(ctx, scope, in.NextToken)
		if err != nil {
			return err
		}
		list, more, err := f.Crawls.List(ctx, tx, sc, cur.After, pageSize(in.MaxResults, 100))
		if err != nil {
			return err
		}
		out.Crawlers = append(out.Crawlers, list...)
		if len(list) > 0 {
			out.NextToken, err = f.nextToken(scope, more, cursor{After: list[len(list)-1].Name})
		}
		return err
	})
	return out, err
}

// ListCrawlersInput is ListCrawlersRequest.
type ListCrawlersInput struct {
	PageInput
	Tags map[string]string `json:"Tags,omitempty" aws:"count=0:50,key.len=1:128,value.len=0:256"`
}

// ListCrawlersOutput is ListCrawlersResponse.
type ListCrawlersOutput struct {
	CrawlerNames []string `json:"CrawlerNames"`
	NextToken    string   `json:"NextToken,omitempty"`
}

// ListCrawlers pages through crawler names (at most 100 a page), keeping those that carry every
// tag given.
func (f *Facade) ListCrawlers(ctx context.Context, in *ListCrawlersInput) (*ListCrawlersOutput, error) {
	out := &ListCrawlersOutput{CrawlerNames: []string{}}
	limit := min(pageSize(in.MaxResults, 100), 100)
	err := f.crawlerRead(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		scope := tokenScope(sc, "ListCrawlers")
		cur, err := f.decodeToken(ctx, scope, in.NextToken)
		if err != nil {
			return err
		}
		after := cur.After
		for len(out.CrawlerNames) < limit {
			names, more, err := f.Crawls.Names(ctx, tx, sc, after, limit)
			if err != nil {
				return err
			}
			for _, n := range names {
				after = n
				if ok, err := f.hasTags(ctx, tx, sc, n, in.Tags); err != nil {
					return err
				} else if ok {
					out.CrawlerNames = append(out.CrawlerNames, n)
					if len(out.CrawlerNames) == limit {
						break
					}
				}
			}
			if !more {
				after = ""
				break
			}
		}
		if after != "" {
			out.NextToken, err = f.nextToken(scope, true, cursor{After: after})
		}
		return err
	})
	return out, err
}

func (f *Facade) hasTags(ctx context.Context, tx *store.Tx, sc gluecatalog.Scope, name string, want map[string]string) (bool, error) {
	if len(want) == 0 {
		return true, nil
	}
	have, err := f.Catalog.GetTags(ctx, tx, sc, "crawler/"+name)
	if err != nil {
		return false, err
	}
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false, nil
		}
	}
	return true, nil
}

// BatchGetCrawlersInput is BatchGetCrawlersRequest.
type BatchGetCrawlersInput struct {
	CrawlerNames []string `json:"CrawlerNames" aws:"required,count=0:100,item.len=1:255,item.pattern=singleline"`
}

// BatchGetCrawlersOutput is BatchGetCrawlersResponse.
type BatchGetCrawlersOutput struct {
	Crawlers         []*crawls.Crawler `json:"Crawlers"`
	CrawlersNotFound []string          `json:"CrawlersNotFound"`
}

// BatchGetCrawlers returns the crawlers named; missing names go to CrawlersNotFound.
func (f *Facade) BatchGetCrawlers(ctx context.Context, in *BatchGetCrawlersInput) (*BatchGetCrawlersOutput, error) {
	out := &BatchGetCrawlersOutput{Crawlers: []*crawls.Crawler{}, CrawlersNotFound: []string{}}
	err := f.crawlerRead(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		for _, n := range in.CrawlerNames {
			c, err := f.Crawls.Get(ctx, tx, sc, n)
			var nf *gluecatalog.NotFoundError
			switch {
			case errors.As(err, &nf):
				out.CrawlersNotFound = append(out.CrawlersNotFound, n)
			case err != nil:
				return err
			default:
				out.Crawlers = append(out.Crawlers, c)
			}
		}
		return nil
	})
	return out, err
}

// UpdateCrawlerInput is UpdateCrawlerRequest.
type UpdateCrawlerInput struct {
	Name string `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	CrawlerInput
}

// UpdateCrawler changes the members given; Schedule "" removes the schedule.
func (f *Facade) UpdateCrawler(ctx context.Context, in *UpdateCrawlerInput) (*Empty, error) {
	return nil, f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.Update(ctx, tx, sc, in.Name, in.CrawlerInput.apply)
	})
}

// DeleteCrawler removes a crawler (not its tables).
func (f *Facade) DeleteCrawler(ctx context.Context, in *NameInput) (*Empty, error) {
	return nil, f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.Delete(ctx, tx, sc, in.Name)
	})
}

// StartCrawler queues a crawl.
func (f *Facade) StartCrawler(ctx context.Context, in *NameInput) (*Empty, error) {
	err := f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.Start(ctx, tx, sc, in.Name)
	})
	if err == nil && f.Notify != nil {
		f.Notify()
	}
	return nil, err
}

// StopCrawler stops a running crawl.
func (f *Facade) StopCrawler(ctx context.Context, in *NameInput) (*Empty, error) {
	var id string
	err := f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		var err error
		id, err = f.Crawls.Stop(ctx, tx, sc, in.Name)
		return err
	})
	if err == nil {
		f.Crawls.CancelNow(id)
	}
	return nil, err
}

// GetCrawlerMetricsInput is GetCrawlerMetricsRequest.
type GetCrawlerMetricsInput struct {
	CrawlerNameList []string `json:"CrawlerNameList,omitempty" aws:"count=0:100,item.len=1:255,item.pattern=singleline"`
	PageInput
}

// GetCrawlerMetricsOutput is GetCrawlerMetricsResponse.
type GetCrawlerMetricsOutput struct {
	CrawlerMetricsList []*crawls.CrawlerMetrics `json:"CrawlerMetricsList"`
	NextToken          string                   `json:"NextToken,omitempty"`
}

// GetCrawlerMetrics returns the metrics of the crawlers named (unknown names are left out), or
// of every crawler, a page at a time.
func (f *Facade) GetCrawlerMetrics(ctx context.Context, in *GetCrawlerMetricsInput) (*GetCrawlerMetricsOutput, error) {
	out := &GetCrawlerMetricsOutput{CrawlerMetricsList: []*crawls.CrawlerMetrics{}}
	err := f.crawlerRead(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		names := in.CrawlerNameList
		scope := tokenScope(sc, "GetCrawlerMetrics")
		more := false
		if len(names) == 0 {
			cur, err := f.decodeToken(ctx, scope, in.NextToken)
			if err != nil {
				return err
			}
			if names, more, err = f.Crawls.Names(ctx, tx, sc, cur.After, pageSize(in.MaxResults, 100)); err != nil {
				return err
			}
		}
		for _, n := range names {
			m, err := f.Crawls.Metrics(ctx, tx, sc, n)
			var nf *gluecatalog.NotFoundError
			if errors.As(err, &nf) {
				continue
			}
			if err != nil {
				return err
			}
			out.CrawlerMetricsList = append(out.CrawlerMetricsList, m)
		}
		if more && len(names) > 0 {
			var err error
			out.NextToken, err = f.nextToken(scope, true, cursor{After: names[len(names)-1]})
			return err
		}
		return nil
	})
	return out, err
}

// ListCrawlsInput is ListCrawlsRequest.
type ListCrawlsInput struct {
	CrawlerName string                `json:"CrawlerName" aws:"required,len=1:255,pattern=singleline"`
	MaxResults  *int32                `json:"MaxResults,omitempty" aws:"range=1:1000"`
	Filters     []crawls.CrawlsFilter `json:"Filters,omitempty"`
	NextToken   string                `json:"NextToken,omitempty"`
}

// ListCrawlsOutput is ListCrawlsResponse.
type ListCrawlsOutput struct {
	Crawls    []crawls.CrawlerHistory `json:"Crawls"`
	NextToken string                  `json:"NextToken,omitempty"`
}

// ListCrawls lists a crawler's crawls, newest first (20 a page unless MaxResults says).
func (f *Facade) ListCrawls(ctx context.Context, in *ListCrawlsInput) (*ListCrawlsOutput, error) {
	out := &ListCrawlsOutput{Crawls: []crawls.CrawlerHistory{}}
	err := f.crawlerRead(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		all, err := f.Crawls.Crawls(ctx, tx, sc, in.CrawlerName, in.Filters)
		if err != nil {
			return err
		}
		scope := tokenScope(sc, "ListCrawls", in.CrawlerName)
		cur, err := f.decodeToken(ctx, scope, in.NextToken)
		if err != nil {
			return err
		}
		start := 0
		if cur.After != "" {
			for i, h := range all {
				if h.CrawlId == cur.After {
					start = i + 1
				}
			}
		}
		end := min(len(all), start+pageSize(in.MaxResults, 20))
		out.Crawls = append(out.Crawls, all[start:end]...)
		if end < len(all) && end > start {
			out.NextToken, err = f.nextToken(scope, true, cursor{After: all[end-1].CrawlId})
		}
		return err
	})
	return out, err
}

// CrawlerNameInput is a schedule request.
type CrawlerNameInput struct {
	CrawlerName string `json:"CrawlerName" aws:"required,len=1:255,pattern=singleline"`
}

// StartCrawlerSchedule sets a crawler's schedule to SCHEDULED.
func (f *Facade) StartCrawlerSchedule(ctx context.Context, in *CrawlerNameInput) (*Empty, error) {
	return nil, f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.SetScheduleState(ctx, tx, sc, in.CrawlerName, crawls.Scheduled)
	})
}

// StopCrawlerSchedule sets a crawler's schedule to NOT_SCHEDULED.
func (f *Facade) StopCrawlerSchedule(ctx context.Context, in *CrawlerNameInput) (*Empty, error) {
	return nil, f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.SetScheduleState(ctx, tx, sc, in.CrawlerName, crawls.NotScheduled)
	})
}

// UpdateCrawlerScheduleInput is UpdateCrawlerScheduleRequest.
type UpdateCrawlerScheduleInput struct {
	CrawlerName string  `json:"CrawlerName" aws:"required,len=1:255,pattern=singleline"`
	Schedule    *string `json:"Schedule,omitempty"`
}

// UpdateCrawlerSchedule replaces a crawler's schedule expression.
func (f *Facade) UpdateCrawlerSchedule(ctx context.Context, in *UpdateCrawlerScheduleInput) (*Empty, error) {
	expr := ""
	if in.Schedule != nil {
		expr = *in.Schedule
	}
	return nil, f.crawlerWrite(ctx, func(tx *store.Tx, sc gluecatalog.Scope) error {
		return f.Crawls.UpdateSchedule(ctx, tx, sc, in.CrawlerName, expr)
	})
}
