//go:build amd64 || arm64

package runtime

// getg returns the address of the calling goroutine's g, the Go runtime's
// record of the goroutine, read from where the Go runtime keeps it (thread
// local storage on amd64, register g on arm64).
func getg() uintptr

// thisG identifies the calling goroutine in two instructions: see gkey.
func thisG() gkey { return gkey(getg()) }
