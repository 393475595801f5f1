package transform

import (
	"strings"
	"testing"
)

// TestPassOrder checks that checkPassOrder, which init runs on Passes,
// catches a table that breaks a constraint, names a pass twice, or has a
// pass that runs neither per run nor per function.
func TestPassOrder(t *testing.T) {
	if err := checkPassOrder(Passes); err != nil {
		t.Fatalf("Passes: %v", err)
	}
	swapped := append([]Pass(nil), Passes...)
	i, j := passIndex(t, "lower"), passIndex(t, "live")
	swapped[i], swapped[j] = swapped[j], swapped[i]
	if err := checkPassOrder(swapped); err == nil || !strings.Contains(err.Error(), "lower must run before live") {
		t.Errorf("live before lower: got %v", err)
	}
	dup := append(append([]Pass(nil), Passes...), Passes[0])
	if err := checkPassOrder(dup); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("a pass listed twice: got %v", err)
	}
	both := append([]Pass(nil), Passes...)
	both[0].fn = lowerPass
	if err := checkPassOrder(both); err == nil || !strings.Contains(err.Error(), "either per run or per function") {
		t.Errorf("a pass with both run and fn: got %v", err)
	}
	missing := append([]Pass(nil), Passes[:len(Passes)-1]...)
	if err := checkPassOrder(missing); err == nil || !strings.Contains(err.Error(), "unknown pass") {
		t.Errorf("a constraint naming a missing pass: got %v", err)
	}
}

func passIndex(t *testing.T, name string) int {
	for i, p := range Passes {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no pass %s", name)
	return -1
}
