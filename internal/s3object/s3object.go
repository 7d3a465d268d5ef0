// Package s3object puts and gets whole S3 objects with two signed HTTP
// requests (PutObject, GetObject), streaming the body both ways.
//
// Why not the SDK's S3 client: the audit function needs only these two
// calls, and github.com/aws/aws-sdk-go-v2/service/s3 (with its checksum,
// presign and event-stream dependencies) would add several megabytes to a
// binary that Lambda downloads on every cold start
// (internal/audit/BENCH.md gives the sizes). The requests follow the
// PutObject and GetObject API references
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html) and
// are signed with the SDK's own Signature Version 4 signer, as S3 requires
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html):
// the payload's SHA-256 goes in x-amz-content-sha256, and the path is not
// escaped twice.
package s3object

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// emptySHA256 is the hex SHA-256 of an empty payload (a GET's).
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Client reaches one bucket.
type Client struct {
	// Bucket is the bucket's name.
	Bucket string
	// Region is the bucket's Region (the signing Region).
	Region string
	// Endpoint, when set (an S3-compatible server or an emulator such as
	// moto_server, "http://127.0.0.1:5000"), is used with path-style
	// addressing; otherwise the Region's virtual-hosted endpoint,
	// https://BUCKET.s3.REGION.amazonaws.com (amazonaws.com.cn in China).
	Endpoint string
	// Credentials sign the requests; aws.AnonymousCredentials (or nil)
	// sends them unsigned.
	Credentials aws.CredentialsProvider
	// HTTP sends the requests (http.DefaultClient when nil).
	HTTP interface {
		Do(*http.Request) (*http.Response, error)
	}
	// Attempts is how many times a request that failed in a way a retry
	// can fix (a network error, 500, 503 SlowDown) is sent (default 4),
	// with a backoff from 200 ms, doubling.
	Attempts int
}

// signer signs for S3: the path as sent, not escaped again.
var signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })

// New returns a Client for bucket from an aws.Config (its Region,
// credentials and HTTP client); endpoint may be empty (see Client).
func New(cfg aws.Config, bucket, endpoint string) *Client {
	c := &Client{Bucket: bucket, Region: cfg.Region, Endpoint: endpoint, Credentials: cfg.Credentials}
	if cfg.HTTPClient != nil {
		c.HTTP = cfg.HTTPClient
	}
	return c
}

// Error is a request S3 refused.
type Error struct {
	Op, Key    string
	StatusCode int
	Code       string // S3's error code, e.g. AccessDenied, NoSuchKey
	Message    string
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("s3 %s %s: HTTP %d: %s", e.Op, e.Key, e.StatusCode, msg)
}

// ErrNotFound is matched (errors.Is) by a GetObject of a key that does not
// exist.
var ErrNotFound = errors.New("s3: no such key")

func (e *Error) Is(target error) bool {
	return target == ErrNotFound && (e.Code == "NoSuchKey" || e.StatusCode == http.StatusNotFound && e.Code == "")
}

// URL returns the object's address (for messages and links).
func (c *Client) URL(key string) string {
	esc := escapeKey(key)
	if c.Endpoint != "" {
		return strings.TrimSuffix(c.Endpoint, "/") + "/" + c.Bucket + "/" + esc
	}
	domain := "amazonaws.com"
	if strings.HasPrefix(c.Region, "cn-") {
		domain = "amazonaws.com.cn"
	}
	return "https://" + c.Bucket + ".s3." + c.Region + "." + domain + "/" + esc
}

// escapeKey percent-encodes a key for the URL path as SigV4 canonicalises
// it: every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~) and
// "/". S3 signs the path as sent, so it is encoded once, here.
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// Put stores size bytes read from body (read twice: once for its SHA-256,
// once to send; and again for each retry) as key, with contentType. The
// object is encrypted with the bucket's default encryption.
func (c *Client) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("s3 put %s: %w", key, err)
	}
	h := sha256.New()
	if n, err := io.Copy(h, body); err != nil {
		return fmt.Errorf("s3 put %s: %w", key, err)
	} else if n != size {
		return fmt.Errorf("s3 put %s: body has %d bytes, want %d", key, n, size)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	resp, err := c.do(ctx, "put", key, func() (*http.Request, error) {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.URL(key), io.NopCloser(body))
		if err != nil {
			return nil, err
		}
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Length", strconv.FormatInt(size, 10))
		return req, c.sign(ctx, req, sum)
	})
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// Get returns the object's body, to be closed; a missing key is an error
// matching ErrNotFound.
func (c *Client) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	resp, err := c.do(ctx, "get", key, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL(key), nil)
		if err != nil {
			return nil, err
		}
		return req, c.sign(ctx, req, emptySHA256)
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func (c *Client) sign(ctx context.Context, req *http.Request, payloadHash string) error {
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if c.Credentials == nil {
		return nil
	}
	if _, anon := c.Credentials.(aws.AnonymousCredentials); anon {
		return nil
	}
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	return signer.SignHTTP(ctx, creds, req, payloadHash, "s3", c.Region, time.Now().UTC())
}

// do sends the request made by build, retrying what a retry can fix, and
// returns a 2xx response.
func (c *Client) do(ctx context.Context, op, key string, build func() (*http.Request, error)) (*http.Response, error) {
	if c.Bucket == "" || c.Region == "" {
		return nil, fmt.Errorf("s3 %s %s: bucket and region are required", op, key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	backoff := 200 * time.Millisecond
	var last error
	for i := range attempts {
		if i > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("s3 %s %s: %w (last error: %v)", op, key, ctx.Err(), last)
			case <-t.C:
			}
			backoff *= 2
		}
		req, err := build()
		if err != nil {
			return nil, fmt.Errorf("s3 %s %s: %w", op, key, err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("s3 %s %s: %w", op, key, err)
			}
			last = fmt.Errorf("s3 %s %s: %w", op, key, err)
			continue
		}
		if resp.StatusCode/100 == 2 {
			return resp, nil
		}
		e := readError(op, key, resp)
		if resp.StatusCode != http.StatusInternalServerError && resp.StatusCode != http.StatusServiceUnavailable && e.Code != "RequestTimeout" {
			return nil, e
		}
		last = e
	}
	return nil, last
}

func readError(op, key string, resp *http.Response) *Error {
	defer resp.Body.Close()
	e := &Error{Op: op, Key: key, StatusCode: resp.StatusCode}
	var body struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if xml.Unmarshal(raw, &body) == nil {
		e.Code, e.Message = body.Code, body.Message
	}
	return e
}
