package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/asyncgen/asyncgen/runtime/asynctest"
)

// TestCallAPI runs the two calls as coroutines on the virtual-time loop,
// whose clock a loaded machine cannot stretch, with several seeds (each
// runs the tasks ready at once in another order): both say Hello before
// either says World, and the whole takes one sleep, 3 s on the loop's
// clock, not two.
func TestCallAPI(t *testing.T) {
	for seed := int64(0); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout := os.Stdout
			os.Stdout = w
			_, runErr := asynctest.RunVirtual(t, seed, MainAsync())
			os.Stdout = stdout
			w.Close()
			var out bytes.Buffer
			io.Copy(&out, r)
			r.Close()
			if runErr != nil {
				t.Fatal(runErr)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			ok := len(lines) == 5 && lines[4] == "[a b] in 3.0 s"
			if ok {
				hellos, worlds := lines[:2], lines[2:4]
				slices.Sort(hellos)
				slices.Sort(worlds)
				ok = slices.Equal(hellos, []string{"Hello a", "Hello b"}) && slices.Equal(worlds, []string{"World a", "World b"})
			}
			if seed == 0 && ok { // first in, first out
				ok = out.String() == "Hello a\nHello b\nWorld a\nWorld b\n[a b] in 3.0 s\n"
			}
			if !ok {
				t.Errorf("output:\n%s\nwant both Hellos, both Worlds, then [a b] in 3.0 s", out.String())
			}
		})
	}
}
