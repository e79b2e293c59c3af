package dms_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dms "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice"
	"github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/server/servertest"
	"github.com/surveyorhq/surveyor/internal/testdb"
)

// An endpoint needs only its identifier, type and engine; without a server name it is created,
// its connection test fails saying what to set, and once set the test succeeds.
func TestEndpointWithoutServerNameIsCreatedAndFixedLater(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.Postgres, "dms_later")
	instanceArn := h.instance(t, "later", false)
	out, err := h.c.CreateEndpoint(ctx, &dms.CreateEndpointInput{EndpointIdentifier: aws.String("later"),
		EndpointType: types.ReplicationEndpointTypeValueSource, EngineName: aws.String("postgres")})
	if err != nil {
		t.Fatalf("CreateEndpoint with only the required members: %v", err)
	}
	e := out.Endpoint
	if aws.ToString(e.Status) != "active" || e.ServerName != nil || aws.ToString(e.EngineDisplayName) != "PostgreSQL" {
		t.Errorf("endpoint = status %s server %v display %s", aws.ToString(e.Status), e.ServerName, aws.ToString(e.EngineDisplayName))
	}
	arn := aws.ToString(e.EndpointArn)
	c := h.testConnection(t, arn, instanceArn)
	if aws.ToString(c.Status) != "failed" || !strings.Contains(aws.ToString(c.LastFailureMessage), "Endpoint later has no server name: set ServerName with ModifyEndpoint") {
		t.Fatalf("connection = %s %q", aws.ToString(c.Status), aws.ToString(c.LastFailureMessage))
	}
	_, err = h.c.RefreshSchemas(ctx, &dms.RefreshSchemasInput{EndpointArn: &arn, ReplicationInstanceArn: &instanceArn})
	wantFault(t, err, "InvalidResourceStateFault", "should be successful for refreshing schemas (the connection status is failed)")

	s := db.Source
	if _, err := h.c.ModifyEndpoint(ctx, &dms.ModifyEndpointInput{EndpointArn: &arn, ServerName: aws.String(s.Host), Port: aws.Int32(int32(s.Port)),
		DatabaseName: aws.String(s.Database), Username: aws.String(s.User), Password: aws.String("later-pw-3341")}); err != nil {
		t.Fatal(err)
	}
	if c := h.testConnection(t, arn, instanceArn); aws.ToString(c.Status) != "successful" {
		t.Fatalf("after ModifyEndpoint: connection = %s %q", aws.ToString(c.Status), aws.ToString(c.LastFailureMessage))
	}
	if st := h.refresh(t, arn, instanceArn); st.Status != types.RefreshSchemasStatusTypeValueSuccessful {
		t.Fatalf("refresh = %+v", st)
	}
}

// ResourceIdentifier ends the ARN exactly as given, and that ARN works everywhere.
func TestResourceIdentifierKeepsItsCase(t *testing.T) {
	h := start(t)
	db := testdb.New(t, connector.Postgres, "dms_rid")
	in := pgEndpoint("rid", db)
	in.ResourceIdentifier = aws.String("Example-App-ARN1")
	in.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}}
	out, err := h.c.CreateEndpoint(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Endpoint.EndpointArn)
	if want := "arn:aws:dms:us-east-1:" + h.env.Key.AccountID + ":endpoint:Example-App-ARN1"; arn != want {
		t.Fatalf("EndpointArn = %s; want %s", arn, want)
	}
	d, err := h.c.DescribeEndpoints(ctx, &dms.DescribeEndpointsInput{Filters: []types.Filter{{Name: aws.String("endpoint-arn"), Values: []string{arn}}}})
	if err != nil || len(d.Endpoints) != 1 || aws.ToString(d.Endpoints[0].EndpointArn) != arn {
		t.Fatalf("DescribeEndpoints by ARN = %+v, %v", d, err)
	}
	if tags, err := h.c.ListTagsForResource(ctx, &dms.ListTagsForResourceInput{ResourceArn: &arn}); err != nil || len(tags.TagList) != 1 {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}
	// Another case of the same identifier is another ARN.
	in2 := pgEndpoint("rid-2", db)
	in2.ResourceIdentifier = aws.String("example-app-arn1")
	if out2, err := h.c.CreateEndpoint(ctx, in2); err != nil || !strings.HasSuffix(aws.ToString(out2.Endpoint.EndpointArn), ":endpoint:example-app-arn1") {
		t.Fatalf("lower-case twin = %+v, %v", out2, err)
	}
	in3 := pgEndpoint("rid-3", db)
	in3.ResourceIdentifier = aws.String("Example-App-ARN1")
	_, err = h.c.CreateEndpoint(ctx, in3)
	wantFault(t, err, "ResourceAlreadyExistsFault", "Example-App-ARN1 already exists")

	ri, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("rid"),
		ReplicationInstanceClass: aws.String("dms.t3.micro"), ResourceIdentifier: aws.String("My-Rep-1")})
	if err != nil || !strings.HasSuffix(aws.ToString(ri.ReplicationInstance.ReplicationInstanceArn), ":rep:My-Rep-1") {
		t.Fatalf("instance with a ResourceIdentifier = %+v, %v", ri, err)
	}
	if _, err := h.c.DeleteEndpoint(ctx, &dms.DeleteEndpointInput{EndpointArn: &arn}); err != nil {
		t.Fatalf("DeleteEndpoint by the mixed-case ARN: %v", err)
	}
}

