package a

import "github.com/asyncgen/asyncgen/runtime"

// async
func Excluded() { // want `async function Excluded has no generated code in this build: excluded_async.go is not compiled with excluded.go \(their build constraints or package clauses differ\); run go generate \(or asyncgen\)`
	await(runtime.Sleep(0))
}
