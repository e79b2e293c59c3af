package crawler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/connector/files"
	"github.com/surveyorhq/surveyor/internal/schema"
)

// Table is one table a crawl found, described as a Glue crawler writes it. Column types are
// Hive type strings (schema.Type.Declared).
type Table struct {
	Name     string
	Location string
	Columns  []schema.Column
	// PartitionKeys are all of Hive type string.
	PartitionKeys []string
	// Parameters are the table's (and its storage descriptor's) parameters.
	Parameters map[string]string
	Storage    Storage
	Partitions []Partition
	// Skipped is true when the crawl did not read the table's folders (CRAWL_NEW_FOLDERS_ONLY):
	// it is known to exist, not re-described.
	Skipped bool
	// TypeOfData is "file" or "table" (JDBC).
	TypeOfData string
	// Description is the table comment (JDBC with EnableAdditionalMetadata COMMENTS).
	Description string
	// RawTypes are the columns' native types (JDBC with RAWTYPES), kept as the column
	// parameter raw_type.
	RawTypes map[string]string
}

// Storage is the storage descriptor's format part.
type Storage struct {
	InputFormat          string
	OutputFormat         string
	SerializationLibrary string
	SerdeParameters      map[string]string
	Compressed           bool
}

// Partition is one leaf folder of a partitioned table.
type Partition struct {
	Values     []string
	Location   string
	Columns    []schema.Column
	Parameters map[string]string
	Skipped    bool
}

// Hive formats and serdes a crawler writes.
const (
	textInput       = "org.apache.hadoop.mapred.TextInputFormat"
	textOutput      = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
	lazySimpleSerde = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
	openCSVSerde    = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
	jsonSerde       = "org.openx.data.jsonserde.JsonSerDe"
	parquetInput    = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	parquetOutput   = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
	parquetSerde    = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
)

// MaxTableName is the longest table name a crawler writes.
const MaxTableName = 128

// SanitizeName makes a Glue table name: lower case, every character outside [a-z0-9_]
// replaced by '_'.
func SanitizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// TableName is prefix + the sanitised name, at most MaxTableName characters.
func TableName(prefix, name string) string {
	n := prefix + SanitizeName(name)
	if len(n) > MaxTableName {
		n = n[:MaxTableName]
	}
	return n
}

// ClashName is the name a table gets when name is taken by another location: name plus '_'
// and 8 hex digits of a hash of the location, within MaxTableName.
func ClashName(name, location string) string {
	sum := sha256.Sum256([]byte(location))
	suffix := "_" + hex.EncodeToString(sum[:4])
	if len(name)+len(suffix) > MaxTableName {
		name = name[:MaxTableName-len(suffix)]
	}
	return name + suffix
}

// lastSegment is the table name of data at the include path itself: its last folder, or the
// bucket at a bucket's root.
func lastSegment(p string) string {
	p = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(p, "s3://"), "file://"), "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// buildTables describes each unit as the table a crawler writes.
func buildTables(r *files.Reader, t FileTarget, units []*unit, o Options) []Table {
	var out []Table
	used := map[string]bool{}
	for _, u := range units {
		name := u.root.name
		if u.root.path == "" {
			name = lastSegment(t.Path)
		}
		tb := fileTable(r, t, u)
		tb.Name = TableName(o.TablePrefix, name)
		if used[tb.Name] {
			tb.Name = ClashName(tb.Name, tb.Location)
		}
		used[tb.Name] = true
		out = append(out, tb)
	}
	return out
}

func fileTable(r *files.Reader, t FileTarget, u *unit) Table {
	keys, vals := partitionKeys(u)
	have := map[string]bool{}
	for _, c := range u.columns {
		have[c.Name] = true
	}
	for i, k := range keys {
		if have[k] {
			keys[i] = fmt.Sprintf("partition_%d", i) // a data column has the key's name
		}
	}
	tb := Table{Location: r.Location(u.root.path), Columns: u.columns, PartitionKeys: keys, Storage: storageOf(u.kind, u.columns),
		Skipped: u.skipped, TypeOfData: "file"}
	var objects, size, records int64
	for i, p := range u.parts {
		l := p.leaf.leaf
		objects, size, records = objects+l.objects, size+l.size, records+l.records
		if len(keys) == 0 {
			continue
		}
		cols := l.columns
		if cols == nil {
			cols = u.columns // a skipped folder keeps the table's columns
		}
		tb.Partitions = append(tb.Partitions, Partition{Values: vals[i], Location: r.Location(p.leaf.path), Columns: cols,
			Parameters: fileParameters(u.kind, l.objects, l.size, l.records, nil), Skipped: l.skipped})
	}
	tb.Parameters = fileParameters(u.kind, objects, size, records, t.Exclusions)
	return tb
}

// fileParameters are the parameters a crawler writes on a file table or partition.
func fileParameters(k kind, objects, size, records int64, exclusions []string) map[string]string {
	p := map[string]string{
		"classification": k.classification,
		"typeOfData":     "file",
		"objectCount":    strconv.FormatInt(objects, 10),
		"sizeKey":        strconv.FormatInt(size, 10),
		"recordCount":    strconv.FormatInt(records, 10),
	}
	if records > 0 {
		p["averageRecordSize"] = strconv.FormatInt(size/records, 10)
	} else {
		p["averageRecordSize"] = "0"
	}
	if k.classification != "parquet" {
		p["compressionType"] = k.compression
	}
	if k.classification == "csv" {
		p["delimiter"] = k.delimiter
		p["areColumnsQuoted"] = strconv.FormatBool(k.quoted)
		p["columnsOrdered"] = "true"
		if k.header {
			p["skip.header.line.count"] = "1"
		}
	}
	if len(exclusions) > 0 {
		b, _ := json.Marshal(exclusions)
		p["exclusions"] = string(b)
	}
	return p
}

// storageOf is the storage descriptor's formats and serde for a kind of data.
func storageOf(k kind, cols []schema.Column) Storage {
	s := Storage{Compressed: k.compression != "none"}
	switch k.classification {
	case "csv":
		s.InputFormat, s.OutputFormat = textInput, textOutput
		open := k.serde == "OpenCSVSerDe" || (k.quoted && k.serde != "LazySimpleSerDe")
		if open {
			s.SerializationLibrary = openCSVSerde
			s.SerdeParameters = map[string]string{"separatorChar": k.delimiter, "quoteChar": `"`}
		} else {
			s.SerializationLibrary = lazySimpleSerde
			s.SerdeParameters = map[string]string{"field.delim": k.delimiter}
		}
	case "json":
		s.InputFormat, s.OutputFormat, s.SerializationLibrary = textInput, textOutput, jsonSerde
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
		}
		slices.Sort(names)
		s.SerdeParameters = map[string]string{"paths": strings.Join(names, ",")}
	case "parquet":
		s.InputFormat, s.OutputFormat, s.SerializationLibrary = parquetInput, parquetOutput, parquetSerde
		s.SerdeParameters = map[string]string{"serialization.format": "1"}
	}
	return s
}
