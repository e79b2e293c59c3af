package secretsmanager

import (
	"context"
	"slices"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/secrets"
)

// defaultKmsKey is the key a replica region reports when none was given for it.
const defaultKmsKey = "alias/aws/secretsmanager"

// ReplicaRegionType is a region to replicate to, in AddReplicaRegions.
type ReplicaRegionType struct {
	Region   *string `aws:"len=1:128,pattern=/^([a-z]+-)+\\d+$/"`
	KmsKeyId *string `aws:"len=0:2048"`
}

// ReplicationStatus is one replica region of a primary secret, in responses.
type ReplicationStatus struct {
	Region           string
	KmsKeyId         string
	Status           string
	StatusMessage    string
	LastAccessedDate *awsapi.EpochSeconds `json:",omitempty"`
}

// ReplicateSecretToRegionsInput is the ReplicateSecretToRegions request.
type ReplicateSecretToRegionsInput struct {
	SecretId                    string              `aws:"required,len=1:2048"`
	AddReplicaRegions           []ReplicaRegionType `aws:"required,count=1:"`
	ForceOverwriteReplicaSecret bool
}

// ReplicationOutput is the ReplicateSecretToRegions and RemoveRegionsFromReplication response.
type ReplicationOutput struct {
	ARN               string
	ReplicationStatus []ReplicationStatus
}

// ReplicateSecretToRegions replicates a secret to more regions, synchronously: each region's
// status is InSync (the replica exists and holds the current value) or Failed with the reason.
func (f *Facade) ReplicateSecretToRegions(ctx context.Context, in *ReplicateSecretToRegionsInput) (*ReplicationOutput, error) {
	sec, err := f.Secrets.Replicate(ctx, callerScope(ctx), in.SecretId, f.replicaRegions(in.AddReplicaRegions), in.ForceOverwriteReplicaSecret)
	if err != nil {
		return nil, mapError(err)
	}
	return &ReplicationOutput{ARN: sec.ARN, ReplicationStatus: replicationStatus(sec)}, nil
}

// RemoveRegionsFromReplicationInput is the RemoveRegionsFromReplication request.
type RemoveRegionsFromReplicationInput struct {
	SecretId             string   `aws:"required,len=1:2048"`
	RemoveReplicaRegions []string `aws:"required,count=1:,item.len=1:128,item.pattern=/^([a-z]+-)+\\d+$/"`
}

// RemoveRegionsFromReplication deletes the replicas in the regions named, at once, and answers
// the replication status of the regions that remain.
func (f *Facade) RemoveRegionsFromReplication(ctx context.Context, in *RemoveRegionsFromReplicationInput) (*ReplicationOutput, error) {
	sec, err := f.Secrets.RemoveRegions(ctx, callerScope(ctx), in.SecretId, in.RemoveReplicaRegions)
	if err != nil {
		return nil, mapError(err)
	}
	return &ReplicationOutput{ARN: sec.ARN, ReplicationStatus: replicationStatus(sec)}, nil
}

// StopReplicationToReplicaInput is the StopReplicationToReplica request.
type StopReplicationToReplicaInput struct {
	SecretId string `aws:"required,len=1:2048"`
}

// StopReplicationToReplicaOutput is the StopReplicationToReplica response.
type StopReplicationToReplicaOutput struct{ ARN string }

// StopReplicationToReplica promotes the replica in the caller's region to a standalone secret.
func (f *Facade) StopReplicationToReplica(ctx context.Context, in *StopReplicationToReplicaInput) (*StopReplicationToReplicaOutput, error) {
	sec, err := f.Secrets.StopReplication(ctx, callerScope(ctx), in.SecretId)
	if err != nil {
		return nil, mapError(err)
	}
	return &StopReplicationToReplicaOutput{ARN: sec.ARN}, nil
}

// replicaRegions turns AddReplicaRegions into the store's regions; a region this server does not
// accept (--regions) is recorded Failed, as AWS reports a region it cannot replicate to.
func (f *Facade) replicaRegions(in []ReplicaRegionType) []secrets.ReplicaRegion {
	var out []secrets.ReplicaRegion
	for _, r := range in {
		rr := secrets.ReplicaRegion{Region: deref(r.Region), KmsKeyID: deref(r.KmsKeyId)}
		if rr.Region != "" && f.Regions != nil && !slices.Contains(f.Regions, rr.Region) {
			rr.Refusal = "Replication failed: Region " + rr.Region + " is not enabled on this server (--regions)."
		}
		out = append(out, rr)
	}
	return out
}

// replicationStatus is a primary's ReplicationStatus list (empty for a secret not replicated).
func replicationStatus(sec *secrets.Secret) []ReplicationStatus {
	out := []ReplicationStatus{}
	for _, st := range sec.Replication {
		rs := ReplicationStatus{Region: st.Region, KmsKeyId: st.KmsKeyID, Status: st.Status, StatusMessage: st.Message}
		if rs.KmsKeyId == "" {
			rs.KmsKeyId = defaultKmsKey
		}
		if st.AccessedAt != nil {
			day := st.AccessedAt.UTC().Truncate(24 * time.Hour)
			rs.LastAccessedDate = epoch(&day)
		}
		out = append(out, rs)
	}
	return out
}
