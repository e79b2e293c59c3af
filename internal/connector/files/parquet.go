package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// parquetSchema reads a Parquet file's schema and row count from its footer only: the magic
// bytes, the footer length and the footer itself. Data pages, page indexes and bloom filters
// are never read.
func parquetSchema(ctx context.Context, o *object) (*fileSchema, error) {
	if o.size < 12 {
		return nil, fmt.Errorf("a Parquet file has at least 12 bytes, this one has %d", o.size)
	}
	f, err := parquet.OpenFile(o.readerAt(ctx), o.size,
		parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(8<<10))
	if err != nil {
		return nil, fmt.Errorf("read Parquet footer: %w", err)
	}
	root := f.Schema()
	cols := make([]schema.Column, 0, len(root.Fields()))
	for i, fld := range root.Fields() {
		cols = append(cols, parquetColumn(fld, i+1, 0))
	}
	rows := f.NumRows()
	opts := map[string]string{"format": "parquet"}
	if md := f.Metadata(); len(md.RowGroups) > 0 && len(md.RowGroups[0].Columns) > 0 {
		if c := md.RowGroups[0].Columns[0].MetaData.Codec; c != format.Uncompressed {
			opts["compression"] = strings.ToLower(c.String())
		}
	}
	return &fileSchema{format: "parquet", options: opts, cols: cols, rows: &rows}, nil
}

func parquetColumn(f parquet.Field, pos, depth int) schema.Column {
	t := parquetType(f, depth)
	if f.Repeated() {
		// A repeated field without a LIST annotation is a list of its type.
		elem := t
		t = schema.Type{Declared: "array<" + elem.Declared + ">", Base: "array", Elem: &elem}
	}
	return schema.Column{Name: f.Name(), Position: pos, Type: t, Nullable: f.Optional()}
}

// parquetType maps a node's logical (or converted, or physical) type onto Glue's names.
func parquetType(n parquet.Node, depth int) schema.Type {
	if depth > maxDepth {
		return simple("string")
	}
	if !n.Leaf() {
		return parquetGroup(n, depth)
	}
	typ := n.Type()
	if t, ok := logicalType(typ.LogicalType()); ok {
		return t
	}
	if t, ok := convertedType(typ.ConvertedType()); ok {
		return t
	}
	return physicalType(typ.Kind())
}

// parquetGroup maps a group node: a LIST, a MAP, or else a struct of its fields.
func parquetGroup(n parquet.Node, depth int) schema.Type {
	lt, ct := n.Type().LogicalType(), n.Type().ConvertedType()
	switch {
	case isLogical[*format.ListType](lt) || (ct != nil && *ct == deprecated.List):
		// LIST: group { repeated group list { element } } (or a legacy two-level form).
		elem := simple("string")
		if fs := n.Fields(); len(fs) == 1 {
			inner := fs[0]
			if !inner.Leaf() && len(inner.Fields()) == 1 {
				elem = parquetType(inner.Fields()[0], depth+1)
			} else {
				elem = parquetType(inner, depth+1)
			}
		}
		return schema.Type{Declared: "array<" + elem.Declared + ">", Base: "array", Elem: &elem}
	case isLogical[*format.MapType](lt) || (ct != nil && (*ct == deprecated.Map || *ct == deprecated.MapKeyValue)):
		key, val := simple("string"), simple("string")
		if fs := n.Fields(); len(fs) == 1 && len(fs[0].Fields()) == 2 {
			key, val = parquetType(fs[0].Fields()[0], depth+1), parquetType(fs[0].Fields()[1], depth+1)
		}
		entry := schema.Type{Declared: "struct<key:" + key.Declared + ",value:" + val.Declared + ">", Base: "struct",
			Fields: []schema.Column{{Name: "key", Position: 1, Type: key}, {Name: "value", Position: 2, Type: val, Nullable: true}}}
		return schema.Type{Declared: "map<" + key.Declared + "," + val.Declared + ">", Base: "map", Elem: &entry}
	}
	fields := n.Fields()
	cols := make([]schema.Column, len(fields))
	parts := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = parquetColumn(f, i+1, depth+1)
		parts[i] = f.Name() + ":" + cols[i].Type.Declared
	}
	return schema.Type{Declared: "struct<" + strings.Join(parts, ",") + ">", Base: "struct", Fields: cols}
}

// logicalType maps a leaf's logical type, when it has one Glue names.
func logicalType(lt *format.LogicalType) (schema.Type, bool) {
	if lt == nil {
		return schema.Type{}, false
	}
	switch v := lt.Value.(type) {
	case *format.StringType, *format.EnumType, *format.JsonType:
		return simple("string"), true
	case *format.UUIDType:
		return simple("uuid"), true
	case *format.DateType:
		return simple("date"), true
	case *format.TimestampType:
		return simple("timestamp"), true
	case *format.TimeType:
		return simple("time"), true
	case *format.DecimalType:
		p, s := int(v.Precision), int(v.Scale)
		return schema.Type{Declared: fmt.Sprintf("decimal(%d,%d)", p, s), Base: "decimal", Precision: &p, Scale: &s}, true
	case *format.IntType:
		switch v.BitWidth {
		case 8:
			return simple("tinyint"), true
		case 16:
			return simple("smallint"), true
		case 32:
			return simple("int"), true
		}
		return simple("bigint"), true
	case *format.BsonType:
		return simple("binary"), true
	}
	return schema.Type{}, false
}

// convertedType maps a leaf's (deprecated) converted type, when it has one Glue names.
func convertedType(ct *deprecated.ConvertedType) (schema.Type, bool) {
	if ct == nil {
		return schema.Type{}, false
	}
	switch *ct {
	case deprecated.UTF8, deprecated.Enum, deprecated.Json:
		return simple("string"), true
	case deprecated.Date:
		return simple("date"), true
	case deprecated.TimestampMillis, deprecated.TimestampMicros:
		return simple("timestamp"), true
	}
	return schema.Type{}, false
}

// physicalType maps a leaf by its physical type alone.
func physicalType(k parquet.Kind) schema.Type {
	switch k {
	case parquet.Boolean:
		return simple("boolean")
	case parquet.Int32:
		return simple("int")
	case parquet.Int64:
		return simple("bigint")
	case parquet.Int96:
		return simple("timestamp")
	case parquet.Float:
		return simple("float")
	case parquet.Double:
		return simple("double")
	}
	return simple("binary")
}

func simple(name string) schema.Type { return schema.Type{Declared: name, Base: name} }

func isLogical[T format.LogicalTypeValue](lt *format.LogicalType) bool {
	if lt == nil {
		return false
	}
	_, ok := lt.Value.(T)
	return ok
}
