package main

// The event path as deployed: ClientChangeRule (its pattern and target as
// template.yaml declares them) puts CloudTrail events on moto's EventBridge
// into an SQS queue in moto with the template's redrive policy; the test
// plays Lambda's SQS poller (receive up to 10, invoke, delete what the
// partial batch response does not name) against the real bootstrap under
// the RIE, which reads and fixes the client in the Cognito emulator.
//
// Unproven here: Lambda's own poller (batching window, scaling to
// MaximumConcurrency; cmd/floodbench models it), and that the queue policy
// admits EventBridge (moto does not evaluate queue policies; the policy is
// checked statically by internal/templatetest TestRemediateQueue).

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cognito-guard/cognito-guard/internal/templatetest"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
)

type queuePath struct {
	t        *testing.T
	w        *world
	sqs      *sqs.Client
	eb       *eventbridge.Client
	queueURL string
	queueARN string
	dlqURL   string
	// maxReceive is the template's redrive maxReceiveCount.
	maxReceive int
}

// TestQueuePath: duplicates of one client's change cost one reconcile, a
// record that cannot be handled comes back until the redrive policy moves
// it, unchanged, to the dead-letter queue, and nothing else is lost.
func TestQueuePath(t *testing.T) {
	t.Parallel() // moto's start-up is waiting, not work
	q := newQueuePath(t)
	drifted := cloudTrail(t, sample.DriftedID)

	// Three changes of the drifted client (a Terraform apply touching it
	// repeatedly), one of the clean client, and an event the rule must not
	// deliver.
	q.put(drifted, drifted, drifted, cloudTrail(t, sample.CleanID))
	q.putRaw("aws.s3", "AWS API Call via CloudTrail", `{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy"}`)
	msgs := q.receiveAll(4)
	q.w.emu.ResetCalls()
	failed := q.invoke(msgs)
	if len(failed) != 0 {
		t.Fatalf("batch item failures %v, want none\nlogs:\n%s", failed, q.w.fn.Logs())
	}
	q.delete(msgs, failed)
	describes := map[string]int{}
	var ops []string
	for _, c := range q.w.emu.Calls() {
		ops = append(ops, c.Op)
		if c.Op == describe && c.Error == "" {
			describes[c.ClientID]++
		}
	}
	// Drifted: the describe that found the drift, the fresh one right before
	// the write, and the one that confirms it. Clean: one.
	if updates, _ := q.w.calls(update); describes[sample.DriftedID] != 3 || describes[sample.CleanID] != 1 || updates != 1 {
		t.Errorf("calls %v: describes %v, want 3 for the drifted client and 1 for the clean one, and 1 update", ops, describes)
	}
	if c := q.w.client(t, sample.DriftedID); !aws.ToBool(c.EnableTokenRevocation) || c.RefreshTokenValidity != 30 {
		t.Errorf("drifted client not fixed: revocation %v, refresh %d", aws.ToBool(c.EnableTokenRevocation), c.RefreshTokenValidity)
	}
	if left := q.receive(q.queueURL, 0); len(left) != 0 {
		t.Errorf("%d messages left in the queue after the batch was acknowledged", len(left))
	}

	// A matching event the function cannot use (no clientId): it fails
	// every time, comes back after the visibility timeout, and after
	// maxReceiveCount receives SQS moves it to the dead-letter queue. The
	// visibility timeout drops to 0 s here (SQS allows 0 to 43,200:
	// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html),
	// so that the record is back at once instead of after a wait per receive.
	if _, err := q.sqs.SetQueueAttributes(context.Background(), &sqs.SetQueueAttributesInput{
		QueueUrl: aws.String(q.queueURL), Attributes: map[string]string{"VisibilityTimeout": "0"},
	}); err != nil {
		t.Fatal(err)
	}
	bad := `{"eventSource":"cognito-idp.amazonaws.com","eventName":"UpdateUserPoolClient","eventTime":"2026-11-26T07:02:11Z","requestParameters":{"userPoolId":"` + sample.PoolID + `"}}`
	q.putRaw("aws.cognito-idp", "AWS API Call via CloudTrail", bad)
	receives := 0
	var body string
	for round := 0; round < q.maxReceive+3; round++ {
		// No long poll: at visibility 0 the record is visible again at once,
		// and a receive that finds none would wait out its whole poll.
		msgs := q.receive(q.queueURL, 0)
		if len(msgs) == 0 {
			break
		}
		receives++
		body = aws.ToString(msgs[0].Body)
		failed := q.invoke(msgs)
		if len(failed) != 1 || failed[0] != aws.ToString(msgs[0].MessageId) {
			t.Fatalf("receive %d: batch item failures %v, want the malformed record", receives, failed)
		}
		q.delete(msgs, failed)
	}
	if receives != q.maxReceive {
		t.Errorf("the malformed record was received %d times, want maxReceiveCount %d", receives, q.maxReceive)
	}
	dead := q.receive(q.dlqURL, 1)
	if len(dead) != 1 || aws.ToString(dead[0].Body) != body {
		t.Fatalf("dead-letter queue holds %d messages, want the malformed record unchanged", len(dead))
	}
	var env struct {
		Detail any `json:"detail"`
	}
	var want any
	if err := json.Unmarshal([]byte(bad), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil || !reflect.DeepEqual(env.Detail, want) {
		t.Errorf("dead-lettered event detail %v, want %s (%v)", env.Detail, bad, err)
	}
}

// cloudTrail is events/update-user-pool-client.json's detail, the change
// of clientID.
func cloudTrail(t *testing.T, clientID string) string {
	t.Helper()
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.Unmarshal(readEvent(t, "update-user-pool-client.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev.Detail["requestParameters"].(map[string]any)["clientId"] = clientID
	ev.Detail["responseElements"].(map[string]any)["userPoolClient"].(map[string]any)["clientId"] = clientID
	b, err := json.Marshal(ev.Detail)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newQueuePath(t *testing.T) *queuePath {
	tmpl, err := templatetest.Load(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res := tmpl["Resources"].(map[string]any)
	prop := func(id string) map[string]any { return res[id].(map[string]any)["Properties"].(map[string]any) }
	pattern, err := json.Marshal(prop("ClientChangeRule")["EventPattern"])
	if err != nil {
		t.Fatal(err)
	}
	redrive := prop("ClientChangeQueue")["RedrivePolicy"].(map[string]any)
	maxReceive, _ := strconv.Atoi(fmt.Sprint(redrive["maxReceiveCount"]))
	if maxReceive < 1 {
		t.Fatalf("template: ClientChangeQueue maxReceiveCount %v", redrive["maxReceiveCount"])
	}

	m := moto.Start(t)
	w := start(t, nil, nil)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.URL), Credentials: credentials.StaticCredentialsProvider{Value: m.Credentials}}
	q := &queuePath{t: t, w: w, sqs: sqs.NewFromConfig(cfg), eb: eventbridge.NewFromConfig(cfg), maxReceive: maxReceive}
	ctx := context.Background()

	dlq, err := q.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("client-change-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	q.dlqURL = aws.ToString(dlq.QueueUrl)
	redriveJSON, _ := json.Marshal(map[string]any{"deadLetterTargetArn": q.arn(q.dlqURL), "maxReceiveCount": maxReceive})
	// Visibility 1 s instead of the template's 180 s: short enough for a
	// test, long enough that the first batch's receives see each message
	// once (the malformed record's phase lowers it to 0).
	main, err := q.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("client-change"), Attributes: map[string]string{
		"VisibilityTimeout": "1", "RedrivePolicy": string(redriveJSON),
	}})
	if err != nil {
		t.Fatal(err)
	}
	q.queueURL = aws.ToString(main.QueueUrl)
	q.queueARN = q.arn(q.queueURL)
	if _, err := q.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("client-change"), EventPattern: aws.String(string(pattern))}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("client-change"), Targets: []ebtypes.Target{{Id: aws.String("ClientChangeQueue"), Arn: aws.String(q.queueARN)}}}); err != nil {
		t.Fatal(err)
	}
	return q
}

