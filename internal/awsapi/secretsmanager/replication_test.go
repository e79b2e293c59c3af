package secretsmanager_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/surveyorhq/surveyor/internal/server"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
)

const notOnReplica = "Operation not permitted on a replica secret. Call must be made in primary secret's region."

// regionClients starts a server accepting us-east-1, eu-west-1 and us-west-2 on the store and
// returns a client of the first account for each region.
func regionClients(t *testing.T, store string) (env *servertest.Env, east, eu, west *sm.Client) {
	env = servertest.Start(t, servertest.Options{Store: store, Tune: func(c *server.Config) {
		c.Regions = []string{"us-east-1", "eu-west-1", "us-west-2"}
	}})
	in := func(region string) *sm.Client {
		cfg := env.AWS()
		cfg.Region = region
		return sm.NewFromConfig(cfg)
	}
	return env, in("us-east-1"), in("eu-west-1"), in("us-west-2")
}

func statusList(list []types.ReplicationStatusType) []string {
	var out []string
	for _, st := range list {
		out = append(out, aws.ToString(st.Region)+" "+aws.ToString(st.KmsKeyId)+" "+string(st.Status)+": "+aws.ToString(st.StatusMessage))
	}
	return out
}

func TestReplication(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store string) {
		_, east, eu, west := regionClients(t, store)
		created := must(east.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("app/db"), SecretString: aws.String("pw-1"),
			Description: aws.String("orders"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
			AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1"), KmsKeyId: aws.String("alias/eu")}, {Region: aws.String("ap-south-1")}}}))(t)
		want := []string{"eu-west-1 alias/eu InSync: Replication succeeded",
			"ap-south-1 alias/aws/secretsmanager Failed: Replication failed: Region ap-south-1 is not enabled on this server (--regions)."}
		if got := statusList(created.ReplicationStatus); !slices.Equal(got, want) {
			t.Fatalf("CreateSecret ReplicationStatus\n%v\nwant\n%v", got, want)
		}
		replicaARN := strings.Replace(*created.ARN, ":us-east-1:", ":eu-west-1:", 1)

		// The replica is a secret of eu-west-1: same name, same suffix, the primary's value.
		rep := must(eu.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(replicaARN)}))(t)
		prim := must(east.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: created.ARN}))(t)
		if *rep.Name != "app/db" || aws.ToString(rep.PrimaryRegion) != "us-east-1" || aws.ToString(rep.KmsKeyId) != "alias/eu" ||
			aws.ToString(rep.Description) != "orders" || len(rep.Tags) != 1 || rep.ReplicationStatus != nil ||
			!maps.EqualFunc(rep.VersionIdsToStages, prim.VersionIdsToStages, slices.Equal) {
			t.Fatalf("replica described as %+v", rep)
		}
		if v := must(eu.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app/db")}))(t); *v.SecretString != "pw-1" || *v.ARN != replicaARN {
			t.Fatalf("replica value %q at %s", *v.SecretString, *v.ARN)
		}
		prim = must(east.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: created.ARN}))(t)
		if aws.ToString(prim.PrimaryRegion) != "us-east-1" || len(prim.ReplicationStatus) != 2 || prim.ReplicationStatus[0].LastAccessedDate == nil {
			t.Fatalf("primary described as %+v, %v", prim, statusList(prim.ReplicationStatus))
		}

		// Every change of the primary is on the replica when the call returns.
		put := must(east.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: created.ARN, SecretString: aws.String("pw-2"), ClientRequestToken: aws.String(tokenB)}))(t)
		must(east.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: created.ARN, Description: aws.String("orders v2")}))(t)
		must(east.TagResource(ctx, &sm.TagResourceInput{SecretId: created.ARN, Tags: []types.Tag{{Key: aws.String("tier"), Value: aws.String("1")}}}))(t)
		must(east.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: created.ARN, VersionStage: aws.String("golden"), MoveToVersionId: put.VersionId}))(t)
		rep = must(eu.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(replicaARN)}))(t)
		if aws.ToString(rep.Description) != "orders v2" || len(rep.Tags) != 2 || !slices.Contains(rep.VersionIdsToStages[tokenB], "golden") {
			t.Fatalf("replica after changes: %q, tags %v, stages %v", aws.ToString(rep.Description), rep.Tags, rep.VersionIdsToStages)
		}
		if v := must(eu.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(replicaARN)}))(t); *v.SecretString != "pw-2" || *v.VersionId != tokenB {
			t.Fatalf("replica value after PutSecretValue: %q (%s)", *v.SecretString, *v.VersionId)
		}

		replicaIsReadOnly(t, eu, replicaARN)
		for _, force := range []bool{false, true} {
			_, err := east.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(force)})
			wantErr(t, err, "InvalidParameterException", "You can't delete secret "+*created.ARN+" that still has replica regions [eu-west-1, ap-south-1].")
		}
		_, err := east.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: created.ARN, AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}}})
		wantErr(t, err, "InvalidParameterException", "Invalid replica region.")

		replicateOntoTakenName(t, east, west, *created.ARN)
		filterByPrimaryRegion(t, east, eu)

		// Remove two regions; promote the third.
		removed := must(east.RemoveRegionsFromReplication(ctx, &sm.RemoveRegionsFromReplicationInput{SecretId: created.Name, RemoveReplicaRegions: []string{"eu-west-1", "ap-south-1"}}))(t)
		if got := statusList(removed.ReplicationStatus); len(got) != 1 || !strings.HasPrefix(got[0], "us-west-2 ") || *removed.ARN != *created.ARN {
			t.Fatalf("after removing: %v", got)
		}
		_, err = eu.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(replicaARN)})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		stopped := must(west.StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: aws.String("app/db")}))(t)
		if *stopped.ARN != strings.Replace(*created.ARN, ":us-east-1:", ":us-west-2:", 1) {
			t.Fatalf("promoted ARN %s", *stopped.ARN)
		}
		must(west.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: stopped.ARN, SecretString: aws.String("west-only")}))(t)
		if d := must(west.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: stopped.ARN}))(t); d.PrimaryRegion != nil || d.ReplicationStatus != nil {
			t.Fatalf("promoted secret still replicated: %+v", d)
		}
		if d := must(east.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: created.ARN}))(t); d.PrimaryRegion != nil || d.ReplicationStatus != nil {
			t.Fatalf("primary still lists replicas: %v", statusList(d.ReplicationStatus))
		}
		if v := must(east.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: created.ARN}))(t); *v.SecretString != "pw-2" {
			t.Fatalf("primary value after the promotion: %q", *v.SecretString)
		}
		_, err = east.StopReplicationToReplica(ctx, &sm.StopReplicationToReplicaInput{SecretId: created.ARN})
		wantErr(t, err, "InvalidRequestException", "The secret "+*created.ARN+" isn't a replica secret…")
		must(east.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: created.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)}))(t)
	})
}

