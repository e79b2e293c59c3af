package awsapi

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Validator collects violations of modelled constraints and reports them the way AWS does:
//
//	1 validation error detected: Value 'x' at 'rdsDataApiConfig.resourceArn' failed to satisfy
//	constraint: Member must satisfy regular expression pattern: ^arn:...
//
// Several are joined: "2 validation errors detected: ...; ...". Names are member paths as the
// client wrote them ("rdsDataApiConfig.resourceArn", "maxResults").
type Validator struct {
	code      string
	status    int
	sensitive map[string]bool
	problems  []string
}

// NewValidator returns a Validator whose Err uses the service's validation error code and status
// (AppSync "BadRequestException", DataZone "ValidationException", Secrets Manager
// "InvalidParameterException", ...; usually 400).
func NewValidator(code string, status int) *Validator {
	return &Validator{code: code, status: status}
}

// Sensitive marks members whose values must not be echoed in messages (passwords, secret
// strings): their violations read "Value at 'name' failed to satisfy constraint: ...".
func (v *Validator) Sensitive(names ...string) *Validator {
	if v.sensitive == nil {
		v.sensitive = map[string]bool{}
	}
	for _, n := range names {
		v.sensitive[n] = true
	}
	return v
}

// Fail records one violation of constraint by value at name.
func (v *Validator) Fail(name, value, constraint string) {
	if v.sensitive[name] {
		v.problems = append(v.problems, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", name, constraint))
		return
	}
	v.problems = append(v.problems, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, name, constraint))
}

// Required records a missing required member.
func (v *Validator) Required(name string, present bool) {
	if !present {
		v.problems = append(v.problems, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", name))
	}
}

// Length checks min <= len(s) <= max, counting characters as AWS does (UTF-16 code units). A
// negative max means no maximum.
func (v *Validator) Length(name, s string, min, max int) {
	n := utf16Len(s)
	switch {
	case n < min:
		v.Fail(name, s, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max >= 0 && n > max:
		v.Fail(name, s, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// Pattern checks that s matches re; the message shows re's source, so compile the model's text.
func (v *Validator) Pattern(name, s string, re *regexp.Regexp) {
	if !re.MatchString(s) {
		v.Fail(name, s, "Member must satisfy regular expression pattern: "+re.String())
	}
}

// PatternFunc checks a model pattern Go's regexp cannot express (lookahead such as
// `^(?!aws:)[a-zA-Z+-=._:/]+$`): match decides, modelPattern is what the message shows.
// WithoutPrefix covers the common negative-lookahead-at-start form.
func (v *Validator) PatternFunc(name, s, modelPattern string, match func(string) bool) {
	if !match(s) {
		v.Fail(name, s, "Member must satisfy regular expression pattern: "+modelPattern)
	}
}

// WithoutPrefix returns a matcher for the model pattern `^(?!prefix)rest`: s must not start
// with prefix and must match re (the pattern without the lookahead, e.g. `^[a-zA-Z+-=._:/]+$`).
func WithoutPrefix(prefix string, re *regexp.Regexp) func(string) bool {
	return func(s string) bool { return !strings.HasPrefix(s, prefix) && re.MatchString(s) }
}

// Enum checks that s is one of allowed.
func (v *Validator) Enum(name, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.Fail(name, s, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// Range checks min <= n <= max.
func (v *Validator) Range(name string, n, min, max int64) {
	switch {
	case n < min:
		v.Fail(name, fmt.Sprint(n), fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case n > max:
		v.Fail(name, fmt.Sprint(n), fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// Count checks min <= n <= max for the number of items of a list or map member.
func (v *Validator) Count(name string, n, min, max int) {
	switch {
	case n < min:
		v.Fail(name, fmt.Sprintf("[%d items]", n), fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max >= 0 && n > max:
		v.Fail(name, fmt.Sprintf("[%d items]", n), fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// Err returns nil, or one *Error listing every violation.
func (v *Validator) Err() error {
	switch len(v.problems) {
	case 0:
		return nil
	case 1:
		return &Error{Code: v.code, Status: v.status, Message: "1 validation error detected: " + v.problems[0]}
	}
	return &Error{Code: v.code, Status: v.status, Message: fmt.Sprintf("%d validation errors detected: %s",
		len(v.problems), strings.Join(v.problems, "; "))}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r != utf8.RuneError {
			n += 2
		} else {
			n++
		}
	}
	return n
}
