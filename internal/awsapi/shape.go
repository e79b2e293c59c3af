package awsapi

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A Pattern is a model pattern: Model is the text AWS prints in messages, Match decides.
type Pattern struct {
	Model string
	Match func(string) bool
}

// namedPatterns are the model patterns common to many services, by the names tags use for them:
// the name and description patterns.
var namedPatterns = map[string]string{
	"singleline": `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*`,
	"multiline":  `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`,
}

var shapeCache sync.Map // reflect.Type → *shapeRules

// surrogateRange is how the models spell "any character outside the Basic Multilingual Plane":
// a range of UTF-16 surrogate pairs, which Go's regexp reads as runes.
const surrogateRange = `\uD800\uDC00-\uDBFF\uDFFF`

// compilePattern makes the matcher of a model pattern (anchored, as the models mean them). Go's
// regexp has no lookahead and no \u escapes: \uXXXX becomes \x{XXXX} and the surrogate-pair
// range becomes the runes it stands for.
func compilePattern(model string) (Pattern, error) {
	expr := strings.ReplaceAll(model, surrogateRange, `\x{10000}-\x{10FFFF}`)
	expr = unicodeEscape.ReplaceAllString(expr, `\x{$1}`)
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return Pattern{}, fmt.Errorf("pattern %q: %w", model, err)
	}
	return Pattern{Model: model, Match: re.MatchString}, nil
}

var unicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// Violations is the error Validate returns: the problems found, in member order, each in AWS's
// words. A protocol turns it into its service's validation error (JSONProtocol.
// ValidationErrorCode, RESTProtocol.ValidationErrorCode); AsError does it by hand.
type Violations struct{ Problems []string }

func (v *Violations) Error() string { return v.message() }

func (v *Violations) message() string {
	if len(v.Problems) == 1 {
		return "1 validation error detected: " + v.Problems[0]
	}
	return fmt.Sprintf("%d validation errors detected: %s", len(v.Problems), strings.Join(v.Problems, "; "))
}

// AsError returns the violations as the service's validation error.
func (v *Violations) AsError(code string, status int) *Error {
	return &Error{Code: code, Status: status, Message: v.message()}
}

// Validate checks in (a struct or a pointer to one) against the constraints its type declares
// in `aws` tags and returns nil or a *Violations. An operation's input struct declares the model's constraints in `aws`
// struct tags, and the front door checks them before the operation function runs (JSONOp does
// it for every awsJson1.1 operation; a restJson1 handler calls RESTRequest.DecodeShape). The
// operation function then deals only with meaning (does the database exist?), never with
// lengths, patterns or enums:
//
//	type CreateDatabaseInput struct {
//		CatalogId     *string        `aws:"len=1:255,pattern=singleline"`
//		DatabaseInput *DatabaseInput `aws:"required"`
//		Tags          map[string]string `aws:"count=0:50,key.len=1:128,value.len=0:256"`
//	}
//	type DatabaseInput struct {
//		Name        string            `aws:"required,len=1:255,pattern=singleline"`
//		Description *string           `aws:"len=0:2048,pattern=multiline"`
//		Parameters  map[string]string `aws:"key.len=1:255,key.pattern=singleline,value.len=0:512000"`
//	}
//
//	"CreateDatabase": awsapi.JSONOp(f.CreateDatabase), // JSONProtocol.ValidationErrorCode: "InvalidInputException"
//
// A violation reads as AWS prints it, member paths in lowerCamelCase with list items as
// `<list>.<n>.member`:
//
//	1 validation error detected: Value null at 'databaseInput.name' failed to satisfy
//	constraint: Member must not be null
//
// Tag options, comma separated (the json tag names the member; nested structs, pointers to
// structs, lists of structs and maps of structs are checked recursively):
//
//	required          not nil (pointer, list, map) / not "" (string)
//	len=MIN:MAX       string length in UTF-16 units, as AWS counts; MAX may be empty (no maximum)
//	count=MIN:MAX     number of items of a list or map
//	range=MIN:MAX     integer value; either bound may be empty. An optional number whose range
//	                  excludes 0 must be a pointer, so that an absent member is not taken for 0
//	enum=A|B|C        string (or list/map element) must be one of the values
//	pattern=/REGEX/   the model's pattern as the model writes it (\uXXXX escapes, surrogate-pair
//	                  ranges), anchored; it runs to a "/" followed by a comma or the tag's end
//	pattern=NAME      a common one: singleline, multiline (the model's `[\u0020-\uD7FF...]*`
//	                  name and description patterns)
//	sensitive         the value is never echoed in messages
//	item.<opt>        len, enum, pattern or range applied to each element of a list
//	key.<opt>         len, enum or pattern applied to each key of a map
//	value.<opt>       len, enum, pattern or range applied to each value of a map
//
// Constraints are compiled once per type; a malformed tag panics when the operation is built
// (JSONOp), so it shows in the first test, never in a request.
func Validate(in any) error {
	rv := reflect.ValueOf(in)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil
	}
	v := &Validator{}
	mustCompileShape(rv.Type()).check(v, "", rv)
	if len(v.problems) == 0 {
		return nil
	}
	return &Violations{Problems: v.problems}
}

