// Package asyncvet reports mistakes in asyncgen code that the compiler cannot
// see: blocking calls inside async functions, functions that call await
// without the mark, coroutines that are never awaited or spawned or are
// awaited twice, tasks whose results are dropped, swallowed cancellation,
// and stale generated code. Run it as a vet tool:
//
//	go install github.com/asyncgen/asyncgen/cmd/asyncvet
//	go vet -vettool=$(which asyncvet) ./...
//
// # Blocking calls
//
// An async function runs on the event loop's goroutine: a call that blocks
// that goroutine stops every task. Inside an async function (outside the
// function literals in it, but inside its async literals: async(func...),
// asyncDo and asyncValue) asyncvet reports time.Sleep (fix: await
// runtime.Sleep), network dials, os file I/O, sync.Mutex, RWMutex, WaitGroup
// and Cond waits, channel sends and receives, selects without a default,
// range over a channel, and calls of blocking twins of async functions (fix:
// await the Async form). A send is not reported when it provably cannot
// block: the channel is made in the function with a constant capacity, at
// least the number of sends to it, none of them in a loop the make is not
// also in, and the channel is only sent on, received from, closed or
// measured there, never passed on or captured by a function literal that
// sends:
//
//	done := make(chan error, 1)
//	done <- err // room for it: not reported
//
// # Functions that await without the mark
//
// asyncgen turns only marked functions into coroutines. A function that
// calls the package's await but lacks the mark stays a plain function whose
// awaits block (and panic inside a task); asyncvet reports its first await
// and says to add the line "// async" directly above its func and run go
// generate, which its suggested fix begins. main and init cannot be async:
// for them it says to move the awaits into an async Main run with
// runtime.Run(MainAsync()). runtime.Await, the blocking form meant for code
// outside tasks, is not reported. A function that is not async and calls
// async, asyncDo or asyncValue with a literal makes no coroutine of it (the
// literal runs blocking when awaited): asyncvet reports the call and says to
// write it in an async function.
//
// # Coroutines never awaited
//
// Calling FAsync runs nothing, nor does making an async literal. A call whose
// result, a runtime.Awaitable, is discarded is reported anywhere (fix: await
// it), async(func...) included, except runtime.File's Close, which starts
// closing when called.
//
// # Coroutines awaited twice
//
// A coroutine, the value FAsync returns, may be awaited once: awaiting it
// again panics. asyncvet follows each local variable that only ever holds
// coroutines (every assignment to it calls a constructor FAsync whose
// blocking twin F is declared beside it, or makes an async literal, its
// address is never taken, and no function literal uses it), in async
// functions and in their async literals, through the function's control
// flow, and reports an await of it that some path reaches after an earlier await with
// no assignment between: twice in a row, after an if that awaited it, or in
// a loop that does not make it anew on each pass. Fix: keep the first
// await's result, call FAsync again, or spawn the coroutine and await the
// *Task, which may be awaited any number of times. Variables that may hold
// a Task are not followed.
//
// # Dropped tasks
//
// runtime.Spawn's *Task carries the task's result and error; a Spawn whose
// result is discarded loses them (and a panic in the task then ends the
// program). Keep the task and await it, or spawn it in a TaskGroup.
//
// # Swallowed cancellation
//
// Cancellation is level-triggered: once a task is cancelled every await
// fails with runtime.ErrCanceled until the function returns. A branch taken
// when an error is ErrCanceled that neither returns nor panics hides the
// cancel from the caller; asyncvet reports it, unless the branch passes the
// error on by assigning another error to the variable it tested:
//
//	if errors.Is(err, runtime.ErrCanceled) && ctx.Err() != nil {
//		err = context.Cause(ctx) // the cancel came from ctx: say why
//	}
//
// # Stale generated code
//
// The build compiles the generated file x_async.go that is on disk, so an
// async function edited without running go generate runs its old code.
// Each generated file records what it was generated from (a hash of each
// async function's code, and of the generated code; see
// transform.StaleFuncs), and asyncvet compares the records with the
// source. It reports, at the function's name:
//
//	x.go:12:6: async function Fetch has changed since x_async.go was generated, so its old code runs; run go generate (or asyncgen)
//
// and likewise an async function with no generated code (x_async.go does
// not exist, or does not have it), and a function no longer marked async
// whose generated code is still there. At the generated file's package
// clause it reports a generated file edited after asyncgen wrote it, one
// that records nothing (an older asyncgen wrote it), and one whose first
// line is not asyncgen's header, which asyncgen will not overwrite. The
// code hash leaves out comments and layout, so a function that only moved,
// or whose comments or gofmt layout changed, is not reported (its //line
// positions are off, which "asyncgen check" reports).
//
// Stale code that no longer type-checks stops go vet before any analyzer
// runs, and the compiler's message is what shows: "undefined: await" or
// "undefined: FetchAsync" means the generated file is missing; a syntax
// error at a source line that has none ("expected statement, found '<<'")
// comes from a generated file with merge conflict markers, whose //line
// directives name the source's lines. go generate fixes both: asyncgen
// regenerates its files whatever they hold.
//
// # Silencing a finding
//
// A comment "//asyncvet:ignore reason" on the line of a finding, or alone
// on the line above it, silences asyncvet there (a deliberate blocking call
// in a demonstration, a child task's ErrCanceled handled after cancelling
// it, a connection task that is spawned and left to run).
package asyncvet
