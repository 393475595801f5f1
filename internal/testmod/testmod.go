// Package testmod makes the go.mod and go.sum of a throwaway module that uses
// this repository, for tests that run the go command on generated code. The
// module requires github.com/asyncgen/asyncgen, replaced by the checkout at
// root, and carries the repository's own requirements and sums, so building it
// needs no network.
package testmod

import (
	"os"
	"path/filepath"
	"strings"
)

// Files returns the go.mod of a module named module that uses the repository
// checked out at root, and the go.sum to put beside it.
func Files(root, module string) (gomod, gosum []byte, err error) {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, nil, err
	}
	gosum, err = os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return nil, nil, err
	}
	gomod = []byte(strings.Replace(string(mod), "module github.com/asyncgen/asyncgen",
		"module "+module+"\n\nrequire github.com/asyncgen/asyncgen v0.0.0\n\nreplace github.com/asyncgen/asyncgen => "+root, 1))
	return gomod, gosum, nil
}