// replicaIsReadOnly: every change asked of a replica is refused as AWS refuses it.
func replicaIsReadOnly(t *testing.T, c *sm.Client, arn string) {
	t.Helper()
	id := aws.String(arn)
	for name, call := range map[string]func() error{
		"PutSecretValue": func() error {
			return last(c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: id, SecretString: aws.String("x")}))
		},
		"UpdateSecret": func() error {
			return last(c.UpdateSecret(ctx, &sm.UpdateSecretInput{SecretId: id, Description: aws.String("x")}))
		},
		"DeleteSecret":  func() error { return last(c.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: id})) },
		"RestoreSecret": func() error { return last(c.RestoreSecret(ctx, &sm.RestoreSecretInput{SecretId: id})) },
		"TagResource": func() error {
			return last(c.TagResource(ctx, &sm.TagResourceInput{SecretId: id, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
		},
		"UntagResource": func() error {
			return last(c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: id, TagKeys: []string{"team"}}))
		},
		"PutResourcePolicy": func() error {
			return last(c.PutResourcePolicy(ctx, &sm.PutResourcePolicyInput{SecretId: id, ResourcePolicy: aws.String(accountPolicy)}))
		},
		"GetResourcePolicy":    func() error { return last(c.GetResourcePolicy(ctx, &sm.GetResourcePolicyInput{SecretId: id})) },
		"DeleteResourcePolicy": func() error { return last(c.DeleteResourcePolicy(ctx, &sm.DeleteResourcePolicyInput{SecretId: id})) },
		"RotateSecret": func() error {
			return last(c.RotateSecret(ctx, &sm.RotateSecretInput{SecretId: id, RotationLambdaARN: aws.String("arn:aws:lambda:eu-west-1:123456789012:function:f")}))
		},
		"CancelRotateSecret": func() error { return last(c.CancelRotateSecret(ctx, &sm.CancelRotateSecretInput{SecretId: id})) },
		"UpdateSecretVersionStage": func() error {
			return last(c.UpdateSecretVersionStage(ctx, &sm.UpdateSecretVersionStageInput{SecretId: id, VersionStage: aws.String("x"), MoveToVersionId: aws.String(tokenB)}))
		},
		"ReplicateSecretToRegions": func() error {
			return last(c.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: id, AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}}}))
		},
		"RemoveRegionsFromReplication": func() error {
			return last(c.RemoveRegionsFromReplication(ctx, &sm.RemoveRegionsFromReplicationInput{SecretId: id, RemoveReplicaRegions: []string{"us-west-2"}}))
		},
	} {
		t.Run(name+" on a replica", func(t *testing.T) { wantErr(t, call(), "InvalidParameterException", notOnReplica) })
	}
}