// A deleted replication instance reads "deleting" (in the answer, and in the first describe
// that lists it), then is gone: not found, and its identifier is free again.
func TestDeletedReplicationInstance(t *testing.T) {
	h := start(t)
	arn := h.instance(t, "doomed", false)
	del, err := h.c.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: &arn})
	if err != nil || aws.ToString(del.ReplicationInstance.ReplicationInstanceStatus) != "deleting" {
		t.Fatalf("DeleteReplicationInstance = %+v, %v", del, err)
	}
	db := testdb.New(t, connector.Postgres, "dms_doomed")
	endpointArn := h.endpoint(t, pgEndpoint("doomed-pg", db))
	_, err = h.c.TestConnection(ctx, &dms.TestConnectionInput{EndpointArn: &endpointArn, ReplicationInstanceArn: &arn})
	wantFault(t, err, "InvalidResourceStateFault", "is not available (its status is deleting)")

	list, err := h.c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{})
	if err != nil || len(list.ReplicationInstances) != 1 || aws.ToString(list.ReplicationInstances[0].ReplicationInstanceStatus) != "deleting" {
		t.Fatalf("first describe after the delete = %+v, %v; want it deleting", list, err)
	}
	list, err = h.c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{})
	if err != nil || len(list.ReplicationInstances) != 0 {
		t.Fatalf("second describe = %+v, %v; want it gone", list, err)
	}
	_, err = h.c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-arn"), Values: []string{arn}}}})
	wantFault(t, err, "ResourceNotFoundFault", "No replication instances found matching the filters.")
	_, err = h.c.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: &arn})
	wantFault(t, err, "ResourceNotFoundFault", "Replication instance could not be found.")
	if again := h.instance(t, "doomed", false); again == arn {
		t.Errorf("the new instance has the deleted one's ARN")
	}
}

// Without a describe, a deleted instance is gone after a while (the server's clock).
func TestDeletedReplicationInstanceGoesAfterAWhile(t *testing.T) {
	clock := &servertest.Clock{}
	env := servertest.Start(t, servertest.Options{Now: clock.Now})
	c := dms.NewFromConfig(env.AWS(), func(o *dms.Options) { o.HTTPSignerV4 = servertest.SignedAt(clock.Now) })
	out, err := c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("brief"),
		ReplicationInstanceClass: aws.String("dms.t3.micro")})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.ReplicationInstance.ReplicationInstanceArn
	if _, err := c.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: arn}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	_, err = c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{
		Filters: []types.Filter{{Name: aws.String("replication-instance-id"), Values: []string{"brief"}}}})
	wantFault(t, err, "ResourceNotFoundFault", "No replication instances found")
}

