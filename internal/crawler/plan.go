package crawler

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/gluecatalog"
)

// Schema change policy values (glue SchemaChangePolicy).
const (
	UpdateLog      = "LOG"
	UpdateInDB     = "UPDATE_IN_DATABASE"
	DeleteLog      = "LOG"
	DeleteFromDB   = "DELETE_FROM_DATABASE"
	DeprecateInDB  = "DEPRECATE_IN_DATABASE"
	DeprecatedKey  = "DEPRECATED_BY_CRAWLER"
	UpdatedByKey   = "UPDATED_BY_CRAWLER"
	CrawlRunIDKey  = "CRAWL_RUN_ID"
	tableTypeFiles = "EXTERNAL_TABLE"
)

// Policy is how a crawl changes the catalog: the crawler's SchemaChangePolicy and its
// Configuration's CrawlerOutput.
type Policy struct {
	UpdateBehavior string // LOG or UPDATE_IN_DATABASE (default)
	DeleteBehavior string // LOG, DELETE_FROM_DATABASE or DEPRECATE_IN_DATABASE (default)
	// MergeNewColumns is CrawlerOutput.Tables.AddOrUpdateBehavior MergeNewColumns.
	MergeNewColumns bool
	// InheritFromTable is CrawlerOutput.Partitions.AddOrUpdateBehavior InheritFromTable.
	InheritFromTable bool
	// TableThreshold fails the crawl when it would create more tables (0: no limit).
	TableThreshold int
}

// Crawl identifies the crawl whose writes are planned.
type Crawl struct {
	Crawler string
	ID      string
	Now     time.Time
	// InScope reports whether a location is covered by the crawler's targets: only tables in
	// scope that this crawler wrote can be deleted or deprecated.
	InScope func(location string) bool
}

// Previous is the catalog's state before the crawl: the tables of the crawler's database, and
// the partitions of those the crawl found again (keyed by table name).
type Previous struct {
	Tables     []gluecatalog.Table
	Partitions map[string][]gluecatalog.Partition
}

// TableWrite is a table to create or update, with its partition changes.
type TableWrite struct {
	Input gluecatalog.TableInput
	// SkipArchive updates the table in place (only statistics changed): no new version.
	SkipArchive      bool
	CreatePartitions []gluecatalog.PartitionInput
	UpdatePartitions []gluecatalog.PartitionInput
	DeletePartitions [][]string
}

// Counts are what a crawl changed (CrawlerMetrics and the crawl's Summary).
type Counts struct {
	TablesCreated, TablesUpdated, TablesDeleted             int
	PartitionsCreated, PartitionsUpdated, PartitionsDeleted int
	// The names of the tables, for the crawl summary.
	Created, Updated, Deleted []string
}

// Plan is the catalog writes a crawl makes, in order: creates, updates, deletes.
type Plan struct {
	Creates []TableWrite
	Updates []TableWrite
	Deletes []string
	Counts  Counts
	// Log says what was left alone and why.
	Log []string
}

// ThresholdError fails a crawl that would create more tables than TableThreshold allows.
type ThresholdError struct {
	Would, Threshold int
}

func (e *ThresholdError) Error() string {
	return fmt.Sprintf("The crawl would create %d tables, more than the TableThreshold of %d: no table was written.", e.Would, e.Threshold)
}