// Shape adds the violations of in's declared constraints to v, so that an operation's own
// checks and the shape's come back in one message.
func (v *Validator) Shape(in any) {
	var vs *Violations
	if errors.As(Validate(in), &vs) {
		v.problems = append(v.problems, vs.Problems...)
	}
}

// asValidationError turns *Violations into the service's validation error; other errors pass.
func asValidationError(err error, code string) error {
	var vs *Violations
	if code != "" && errors.As(err, &vs) {
		return vs.AsError(code, http.StatusBadRequest)
	}
	return err
}

// shapeRules are the compiled constraints of one struct type.
type shapeRules struct {
	fields []fieldRule
}

// fieldRule checks one member.
type fieldRule struct {
	index     []int
	name      string // lowerCamelCase path segment
	required  bool
	sensitive bool
	scalar    scalarRule // on the member itself (string or number)
	count     *bounds    // list or map items
	item      scalarRule // each list element
	key       scalarRule // each map key
	value     scalarRule // each map value
	nested    *shapeRules
	nestedIn  byte // 0 = no nesting, 's' = the member, 'l' = list items, 'm' = map values
}

// scalarRule is what applies to one string or number.
type scalarRule struct {
	length  *bounds
	rng     *bounds
	enum    []string
	pattern *Pattern
}

func (b *bounds) includesZero() bool {
	return (!b.hasMin || b.min <= 0) && (!b.hasMax || b.max >= 0)
}

func (r scalarRule) empty() bool {
	return r.length == nil && r.rng == nil && r.enum == nil && r.pattern == nil
}

type bounds struct {
	min, max       int64
	hasMin, hasMax bool
}

func mustCompileShape(t reflect.Type) *shapeRules {
	r, err := compileShape(t)
	if err != nil {
		panic("awsapi: " + err.Error())
	}
	return r
}

// compileShape returns t's rules, compiled once. A struct that declares nothing, directly or
// in its members, has nil rules.
func compileShape(t reflect.Type) (*shapeRules, error) {
	if r, ok := shapeCache.Load(t); ok {
		return r.(*shapeRules), nil
	}
	r, err := compileStruct(t, map[reflect.Type]bool{})
	if err != nil {
		return nil, err
	}
	shapeCache.Store(t, r)
	return r, nil
}

func compileStruct(t reflect.Type, visiting map[reflect.Type]bool) (*shapeRules, error) {
	if visiting[t] {
		return nil, fmt.Errorf("shape %s is recursive", t)
	}
	visiting[t] = true
	defer delete(visiting, t)
	r := &shapeRules{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && derefStruct(f.Type) != nil {
			continue // an embedded struct's members are visited as promoted fields
		}
		fr, err := compileField(f, visiting)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		if fr != nil {
			r.fields = append(r.fields, *fr)
		}
	}
	if len(r.fields) == 0 {
		return nil, nil
	}
	return r, nil
}

