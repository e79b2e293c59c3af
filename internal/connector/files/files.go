// Package files discovers the datasets in a folder tree of data files — a local folder or an
// S3-compatible bucket prefix — and describes each as a table: CSV/TSV (delimiter, quote and
// header sniffed; column types inferred from a bounded sample spread over the file), NDJSON and
// JSON arrays (nested objects and arrays kept as struct and list types), Parquet (schema and row
// count from the footer only) and gzip-compressed CSV/NDJSON. Hive-style folders
// (year=2024/month=01/...) are grouped into one dataset with partition columns, as Glue crawlers
// do, and the files of one folder whose columns overlap are one dataset. A dataset's schema is the
// union of its files' schemas (first-seen column order; a column missing from some files is
// nullable; types only widen, see MergeType): a new field in one partition widens the table
// instead of splitting the dataset.
//
// Source.Path is the root: an absolute local path, file:///abs/path, or s3://bucket/prefix.
// Source.User and Source.Password are the S3 access key id and secret, when given. Params (all
// optional) are the keys named by the Param* constants. Memory and bytes read per file are
// bounded whatever the file's size; a file that cannot be read or parsed is reported in
// Snapshot.Failed with the reason, and the rest of the discovery goes on.
//
// Naming: Database is the bucket (S3) or the root folder's base name (local). A dataset's table
// is named after its folder and lives in the namespace of the folder's parent path relative to
// the root ("" at the root; "sales/2024" for root/sales/2024/orders/). When the files of one
// plain folder have unrelated columns (less than half of the smaller set shared), or different
// formats, each kind is its own table, named after its first file's stem, in the namespace of the
// folder's own path. A file that fails is reported as the asset
// {Database, folder path, file name}.
package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocloud.dev/blob"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// Params the connector honours (Source.Params keys).
const (
	// ParamFolders is a comma-separated list of sub-folders of the root to walk (recursively);
	// empty means the whole root.
	ParamFolders = "folders"
	// ParamExtensions is a comma-separated list of file name endings to read, e.g.
	// ".csv,.json.gz"; empty means every supported format.
	ParamExtensions = "extensions"
	// ParamInclude and ParamExclude are comma-separated name globs (path.Match syntax). A glob
	// with a '/' matches the path relative to the root, any other the file's base name. A file
	// must match some include glob (when there are any) and no exclude glob.
	ParamInclude = "include"
	ParamExclude = "exclude"
	// ParamHeader forces CSV header detection: "true", "false" or "auto" (default).
	ParamHeader = "header"
	// ParamDelimiter and ParamQuote force the CSV delimiter and quote character ("\t" or "tab"
	// for a tab).
	ParamDelimiter = "delimiter"
	ParamQuote     = "quote"
	// ParamSampleRows bounds the rows sampled per file (default 1000, at most 100000).
	ParamSampleRows = "sample_rows"
	// ParamEndpoint, ParamRegion and ParamPathStyle configure the S3 client: an S3-compatible
	// endpoint URL, the signing region (default us-east-1), and "true" for path-style requests.
	ParamEndpoint  = "endpoint"
	ParamRegion    = "region"
	ParamPathStyle = "use_path_style"
	// ParamColumns is set by discovery runs, not by the user: see discovery.Config.
)

// Sampling bounds: each text file is read for at most headBytes from its start plus chunks
// samples of chunkBytes spread over the rest, whatever its size.
const (
	headBytes         = 256 << 10
	chunkBytes        = 32 << 10
	chunks            = 16
	defaultSampleRows = 1000
	maxSampleRows     = 100000
	parallelReads     = 8
)

// Connector reads folders of data files. Now stamps snapshots; it defaults to time.Now.
type Connector struct {
	Now func() time.Time
}

// New returns a Connector that uses the wall clock.
func New() *Connector { return &Connector{Now: time.Now} }

var _ connector.Connector = (*Connector)(nil)