// MakePlan decides the catalog writes of a crawl: a pure function of the previous state, the
// crawl's result and the policy.
//
//   - A found table whose location an existing table has is that table (whoever created it);
//     else its name, or the name plus a hash of the location when another location has it.
//   - New tables and new partitions are created under every UpdateBehavior.
//   - UPDATE_IN_DATABASE replaces a changed table's definition as a new table version (types
//     never narrow: an old type wider than the new one stays); a table whose only changes are
//     statistics is rewritten in place. MergeNewColumns only adds columns. LOG leaves existing
//     tables and partitions alone.
//   - Tables this crawler wrote, in scope, that the crawl did not find are deleted, deprecated
//     (DEPRECATED_BY_CRAWLER = epoch ms) or logged per DeleteBehavior; vanished partitions are
//     deleted only under DELETE_FROM_DATABASE. Nothing is deleted or deprecated when the crawl
//     was partial or could not read an object under the table's location.
func MakePlan(prev Previous, res *Result, p Policy, c Crawl) (*Plan, error) {
	if p.UpdateBehavior == "" {
		p.UpdateBehavior = UpdateInDB
	}
	if p.DeleteBehavior == "" {
		p.DeleteBehavior = DeprecateInDB
	}
	// Most found tables are either new (a first crawl) or found again (a recrawl): room for
	// both without growing the slices table by table.
	plan := &Plan{Creates: make([]TableWrite, 0, max(0, len(res.Tables)-len(prev.Tables))),
		Updates: make([]TableWrite, 0, min(len(res.Tables), len(prev.Tables)))}
	byLoc := map[string]*gluecatalog.Table{}
	byName := map[string]*gluecatalog.Table{}
	for i := range prev.Tables {
		t := &prev.Tables[i]
		byName[strings.ToLower(t.Name)] = t
		if t.StorageDescriptor != nil && t.StorageDescriptor.Location != "" {
			byLoc[normLoc(t.StorageDescriptor.Location)] = t
		}
	}
	found := map[string]bool{} // previous tables the crawl found again, by name
	taken := map[string]bool{}
	for _, t := range res.Tables {
		if old := byLoc[normLoc(t.Location)]; old != nil {
			found[strings.ToLower(old.Name)] = true
			t.Name = strings.ToLower(old.Name)
			taken[t.Name] = true
			planUpdate(plan, old, t, prev.Partitions[t.Name], res, p, c)
			continue
		}
		name := t.Name
		if byName[name] != nil || taken[name] {
			name = ClashName(name, t.Location)
		}
		taken[name] = true
		t.Name = name
		w := TableWrite{Input: tableInput(t, c)}
		for _, part := range t.Partitions {
			w.CreatePartitions = append(w.CreatePartitions, partitionInput(part, w.Input, p, c))
		}
		plan.Creates = append(plan.Creates, w)
		plan.Counts.TablesCreated++
		plan.Counts.PartitionsCreated += len(w.CreatePartitions)
		plan.Counts.Created = append(plan.Counts.Created, name)
	}
	if p.TableThreshold > 0 && len(plan.Creates) > p.TableThreshold {
		return nil, &ThresholdError{Would: len(plan.Creates), Threshold: p.TableThreshold}
	}
	planDeletes(plan, prev, found, res, p, c)
	return plan, nil
}

// planUpdate plans the writes for a table the crawl found again.
func planUpdate(plan *Plan, old *gluecatalog.Table, t Table, oldParts []gluecatalog.Partition, res *Result, p Policy, c Crawl) {
	if t.Skipped {
		w := TableWrite{}
		addNewPartitions(&w, old.TableInput, t, oldParts, p, c)
		if len(w.CreatePartitions) > 0 {
			w.Input, w.SkipArchive = old.TableInput, true
			plan.Updates = append(plan.Updates, w)
			plan.Counts.PartitionsCreated += len(w.CreatePartitions)
		}
		return
	}
	var (
		in      gluecatalog.TableInput
		changed bool
	)
	switch {
	case p.UpdateBehavior == UpdateLog:
		w := TableWrite{}
		addNewPartitions(&w, old.TableInput, t, oldParts, p, c)
		if len(w.CreatePartitions) > 0 {
			w.Input, w.SkipArchive = old.TableInput, true
			plan.Updates = append(plan.Updates, w)
			plan.Counts.PartitionsCreated += len(w.CreatePartitions)
		}
		if shapeChanged(old.TableInput, tableInput(t, c)) {
			plan.Log = append(plan.Log, fmt.Sprintf("table %s changed; UpdateBehavior LOG leaves it as it was", old.Name))
		}
		return
	case p.MergeNewColumns:
		in, changed = mergeNewColumns(old.TableInput, t, c)
	default:
		in = tableInput(t, c)
		in.Name = old.Name
		if in.Description == "" {
			in.Description = old.Description
		}
		widen(old.TableInput, &in)
		_, wasDeprecated := old.Parameters[DeprecatedKey]
		changed = wasDeprecated || shapeChanged(old.TableInput, in)
	}
	w := TableWrite{Input: in, SkipArchive: !changed}
	planPartitions(&w, in, t, oldParts, res, p, c, &plan.Counts)
	plan.Updates = append(plan.Updates, w)
	if changed {
		plan.Counts.TablesUpdated++
		plan.Counts.Updated = append(plan.Counts.Updated, in.Name)
	}
}

