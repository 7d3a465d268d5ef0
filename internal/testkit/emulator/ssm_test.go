package emulator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

func TestSSMParameters(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	put := func(name, value string, typ ssmtypes.ParameterType, overwrite bool) (int64, error) {
		out, err := e.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(overwrite)})
		if err != nil {
			return 0, err
		}
		return out.Version, nil
	}
	if v, err := put("/cognito-guard/baseline", `{"v":1}`, ssmtypes.ParameterTypeString, false); err != nil || v != 1 {
		t.Fatalf("put: %d %v", v, err)
	}
	if _, err := put("/cognito-guard/baseline", `{"v":2}`, "", false); err == nil {
		t.Error("put without Overwrite over an existing parameter: want ParameterAlreadyExists")
	} else {
		var pae *ssmtypes.ParameterAlreadyExists
		if !errors.As(err, &pae) {
			t.Errorf("error %v, want ParameterAlreadyExists", err)
		}
	}
	if v, err := put("/cognito-guard/baseline", `{"v":2}`, "", true); err != nil || v != 2 {
		t.Fatalf("overwrite: %d %v", v, err)
	}
	if _, err := put("/cognito-guard/secret", "s3cr3t", ssmtypes.ParameterTypeSecureString, false); err != nil {
		t.Fatal(err)
	}
	if _, err := put("/cognito-guard/nested/deep", "x", ssmtypes.ParameterTypeString, false); err != nil {
		t.Fatal(err)
	}

	got, err := e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/baseline")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Parameter.Value) != `{"v":2}` || got.Parameter.Version != 2 || got.Parameter.Type != ssmtypes.ParameterTypeString {
		t.Errorf("GetParameter = %q v%d %s", aws.ToString(got.Parameter.Value), got.Parameter.Version, got.Parameter.Type)
	}
	if arn := aws.ToString(got.Parameter.ARN); arn != "arn:aws:ssm:us-east-1:123456789012:parameter/cognito-guard/baseline" {
		t.Errorf("ARN = %s", arn)
	}
	old, err := e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/baseline:1")})
	if err != nil || aws.ToString(old.Parameter.Value) != `{"v":1}` {
		t.Errorf("version selector: %v %v", old, err)
	}

	// SecureString: plaintext only WithDecryption; otherwise ciphertext.
	enc, err := e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/secret")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(enc.Parameter.Value); v == "s3cr3t" || !strings.HasPrefix(v, "AQICAH") {
		t.Errorf("SecureString without decryption = %q, want an opaque ciphertext", v)
	}
	dec, err := e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/secret"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(dec.Parameter.Value) != "s3cr3t" {
		t.Errorf("SecureString with decryption = %v %v", dec, err)
	}

	_, err = e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")})
	var pnf *ssmtypes.ParameterNotFound
	if !errors.As(err, &pnf) {
		t.Errorf("missing parameter: %v, want ParameterNotFound", err)
	}

	many, err := e.ssm.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/cognito-guard/baseline", "/nope"}, WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(many.Parameters) != 1 || diffStrings([]string{"/nope"}, many.InvalidParameters) != "" {
		t.Errorf("GetParameters = %d params, invalid %v", len(many.Parameters), many.InvalidParameters)
	}

	byPath := func(recursive bool) []string {
		var names []string
		p := ssm.NewGetParametersByPathPaginator(e.ssm, &ssm.GetParametersByPathInput{Path: aws.String("/cognito-guard"), Recursive: aws.Bool(recursive), MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, prm := range out.Parameters {
				names = append(names, aws.ToString(prm.Name))
			}
		}
		return names
	}
	if diff := diffStrings([]string{"/cognito-guard/baseline", "/cognito-guard/secret"}, byPath(false)); diff != "" {
		t.Errorf("by path (-want +got):\n%s", diff)
	}
	if diff := diffStrings([]string{"/cognito-guard/baseline", "/cognito-guard/nested/deep", "/cognito-guard/secret"}, byPath(true)); diff != "" {
		t.Errorf("by path recursive (-want +got):\n%s", diff)
	}

	if _, err := e.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/cognito-guard/secret")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/cognito-guard/secret")}); !errors.As(err, &pnf) {
		t.Errorf("second delete: %v, want ParameterNotFound", err)
	}

	big := strings.Repeat("x", 4097)
	if _, err := put("/big", big, ssmtypes.ParameterTypeString, false); err == nil {
		t.Error("4097-byte Standard parameter accepted")
	}
}

func diffStrings(want, got []string) string { return diff.Diff(want, got) }
