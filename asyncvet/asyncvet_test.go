package asyncvet_test

import (
	"testing"

	"github.com/asyncgen/asyncgen/asyncvet"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), asyncvet.Analyzer, "a")
}

// TestUnmarked checks the report on a function that calls await without the
// async mark, and that its fix adds the mark (unmarked.go.golden).
func TestUnmarked(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), asyncvet.Analyzer, "unmarked")
}
