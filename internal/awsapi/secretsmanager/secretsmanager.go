// Package secretsmanager is the Secrets Manager façade (awsJson1.1, X-Amz-Target
// secretsmanager.<Op>): it validates requests as the model constrains them, calls the secrets
// service for the caller's account, and writes the AWS shapes back. Secret values appear only in
// GetSecretValue and BatchGetSecretValue responses.
//
// Files: secretsmanager.go (service, the original operations, errors), list.go (ListSecrets,
// BatchGetSecretValue, filters and paging), versions.go (ListSecretVersionIds,
// UpdateSecretVersionStage), password.go (GetRandomPassword), policy.go (resource policies),
// rotation.go (RotateSecret, CancelRotateSecret), replication.go (ReplicateSecretToRegions,
// RemoveRegionsFromReplication, StopReplicationToReplica, ReplicationStatus). Newer operations declare their
// constraints as `aws` tags, checked by the front door (ValidationException, as AWS answers).
package secretsmanager

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// Facade serves the Secrets Manager operations.
type Facade struct {
	Secrets *secrets.Service
	Tokens  awsapi.Tokens
	// Random is the source of GetRandomPassword; nil is crypto/rand.
	Random io.Reader
	// Regions are the regions the server accepts (--regions), which alone can hold replicas;
	// nil accepts every region.
	Regions []string
}

// Service returns the awsJson1.1 service to register under the signing name "secretsmanager".
func (f *Facade) Service() (*awsapi.JSONService, error) {
	return awsapi.NewJSONService(awsapi.JSONProtocol{
		TargetPrefix:      "secretsmanager",
		MessageMember:     "Message",
		InternalErrorCode: "InternalServiceError",
	}, map[string]awsapi.JSONOperation{
		"CreateSecret":   awsapi.JSONOp(f.CreateSecret),
		"GetSecretValue": awsapi.JSONOp(f.GetSecretValue),
		"DescribeSecret": awsapi.JSONOp(f.DescribeSecret),
		"ListSecrets":    awsapi.JSONOp(f.ListSecrets),
		"PutSecretValue": awsapi.JSONOp(f.PutSecretValue),
		"UpdateSecret":   awsapi.JSONOp(f.UpdateSecret),
		"DeleteSecret":   awsapi.JSONOp(f.DeleteSecret),
		"RestoreSecret":  awsapi.JSONOp(f.RestoreSecret),
		"TagResource":    awsapi.JSONOp(f.TagResource),
		"UntagResource":  awsapi.JSONOp(f.UntagResource),

		"GetRandomPassword":        awsapi.JSONOp(f.GetRandomPassword),
		"BatchGetSecretValue":      awsapi.JSONOp(f.BatchGetSecretValue),
		"ListSecretVersionIds":     awsapi.JSONOp(f.ListSecretVersionIds),
		"UpdateSecretVersionStage": awsapi.JSONOp(f.UpdateSecretVersionStage),
		"GetResourcePolicy":        awsapi.JSONOp(f.GetResourcePolicy),
		"PutResourcePolicy":        awsapi.JSONOp(f.PutResourcePolicy),
		"DeleteResourcePolicy":     awsapi.JSONOp(f.DeleteResourcePolicy),
		"ValidateResourcePolicy":   awsapi.JSONOp(f.ValidateResourcePolicy),
		"RotateSecret":             awsapi.JSONOp(f.RotateSecret),
		"CancelRotateSecret":       awsapi.JSONOp(f.CancelRotateSecret),

		"ReplicateSecretToRegions":     awsapi.JSONOp(f.ReplicateSecretToRegions),
		"RemoveRegionsFromReplication": awsapi.JSONOp(f.RemoveRegionsFromReplication),
		"StopReplicationToReplica":     awsapi.JSONOp(f.StopReplicationToReplica),
	})
}

const validationCode = "InvalidParameterException"

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)
)

