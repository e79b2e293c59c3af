package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/surveyorhq/surveyor/internal/connector"
	"github.com/surveyorhq/surveyor/internal/outbound"
)

// open opens the root as a bucket: a fileblob over the local folder, or an s3blob over an S3
// client that only computes and validates checksums when an operation requires them, so
// S3-compatible stores that do not send CRC32 checksums work.
func (st *settings) open(ctx context.Context, src connector.Source, opts connector.Options) (*blob.Bucket, error) {
	if !st.s3 {
		info, err := os.Stat(st.root)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, st.classify(connector.DatabaseNotFound, fmt.Errorf("folder %s does not exist", st.root))
		case errors.Is(err, fs.ErrPermission):
			return nil, st.classify(connector.PermissionDenied, fmt.Errorf("folder %s may not be read", st.root))
		case err != nil:
			return nil, st.classify(connector.Failed, err)
		case !info.IsDir():
			return nil, st.classify(connector.DatabaseNotFound, fmt.Errorf("%s is not a folder", st.root))
		}
		if err := opts.Paths.Check(st.root); err != nil {
			return nil, st.classify(connector.PermissionDenied, err)
		}
		if st.guard, err = newGuard(st.root, opts.Paths); err != nil {
			return nil, st.classify(connector.Failed, err)
		}
		b, err := fileblob.OpenBucket(st.root, &fileblob.Options{NoTempDir: true})
		if err != nil {
			return nil, st.classify(connector.Failed, fmt.Errorf("open folder %s: %w", st.root, err))
		}
		return b, nil
	}
	cfg := aws.Config{
		Region:           st.region,
		RetryMaxAttempts: 2,
		HTTPClient:       st.httpClient(opts),
		Credentials:      aws.AnonymousCredentials{},
	}
	if src.User != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(src.User, src.Password, "")
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if st.endpoint != "" {
			o.BaseEndpoint = aws.String(st.endpoint)
		}
		o.UsePathStyle = st.pathStyle
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	b, err := s3blob.OpenBucket(ctx, client, st.bucket, nil)
	if err != nil {
		return nil, st.classify(connector.Failed, fmt.Errorf("open bucket %s: %w", st.bucket, err))
	}
	return b, nil
}

// httpClient is the S3 client's HTTP client: every connection through the outbound policy, and
// list answers checked to be S3's (s3Transport).
func (st *settings) httpClient(opts connector.Options) *http.Client {
	dialer := opts.Dialer()
	return &http.Client{Transport: &s3Transport{dialer: dialer, next: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ResponseHeaderTimeout: opts.StatementTimeout,
		MaxIdleConnsPerHost:   parallelReads,
	}}}
}

// classify turns a store error into a connector error, from the S3 error code when there is one.
func (st *settings) classify(kind connector.ErrorKind, err error) error {
	var ce *connector.Error
	if errors.As(err, &ce) {
		return err
	}
	var api smithy.APIError
	var refused *outbound.RefusedError
	var notS3 *NotS3Error
	switch {
	case errors.Is(err, context.Canceled):
		kind = connector.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		kind = connector.Timeout
	case errors.As(err, &refused):
		return connector.Classify(connector.Source{Engine: connector.Files, Path: st.redacted()}, connector.PermissionDenied, err)
	case errors.As(err, &notS3):
		kind, err = connector.Unsupported, notS3
	case errors.As(err, &api):
		switch api.ErrorCode() {
		case "NoSuchBucket", "NotFound":
			kind = connector.DatabaseNotFound
			err = fmt.Errorf("bucket %s does not exist", st.bucket)
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
			kind = connector.AuthFailed
			err = fmt.Errorf("the store refused the access key (%s)", api.ErrorCode())
		case "AccessDenied", "AllAccessDisabled":
			kind = connector.PermissionDenied
			err = fmt.Errorf("access to %s is denied", st.redacted())
		}
	default:
		var oe *net.OpError
		var de *net.DNSError
		if errors.As(err, &oe) || errors.As(err, &de) {
			kind = connector.Unreachable
		} else {
			switch gcerrors.Code(err) {
			case gcerrors.NotFound:
				kind = connector.DatabaseNotFound
			case gcerrors.PermissionDenied:
				kind = connector.PermissionDenied
			}
		}
	}
	return &connector.Error{Kind: kind, Target: st.redacted(), Err: err}
}