// Stats are what one discovery read.
type Stats struct {
	FilesListed int64 // files that passed the filters
	FilesRead   int64 // files opened (including failed ones)
	BytesRead   int64 // bytes fetched from the store, all formats
	// ParquetFiles, ParquetFileBytes and ParquetBytesRead show the footer-only reading: the
	// Parquet files opened, their total size, and the bytes actually fetched from them.
	ParquetFiles     int64
	ParquetFileBytes int64
	ParquetBytesRead int64
}

// LocalPaths is the root folder of a local source (none for S3), as Discover opens it.
func (c *Connector) LocalPaths(src connector.Source) ([]string, error) {
	st, err := parseSource(src)
	if err != nil || st.s3 {
		return nil, err
	}
	return []string{st.root}, nil
}

var _ connector.LocalFiles = (*Connector)(nil)

// Discover reads the datasets under src.Path.
func (c *Connector) Discover(ctx context.Context, src connector.Source, opts connector.Options) (*schema.Snapshot, error) {
	snap, _, err := c.DiscoverStats(ctx, src, opts)
	return snap, err
}

// Namespaces lists the namespaces of the datasets under src.Path, sorted.
func (c *Connector) Namespaces(ctx context.Context, src connector.Source, opts connector.Options) ([]string, error) {
	snap, err := c.Discover(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, db := range snap.Databases {
		for _, ns := range db.Namespaces {
			out = append(out, ns.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Ping opens the root and lists one object.
func (c *Connector) Ping(ctx context.Context, src connector.Source, opts connector.Options) error {
	st, err := parseSource(src)
	if err != nil {
		return err
	}
	opts = opts.WithDefaults()
	b, err := st.open(ctx, src, opts)
	if err != nil {
		return err
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	if _, _, err := b.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: st.prefix}); err != nil {
		return st.classify(connector.Unreachable, fmt.Errorf("list %s: %w", st.redacted(), err))
	}
	return nil
}

// DiscoverStats is Discover that also says what it read.
func (c *Connector) DiscoverStats(ctx context.Context, src connector.Source, opts connector.Options) (*schema.Snapshot, *Stats, error) {
	stats := &Stats{}
	st, err := parseSource(src)
	if err != nil {
		return nil, stats, err
	}
	opts = opts.WithDefaults()
	b, err := st.open(ctx, src, opts)
	if err != nil {
		return nil, stats, err
	}
	defer b.Close()

	dirs, err := st.list(ctx, b, stats)
	if err != nil {
		return nil, stats, err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	snap := &schema.Snapshot{Engine: connector.Files, ServerVersion: st.version(), CapturedAt: now().UTC(), Complete: true}
	namespaces := map[string]*schema.Namespace{}
	for _, d := range sortedKeys(dirs) {
		if err := ctx.Err(); err != nil {
			return nil, stats, st.classify(connector.Canceled, err)
		}
		parent := parentOf(d)
		if !opts.Filter.Namespace(st.database, parent) && !opts.Filter.Namespace(st.database, d) {
			continue
		}
		tables, failed := st.readDataset(ctx, b, d, dirs[d], stats)
		if err := ctx.Err(); err != nil {
			return nil, stats, st.classify(connector.Canceled, err)
		}
		snap.Failed = append(snap.Failed, failed...)
		for _, t := range tables {
			if !opts.Filter.Table(st.database, t.namespace, t.table.Name) {
				continue
			}
			ns := namespaces[t.namespace]
			if ns == nil {
				ns = &schema.Namespace{Name: t.namespace}
				namespaces[t.namespace] = ns
			}
			ns.Tables = append(ns.Tables, t.table)
		}
	}
	db := schema.Database{Name: st.database}
	for _, name := range sortedKeys(namespaces) {
		db.Namespaces = append(db.Namespaces, *namespaces[name])
	}
	snap.Databases = []schema.Database{db}
	return snap.Normalize(), stats, nil
}

// settings is a parsed Source.
type settings struct {
	s3       bool
	root     string // local: the absolute folder
	guard    *guard // local: what may be read, set when the root is opened
	bucket   string // s3
	prefix   string // s3 key prefix of the root, "" or ending in "/"
	database string

	folders    []string
	extensions []string
	include    []string
	exclude    []string
	header     string
	delim      byte
	quote      byte
	sampleRows int

	endpoint  string
	region    string
	pathStyle bool
}

// parseSource reads a files source: where it is (parseLocation) and how to read it
// (parseParams). A malformed setting is an Unsupported error naming it.
func parseSource(src connector.Source) (*settings, error) {
	st := &settings{header: "auto", sampleRows: defaultSampleRows, region: "us-east-1"}
	bad := func(format string, args ...any) error {
		return &connector.Error{Kind: connector.Unsupported, Target: redactPath(src.Path), Err: fmt.Errorf(format, args...)}
	}
	if err := st.parseLocation(src.Path); err != nil {
		return nil, bad("%v", err)
	}
	if err := st.parseParams(src.Params); err != nil {
		return nil, bad("%v", err)
	}
	return st, nil
}

// parseLocation reads s3://bucket/prefix, file:///path or an absolute folder path.
func (st *settings) parseLocation(p string) error {
	switch {
	case strings.HasPrefix(p, "s3://"):
		u, err := url.Parse(p)
		if err != nil || u.Host == "" {
			return errors.New("an S3 location is s3://bucket/prefix")
		}
		st.s3, st.bucket, st.database = true, u.Host, u.Host
		st.prefix = strings.Trim(u.Path, "/")
		if st.prefix != "" {
			st.prefix += "/"
		}
		return nil
	case strings.HasPrefix(p, "file://"):
		u, err := url.Parse(p)
		if err != nil || (u.Host != "" && u.Host != "localhost") {
			return errors.New("a file URI is file:///absolute/path or file://localhost/absolute/path")
		}
		p = u.Path
	}
	if p == "" || !filepath.IsAbs(p) {
		return fmt.Errorf("the files source needs an absolute folder path, file:///path or s3://bucket/prefix, not %q", p)
	}
	st.root = filepath.Clean(p)
	st.database = filepath.Base(st.root)
	if st.database == string(filepath.Separator) || st.database == "." {
		st.database = "root"
	}
	return nil
}

// parseParams reads the source's parameters: which files, how CSV is read, and the S3 endpoint.
func (st *settings) parseParams(prm map[string]string) error {
	for _, f := range splitList(prm[ParamFolders]) {
		f = strings.Trim(path.Clean("/"+f), "/")
		if f == "" || strings.HasPrefix(f, "..") {
			continue
		}
		st.folders = append(st.folders, f)
	}
	for _, e := range splitList(prm[ParamExtensions]) {
		e = strings.ToLower(e)
		if !strings.HasPrefix(e, ".") {
			e = "." + e
		}
		st.extensions = append(st.extensions, e)
	}
	st.include, st.exclude = splitList(prm[ParamInclude]), splitList(prm[ParamExclude])
	for _, g := range append(slices.Clone(st.include), st.exclude...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("name glob %q is malformed", g)
		}
	}
	if err := st.parseCSVParams(prm); err != nil {
		return err
	}
	st.endpoint = prm[ParamEndpoint]
	if st.endpoint != "" {
		if err := checkEndpoint(st.endpoint); err != nil {
			return err
		}
	}
	if r := prm[ParamRegion]; r != "" {
		st.region = r
	}
	st.pathStyle = strings.EqualFold(prm[ParamPathStyle], "true")
	return nil
}

// parseCSVParams reads header, delimiter, quote and sample_rows.
func (st *settings) parseCSVParams(prm map[string]string) error {
	switch h := strings.ToLower(prm[ParamHeader]); h {
	case "", "auto":
	case "true", "false":
		st.header = h
	default:
		return fmt.Errorf("header must be true, false or auto, not %q", prm[ParamHeader])
	}
	var err error
	if st.delim, err = oneChar(prm[ParamDelimiter]); err != nil {
		return fmt.Errorf("delimiter: %v", err)
	}
	if st.quote, err = oneChar(prm[ParamQuote]); err != nil {
		return fmt.Errorf("quote: %v", err)
	}
	if v := prm[ParamSampleRows]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSampleRows {
			return fmt.Errorf("sample_rows must be a number from 1 to %d", maxSampleRows)
		}
		st.sampleRows = n
	}
	return nil
}

func oneChar(v string) (byte, error) {
	switch v {
	case "":
		return 0, nil
	case `\t`, "tab", "\t":
		return '\t', nil
	}
	if len(v) != 1 || v[0] == '\n' || v[0] == '\r' {
		return 0, fmt.Errorf("%q is not one character", v)
	}
	return v[0], nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// redacted is the root as a URI, for messages.
func (st *settings) redacted() string {
	if st.s3 {
		return "s3://" + st.bucket + "/" + st.prefix
	}
	return "file://" + filepath.ToSlash(st.root)
}

func redactPath(p string) string {
	if i := strings.Index(p, "@"); i >= 0 && strings.Contains(p[:i], "://") {
		return p[:strings.Index(p, "://")+3] + p[i+1:]
	}
	return p
}

func (st *settings) version() string {
	if st.s3 {
		if st.endpoint != "" {
			return "S3-compatible store at " + st.endpoint
		}
		return "Amazon S3"
	}
	return "local file system"
}

// location is where a folder of the root is, as a user would write it.
func (st *settings) location(dir string) string {
	if st.s3 {
		loc := "s3://" + st.bucket + "/" + st.prefix + dir
		if !strings.HasSuffix(loc, "/") {
			loc += "/"
		}
		return loc
	}
	return filepath.Join(st.root, filepath.FromSlash(dir))
}

// fileEntry is one listed data file.
type fileEntry struct {
	key         string // blob key
	rel         string // path relative to the root
	size        int64
	format      string // csv, tsv, json, parquet
	compression string // "", gzip, bzip2 or snappy
	partitions  []partition
}

type partition struct{ key, value string }

// formatOf tells a file's format from its name; ok is false for files we do not read.
func formatOf(name string) (format, compression string, ok bool) {
	n := strings.ToLower(name)
	for ext, c := range compressions {
		if strings.HasSuffix(n, ext) {
			compression, n = c, strings.TrimSuffix(n, ext)
			break
		}
	}
	switch path.Ext(n) {
	case ".csv":
		format = "csv"
	case ".tsv", ".tab":
		format = "tsv"
	case ".json", ".jsonl", ".ndjson":
		format = "json"
	case ".parquet", ".pq":
		if compression != "" {
			return "", "", false
		}
		format = "parquet"
	default:
		return "", "", false
	}
	return format, compression, true
}

// list walks the root (or the chosen folders) and groups the data files by dataset folder.
func (st *settings) list(ctx context.Context, b *blob.Bucket, stats *Stats) (map[string][]fileEntry, error) {
	prefixes := []string{st.prefix}
	if len(st.folders) > 0 {
		prefixes = prefixes[:0]
		for _, f := range st.folders {
			prefixes = append(prefixes, st.prefix+f+"/")
		}
	}
	dirs := map[string][]fileEntry{}
	seen := map[string]bool{}
	for _, pfx := range prefixes {
		it := b.List(&blob.ListOptions{Prefix: pfx})
		for {
			obj, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, st.classify(connector.Unreachable, fmt.Errorf("list %s: %w", st.location(strings.TrimPrefix(pfx, st.prefix)), err))
			}
			if obj.IsDir || seen[obj.Key] || st.guard.listed(obj) {
				continue
			}
			seen[obj.Key] = true
			rel := strings.TrimPrefix(obj.Key, st.prefix)
			e, ok := st.entry(rel)
			if !ok {
				continue
			}
			e.key, e.size = obj.Key, obj.Size
			dir, parts := datasetDir(path.Dir(rel))
			e.partitions = parts
			dirs[dir] = append(dirs[dir], e)
			stats.FilesListed++
		}
	}
	return dirs, nil
}

// entry applies the name filters to a file; hidden and underscore names (.crc, _SUCCESS,
// _temporary/) are never data.
func (st *settings) entry(rel string) (fileEntry, bool) {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".") || strings.HasPrefix(seg, "_") {
			return fileEntry{}, false
		}
	}
	base := path.Base(rel)
	format, comp, ok := formatOf(base)
	if !ok {
		return fileEntry{}, false
	}
	if len(st.extensions) > 0 && !slices.ContainsFunc(st.extensions, func(e string) bool { return strings.HasSuffix(strings.ToLower(base), e) }) {
		return fileEntry{}, false
	}
	matches := func(g string) bool {
		target := base
		if strings.Contains(g, "/") {
			target = rel
		}
		ok, _ := path.Match(g, target)
		return ok
	}
	if len(st.include) > 0 && !slices.ContainsFunc(st.include, matches) {
		return fileEntry{}, false
	}
	if slices.ContainsFunc(st.exclude, matches) {
		return fileEntry{}, false
	}
	return fileEntry{rel: rel, format: format, compression: comp}, true
}

// datasetDir splits a file's folder into the dataset folder and its Hive partitions: the folder
// before the first key=value segment, when every segment from there on is key=value.
func datasetDir(dir string) (string, []partition) {
	if dir == "." || dir == "/" {
		return "", nil
	}
	segs := strings.Split(dir, "/")
	for i, s := range segs {
		if _, ok := hiveSegment(s); !ok {
			continue
		}
		var parts []partition
		for _, h := range segs[i:] {
			p, ok := hiveSegment(h)
			if !ok {
				return dir, nil
			}
			parts = append(parts, p)
		}
		return strings.Join(segs[:i], "/"), parts
	}
	return dir, nil
}

func hiveSegment(s string) (partition, bool) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return partition{}, false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return partition{}, false
		}
	}
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	return partition{k, v}, true
}

