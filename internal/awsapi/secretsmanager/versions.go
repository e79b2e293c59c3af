package secretsmanager

import (
	"context"

	"github.com/surveyorhq/surveyor/internal/awsapi"
)

// ListSecretVersionIdsInput is the ListSecretVersionIds request.
type ListSecretVersionIdsInput struct {
	SecretId          string  `aws:"required,len=1:2048"`
	MaxResults        *int64  `aws:"range=1:100"`
	NextToken         *string `aws:"len=1:4096"`
	IncludeDeprecated bool
}

// SecretVersionsListEntry is one version in a ListSecretVersionIds response.
type SecretVersionsListEntry struct {
	VersionId     string
	VersionStages []string `json:",omitempty"`
	CreatedDate   awsapi.EpochSeconds
	KmsKeyIds     []string `json:",omitempty"`
}

// ListSecretVersionIdsOutput is the ListSecretVersionIds response.
type ListSecretVersionIdsOutput struct {
	Versions  []SecretVersionsListEntry
	NextToken string `json:",omitempty"`
	ARN       string
	Name      string
}

// ListSecretVersionIds lists a secret's versions, newest first: those with a staging label, and
// with IncludeDeprecated also those without one.
func (f *Facade) ListSecretVersionIds(ctx context.Context, in *ListSecretVersionIdsInput) (*ListSecretVersionIdsOutput, error) {
	acct := callerScope(ctx)
	sec, err := f.Secrets.Describe(ctx, acct, in.SecretId)
	if err != nil {
		return nil, mapError(err)
	}
	scope := acct.String() + "/ListSecretVersionIds/" + sec.ARN + "/" + boolStr(in.IncludeDeprecated)
	offset, err := f.decodeOffset(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListSecretVersionIdsOutput{Versions: []SecretVersionsListEntry{}, ARN: sec.ARN, Name: sec.Name}
	var kms []string
	if sec.KmsKeyID != "" {
		kms = []string{sec.KmsKeyID}
	}
	var all []SecretVersionsListEntry
	for _, v := range sec.Versions {
		if len(v.Stages) == 0 && !in.IncludeDeprecated {
			continue
		}
		all = append(all, SecretVersionsListEntry{VersionId: v.ID, VersionStages: v.Stages,
			CreatedDate: awsapi.EpochSeconds(v.CreatedAt), KmsKeyIds: kms})
	}
	limit := int(deref64(in.MaxResults, 100))
	offset = min(offset, len(all))
	end := min(offset+limit, len(all))
	out.Versions = append(out.Versions, all[offset:end]...)
	if end < len(all) {
		if out.NextToken, err = f.Tokens.Encode(scope, listCursor{Offset: end}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateSecretVersionStageInput is the UpdateSecretVersionStage request.
type UpdateSecretVersionStageInput struct {
	SecretId            string  `aws:"required,len=1:2048"`
	VersionStage        string  `aws:"required,len=1:256"`
	RemoveFromVersionId *string `aws:"len=32:64"`
	MoveToVersionId     *string `aws:"len=32:64"`
}

// SecretRef is the ARN and name most operations answer with.
type SecretRef struct {
	ARN  string
	Name string
}

// UpdateSecretVersionStage moves a staging label between versions.
func (f *Facade) UpdateSecretVersionStage(ctx context.Context, in *UpdateSecretVersionStageInput) (*SecretRef, error) {
	sec, err := f.Secrets.MoveStage(ctx, callerScope(ctx), in.SecretId, in.VersionStage, deref(in.RemoveFromVersionId), deref(in.MoveToVersionId))
	if err != nil {
		return nil, mapError(err)
	}
	return &SecretRef{ARN: sec.ARN, Name: sec.Name}, nil
}
