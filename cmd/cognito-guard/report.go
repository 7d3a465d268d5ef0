package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
)

func (a *app) report(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	format := fs.String("format", "", "html, csv, md or jsonl (default: from the -o extension, else html)")
	out := fs.String("o", "", "write to this file instead of standard output")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: cognito-guard report [--format html|csv|md|jsonl] [-o OUT] FILE|s3://BUCKET/KEY|-")
		fmt.Fprintln(a.stderr, "FILE is an audit result (JSON) or JSON Lines of outcomes.")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return exitError
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitError
	}
	f := report.HTML
	switch {
	case *format != "":
		if f, err = report.ParseFormat(*format); err != nil {
			return a.fail("report", err)
		}
	case *out != "":
		if g, err := report.ParseFormat(strings.TrimPrefix(filepath.Ext(*out), ".")); err == nil {
			f = g
		}
	}
	var data []byte
	if bucket, key, ok := s3Location(rest[0]); ok {
		data, err = a.readS3(ctx, bucket, key)
	} else {
		data, err = a.readFile(rest[0])
	}
	if err != nil {
		return a.fail("report", err)
	}
	d, err := decodeReport(rest[0], data)
	if err != nil {
		return a.fail("report", err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, f, d, a.now()); err != nil {
		return a.fail("report", err)
	}
	if *out == "" {
		_, _ = buf.WriteTo(a.stdout)
		return exitOK
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return a.fail("report", fmt.Errorf("write %s: %w", *out, err))
	}
	return exitOK
}

// s3Location splits s3://bucket/key.
func s3Location(s string) (bucket, key string, ok bool) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", false
	}
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, true
}

func (a *app) readS3(ctx context.Context, bucket, key string) ([]byte, error) {
	if bucket == "" || key == "" {
		return nil, fmt.Errorf("s3://%s/%s: want s3://BUCKET/KEY", bucket, key)
	}
	cfg, err := a.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	api := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Emulators and S3-compatible stores behind AWS_ENDPOINT_URL
		// rarely serve virtual-hosted buckets.
		o.UsePathStyle = a.getenv("AWS_ENDPOINT_URL") != "" || a.getenv("AWS_ENDPOINT_URL_S3") != ""
	})
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, explain(err))
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return data, nil
}

// decodeReport reads an audit result (one JSON object with "clients" or
// "counts"), a JSON array of outcomes, or JSON Lines of outcomes (the
// audit's S3 object and the functions' log lines). Unknown keys are
// ignored, so a newer audit's result still renders.
func decodeReport(name string, data []byte) (report.Data, error) {
	var d report.Data
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return d, fmt.Errorf("%s is empty", name)
	}
	if trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &d.Clients); err != nil {
			return d, jsonError(name, data, err)
		}
		d.Complete = true
		return d, nil
	}
	var probe map[string]json.RawMessage
	first, err := firstValue(data)
	if err != nil {
		return d, jsonError(name, data, err)
	}
	if json.Unmarshal(first, &probe) == nil {
		if _, ok := probe["outcome"]; !ok {
			if _, hasClients := probe["clients"]; hasClients || probe["counts"] != nil {
				if err := json.Unmarshal(trimmed, &d); err != nil {
					return d, jsonError(name, data, err)
				}
				return d, nil
			}
		}
	}
	d.Complete = true
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for line := 1; sc.Scan(); line++ {
		l := bytes.TrimSpace(sc.Bytes())
		if len(l) == 0 {
			continue
		}
		var o reconcile.Outcome
		if err := json.Unmarshal(l, &o); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return d, fmt.Errorf("%s:%d:%d: invalid JSON: %v", name, line, se.Offset, err)
			}
			return d, fmt.Errorf("%s:%d: not an outcome: %v", name, line, err)
		}
		if o.Status == "" {
			return d, fmt.Errorf("%s:%d: not an outcome (no \"outcome\" key) nor an audit result (no \"clients\" or \"counts\")", name, line)
		}
		d.Clients = append(d.Clients, o)
	}
	if err := sc.Err(); err != nil {
		return d, fmt.Errorf("read %s: %w", name, err)
	}
	return d, nil
}

func firstValue(data []byte) (json.RawMessage, error) {
	var v json.RawMessage
	err := json.NewDecoder(bytes.NewReader(data)).Decode(&v)
	return v, err
}

// jsonError names the line and column of a syntax error.
func jsonError(name string, data []byte, err error) error {
	if pos, serr := syntaxError(data); serr != nil {
		return fmt.Errorf("%s:%s: invalid JSON: %v", name, pos, serr)
	}
	return fmt.Errorf("%s: %w", name, err)
}
