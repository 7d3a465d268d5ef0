// Package logging builds the one *slog.Logger each function uses: JSON
// lines on stdout with Lambda's keys (timestamp, level, message) and the
// request ID of the invocation, whatever AWS_LAMBDA_LOG_FORMAT says, so
// CloudWatch Logs Insights can query every line by field.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns a JSON logger writing to w at the named level (DEBUG, INFO,
// WARN, ERROR; INFO when empty or unknown).
func New(w io.Writer, level string) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       ParseLevel(level),
		ReplaceAttr: lambdacontext.ReplaceAttr,
	})
	return slog.New(requestID{h})
}

// ParseLevel reads a level name; unknown names mean INFO.
func ParseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(strings.TrimSpace(s)))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// requestID adds the Lambda request ID from the context to every record.
type requestID struct{ slog.Handler }

func (h requestID) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestID) WithAttrs(as []slog.Attr) slog.Handler { return requestID{h.Handler.WithAttrs(as)} }
func (h requestID) WithGroup(name string) slog.Handler    { return requestID{h.Handler.WithGroup(name)} }
