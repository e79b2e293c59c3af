package crawler

import (
	"context"
	"fmt"
	"path"

	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// readFile is one file read and classified.
type readFile struct {
	key     string
	file    *files.File
	kind    kind
	columns []schema.Column
	err     error
}

// readOne reads a file with the first custom classifier that applies, else the built-in one.
func readOne(ctx context.Context, r *files.Reader, ob object, o Options) *readFile {
	format, _, _ := files.FormatOf(ob.key)
	out := &readFile{key: ob.key}
	obj := files.Object{Key: ob.key, Size: ob.size}
	if format == "csv" || format == "tsv" {
		for _, c := range o.CSV {
			f, err := r.Read(ctx, obj, csvDialect(c))
			if err != nil || (len(f.Columns) < 2 && len(c.Header) < 2) {
				continue // the classifier does not apply with certainty
			}
			custom := map[string]bool{}
			for _, t := range c.CustomTypes {
				if _, ok := csvCustomTypes[t]; ok {
					custom[t] = true
				}
			}
			out.file, out.kind = f, fileKind(f)
			out.kind.classifier, out.kind.serde = c.Name, c.Serde
			out.columns = glueColumns("csv", f.Columns, custom)
			return out
		}
	}
	f, err := r.Read(ctx, obj, files.Dialect{})
	if err != nil {
		out.err = err
		return out
	}
	out.file, out.kind = f, fileKind(f)
	if format == "json" {
		for _, c := range o.JSON {
			if c.JSONPath == "$[*]" || c.JSONPath == "$" {
				out.kind.classifier = c.Name
				break
			}
		}
	}
	out.columns = glueColumns(f.Format, f.Columns, nil)
	return out
}

func csvDialect(c CSVClassifier) files.Dialect {
	d := files.Dialect{Delimiter: c.Delimiter, Quote: c.Quote, Names: c.Header}
	switch c.ContainsHeader {
	case "PRESENT":
		d.Header = "true"
	case "ABSENT":
		d.Header = "false"
	}
	return d
}

// fileKind says what a file's data is, for compatibility.
func fileKind(f *files.File) kind {
	k := kind{classification: f.Format, compression: f.Compression}
	if k.compression == "" {
		k.compression = "none"
	}
	switch f.Format {
	case "tsv":
		k.classification = "csv"
		fallthrough
	case "csv":
		k.delimiter = f.Options["delimiter"]
		k.header = f.Options["header"] == "true"
		k.quoted = f.Quoted
	case "parquet":
		k.compression = "none" // Parquet's internal codecs are not reported
	}
	return k
}

// mergeLeaf merges the files read from one folder: the kind most files have (the first read on
// a tie) is the folder's; files of other kinds are noted and left out.
func mergeLeaf(read []*readFile, f *folder, r *files.Reader, res *Result) *leaf {
	count := map[string]int{}
	best := ""
	for _, rf := range read {
		if rf.err != nil {
			res.Unreadable = append(res.Unreadable, Unreadable{Location: r.Location(f.path) + path.Base(rf.key), Reason: rf.err.Error()})
			continue
		}
		k := rf.kind.key()
		count[k]++
		if best == "" || count[k] > count[best] {
			best = k
		}
	}
	if best == "" {
		return nil
	}
	l := &leaf{}
	for _, rf := range read {
		if rf.err == nil && rf.kind.key() == best {
			l.kind = rf.kind
			break
		}
	}
	for _, rf := range read {
		if rf.err != nil {
			continue
		}
		if rf.kind.key() != best {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %s is %s, not %s like the rest of its folder; left out",
				r.Location(f.path), path.Base(rf.key), rf.kind.classification, l.kind.classification))
			continue
		}
		l.kind.quoted = l.kind.quoted || rf.kind.quoted
		l.columns = unionColumns(l.columns, rf.columns)
		l.records += rf.file.Records
		l.sampledSize += rf.file.Size
	}
	return l
}

// unionColumns joins two column lists by name: a's order first, then b's new columns; types
// only widen (files.MergeType). Neither input is modified.
func unionColumns(a, b []schema.Column) []schema.Column {
	out := make([]schema.Column, len(a), len(a)+len(b))
	copy(out, a)
	idx := make(map[string]int, len(a))
	for i, c := range out {
		idx[c.Name] = i
	}
	for _, c := range b {
		if i, ok := idx[c.Name]; ok {
			out[i].Type = files.MergeType(out[i].Type, c.Type)
			continue
		}
		idx[c.Name] = len(out)
		c.Position = len(out) + 1
		out = append(out, c)
	}
	return out
}
