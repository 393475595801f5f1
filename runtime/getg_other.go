//go:build !amd64 && !arm64

package runtime

// thisG identifies the calling goroutine by its id, parsed from its stack
// trace: slower than on amd64 and arm64, where it is the address of its g.
func thisG() gkey { return gkey(goid()) }
