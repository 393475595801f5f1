package progen

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	flagSeeds = flag.Int("diff.seeds", 0, "number of seeds to check (default: the CI seeds, or $ASYNCGEN_DIFF_SEEDS)")
	flagFirst = flag.Uint64("diff.first", 1, "first seed")
	flagSeed  = flag.Int64("diff.seed", -1, "check only this seed")
	flagSize  = flag.Int("diff.size", DefaultSize, "size of the programs")
	flagAvoid = flag.String("diff.avoid", "", "comma-separated features to leave out (see Features)")
	flagKeep  = flag.Bool("diff.keep", false, "keep the module directory even when every program passes")
	flagMin   = flag.Bool("diff.min", false, "minimize each failing program and print the smallest")
)

// ciSeeds is how many seeds plain go test checks.
const ciSeeds = 40

func avoidSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			m[f] = true
		}
	}
	return m
}

func TestDifferential(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	n := ciSeeds
	if s := os.Getenv("ASYNCGEN_DIFF_SEEDS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("ASYNCGEN_DIFF_SEEDS: %v", err)
		}
	}
	if *flagSeeds > 0 {
		n = *flagSeeds
	}
	avoid := avoidSet(*flagAvoid)
	for f := range avoid {
		if _, ok := Features[f]; !ok {
			t.Fatalf("-diff.avoid: no feature %q", f)
		}
	}
	var seeds []uint64
	if *flagSeed >= 0 {
		seeds = []uint64{uint64(*flagSeed)}
	} else {
		for i := range n {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	var progs []*Program
	for _, s := range seeds {
		progs = append(progs, Generate(s, Config{Size: *flagSize, Avoid: avoid}))
	}
	dir, err := os.MkdirTemp("", "asyncgen-diff-")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results, err := Check(progs, Options{Root: root, Dir: dir, Timeout: 20 * time.Second, Log: testLog{t}})
	if err != nil {
		t.Fatalf("%v (module in %s)", err, dir)
	}
	failed := 0
	for _, r := range results {
		if r.Failed() {
			failed++
			t.Errorf("%s", r.Report())
		}
	}
	t.Logf("%d programs, %d failed, in %v", len(results), failed, time.Since(start).Round(time.Millisecond))
	if failed == 0 && !*flagKeep {
		os.RemoveAll(dir)
	} else {
		t.Logf("module kept in %s", dir)
	}
	_ = filepath.Join
	_ = fmt.Sprint
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