// object is one file of the store; every byte read from it is counted.
type object struct {
	b     *blob.Bucket
	guard *guard // local roots: what may be read; nil for S3
	key   string
	size  int64
	stats *Stats
	read  atomic.Int64
}

func (o *object) count(n int) {
	o.read.Add(int64(n))
	atomic.AddInt64(&o.stats.BytesRead, int64(n))
}

// readRange reads n bytes at off (fewer at the end of the file).
func (o *object) readRange(ctx context.Context, off, n int64) ([]byte, error) {
	opts, err := o.readerOptions()
	if err != nil {
		return nil, err
	}
	r, err := o.b.NewRangeReader(ctx, o.key, off, n, opts)
	if err != nil {
		return nil, readError(err)
	}
	defer r.Close()
	buf := make([]byte, 0, n)
	buf, err = readAllInto(buf, r)
	o.count(len(buf))
	if err != nil {
		return nil, readError(err)
	}
	return buf, nil
}

func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			return buf, nil
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readerOptions checks, for a local root, that the file may be read before it is opened, and
// again on the open file.
func (o *object) readerOptions() (*blob.ReaderOptions, error) {
	if o.guard == nil {
		return nil, nil
	}
	if err := o.guard.check(o.key); err != nil {
		return nil, err
	}
	return o.guard.options(), nil
}

func readError(err error) error {
	var refused *refusedError
	if errors.As(err, &refused) {
		return refused
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("the file disappeared while it was read")
	case gcerrors.PermissionDenied:
		return fmt.Errorf("the file may not be read")
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("the file may not be read")
	}
	return fmt.Errorf("read: %w", err)
}

// readerAt is the object as an io.ReaderAt (for Parquet footers): one range read per call.
func (o *object) readerAt(ctx context.Context) io.ReaderAt {
	return readerAtFunc(func(p []byte, off int64) (int, error) {
		if off >= o.size {
			return 0, io.EOF
		}
		b, err := o.readRange(ctx, off, int64(len(p)))
		n := copy(p, b)
		if err == nil && n < len(p) {
			err = io.EOF
		}
		return n, err
	})
}

type readerAtFunc func(p []byte, off int64) (int, error)

func (f readerAtFunc) ReadAt(p []byte, off int64) (int, error) { return f(p, off) }

// sample is the part of a text file type inference reads.
type sample struct {
	head     []byte   // the first bytes (decompressed)
	complete bool     // head is the whole file
	chunks   [][]byte // whole lines from spread offsets after head
}

// sample reads a text file's head and, when the file is larger and not compressed, chunks
// samples spread evenly over the rest, each trimmed to whole lines. A compressed file cannot be
// entered in the middle, so only its (decompressed) head is read.
func (o *object) sample(ctx context.Context, compression string) (*sample, error) {
	if compression != "" {
		return o.compressedHead(ctx, compression)
	}
	head, err := o.readRange(ctx, 0, min(o.size, headBytes))
	if err != nil {
		return nil, err
	}
	s := &sample{head: head, complete: o.size <= headBytes}
	if s.complete {
		return s, nil
	}
	rest := o.size - headBytes
	for i := range chunks {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		off := int64(headBytes)
		if rest > chunkBytes {
			off += (rest - chunkBytes) * int64(i) / (chunks - 1)
		} else if i > 0 {
			break
		}
		c, err := o.readRange(ctx, off, chunkBytes)
		if err != nil {
			return nil, err
		}
		atEnd := off+int64(len(c)) >= o.size
		// Drop the partial line at the start and, unless at the end of file, at the end.
		if i := bytes.IndexByte(c, '\n'); i >= 0 {
			c = c[i+1:]
		} else {
			continue
		}
		if !atEnd {
			if j := bytes.LastIndexByte(c, '\n'); j >= 0 {
				c = c[:j+1]
			} else {
				continue
			}
		}
		s.chunks = append(s.chunks, c)
	}
	return s, nil
}

type countingReader struct {
	r io.Reader
	o *object
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.o.count(n)
	return n, err
}
