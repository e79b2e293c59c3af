package crawler

import (
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// parseHiveType reads a Hive type string (int, decimal(10,2), array<string>,
// struct<a:int,b:map<string,bigint>>) into a schema.Type whose Declared is the string. A string
// it cannot read is an opaque type of that name.
func parseHiveType(s string) schema.Type {
	t, rest, ok := hiveType(strings.TrimSpace(s))
	if !ok || strings.TrimSpace(rest) != "" {
		return schema.Type{Declared: s, Base: s}
	}
	return t
}

func hiveType(s string) (schema.Type, string, bool) {
	i := 0
	for i < len(s) && s[i] != '<' && s[i] != '(' && s[i] != ',' && s[i] != '>' && s[i] != ')' {
		i++
	}
	base := strings.ToLower(strings.TrimSpace(s[:i]))
	rest := s[i:]
	switch {
	case base == "decimal" && strings.HasPrefix(rest, "("):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return schema.Type{}, "", false
		}
		ps, ss, _ := strings.Cut(rest[1:end], ",")
		p, err1 := strconv.Atoi(strings.TrimSpace(ps))
		sc, err2 := strconv.Atoi(strings.TrimSpace(ss))
		if err1 != nil || (ss != "" && err2 != nil) {
			return schema.Type{}, "", false
		}
		decl := "decimal(" + strconv.Itoa(p) + "," + strconv.Itoa(sc) + ")"
		return schema.Type{Declared: decl, Base: "decimal", Precision: &p, Scale: &sc}, rest[end+1:], true
	case strings.HasPrefix(rest, "(") && (base == "char" || base == "varchar"):
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return schema.Type{}, "", false
		}
		return schema.Type{Declared: base + rest[:end+1], Base: base}, rest[end+1:], true
	case base == "array" && strings.HasPrefix(rest, "<"):
		e, r, ok := hiveType(rest[1:])
		if !ok || !strings.HasPrefix(r, ">") {
			return schema.Type{}, "", false
		}
		return schema.Type{Declared: "array<" + e.Declared + ">", Base: "array", Elem: &e}, r[1:], true
	case base == "map" && strings.HasPrefix(rest, "<"):
		k, r, ok := hiveType(rest[1:])
		if !ok || !strings.HasPrefix(r, ",") {
			return schema.Type{}, "", false
		}
		v, r, ok := hiveType(r[1:])
		if !ok || !strings.HasPrefix(r, ">") {
			return schema.Type{}, "", false
		}
		return schema.Type{Declared: "map<" + k.Declared + "," + v.Declared + ">", Base: "map"}, r[1:], true
	case base == "struct" && strings.HasPrefix(rest, "<"):
		r := rest[1:]
		var fields []schema.Column
		for {
			if strings.HasPrefix(r, ">") {
				break
			}
			name, after, ok := strings.Cut(r, ":")
			if !ok {
				return schema.Type{}, "", false
			}
			ft, r2, ok := hiveType(after)
			if !ok {
				return schema.Type{}, "", false
			}
			fields = append(fields, schema.Column{Name: strings.TrimSpace(name), Position: len(fields) + 1, Type: ft})
			r = r2
			if strings.HasPrefix(r, ",") {
				r = r[1:]
			} else if !strings.HasPrefix(r, ">") {
				return schema.Type{}, "", false
			}
		}
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = f.Name + ":" + f.Type.Declared
		}
		return schema.Type{Declared: "struct<" + strings.Join(parts, ",") + ">", Base: "struct", Fields: fields}, r[1:], true
	}
	if base == "" {
		return schema.Type{}, "", false
	}
	return schema.Type{Declared: base, Base: base}, rest, true
}
