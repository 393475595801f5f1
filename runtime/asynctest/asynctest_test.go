package asynctest_test

import (
	"testing"
	"time"

	"github.com/asyncgen/asyncgen/runtime"
	"github.com/asyncgen/asyncgen/runtime/asynctest"
)

func TestRunVirtual(t *testing.T) {
	start := time.Now()
	_, err := asynctest.RunVirtual(t, 42, runtime.Sleep(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("a day of virtual sleep took %v", el)
	}
}