func (q *queuePath) arn(url string) string {
	out, err := q.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		q.t.Fatal(err)
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
}

func (q *queuePath) put(details ...string) {
	for _, d := range details {
		q.putRaw("aws.cognito-idp", "AWS API Call via CloudTrail", d)
	}
}

func (q *queuePath) putRaw(source, detailType, detail string) {
	out, err := q.eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String(source), DetailType: aws.String(detailType), Detail: aws.String(detail), Time: aws.Time(time.Now()),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		q.t.Fatalf("PutEvents: %v (%d failed)", err, out.FailedEntryCount)
	}
}

func (q *queuePath) receive(url string, wait int32) []sqstypes.Message {
	out, err := q.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		q.t.Fatal(err)
	}
	return out.Messages
}

// receiveAll receives until it has n messages (the rule delivered them) or
// a receive finds none.
func (q *queuePath) receiveAll(n int) []sqstypes.Message {
	var all []sqstypes.Message
	for len(all) < n {
		got := q.receive(q.queueURL, 2)
		if len(got) == 0 {
			break
		}
		all = append(all, got...)
	}
	if len(all) != n {
		q.t.Fatalf("the queue delivered %d messages, want %d", len(all), n)
	}
	return all
}

// invoke hands msgs to the function as Lambda's poller does and returns
// the message IDs of the partial batch response.
func (q *queuePath) invoke(msgs []sqstypes.Message) []string {
	q.t.Helper()
	var ev events.SQSEvent
	for _, m := range msgs {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Attributes: m.Attributes, Md5OfBody: aws.ToString(m.MD5OfBody), EventSource: "aws:sqs", EventSourceARN: q.queueARN, AWSRegion: "us-east-1",
		})
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		q.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := q.w.fn.Invoke(ctx, payload)
	if err != nil {
		q.t.Fatalf("invoke: %v\nlogs:\n%s", err, q.w.fn.Logs())
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		q.t.Fatalf("response %s: %v", out, err)
	}
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// delete deletes what the function handled, as the poller does.
func (q *queuePath) delete(msgs []sqstypes.Message, failed []string) {
	for _, m := range msgs {
		if slices.Contains(failed, aws.ToString(m.MessageId)) {
			continue
		}
		if _, err := q.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(q.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
			q.t.Fatal(err)
		}
	}
}
