// Command probe prints what the Cognito and SSM clients' default (legacy) endpoint resolvers answer
// for each Region on stdin and each FIPS and dual-stack setting, one JSON object a line. The
// lazyendpoints tests run it built with and without the overlay and compare.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

type answer struct {
	Service, Region string
	FIPS, DualStack bool
	Endpoint        *aws.Endpoint `json:",omitempty"`
	Error           string        `json:",omitempty"`
}

func main() {
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		region := in.Text()
		for _, fips := range []aws.FIPSEndpointState{aws.FIPSEndpointStateUnset, aws.FIPSEndpointStateEnabled} {
			for _, dual := range []aws.DualStackEndpointState{aws.DualStackEndpointStateUnset, aws.DualStackEndpointStateEnabled} {
				a := answer{Region: region, FIPS: fips == aws.FIPSEndpointStateEnabled, DualStack: dual == aws.DualStackEndpointStateEnabled}
				put := func(service string, e aws.Endpoint, err error) {
					a.Service, a.Endpoint, a.Error = service, &e, ""
					if err != nil {
						a.Endpoint, a.Error = nil, err.Error()
					}
					if err := out.Encode(a); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(1)
					}
				}
				e, err := cip.NewDefaultEndpointResolver().ResolveEndpoint(region, cip.EndpointResolverOptions{UseFIPSEndpoint: fips, UseDualStackEndpoint: dual})
				put("cognito-idp", e, err)
				e, err = ssm.NewDefaultEndpointResolver().ResolveEndpoint(region, ssm.EndpointResolverOptions{UseFIPSEndpoint: fips, UseDualStackEndpoint: dual})
				put("ssm", e, err)
			}
		}
	}
}