// replicateOntoTakenName: a secret of the same name in the target region fails the region,
// unless ForceOverwriteReplicaSecret replaces it.
func replicateOntoTakenName(t *testing.T, east, west *sm.Client, arn string) {
	t.Helper()
	own := create(t, west, "app/db", "west-own")
	out := must(east.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: aws.String(arn),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}}}))(t)
	if got := statusList(out.ReplicationStatus); len(got) != 3 || got[2] != "us-west-2 alias/aws/secretsmanager Failed: Replication failed: Secret name app/db already exists in region us-west-2." {
		t.Fatalf("replicating onto a taken name: %v", got)
	}
	if v := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: own.ARN}))(t); *v.SecretString != "west-own" {
		t.Fatalf("the west secret changed without ForceOverwriteReplicaSecret: %q", *v.SecretString)
	}
	out = must(east.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: aws.String(arn), ForceOverwriteReplicaSecret: true,
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}}}))(t)
	if got := statusList(out.ReplicationStatus); got[2] != "us-west-2 alias/aws/secretsmanager InSync: Replication succeeded" || *out.ARN != arn {
		t.Fatalf("forced: %v", got)
	}
	_, err := west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: own.ARN})
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	if v := must(west.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("app/db")}))(t); *v.SecretString != "pw-2" {
		t.Fatalf("the overwritten west secret holds %q", *v.SecretString)
	}
}

// filterByPrimaryRegion: primary-region matches the primary and its replicas, with prefixes and
// negation as the other filters.
func filterByPrimaryRegion(t *testing.T, east, eu *sm.Client) {
	t.Helper()
	create(t, east, "solo", "v")
	create(t, eu, "eu-solo", "v")
	for _, tc := range []struct {
		c      *sm.Client
		region string
		values []string
		want   []string
	}{
		{east, "us-east-1", []string{"us-east-1"}, []string{"app/db"}},
		{east, "us-east-1", []string{"us-"}, []string{"app/db"}},
		{east, "us-east-1", []string{"!us-east-1"}, []string{"solo"}},
		{east, "us-east-1", []string{"eu-west-1"}, nil},
		{eu, "eu-west-1", []string{"us-east-1"}, []string{"app/db"}},
		{eu, "eu-west-1", []string{"!us"}, []string{"eu-solo"}},
	} {
		t.Run(tc.region+" "+strings.Join(tc.values, ","), func(t *testing.T) {
			out := must(tc.c.ListSecrets(ctx, &sm.ListSecretsInput{Filters: []types.Filter{{Key: "primary-region", Values: tc.values}}}))(t)
			var got []string
			for _, s := range out.SecretList {
				got = append(got, *s.Name)
				if *s.Name == "app/db" && aws.ToString(s.PrimaryRegion) != "us-east-1" {
					t.Errorf("%s in %s: PrimaryRegion %q", *s.Name, tc.region, aws.ToString(s.PrimaryRegion))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestReplicasStayInTheirAccount: another account sees neither the primary nor its replicas, and
// may use the same name in the replica's region.
func TestReplicasStayInTheirAccount(t *testing.T) {
	env, east, eu, _ := regionClients(t, "")
	otherCfg := env.AWSFor(env.NewAccount(t, "222222222222"))
	otherCfg.Region = "eu-west-1"
	other := sm.NewFromConfig(otherCfg)
	out := must(east.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("shared-name"), SecretString: aws.String("mine"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}}))(t)
	replicaARN := strings.Replace(*out.ARN, ":us-east-1:", ":eu-west-1:", 1)
	for _, id := range []string{"shared-name", replicaARN} {
		_, err := other.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(id)})
		wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	create(t, other, "shared-name", "theirs")
	if v := must(eu.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("shared-name")}))(t); *v.SecretString != "mine" {
		t.Fatalf("the replica reads %q", *v.SecretString)
	}
	_, err := other.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: out.ARN, AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-west-2")}}})
	wantErr(t, err, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	_, err = east.ReplicateSecretToRegions(ctx, &sm.ReplicateSecretToRegionsInput{SecretId: out.ARN, AddReplicaRegions: []types.ReplicaRegionType{}}, unchecked)
	wantErr(t, err, "ValidationException", "1 validation error detected: Value '[0 items]' at 'addReplicaRegions' failed to satisfy constraint: Member must have length greater than or equal to 1")
}

func last[T any](_ T, err error) error { return err }