// memberName is the member's wire name with its first letter lower-cased, as AWS prints paths.
func memberName(f reflect.StructField) (string, bool) {
	name := f.Name
	if tag, ok := f.Tag.Lookup("json"); ok {
		n, _, _ := strings.Cut(tag, ",")
		if n == "-" {
			return "", false
		}
		if n != "" {
			name = n
		}
	}
	return strings.ToLower(name[:1]) + name[1:], true
}

func compileField(f reflect.StructField, visiting map[reflect.Type]bool) (*fieldRule, error) {
	name, ok := memberName(f)
	if !ok {
		return nil, nil
	}
	fr := &fieldRule{index: f.Index, name: name}
	if err := parseTag(fr, f.Tag.Get("aws")); err != nil {
		return nil, err
	}
	t := f.Type
	elem := t
	if t.Kind() == reflect.Pointer {
		elem = t.Elem()
	}
	if err := checkKinds(fr, t); err != nil {
		return nil, err
	}
	var err error
	switch {
	case elem.Kind() == reflect.Struct:
		fr.nested, err = compileStruct(elem, visiting)
		fr.nestedIn = 's'
	case t.Kind() == reflect.Slice && derefStruct(t.Elem()) != nil:
		fr.nested, err = compileStruct(derefStruct(t.Elem()), visiting)
		fr.nestedIn = 'l'
	case t.Kind() == reflect.Map && derefStruct(t.Elem()) != nil:
		fr.nested, err = compileStruct(derefStruct(t.Elem()), visiting)
		fr.nestedIn = 'm'
	}
	if err != nil {
		return nil, err
	}
	if fr.nested == nil {
		fr.nestedIn = 0
	}
	if !fr.required && fr.count == nil && fr.scalar.empty() && fr.item.empty() && fr.key.empty() &&
		fr.value.empty() && fr.nested == nil {
		return nil, nil
	}
	return fr, nil
}

func derefStruct(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		return t
	}
	return nil
}

// checkKinds refuses options that cannot apply to the member's Go type.
func checkKinds(fr *fieldRule, t reflect.Type) error {
	base := t
	if t.Kind() == reflect.Pointer {
		base = t.Elem()
	}
	if fr.required && !nullable(t) && t.Kind() != reflect.String {
		return errors.New("required needs a pointer, list, map or string")
	}
	if fr.count != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Map {
		return errors.New("count needs a list or a map")
	}
	if !fr.item.empty() && t.Kind() != reflect.Slice {
		return errors.New("item.* needs a list")
	}
	if (!fr.key.empty() || !fr.value.empty()) && t.Kind() != reflect.Map {
		return errors.New("key.* and value.* need a map")
	}
	if err := checkScalar(fr.scalar, base, t.Kind() == reflect.Pointer || fr.required); err != nil {
		return err
	}
	if t.Kind() == reflect.Slice {
		if err := checkScalar(fr.item, t.Elem(), true); err != nil {
			return fmt.Errorf("item: %w", err)
		}
	}
	if t.Kind() == reflect.Map {
		if err := checkScalar(fr.key, t.Key(), true); err != nil {
			return fmt.Errorf("key: %w", err)
		}
		if err := checkScalar(fr.value, t.Elem(), true); err != nil {
			return fmt.Errorf("value: %w", err)
		}
	}
	return nil
}

func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return false
}

func checkScalar(r scalarRule, t reflect.Type, present bool) error {
	if (r.length != nil || r.enum != nil || r.pattern != nil) && t.Kind() != reflect.String {
		return fmt.Errorf("len, enum and pattern need a string, not %s", t)
	}
	if r.rng != nil {
		if !isInt(t.Kind()) {
			return fmt.Errorf("range needs an integer, not %s", t)
		}
		if !present && !r.rng.includesZero() {
			return errors.New("range excluding 0 on an optional number needs a pointer")
		}
	}
	return nil
}

