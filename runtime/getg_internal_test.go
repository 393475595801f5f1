package runtime

import (
	"sync"
	"testing"
)

func TestThisG(t *testing.T) {
	a := thisG()
	if a == 0 || thisG() != a {
		t.Fatalf("thisG not stable: %x %x", a, thisG())
	}
	var wg sync.WaitGroup
	seen := make([]gkey, 50)
	for i := range seen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen[i] = thisG()
			for j := 0; j < 1000; j++ {
				if thisG() != seen[i] {
					t.Error("changed")
				}
			}
		}()
	}
	wg.Wait()
	for _, g := range seen {
		if g == a || g == 0 {
			t.Fatalf("goroutine shares main's g")
		}
	}
}
