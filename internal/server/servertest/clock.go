package servertest

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Clock is a clock a test moves by hand: give Clock.Now to Options.Now, and SignedAt(c.Now) to
// the clients, so that requests stay within the signature's 15-minute window as the server's
// time moves.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the machine's time plus every Advance so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// SignedAt is a SigV4 signer that signs at now() instead of the machine's time. Set it as a
// service client's Options.HTTPSignerV4:
//
//	sts.NewFromConfig(cfg, func(o *sts.Options) { o.HTTPSignerV4 = servertest.SignedAt(clock.Now) })
type SignedAt func() time.Time

// SignHTTP implements the clients' HTTPSignerV4 interface.
func (now SignedAt) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, optFns ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, creds, r, payloadHash, service, region, now(), optFns...)
}
