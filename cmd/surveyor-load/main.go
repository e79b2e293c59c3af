// Command surveyor-load measures GetSecretValue throughput and latency against the real binary:
// it builds and starts `surveyor serve` on a loopback port with a fresh SQLite data directory,
// creates one secret, then runs signed GetSecretValue requests from -c connections for -d and
// prints requests per second and latency percentiles as a Markdown table row.
//
//	go run ./cmd/surveyor-load -d 10s -c 16
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/surveyorhq/surveyor/internal/server"
)

func main() {
	var (
		duration = flag.Duration("d", 10*time.Second, "how long to send requests")
		conns    = flag.Int("c", 16, "concurrent connections")
		bin      = flag.String("bin", "", "surveyor binary (default: build ./cmd/surveyor)")
		warmup   = flag.Duration("warmup", 2*time.Second, "requests sent before measuring")
	)
	flag.Parse()
	if err := run(*bin, *duration, *warmup, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "surveyor-load:", err)
		os.Exit(1)
	}
}

func run(bin string, duration, warmup time.Duration, conns int) error {
	tmp, err := os.MkdirTemp("", "surveyor-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "surveyor")
		build := exec.Command("go", "build", "-o", bin, "./cmd/surveyor")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	creds, stop, err := startServer(bin, filepath.Join(tmp, "data"))
	if err != nil {
		return err
	}
	defer stop()
	call := caller(creds, conns)
	if code, err := call("CreateSecret", []byte(`{"Name":"load/db","SecretString":"{\"username\":\"app\",\"password\":\"load-test\"}"}`)); err != nil || code != 200 {
		return fmt.Errorf("create secret: %d %v", code, err)
	}
	latencies, failures := hammer(call, []byte(`{"SecretId":"load/db"}`), conns, warmup, duration)
	report(latencies, failures, conns, duration)
	return nil
}

// startServer starts `surveyor serve` on a free loopback port with a new data directory and
// waits for the credentials it writes; stop interrupts it and waits for it to exit.
func startServer(bin, dataDir string) (creds server.Credentials, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return creds, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "serve", "--data-dir", dataDir, "--listen", addr, "--log-level", "warn")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return creds, nil, err
	}
	stop = func() { srv.Process.Signal(os.Interrupt); srv.Wait() }
	for i := 0; ; i++ {
		if creds, err = server.ReadCredentials(dataDir); err == nil {
			return creds, stop, nil
		}
		if i > 200 {
			stop()
			return creds, nil, fmt.Errorf("server did not start: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// caller returns a function that sends one signed Secrets Manager request and returns its
// HTTP status, over a client keeping conns connections.
func caller(creds server.Credentials, conns int) func(target string, body []byte) (int, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	signer := v4.NewSigner()
	awsCreds := aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}
	return func(target string, body []byte) (int, error) {
		req, _ := http.NewRequest("POST", creds.Endpoint+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager."+target)
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(context.Background(), awsCreds, req, hex.EncodeToString(sum[:]), "secretsmanager", creds.Region, time.Now()); err != nil {
			return 0, err
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
}

// hammer sends GetSecretValue with body on conns connections for warmup and then duration, and
// returns the sorted latencies of the successful calls after the warmup and how many failed.
func hammer(call func(string, []byte) (int, error), body []byte, conns int, warmup, duration time.Duration) ([]time.Duration, int) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  int
	)
	measureFrom := time.Now().Add(warmup)
	end := measureFrom.Add(duration)
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Go(func() {
			var local []time.Duration
			bad := 0
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				code, err := call("GetSecretValue", body)
				d := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil || code != 200 {
					bad++
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			failures += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(latencies)
	return latencies, failures
}

// report prints the measurement as a Markdown table row.
func report(latencies []time.Duration, failures, conns int, duration time.Duration) {
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(float64(len(latencies)-1)*p)]
	}
	rps := float64(len(latencies)) / duration.Seconds()
	fmt.Printf("| connections | requests | errors | req/s | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|---|\n")
	fmt.Printf("| %d | %d | %d | %.0f | %s | %s | %s | %s |\n", conns, len(latencies), failures, rps,
		round(pct(.5)), round(pct(.9)), round(pct(.99)), round(pct(1)))
	fmt.Printf("\nmachine: %d cores, %s; load generator and server share the machine\n", runtime.NumCPU(), runtime.Version())
}

func round(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
