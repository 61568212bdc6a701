package coldstart

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// KeepBuilds is how many sets of binaries BuildCached keeps in its cache
// directory; older ones are removed.
const KeepBuilds = 3

// BuildCached is Build with a cache: the binaries are kept under
// cacheDir/<key>/<name>/bootstrap, where key is a digest of everything the
// build depends on (ContentKey), and built only when that directory is
// missing. A change to any source file of the module, to a dependency's
// version, to the toolchain or to BuildFlags makes a new key; the
// KeepBuilds most recently used sets are kept.
func BuildCached(ctx context.Context, root, cacheDir string, functions []string, o Options) (map[string]string, error) {
	key, err := ContentKey(ctx, root, functions, o)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cacheDir, key)
	paths := func() map[string]string {
		out := map[string]string{}
		for _, f := range functions {
			out[f] = filepath.Join(dir, f, "bootstrap")
		}
		return out
	}
	if complete(paths()) {
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // most recently used
		return paths(), nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("coldstart: build cache: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".build-")
	if err != nil {
		return nil, fmt.Errorf("coldstart: build cache: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := BuildWith(ctx, root, tmp, functions, o); err != nil {
		return nil, err
	}
	// Another process may have built the same key meanwhile: theirs wins.
	if err := os.Rename(tmp, dir); err != nil && !complete(paths()) {
		return nil, fmt.Errorf("coldstart: build cache: %w", err)
	}
	prune(cacheDir, KeepBuilds)
	return paths(), nil
}

func complete(paths map[string]string) bool {
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// prune removes all but the keep most recently used builds of dir.
func prune(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type build struct {
		name string
		used time.Time
	}
	var builds []build
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			builds = append(builds, build{e.Name(), fi.ModTime()})
		}
	}
	slices.SortFunc(builds, func(a, b build) int { return b.used.Compare(a.used) })
	for _, b := range builds[min(keep, len(builds)):] {
		_ = os.RemoveAll(filepath.Join(dir, b.name))
	}
}

// listedPackage is what ContentKey reads of `go list -json`.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Main    bool
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// ContentKey digests what the functions' binaries are built from: the
// toolchain (go env GOVERSION, GOOS, GOARCH, GOEXPERIMENT), BuildFlags,
// the function names, the main go.mod, and for every package they link (go list -deps, with
// the build's tags) either its module's path and version, or — for the
// main module and versionless replacements — the content of its Go and
// embedded files.
func ContentKey(ctx context.Context, root string, functions []string, o Options) (string, error) {
	env := o.env()
	h := sha256.New()
	fmt.Fprintf(h, "flags %q\ncgo %v\nfunctions %q\n", o.flags(), o.CGO, functions)
	goEnv := exec.CommandContext(ctx, "go", "env", "GOVERSION", "GOOS", "GOARCH", "GOEXPERIMENT", "CGO_ENABLED")
	goEnv.Dir, goEnv.Env = root, env
	out, err := goEnv.Output()
	if err != nil {
		return "", fmt.Errorf("coldstart: go env: %w", err)
	}
	fmt.Fprintf(h, "env %s\n", out)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod")) // its go and godebug lines set GODEBUG defaults
	if err != nil {
		return "", fmt.Errorf("coldstart: content key: %w", err)
	}
	fmt.Fprintf(h, "go.mod %d\n%s", len(mod), mod)
	args := []string{"list", "-deps", "-tags", "lambda.norpc", "-json=ImportPath,Dir,Standard,GoFiles,EmbedFiles,Module"}
	for _, f := range functions {
		if f == Baseline {
			args = append(args, BaselinePackage)
		} else {
			args = append(args, "./functions/"+f)
		}
	}
	list := exec.CommandContext(ctx, "go", args...)
	list.Dir, list.Env = root, env
	var stderr strings.Builder
	list.Stderr = &stderr
	out, err = list.Output()
	if err != nil {
		return "", fmt.Errorf("coldstart: go list: %w\n%s", err, stderr.String())
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("coldstart: go list: %w", err)
		}
		switch m := p.Module; {
		case p.Standard:
			fmt.Fprintf(h, "std %s\n", p.ImportPath)
		case m != nil && !m.Main && m.Version != "" && (m.Replace == nil || m.Replace.Version != ""):
			fmt.Fprintf(h, "dep %s %s@%s", p.ImportPath, m.Path, m.Version)
			if m.Replace != nil {
				fmt.Fprintf(h, " => %s@%s", m.Replace.Path, m.Replace.Version)
			}
			h.Write([]byte("\n"))
		default: // the main module, or a replacement by a directory
			fmt.Fprintf(h, "src %s\n", p.ImportPath)
			for _, name := range append(slices.Clone(p.GoFiles), p.EmbedFiles...) {
				b, err := os.ReadFile(filepath.Join(p.Dir, name))
				if err != nil {
					return "", fmt.Errorf("coldstart: content key: %w", err)
				}
				fmt.Fprintf(h, "%s %d\n", name, len(b))
				h.Write(b)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
