package p

import "github.com/asyncgen/asyncgen/runtime"

// async
func One() int {
	await(runtime.Yield())
	return 1
}
