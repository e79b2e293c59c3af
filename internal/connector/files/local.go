package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"gocloud.dev/blob"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// guard keeps the reads of a local root inside what the source may read. Listing does not
// descend into symbolically linked folders; a linked file is read only when it resolves inside
// the source's root or one of the server's roots (connector.Paths.Roots), and no file is read
// inside a denied path (the server's data directory). The real path of every file is checked on
// the open file itself, so swapping a file for a link between the check and the read does not
// get around it.
type guard struct {
	root  string // the source's root, symbolic links resolved
	paths connector.Paths
}

// refusedError is a file the guard would not read; the file counts as failed with this reason.
type refusedError struct{ reason string }

func (e *refusedError) Error() string { return e.reason }

func newGuard(root string, paths connector.Paths) (*guard, error) {
	real, err := connector.ResolvePath(root)
	if err != nil {
		return nil, err
	}
	return &guard{root: real, paths: paths}, nil
}

// allows checks the real path of a file.
func (g *guard) allows(real string) error {
	var pe *connector.PathError
	if err := g.paths.CheckResolved(real, real); errors.As(err, &pe) && pe.Reason == connector.InDenied {
		return &refusedError{"the file is inside the server's data directory, which sources may not read"}
	}
	if connector.Within(real, g.root) {
		return nil
	}
	for _, r := range g.paths.Roots {
		if rr, err := connector.ResolvePath(r); err == nil && connector.Within(real, rr) {
			return nil
		}
	}
	return &refusedError{"the file is a symbolic link that leads outside the folders this source may read; it is not followed"}
}

// check refuses a file, before it is opened, whose path leads out of what the source may read.
// A link is refused with the same words whether its target exists or not, so links cannot probe
// for files outside the root.
func (g *guard) check(key string) error {
	full := filepath.Join(g.root, filepath.FromSlash(key))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		if fi, lerr := os.Lstat(full); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return &refusedError{"the file is a symbolic link that leads outside the folders this source may read; it is not followed"}
		}
		return nil // the read says what is wrong
	}
	return g.allows(real)
}

// options are the reader options that check the real path of the file once it is open.
func (g *guard) options() *blob.ReaderOptions {
	return &blob.ReaderOptions{BeforeRead: func(as func(any) bool) error {
		var f *os.File
		if !as(&f) || f == nil {
			return &refusedError{"the file could not be checked before it was read"}
		}
		real, err := openPath(f)
		if err != nil {
			return &refusedError{"the file could not be checked before it was read"}
		}
		return g.allows(real)
	}}
}

// openPath is the real path of an open file: what /proc says the descriptor is open on (Linux),
// else its name with links resolved, provided that is the same file.
func openPath(f *os.File) (string, error) {
	if p, err := os.Readlink("/proc/self/fd/" + strconv.FormatUint(uint64(f.Fd()), 10)); err == nil && filepath.IsAbs(p) {
		return p, nil
	}
	real, err := filepath.EvalSymlinks(f.Name())
	if err != nil {
		return "", err
	}
	open, err := f.Stat()
	if err != nil {
		return "", err
	}
	named, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !os.SameFile(open, named) {
		return "", fmt.Errorf("%s changed while it was opened", f.Name())
	}
	return real, nil
}

// listed fixes what listing a local root says of a symbolic link: its size is the link's, so
// the target's size is taken; a link to a folder is not an object (it is not followed).
func (g *guard) listed(obj *blob.ListObject) (skip bool) {
	var fi os.FileInfo
	if g == nil || !obj.As(&fi) || fi.Mode()&fs.ModeSymlink == 0 || g.check(obj.Key) != nil {
		return false // not a link, or one the read refuses
	}
	target, err := os.Stat(filepath.Join(g.root, filepath.FromSlash(obj.Key)))
	if err != nil {
		return false // reading it says why it cannot be read
	}
	if target.IsDir() {
		return true
	}
	obj.Size = target.Size()
	return false
}
