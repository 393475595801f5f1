// Command asyncvet is asyncgen's vet tool: it reports blocking calls inside
// async functions, awaits in functions without the mark, coroutines never
// awaited or spawned or awaited twice, dropped tasks, swallowed
// cancellation, and async functions whose generated code is stale (edited
// since go generate last ran) or missing. See package asyncvet.
//
//	go install github.com/asyncgen/asyncgen/cmd/asyncvet
//	go vet -vettool=$(which asyncvet) ./...
//
// It also runs on its own: asyncvet [-fix] ./...
package main

import (
	"github.com/asyncgen/asyncgen/asyncvet"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() { singlechecker.Main(asyncvet.Analyzer) }
