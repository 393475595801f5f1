package runtime_test

// What an async function literal costs beside a named async function: each
// spawns n tasks that bump a shared counter, from a loop that lets them run
// every 1024 spawns.
//
//	go test -run='^$' -bench='Spawn(Named|Literal)' -benchmem ./runtime/

import (
	"testing"

	"github.com/asyncgen/asyncgen/runtime"
)

// async
func bump(n *int) { *n++ }

// async
func spawnNamed(n int) int {
	done := 0
	for i := 0; i < n; i++ {
		runtime.Spawn(bumpAsync(&done))
		if i%1024 == 1023 {
			await(runtime.Yield())
		}
	}
	await(runtime.Yield())
	return done
}

// async
func spawnLiteral(n int) int {
	done := 0
	for i := 0; i < n; i++ {
		runtime.Spawn(asyncDo(func() { done++ }))
		if i%1024 == 1023 {
			await(runtime.Yield())
		}
	}
	await(runtime.Yield())
	return done
}

func benchSpawn(b *testing.B, spawn func(int) runtime.Awaitable[int]) {
	b.ReportAllocs()
	done, err := runtime.Run(spawn(b.N))
	if err != nil || done != b.N {
		b.Fatalf("%d of %d tasks ran: %v", done, b.N, err)
	}
}

func BenchmarkSpawnNamed(b *testing.B)   { benchSpawn(b, spawnNamedAsync) }
func BenchmarkSpawnLiteral(b *testing.B) { benchSpawn(b, spawnLiteralAsync) }
