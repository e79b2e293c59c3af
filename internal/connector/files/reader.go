package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"gocloud.dev/blob"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// Reader reads the files of one source one at a time, for callers that group files into
// datasets themselves (the Glue crawler): List walks the objects, Read infers one file's schema
// with the same inference Discover uses. It honours the same checks as Discover (roots, S3
// settings); name filters (Params) are the caller's business. Safe for concurrent Reads.
type Reader struct {
	st    *settings
	b     *blob.Bucket
	stats Stats
}

// Open opens src's root for reading. Close the Reader when done.
func (c *Connector) Open(ctx context.Context, src connector.Source, opts connector.Options) (*Reader, error) {
	st, err := parseSource(src)
	if err != nil {
		return nil, err
	}
	b, err := st.open(ctx, src, opts.WithDefaults())
	if err != nil {
		return nil, err
	}
	return &Reader{st: st, b: b}, nil
}

// Close releases the store.
func (r *Reader) Close() error { return r.b.Close() }

// Stats says what the reader has listed and read so far.
func (r *Reader) Stats() Stats {
	s := &r.stats
	return Stats{FilesListed: atomic.LoadInt64(&s.FilesListed), FilesRead: atomic.LoadInt64(&s.FilesRead),
		BytesRead: atomic.LoadInt64(&s.BytesRead), ParquetFiles: atomic.LoadInt64(&s.ParquetFiles),
		ParquetFileBytes: atomic.LoadInt64(&s.ParquetFileBytes), ParquetBytesRead: atomic.LoadInt64(&s.ParquetBytesRead)}
}

// Location is where a folder of the root ("" for the root itself, slash-separated) is, as a URI
// ending in "/": s3://bucket/prefix/dir/ or file:///abs/root/dir/.
func (r *Reader) Location(dir string) string {
	if r.st.s3 {
		return r.st.location(dir)
	}
	loc := "file://" + strings.TrimSuffix(r.st.root, "/") + "/"
	if dir != "" {
		loc += strings.Trim(dir, "/") + "/"
	}
	return loc
}

// Object is one object (file) under the root.
type Object struct {
	// Key is the object's path relative to the root, slash-separated.
	Key  string
	Size int64
}

// List calls fn for every object under the root, in key order; folders are not objects. An
// error from fn stops the walk and is returned.
func (r *Reader) List(ctx context.Context, fn func(Object) error) error {
	it := r.b.List(&blob.ListOptions{Prefix: r.st.prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return r.st.classify(connector.Unreachable, fmt.Errorf("list %s: %w", r.st.redacted(), err))
		}
		if obj.IsDir || r.st.guard.listed(obj) {
			continue
		}
		atomic.AddInt64(&r.stats.FilesListed, 1)
		if err := fn(Object{Key: strings.TrimPrefix(obj.Key, r.st.prefix), Size: obj.Size}); err != nil {
			return err
		}
	}
}

// FormatOf tells a file's format (csv, tsv, json, parquet) and whole-file compression ("",
// gzip, bzip2, snappy) from its name; ok is false for files the connector does not read.
func FormatOf(name string) (format, compression string, ok bool) { return formatOf(name) }

// Dialect overrides what Read would sniff in a text file (a crawler's custom classifiers).
// Zero values mean "sniff".
type Dialect struct {
	Delimiter byte
	Quote     byte
	// Header is "true" (the first record names the columns), "false", or "" to detect it.
	Header string
	// Names name the columns explicitly (with Header "true" the first record is skipped).
	Names []string
	// SampleRows bounds the records sampled (default 1000).
	SampleRows int
}

// File is what Read found in one file.
type File struct {
	Format      string // csv, tsv, json, parquet
	Compression string // "", gzip, bzip2, snappy (whole file; not Parquet's internal codecs)
	// Options are the format's settings as Discover reports them: delimiter, quote, header
	// (CSV); layout (JSON); compression (Parquet's codec).
	Options map[string]string
	// Quoted is true when a CSV sample had quoted fields.
	Quoted bool
	// Columns in file order. Types are the connector's names (boolean, bigint, decimal, date,
	// timestamp, string for text; struct<...>, array<...>), except that JSON integers that all
	// fit 32 bits are named int; Parquet types as the footer says.
	Columns []schema.Column
	// Records is the exact record count when RecordsExact (Parquet footers, text files read
	// whole), else an estimate from the sampled head.
	Records      int64
	RecordsExact bool
	// Size is the file's size in bytes.
	Size int64
}

// Read infers one file's schema. The format comes from the name (FormatOf); d overrides text
// sniffing. A file that cannot be read or parsed returns an error that says why.
func (r *Reader) Read(ctx context.Context, obj Object, d Dialect) (*File, error) {
	format, comp, ok := formatOf(obj.Key)
	if !ok {
		return nil, fmt.Errorf("%s is not a CSV, TSV, JSON or Parquet file", obj.Key)
	}
	atomic.AddInt64(&r.stats.FilesRead, 1)
	o := &object{b: r.b, guard: r.st.guard, key: r.st.prefix + obj.Key, size: obj.Size, stats: &r.stats}
	if format == "parquet" {
		fs, err := parquetSchema(ctx, o)
		atomic.AddInt64(&r.stats.ParquetFiles, 1)
		atomic.AddInt64(&r.stats.ParquetFileBytes, obj.Size)
		atomic.AddInt64(&r.stats.ParquetBytesRead, o.read.Load())
		if err != nil {
			return nil, err
		}
		return &File{Format: format, Options: fs.options, Columns: fs.columns(), Records: *fs.rows, RecordsExact: true, Size: obj.Size}, nil
	}
	s, err := o.sample(ctx, comp)
	if err != nil {
		return nil, err
	}
	rows := d.SampleRows
	if rows <= 0 {
		rows = defaultSampleRows
	}
	var fs *fileSchema
	switch format {
	case "json":
		fs, err = jsonSchema(s, rows)
	default:
		delim := d.Delimiter
		if delim == 0 && format == "tsv" {
			delim = '\t'
		}
		fs, err = csvSchemaNamed(s, delim, d.Quote, d.Header, d.Names, rows)
	}
	if err != nil {
		return nil, err
	}
	f := &File{Format: format, Compression: comp, Options: fs.options, Quoted: fs.quoted, Size: obj.Size}
	if fs.json != nil {
		f.Columns = fs.json.columnsOf(true)
	} else {
		f.Columns = fs.columns()
	}
	f.Records, f.RecordsExact = estimateRecords(s, fs, comp != "", obj.Size, o.read.Load())
	return f, nil
}

// estimateRecords counts the records of a text file read whole, or extrapolates from the head:
// records per byte fetched (compressed bytes for compressed files) times the file's size.
func estimateRecords(s *sample, fs *fileSchema, compressed bool, size, fetched int64) (int64, bool) {
	lines := int64(bytes.Count(s.head, []byte{'\n'}))
	if len(s.head) > 0 && s.head[len(s.head)-1] != '\n' && s.complete {
		lines++
	}
	if fs.format == "json" && fs.options["layout"] == "array" {
		lines = fs.records
	} else if fs.text != nil && fs.options["header"] == "true" && lines > 0 {
		lines--
	}
	if s.complete {
		return lines, true
	}
	headFetched := int64(len(s.head))
	if compressed {
		headFetched = fetched // the compressed bytes that gave the head
	}
	if headFetched <= 0 || lines <= 0 {
		return 0, false
	}
	return lines * size / headFetched, false
}
