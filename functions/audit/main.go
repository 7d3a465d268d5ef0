// Command audit is the audit Lambda function. It only wires: read the
// environment, build the AWS configuration and the sweeper (audit.New),
// start the runtime. The sweep lives in internal/audit.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/awsenv"
	"github.com/cognito-guard/cognito-guard/internal/logging"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// maxAttempts per Cognito call. The pacer spaces the attempts, so a
// throttled call is retried at the pace Cognito allows; what still fails
// is retried by the sweeper later in the run or left in the cursor.
const maxAttempts = 6

func main() {
	log := logging.New(os.Stdout, settings.LogLevel(os.Getenv))
	cfg, err := audit.ConfigFromEnv(os.Getenv)
	var s *audit.Sweeper
	if err == nil {
		s, err = build(cfg, os.Stdout, log)
	}
	if err != nil {
		// A configuration error: fail every invocation with the reason.
		log.Error("configuration error", "error", err.Error())
		lambda.Start(func(context.Context) error { return err })
		return
	}
	lambda.Start(s.Handle)
}

func build(cfg audit.Config, stdout io.Writer, log *slog.Logger) (*audit.Sweeper, error) {
	awsCfg, err := awsenv.Load(os.Getenv, appclient.Retryer(maxAttempts))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return audit.New(cfg, awsCfg, stdout, log)
}
