package secretsmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// GetResourcePolicyInput is the GetResourcePolicy request (and DeleteResourcePolicy's).
type GetResourcePolicyInput struct {
	SecretId string `aws:"required,len=1:2048"`
}

// GetResourcePolicyOutput is the GetResourcePolicy response.
type GetResourcePolicyOutput struct {
	ARN            string
	Name           string
	ResourcePolicy *string `json:",omitempty"`
}

// GetResourcePolicy returns the secret's resource policy as it was put.
func (f *Facade) GetResourcePolicy(ctx context.Context, in *GetResourcePolicyInput) (*GetResourcePolicyOutput, error) {
	sec, err := f.Secrets.Describe(ctx, callerScope(ctx), in.SecretId)
	if err == nil && sec.IsReplica() {
		err = secrets.ErrReplica // a replica's policy is its primary's, asked of the primary
	}
	if err != nil {
		return nil, mapError(err)
	}
	return &GetResourcePolicyOutput{ARN: sec.ARN, Name: sec.Name, ResourcePolicy: sec.Policy}, nil
}

// PutResourcePolicyInput is the PutResourcePolicy request.
type PutResourcePolicyInput struct {
	SecretId          string `aws:"required,len=1:2048"`
	ResourcePolicy    string `aws:"required,len=1:20480"`
	BlockPublicPolicy bool
}

// PutResourcePolicy stores a resource policy that is a well-formed IAM policy document; with
// BlockPublicPolicy, one that grants access to every principal is refused.
func (f *Facade) PutResourcePolicy(ctx context.Context, in *PutResourcePolicyInput) (*SecretRef, error) {
	public, err := checkPolicy(in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	if public && in.BlockPublicPolicy {
		return nil, awsapi.Errorf(400, "PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.")
	}
	sec, err := f.Secrets.SetPolicy(ctx, callerScope(ctx), in.SecretId, &in.ResourcePolicy)
	if err != nil {
		return nil, mapError(err)
	}
	return &SecretRef{ARN: sec.ARN, Name: sec.Name}, nil
}

// DeleteResourcePolicy removes the secret's resource policy (there may be none).
func (f *Facade) DeleteResourcePolicy(ctx context.Context, in *GetResourcePolicyInput) (*SecretRef, error) {
	sec, err := f.Secrets.SetPolicy(ctx, callerScope(ctx), in.SecretId, nil)
	if err != nil {
		return nil, mapError(err)
	}
	return &SecretRef{ARN: sec.ARN, Name: sec.Name}, nil
}

// ValidateResourcePolicyInput is the ValidateResourcePolicy request.
type ValidateResourcePolicyInput struct {
	SecretId       *string `aws:"len=1:2048"`
	ResourcePolicy string  `aws:"required,len=1:20480"`
}

// ValidationErrorsEntry is one failed check of ValidateResourcePolicy.
type ValidationErrorsEntry struct {
	CheckName    string
	ErrorMessage string
}

// ValidateResourcePolicyOutput is the ValidateResourcePolicy response.
type ValidateResourcePolicyOutput struct {
	PolicyValidationPassed bool
	ValidationErrors       []ValidationErrorsEntry
}

// ValidateResourcePolicy checks a policy as PutResourcePolicy would: a malformed document is
// MalformedPolicyDocumentException; one granting access to every principal fails the check
// BROAD_ACCESS_CHECK.
func (f *Facade) ValidateResourcePolicy(ctx context.Context, in *ValidateResourcePolicyInput) (*ValidateResourcePolicyOutput, error) {
	if in.SecretId != nil {
		if _, err := f.Secrets.Describe(ctx, callerScope(ctx), *in.SecretId); err != nil {
			return nil, mapError(err)
		}
	}
	public, err := checkPolicy(in.ResourcePolicy)
	if err != nil {
		return nil, err
	}
	out := &ValidateResourcePolicyOutput{PolicyValidationPassed: !public, ValidationErrors: []ValidationErrorsEntry{}}
	if public {
		out.ValidationErrors = append(out.ValidationErrors, ValidationErrorsEntry{CheckName: "BROAD_ACCESS_CHECK",
			ErrorMessage: "The resource policy grants access to every principal (\"*\") without a condition."})
	}
	return out, nil
}

// checkPolicy parses an IAM resource policy and says whether it grants access to everyone: an
// Allow statement whose Principal is "*" (or {"AWS": "*"}), or that uses NotPrincipal, without
// a Condition.
func checkPolicy(doc string) (public bool, err error) {
	var p struct {
		Version   *string
		Id        *string
		Statement json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return false, malformed("the document is not a JSON policy object (%s)", jsonProblem(err))
	}
	if p.Version != nil && *p.Version != "2012-10-17" && *p.Version != "2008-10-17" {
		return false, malformed("Version must be 2012-10-17 or 2008-10-17")
	}
	stmts, err := statements(p.Statement)
	if err != nil {
		return false, err
	}
	for i, s := range stmts {
		if err := s.check(i + 1); err != nil {
			return false, err
		}
		public = public || s.public()
	}
	return public, nil
}

// statement is one IAM policy statement.
type statement struct {
	Sid          *string
	Effect       string
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Action       json.RawMessage
	NotAction    json.RawMessage
	Resource     json.RawMessage
	NotResource  json.RawMessage
	Condition    map[string]map[string]any
}

func statements(raw json.RawMessage) ([]statement, error) {
	if len(raw) == 0 {
		return nil, malformed("the policy has no Statement")
	}
	var list []json.RawMessage
	if raw[0] == '{' {
		list = []json.RawMessage{raw}
	} else if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, malformed("Statement must be a statement or a non-empty list of statements")
	}
	var out []statement
	for i, r := range list {
		var s statement
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			return nil, malformed("statement %d is not a valid statement (%s)", i+1, jsonProblem(err))
		}
		out = append(out, s)
	}
	return out, nil
}