// addNewPartitions adds the partitions the table did not have (never touching existing ones).
func addNewPartitions(w *TableWrite, table gluecatalog.TableInput, t Table, oldParts []gluecatalog.Partition, p Policy, c Crawl) {
	have := map[string]bool{}
	for _, op := range oldParts {
		have[valuesKey(op.Values)] = true
	}
	for _, part := range t.Partitions {
		if !have[valuesKey(part.Values)] && !part.Skipped && len(part.Values) == len(table.PartitionKeys) {
			w.CreatePartitions = append(w.CreatePartitions, partitionInput(part, table, p, c))
		}
	}
}

// planPartitions plans a found table's partitions: create new, update changed, and under
// DELETE_FROM_DATABASE delete those whose folder vanished (when the crawl read everything).
func planPartitions(w *TableWrite, table gluecatalog.TableInput, t Table, oldParts []gluecatalog.Partition, res *Result, p Policy, c Crawl, n *Counts) {
	old := map[string]*gluecatalog.Partition{}
	for i := range oldParts {
		old[valuesKey(oldParts[i].Values)] = &oldParts[i]
	}
	seen := map[string]bool{}
	for _, part := range t.Partitions {
		k := valuesKey(part.Values)
		seen[k] = true
		if part.Skipped {
			continue
		}
		in := partitionInput(part, table, p, c)
		switch o := old[k]; {
		case o == nil:
			w.CreatePartitions = append(w.CreatePartitions, in)
			n.PartitionsCreated++
		case partitionChanged(o.PartitionInput, in):
			w.UpdatePartitions = append(w.UpdatePartitions, in)
			n.PartitionsUpdated++
		}
	}
	if p.DeleteBehavior != DeleteFromDB || res.Partial {
		return
	}
	for _, o := range oldParts {
		if seen[valuesKey(o.Values)] {
			continue
		}
		loc := ""
		if o.StorageDescriptor != nil {
			loc = o.StorageDescriptor.Location
		}
		if unreadableUnder(res, loc) || (loc != "" && c.InScope != nil && !c.InScope(loc)) {
			continue
		}
		w.DeletePartitions = append(w.DeletePartitions, o.Values)
		n.PartitionsDeleted++
	}
}

// planDeletes handles the tables this crawler wrote that the crawl did not find.
func planDeletes(plan *Plan, prev Previous, found map[string]bool, res *Result, p Policy, c Crawl) {
	for _, t := range prev.Tables {
		name := strings.ToLower(t.Name)
		if found[name] || t.Parameters[UpdatedByKey] != c.Crawler {
			continue
		}
		loc := ""
		if t.StorageDescriptor != nil {
			loc = t.StorageDescriptor.Location
		}
		if c.InScope != nil && !c.InScope(loc) {
			continue
		}
		if res.Partial || unreadableUnder(res, loc) {
			plan.Log = append(plan.Log, fmt.Sprintf("table %s was not found, but the crawl could not read everything under %s: kept", name, loc))
			continue
		}
		switch p.DeleteBehavior {
		case DeleteFromDB:
			plan.Deletes = append(plan.Deletes, name)
		case DeprecateInDB:
			if _, already := t.Parameters[DeprecatedKey]; already {
				continue
			}
			in := t.TableInput
			stamp := strconv.FormatInt(c.Now.UnixMilli(), 10)
			in.Parameters = withParam(in.Parameters, DeprecatedKey, stamp)
			if in.StorageDescriptor != nil {
				sd := *in.StorageDescriptor
				sd.Parameters = withParam(sd.Parameters, DeprecatedKey, stamp)
				in.StorageDescriptor = &sd
			}
			plan.Updates = append(plan.Updates, TableWrite{Input: in, SkipArchive: true})
		default:
			plan.Log = append(plan.Log, fmt.Sprintf("table %s was not found; DeleteBehavior LOG leaves it", name))
			continue
		}
		plan.Counts.TablesDeleted++
		plan.Counts.Deleted = append(plan.Counts.Deleted, name)
	}
}