func TestReplicationSubnetGroups(t *testing.T) {
	h := start(t)
	acct := h.env.Key.AccountID
	created, err := h.c.CreateReplicationSubnetGroup(ctx, &dms.CreateReplicationSubnetGroupInput{
		ReplicationSubnetGroupIdentifier:  aws.String("Private-Subnets"),
		ReplicationSubnetGroupDescription: aws.String("the private subnets"),
		SubnetIds:                         []string{"subnet-0123456789abcdef0", "subnet-0badc0de"},
		Tags:                              []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	g := created.ReplicationSubnetGroup
	if aws.ToString(g.ReplicationSubnetGroupIdentifier) != "private-subnets" || aws.ToString(g.ReplicationSubnetGroupDescription) != "the private subnets" ||
		!strings.HasPrefix(aws.ToString(g.VpcId), "vpc-") || aws.ToString(g.SubnetGroupStatus) != "Complete" || len(g.Subnets) != 2 ||
		aws.ToString(g.Subnets[0].SubnetIdentifier) != "subnet-0123456789abcdef0" || aws.ToString(g.Subnets[0].SubnetAvailabilityZone.Name) != "us-east-1a" ||
		aws.ToString(g.Subnets[1].SubnetAvailabilityZone.Name) != "us-east-1b" || aws.ToString(g.Subnets[1].SubnetStatus) != "Active" {
		t.Fatalf("created group = %+v", g)
	}
	groupArn := "arn:aws:dms:us-east-1:" + acct + ":subgrp:private-subnets"
	if tags, err := h.c.ListTagsForResource(ctx, &dms.ListTagsForResourceInput{ResourceArn: &groupArn}); err != nil ||
		len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Key) != "env" {
		t.Errorf("tags of the group = %+v, %v", tags, err)
	}

	for _, tc := range []struct {
		name, id string
		subnets  []string
		code     string
		msg      string
	}{
		{"same identifier, other case", "PRIVATE-subnets", []string{"subnet-11111111", "subnet-22222222"}, "ResourceAlreadyExistsFault", "The Replication Subnet Group already exists."},
		{"one subnet", "one", []string{"subnet-11111111"}, "ReplicationSubnetGroupDoesNotCoverEnoughAZs", "does not cover enough Availability Zones"},
		{"not a subnet id", "bad", []string{"subnet-11111111", "sg-12345678"}, "InvalidSubnet", `"sg-12345678" is not a subnet id`},
		{"the name default", "Default", []string{"subnet-11111111", "subnet-22222222"}, "InvalidParameterValueException", `must not be "default"`},
		{"a space in the identifier", "my group", []string{"subnet-11111111", "subnet-22222222"}, "InvalidParameterValueException", "ReplicationSubnetGroupIdentifier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.c.CreateReplicationSubnetGroup(ctx, &dms.CreateReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String(tc.id),
				ReplicationSubnetGroupDescription: aws.String("d"), SubnetIds: tc.subnets})
			wantFault(t, err, tc.code, tc.msg)
		})
	}

	// Paging and filters.
	for i := range 24 {
		if _, err := h.c.CreateReplicationSubnetGroup(ctx, &dms.CreateReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String(fmt.Sprintf("g%02d", i)),
			ReplicationSubnetGroupDescription: aws.String("d"), SubnetIds: []string{"subnet-11111111", "subnet-22222222"}}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	for pages := 1; ; pages++ {
		out, err := h.c.DescribeReplicationSubnetGroups(ctx, &dms.DescribeReplicationSubnetGroupsInput{MaxRecords: aws.Int32(20), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ReplicationSubnetGroups) > 20 {
			t.Fatalf("page of %d", len(out.ReplicationSubnetGroups))
		}
		for _, g := range out.ReplicationSubnetGroups {
			names = append(names, aws.ToString(g.ReplicationSubnetGroupIdentifier))
		}
		if marker = out.Marker; marker == nil {
			if pages != 2 {
				t.Errorf("%d pages; want 2", pages)
			}
			break
		}
	}
	slices.Sort(names)
	if len(names) != 25 || names[0] != "g00" || names[24] != "private-subnets" || slices.Contains(names, "default") {
		t.Errorf("listed %d groups: %v", len(names), names)
	}
	one, err := h.c.DescribeReplicationSubnetGroups(ctx, &dms.DescribeReplicationSubnetGroupsInput{
		Filters: []types.Filter{{Name: aws.String("replication-subnet-group-id"), Values: []string{"Private-Subnets"}}}})
	if err != nil || len(one.ReplicationSubnetGroups) != 1 {
		t.Errorf("filter by id = %+v, %v", one, err)
	}
	_, err = h.c.DescribeReplicationSubnetGroups(ctx, &dms.DescribeReplicationSubnetGroupsInput{
		Filters: []types.Filter{{Name: aws.String("replication-subnet-group-id"), Values: []string{"nope"}}}})
	wantFault(t, err, "ResourceNotFoundFault", "No replication subnet groups found")
	_, err = h.c.DescribeReplicationSubnetGroups(ctx, &dms.DescribeReplicationSubnetGroupsInput{
		Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"x"}}}})
	wantFault(t, err, "InvalidParameterValueException", "valid filter names are: replication-subnet-group-id")

	// Modify.
	mod, err := h.c.ModifyReplicationSubnetGroup(ctx, &dms.ModifyReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("private-subnets"),
		SubnetIds: []string{"subnet-33333333", "subnet-44444444", "subnet-55555555"}, ReplicationSubnetGroupDescription: aws.String("three")})
	if err != nil || len(mod.ReplicationSubnetGroup.Subnets) != 3 || aws.ToString(mod.ReplicationSubnetGroup.ReplicationSubnetGroupDescription) != "three" ||
		aws.ToString(mod.ReplicationSubnetGroup.Subnets[2].SubnetAvailabilityZone.Name) != "us-east-1c" {
		t.Fatalf("ModifyReplicationSubnetGroup = %+v, %v", mod, err)
	}
	_, err = h.c.ModifyReplicationSubnetGroup(ctx, &dms.ModifyReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("nope"),
		SubnetIds: []string{"subnet-33333333", "subnet-44444444"}})
	wantFault(t, err, "ResourceNotFoundFault", "Replication subnet group nope could not be found.")
	_, err = h.c.ModifyReplicationSubnetGroup(ctx, &dms.ModifyReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("private-subnets"),
		SubnetIds: []string{"subnet-33333333"}})
	wantFault(t, err, "ReplicationSubnetGroupDoesNotCoverEnoughAZs", "two or more subnets")

	// An instance in the group shows it whole; a group in use cannot be deleted.
	_, err = h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("lost"),
		ReplicationInstanceClass: aws.String("dms.t3.micro"), ReplicationSubnetGroupIdentifier: aws.String("nope")})
	wantFault(t, err, "ResourceNotFoundFault", "Replication subnet group nope could not be found.")
	ri, err := h.c.CreateReplicationInstance(ctx, &dms.CreateReplicationInstanceInput{ReplicationInstanceIdentifier: aws.String("inside"),
		ReplicationInstanceClass: aws.String("dms.t3.micro"), ReplicationSubnetGroupIdentifier: aws.String("Private-Subnets")})
	if err != nil {
		t.Fatal(err)
	}
	if rg := ri.ReplicationInstance.ReplicationSubnetGroup; rg == nil || aws.ToString(rg.ReplicationSubnetGroupIdentifier) != "private-subnets" ||
		len(rg.Subnets) != 3 || aws.ToString(rg.VpcId) != aws.ToString(g.VpcId) {
		t.Errorf("instance's subnet group = %+v", rg)
	}
	_, err = h.c.DeleteReplicationSubnetGroup(ctx, &dms.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("private-subnets")})
	wantFault(t, err, "InvalidResourceStateFault", "in use by replication instance(s) inside")
	if _, err := h.c.DeleteReplicationInstance(ctx, &dms.DeleteReplicationInstanceInput{ReplicationInstanceArn: ri.ReplicationInstance.ReplicationInstanceArn}); err != nil {
		t.Fatal(err)
	}
	_, err = h.c.DeleteReplicationSubnetGroup(ctx, &dms.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("private-subnets")})
	wantFault(t, err, "InvalidResourceStateFault", "in use")                                                   // the instance is still deleting
	if _, err := h.c.DescribeReplicationInstances(ctx, &dms.DescribeReplicationInstancesInput{}); err != nil { // lists it deleting: then it is gone
		t.Fatal(err)
	}
	if _, err := h.c.DeleteReplicationSubnetGroup(ctx, &dms.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("private-subnets")}); err != nil {
		t.Fatalf("DeleteReplicationSubnetGroup once unused: %v", err)
	}
	_, err = h.c.DeleteReplicationSubnetGroup(ctx, &dms.DeleteReplicationSubnetGroupInput{ReplicationSubnetGroupIdentifier: aws.String("private-subnets")})
	wantFault(t, err, "ResourceNotFoundFault", "could not be found")
	_, err = h.c.DescribeReplicationSubnetGroups(ctx, &dms.DescribeReplicationSubnetGroupsInput{
		Filters: []types.Filter{{Name: aws.String("replication-subnet-group-id"), Values: []string{"private-subnets"}}}})
	wantFault(t, err, "ResourceNotFoundFault", "No replication subnet groups found")
}