func parentOf(dir string) string {
	if i := strings.LastIndex(dir, "/"); i >= 0 {
		return dir[:i]
	}
	return ""
}

// fileSchema is what one file (or a group of files with the same schema) holds.
type fileSchema struct {
	format  string
	options map[string]string
	text    []*textColumn   // csv
	json    *jsonType       // json (a struct)
	cols    []schema.Column // parquet
	rows    *int64          // parquet: rows from the footer
	quoted  bool            // csv: the sample had quoted fields
	records int64           // text: records read from the head of the file
	problem string          // csv: the sample's malformed rows, reported with the table
}

func (f *fileSchema) columns() []schema.Column {
	switch {
	case f.text != nil:
		out := make([]schema.Column, len(f.text))
		for i, c := range f.text {
			out[i] = c.column(i + 1)
		}
		return out
	case f.json != nil:
		return f.json.columns()
	}
	return slices.Clone(f.cols)
}

// compatKey is equal for files that can belong to one dataset: the same format and options
// (Parquet's internal compression aside) and the same Hive partition keys.
func (f *fileSchema) compatKey(parts []partition) string {
	var b strings.Builder
	b.WriteString(f.format)
	for _, k := range sortedKeys(f.options) {
		if f.format == "parquet" && k == "compression" {
			continue
		}
		fmt.Fprintf(&b, "|%s=%s", k, f.options[k])
	}
	b.WriteString("|parts")
	for _, p := range parts {
		b.WriteString("|" + p.key)
	}
	return b.String()
}

