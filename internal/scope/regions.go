package scope

import (
	"fmt"
	"slices"
	"strings"
)

// CommercialRegions are the regions of the AWS commercial partition ("aws"), as botocore's
// endpoints.json (botocore 1.43.11) lists them: what a server accepts unless told otherwise.
var CommercialRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
	"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// ParseRegions reads a comma-separated list of region names ("eu-west-1,us-east-1"), or "all"
// for CommercialRegions. Names are checked for the shape of a region ("xx-name-1"), not
// against the partition, so a private or future region can be served; duplicates are dropped.
func ParseRegions(list string) ([]string, error) {
	if strings.TrimSpace(list) == "all" {
		return slices.Clone(CommercialRegions), nil
	}
	var out []string
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if !validRegion(r) {
			return nil, fmt.Errorf("%q is not a region name (like eu-west-1)", r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// validRegion reports whether r looks like a region: lower-case words joined by hyphens,
// ending in a number ("us-east-1", "us-gov-west-1").
func validRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(r) > 32 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			digit, lower := c >= '0' && c <= '9', c >= 'a' && c <= 'z'
			if i == len(parts)-1 && !digit || i < len(parts)-1 && !lower {
				return false
			}
		}
	}
	return true
}
