package dms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/surveyorhq/surveyor/internal/awsapi"
	"github.com/surveyorhq/surveyor/internal/core"
	"github.com/surveyorhq/surveyor/internal/resources"
	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// Replication subnet groups are stored resources: their identifier (lower case) is the record's
// id and name. Surveyor has no VPCs: a subnet id only has to look like one, every subnet of an
// account is in that account's one VPC, and a group's subnets are spread over the region's
// availability zones a, b, c in the order given, so two or more subnets always cover two zones.

var kindSubnetGroup = resources.Kind{Service: "dms", Type: "replication-subnet-group"}

// arnSubnetGroup is the ARN resource type of a subnet group: arn:aws:dms:<region>:<account>:subgrp:<identifier>.
const arnSubnetGroup = "subgrp"

// defaultSubnetGroup is the group an instance created without one is in; it always exists and
// is not listed.
const defaultSubnetGroup = "default"

var (
	subnetGroupIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	subnetIDPattern      = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// subnetGroupDoc is a replication subnet group as the store keeps it.
type subnetGroupDoc struct {
	Identifier  string    `json:"identifier"`
	Description string    `json:"description"`
	SubnetIDs   []string  `json:"subnetIds"`
	CreatedAt   time.Time `json:"createdAt"`
	Tags        []tagDoc  `json:"tags,omitempty"`
}

// AvailabilityZone is the DMS AvailabilityZone shape.
type AvailabilityZone struct {
	Name string
}

// Subnet is the DMS Subnet shape.
type Subnet struct {
	SubnetIdentifier       string
	SubnetAvailabilityZone *AvailabilityZone
	SubnetStatus           string
}

// ReplicationSubnetGroup is the DMS ReplicationSubnetGroup shape.
type ReplicationSubnetGroup struct {
	ReplicationSubnetGroupIdentifier  string
	ReplicationSubnetGroupDescription string
	VpcId                             string
	SubnetGroupStatus                 string
	Subnets                           []Subnet
	SupportedNetworkTypes             []string
}

// vpcID is the one VPC an account's subnets are in here.
func (f *Facade) vpcID(sc scope.Scope) string {
	sum := sha256.Sum256([]byte("vpc\x00" + sc.Account + "\x00" + sc.Region))
	return "vpc-" + hex.EncodeToString(sum[:])[:17]
}

func (f *Facade) subnetGroupShape(sc scope.Scope, d *subnetGroupDoc) *ReplicationSubnetGroup {
	g := &ReplicationSubnetGroup{ReplicationSubnetGroupIdentifier: d.Identifier, ReplicationSubnetGroupDescription: d.Description,
		VpcId: f.vpcID(sc), SubnetGroupStatus: "Complete", Subnets: []Subnet{}, SupportedNetworkTypes: []string{"IPV4"}}
	for i, id := range d.SubnetIDs {
		g.Subnets = append(g.Subnets, Subnet{SubnetIdentifier: id, SubnetStatus: "Active",
			SubnetAvailabilityZone: &AvailabilityZone{Name: sc.Region + string("abc"[i%3])}})
	}
	return g
}

// defaultSubnetGroupShape is the implicit "default" group.
func (f *Facade) defaultSubnetGroupShape(sc scope.Scope) *ReplicationSubnetGroup {
	return &ReplicationSubnetGroup{ReplicationSubnetGroupIdentifier: defaultSubnetGroup, ReplicationSubnetGroupDescription: "default",
		VpcId: f.vpcID(sc), SubnetGroupStatus: "Complete", Subnets: []Subnet{}, SupportedNetworkTypes: []string{"IPV4"}}
}

// subnetGroupOf is the shape of the group an instance names ("default" or a stored group; a
// group deleted since is shown by its identifier only).
func (f *Facade) subnetGroupOf(ctx context.Context, tx *store.Tx, sc scope.Scope, id string) (*ReplicationSubnetGroup, error) {
	if id == defaultSubnetGroup || id == "" {
		return f.defaultSubnetGroupShape(sc), nil
	}
	rec, err := resources.Get(ctx, tx, sc, kindSubnetGroup, id)
	if isNotFound(err) {
		return &ReplicationSubnetGroup{ReplicationSubnetGroupIdentifier: id}, nil
	}
	if err != nil {
		return nil, err
	}
	var d subnetGroupDoc
	if err := rec.Decode(&d); err != nil {
		return nil, err
	}
	return f.subnetGroupShape(sc, &d), nil
}

// checkSubnetGroupID validates an identifier and returns it lower-cased.
func checkSubnetGroupID(v *awsapi.Validator, id string) string {
	v.Required("ReplicationSubnetGroupIdentifier", id != "")
	if id != "" && !subnetGroupIDPattern.MatchString(id) {
		v.Fail("ReplicationSubnetGroupIdentifier", truncate(id, 300),
			"Member must contain no more than 255 alphanumeric characters, periods, underscores, or hyphens")
	}
	return strings.ToLower(id)
}

func validateDescription(v *awsapi.Validator, desc string) {
	if strings.IndexFunc(desc, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		v.Fail("ReplicationSubnetGroupDescription", truncate(desc, 300), "Member must not contain non-printable control characters")
	}
}

// checkSubnets validates the subnet list: real-looking ids (InvalidSubnet), no repeats, and
// at least two (ReplicationSubnetGroupDoesNotCoverEnoughAZs).
func checkSubnets(ids []string) error {
	for _, id := range ids {
		if !subnetIDPattern.MatchString(id) {
			return awsapi.Errorf(400, "InvalidSubnet", "The subnet provided isn't valid: %q is not a subnet id (subnet- and 8 or 17 hexadecimal digits).", truncate(id, 64))
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return invalid("The subnet %s is listed twice.", id)
		}
		seen[id] = true
	}
	if len(ids) < 2 {
		return awsapi.Errorf(400, "ReplicationSubnetGroupDoesNotCoverEnoughAZs",
			"The replication subnet group does not cover enough Availability Zones (AZs): give two or more subnets, in at least two availability zones.")
	}
	return nil
}

// CreateReplicationSubnetGroupInput is the CreateReplicationSubnetGroup request.
type CreateReplicationSubnetGroupInput struct {
	ReplicationSubnetGroupIdentifier  string
	ReplicationSubnetGroupDescription *string
	SubnetIds                         []string
	Tags                              []Tag
}

// ReplicationSubnetGroupOutput is the response of Create/ModifyReplicationSubnetGroup.
type ReplicationSubnetGroupOutput struct {
	ReplicationSubnetGroup *ReplicationSubnetGroup
}

func (f *Facade) CreateReplicationSubnetGroup(ctx context.Context, in *CreateReplicationSubnetGroupInput) (*ReplicationSubnetGroupOutput, error) {
	v := newValidator()
	id := checkSubnetGroupID(v, in.ReplicationSubnetGroupIdentifier)
	v.Required("ReplicationSubnetGroupDescription", in.ReplicationSubnetGroupDescription != nil)
	validateDescription(v, deref(in.ReplicationSubnetGroupDescription))
	v.Required("SubnetIds", in.SubnetIds != nil)
	validateTags(v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if id == defaultSubnetGroup {
		return nil, invalid("The parameter ReplicationSubnetGroupIdentifier must not be \"default\".")
	}
	if err := checkSubnets(in.SubnetIds); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	d := &subnetGroupDoc{Identifier: id, Description: deref(in.ReplicationSubnetGroupDescription), SubnetIDs: in.SubnetIds,
		CreatedAt: now, Tags: mergeTags(nil, in.Tags)}
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		err := resources.Insert(ctx, tx, sc, kindSubnetGroup, resources.Record{ID: id, Name: id, UniqueName: true, CreatedAt: now}, d)
		if errors.Is(err, resources.ErrExists) || errors.Is(err, resources.ErrNameTaken) {
			return awsapi.Errorf(400, codeAlreadyExists, "The Replication Subnet Group already exists.").
				WithField("resourceArn", f.arn(sc, arnSubnetGroup, id))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ReplicationSubnetGroupOutput{ReplicationSubnetGroup: f.subnetGroupShape(sc, d)}, nil
}

// ModifyReplicationSubnetGroupInput is the ModifyReplicationSubnetGroup request.
type ModifyReplicationSubnetGroupInput struct {
	ReplicationSubnetGroupIdentifier  string
	ReplicationSubnetGroupDescription *string
	SubnetIds                         []string
}

func (f *Facade) ModifyReplicationSubnetGroup(ctx context.Context, in *ModifyReplicationSubnetGroupInput) (*ReplicationSubnetGroupOutput, error) {
	v := newValidator()
	id := checkSubnetGroupID(v, in.ReplicationSubnetGroupIdentifier)
	v.Required("SubnetIds", in.SubnetIds != nil)
	validateDescription(v, deref(in.ReplicationSubnetGroupDescription))
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := checkSubnets(in.SubnetIds); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	var out *ReplicationSubnetGroup
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, d, err := f.getSubnetGroup(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		d.SubnetIDs = in.SubnetIds
		if in.ReplicationSubnetGroupDescription != nil {
			d.Description = *in.ReplicationSubnetGroupDescription
		}
		if err := resources.Update(ctx, tx, sc, kindSubnetGroup, rec.ID, rec.Name, d, now); err != nil {
			return err
		}
		out = f.subnetGroupShape(sc, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ReplicationSubnetGroupOutput{ReplicationSubnetGroup: out}, nil
}

// DeleteReplicationSubnetGroupInput is the DeleteReplicationSubnetGroup request.
type DeleteReplicationSubnetGroupInput struct {
	ReplicationSubnetGroupIdentifier string
}

// DeleteReplicationSubnetGroup deletes a group no replication instance uses.
func (f *Facade) DeleteReplicationSubnetGroup(ctx context.Context, in *DeleteReplicationSubnetGroupInput) (*struct{}, error) {
	v := newValidator()
	id := checkSubnetGroupID(v, in.ReplicationSubnetGroupIdentifier)
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		rec, _, err := f.getSubnetGroup(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		instances, err := listAll(ctx, tx, sc, kindInstance)
		if err != nil {
			return err
		}
		var users []string
		for _, r := range instances {
			var d instanceDoc
			if err := r.Decode(&d); err != nil {
				return err
			}
			if d.SubnetGroup == id && !d.gone(now) {
				users = append(users, d.Identifier)
			}
		}
		if len(users) > 0 {
			return invalidState("The replication subnet group %s is in use by replication instance(s) %s; delete them first.", id, strings.Join(users, ", "))
		}
		return resources.Delete(ctx, tx, sc, kindSubnetGroup, rec.ID)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DescribeReplicationSubnetGroupsInput is the DescribeReplicationSubnetGroups request.
type DescribeReplicationSubnetGroupsInput struct {
	Filters    []Filter
	Marker     string
	MaxRecords *int32
}

// DescribeReplicationSubnetGroupsOutput is the DescribeReplicationSubnetGroups response.
type DescribeReplicationSubnetGroupsOutput struct {
	Marker                  *string `json:",omitempty"`
	ReplicationSubnetGroups []*ReplicationSubnetGroup
}

func (f *Facade) DescribeReplicationSubnetGroups(ctx context.Context, in *DescribeReplicationSubnetGroupsInput) (*DescribeReplicationSubnetGroupsOutput, error) {
	limit, err := maxRecords(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	fs, err := filters(in.Filters, "replication-subnet-group-id")
	if err != nil {
		return nil, err
	}
	sc := core.Scope(ctx)
	scope := scopeOf(sc, "DescribeReplicationSubnetGroups", in.Filters)
	var p page
	if err := f.decodeMarker(scope, in.Marker, &p); err != nil {
		return nil, err
	}
	out := &DescribeReplicationSubnetGroupsOutput{ReplicationSubnetGroups: []*ReplicationSubnetGroup{}}
	err = f.DB.ReadTx(ctx, func(tx *store.Tx) error {
		out.ReplicationSubnetGroups, out.Marker = out.ReplicationSubnetGroups[:0], nil
		recs, _, err := resources.List(ctx, tx, sc, kindSubnetGroup, resources.ListQuery{After: p.After, Limit: 1 << 30})
		if err != nil {
			return err
		}
		lastID := ""
		for _, r := range recs {
			var d subnetGroupDoc
			if err := r.Decode(&d); err != nil {
				return err
			}
			if !matchesFold(fs, "replication-subnet-group-id", d.Identifier) {
				continue
			}
			if len(out.ReplicationSubnetGroups) == limit {
				out.Marker, err = f.encodeMarker(scope, page{After: lastID})
				return err
			}
			out.ReplicationSubnetGroups = append(out.ReplicationSubnetGroups, f.subnetGroupShape(sc, &d))
			lastID = r.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out.ReplicationSubnetGroups) == 0 && len(in.Filters) > 0 {
		return nil, notFound("No replication subnet groups found matching the filters.")
	}
	return out, nil
}

// getSubnetGroup reads a group by identifier (lower case), or answers ResourceNotFoundFault.
func (f *Facade) getSubnetGroup(ctx context.Context, tx *store.Tx, sc scope.Scope, id string) (resources.Record, *subnetGroupDoc, error) {
	rec, err := resources.Get(ctx, tx, sc, kindSubnetGroup, id)
	if isNotFound(err) {
		return rec, nil, notFound("Replication subnet group %s could not be found.", id)
	}
	if err != nil {
		return rec, nil, err
	}
	var d subnetGroupDoc
	if err := rec.Decode(&d); err != nil {
		return rec, nil, err
	}
	return rec, &d, nil
}

// subnetGroupARN parses arn:aws:dms:<region>:<account>:subgrp:<identifier>.
func (f *Facade) subnetGroupARN(sc scope.Scope, arn string) (string, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 7 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "dms" ||
		parts[3] != sc.Region || parts[4] != sc.Account || parts[5] != arnSubnetGroup || !subnetGroupIDPattern.MatchString(parts[6]) {
		return "", false
	}
	return strings.ToLower(parts[6]), true
}