func isInt(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// parseTag reads the `aws` options into fr.
func parseTag(fr *fieldRule, tag string) error {
	if tag == "" {
		return nil
	}
	for _, opt := range splitTag(tag) {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(opt), "=")
		target := &fr.scalar
		if prefix, rest, ok := strings.Cut(name, "."); ok {
			switch prefix {
			case "item":
				target = &fr.item
			case "key":
				target = &fr.key
			case "value":
				target = &fr.value
			default:
				return fmt.Errorf("unknown tag option %q", opt)
			}
			name = rest
		}
		flag := name == "required" || name == "sensitive"
		if hasArg == flag || flag && target != &fr.scalar {
			return fmt.Errorf("malformed tag option %q", opt)
		}
		var err error
		switch name {
		case "required":
			fr.required = true
		case "sensitive":
			fr.sensitive = true
		case "len":
			target.length, err = parseBounds(arg)
		case "range":
			target.rng, err = parseBounds(arg)
		case "count":
			if target != &fr.scalar {
				return fmt.Errorf("count applies to the member, not %q", opt)
			}
			fr.count, err = parseBounds(arg)
		case "enum":
			target.enum = strings.Split(arg, "|")
		case "pattern":
			model, ok := namedPatterns[arg]
			if inline, found := strings.CutPrefix(arg, "/"); found {
				model, ok = strings.TrimSuffix(inline, "/"), strings.HasSuffix(inline, "/") && len(inline) > 1
			}
			if !ok {
				return fmt.Errorf("unknown pattern %q (write the model's pattern as /REGEX/, or use singleline or multiline)", arg)
			}
			p, err := compilePattern(model)
			if err != nil {
				return err
			}
			target.pattern = &p
		default:
			return fmt.Errorf("unknown tag option %q", opt)
		}
		if err != nil {
			return fmt.Errorf("tag option %q: %w", opt, err)
		}
	}
	return nil
}

// splitTag splits the options of a tag at its commas, except inside an inline pattern
// (pattern=/.../, which runs to a "/" followed by a comma or the end of the tag).
func splitTag(tag string) []string {
	var opts []string
	for tag != "" {
		end := strings.IndexByte(tag, ',')
		if _, rest, ok := strings.Cut(tag, "="); ok && strings.HasPrefix(rest, "/") && (end < 0 || strings.Index(tag, "=") < end) {
			start := len(tag) - len(rest) + 1
			end = -1
			for i := start; i < len(tag); i++ {
				if tag[i] == '/' && (i+1 == len(tag) || tag[i+1] == ',') {
					end = i + 1
					break
				}
			}
			if end == len(tag) {
				end = -1
			}
		}
		if end < 0 {
			return append(opts, tag)
		}
		opts = append(opts, tag[:end])
		tag = tag[end+1:]
	}
	return opts
}

func parseBounds(s string) (*bounds, error) {
	lo, hi, ok := strings.Cut(s, ":")
	if !ok {
		return nil, errors.New("want MIN:MAX")
	}
	b := &bounds{}
	var err error
	if lo != "" {
		if b.min, err = strconv.ParseInt(lo, 10, 64); err != nil {
			return nil, err
		}
		b.hasMin = true
	}
	if hi != "" {
		if b.max, err = strconv.ParseInt(hi, 10, 64); err != nil {
			return nil, err
		}
		b.hasMax = true
	}
	return b, nil
}

// check walks the value of a struct with these rules; prefix is the member path so far.
func (r *shapeRules) check(v *Validator, prefix string, rv reflect.Value) {
	if r == nil {
		return
	}
	for i := range r.fields {
		fr := &r.fields[i]
		fv, ok := fieldByIndex(rv, fr.index)
		if !ok {
			continue
		}
		fr.check(v, prefix+fr.name, fv)
	}
}

