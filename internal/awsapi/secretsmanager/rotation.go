package secretsmanager

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/schedule"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// RotationRules is the RotationRules shape, in requests and responses.
type RotationRules struct {
	AutomaticallyAfterDays *int64  `json:",omitempty" aws:"range=1:1000"`
	Duration               *string `json:",omitempty" aws:"len=2:3,pattern=/[0-9]+h/"`
	ScheduleExpression     *string `json:",omitempty" aws:"len=1:256"` // parsed by nextRotation
}

// RotateSecretInput is the RotateSecret request.
type RotateSecretInput struct {
	SecretId                       string  `aws:"required,len=1:2048"`
	ClientRequestToken             *string `aws:"len=32:64"`
	RotationLambdaARN              *string `aws:"len=0:2048"`
	RotationRules                  *RotationRules
	ExternalSecretRotationMetadata []struct {
		Key   string `aws:"len=1:256"`
		Value string `aws:"len=1:2048"`
	}
	ExternalSecretRotationRoleArn *string `aws:"len=20:2048"`
	RotateImmediately             *bool
}

// RotateSecretOutput is the RotateSecret and CancelRotateSecret response.
type RotateSecretOutput struct {
	ARN       string
	Name      string
	VersionId string `json:",omitempty"`
}

// errRotationFailed is what RotateSecret answers once the configuration is stored: Surveyor
// runs no Lambda functions, so the rotation function is never reachable, and AWS answers an
// unreachable function this way.
var errRotationFailed = awsapi.Errorf(400, "AccessDeniedException",
	"Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.")

// RotateSecret stores the rotation configuration (function, rules, next rotation date), then
// fails the rotation itself: no rotation function can be invoked here.
func (f *Facade) RotateSecret(ctx context.Context, in *RotateSecretInput) (*RotateSecretOutput, error) {
	now := f.Secrets.Now
	_, err := f.Secrets.ChangeRotation(ctx, callerScope(ctx), in.SecretId, func(sec *secrets.Secret, r *secrets.Rotation) error {
		if pendingVersion(sec) != "" {
			return awsapi.Errorf(400, "InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.")
		}
		if in.RotationLambdaARN != nil && *in.RotationLambdaARN != "" {
			r.LambdaARN = *in.RotationLambdaARN
		}
		if r.LambdaARN == "" {
			return awsapi.Errorf(400, "InvalidRequestException", "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.")
		}
		if in.RotationRules != nil {
			r.Rules = secrets.RotationRules{AutomaticallyAfterDays: deref64(in.RotationRules.AutomaticallyAfterDays, 0),
				Duration: deref(in.RotationRules.Duration), ScheduleExpression: deref(in.RotationRules.ScheduleExpression)}
		}
		at := time.Now()
		if now != nil {
			at = now()
		}
		next, err := nextRotation(r.Rules, at)
		if err != nil {
			return err
		}
		r.Enabled, r.NextAt = next != nil, next
		return nil
	})
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) {
			return nil, ae
		}
		return nil, mapError(err)
	}
	return nil, errRotationFailed
}

// nextRotation is when rules next rotate after now; nil when they do not schedule rotations.
func nextRotation(r secrets.RotationRules, now time.Time) (*time.Time, error) {
	switch {
	case r.AutomaticallyAfterDays > 0 && r.ScheduleExpression != "":
		return nil, invalid("You can't specify both AutomaticallyAfterDays and ScheduleExpression in RotationRules.")
	case r.AutomaticallyAfterDays > 0:
		next := now.Add(time.Duration(r.AutomaticallyAfterDays) * 24 * time.Hour).UTC()
		return &next, nil
	case r.ScheduleExpression != "":
		s, err := schedule.Parse(r.ScheduleExpression, time.UTC, now)
		if err != nil || s.Kind() == schedule.At {
			return nil, invalid("Invalid ScheduleExpression: use rate(N days), rate(N hours) or a cron() expression.")
		}
		next := s.Next(now).UTC()
		return &next, nil
	}
	return nil, nil
}

// pendingVersion is the version an unfinished rotation left: labelled AWSPENDING, not AWSCURRENT.
func pendingVersion(sec *secrets.Secret) string {
	for _, v := range sec.Versions {
		if slices.Contains(v.Stages, secrets.StagePending) && !slices.Contains(v.Stages, secrets.StageCurrent) {
			return v.ID
		}
	}
	return ""
}

// CancelRotateSecretInput is the CancelRotateSecret request.
type CancelRotateSecretInput struct {
	SecretId string `aws:"required,len=1:2048"`
}

// CancelRotateSecret turns automatic rotation off; the function and rules stay configured.
// VersionId is the version an unfinished rotation left, if any.
func (f *Facade) CancelRotateSecret(ctx context.Context, in *CancelRotateSecretInput) (*RotateSecretOutput, error) {
	sec, err := f.Secrets.ChangeRotation(ctx, callerScope(ctx), in.SecretId, func(sec *secrets.Secret, r *secrets.Rotation) error {
		if r.LambdaARN == "" {
			return awsapi.Errorf(400, "InvalidRequestException", "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.")
		}
		r.Enabled, r.NextAt = false, nil
		return nil
	})
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) {
			return nil, ae
		}
		return nil, mapError(err)
	}
	return &RotateSecretOutput{ARN: sec.ARN, Name: sec.Name, VersionId: pendingVersion(sec)}, nil
}

// describeRotation adds the rotation configuration to a description.
func describeRotation(d *SecretDescription, r *secrets.Rotation) {
	if r == nil {
		return
	}
	d.RotationEnabled = &r.Enabled
	d.RotationLambdaARN = r.LambdaARN
	d.NextRotationDate, d.LastRotatedDate = epoch(r.NextAt), epoch(r.LastAt)
	rules := RotationRules{Duration: nonEmpty(r.Rules.Duration), ScheduleExpression: nonEmpty(r.Rules.ScheduleExpression)}
	if r.Rules.AutomaticallyAfterDays > 0 {
		rules.AutomaticallyAfterDays = &r.Rules.AutomaticallyAfterDays
	}
	if rules != (RotationRules{}) {
		d.RotationRules = &rules
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
