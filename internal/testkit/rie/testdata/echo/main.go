// Command echo is the tiny Lambda handler the rie harness tests itself with.
//
// The payload selects the behaviour, so one binary covers every path the RIE can take:
//
//	{"echo": <any>}              returns <any> unchanged
//	{"env": "NAME"}              returns the value of the environment variable NAME
//	{"error": "message"}         returns an error (a function error, not a crash)
//	{"log": "line"}              writes the line to stdout and stderr, returns "logged"
//	{"exit": 3}                  exits the process without answering
//	{"sleepMillis": 50}          sleeps, then returns "slept"
//	{"repeat": "x", "times": n}  returns a string of n copies of "x" (large responses)
//	{"deadline": true}           returns the milliseconds left until the invoke deadline
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	Echo        json.RawMessage `json:"echo"`
	Env         string          `json:"env"`
	Error       string          `json:"error"`
	Log         string          `json:"log"`
	Exit        *int            `json:"exit"`
	SleepMillis int             `json:"sleepMillis"`
	Repeat      string          `json:"repeat"`
	Times       int             `json:"times"`
	Deadline    bool            `json:"deadline"`
}

func handle(ctx context.Context, req request) (any, error) {
	switch {
	case req.Echo != nil:
		return req.Echo, nil
	case req.Env != "":
		return os.Getenv(req.Env), nil
	case req.Error != "":
		return nil, errors.New(req.Error)
	case req.Log != "":
		fmt.Fprintln(os.Stdout, "stdout: "+req.Log)
		fmt.Fprintln(os.Stderr, "stderr: "+req.Log)
		return "logged", nil
	case req.Exit != nil:
		os.Exit(*req.Exit)
	case req.SleepMillis > 0:
		time.Sleep(time.Duration(req.SleepMillis) * time.Millisecond)
		return "slept", nil
	case req.Repeat != "":
		return strings.Repeat(req.Repeat, req.Times), nil
	case req.Deadline:
		d, ok := ctx.Deadline()
		if !ok {
			return nil, errors.New("no deadline")
		}
		return time.Until(d).Milliseconds(), nil
	}
	return nil, errors.New("unknown request")
}

func main() {
	lambda.Start(handle)
}
