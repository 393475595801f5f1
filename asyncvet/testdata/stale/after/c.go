package p

import "github.com/asyncgen/asyncgen/runtime"

// async
func New() { // want `async function New has no generated code \(c_async.go does not exist\); run go generate \(or asyncgen\)`
	await(runtime.Yield())
}
