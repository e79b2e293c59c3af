package crawler

import (
	"context"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// FileTarget is one S3 include path (or, as Surveyor's extension, a local folder).
type FileTarget struct {
	// Path is s3://bucket[/prefix] or file:///abs/folder: what the Reader was opened on.
	Path string
	// Exclusions are globs relative to Path (see Glob).
	Exclusions []string
	// SampleSize bounds the files read per leaf folder (0: all). Counts cover every file.
	SampleSize int
}

// Grouping is the crawler Configuration's Grouping.
type Grouping struct {
	// CombineCompatibleSchemas skips the similarity test: compatible folders are one table.
	CombineCompatibleSchemas bool
	// TableLevel puts table roots at that absolute folder level (the bucket, or the local
	// include folder, is level 1); 0 means Glue's grouping rules.
	TableLevel int
}

// CSVClassifier is a custom CSV classifier (glue CsvClassifier) as the crawl applies it.
type CSVClassifier struct {
	Name           string
	Delimiter      byte
	Quote          byte
	ContainsHeader string // UNKNOWN, PRESENT, ABSENT
	Header         []string
	CustomTypes    []string // CustomDatatypes when CustomDatatypeConfigured
	Serde          string   // OpenCSVSerDe, LazySimpleSerDe, None
}

// JSONClassifier is a custom JSON classifier: JsonPath `$[*]` reads the records of a top-level
// array, `$` each top-level object (both what the built-in classifier does); other paths are
// not supported and the classifier is skipped.
type JSONClassifier struct {
	Name     string
	JSONPath string
}

// Options are what a crawl needs besides its targets.
type Options struct {
	// TablePrefix is prepended to every table name.
	TablePrefix string
	Grouping    Grouping
	// CSV and JSON are the crawler's custom classifiers, in the crawler's order; the first that
	// applies to a file wins, then the built-in classifiers.
	CSV  []CSVClassifier
	JSON []JSONClassifier
	// SkipFolder, when set, reports leaf folders (locations) already crawled that this crawl
	// must not read (RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY).
	SkipFolder func(location string) bool
	// Parallel bounds concurrent file reads (default 8).
	Parallel int
}

// Unreadable is an object the crawl saw but could not read: never a deletion.
type Unreadable struct {
	Location string
	Reason   string
}

// Result is what one crawl of one or more targets found.
type Result struct {
	Tables     []Table
	Unreadable []Unreadable
	// Folders are the locations of every leaf folder with data seen (read or skipped).
	Folders []string
	// Notes say why a level was split, what was ignored; for the crawl's log.
	Notes []string
	// Objects and BytesRead count what the crawl listed and fetched.
	Objects   int64
	BytesRead int64
	// Partial is true when some target could not be listed at all: nothing may be deleted.
	Partial bool
}

// object is a data file of a leaf folder.
type object struct {
	key  string
	size int64
}

// folder is one folder of the listed tree (relative to the include path).
type folder struct {
	path     string // "" for the include path itself
	name     string
	level    int
	children map[string]*folder
	objects  []object
	leaf     *leaf
}

// kind is what makes data compatible: classification, compression and text settings.
type kind struct {
	classification string // csv, json, parquet
	compression    string // none, gzip, ...
	delimiter      string
	header         bool
	quoted         bool
	serde          string // custom CSV classifier serde
	classifier     string // the custom classifier that applied, if any
	jsonPaths      bool
}

func (k kind) key() string {
	return k.classification + "|" + k.compression + "|" + k.delimiter + "|" + boolStr(k.header) + "|" + k.serde
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// leaf is what the read files of a folder hold, merged.
type leaf struct {
	kind    kind
	columns []schema.Column
	objects int64
	size    int64
	records int64
	// sampledSize is the bytes of the files read (records extrapolate from it).
	sampledSize int64
	skipped     bool // already crawled (CRAWL_NEW_FOLDERS_ONLY)
}

// isMarker reports objects that are never data: hidden or underscore names at any level
// (_SUCCESS, _temporary/, .crc), and S3 console folder markers (x_$folder$).
func isMarker(rel string) bool {
	if strings.HasSuffix(rel, "_$folder$") || strings.HasSuffix(rel, "/") {
		return true
	}
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".") || strings.HasPrefix(seg, "_") {
			return true
		}
	}
	return false
}

