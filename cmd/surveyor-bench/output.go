package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// outputResult is `surveyor scan --format F URI > file` through the real binary.
type outputResult struct {
	format string
	wall   time.Duration // median of the runs
	rssMiB float64       // the highest peak RSS of the runs
	bytes  int64         // size of the output
	walls  []time.Duration
}

// buildSurveyor builds ./cmd/surveyor into dir, unless path names a binary already.
func buildSurveyor(ctx context.Context, path, dir string, progress io.Writer) (string, error) {
	if path != "" {
		return path, nil
	}
	bin := filepath.Join(dir, "surveyor")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/surveyorhq/surveyor/cmd/surveyor")
	cmd.Stdout, cmd.Stderr = progress, progress
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build surveyor (run the bench from the repository, or give -surveyor): %w", err)
	}
	return bin, nil
}

// measureOutputs runs `surveyor scan` once per format and run, its output going to a file; with a
// profile path prefix, once more per format with CPU and allocation profiles.
func measureOutputs(ctx context.Context, cfg config, src connector.Source, tmp, profile string, progress io.Writer) ([]outputResult, error) {
	var out []outputResult
	for _, format := range cfg.formats {
		o := outputResult{format: format}
		file := filepath.Join(tmp, "scan."+format)
		for range cfg.runs {
			m, err := measureCommand(ctx, file, cfg.surveyor, "scan", "--format", format, "--statement-timeout", "15m", uri(src))
			if err != nil {
				return nil, fmt.Errorf("scan --format %s: %w", format, err)
			}
			o.walls = append(o.walls, m.wall)
			o.rssMiB = max(o.rssMiB, m.rssMiB)
		}
		if profile != "" {
			// Profiled apart from the timed runs, which it would slow down.
			p := fmt.Sprintf("%s-scan-%s", profile, format)
			if _, err := measureCommand(ctx, file, cfg.surveyor, "scan", "--format", format, "--statement-timeout", "15m",
				"--cpuprofile", p+".cpu.pprof", "--memprofile", p+".alloc.pprof", uri(src)); err != nil {
				return nil, fmt.Errorf("scan --format %s with profiles: %w", format, err)
			}
		}
		fi, err := os.Stat(file)
		if err != nil {
			return nil, err
		}
		o.bytes = fi.Size()
		os.Remove(file)
		o.wall = median(o.walls)
		fmt.Fprintf(progress, "%s: scan --format %s: %v, peak RSS %.1f MB, %.1f MB written\n", src.Engine, format, roundAll(o.walls), o.rssMiB, float64(o.bytes)/1e6)
		out = append(out, o)
	}
	return out, nil
}

// measured is what the launcher reports of a command.
type measured struct {
	WallNs    int64 `json:"wallNs"`
	MaxRSSKiB int64 `json:"maxRSSKiB"`
	wall      time.Duration
	rssMiB    float64
}

// measureCommand runs a command with its standard output in stdoutFile, through a launcher: a
// fresh, small process of this program that starts the command and reads its rusage. Starting
// the command from this process would not do: a Go child starts with vfork on its parent's
// address space, and Linux carries that high-water mark into the child's ru_maxrss, so the peak
// of this process (which holds snapshots) would show as the child's.
func measureCommand(ctx context.Context, stdoutFile string, name string, args ...string) (measured, error) {
	self, err := os.Executable()
	if err != nil {
		return measured{}, err
	}
	cmd := exec.CommandContext(ctx, self, append([]string{"-child-exec", stdoutFile, "--", name}, args...)...)
	var b []byte
	cmd.Stderr = os.Stderr
	if b, err = cmd.Output(); err != nil {
		return measured{}, err
	}
	var m measured
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("launcher printed %q: %w", b, err)
	}
	m.wall, m.rssMiB = time.Duration(m.WallNs), float64(m.MaxRSSKiB)/1024
	return m, nil
}

// launch is the body of the launcher: run the command, print its wall time and peak RSS.
func launch(ctx context.Context, stdoutFile string, argv []string, w io.Writer) error {
	if len(argv) == 0 {
		return errors.New("no command")
	}
	f, err := os.Create(stdoutFile)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return fmt.Errorf("no rusage on %s", runtime.GOOS)
	}
	return json.NewEncoder(w).Encode(measured{WallNs: wall.Nanoseconds(), MaxRSSKiB: ru.Maxrss}) // KiB on Linux
}

// reportOutputs prints the scan --format table: wall time against the floor and peak RSS.
func reportOutputs(w io.Writer, results []result) {
	var formats []string
	for _, r := range results {
		for _, o := range r.outputs {
			if !slices.Contains(formats, o.format) {
				formats = append(formats, o.format)
			}
		}
	}
	if len(formats) == 0 {
		return
	}
	fmt.Fprintln(w)
	head, rule := "| engine | tables | floor | scan |", "|---|---:|---:|---:|"
	for _, f := range formats {
		head += fmt.Sprintf(" %s | / floor | RSS (MB) |", f)
		rule += "---:|---:|---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, rule)
	for _, r := range results {
		line := fmt.Sprintf("| %s | %d | %s | %s |", r.engine, r.tables, round(r.floor), round(r.scan))
		for _, f := range formats {
			i := slices.IndexFunc(r.outputs, func(o outputResult) bool { return o.format == f })
			if i < 0 {
				line += " | | |"
				continue
			}
			o := r.outputs[i]
			ratio := float64(o.wall) / float64(r.floor)
			limit := maxJSONRatio
			if r.engine == connector.SQLite {
				limit = maxJSONRatioSQLite
			}
			line += fmt.Sprintf(" %s | %s | %s |", round(o.wall),
				cell(fmt.Sprintf("%.2f", ratio), f == "json" && ratio > limit),
				cell(fmt.Sprintf("%.1f", o.rssMiB), r.tables >= targetsAtTables && o.rssMiB > maxRSSMiB))
		}
		fmt.Fprintln(w, line)
	}
}

// cell marks a value that misses its target.
func cell(v string, missed bool) string {
	if missed {
		return v + " MISSED"
	}
	return v
}
