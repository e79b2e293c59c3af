// Package schematest helps tests of code that encodes the schema model: Fill sets every field
// of a model value, so that a test comparing two encoders sees every field, including fields
// added to the model later.
package schematest

import (
	"fmt"
	"reflect"
	"time"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// Fill sets every field of the value v points to, recursively, to something that is not empty:
// strings carry characters JSON must escape (quotes, <, &, U+2028, non-ASCII), numbers and
// booleans are set, pointers, slices (two elements) and maps (two keys) are made. Nested
// types (Type.Fields, Type.Elem) stop two levels down.
func Fill(v any) {
	fill(reflect.ValueOf(v).Elem(), 0)
}

func fill(v reflect.Value, nest int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("<s%d & \"q\" \u2028 é>", nest))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(40 + nest))
	case reflect.Pointer:
		if nest > 2 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), nest)
	case reflect.Slice:
		if nest > 2 {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), nest)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range []string{"b", "a<"} {
			val := reflect.New(v.Type().Elem()).Elem()
			fill(val, nest)
			m.SetMapIndex(reflect.ValueOf(k), val)
		}
		v.Set(m)
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeFor[time.Time]():
			v.Set(reflect.ValueOf(time.Date(2026, 5, 6, 7, 8, 9, 10, time.FixedZone("x", 3600))))
			return
		case reflect.TypeFor[schema.Type]():
			nest++
		}
		for i := range v.NumField() {
			fill(v.Field(i), nest)
		}
	default:
		panic(fmt.Sprintf("schematest: Fill does not know %s", v.Type()))
	}
}
