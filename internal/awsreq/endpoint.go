package awsreq

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The configuration sources config.LoadDefaultConfig puts in
// aws.Config.ConfigSources (its EnvConfig and SharedConfig) answer these;
// the SDK's generated clients look them up by the same method sets
// (internal/configsources in aws-sdk-go-v2, which other modules cannot
// import).
type (
	serviceBaseEndpointProvider interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreConfiguredEndpointsProvider interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
	useFIPSEndpointProvider interface {
		GetUseFIPSEndpoint(ctx context.Context) (aws.FIPSEndpointState, bool, error)
	}
	useDualStackEndpointProvider interface {
		GetUseDualStackEndpoint(ctx context.Context) (aws.DualStackEndpointState, bool, error)
	}
)

// EnvName is the service's endpoint variable (EndpointVariable of its ID).
func (s Service) EnvName() string { return EndpointVariable(s.ID) }

// EndpointVariable is the endpoint variable of the service with SDK ID
// sdkID, AWS_ENDPOINT_URL_<ID>: the ID upper-cased, spaces as underscores
// ("EventBridge" → AWS_ENDPOINT_URL_EVENTBRIDGE, "Cognito Identity
// Provider" → AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER), as
// config.EnvConfig names it
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
func EndpointVariable(sdkID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")
}

// ResolveEndpoint returns the base URL the SDK's client for svc would send
// requests to with cfg:
//
//  1. a configured endpoint: cfg.BaseEndpoint (config.LoadDefaultConfig
//     fills it from AWS_ENDPOINT_URL or the profile's endpoint_url),
//     overridden by the service's own setting (AWS_ENDPOINT_URL_<ID>, or
//     the profile's services section) unless AWS_ENDPOINT_URL is set and
//     AWS_ENDPOINT_URL_<ID> is not; configured endpoints are off with
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS. This is the generated clients'
//     resolveBaseEndpoint. FIPS or dual-stack with a configured endpoint is
//     an error, as in the SDK's endpoint rules.
//  2. otherwise https://PREFIX.REGION.SUFFIX of the Region's partition
//     (amazonaws.com, amazonaws.com.cn in China, ...), PREFIX-fips with
//     FIPS (AWS_USE_FIPS_ENDPOINT; in GovCloud, for some services, the
//     standard endpoints: Service.GovCloudFIPSStandard), the partition's dual-stack suffix (api.aws) with
//     AWS_USE_DUALSTACK_ENDPOINT. A Region "fips-R" or "R-fips" means R with
//     FIPS, as in the SDK.
func ResolveEndpoint(cfg aws.Config, svc Service) (string, error) {
	ctx := context.Background()
	var base string
	if cfg.BaseEndpoint != nil {
		base = *cfg.BaseEndpoint
	}
	// The process environment, not cfg: the generated clients' resolveBaseEndpoint reads these two
	// with os.LookupEnv whatever the Config says (service/ssm/endpoints.go), and the functions'
	// Cognito and SSM clients do so beside these requests, so reading them here keeps every
	// client of one process agreeing.
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, own := os.LookupEnv(svc.EnvName())
	if !global || own {
		if v, found := serviceBaseEndpoint(ctx, svc.ID, cfg.ConfigSources); found {
			base = v
		}
	}
	fips, dual, err := variants(ctx, cfg.ConfigSources)
	if err != nil {
		return "", fmt.Errorf("%s endpoint: %w", svc.SigningName, err)
	}
	region := cfg.Region
	if r := pseudoRegion(region); r != region {
		region, fips = r, true
	}
	if base != "" {
		switch {
		case fips:
			return "", fmt.Errorf("%s endpoint: Invalid Configuration: FIPS and custom endpoint are not supported", svc.SigningName)
		case dual:
			return "", fmt.Errorf("%s endpoint: Invalid Configuration: Dualstack and custom endpoint are not supported", svc.SigningName)
		}
		if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
			return "", fmt.Errorf("%s endpoint: %q is not a URL", svc.SigningName, base)
		}
		return base, nil
	}
	if region == "" {
		return "", fmt.Errorf("%s endpoint: Invalid Configuration: Missing Region", svc.SigningName)
	}
	if !validHostLabel(region) {
		return "", fmt.Errorf("%s endpoint: invalid input region %s", svc.SigningName, region)
	}
	p := partitionOf(region)
	host := svc.EndpointPrefix
	suffix := p.dnsSuffix
	if dual {
		suffix = p.dualStackSuffix
	}
	if fips {
		standard := p.name == "aws-us-gov" && (dual && svc.GovCloudFIPSDualStackStandard || !dual && svc.GovCloudFIPSStandard)
		if !standard {
			host += "-fips"
		}
	}
	return "https://" + host + "." + region + "." + suffix, nil
}

// pseudoRegion is the Region a FIPS pseudo Region stands for
// ("fips-us-east-1", "us-east-1-fips", "us-fips-east-1"; a generated
// client's finalizeClientEndpointResolverOptions), or region itself. The
// requests are signed for that Region.
func pseudoRegion(region string) string {
	if !strings.Contains(region, "-fips-") && !strings.Contains(region, "fips-") && !strings.Contains(region, "-fips") {
		return region
	}
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(region, "-fips-", "-"), "fips-", ""), "-fips", "")
}

func serviceBaseEndpoint(ctx context.Context, sdkID string, sources []any) (string, bool) {
	for _, s := range sources {
		if p, ok := s.(ignoreConfiguredEndpointsProvider); ok {
			if v, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
				if v {
					return "", false
				}
				break
			}
		}
	}
	for _, s := range sources {
		if p, ok := s.(serviceBaseEndpointProvider); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, sdkID)
			if err != nil {
				return "", false
			}
			if found {
				return v, true
			}
		}
	}
	return "", false
}

func variants(ctx context.Context, sources []any) (fips, dual bool, err error) {
	for _, s := range sources {
		if p, ok := s.(useFIPSEndpointProvider); ok {
			v, found, err := p.GetUseFIPSEndpoint(ctx)
			if err != nil {
				return false, false, err
			}
			if found {
				fips = v == aws.FIPSEndpointStateEnabled
				break
			}
		}
	}
	for _, s := range sources {
		if p, ok := s.(useDualStackEndpointProvider); ok {
			v, found, err := p.GetUseDualStackEndpoint(ctx)
			if err != nil {
				return false, false, err
			}
			if found {
				dual = v == aws.DualStackEndpointStateEnabled
				break
			}
		}
	}
	return fips, dual, nil
}

// partition is the part of the SDK's partitions.json an endpoint needs.
type partition struct {
	name, dnsSuffix, dualStackSuffix string
}

// partitions by Region prefix, most specific first; other Regions are in
// the aws partition, as the SDK's GetPartition falls back to it.
var partitions = []struct {
	prefix string
	partition
}{
	{"us-gov-", partition{"aws-us-gov", "amazonaws.com", "api.aws"}},
	{"us-iso-", partition{"aws-iso", "c2s.ic.gov", "api.aws.ic.gov"}},
	{"us-isob-", partition{"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud"}},
	{"us-isof-", partition{"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov"}},
	{"eu-isoe-", partition{"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"}},
	{"eusc-", partition{"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu"}},
	{"cn-", partition{"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"}},
}

func partitionOf(region string) partition {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return partition{"aws", "amazonaws.com", "api.aws"}
}

// validHostLabel: letters, digits and hyphens, 1 to 63, not starting with a
// hyphen (the rules' isValidHostLabel).
func validHostLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