// CrawlFiles crawls one include path through r, which must be opened on t.Path.
func CrawlFiles(ctx context.Context, r *files.Reader, t FileTarget, o Options) (*Result, error) {
	excl, err := CompileExclusions(t.Exclusions)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	root := &folder{level: baseLevel(t.Path), children: map[string]*folder{}}
	err = r.List(ctx, func(obj files.Object) error {
		res.Objects++
		if isMarker(obj.Key) || excl.Excluded(obj.Key) {
			return nil
		}
		if _, _, ok := files.FormatOf(obj.Key); !ok {
			res.Notes = append(res.Notes, "skipped "+obj.Key+": not a CSV, JSON or Parquet file")
			return nil
		}
		f := root
		dir := path.Dir(obj.Key)
		if dir != "." {
			for _, seg := range strings.Split(dir, "/") {
				c := f.children[seg]
				if c == nil {
					c = &folder{path: strings.TrimPrefix(f.path+"/"+seg, "/"), name: seg, level: f.level + 1, children: map[string]*folder{}}
					f.children[seg] = c
				}
				f = c
			}
		}
		f.objects = append(f.objects, object{key: obj.Key, size: obj.Size})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := readLeaves(ctx, r, root, t, o, res); err != nil {
		return nil, err
	}
	units := group(root, o.Grouping, res)
	res.Tables = buildTables(r, t, units, o)
	res.BytesRead = r.Stats().BytesRead
	return res, nil
}

// baseLevel is the level of the include path's own folder: the bucket is level 1 and each
// prefix segment one more; a local include folder is level 1.
func baseLevel(p string) int {
	if rest, ok := strings.CutPrefix(p, "s3://"); ok {
		return 1 + strings.Count(strings.Trim(rest, "/"), "/")
	}
	return 1
}

// leaves lists the folders with data, in path order.
func leaves(f *folder, out []*folder) []*folder {
	if len(f.objects) > 0 {
		out = append(out, f)
	}
	for _, name := range sortedNames(f.children) {
		out = leaves(f.children[name], out)
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// readLeaves reads the sampled files of every leaf folder and merges each folder's schema.
func readLeaves(ctx context.Context, r *files.Reader, root *folder, t FileTarget, o Options, res *Result) error {
	par := o.Parallel
	if par <= 0 {
		par = 8
	}
	sem := make(chan struct{}, par)
	for _, f := range leaves(root, nil) {
		if err := ctx.Err(); err != nil {
			return err
		}
		loc := r.Location(f.path)
		res.Folders = append(res.Folders, loc)
		var size int64
		for _, ob := range f.objects {
			size += ob.size
		}
		if o.SkipFolder != nil && o.SkipFolder(loc) {
			f.leaf = &leaf{skipped: true, objects: int64(len(f.objects)), size: size}
			continue
		}
		sample := f.objects
		if t.SampleSize > 0 && len(sample) > t.SampleSize {
			sample = sample[:t.SampleSize]
		}
		read := make([]*readFile, len(sample))
		var wg sync.WaitGroup
		for i, ob := range sample {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				read[i] = readOne(ctx, r, ob, o)
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		f.leaf = mergeLeaf(read, f, r, res)
		if f.leaf != nil {
			f.leaf.objects, f.leaf.size = int64(len(f.objects)), size
			if len(sample) < len(f.objects) && f.leaf.sampledSize > 0 {
				f.leaf.records = f.leaf.records * size / f.leaf.sampledSize
			}
		}
	}
	return nil
}