func withParam(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	out[k] = v
	return out
}

// unreadableUnder reports whether the crawl failed to read an object at or below loc.
func unreadableUnder(res *Result, loc string) bool {
	if loc == "" {
		return len(res.Unreadable) > 0
	}
	l := normLoc(loc)
	for _, u := range res.Unreadable {
		if strings.HasPrefix(normLoc(u.Location), l) || strings.HasPrefix(u.Location, strings.TrimSuffix(loc, "/")) {
			return true
		}
	}
	return false
}

func normLoc(l string) string {
	if strings.Contains(l, "://") && !strings.HasSuffix(l, "/") {
		return l + "/"
	}
	return l
}

func valuesKey(v []string) string { return strings.Join(v, "\x00") }

// crawlerParams are the parameters every crawler-written table and partition carries.
func crawlerParams(base map[string]string, c Crawl) map[string]string {
	p := maps.Clone(base)
	if p == nil {
		p = map[string]string{}
	}
	p[UpdatedByKey] = c.Crawler
	p["CrawlerSchemaDeserializerVersion"] = "1.0"
	p["CrawlerSchemaSerializerVersion"] = "1.0"
	p[CrawlRunIDKey] = c.ID
	return p
}

// tableInput is a found table as the crawler writes it.
func tableInput(t Table, c Crawl) gluecatalog.TableInput {
	params := crawlerParams(t.Parameters, c)
	now := awsapi.EpochSeconds(c.Now)
	keys := make([]gluecatalog.Column, len(t.PartitionKeys))
	for i, k := range t.PartitionKeys {
		keys[i] = gluecatalog.Column{Name: k, Type: "string"}
	}
	return gluecatalog.TableInput{
		Name:              t.Name,
		Description:       t.Description,
		Owner:             "owner",
		LastAccessTime:    &now,
		Retention:         0,
		StorageDescriptor: storageDescriptor(t.Storage, t.Location, columns(t), maps.Clone(params), t.TypeOfData == "table"),
		PartitionKeys:     keys,
		TableType:         tableTypeFiles,
		Parameters:        params,
	}
}

func columns(t Table) []gluecatalog.Column {
	out := make([]gluecatalog.Column, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = gluecatalog.Column{Name: c.Name, Type: c.Type.Declared, Comment: c.Comment}
		if raw, ok := t.RawTypes[c.Name]; ok {
			out[i].Parameters = map[string]string{"raw_type": raw}
		}
	}
	return out
}

func storageDescriptor(s Storage, loc string, cols []gluecatalog.Column, params map[string]string, jdbc bool) *gluecatalog.StorageDescriptor {
	sd := &gluecatalog.StorageDescriptor{
		Columns: cols, Location: loc, Compressed: s.Compressed, NumberOfBuckets: -1,
		SerdeInfo: &gluecatalog.SerDeInfo{}, BucketColumns: []string{}, SortColumns: []gluecatalog.Order{},
		Parameters: params, StoredAsSubDirectories: false,
	}
	if !jdbc {
		sd.InputFormat, sd.OutputFormat = s.InputFormat, s.OutputFormat
		sd.SerdeInfo = &gluecatalog.SerDeInfo{SerializationLibrary: s.SerializationLibrary, Parameters: maps.Clone(s.SerdeParameters)}
	}
	return sd
}

// partitionInput is a found partition as the crawler writes it: the table's formats and serde
// with its own location, columns and statistics (the table's columns with InheritFromTable).
func partitionInput(part Partition, table gluecatalog.TableInput, p Policy, c Crawl) gluecatalog.PartitionInput {
	now := awsapi.EpochSeconds(c.Now)
	params := crawlerParams(part.Parameters, c)
	var sd gluecatalog.StorageDescriptor
	if table.StorageDescriptor != nil {
		sd = *table.StorageDescriptor
	}
	sd.Location = part.Location
	sd.Parameters = maps.Clone(params)
	if !p.InheritFromTable {
		sd.Columns = columns(Table{Columns: part.Columns})
	}
	return gluecatalog.PartitionInput{Values: part.Values, LastAccessTime: &now, StorageDescriptor: &sd, Parameters: params}
}