// names are the file's top-level column names.
func (f *fileSchema) names() []string {
	switch {
	case f.text != nil:
		out := make([]string, len(f.text))
		for i, c := range f.text {
			out[i] = c.name
		}
		return out
	case f.json != nil:
		out := make([]string, len(f.json.fields))
		for i, fl := range f.json.fields {
			out[i] = fl.name
		}
		return out
	}
	out := make([]string, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.Name
	}
	return out
}

// overlap is the share of the smaller column set found in the other (1 when one set holds the
// other, 0 when they share nothing).
func overlap(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	in := make(map[string]bool, len(b))
	for _, n := range b {
		in[n] = true
	}
	shared := 0
	for _, n := range a {
		if in[n] {
			shared++
		}
	}
	return float64(shared) / float64(min(len(a), len(b)))
}

// sameDataset is the overlap above which files of one plain folder are one dataset. Files of a
// Hive-partitioned dataset are one dataset whatever their columns: the folders say so.
const sameDataset = 0.5

// merge folds another file of a compatible kind into f: the columns become the union (f's
// order first, then o's new ones), a column missing from some files becomes nullable, and types
// only ever widen (integer → decimal → string for text; int → bigint → double for Parquet).
func (f *fileSchema) merge(o *fileSchema) {
	switch {
	case f.text != nil:
		f.text = mergeText(f.text, o.text)
	case f.json != nil:
		f.json = mergeJSON(f.json, o.json)
	default:
		f.cols = mergeColumns(f.cols, o.cols)
		if f.rows != nil && o.rows != nil {
			n := *f.rows + *o.rows
			f.rows = &n
		}
	}
}

