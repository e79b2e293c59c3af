package gluecatalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/discovery"
	"github.com/surveyorhq/surveyor/internal/filter"
	"github.com/surveyorhq/surveyor/internal/schema"
	"github.com/surveyorhq/surveyor/internal/store"
)

// ReaderName is the discovery reader (discovery.Config.Reader) that reads this catalog.
const ReaderName = "glue-catalog"

// Reader parameters (discovery.Config.Params).
const (
	// ParamRegion is the region whose catalog is read.
	ParamRegion = "region"
	// ParamCatalog is the catalog named by the reader's client (DataZone catalogName); only the
	// account's default catalog exists: "", the account id or AwsDataCatalog.
	ParamCatalog = "catalog"
)

// Table options of a snapshot table read from the catalog (schema.Table.Options), part of its
// fingerprint: a change of location or classification is a change of the table.
const (
	OptionLocation       = "location"
	OptionClassification = "classification"
	OptionCompression    = "compressionType"
	OptionTableType      = "tableType"
)

// Reader returns the discovery reader of this catalog: it reads the databases the config's
// rules name (every table their rules keep) from db, in the account of the run and the region
// of ParamRegion (the run's region when it is not set), into a snapshot whose database and namespace are the Glue database. A Glue
// table becomes a table (a VIRTUAL_VIEW a view) whose columns are its StorageDescriptor columns
// then its partition keys (named in PartitionKey), with its location, classification,
// compression and type as options, its description as comment, and recordCount, sizeKey and
// objectCount as volatile facts. A database that does not exist fails the run with
// RESOURCE_NOT_FOUND_EXCEPTION naming it.
func (c Catalog) Reader(db *store.DB) discovery.Reader {
	return func(ctx context.Context, run Scope, cfg discovery.Config) (*schema.Snapshot, error) {
		sc := run
		if r := cfg.Params[ParamRegion]; r != "" {
			sc.Region = r
		}
		if cat := cfg.Params[ParamCatalog]; cat != "" && cat != sc.Account && !strings.EqualFold(cat, "AwsDataCatalog") {
			return nil, &discovery.SourceError{Type: discovery.ErrResourceNotFound,
				Msg: fmt.Sprintf("Glue catalog %s was not found: only the account's default catalog (%s) exists", cat, sc.Account)}
		}
		var snap *schema.Snapshot
		err := db.ReadTx(ctx, func(tx *store.Tx) (err error) {
			snap, err = c.Snapshot(ctx, tx, sc, databasesOf(cfg.Rules), filter.New(cfg.Rules))
			return err
		})
		return snap, err
	}
}

// databasesOf lists the databases rules name, in order.
func databasesOf(rules []filter.Rule) []string {
	var out []string
	for _, r := range rules {
		if r.Database != "" && !slices.Contains(out, r.Database) {
			out = append(out, r.Database)
		}
	}
	return out
}

// Snapshot reads the tables of databases that flt keeps into a snapshot (see Reader).
func (c Catalog) Snapshot(ctx context.Context, tx *store.Tx, sc Scope, databases []string, flt filter.Filter) (*schema.Snapshot, error) {
	snap := &schema.Snapshot{Engine: "glue", CapturedAt: c.now(), Complete: true}
	for _, name := range databases {
		if _, err := c.GetDatabase(ctx, tx, sc, name); err != nil {
			var nf *NotFoundError
			if errors.As(err, &nf) {
				return nil, &discovery.SourceError{Type: discovery.ErrResourceNotFound,
					Msg: fmt.Sprintf("Glue database %s was not found in account %s, region %s", name, sc.Account, sc.Region)}
			}
			return nil, err
		}
		db := schema.Database{Name: strings.ToLower(name)}
		ns := schema.Namespace{Name: db.Name}
		var after string
		for {
			tables, more, err := c.ListTables(ctx, tx, sc, name, after, 500, nil)
			if err != nil {
				return nil, err
			}
			for _, t := range tables {
				if flt.Table(db.Name, ns.Name, t.Name) {
					ns.Tables = append(ns.Tables, snapshotTable(&t))
				}
			}
			if !more || len(tables) == 0 {
				break
			}
			after = tables[len(tables)-1].Name
		}
		db.Namespaces = []schema.Namespace{ns}
		snap.Databases = append(snap.Databases, db)
	}
	return snap, nil
}

// snapshotTable is a Glue table as a snapshot table.
func snapshotTable(t *Table) schema.Table {
	st := schema.Table{Name: t.Name, Kind: schema.KindTable, Comment: t.Description, Options: map[string]string{}}
	if t.TableType == "VIRTUAL_VIEW" {
		st.Kind = schema.KindView
		st.ViewDefinition = t.ViewOriginalText
	}
	var cols []Column
	if sd := t.StorageDescriptor; sd != nil {
		cols = sd.Columns
		setOption(st.Options, OptionLocation, sd.Location)
	}
	setOption(st.Options, OptionClassification, t.Parameters["classification"])
	setOption(st.Options, OptionCompression, t.Parameters["compressionType"])
	setOption(st.Options, OptionTableType, t.TableType)
	var keys []string
	for _, k := range t.PartitionKeys {
		keys = append(keys, k.Name)
	}
	st.PartitionKey = strings.Join(keys, ", ")
	for i, col := range append(slices.Clone(cols), t.PartitionKeys...) {
		st.Columns = append(st.Columns, schema.Column{Name: col.Name, Position: i + 1, Nullable: true, Comment: col.Comment,
			Type: schema.Type{Declared: col.Type, Base: hiveBase(col.Type)}})
	}
	st.Meta.RowEstimate = paramInt(t.Parameters, "recordCount")
	st.Meta.SizeBytes = paramInt(t.Parameters, "sizeKey")
	if n := paramInt(t.Parameters, "objectCount"); n != nil {
		st.Meta.Files = int(*n)
	}
	if sd := t.StorageDescriptor; sd != nil {
		st.Meta.Location = sd.Location
	}
	return st
}

// hiveBase is a Hive type's bare name: "decimal(10,2)" → decimal, "array<string>" → array.
func hiveBase(t string) string {
	if i := strings.IndexAny(t, "(<"); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(strings.TrimSpace(t))
}

func setOption(opts map[string]string, k, v string) {
	if v != "" {
		opts[k] = v
	}
}

func paramInt(p map[string]string, k string) *int64 {
	n, err := strconv.ParseInt(p[k], 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// PartitionKeyNames splits a snapshot table's PartitionKey back into names.
func PartitionKeyNames(t *schema.Table) []string {
	if t.PartitionKey == "" {
		return nil
	}
	return strings.Split(t.PartitionKey, ", ")
}