// Tag is a Secrets Manager tag.
type Tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// CreateSecretInput is the CreateSecret request.
type CreateSecretInput struct {
	Name               string
	ClientRequestToken string
	Description        *string
	KmsKeyId           string
	SecretString       *string
	SecretBinary       []byte
	Tags               []Tag
	Type               string
	// AddReplicaRegions replicate the new secret (replication.go).
	AddReplicaRegions           []ReplicaRegionType `aws:"count=1:"`
	ForceOverwriteReplicaSecret bool
}

// CreateSecretOutput is the CreateSecret response.
type CreateSecretOutput struct {
	ARN               string
	Name              string
	VersionId         string              `json:",omitempty"`
	ReplicationStatus []ReplicationStatus `json:",omitempty"`
}

func (f *Facade) CreateSecret(ctx context.Context, in *CreateSecretInput) (*CreateSecretOutput, error) {
	v := newValidator()
	v.Required("name", in.Name != "")
	if in.Name != "" {
		v.Length("name", in.Name, 1, 512)
		v.Pattern("name", in.Name, namePattern)
	}
	validateToken(v, "clientRequestToken", in.ClientRequestToken)
	if in.Description != nil {
		v.Length("description", *in.Description, 0, 2048)
	}
	v.Length("kmsKeyId", in.KmsKeyId, 0, 2048)
	validateValue(v, in.SecretString, in.SecretBinary)
	validateTags(v, in.Tags)
	v.Length("type", in.Type, 0, 256)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.SecretString != nil && in.SecretBinary != nil {
		return nil, invalid("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	acct := callerScope(ctx)
	sec, ver, err := f.Secrets.Create(ctx, acct, secrets.CreateInput{
		Name: in.Name, Description: deref(in.Description), KmsKeyID: in.KmsKeyId, Tags: toTags(in.Tags),
		Value: value(in.SecretString, in.SecretBinary), VersionID: in.ClientRequestToken,
		Replicas: f.replicaRegions(in.AddReplicaRegions), ForceOverwrite: in.ForceOverwriteReplicaSecret,
	})
	if err != nil {
		return nil, mapError(err)
	}
	out := &CreateSecretOutput{ARN: sec.ARN, Name: sec.Name, VersionId: ver}
	if len(sec.Replication) > 0 {
		out.ReplicationStatus = replicationStatus(sec)
	}
	return out, nil
}

// GetSecretValueInput is the GetSecretValue request.
type GetSecretValueInput struct {
	SecretId     string
	VersionId    string
	VersionStage string
}

// GetSecretValueOutput is the GetSecretValue response.
type GetSecretValueOutput struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string `json:",omitempty"`
	SecretBinary  []byte  `json:",omitempty"`
	VersionStages []string
	CreatedDate   awsapi.EpochSeconds
}

func (f *Facade) GetSecretValue(ctx context.Context, in *GetSecretValueInput) (*GetSecretValueOutput, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	if in.VersionId != "" {
		v.Length("versionId", in.VersionId, 32, 64)
	}
	if in.VersionStage != "" {
		v.Length("versionStage", in.VersionStage, 1, 256)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sec, ver, val, err := f.Secrets.GetValue(ctx, callerScope(ctx), in.SecretId, in.VersionId, in.VersionStage)
	if err != nil {
		return nil, mapError(err)
	}
	return &GetSecretValueOutput{ARN: sec.ARN, Name: sec.Name, VersionId: ver.ID, SecretString: val.String,
		SecretBinary: val.Binary, VersionStages: ver.Stages, CreatedDate: awsapi.EpochSeconds(ver.CreatedAt)}, nil
}

// DescribeSecretInput is the DescribeSecret request.
type DescribeSecretInput struct{ SecretId string }

// SecretDescription is DescribeSecret's response and a ListSecrets entry.
type SecretDescription struct {
	ARN                    string
	Name                   string
	Description            string               `json:",omitempty"`
	KmsKeyId               string               `json:",omitempty"`
	RotationEnabled        *bool                `json:",omitempty"`
	RotationLambdaARN      string               `json:",omitempty"`
	RotationRules          *RotationRules       `json:",omitempty"`
	LastRotatedDate        *awsapi.EpochSeconds `json:",omitempty"`
	NextRotationDate       *awsapi.EpochSeconds `json:",omitempty"`
	LastChangedDate        *awsapi.EpochSeconds `json:",omitempty"`
	LastAccessedDate       *awsapi.EpochSeconds `json:",omitempty"`
	DeletedDate            *awsapi.EpochSeconds `json:",omitempty"`
	Tags                   *[]Tag               `json:",omitempty"`
	VersionIdsToStages     map[string][]string  `json:",omitempty"`
	SecretVersionsToStages map[string][]string  `json:",omitempty"`
	CreatedDate            *awsapi.EpochSeconds `json:",omitempty"`
	PrimaryRegion          string               `json:",omitempty"`
	// ReplicationStatus is DescribeSecret's only (a ListSecrets entry has none).
	ReplicationStatus []ReplicationStatus `json:",omitempty"`
}

func (f *Facade) DescribeSecret(ctx context.Context, in *DescribeSecretInput) (*SecretDescription, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	if err := v.Err(); err != nil {
		return nil, err
	}
	sec, err := f.Secrets.Describe(ctx, callerScope(ctx), in.SecretId)
	if err != nil {
		return nil, mapError(err)
	}
	d := f.describe(sec)
	d.VersionIdsToStages = stagesOf(sec)
	if len(sec.Replication) > 0 {
		d.ReplicationStatus = replicationStatus(sec)
	}
	return d, nil
}

// PutSecretValueInput is the PutSecretValue request.
type PutSecretValueInput struct {
	SecretId           string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

// PutSecretValueOutput is the PutSecretValue response.
type PutSecretValueOutput struct {
	ARN           string
	Name          string
	VersionId     string
	VersionStages []string
}

func (f *Facade) PutSecretValue(ctx context.Context, in *PutSecretValueInput) (*PutSecretValueOutput, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	validateToken(v, "clientRequestToken", in.ClientRequestToken)
	validateValue(v, in.SecretString, in.SecretBinary)
	if in.VersionStages != nil {
		v.Count("versionStages", len(in.VersionStages), 1, 20)
	}
	for i, st := range in.VersionStages {
		v.Length("versionStages."+itoa(i+1)+".member", st, 1, 256)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	val := value(in.SecretString, in.SecretBinary)
	if val == nil {
		return nil, invalid("You must provide either SecretString or SecretBinary.")
	}
	if in.SecretString != nil && in.SecretBinary != nil {
		return nil, invalid("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	sec, ver, err := f.Secrets.PutValue(ctx, callerScope(ctx), in.SecretId, in.ClientRequestToken, *val, in.VersionStages)
	if err != nil {
		return nil, mapError(err)
	}
	return &PutSecretValueOutput{ARN: sec.ARN, Name: sec.Name, VersionId: ver.ID, VersionStages: ver.Stages}, nil
}

// UpdateSecretInput is the UpdateSecret request.
type UpdateSecretInput struct {
	SecretId           string
	ClientRequestToken string
	Description        *string
	KmsKeyId           *string
	SecretString       *string
	SecretBinary       []byte
}

// UpdateSecretOutput is the UpdateSecret response.
type UpdateSecretOutput struct {
	ARN       string
	Name      string
	VersionId string `json:",omitempty"`
}

func (f *Facade) UpdateSecret(ctx context.Context, in *UpdateSecretInput) (*UpdateSecretOutput, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	validateToken(v, "clientRequestToken", in.ClientRequestToken)
	if in.Description != nil {
		v.Length("description", *in.Description, 0, 2048)
	}
	if in.KmsKeyId != nil {
		v.Length("kmsKeyId", *in.KmsKeyId, 0, 2048)
	}
	validateValue(v, in.SecretString, in.SecretBinary)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.SecretString != nil && in.SecretBinary != nil {
		return nil, invalid("You can't specify both a binary secret value and a string secret value in the same secret.")
	}
	sec, ver, err := f.Secrets.Update(ctx, callerScope(ctx), in.SecretId, secrets.UpdateInput{
		Description: in.Description, KmsKeyID: in.KmsKeyId, Value: value(in.SecretString, in.SecretBinary), VersionID: in.ClientRequestToken,
	})
	if err != nil {
		return nil, mapError(err)
	}
	return &UpdateSecretOutput{ARN: sec.ARN, Name: sec.Name, VersionId: ver}, nil
}

// DeleteSecretInput is the DeleteSecret request.
type DeleteSecretInput struct {
	SecretId                   string
	RecoveryWindowInDays       *int64
	ForceDeleteWithoutRecovery *bool
}

// DeleteSecretOutput is the DeleteSecret response.
type DeleteSecretOutput struct {
	ARN          string
	Name         string
	DeletionDate awsapi.EpochSeconds
}

func (f *Facade) DeleteSecret(ctx context.Context, in *DeleteSecretInput) (*DeleteSecretOutput, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	if err := v.Err(); err != nil {
		return nil, err
	}
	window, force := 0, in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery
	if in.RecoveryWindowInDays != nil {
		window = int(*in.RecoveryWindowInDays)
		if window == 0 {
			window = -1 // an explicit 0 is out of range, not "default"
		}
	}
	sec, when, err := f.Secrets.Delete(ctx, callerScope(ctx), in.SecretId, window, force)
	if err != nil {
		return nil, mapError(err)
	}
	return &DeleteSecretOutput{ARN: sec.ARN, Name: sec.Name, DeletionDate: awsapi.EpochSeconds(when)}, nil
}

// RestoreSecretInput is the RestoreSecret request.
type RestoreSecretInput struct{ SecretId string }

// RestoreSecretOutput is the RestoreSecret response.
type RestoreSecretOutput struct {
	ARN  string
	Name string
}

func (f *Facade) RestoreSecret(ctx context.Context, in *RestoreSecretInput) (*RestoreSecretOutput, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	if err := v.Err(); err != nil {
		return nil, err
	}
	sec, err := f.Secrets.Restore(ctx, callerScope(ctx), in.SecretId)
	if err != nil {
		return nil, mapError(err)
	}
	return &RestoreSecretOutput{ARN: sec.ARN, Name: sec.Name}, nil
}

// TagResourceInput is the TagResource request.
type TagResourceInput struct {
	SecretId string
	Tags     []Tag
}

func (f *Facade) TagResource(ctx context.Context, in *TagResourceInput) (*struct{}, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	v.Required("tags", in.Tags != nil)
	validateTags(v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := f.Secrets.Tag(ctx, callerScope(ctx), in.SecretId, toTags(in.Tags)); err != nil {
		return nil, mapError(err)
	}
	return nil, nil
}

// UntagResourceInput is the UntagResource request.
type UntagResourceInput struct {
	SecretId string
	TagKeys  []string
}

func (f *Facade) UntagResource(ctx context.Context, in *UntagResourceInput) (*struct{}, error) {
	v := newValidator()
	validateSecretID(v, in.SecretId)
	v.Required("tagKeys", in.TagKeys != nil)
	for i, k := range in.TagKeys {
		v.Length("tagKeys."+itoa(i+1)+".member", k, 1, 128)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := f.Secrets.Untag(ctx, callerScope(ctx), in.SecretId, in.TagKeys); err != nil {
		return nil, mapError(err)
	}
	return nil, nil
}

func (f *Facade) describe(s *secrets.Secret) *SecretDescription {
	d := &SecretDescription{ARN: s.ARN, Name: s.Name, Description: s.Description, KmsKeyId: s.KmsKeyID,
		LastChangedDate: epoch(&s.UpdatedAt), CreatedDate: epoch(&s.CreatedAt), DeletedDate: epoch(s.DeletedAt),
		PrimaryRegion: s.PrimaryRegion}
	describeRotation(d, s.Rotation)
	if s.AccessedAt != nil {
		// AWS reports the day of last access, not the instant.
		day := s.AccessedAt.UTC().Truncate(24 * time.Hour)
		d.LastAccessedDate = epoch(&day)
	}
	if s.Tags != nil { // nil: never tagged; empty: every tag removed, which AWS reports as []
		tags := []Tag{}
		for _, t := range s.Tags {
			tags = append(tags, Tag{Key: &t.Key, Value: &t.Value})
		}
		d.Tags = &tags
	}
	return d
}

func stagesOf(s *secrets.Secret) map[string][]string {
	m := map[string][]string{}
	for _, v := range s.Versions {
		if len(v.Stages) > 0 {
			m[v.ID] = v.Stages
		}
	}
	return m
}

// mapError turns the secrets service's errors into Secrets Manager's, keeping their message.
func mapError(err error) error {
	for _, m := range []struct {
		target error
		code   string
	}{
		{secrets.ErrNotFound, "ResourceNotFoundException"},
		{secrets.ErrExists, "ResourceExistsException"},
		{secrets.ErrInvalid, "InvalidParameterException"},
		{secrets.ErrInvalidState, "InvalidRequestException"},
		{secrets.ErrDecrypt, "DecryptionFailure"},
	} {
		if errors.Is(err, m.target) {
			msg := err.Error()
			if i := strings.Index(msg, m.target.Error()+": "); i >= 0 {
				msg = msg[i+len(m.target.Error())+2:]
			}
			if m.target == secrets.ErrDecrypt {
				msg = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
			}
			return awsapi.Errorf(400, m.code, "%s", msg)
		}
	}
	return err
}

func newValidator() *awsapi.Validator {
	return awsapi.NewValidator(validationCode, 400).Sensitive("secretString", "secretBinary")
}

func validateSecretID(v *awsapi.Validator, id string) {
	v.Required("secretId", id != "")
	if id != "" {
		v.Length("secretId", id, 1, 2048)
	}
}

func validateToken(v *awsapi.Validator, name, token string) {
	if token != "" {
		v.Length(name, token, 32, 64)
	}
}

func validateValue(v *awsapi.Validator, s *string, b []byte) {
	if s != nil {
		v.Length("secretString", *s, 1, 65536)
	}
	if b != nil && (len(b) < 1 || len(b) > 65536) {
		v.Fail("secretBinary", "", "Member must have length between 1 and 65536")
	}
}

func validateTags(v *awsapi.Validator, tags []Tag) {
	for i, t := range tags {
		n := "tags." + itoa(i+1) + ".member."
		v.Required(n+"key", t.Key != nil)
		if t.Key != nil {
			v.Length(n+"key", *t.Key, 1, 128)
		}
		if t.Value != nil {
			v.Length(n+"value", *t.Value, 0, 256)
		}
	}
}

func toTags(in []Tag) []secrets.Tag {
	var out []secrets.Tag
	for _, t := range in {
		out = append(out, secrets.Tag{Key: deref(t.Key), Value: deref(t.Value)})
	}
	return out
}

func value(s *string, b []byte) *secrets.Value {
	if s == nil && b == nil {
		return nil
	}
	return &secrets.Value{String: s, Binary: b}
}

func invalid(msg string) error { return awsapi.Errorf(400, "InvalidParameterException", "%s", msg) }

// callerScope is the caller's account and region: it sees only the secrets of that scope.
func callerScope(ctx context.Context) scope.Scope {
	c, _ := awsapi.CallerFrom(ctx)
	return c.Scope()
}

func epoch(t *time.Time) *awsapi.EpochSeconds {
	if t == nil {
		return nil
	}
	e := awsapi.EpochSeconds(*t)
	return &e
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func itoa(i int) string { return strconv.Itoa(i) }
