package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

type shapeColumn struct {
	Name string  `json:"Name" aws:"required,len=1:255,pattern=singleline"`
	Type *string `json:"Type" aws:"len=0:20"`
}

type shapeTable struct {
	Name       string            `aws:"required,len=1:10,pattern=/[a-z]+/"`
	Columns    []shapeColumn     `aws:"count=0:3"`
	Keys       []*shapeColumn    `json:"PartitionKeys"`
	Values     []string          `aws:"count=1:2,item.len=1:3"`
	Parameters map[string]string `aws:"count=0:2,key.len=1:3,value.len=0:4"`
	ByName     map[string]shapeColumn
}

type shapeEmbedded struct {
	CatalogId *string `aws:"len=1:5"`
}

type shapeInput struct {
	shapeEmbedded
	DatabaseName string      `aws:"required"`
	Table        *shapeTable `json:"TableInput" aws:"required"`
	MaxResults   *int32      `aws:"range=1:100"`
	Segment      *int        `aws:"required,range=0:"`
	State        string      `aws:"enum=READY|RUNNING"`
	Password     *string     `aws:"sensitive,len=8:"`
	Ignored      string      `json:"-" aws:"required"`
	Untagged     struct{ X string }
}

func TestValidateShape(t *testing.T) {
	str := func(s string) *string { return &s }
	i32 := func(n int32) *int32 { return &n }
	good := func() *shapeInput {
		zero := 0
		return &shapeInput{DatabaseName: "db", Segment: &zero, Table: &shapeTable{
			Name:    "sales",
			Columns: []shapeColumn{{Name: "id", Type: str("int")}},
			Values:  []string{"a"},
		}}
	}
	for _, tc := range []struct {
		name   string
		mutate func(in *shapeInput)
		want   []string // problems; none = valid
	}{
		{"valid", func(*shapeInput) {}, nil},
		{"required top-level and nested", func(in *shapeInput) { in.DatabaseName = ""; in.Table.Name = "" }, []string{
			"Value null at 'databaseName' failed to satisfy constraint: Member must not be null",
			"Value null at 'tableInput.name' failed to satisfy constraint: Member must not be null",
		}},
		{"required struct", func(in *shapeInput) { in.Table = nil }, []string{
			"Value null at 'tableInput' failed to satisfy constraint: Member must not be null",
		}},
		{"length and named pattern", func(in *shapeInput) { in.Table.Name = "Sales_Data_2024" }, []string{
			"Value 'Sales_Data_2024' at 'tableInput.name' failed to satisfy constraint: Member must have length less than or equal to 10",
			"Value 'Sales_Data_2024' at 'tableInput.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
		}},
		{"list of structs uses n.member paths", func(in *shapeInput) {
			in.Table.Columns = append(in.Table.Columns, shapeColumn{Name: "x\ny"}, shapeColumn{})
		}, []string{
			"Value 'x\ny' at 'tableInput.columns.2.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*",
			"Value null at 'tableInput.columns.3.member.name' failed to satisfy constraint: Member must not be null",
		}},
		{"list count", func(in *shapeInput) {
			in.Table.Columns = make([]shapeColumn, 4)
			for i := range in.Table.Columns {
				in.Table.Columns[i].Name = "c"
			}
		}, []string{
			"Value '[4 items]' at 'tableInput.columns' failed to satisfy constraint: Member must have length less than or equal to 3",
		}},
		{"json name and pointer items", func(in *shapeInput) {
			in.Table.Keys = []*shapeColumn{nil, {Name: "k", Type: str(strings.Repeat("x", 21))}}
		}, []string{
			"Value '" + strings.Repeat("x", 21) + "' at 'tableInput.partitionKeys.2.member.type' failed to satisfy constraint: Member must have length less than or equal to 20",
		}},
		{"list items", func(in *shapeInput) { in.Table.Values = []string{"ok", "toolong"} }, []string{
			"Value 'toolong' at 'tableInput.values' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 3]",
		}},
		{"empty list below count", func(in *shapeInput) { in.Table.Values = []string{} }, []string{
			"Value '[0 items]' at 'tableInput.values' failed to satisfy constraint: Member must have length greater than or equal to 1",
		}},
		{"map keys, values and count", func(in *shapeInput) {
			in.Table.Parameters = map[string]string{"": "v", "ok": "12345", "z": ""}
		}, []string{
			"Value '[3 items]' at 'tableInput.parameters' failed to satisfy constraint: Member must have length less than or equal to 2",
			"Value '' at 'tableInput.parameters' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 1]",
			"Value '12345' at 'tableInput.parameters' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 4]",
		}},
		{"map of structs", func(in *shapeInput) { in.Table.ByName = map[string]shapeColumn{"a": {}} }, []string{
			"Value null at 'tableInput.byName.a.name' failed to satisfy constraint: Member must not be null",
		}},
		{"range on optional and required pointers", func(in *shapeInput) { in.MaxResults = i32(0); *in.Segment = -1 }, []string{
			"Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0",
		}},
		{"absent optional pointer is not checked", func(in *shapeInput) { in.MaxResults = nil }, nil},
		{"enum", func(in *shapeInput) { in.State = "DONE" }, []string{
			"Value 'DONE' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [READY, RUNNING]",
		}},
		{"sensitive value is not echoed", func(in *shapeInput) { in.Password = str("secret") }, []string{
			"Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 8",
		}},
		{"embedded struct members are promoted", func(in *shapeInput) { in.CatalogId = str("123456") }, []string{
			"Value '123456' at 'catalogId' failed to satisfy constraint: Member must have length less than or equal to 5",
		}},
		{"length counts UTF-16 units", func(in *shapeInput) { in.Table.Values = []string{"😀😀"} }, []string{
			"Value '😀😀' at 'tableInput.values' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 3]",
		}},
		{"supplementary characters are single-line", func(in *shapeInput) { in.Table.Columns[0].Name = "😀\t" }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.mutate(in)
			err := Validate(in)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var vs *Violations
			if !errors.As(err, &vs) {
				t.Fatalf("got %v, want violations", err)
			}
			if strings.Join(vs.Problems, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(vs.Problems, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestValidateMessage(t *testing.T) {
	err := Validate(&shapeInput{})
	var vs *Violations
	if !errors.As(err, &vs) {
		t.Fatalf("got %v", err)
	}
	e := vs.AsError("InvalidInputException", 400)
	want := "3 validation errors detected: Value null at 'databaseName' failed to satisfy constraint: Member must not be null; " +
		"Value null at 'tableInput' failed to satisfy constraint: Member must not be null; " +
		"Value null at 'segment' failed to satisfy constraint: Member must not be null"
	if e.Code != "InvalidInputException" || e.Status != 400 || e.Message != want {
		t.Fatalf("got %+v\nwant message %s", e, want)
	}
	v := NewValidator("InvalidInputException", 400)
	zero := 0
	v.Shape(&shapeInput{DatabaseName: "db", Table: &shapeTable{Name: "t"}, Segment: &zero})
	v.Fail("partitionValues", "[a]", "Member count must equal the number of partition keys")
	if got := v.Err().Error(); !strings.Contains(got, "1 validation error detected: Value '[a]'") {
		t.Fatalf("Shape then Fail: %s", got)
	}
}

func TestShapeTagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  any
		want string
	}{
		{"len on an int", struct {
			N int `aws:"len=1:2"`
		}{}, "len, enum and pattern need a string"},
		{"range on an optional int", struct {
			N int `aws:"range=1:2"`
		}{}, "range excluding 0 on an optional number needs a pointer"},
		{"unknown pattern", struct {
			S string `aws:"pattern=nope"`
		}{}, `unknown pattern "nope"`},
		{"unterminated inline pattern", struct {
			S string `aws:"pattern=/[a-z]+,len=1:2"`
		}{}, `unknown pattern "/[a-z]+,len=1:2"`},
		{"inline pattern that does not compile", struct {
			S string `aws:"pattern=/[a-z/"`
		}{}, "missing closing ]"},
		{"unknown option", struct {
			S string `aws:"lenght=1:2"`
		}{}, "unknown tag option"},
		{"count on a string", struct {
			S string `aws:"count=1:2"`
		}{}, "count needs a list or a map"},
		{"bad bounds", struct {
			S string `aws:"len=1"`
		}{}, "want MIN:MAX"},
		{"item on a map", struct {
			M map[string]string `aws:"item.len=1:2"`
		}{}, "item.* needs a list"},
		{"required with an argument", struct {
			S string `aws:"required=yes"`
		}{}, "malformed tag option"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.want) {
					t.Fatalf("panic %v, want it to mention %q", r, tc.want)
				}
			}()
			mustCompileShape(reflect.TypeOf(tc.typ))
		})
	}
}

