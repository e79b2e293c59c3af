package crawler

import (
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// Types a custom CSV classifier may enable (CsvClassifier.CustomDatatypes); the built-in CSV
// classifier only knows boolean, bigint, double and string.
var csvCustomTypes = map[string]string{
	"BINARY": "binary", "BOOLEAN": "boolean", "DATE": "date", "DECIMAL": "decimal", "DOUBLE": "double",
	"FLOAT": "float", "INT": "int", "LONG": "bigint", "SHORT": "smallint", "STRING": "string", "TIMESTAMP": "timestamp",
}

// glueColumns maps columns as the files connector inferred them onto the types Glue's
// classifiers write (glue.md §3.3), names lower-cased:
//   - csv: boolean, bigint, double, string; dates, timestamps and decimals stay string/double
//     unless custom (the CSV classifier's CustomDatatypes) enables them;
//   - json: boolean, int, bigint, double, string, struct<…>, array<…>;
//   - parquet: the footer's types, uuid and time as string.
func glueColumns(format string, cols []schema.Column, custom map[string]bool) []schema.Column {
	out := make([]schema.Column, len(cols))
	for i, c := range cols {
		c.Name = strings.ToLower(c.Name)
		c.Type = glueType(format, c.Type, custom)
		c.Position = i + 1
		out[i] = c
	}
	return out
}

func glueType(format string, t schema.Type, custom map[string]bool) schema.Type {
	switch t.Base {
	case "struct":
		fields := glueColumns(format, t.Fields, custom)
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = f.Name + ":" + f.Type.Declared
		}
		return schema.Type{Declared: "struct<" + strings.Join(parts, ",") + ">", Base: "struct", Fields: fields}
	case "array":
		if t.Elem == nil {
			return named("array<string>", "array")
		}
		e := glueType(format, *t.Elem, custom)
		return schema.Type{Declared: "array<" + e.Declared + ">", Base: "array", Elem: &e}
	case "map":
		return t
	}
	switch format {
	case "csv", "tsv":
		switch t.Base {
		case "boolean", "bigint":
			return t
		case "decimal":
			if custom["DECIMAL"] {
				return named("decimal", "decimal")
			}
			return named("double", "double")
		case "date", "timestamp":
			if custom[strings.ToUpper(t.Base)] {
				return t
			}
		}
		return named("string", "string")
	case "json":
		switch t.Base {
		case "boolean", "int", "bigint", "string":
			return t
		case "decimal":
			return named("double", "double")
		}
		return named("string", "string")
	}
	switch t.Base {
	case "uuid", "time":
		return named("string", "string")
	}
	return t
}

func named(declared, base string) schema.Type { return schema.Type{Declared: declared, Base: base} }