func mergeText(a, b []*textColumn) []*textColumn {
	idx := make(map[string]int, len(a))
	for i, c := range a {
		idx[c.name] = i
	}
	seen := make([]bool, len(a))
	for _, c := range b {
		if i, ok := idx[c.name]; ok {
			a[i].merge(c)
			seen[i] = true
			continue
		}
		c.nulls++ // absent from the files merged so far
		a = append(a, c)
	}
	for i, ok := range seen {
		if !ok {
			a[i].nulls++
		}
	}
	return a
}

// mergeColumns joins typed column lists by name, widening types (MergeType).
func mergeColumns(a, b []schema.Column) []schema.Column {
	idx := make(map[string]int, len(a))
	for i, c := range a {
		idx[c.Name] = i
	}
	seen := make([]bool, len(a))
	for _, c := range b {
		if i, ok := idx[c.Name]; ok {
			a[i].Type = MergeType(a[i].Type, c.Type)
			a[i].Nullable = a[i].Nullable || c.Nullable
			seen[i] = true
			continue
		}
		c.Nullable = true
		c.Position = len(a) + 1
		a = append(a, c)
	}
	for i, ok := range seen {
		if !ok {
			a[i].Nullable = true
		}
	}
	return a
}

type builtTable struct {
	namespace string
	table     schema.Table
}

