package crawls

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/surveyorhq/surveyor/internal/crawler"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
	"github.com/surveyorhq/surveyor/internal/schedule"
)

// Configuration is a crawler's Configuration JSON.
type Configuration struct {
	Version  *float64 `json:"Version"`
	Grouping *struct {
		TableGroupingPolicy     string `json:"TableGroupingPolicy,omitempty"`
		TableLevelConfiguration int    `json:"TableLevelConfiguration,omitempty"`
	} `json:"Grouping,omitempty"`
	CrawlerOutput *struct {
		Partitions *struct {
			AddOrUpdateBehavior string `json:"AddOrUpdateBehavior,omitempty"`
		} `json:"Partitions,omitempty"`
		Tables *struct {
			AddOrUpdateBehavior string `json:"AddOrUpdateBehavior,omitempty"`
			TableThreshold      int    `json:"TableThreshold,omitempty"`
		} `json:"Tables,omitempty"`
	} `json:"CrawlerOutput,omitempty"`
	CreatePartitionIndex *bool `json:"CreatePartitionIndex,omitempty"`
}

func invalid(format string, args ...any) error {
	return &gluecatalog.InvalidInputError{Message: fmt.Sprintf(format, args...)}
}

// ParseConfiguration reads a Configuration string ("" is none): JSON with Version 1.0 and only
// the keys Glue documents.
func ParseConfiguration(s string) (Configuration, error) {
	var c Configuration
	if s == "" {
		return c, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, invalid("Crawler configuration not valid: %v", err)
	}
	if c.Version == nil || *c.Version != 1.0 {
		return c, invalid("Crawler configuration not valid: Version must be 1.0")
	}
	if g := c.Grouping; g != nil {
		if g.TableGroupingPolicy != "" && g.TableGroupingPolicy != "CombineCompatibleSchemas" {
			return c, invalid("Crawler configuration not valid: TableGroupingPolicy must be CombineCompatibleSchemas")
		}
		if g.TableLevelConfiguration < 0 {
			return c, invalid("Crawler configuration not valid: TableLevelConfiguration must be a positive integer")
		}
	}
	if o := c.CrawlerOutput; o != nil {
		if o.Partitions != nil && o.Partitions.AddOrUpdateBehavior != "" && o.Partitions.AddOrUpdateBehavior != "InheritFromTable" {
			return c, invalid("Crawler configuration not valid: Partitions.AddOrUpdateBehavior must be InheritFromTable")
		}
		if t := o.Tables; t != nil {
			if t.AddOrUpdateBehavior != "" && t.AddOrUpdateBehavior != "MergeNewColumns" {
				return c, invalid("Crawler configuration not valid: Tables.AddOrUpdateBehavior must be MergeNewColumns")
			}
			if t.TableThreshold < 0 {
				return c, invalid("Crawler configuration not valid: TableThreshold must be a positive integer")
			}
		}
	}
	return c, nil
}

// Grouping is the Configuration's grouping for the crawl engine.
func (c Configuration) grouping() crawler.Grouping {
	var g crawler.Grouping
	if c.Grouping != nil {
		g.CombineCompatibleSchemas = c.Grouping.TableGroupingPolicy == "CombineCompatibleSchemas"
		g.TableLevel = c.Grouping.TableLevelConfiguration
	}
	return g
}

// policy is the schema change policy of a crawler for MakePlan.
func (d *Definition) policy(c Configuration) crawler.Policy {
	p := crawler.Policy{UpdateBehavior: d.SchemaChangePolicy.UpdateBehavior, DeleteBehavior: d.SchemaChangePolicy.DeleteBehavior}
	if o := c.CrawlerOutput; o != nil {
		if o.Partitions != nil {
			p.InheritFromTable = o.Partitions.AddOrUpdateBehavior == "InheritFromTable"
		}
		if o.Tables != nil {
			p.MergeNewColumns = o.Tables.AddOrUpdateBehavior == "MergeNewColumns"
			p.TableThreshold = o.Tables.TableThreshold
		}
	}
	return p
}