func (s statement) check(n int) error {
	switch {
	case s.Effect != "Allow" && s.Effect != "Deny":
		return malformed("statement %d: Effect must be Allow or Deny", n)
	case (s.Action == nil) == (s.NotAction == nil):
		return malformed("statement %d must have either Action or NotAction", n)
	case (s.Principal == nil) == (s.NotPrincipal == nil):
		return malformed("statement %d must have either Principal or NotPrincipal", n)
	case s.Resource != nil && s.NotResource != nil:
		return malformed("statement %d can't have both Resource and NotResource", n)
	}
	for name, v := range map[string]json.RawMessage{"Action": s.Action, "NotAction": s.NotAction, "Resource": s.Resource, "NotResource": s.NotResource} {
		if v != nil && !isStrings(v) {
			return malformed("statement %d: %s must be a string or a list of strings", n, name)
		}
	}
	for _, v := range []json.RawMessage{s.Principal, s.NotPrincipal} {
		if v != nil && principals(v) == nil {
			return malformed("statement %d: Principal must be \"*\" or an object of AWS, Service, Federated or CanonicalUser principals", n)
		}
	}
	return nil
}

func (s statement) public() bool {
	if s.Effect != "Allow" || len(s.Condition) > 0 {
		return false
	}
	return s.NotPrincipal != nil || slices.Contains(principals(s.Principal), "*")
}

// principals lists the principals of a Principal member ("*" for the wildcard), nil when it is
// not a valid one.
func principals(raw json.RawMessage) []string {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star == "*" {
			return []string{"*"}
		}
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := []string{}
	for k, v := range m {
		if !slices.Contains([]string{"AWS", "Service", "Federated", "CanonicalUser"}, k) || !isStrings(v) {
			return nil
		}
		var one string
		var many []string
		if json.Unmarshal(v, &one) == nil {
			many = []string{one}
		} else {
			_ = json.Unmarshal(v, &many)
		}
		if k == "AWS" {
			out = append(out, many...)
		}
	}
	return out
}

func isStrings(raw json.RawMessage) bool {
	var one string
	var many []string
	return json.Unmarshal(raw, &one) == nil || (json.Unmarshal(raw, &many) == nil && len(many) > 0)
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s must not be a JSON %s", te.Field, te.Value)
	}
	return err.Error()
}

func malformed(format string, args ...any) error {
	return awsapi.Errorf(400, "MalformedPolicyDocumentException", "This resource policy contains a syntax error: "+format+".", args...)
}
