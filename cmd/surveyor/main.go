// Command surveyor discovers what is inside data sources and keeps a catalog of it.
//
//	surveyor scan URI     read one source's schema and print it
//	surveyor diff A B     print what changed between two schemas (files or URIs); exit 2 if anything did
//	surveyor serve        serve the AWS APIs and run discovery in the background
//	surveyor env          print the export lines for the AWS CLI and SDKs
//	surveyor keys create  make a key pair for an account
//	surveyor version      print the version
//
// Errors are printed as one line on standard error, and the exit status is 1 (diff exits 2 when
// the schemas differ).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var exit *exitError
	if errors.As(err, &exit) {
		os.Exit(exit.code)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "surveyor:", err)
		os.Exit(1)
	}
}

// run executes the command line args, writing output to stdout and stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "surveyor",
		Short:         "Discover what is inside databases and files, and keep a versioned catalog of it",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(scanCommand(), diffCommand(), serveCommand(), envCommand(), keysCommand(), versionCommand())
	var prof profiler
	prof.register(root)
	err := root.ExecuteContext(ctx)
	return errors.Join(err, prof.stop())
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "surveyor", version)
			return err
		},
	}
}