// group is the files of one dataset being merged.
type group struct {
	schema     *fileSchema
	key        string // compatKey
	partitions []string
	files      int
	size       int64
	firstRel   string
	problems   []string // "file: problem" of its files (fileSchema.problem)
}

// joinGroup finds the group a file belongs to: the first of a compatible kind whose columns
// overlap the file's enough (any, for Hive partitions). Nil means a new group.
func joinGroup(groups []*group, f *fileSchema, parts []partition) *group {
	key := f.compatKey(parts)
	names := f.names()
	for _, g := range groups {
		if g.key != key {
			continue
		}
		if len(parts) > 0 || overlap(names, g.schema.names()) >= sameDataset {
			return g
		}
	}
	return nil
}

// readDataset reads every file of one dataset folder and builds its tables.
func (st *settings) readDataset(ctx context.Context, b *blob.Bucket, dir string, entries []fileEntry, stats *Stats) ([]builtTable, []schema.AssetError) {
	slices.SortFunc(entries, func(a, b fileEntry) int { return strings.Compare(a.rel, b.rel) })
	results := make([]*fileSchema, len(entries))
	errs := make([]error, len(entries))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelReads)
	for i := range entries {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = st.readFile(ctx, b, &entries[i], stats)
		}()
	}
	wg.Wait()

	var (
		failed []schema.AssetError
		groups []*group
	)
	for i, e := range entries {
		if errs[i] != nil {
			if ctx.Err() != nil {
				return nil, nil
			}
			failed = append(failed, schema.AssetError{
				Ref:    schema.Ref{Database: st.database, Namespace: dir, Table: path.Base(e.rel)},
				Reason: errs[i].Error(),
			})
			continue
		}
		if results[i] == nil {
			continue
		}
		g := joinGroup(groups, results[i], e.partitions)
		if g == nil {
			g = &group{schema: results[i], key: results[i].compatKey(e.partitions), firstRel: e.rel}
			for _, p := range e.partitions {
				g.partitions = append(g.partitions, p.key)
			}
			groups = append(groups, g)
		} else {
			g.schema.merge(results[i])
		}
		g.files++
		g.size += e.size
		if p := results[i].problem; p != "" {
			g.problems = append(g.problems, e.rel+": "+p)
		}
	}
	var out []builtTable
	used := map[string]bool{}
	for _, g := range groups {
		t := st.table(dir, g)
		ns := parentOf(dir)
		if len(groups) > 1 {
			// One folder, several schemas: a table per schema, named after its first file.
			ns = dir
			stem := path.Base(g.firstRel)
			stem = strings.TrimSuffix(stem, ".gz")
			stem = strings.TrimSuffix(stem, path.Ext(stem))
			t.Name = stem
			for n := 2; used[t.Name]; n++ {
				t.Name = stem + "_" + strconv.Itoa(n)
			}
		}
		used[t.Name] = true
		out = append(out, builtTable{namespace: ns, table: t})
	}
	return out, failed
}