// ParseSchedule checks a crawler schedule: cron(...) in UTC, at most every 5 minutes.
func ParseSchedule(expr string) (*schedule.Schedule, error) {
	s, err := schedule.Parse(expr, time.UTC, time.Time{})
	if err != nil {
		return nil, invalid("Schedule %q is not valid: %v", expr, err)
	}
	if s.Kind() != schedule.Cron {
		return nil, invalid("Schedule %q is not valid: a crawler schedule is a cron() expression", expr)
	}
	t := s.Next(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	for range 20 {
		n := s.Next(t)
		if n.IsZero() {
			break
		}
		if n.Sub(t) < 5*time.Minute {
			return nil, invalid("Schedule %q is not valid: a crawler may run at most every 5 minutes", expr)
		}
		t = n
	}
	return s, nil
}

// Validate checks a definition beyond its shape and fills Glue's defaults.
func (d *Definition) Validate() error {
	t := d.Targets
	kinds := 0
	for _, n := range []int{len(t.S3Targets), len(t.JdbcTargets), len(t.MongoDBTargets), len(t.DynamoDBTargets),
		len(t.CatalogTargets), len(t.DeltaTargets), len(t.IcebergTargets), len(t.HudiTargets)} {
		kinds += n
	}
	if kinds == 0 {
		return invalid("Crawler must have at least one target")
	}
	if len(t.CatalogTargets) > 0 && kinds != len(t.CatalogTargets) {
		return invalid("Catalog targets cannot be combined with other target types")
	}
	if d.DatabaseName == "" && len(t.CatalogTargets) == 0 {
		return invalid("DatabaseName is required")
	}
	for _, s := range t.S3Targets {
		if !validS3Path(s.Path) {
			return invalid("S3 target path %q is not valid: use s3://bucket/prefix (or file:///folder)", s.Path)
		}
		if _, err := crawler.CompileExclusions(s.Exclusions); err != nil {
			return invalid("%v", err)
		}
	}
	for _, j := range t.JdbcTargets {
		if j.ConnectionName == "" || j.Path == "" {
			return invalid("A JDBC target needs ConnectionName and Path")
		}
		if _, err := crawler.CompileExclusions(j.Exclusions); err != nil {
			return invalid("%v", err)
		}
	}
	if d.SchemaChangePolicy.UpdateBehavior == "" {
		d.SchemaChangePolicy.UpdateBehavior = crawler.UpdateInDB
	}
	if d.SchemaChangePolicy.DeleteBehavior == "" {
		d.SchemaChangePolicy.DeleteBehavior = crawler.DeprecateInDB
	}
	if d.RecrawlPolicy.RecrawlBehavior == "" {
		d.RecrawlPolicy.RecrawlBehavior = "CRAWL_EVERYTHING"
	}
	if d.RecrawlPolicy.RecrawlBehavior == "CRAWL_NEW_FOLDERS_ONLY" &&
		(d.SchemaChangePolicy.UpdateBehavior != crawler.UpdateLog || d.SchemaChangePolicy.DeleteBehavior != crawler.DeleteLog) {
		return invalid("The SchemaChangePolicy for \"Crawl new folders only\" Amazon S3 target can have only LOG DeleteBehavior value and LOG UpdateBehavior value.")
	}
	if d.LineageConfiguration.CrawlerLineageSettings == "" {
		d.LineageConfiguration.CrawlerLineageSettings = "DISABLE"
	}
	if d.Classifiers == nil {
		d.Classifiers = []string{}
	}
	if _, err := ParseConfiguration(d.Configuration); err != nil {
		return err
	}
	if d.Schedule != "" {
		if _, err := ParseSchedule(d.Schedule); err != nil {
			return err
		}
	}
	return nil
}

func validS3Path(p string) bool {
	switch {
	case len(p) > len("s3://") && p[:5] == "s3://":
		return p[5] != '/'
	case len(p) > len("file:///") && p[:8] == "file:///":
		return true
	}
	return false
}
