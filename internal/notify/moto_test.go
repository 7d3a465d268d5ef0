package notify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
)

// TestMoto publishes through this package's EventBridge and SNS clients to
// moto_server (authentication on, an IAM user's key: internal/testkit/moto)
// and reads what arrived back from SQS queues that an EventBridge rule and
// an SNS subscription deliver to: moto parses the wire formats and routes
// the events as EventBridge and SNS would. The setup uses the SDK's
// clients; only the calls under test use ours. moto checks the signatures;
// a wrong-secret test needs an access key the process has not signed with
// yet (the SDK's signer caches its derived key by access key ID, Region,
// service and day, not by secret): package s3object's
// TestWrongSecretRefused shows moto refusing one, and TestSignature in
// package awsreq checks the signatures themselves.
func TestMoto(t *testing.T) {
	t.Parallel() // waits on its own server, not the CPU
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	m := moto.Start(t)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.URL), Credentials: credentials.StaticCredentialsProvider{Value: m.Credentials}}
	ctx := context.Background()
	sq, eb, sn := sqs.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg), sns.NewFromConfig(cfg)

	queue := func(name string) (url, arn string) {
		out, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueueUrl), attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	}
	eventsURL, eventsARN := queue("notify-events")
	snsURL, snsARN := queue("notify-sns")

	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("guard-bus")}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("drift"), EventBusName: aws.String("guard-bus"),
		EventPattern: aws.String(`{"source":["cognito-guard"],"detail-type":["Cognito App Client Drift"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("drift"), EventBusName: aws.String("guard-bus"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(eventsARN)}}}); err != nil {
		t.Fatal(err)
	}
	topic, err := sn.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("cognito-guard")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(snsARN)}); err != nil {
		t.Fatal(err)
	}

	n := newTestNotifier(Options{Events: NewEventBridge(cfg), Bus: "guard-bus", SNS: NewSNS(cfg), TopicARN: aws.ToString(topic.TopicArn)})
	outcomes := []reconcile.Outcome{compliant, remediated, unfixable, dryRun, failed}
	if err := n.Publish(ctx, outcomes); err != nil {
		t.Fatal(err)
	}

	receive := func(url string, want int) []string {
		var bodies []string
		for range 5 {
			out, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range out.Messages {
				bodies = append(bodies, aws.ToString(msg.Body))
			}
			if len(bodies) >= want {
				break
			}
		}
		return bodies
	}
	clients := map[string]bool{}
	for _, body := range receive(eventsURL, 4) {
		var ev struct {
			Source     string   `json:"source"`
			DetailType string   `json:"detail-type"`
			Time       string   `json:"time"`
			Resources  []string `json:"resources"`
			Detail     Detail   `json:"detail"`
		}
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			t.Fatalf("event %s: %v", body, err)
		}
		if ev.Source != Source || ev.DetailType != DetailType || len(ev.Resources) != 1 || ev.Resources[0] != poolARN || ev.Time != "2026-11-26T08:00:00Z" {
			t.Errorf("event envelope %+v", ev)
		}
		clients[ev.Detail.ClientID] = true
	}
	if len(clients) != 4 || !clients[remediated.ClientID] || !clients[failed.ClientID] {
		t.Errorf("events for clients %v, want the 4 non-compliant ones", clients)
	}

	subjects := map[string]bool{}
	for _, body := range receive(snsURL, 4) {
		var note struct {
			Type, TopicArn, Subject, Message string
			MessageAttributes                map[string]struct{ Type, Value string }
		}
		if err := json.Unmarshal([]byte(body), &note); err != nil {
			t.Fatalf("SNS notification %s: %v", body, err)
		}
		subjects[note.Subject] = true
		if note.TopicArn != aws.ToString(topic.TopicArn) || !strings.Contains(note.Message, "\nDetail:\n") {
			t.Errorf("notification %+v", note)
		}
		if a := note.MessageAttributes; a["source"].Value != Source || a["function"].Value != "remediate" || a["userPoolId"].Value != pool || a["outcome"].Type != "String" {
			t.Errorf("message attributes %+v", a)
		}
	}
	if len(subjects) != 4 || !subjects[Subject(remediated)] || !subjects[Subject(unfixable)] {
		t.Errorf("SNS subjects %v, want the 4 non-compliant outcomes'", subjects)
	}

}
