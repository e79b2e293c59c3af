package files

import (
	"context"
	"fmt"
	"path"
	"strings"

	"gocloud.dev/blob"

	"github.com/surveyorhq/surveyor/internal/connector"
)

// MissingFolders reports which of the source's chosen folders (ParamFolders) hold no object at
// all — or, without chosen folders, whether the root prefix of an S3 source holds none — and,
// when some do not, where they were looked for and the folders that are there, so that a run
// asked for a folder that is not there can say what is. It lists names only: it opens no file.
func (c *Connector) MissingFolders(ctx context.Context, src connector.Source, opts connector.Options) (missing []string, where string, existing []string, err error) {
	st, err := parseSource(src)
	if err != nil || (len(st.folders) == 0 && (!st.s3 || st.prefix == "")) {
		return nil, "", nil, err
	}
	b, err := st.open(ctx, src, opts.WithDefaults())
	if err != nil {
		return nil, "", nil, err
	}
	defer b.Close()
	empty := func(prefix, what string) (bool, error) {
		objs, _, err := b.ListPage(ctx, blob.FirstPageToken, 1, &blob.ListOptions{Prefix: prefix})
		if err != nil {
			return false, st.classify(connector.Unreachable, fmt.Errorf("list %s: %w", what, err))
		}
		return len(objs) == 0, nil
	}
	parent := st.prefix // where the missing folders are looked for
	where = st.redacted()
	if len(st.folders) == 0 {
		none, err := empty(st.prefix, st.redacted())
		if err != nil || !none {
			return nil, "", nil, err
		}
		name := strings.TrimSuffix(st.prefix, "/")
		missing = []string{path.Base(name)}
		if parent = path.Dir(name) + "/"; parent == "./" {
			parent = ""
		}
		where = "s3://" + st.bucket + "/" + parent
	}
	for _, f := range st.folders {
		none, err := empty(st.prefix+f+"/", st.location(f))
		if err != nil {
			return nil, "", nil, err
		}
		if none {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil, "", nil, nil
	}
	objs, _, err := b.ListPage(ctx, blob.FirstPageToken, 1000, &blob.ListOptions{Prefix: parent, Delimiter: "/"})
	if err != nil {
		return nil, "", nil, st.classify(connector.Unreachable, fmt.Errorf("list %s: %w", where, err))
	}
	for _, o := range objs {
		name := strings.TrimSuffix(strings.TrimPrefix(o.Key, parent), "/")
		if o.IsDir && name != "" && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_") {
			existing = append(existing, name)
		}
	}
	return missing, strings.TrimSuffix(where, "/"), existing, nil
}