// fieldByIndex is FieldByIndex that stops at a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func (fr *fieldRule) check(v *Validator, path string, fv reflect.Value) {
	if isAbsent(fv) {
		if fr.required {
			v.Required(path, false)
		}
		return
	}
	if fv.Kind() == reflect.Pointer {
		fv = fv.Elem()
	}
	fr.scalar.check(v, path, fv, fr.sensitive, "")
	switch fv.Kind() {
	case reflect.Slice:
		if fr.count != nil {
			fr.count.checkCount(v, path, fv.Len())
		}
		if fr.item.empty() && fr.nestedIn != 'l' {
			return
		}
		for i := 0; i < fv.Len(); i++ {
			el := fv.Index(i)
			fr.item.check(v, path, el, fr.sensitive, "Member must satisfy constraint: ")
			if fr.nestedIn == 'l' && !isAbsent(el) {
				fr.nested.check(v, fmt.Sprintf("%s.%d.member.", path, i+1), reflect.Indirect(el))
			}
		}
	case reflect.Map:
		if fr.count != nil {
			fr.count.checkCount(v, path, fv.Len())
		}
		if fr.key.empty() && fr.value.empty() && fr.nestedIn != 'm' {
			return
		}
		keys := fv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			fr.key.check(v, path, k, fr.sensitive, "Map keys must satisfy constraint: ")
			val := fv.MapIndex(k)
			fr.value.check(v, path, val, fr.sensitive, "Map value must satisfy constraint: ")
			if fr.nestedIn == 'm' && !isAbsent(val) {
				fr.nested.check(v, fmt.Sprintf("%s.%v.", path, k), reflect.Indirect(val))
			}
		}
	case reflect.Struct:
		if fr.nestedIn == 's' {
			fr.nested.check(v, path+".", fv)
		}
	}
}

// isAbsent reports a member the client did not send: nil, or an empty non-pointer string.
func isAbsent(fv reflect.Value) bool {
	switch fv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return fv.IsNil()
	case reflect.String:
		return fv.Len() == 0
	}
	return false
}

// check applies r to one string or integer. wrap, when set, is how AWS words a constraint on
// an element ("Member must satisfy constraint: [...]").
func (r scalarRule) check(v *Validator, path string, x reflect.Value, sensitive bool, wrap string) {
	if r.empty() {
		return
	}
	var failed []string
	switch x.Kind() {
	case reflect.String:
		s := x.String()
		if r.length != nil {
			n := int64(utf16Len(s))
			if r.length.hasMin && n < r.length.min {
				failed = append(failed, fmt.Sprintf("Member must have length greater than or equal to %d", r.length.min))
			}
			if r.length.hasMax && n > r.length.max {
				failed = append(failed, fmt.Sprintf("Member must have length less than or equal to %d", r.length.max))
			}
		}
		if r.enum != nil && !contains(r.enum, s) {
			failed = append(failed, "Member must satisfy enum value set: ["+strings.Join(r.enum, ", ")+"]")
		}
		if r.pattern != nil && !r.pattern.Match(s) {
			failed = append(failed, "Member must satisfy regular expression pattern: "+r.pattern.Model)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if r.rng != nil {
			n := x.Int()
			if r.rng.hasMin && n < r.rng.min {
				failed = append(failed, fmt.Sprintf("Member must have value greater than or equal to %d", r.rng.min))
			}
			if r.rng.hasMax && n > r.rng.max {
				failed = append(failed, fmt.Sprintf("Member must have value less than or equal to %d", r.rng.max))
			}
		}
	}
	if len(failed) == 0 {
		return
	}
	value := fmt.Sprint(x.Interface())
	if sensitive {
		v.Sensitive(path)
	}
	if wrap != "" {
		v.Fail(path, value, wrap+"["+strings.Join(failed, ", ")+"]")
		return
	}
	for _, c := range failed {
		v.Fail(path, value, c)
	}
}

func (b *bounds) checkCount(v *Validator, path string, n int) {
	max := -1
	if b.hasMax {
		max = int(b.max)
	}
	min := 0
	if b.hasMin {
		min = int(b.min)
	}
	v.Count(path, n, min, max)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
