package progen

import (
	"flag"
	"fmt"
	"os"
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

// ciSeeds is how many seeds plain go test checks, with every feature: about
// a minute on a 2-core machine.
const ciSeeds = 40

// knownFailures lists the CI seeds that fail because of a known asyncgen bug
// that cannot be fixed at once: the seed, the signature its failure must
// have (the first line of Signature), and the bug. Such a seed is reported
// as skipped. If it passes, or fails another way, the test fails: update the
// list. ASYNCGEN_DIFF_STRICT=1 ignores it. Every bug the test has found so
// far is fixed, and has a golden case in testdata/cases.
var knownFailures = map[uint64]struct{ sig, bug string }{}

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
	ci := true
	if s := os.Getenv("ASYNCGEN_DIFF_SEEDS"); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("ASYNCGEN_DIFF_SEEDS: %v", err)
		}
		ci = false
	}
	if *flagSeeds > 0 {
		n, ci = *flagSeeds, false
	}
	avoid := avoidSet(*flagAvoid)
	for f := range avoid {
		if _, ok := Features[f]; !ok {
			t.Fatalf("-diff.avoid: no feature %q", f)
		}
	}
	// The known failures are those of the CI configuration.
	useKnown := os.Getenv("ASYNCGEN_DIFF_STRICT") == "" && len(avoid) == 0 && *flagSize == DefaultSize
	var seeds []uint64
	if *flagSeed >= 0 {
		seeds, ci = []uint64{uint64(*flagSeed)}, false
	} else {
		if *flagFirst != 1 {
			ci = false
		}
		for i := range n {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	var progs []*Program
	known := map[*Program]bool{} // the programs knownFailures is about
	for _, s := range seeds {
		p := Generate(s, Config{Size: *flagSize, Avoid: avoid})
		progs = append(progs, p)
		known[p] = useKnown
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
	failed, skipped := 0, 0
	var failures []*Result
	for _, r := range results {
		k, isKnown := knownFailures[r.Prog.Seed]
		isKnown = isKnown && known[r.Prog]
		name := fmt.Sprintf("seed=%d", r.Prog.Seed)
		t.Run(name, func(t *testing.T) {
			switch {
			case !r.Failed() && isKnown:
				t.Errorf("seed %d is listed in knownFailures (%s) but passes now: remove it from the list", r.Prog.Seed, k.bug)
			case !r.Failed():
			case isKnown && Signature(r)[0] == k.sig:
				skipped++
				t.Skipf("known asyncgen bug: %s (%s)", k.bug, k.sig)
			case isKnown:
				failed++
				failures = append(failures, r)
				t.Errorf("seed %d is listed in knownFailures with %q (%s), but fails otherwise:\n%s", r.Prog.Seed, k.sig, k.bug, r.Report())
			default:
				failed++
				failures = append(failures, r)
				t.Errorf("%s", r.Report())
			}
		})
	}
	if useKnown && ci {
		for s, k := range knownFailures {
			if s < 1 || s > ciSeeds {
				t.Errorf("knownFailures lists seed %d (%s), which the CI does not check: remove it", s, k.bug)
			}
		}
	}
	t.Logf("%d programs, %d failed, %d known failures skipped, in %v", len(results), failed, skipped, time.Since(start).Round(time.Millisecond))
	if failed == 0 && !*flagKeep {
		os.RemoveAll(dir)
	} else {
		t.Logf("module kept in %s", dir)
	}
	if *flagMin {
		for _, r := range failures {
			small, sr, err := Minimize(r.Prog, MinOptions{Root: root, Log: testLog{t}})
			if err != nil {
				t.Errorf("minimizing %s: %v", r.Prog.Name, err)
				continue
			}
			t.Logf("smallest failing program for %s:\n%s\n--- as a golden case:\n%s", r.Prog.Name, sr.Report(), Golden(small, sr))
		}
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestPlain checks the plain form on a program written by hand.
func TestPlain(t *testing.T) {
	src := `package p

import "github.com/asyncgen/asyncgen/runtime"

// async
func f(x int) (int, error) {
	await(runtime.Yield())
	return x, nil
}

// async
func g() {}

// async
func h() int { return 1 }

// async
func e() error { return nil }

// async
func Main() {
	await(gAsync())
	v, err := await(fAsync(1))
	_, _ = v, err
	_, _ = await(gAsync())
	_, _ = await(hAsync())
	_, _ = await(eAsync())
}
`
	out, err := Plain([]File{{Name: "in.go", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	got := string(out[0].Src)
	for _, w := range []string{
		"func f(x int) (int, error) {\n\tplainYield()\n",
		"\tg()\n",
		"v, err := f(1)",
		"_, _ = func() (plainNone, error) {\n\t\tg()\n\t\treturn plainNone{}, nil\n\t}()",
		"_, _ = plainT(h())",
		"_, _ = plainErr(e())",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("plain form lacks %q:\n%s", w, got)
		}
	}
	for _, bad := range []string{"await", "runtime", "async"} {
		if strings.Contains(got, bad) {
			t.Errorf("plain form still has %q:\n%s", bad, got)
		}
	}
}

// TestDeterministic checks that a seed always gives the same program, and
// that the programs of the CI seeds type-check in their plain form.
func TestDeterministic(t *testing.T) {
	for seed := range uint64(20) {
		a := Generate(seed, Config{})
		b := Generate(seed, Config{})
		if Source(a.Files) != Source(b.Files) {
			t.Fatalf("seed %d: two programs", seed)
		}
		if !typeChecks(a.Files) {
			t.Errorf("seed %d: the plain form does not type-check", seed)
		}
	}
}
