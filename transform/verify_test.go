package transform

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestVerifyStopsBrokenCode breaks the generated code on purpose, in Step and
// outside it, and checks that the run reports an internal error at the
// source line, naming the function, and leaves nothing to write.
func TestVerifyStopsBrokenCode(t *testing.T) {
	dir := t.TempDir()
	writeModule(t, dir)
	must(t, os.MkdirAll(filepath.Join(dir, "p"), 0o755))
	src := `package p

import (
	"fmt"

	"github.com/asyncgen/asyncgen/runtime"
)

// async
func Hello(name string) {
	fmt.Println("hello", name)
	await(runtime.Yield())
	fmt.Println("bye", name)
}
`
	must(t, os.WriteFile(filepath.Join(dir, "p", "p.go"), []byte(src), 0o644))
	cases := []struct {
		name   string
		mangle func([]byte) []byte
		want   string
	}{
		{
			// Inside Step, a //line directive maps the error to line 13, at
			// the column of the operand in the source.
			"in Step",
			func(b []byte) []byte {
				return bytes.Replace(b, []byte(`fmt.Println("bye", _s.name)`), []byte(`fmt.Println("bye", _s.name + 1)`), 1)
			},
			`^p\.go:13:21: async function Hello: internal error: generated code does not compile: p_async\.go:\d+:\d+: .*mismatched types string and untyped int.*, please report it$`,
		},
		{
			// Outside Step: reported at the function.
			"in the frame",
			func(b []byte) []byte {
				return bytes.Replace(b, []byte("\tname string\n"), []byte("\tname strin\n"), 1)
			},
			`^p\.go:10:1: async function Hello: internal error: generated code does not compile: p_async\.go:\d+:\d+: undefined: strin, please report it$`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(Options{Dir: dir, Lines: true, mangle: c.mangle}, "./p")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Diagnostics) == 0 {
				t.Fatal("no diagnostic for broken generated code")
			}
			got := diagText(res.Diagnostics[:1])
			if !regexp.MustCompile(c.want).MatchString(got[:len(got)-1]) {
				t.Errorf("diagnostic:\n%s\nwant one matching %s", got, c.want)
			}
			if len(res.Outputs) != 0 {
				t.Errorf("%d outputs left to write", len(res.Outputs))
			}
			if _, err := Write(res); err == nil {
				t.Errorf("Write accepted a result with diagnostics")
			}
			if _, err := os.Stat(filepath.Join(dir, "p", "p_async.go")); err == nil {
				t.Errorf("p_async.go was written")
			}
		})
	}
	// Unmangled, the same package generates and writes.
	res, err := Generate(Options{Dir: dir, Lines: true}, "./p")
	if err != nil || len(res.Diagnostics) > 0 {
		t.Fatalf("%v %s", err, diagText(res.Diagnostics))
	}
}
