package testdb

import (
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Moto runs moto_server (an S3-compatible store, from python3's moto) on a free loopback port
// until the test ends, and returns its URL. It skips when moto_server is missing, unless
// SURVEYOR_REQUIRE_DBS=1.
func Moto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		unavailable(t, "moto_server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not start: %v\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