func (st *settings) table(dir string, g *group) schema.Table {
	name := path.Base(dir)
	if dir == "" {
		name = st.database
	}
	cols := g.schema.columns()
	have := map[string]bool{}
	for _, c := range cols {
		have[c.Name] = true
	}
	var keys []string
	for _, k := range g.partitions {
		if have[k] {
			continue // a data column of the same name wins, as in Glue
		}
		keys = append(keys, k)
		cols = append(cols, schema.Column{Name: k, Position: len(cols) + 1, Type: simple("string")})
	}
	opts := map[string]string{}
	for k, v := range g.schema.options {
		opts[k] = v
	}
	t := schema.Table{Name: name, Kind: schema.KindFile, Columns: cols, Options: opts}
	if len(keys) > 0 {
		t.PartitionKey = "HIVE (" + strings.Join(keys, ", ") + ")"
		opts["partition_keys"] = strings.Join(keys, ",")
	}
	size := g.size
	t.Meta = schema.Meta{Location: st.location(dir), Files: g.files, SizeBytes: &size, RowEstimate: g.schema.rows, Problems: g.problems}
	return t
}

// readFile infers one file's schema.
func (st *settings) readFile(ctx context.Context, b *blob.Bucket, e *fileEntry, stats *Stats) (*fileSchema, error) {
	atomic.AddInt64(&stats.FilesRead, 1)
	o := &object{b: b, guard: st.guard, key: e.key, size: e.size, stats: stats}
	var (
		fs  *fileSchema
		err error
	)
	if e.format == "parquet" {
		fs, err = parquetSchema(ctx, o)
		atomic.AddInt64(&stats.ParquetFiles, 1)
		atomic.AddInt64(&stats.ParquetFileBytes, e.size)
		atomic.AddInt64(&stats.ParquetBytesRead, o.read.Load())
		return fs, err
	}
	s, err := o.sample(ctx, e.compression)
	if err != nil {
		return nil, err
	}
	switch e.format {
	case "json":
		fs, err = jsonSchema(s, st.sampleRows)
	case "tsv":
		delim := st.delim
		if delim == 0 {
			delim = '\t'
		}
		fs, err = csvSchema(s, delim, st.quote, st.header, st.sampleRows)
	default:
		fs, err = csvSchema(s, st.delim, st.quote, st.header, st.sampleRows)
	}
	if err != nil {
		return nil, err
	}
	if e.compression != "" {
		fs.options["compression"] = e.compression
	}
	return fs, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
