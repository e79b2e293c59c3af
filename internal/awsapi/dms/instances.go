package dms

import (
	"context"
	"encoding/json"
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

// creatingFor is how long a new replication instance stays "creating" unless a
// DescribeReplicationInstances call lists it first (moto's habit: the first describe advances
// it). Surveyor's instances are its workers, so nothing is really being created.
const creatingFor = 10 * time.Second

// Replication instance statuses.
const (
	statusCreating  = "creating"
	statusAvailable = "available"
	statusDeleting  = "deleting"
)

// instanceDoc is a replication instance as the store keeps it.
type instanceDoc struct {
	Identifier                 string    `json:"identifier"`
	Class                      string    `json:"class"`
	AllocatedStorage           int32     `json:"allocatedStorage"`
	AutoMinorVersionUpgrade    bool      `json:"autoMinorVersionUpgrade"`
	AvailabilityZone           string    `json:"availabilityZone"`
	DnsNameServers             string    `json:"dnsNameServers,omitempty"`
	EngineVersion              string    `json:"engineVersion"`
	KmsKeyId                   string    `json:"kmsKeyId,omitempty"`
	MultiAZ                    bool      `json:"multiAZ"`
	NetworkType                string    `json:"networkType"`
	PreferredMaintenanceWindow string    `json:"preferredMaintenanceWindow"`
	PubliclyAccessible         bool      `json:"publiclyAccessible"`
	SubnetGroup                string    `json:"subnetGroup,omitempty"`
	VpcSecurityGroupIds        []string  `json:"vpcSecurityGroupIds,omitempty"`
	CreatedAt                  time.Time `json:"createdAt"`
	AvailableAt                time.Time `json:"availableAt"`
	Tags                       []tagDoc  `json:"tags,omitempty"`
	// DeletingAt is when DeleteReplicationInstance was called. The instance then reads
	// "deleting" until a DescribeReplicationInstances has listed it so (Reported) or for
	// deletingFor, after which it is gone: not found, its identifier free again.
	DeletingAt *time.Time `json:"deletingAt,omitempty"`
	Reported   bool       `json:"reported,omitempty"`
}

// deletingFor is how long a deleted instance reads "deleting" unless a describe lists it first.
const deletingFor = creatingFor

func (d *instanceDoc) status(now time.Time) string {
	switch {
	case d.DeletingAt != nil:
		return statusDeleting
	case now.Before(d.AvailableAt):
		return statusCreating
	}
	return statusAvailable
}

// gone reports whether a deleted instance no longer shows.
func (d *instanceDoc) gone(now time.Time) bool {
	return d.DeletingAt != nil && (d.Reported || !now.Before(d.DeletingAt.Add(deletingFor)))
}

// VpcSecurityGroupMembership is one security group of an instance.
type VpcSecurityGroupMembership struct {
	VpcSecurityGroupId string
	Status             string
}

// ReplicationInstance is the DMS ReplicationInstance shape.
type ReplicationInstance struct {
	ReplicationInstanceIdentifier         string
	ReplicationInstanceClass              string
	ReplicationInstanceStatus             string
	ReplicationInstanceArn                string
	AllocatedStorage                      int32
	InstanceCreateTime                    awsapi.EpochSeconds
	AvailabilityZone                      string
	AutoMinorVersionUpgrade               bool
	EngineVersion                         string
	MultiAZ                               bool
	PubliclyAccessible                    bool
	NetworkType                           string
	PreferredMaintenanceWindow            string
	KmsKeyId                              *string                      `json:",omitempty"`
	DnsNameServers                        *string                      `json:",omitempty"`
	ReplicationSubnetGroup                *ReplicationSubnetGroup      `json:",omitempty"`
	VpcSecurityGroups                     []VpcSecurityGroupMembership `json:",omitempty"`
	ReplicationInstancePrivateIpAddress   string
	ReplicationInstancePrivateIpAddresses []string
	ReplicationInstancePublicIpAddresses  []string
}

// instanceShape is the instance as DMS answers it; group is its subnet group's shape (subnetGroupShape).
func (f *Facade) instanceShape(sc scope.Scope, r resources.Record, d *instanceDoc, status string, group *ReplicationSubnetGroup) *ReplicationInstance {
	ri := &ReplicationInstance{
		ReplicationInstanceIdentifier: d.Identifier, ReplicationInstanceClass: d.Class,
		ReplicationInstanceStatus: status, ReplicationInstanceArn: f.arn(sc, arnInstance, r.ID),
		AllocatedStorage: d.AllocatedStorage, InstanceCreateTime: awsapi.EpochSeconds(d.CreatedAt),
		AvailabilityZone: d.AvailabilityZone, AutoMinorVersionUpgrade: d.AutoMinorVersionUpgrade,
		EngineVersion: d.EngineVersion, MultiAZ: d.MultiAZ, PubliclyAccessible: d.PubliclyAccessible,
		NetworkType: d.NetworkType, PreferredMaintenanceWindow: d.PreferredMaintenanceWindow,
		KmsKeyId: nonEmpty(d.KmsKeyId), DnsNameServers: nonEmpty(d.DnsNameServers),
		// The instance is this server's worker pool, reached on loopback.
		ReplicationInstancePrivateIpAddress:   "127.0.0.1",
		ReplicationInstancePrivateIpAddresses: []string{"127.0.0.1"},
		ReplicationInstancePublicIpAddresses:  []string{},
	}
	if d.SubnetGroup != "" {
		ri.ReplicationSubnetGroup = group
	}
	for _, g := range d.VpcSecurityGroupIds {
		ri.VpcSecurityGroups = append(ri.VpcSecurityGroups, VpcSecurityGroupMembership{VpcSecurityGroupId: g, Status: "active"})
	}
	return ri
}

// CreateReplicationInstanceInput is the CreateReplicationInstance request.
type CreateReplicationInstanceInput struct {
	ReplicationInstanceIdentifier    string
	ReplicationInstanceClass         string
	AllocatedStorage                 *int32
	AutoMinorVersionUpgrade          *bool
	AvailabilityZone                 string
	DnsNameServers                   string
	EngineVersion                    string
	KmsKeyId                         string
	MultiAZ                          *bool
	NetworkType                      string
	PreferredMaintenanceWindow       string
	PubliclyAccessible               *bool
	ReplicationSubnetGroupIdentifier string
	ResourceIdentifier               string
	Tags                             []Tag
	VpcSecurityGroupIds              []string
}

// ReplicationInstanceOutput is the response of Create/DeleteReplicationInstance.
type ReplicationInstanceOutput struct {
	ReplicationInstance *ReplicationInstance
}

var (
	instanceClassPattern      = regexp.MustCompile(`^dms\.[a-z0-9]+\.[a-z0-9]+$`)
	maintenanceWindowPattern  = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$`)
	resourceIdentifierPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
)

func (f *Facade) CreateReplicationInstance(ctx context.Context, in *CreateReplicationInstanceInput) (*ReplicationInstanceOutput, error) {
	if err := validateCreateInstance(in); err != nil {
		return nil, err
	}
	if err := checkIdentifier("ReplicationInstanceIdentifier", in.ReplicationInstanceIdentifier, 63); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	d := newInstanceDoc(sc, in, now)
	rec := resources.Record{ID: newResourceID(), Name: d.Identifier, UniqueName: true, CreatedAt: now}
	if in.ResourceIdentifier != "" {
		rec.ID = in.ResourceIdentifier // kept as given: it ends the ARN
	}
	var group *ReplicationSubnetGroup
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		if d.SubnetGroup != defaultSubnetGroup {
			if _, _, err := f.getSubnetGroup(ctx, tx, sc, d.SubnetGroup); err != nil {
				return err
			}
		}
		var err error
		if group, err = f.subnetGroupOf(ctx, tx, sc, d.SubnetGroup); err != nil {
			return err
		}
		if err := f.freeInstanceIdentifier(ctx, tx, sc, d.Identifier, now); err != nil {
			return err
		}
		err = resources.Insert(ctx, tx, sc, kindInstance, rec, d)
		if errors.Is(err, resources.ErrNameTaken) { // created by another process since the lookup
			return awsapi.Errorf(400, codeAlreadyExists, "Replication instance %s already exists.", d.Identifier)
		}
		if errors.Is(err, resources.ErrExists) {
			return awsapi.Errorf(400, codeAlreadyExists, "A replication instance with the resource identifier %s already exists.", in.ResourceIdentifier).
				WithField("resourceArn", f.arn(sc, arnInstance, rec.ID))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &ReplicationInstanceOutput{ReplicationInstance: f.instanceShape(sc, rec, d, statusCreating, group)}, nil
}

// validateCreateInstance checks a CreateReplicationInstance request against the model.
func validateCreateInstance(in *CreateReplicationInstanceInput) error {
	v := newValidator()
	v.Required("ReplicationInstanceIdentifier", in.ReplicationInstanceIdentifier != "")
	v.Required("ReplicationInstanceClass", in.ReplicationInstanceClass != "")
	if in.ReplicationInstanceClass != "" {
		v.Length("ReplicationInstanceClass", in.ReplicationInstanceClass, 1, 30)
		v.Pattern("ReplicationInstanceClass", in.ReplicationInstanceClass, instanceClassPattern)
	}
	if in.AllocatedStorage != nil {
		v.Range("AllocatedStorage", int64(*in.AllocatedStorage), 5, 6144)
	}
	if in.PreferredMaintenanceWindow != "" {
		v.Pattern("PreferredMaintenanceWindow", strings.ToLower(in.PreferredMaintenanceWindow), maintenanceWindowPattern)
	}
	if in.NetworkType != "" {
		v.Enum("NetworkType", in.NetworkType, "IPV4", "DUAL")
	}
	if in.ResourceIdentifier != "" {
		v.Length("ResourceIdentifier", in.ResourceIdentifier, 1, 31)
		v.Pattern("ResourceIdentifier", in.ResourceIdentifier, resourceIdentifierPattern)
	}
	validateTags(v, in.Tags)
	return v.Err()
}

// newInstanceDoc is the instance a CreateReplicationInstance request makes, with AWS's defaults
// for what it leaves out.
func newInstanceDoc(sc scope.Scope, in *CreateReplicationInstanceInput, now time.Time) *instanceDoc {
	d := &instanceDoc{
		Identifier: strings.ToLower(in.ReplicationInstanceIdentifier), Class: in.ReplicationInstanceClass,
		AllocatedStorage: 50, AvailabilityZone: in.AvailabilityZone, DnsNameServers: in.DnsNameServers,
		EngineVersion: in.EngineVersion, KmsKeyId: in.KmsKeyId, MultiAZ: deref(in.MultiAZ),
		NetworkType: in.NetworkType, PreferredMaintenanceWindow: strings.ToLower(in.PreferredMaintenanceWindow),
		PubliclyAccessible: true, SubnetGroup: strings.ToLower(in.ReplicationSubnetGroupIdentifier),
		VpcSecurityGroupIds: in.VpcSecurityGroupIds, CreatedAt: now, AvailableAt: now.Add(creatingFor),
		AutoMinorVersionUpgrade: true, Tags: mergeTags(nil, in.Tags),
	}
	if in.AllocatedStorage != nil {
		d.AllocatedStorage = *in.AllocatedStorage
	}
	if in.PubliclyAccessible != nil {
		d.PubliclyAccessible = *in.PubliclyAccessible
	}
	if in.AutoMinorVersionUpgrade != nil {
		d.AutoMinorVersionUpgrade = *in.AutoMinorVersionUpgrade
	}
	if d.AvailabilityZone == "" {
		d.AvailabilityZone = sc.Region + "a"
	}
	if d.EngineVersion == "" {
		d.EngineVersion = "3.5.3"
	}
	if d.NetworkType == "" {
		d.NetworkType = "IPV4"
	}
	if d.PreferredMaintenanceWindow == "" {
		d.PreferredMaintenanceWindow = "sun:06:00-sun:06:30"
	}
	if d.SubnetGroup == "" {
		d.SubnetGroup = "default"
	}
	return d
}

// freeInstanceIdentifier refuses an identifier an instance of the account and region uses; a
// deleted instance that no longer shows frees its identifier.
func (f *Facade) freeInstanceIdentifier(ctx context.Context, tx *store.Tx, sc scope.Scope, identifier string, now time.Time) error {
	old, err := resources.GetByName(ctx, tx, sc, kindInstance, identifier)
	switch {
	case isNotFound(err):
		return nil
	case err != nil:
		return err
	}
	var od instanceDoc
	if err := old.Decode(&od); err != nil {
		return err
	}
	if !od.gone(now) {
		return awsapi.Errorf(400, codeAlreadyExists, "Replication instance %s already exists.", identifier).
			WithField("resourceArn", f.arn(sc, arnInstance, old.ID))
	}
	return resources.Delete(ctx, tx, sc, kindInstance, old.ID)
}

// DescribeReplicationInstancesInput is the DescribeReplicationInstances request.
type DescribeReplicationInstancesInput struct {
	Filters    []Filter
	Marker     string
	MaxRecords *int32
}

// DescribeReplicationInstancesOutput is the DescribeReplicationInstances response.
type DescribeReplicationInstancesOutput struct {
	Marker               *string `json:",omitempty"`
	ReplicationInstances []*ReplicationInstance
}

func (f *Facade) DescribeReplicationInstances(ctx context.Context, in *DescribeReplicationInstancesInput) (*DescribeReplicationInstancesOutput, error) {
	limit, err := maxRecords(in.MaxRecords)
	if err != nil {
		return nil, err
	}
	fs, err := filters(in.Filters, "replication-instance-arn", "replication-instance-id", "replication-instance-class", "engine-version")
	if err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	scope := scopeOf(sc, "DescribeReplicationInstances", in.Filters)
	var p page
	if err := f.decodeMarker(scope, in.Marker, &p); err != nil {
		return nil, err
	}
	out := &DescribeReplicationInstancesOutput{ReplicationInstances: []*ReplicationInstance{}}
	err = f.DB.Tx(ctx, func(tx *store.Tx) error {
		out.ReplicationInstances = out.ReplicationInstances[:0]
		out.Marker = nil
		all, err := listAll(ctx, tx, sc, kindInstance)
		if err != nil {
			return err
		}
		started, lastID := p.After == "", ""
		for _, r := range all {
			if !started {
				started = r.ID == p.After
				continue
			}
			var d instanceDoc
			if err := r.Decode(&d); err != nil {
				return err
			}
			if d.gone(now) {
				continue
			}
			arn := f.arn(sc, arnInstance, r.ID)
			if !matches(fs, "replication-instance-arn", arn) || !matchesFold(fs, "replication-instance-id", d.Identifier) ||
				!matches(fs, "replication-instance-class", d.Class) || !matches(fs, "engine-version", d.EngineVersion) {
				continue
			}
			if len(out.ReplicationInstances) == limit {
				out.Marker, err = f.encodeMarker(scope, page{After: lastID})
				return err
			}
			// A describe that sees a creating instance finishes its creation, and one that sees a
			// deleting instance finishes its deletion (moto's lifecycle): listed once as it is.
			status := d.status(now)
			switch status {
			case statusCreating:
				d.AvailableAt = now
			case statusDeleting:
				d.Reported = true
			}
			if status != statusAvailable {
				if err := resources.Update(ctx, tx, sc, kindInstance, r.ID, r.Name, &d, now); err != nil {
					return err
				}
			}
			group, err := f.subnetGroupOf(ctx, tx, sc, d.SubnetGroup)
			if err != nil {
				return err
			}
			ri := f.instanceShape(sc, r, &d, d.status(now), group)
			out.ReplicationInstances = append(out.ReplicationInstances, ri)
			lastID = r.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out.ReplicationInstances) == 0 && len(in.Filters) > 0 {
		return nil, notFound("No replication instances found matching the filters.")
	}
	return out, nil
}

// DeleteReplicationInstanceInput is the DeleteReplicationInstance request.
type DeleteReplicationInstanceInput struct {
	ReplicationInstanceArn string
}

func (f *Facade) DeleteReplicationInstance(ctx context.Context, in *DeleteReplicationInstanceInput) (*ReplicationInstanceOutput, error) {
	v := newValidator()
	v.Required("ReplicationInstanceArn", in.ReplicationInstanceArn != "")
	if err := v.Err(); err != nil {
		return nil, err
	}
	sc, now := core.Scope(ctx), f.now()
	var out *ReplicationInstance
	err := f.DB.Tx(ctx, func(tx *store.Tx) error {
		r, d, err := f.getInstance(ctx, tx, sc, in.ReplicationInstanceArn)
		if err != nil {
			return err
		}
		if d.DeletingAt != nil {
			return invalidState("Replication instance %s is already being deleted.", d.Identifier)
		}
		// The instance reads "deleting" for a while, then is gone (instanceDoc.gone).
		d.DeletingAt = &now
		if err := resources.Update(ctx, tx, sc, kindInstance, r.ID, r.Name, d, now); err != nil {
			return err
		}
		// Connections of the instance go with it (DMS drops them too).
		conns, err := listAll(ctx, tx, sc, kindConnection)
		if err != nil {
			return err
		}
		for _, c := range conns {
			var cd connectionDoc
			if err := c.Decode(&cd); err != nil {
				return err
			}
			if cd.InstanceID == r.ID {
				if err := resources.Delete(ctx, tx, sc, kindConnection, c.ID); err != nil {
					return err
				}
			}
		}
		group, err := f.subnetGroupOf(ctx, tx, sc, d.SubnetGroup)
		if err != nil {
			return err
		}
		out = f.instanceShape(sc, r, d, statusDeleting, group)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ReplicationInstanceOutput{ReplicationInstance: out}, nil
}

// getInstance reads the instance an ARN names, or answers ResourceNotFoundFault.
func (f *Facade) getInstance(ctx context.Context, tx *store.Tx, sc scope.Scope, arn string) (resources.Record, *instanceDoc, error) {
	id, ok := f.parseARN(sc, arn, arnInstance)
	if !ok {
		return resources.Record{}, nil, notFound("Replication instance could not be found.")
	}
	r, err := resources.Get(ctx, tx, sc, kindInstance, id)
	if isNotFound(err) {
		return r, nil, notFound("Replication instance could not be found.")
	}
	if err != nil {
		return r, nil, err
	}
	var d instanceDoc
	if err := r.Decode(&d); err != nil {
		return r, nil, err
	}
	if d.gone(f.now()) {
		return r, nil, notFound("Replication instance could not be found.")
	}
	return r, &d, nil
}

// scopeOf binds a Marker to the account and region, the operation and its filters.
func scopeOf(sc scope.Scope, op string, fs []Filter) string {
	b, _ := json.Marshal(fs)
	return sc.String() + "/" + op + "/" + string(b)
}
