package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProfileFlags runs a scan with the hidden profile flags: both profiles are written (gzip
// protobuf, as go tool pprof reads them), the output is the scan's, and the flags stay out of
// the help.
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "alloc.pprof")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"scan", "--cpuprofile", cpu, "--memprofile", mem, "../../examples/shop.db"}, &out, &errOut)
	if err != nil {
		t.Fatalf("scan with profiles: %v", err)
	}
	if !strings.Contains(out.String(), "main.orders  (table)") {
		t.Errorf("scan with profiles printed %q, want the shop's tables", out.String())
	}
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("profile: %v", err)
		}
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s is not a gzip-compressed profile (%d bytes)", filepath.Base(p), len(b))
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"scan", "--help"}, &out, &errOut); err != nil {
		t.Fatalf("scan --help: %v", err)
	}
	if strings.Contains(out.String(), "profile") {
		t.Errorf("scan --help shows the hidden profile flags:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"--cpuprofile", filepath.Join(dir, "missing", "cpu.pprof"), "version"}, &out, &errOut); err == nil {
		t.Error("a CPU profile that cannot be created is no error")
	}
}