// Inline patterns are the model's text: commas inside them, \u escapes and surrogate-pair ranges
// mean what the model means, and other options may follow them.
func TestInlinePatterns(t *testing.T) {
	type in struct {
		Code  string `aws:"pattern=/[A-Z]{2,3}/,len=2:3"`
		Text  string `aws:"pattern=/[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\t]*/"`
		Slash string `aws:"len=0:9,pattern=/a/b|c/"`
	}
	for _, tc := range []struct {
		name string
		in   in
		want string // "" for valid
	}{
		{"all valid", in{Code: "EUR", Text: "naïve 🦀\t", Slash: "a/b"}, ""},
		{"comma quantifier", in{Code: "EURO"}, "at 'code' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Z]{2,3}"},
		{"length after the pattern", in{Code: "E"}, "Member must have length greater than or equal to 2"},
		{"newline outside the class", in{Code: "EU", Text: "a\nb"}, `Member must satisfy regular expression pattern: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\t]*`},
		{"slash inside the pattern", in{Code: "EU", Slash: "c"}, ""},
		{"anchored", in{Code: "EU", Slash: "xa/b"}, "pattern: a/b|c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(&tc.in)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// TestJSONOpValidates proves the front door checks the shape before the operation runs and
// answers with the service's validation code.
func TestJSONOpValidates(t *testing.T) {
	ran := false
	svc, err := NewJSONService(JSONProtocol{TargetPrefix: "AWSGlue", MessageMember: "Message", ValidationErrorCode: "InvalidInputException"},
		map[string]JSONOperation{"CreateTable": JSONOp(func(ctx context.Context, in *shapeInput) (*struct{}, error) {
			ran = true
			return nil, nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("X-Amz-Target", "AWSGlue.CreateTable")
	_, _, err = svc.Serve(context.Background(), &Request{HTTP: req, Body: []byte(`{"DatabaseName":"db","TableInput":{"Name":"BAD"},"Segment":0}`)})
	var e *Error
	if !errors.As(err, &e) || e.Code != "InvalidInputException" || e.Status != 400 ||
		e.Message != "1 validation error detected: Value 'BAD' at 'tableInput.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+" {
		t.Fatalf("got %v", err)
	}
	if ran {
		t.Fatal("the operation ran on invalid input")
	}
	resp := svc.ErrorResponse(context.Background(), e)
	var body map[string]string
	if err := json.Unmarshal(resp.Body, &body); err != nil || body["__type"] != "InvalidInputException" || body["Message"] == "" {
		t.Fatalf("error body %s", resp.Body)
	}
	_, _, err = svc.Serve(context.Background(), &Request{HTTP: req, Body: []byte(`{"DatabaseName":"db","TableInput":{"Name":"ok"},"Segment":1}`)})
	if err != nil || !ran {
		t.Fatalf("valid input: err %v, ran %v", err, ran)
	}
}

func BenchmarkValidate(b *testing.B) {
	s := "int"
	zero := 0
	in := &shapeInput{DatabaseName: "db", Segment: &zero, Table: &shapeTable{Name: "sales", Values: []string{"a", "b"},
		Columns:    []shapeColumn{{Name: "id", Type: &s}, {Name: "amount", Type: &s}},
		Parameters: map[string]string{"a": "b"}}}
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(in); err != nil {
			b.Fatal(err)
		}
	}
}
