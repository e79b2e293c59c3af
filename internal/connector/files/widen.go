package files

import (
	"fmt"
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// intRank orders the integer types by width.
var intRank = map[string]int{"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4}

// intDigits is how many decimal digits an integer type needs.
var intDigits = map[string]int{"tinyint": 3, "smallint": 5, "int": 10, "bigint": 19}

// MergeType is the narrowest type that holds the values of both a and b, in the connector's type
// names: equal types stay; integers widen to the wider integer; integers and floating point
// widen to double; decimals to a decimal holding both; date and timestamp to timestamp; structs
// merge their fields by name and lists their elements; anything else becomes string. The result
// never narrows either side, so merging is stable however often it is repeated.
func MergeType(a, b schema.Type) schema.Type {
	if a.Declared == b.Declared {
		return a
	}
	ab, bb := a.Base, b.Base
	switch {
	case intRank[ab] > 0 && intRank[bb] > 0:
		if intRank[ab] >= intRank[bb] {
			return a
		}
		return b
	case isFloat(ab) && isFloat(bb), isFloat(ab) && intRank[bb] > 0, intRank[ab] > 0 && isFloat(bb):
		return simple("double")
	case ab == "decimal" && bb == "decimal", ab == "decimal" && intRank[bb] > 0, intRank[ab] > 0 && bb == "decimal":
		return mergeDecimal(a, b)
	case isFloat(ab) && bb == "decimal", ab == "decimal" && isFloat(bb):
		return simple("double")
	case (ab == "date" || ab == "timestamp") && (bb == "date" || bb == "timestamp"):
		return simple("timestamp")
	case ab == "struct" && bb == "struct":
		fields := mergeColumns(cloneColumns(a.Fields), cloneColumns(b.Fields))
		return structType(fields)
	case ab == "array" && bb == "array" && a.Elem != nil && b.Elem != nil:
		e := MergeType(*a.Elem, *b.Elem)
		return schema.Type{Declared: "array<" + e.Declared + ">", Base: "array", Elem: &e}
	}
	return simple("string")
}

func isFloat(base string) bool { return base == "float" || base == "double" }

// mergeDecimal keeps the larger scale and the larger count of integer digits (at most 38
// digits in all). A bare "decimal" (inferred from text) stays bare.
func mergeDecimal(a, b schema.Type) schema.Type {
	digits := func(t schema.Type) (int, int, bool) {
		if d, ok := intDigits[t.Base]; ok {
			return d, 0, true
		}
		if t.Precision == nil || t.Scale == nil {
			return 0, 0, false
		}
		return *t.Precision - *t.Scale, *t.Scale, true
	}
	ai, as, aok := digits(a)
	bi, bs, bok := digits(b)
	if !aok || !bok {
		return simple("decimal")
	}
	s := max(as, bs)
	p := min(38, max(ai, bi)+s)
	return schema.Type{Declared: fmt.Sprintf("decimal(%d,%d)", p, s), Base: "decimal", Precision: &p, Scale: &s}
}

func structType(fields []schema.Column) schema.Type {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Name + ":" + f.Type.Declared
	}
	return schema.Type{Declared: "struct<" + strings.Join(parts, ",") + ">", Base: "struct", Fields: fields}
}

func cloneColumns(cs []schema.Column) []schema.Column {
	out := make([]schema.Column, len(cs))
	copy(out, cs)
	return out
}
