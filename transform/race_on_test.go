//go:build race

package transform

// raceEnabled: the tests run with the race detector, and so do the
// programs they build.
const raceEnabled = true
