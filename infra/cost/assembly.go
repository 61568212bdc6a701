package cost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Kind is what a stack is for the cost check.
type Kind int

// Stack kinds.
const (
	// KindTenant is one tenant's stack, gatepass-<tenant>.
	KindTenant Kind = iota + 1
	// KindOperator is a stack shared by the tenants of an account:
	// gatepass-edge (us-east-1) and gatepass-operator-<region>.
	KindOperator
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindTenant:
		return "tenant"
	case KindOperator:
		return "operator"
	default:
		return "unknown"
	}
}

// sharedStacks are the names (after "gatepass-") of the stacks shared by
// the tenants of an account; each may carry a suffix after a dash.
func sharedStacks() []string { return []string{"edge", "operator"} }

// Classify tells a stack's kind from its name: gatepass-edge,
// gatepass-operator and either followed by "-…" are operator stacks, any
// other gatepass-<name> a tenant's. A name outside gatepass-… is an error:
// the command prices only stacks it knows. A tenant named "edge…" or
// "operator…" with a dash would read as an operator stack, so the tenant
// registry must refuse such names.
func Classify(name string) (Kind, error) {
	rest, ok := strings.CutPrefix(name, "gatepass-")
	if !ok || rest == "" {
		return 0, fmt.Errorf("stack %q: not a Gatepass stack (gatepass-…)", name)
	}
	for _, s := range sharedStacks() {
		if rest == s || strings.HasPrefix(rest, s+"-") {
			return KindOperator, nil
		}
	}
	return KindTenant, nil
}

// Stack is one synthesized CloudFormation stack.
type Stack struct {
	Name, Region string
	Kind         Kind
	// Dir is the cloud assembly directory holding its template and assets.
	Dir, TemplateFile string
	Template          Template
}

// Template is the part of a CloudFormation template the command reads.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one resource of a template; its properties stay raw until a
// pricing rule reads them.
type Resource struct {
	Type       string                     `json:"Type"`
	Properties map[string]json.RawMessage `json:"Properties"`
}

// manifest is the part of cdk.out/manifest.json the command reads.
type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// LoadAssembly reads every stack of the cloud assembly in dir (cdk.out),
// nested assemblies (CDK stages) included, sorted by name. Every
// *.template.json of a directory must belong to a stack of its manifest, so
// that no template goes unpriced.
func LoadAssembly(dir string) ([]Stack, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("cloud assembly: %w (run make synth first)", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("cloud assembly: %s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var stacks []Stack
	seen := map[string]bool{}
	for id, a := range m.Artifacts {
		switch a.Type {
		case "cdk:cloud-assembly":
			nested, err := LoadAssembly(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			stacks = append(stacks, nested...)
		case "aws:cloudformation:stack":
			name := a.Properties.StackName
			if name == "" {
				name = id
			}
			kind, err := Classify(name)
			if err != nil {
				return nil, err
			}
			s := Stack{Name: name, Region: regionOf(a.Environment), Kind: kind, Dir: dir, TemplateFile: a.Properties.TemplateFile}
			if s.Template, err = readTemplate(filepath.Join(dir, s.TemplateFile)); err != nil {
				return nil, err
			}
			seen[s.TemplateFile] = true
			stacks = append(stacks, s)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return nil, fmt.Errorf("cloud assembly: %w", err)
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			return nil, fmt.Errorf("cloud assembly: %s is no stack of %s", f, filepath.Join(dir, "manifest.json"))
		}
	}
	slices.SortFunc(stacks, func(a, b Stack) int { return strings.Compare(a.Name, b.Name) })
	return stacks, nil
}

// regionOf returns the region of an environment "aws://account/region".
func regionOf(env string) string {
	parts := strings.Split(strings.TrimPrefix(env, "aws://"), "/")
	if len(parts) != 2 || parts[1] == "" || parts[1] == "unknown-region" {
		return "(any region)"
	}
	return parts[1]
}

// readTemplate reads one template file.
func readTemplate(path string) (Template, error) {
	var t Template
	b, err := os.ReadFile(path)
	if err != nil {
		return t, fmt.Errorf("template: %w", err)
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("template %s: %w", path, err)
	}
	return t, nil
}

// ofType returns the logical ids of t's resources of type typ, sorted.
func (t Template) ofType(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// prop decodes property name of r into v. A missing property leaves v
// unchanged and reports false; a property that is no literal of v's type
// (an intrinsic function, a parameter) is an error, for a price must not
// rest on a guess.
func (r Resource) prop(name string, v any) (bool, error) {
	raw, ok := r.Properties[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("%s %s: not a literal this command can price (%s): %w", r.Type, name, abbreviate(raw), err)
	}
	return true, nil
}

// abbreviate shortens raw JSON for an error message.
func abbreviate(raw json.RawMessage) string {
	s := string(raw)
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// dirSize is the total size of the regular files under path, or of path
// itself if it is a file.
func dirSize(path string) (int64, error) {
	var total int64
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("asset size: %w", err)
	}
	return total, nil
}

// assetSize is the size of the asset whose object key (hash.zip) a bucket
// deployment names: its staged directory, or its zip file; false if the
// assembly holds neither.
func assetSize(dir, objectKey string) (int64, bool, error) {
	hash := strings.TrimSuffix(objectKey, ".zip")
	for _, p := range []string{filepath.Join(dir, "asset."+hash), filepath.Join(dir, "asset."+hash+".zip")} {
		_, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, false, fmt.Errorf("asset %s: %w", objectKey, err)
		}
		n, err := dirSize(p)
		return n, true, err
	}
	return 0, false, nil
}
