package files

import (
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Every kind of Parquet node maps onto the type name a Glue crawler writes.
func TestParquetTypeNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		node parquet.Node
		want string
	}{
		{"string", parquet.String(), "string"},
		{"enum", parquet.Enum(), "string"},
		{"json", parquet.JSON(), "string"},
		{"uuid", parquet.UUID(), "uuid"},
		{"date", parquet.Date(), "date"},
		{"timestamp", parquet.Timestamp(parquet.Millisecond), "timestamp"},
		{"time", parquet.Time(parquet.Microsecond), "time"},
		{"decimal", parquet.Decimal(2, 10, parquet.Int64Type), "decimal(10,2)"},
		{"int8", parquet.Int(8), "tinyint"},
		{"int16", parquet.Int(16), "smallint"},
		{"int32", parquet.Int(32), "int"},
		{"int64", parquet.Int(64), "bigint"},
		{"boolean", parquet.Leaf(parquet.BooleanType), "boolean"},
		{"plain int32", parquet.Leaf(parquet.Int32Type), "int"},
		{"plain int64", parquet.Leaf(parquet.Int64Type), "bigint"},
		{"int96", parquet.Leaf(parquet.Int96Type), "timestamp"},
		{"float", parquet.Leaf(parquet.FloatType), "float"},
		{"double", parquet.Leaf(parquet.DoubleType), "double"},
		{"bytes", parquet.Leaf(parquet.ByteArrayType), "binary"},
		{"list", parquet.List(parquet.String()), "array<string>"},
		{"map", parquet.Map(parquet.String(), parquet.Int(32)), "map<string,int>"},
		{"struct", parquet.Group{"a": parquet.Int(64), "b": parquet.List(parquet.Date())}, "struct<a:bigint,b:array<date>>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parquetType(tc.node, 0).Declared; got != tc.want {
				t.Errorf("parquetType = %q, want %q", got, tc.want)
			}
		})
	}
}
