package templatetest

import (
	"fmt"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// TestAuditReportBucket pins the report bucket's safety properties: encrypted at rest, every public
// access block on, ACLs off (bucket owner enforced), a lifecycle rule that expires the reports after
// the AuditReportRetentionDays parameter, a bucket policy that refuses any request not made over TLS
// to the bucket and its objects, retained with the stack (with its policy), no fixed name (a name
// would collide across accounts and Regions), and the audit function pointed at it.
func TestAuditReportBucket(t *testing.T) {
	_, tmpl := loadTemplate(t)
	b := dig(t, tmpl, "Resources", "AuditReportBucket").(map[string]any)
	props := b["Properties"].(map[string]any)
	if _, named := props["BucketName"]; named {
		t.Error("AuditReportBucket has a BucketName: it would collide across accounts and Regions")
	}
	for _, r := range []string{"AuditReportBucket", "AuditReportBucketPolicy"} {
		res := dig(t, tmpl, "Resources", r).(map[string]any)
		if res["DeletionPolicy"] != "Retain" || res["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want Retain", r, res["DeletionPolicy"], res["UpdateReplacePolicy"])
		}
	}
	sse := fmt.Sprint(dig(t, props, "BucketEncryption", "ServerSideEncryptionConfiguration"))
	if sse != "[map[ServerSideEncryptionByDefault:map[SSEAlgorithm:AES256]]]" && sse != "[map[ServerSideEncryptionByDefault:map[SSEAlgorithm:aws:kms]]]" {
		t.Errorf("encryption %s", sse)
	}
	pab := dig(t, props, "PublicAccessBlockConfiguration").(map[string]any)
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if pab[k] != true {
			t.Errorf("PublicAccessBlockConfiguration.%s = %v, want true", k, pab[k])
		}
	}
	if got := fmt.Sprint(dig(t, props, "OwnershipControls", "Rules")); got != "[map[ObjectOwnership:BucketOwnerEnforced]]" {
		t.Errorf("OwnershipControls %s, want BucketOwnerEnforced", got)
	}
	rules := dig(t, props, "LifecycleConfiguration", "Rules").([]any)
	expires := false
	for _, r := range rules {
		r := r.(map[string]any)
		if r["Status"] == "Enabled" && fmt.Sprint(r["ExpirationInDays"]) == "map[Ref:AuditReportRetentionDays]" && r["Prefix"] == "audit/" {
			expires = true
		}
	}
	if !expires {
		t.Errorf("no enabled lifecycle rule expires audit/ after AuditReportRetentionDays: %v", rules)
	}
	param := dig(t, tmpl, "Parameters", "AuditReportRetentionDays").(map[string]any)
	if param["Type"] != "Number" || fmt.Sprint(param["MinValue"]) != "1" {
		t.Errorf("AuditReportRetentionDays: %v", param)
	}

	pol := dig(t, tmpl, "Resources", "AuditReportBucketPolicy", "Properties").(map[string]any)
	if got := fmt.Sprint(pol["Bucket"]); got != "map[Ref:AuditReportBucket]" {
		t.Errorf("bucket policy on %s", got)
	}
	want := []any{map[string]any{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource": []any{
			map[string]any{"Fn::GetAtt": []any{"AuditReportBucket", "Arn"}},
			map[string]any{"Fn::Sub": "${AuditReportBucket.Arn}/*"},
		},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}}
	if diff := diff.Diff(want, dig(t, pol, "PolicyDocument", "Statement")); diff != "" {
		t.Errorf("bucket policy (-want +got):\n%s", diff)
	}
	if got := fmt.Sprint(dig(t, tmpl, "Resources", "AuditFunction", "Properties", "Environment", "Variables", "AUDIT_REPORT_BUCKET")); got != "map[Ref:AuditReportBucket]" {
		t.Errorf("AuditFunction AUDIT_REPORT_BUCKET = %s", got)
	}
}
