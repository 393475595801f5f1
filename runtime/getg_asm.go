//go:build amd64 || arm64

package runtime

// thisG identifies the calling goroutine in two instructions, see gkey: it
// returns the address of the goroutine's g, the Go runtime's record of the
// goroutine, read from where the Go runtime keeps it (thread local storage
// on amd64, register g on arm64).
func thisG() gkey
