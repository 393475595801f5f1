package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime/asynctest"
)

// TestSayAfter runs the program on the virtual-time loop, whose clock a
// loaded machine cannot stretch, with several seeds (each runs the tasks
// ready at once in another order): hello, then world, and the two sleeps
// overlap, so the times printed are 2 s apart on the loop's clock, not 3.
func TestSayAfter(t *testing.T) {
	for seed := int64(0); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			var buf bytes.Buffer
			old := out
			out = &buf
			defer func() { out = old }()

			if _, err := asynctest.RunVirtual(t, seed, MainAsync()); err != nil {
				t.Fatalf("Main: %v", err)
			}

			got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			want := []*regexp.Regexp{
				regexp.MustCompile(`^started at (\d\d:\d\d:\d\d)$`),
				regexp.MustCompile(`^hello$`),
				regexp.MustCompile(`^world$`),
				regexp.MustCompile(`^finished at (\d\d:\d\d:\d\d)$`),
			}
			if len(got) != len(want) {
				t.Fatalf("printed %d lines, want %d:\n%s", len(got), len(want), buf.String())
			}
			for i, re := range want {
				if !re.MatchString(got[i]) {
					t.Fatalf("line %d = %q, want a match for %s", i+1, got[i], re)
				}
			}
			start, err1 := time.Parse(time.TimeOnly, want[0].FindStringSubmatch(got[0])[1])
			end, err2 := time.Parse(time.TimeOnly, want[3].FindStringSubmatch(got[3])[1])
			if err1 != nil || err2 != nil {
				t.Fatalf("times: %v, %v", err1, err2)
			}
			// Whole seconds of times exactly 2 s apart differ by 2 s (a
			// day later if the run straddles midnight).
			if d := (end.Sub(start) + 24*time.Hour) % (24 * time.Hour); d != 2*time.Second {
				t.Errorf("finished %v after it started, want 2s:\n%s", d, buf.String())
			}
		})
	}
}
