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

// Plain go test checks the programs of seeds 1..ciSeeds with every feature,
// and those of seeds 1..ciAvoidSeeds without knownBugFeatures.
const (
	ciSeeds      = 25
	ciAvoidSeeds = 15
)

// knownBugFeatures are the features (see Features) that run into the known
// asyncgen bugs below. The second part of the CI leaves them out, so that
// the rest is checked while those bugs are being fixed; remove each feature
// once its bug is fixed.
var knownBugFeatures = []string{"onlydefault", "switchtrue", "runtimelocal", "importlocal", "synthlabels",
	"rangefuncexit", "shortcircuit", "rangearray", "rangeblank", "tsassign", "blankparams"}

// The known asyncgen bugs that the CI seeds hit.
const (
	bugSwitchTrue  = "switch true { case cond: ... await ... }: the tag is compared with the case as with a tagless switch's condition"
	bugOnlyDefault = "a switch with only a default clause that awaits: the tag's temporary is never read"
	bugRangeString = "range over a string without the value variable, whose body awaits: the rune's temporary is never read"
	bugLabel       = "a user label named _l1 or _r1 on a statement kept verbatim clashes with a generated label"
	bugIterLocal   = "a local named iter shadows the iter import in the generated code"
)

// knownFailures lists the CI seeds (with every feature) that fail because of
// a known asyncgen bug: the seed, the signature its failure must have (the
// first line of Signature), and the bug. Such a seed is reported as skipped.
// If it passes, or fails another way, the test fails: update the list.
// ASYNCGEN_DIFF_STRICT=1 ignores the list.
var knownFailures = map[uint64]struct{ sig, bug string }{
	1:  {"build: invalid operation: _s._tN == _s._tN (mismatched types bool and int)", bugSwitchTrue},
	2:  {"build: declared and not used: _tN", bugOnlyDefault},
	3:  {"build: declared and not used: _tN", bugOnlyDefault},
	5:  {"build: invalid operation: _s._tN == N (mismatched types bool and untyped int)", bugSwitchTrue},
	6:  {"build: iter.Pull undefined (type int has no field or method Pull)", bugIterLocal},
	8:  {"build: declared and not used: _tN", bugOnlyDefault},
	11: {"build: label _lN already defined at prog.go:N", bugLabel},
	12: {"build: declared and not used: _tN", bugOnlyDefault},
	14: {"build: declared and not used: _tN", bugOnlyDefault},
	15: {"build: invalid operation: _s._tN == addN(len(_s.aN), (*_s.iter), _s.Ret) (mismatched types bool and int)", bugSwitchTrue},
	16: {"build: declared and not used: _tN", bugOnlyDefault},
	17: {"build: declared and not used: _tN", bugOnlyDefault},
	18: {"build: label _lN already defined at prog.go:N", bugLabel},
	21: {"build: declared and not used: _tN", bugOnlyDefault},
	22: {"build: declared and not used: _tN", bugRangeString},
	23: {"build: label _rN already defined at prog.go:N", bugLabel},
	24: {"build: label _lN already defined at prog.go:N", bugLabel},
}

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
	if ci {
		without := avoidSet(strings.Join(knownBugFeatures, ","))
		for s := range uint64(ciAvoidSeeds) {
			p := Generate(s+1, Config{Size: *flagSize, Avoid: without})
			p.Name += " without the known-bug features"
			progs = append(progs, p)
		}
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
		if strings.Contains(r.Prog.Name, "without") {
			name += ",without-known-bugs"
		}
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

//async
func f(x int) (int, error) {
	await(runtime.Yield())
	return x, nil
}

//async
func g() {}

//async
func h() int { return 1 }

//async
func e() error { return nil }

//async
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
