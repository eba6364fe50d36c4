package meridian_test

// This test guards the layering that docs/ARCHITECTURE.md describes: it
// reads every package's imports and fails on an edge the design forbids.

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/meridiandb/meridian"

// allowed lists, per package (relative path), the packages of ours it may
// import. A package not listed may import nothing of ours, except cmd/*,
// which wires everything.
var allowed = map[string][]string{
	"core":        {},
	"shard":       {"core"},
	"net/resp":    {},
	"net/config":  {},
	"net":         {"core", "shard", "net/resp", "net/config"},
	"replication": {"core", "shard", "net/resp"},
	"bench":       {"bench/floor"},
	"bench/floor": {},
	// tools/regions runs local databases through chaos links.
	"tools/regions": {"tools/chaoslink"},
	// tools/converge drives such a database and checks it.
	"tools/converge": {"tools/chaoslink", "tools/regions"},
}

func TestLayering(t *testing.T) {
	imports := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(p, module+"/"); ok {
				imports[pkg][rel] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 5 {
		t.Fatalf("found only %d packages: the walk is broken", len(imports))
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		if strings.HasPrefix(pkg, "cmd/") {
			continue
		}
		ok := map[string]bool{}
		for _, a := range allowed[pkg] {
			ok[a] = true
		}
		for imp := range imports[pkg] {
			if !ok[imp] {
				t.Errorf("%s imports %s: not allowed by the layering (see docs/ARCHITECTURE.md)", pkg, imp)
			}
		}
	}
}
