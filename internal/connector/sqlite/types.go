package sqlite

import (
	"strconv"
	"strings"

	"github.com/surveyorhq/surveyor/internal/schema"
)

// parseType reads a declared column type such as "VARCHAR(20)", "DECIMAL(10,2)" or
// "UNSIGNED BIG INT". SQLite keeps the declaration as written; Base is its first word in lower
// case ("unsigned" is read as a flag, not a base), one number in parentheses is a precision for
// numeric types and a length otherwise, two numbers are a precision and a scale.
func parseType(declared string) schema.Type {
	t := schema.Type{Declared: declared}
	head, args, hasArgs := strings.Cut(declared, "(")
	words := strings.Fields(strings.ToLower(head))
	if len(words) > 0 && words[0] == "unsigned" {
		t.Unsigned = true
		words = words[1:]
	}
	if len(words) > 0 {
		t.Base = words[0]
	}
	if !hasArgs {
		return t
	}
	args, _, _ = strings.Cut(args, ")")
	var nums []int64
	for _, a := range strings.Split(args, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		if err != nil {
			return t
		}
		nums = append(nums, n)
	}
	switch {
	case len(nums) == 2:
		p, s := int(nums[0]), int(nums[1])
		t.Precision, t.Scale = &p, &s
	case len(nums) == 1 && isNumeric(t.Base):
		p := int(nums[0])
		t.Precision = &p
	case len(nums) == 1:
		t.Length = &nums[0]
	}
	return t
}

func isNumeric(base string) bool {
	switch base {
	case "decimal", "numeric", "number", "float", "double", "real", "dec":
		return true
	}
	return false
}
