package connector

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Paths is the part of this machine's file system that sources may read: SQLite files and
// folders of files. The zero value allows every path.
type Paths struct {
	// Roots, when set, are the only folders local sources may be read from (--local-roots).
	Roots []string
	// Denied are never read, even inside a root: the server's own data directory.
	Denied []string
}

// LocalFiles is implemented by connectors whose sources are files on this machine. LocalPaths
// returns every path Discover would open for src — parsed by the same code that opens them, made
// absolute as they will be opened — so that a check of these paths checks exactly what is read.
type LocalFiles interface {
	LocalPaths(src Source) ([]string, error)
}

// PathReason says why Paths refused a path.
type PathReason string

// The reasons a path is refused.
const (
	OutsideRoots PathReason = "outside_roots" // not inside any of Paths.Roots
	InDenied     PathReason = "denied"        // inside one of Paths.Denied
)

// PathError is a path Paths refused.
type PathError struct {
	Path   string // as it was given
	Reason PathReason
	Roots  []string // the roots, for the message
}

func (e *PathError) Error() string {
	if e.Reason == InDenied {
		return fmt.Sprintf("path %s is inside the server's data directory, which sources may not read", e.Path)
	}
	return fmt.Sprintf("path %s is outside the folders this server may read (--local-roots %s)", e.Path, strings.Join(e.Roots, ","))
}

// Check resolves path (made absolute, symbolic links followed as far as the path exists, ".."
// folded) and refuses it with a *PathError when it lies inside a denied path or, when there are
// roots, outside all of them. Roots and denied paths are resolved the same way.
func (p Paths) Check(path string) error {
	real, err := ResolvePath(path)
	if err != nil {
		return fmt.Errorf("path %q: %w", path, err)
	}
	return p.CheckResolved(path, real)
}

// CheckResolved is Check for a path already resolved to real (the real path of an open file);
// path is how the error names it.
func (p Paths) CheckResolved(path, real string) error {
	for _, d := range p.Denied {
		if dr, err := ResolvePath(d); err == nil && Within(real, dr) {
			return &PathError{Path: path, Reason: InDenied}
		}
	}
	if len(p.Roots) == 0 {
		return nil
	}
	for _, r := range p.Roots {
		if rr, err := ResolvePath(r); err == nil && Within(real, rr) {
			return nil
		}
	}
	return &PathError{Path: path, Reason: OutsideRoots, Roots: p.Roots}
}

// ResolvePath makes p absolute and resolves symbolic links as far as the path exists, so a link
// cannot lead a source out of its allowed folder.
func ResolvePath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for cur := abs; ; {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest), nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// Within reports whether path is dir or below it; both must be clean absolute paths.
func Within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
