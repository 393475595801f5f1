package asyncvet_test

import (
	"testing"

	"github.com/asyncgen/asyncgen/asyncvet"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), asyncvet.Analyzer, "a")
}