// widen keeps an old column type when it is wider than the new one (types never narrow).
func widen(old gluecatalog.TableInput, in *gluecatalog.TableInput) {
	if old.StorageDescriptor == nil || in.StorageDescriptor == nil {
		return
	}
	prev := map[string]string{}
	for _, c := range old.StorageDescriptor.Columns {
		prev[strings.ToLower(c.Name)] = c.Type
	}
	for i, c := range in.StorageDescriptor.Columns {
		if o, ok := prev[c.Name]; ok && o != c.Type {
			in.StorageDescriptor.Columns[i].Type = files.MergeType(parseHiveType(o), parseHiveType(c.Type)).Declared
		}
	}
}

// mergeNewColumns is MergeNewColumns: the old definition plus the new columns; a changed
// classification, compression or delimiter deprecates the table instead.
func mergeNewColumns(old gluecatalog.TableInput, t Table, c Crawl) (gluecatalog.TableInput, bool) {
	in := old
	in.Parameters = maps.Clone(old.Parameters)
	for _, k := range []string{"classification", "compressionType", "delimiter"} {
		if t.Parameters[k] != old.Parameters[k] && old.Parameters[k] != "" {
			in.Parameters[DeprecatedKey] = strconv.FormatInt(c.Now.UnixMilli(), 10)
			return in, true
		}
	}
	for _, k := range []string{"objectCount", "sizeKey", "recordCount", "averageRecordSize"} {
		if v, ok := t.Parameters[k]; ok {
			in.Parameters[k] = v
		}
	}
	in.Parameters = crawlerParams(in.Parameters, c)
	if old.StorageDescriptor == nil {
		return in, false
	}
	sd := *old.StorageDescriptor
	have := map[string]bool{}
	for _, col := range sd.Columns {
		have[strings.ToLower(col.Name)] = true
	}
	added := false
	sd.Columns = slices.Clone(sd.Columns)
	for _, col := range columns(t) {
		if !have[col.Name] {
			sd.Columns = append(sd.Columns, col)
			added = true
		}
	}
	in.StorageDescriptor = &sd
	return in, added
}

// shapeChanged reports whether a table's definition changed beyond statistics.
func shapeChanged(a, b gluecatalog.TableInput) bool {
	if !slices.EqualFunc(a.PartitionKeys, b.PartitionKeys, sameColumn) || a.TableType != b.TableType {
		return true
	}
	for _, k := range []string{"classification", "compressionType", "delimiter", "skip.header.line.count", "areColumnsQuoted", "typeOfData"} {
		if a.Parameters[k] != b.Parameters[k] {
			return true
		}
	}
	return sdChanged(a.StorageDescriptor, b.StorageDescriptor)
}

func sdChanged(a, b *gluecatalog.StorageDescriptor) bool {
	if a == nil || b == nil {
		return a != b
	}
	if a.Location != b.Location || a.InputFormat != b.InputFormat || a.OutputFormat != b.OutputFormat || a.Compressed != b.Compressed ||
		!slices.EqualFunc(a.Columns, b.Columns, sameColumn) {
		return true
	}
	as, bs := a.SerdeInfo, b.SerdeInfo
	if as == nil || bs == nil {
		return (as == nil) != (bs == nil)
	}
	return as.SerializationLibrary != bs.SerializationLibrary || !maps.Equal(as.Parameters, bs.Parameters)
}

func sameColumn(a, b gluecatalog.Column) bool {
	return strings.EqualFold(a.Name, b.Name) && a.Type == b.Type && a.Comment == b.Comment
}

// partitionChanged reports whether a partition's definition or statistics changed.
func partitionChanged(a, b gluecatalog.PartitionInput) bool {
	if sdChanged(a.StorageDescriptor, b.StorageDescriptor) {
		return true
	}
	for _, k := range []string{"objectCount", "sizeKey", "recordCount", "classification", "compressionType"} {
		if a.Parameters[k] != b.Parameters[k] {
			return true
		}
	}
	return false
}
