// Command asyncgen turns Go functions marked "// async" into coroutines that the
// asyncgen runtime runs on an event loop.
//
// Mark a function and call await inside it:
//
//	//go:generate asyncgen
//
//	// async
//	func Fetch(url string) (string, error) {
//		await(runtime.Sleep(time.Second))
//		return url, nil
//	}
//
// The mark is the last line of the function's doc comment; gofmt leaves
// "// async" alone and rewrites "//async", which is accepted too, to it.
// Directives such as //go:noinline may come before or after the mark, as
// gofmt moves them after it.
//
// Then run
//
//	asyncgen [flags] [packages | files]
//
// or go generate ./..., and asyncgen writes fetch_async.go next to fetch.go, with
// FetchAsync(url) returning a runtime.Awaitable[string]. With no arguments it
// works on the package in the current directory.
//
// Files with build constraints are generated too, whatever the current build:
// x_linux.go gets x_async_linux.go, a file with //go:build fancy a generated file
// with the same line, each type-checked under a build that compiles it. A
// package that awaits another package's async functions is type-checked
// against stubs of them, so go generate ./... works before anything is
// generated, in any order. Under go generate, a run keeps its results, and
// those of the module's other packages it loaded at the same time, in a cache
// ($ASYNCGEN_CACHE, or asyncgen under the user cache directory; "off" turns
// it off), so that go generate ./... loads the module about once.
//
// Subcommands:
//
//	asyncgen check [packages]   exit 1 and name every generated file that is stale or missing,
//	                            and the async functions that make it stale
//	asyncgen diff [packages]    show what a regeneration would change
//	asyncgen inspect [-format text|dot|json|mermaid] PATTERN... [FUNC...]
//	                            show each async function's states, await points,
//	                            transitions, frame variables and frame size, in
//	                            source order; a FUNC (F, T.M or (*T).M) selects
//	                            functions
//
// Flags:
//
//	-lines=false   do not emit //line directives
//	-tags list     build tags
//	-dump pass     print the result of a pass (lower, live) for every async function
//	-o -           write the generated code to standard output instead of files
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"github.com/asyncgen/asyncgen/transform"
)

func usage(fs *flag.FlagSet) {
	fmt.Fprintf(os.Stderr, `usage: asyncgen [flags] [packages | files]
       asyncgen check [flags] [packages | files]
       asyncgen diff [flags] [packages | files]
       asyncgen inspect [-format text|dot|json|mermaid] PATTERN... [FUNC...]
flags:
`)
	fs.PrintDefaults()
}

func main() {
	log.SetPrefix("asyncgen: ")
	log.SetFlags(0)
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	mode := "generate"
	if len(args) > 0 && (args[0] == "check" || args[0] == "diff" || args[0] == "inspect") {
		mode, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("asyncgen", flag.ContinueOnError)
	fs.Usage = func() { usage(fs) }
	lines := fs.Bool("lines", true, "emit //line directives that map generated code to the source")
	tags := fs.String("tags", "", "comma-separated build tags")
	dump := fs.String("dump", "", "print the result of a pass for every async function: lower or live")
	out := fs.String("o", "", "write the generated code to this file; - is standard output")
	format := fs.String("format", "text", "inspect: output format, text, dot, json or mermaid")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *dump != "" {
		if ok, names := transform.CanDump(*dump); !ok {
			log.Printf("unknown pass %q for -dump; the passes that can be dumped are: %s", *dump, names)
			return 2
		}
	}
	if *out != "" && *out != "-" {
		log.Printf("-o takes only -, for standard output")
		return 2
	}
	opts := transform.Options{Lines: *lines, Dump: *dump, DumpTo: os.Stdout}
	if *tags != "" {
		opts.Tags = strings.Split(*tags, ",")
	}
	patterns := fs.Args()
	// go generate runs asyncgen in the package directory with $GOFILE set.
	goGenerate := len(patterns) == 0 && os.Getenv("GOFILE") != ""
	if goGenerate {
		patterns = []string{"."}
	}
	if mode == "inspect" {
		return inspect(opts, *format, patterns)
	}
	var res *transform.Result
	var err error
	if goGenerate && mode == "generate" && *out == "" && *dump == "" {
		// go generate ./... runs asyncgen once per package: the cache
		// lets each run after the first skip the load (transform/cache.go).
		res, err = transform.GeneratePackage(opts)
	} else {
		res, err = transform.Generate(opts, patterns...)
	}
	if err != nil {
		log.Print(err)
		return 1
	}
	if len(res.Diagnostics) > 0 {
		for _, d := range res.Diagnostics {
			fmt.Fprintln(os.Stderr, d.String())
		}
		return 1
	}
	switch {
	case mode == "check":
		stale := transform.Stale(res)
		for _, o := range stale {
			what := "stale"
			var why []transform.StaleFunc
			if o.Content == nil {
				what = "no longer generated; remove it"
			} else if _, err := os.Stat(o.Path); err != nil {
				what = "missing"
			} else {
				// Which functions, as far as the records tell.
				why, _ = transform.Explain(o)
				if len(why) == 0 {
					what = "stale (its async functions are as they were when it was generated: what they use changed, or another version of asyncgen generated it)"
				}
			}
			fmt.Fprintf(os.Stderr, "%s: %s\n", rel(o.Path), what)
			for _, s := range why {
				pos := s.Pos
				pos.Filename = rel(pos.Filename)
				fmt.Fprintf(os.Stderr, "%s: %s\n", pos, s.Message(o.Path))
			}
		}
		if len(stale) > 0 {
			fmt.Fprintln(os.Stderr, "asyncgen: generated files are not current; run asyncgen (or go generate) and commit the result")
			return 1
		}
		return 0
	case mode == "diff":
		return diff(res)
	case *out == "-":
		for _, o := range res.Outputs {
			if o.Content != nil {
				os.Stdout.Write(o.Content)
			}
		}
		return 0
	}
	if _, err := transform.Write(res); err != nil {
		log.Print(err)
		return 1
	}
	return 0
}

// inspect prints the state machines of the async functions in the packages
// that args name. The first argument is a package pattern; a later one
// spelled like a function name (F, T.M or (*T).M, optionally after the
// package's name) selects that function, and the others are patterns too.
func inspect(opts transform.Options, format string, args []string) int {
	switch format {
	case "text", "dot", "json", "mermaid":
	default:
		log.Printf("unknown -format %q: use text, dot, json or mermaid", format)
		return 2
	}
	if len(args) == 0 {
		log.Printf("inspect takes package patterns and, after the first, optionally names of functions (F, T.M or (*T).M)")
		return 2
	}
	patterns, funcs := args[:1], []string(nil)
	for _, a := range args[1:] {
		if isFuncName(a) {
			funcs = append(funcs, a)
		} else {
			patterns = append(patterns, a)
		}
	}
	reports, res, err := transform.Inspect(opts, funcs, patterns...)
	if err != nil {
		log.Print(err)
		return 1
	}
	if len(res.Diagnostics) > 0 {
		for _, d := range res.Diagnostics {
			fmt.Fprintln(os.Stderr, d.String())
		}
		return 1
	}
	if err := transform.WriteReports(os.Stdout, format, reports); err != nil {
		log.Print(err)
		return 1
	}
	return 0
}

// funcName matches the spellings of a function inspect accepts: F, T.M,
// (*T).M and (T).M, each optionally after a package name.
var funcName = regexp.MustCompile(`^(?:` + ident + `\.)?(?:` + ident + `|\(\*?` + ident + `\))(?:\.` + ident + `)?$`)

const ident = `[\p{L}_][\p{L}\p{Nd}_]*`

// isFuncName reports whether a later argument of inspect names a function
// rather than packages: it is spelled like one and is not a file name.
func isFuncName(arg string) bool {
	return funcName.MatchString(arg) && !strings.HasSuffix(arg, ".go")
}

func rel(path string) string { return transform.DisplayPath(path) }

// diff prints a unified diff of every stale output, using diff(1) when present.
func diff(res *transform.Result) int {
	stale := transform.Stale(res)
	for _, o := range stale {
		tmp, err := os.CreateTemp("", "asyncgen-*.go")
		if err != nil {
			log.Print(err)
			return 1
		}
		tmp.Write(o.Content)
		tmp.Close()
		old := o.Path
		if _, err := os.Stat(old); err != nil {
			old = os.DevNull
		}
		cmd := exec.Command("diff", "-u", "--label", rel(o.Path), "--label", rel(o.Path)+" (regenerated)", old, tmp.Name())
		var b bytes.Buffer
		cmd.Stdout = &b
		cmd.Run()
		os.Stdout.Write(b.Bytes())
		os.Remove(tmp.Name())
	}
	if len(stale) > 0 {
		return 1
	}
	return 0
}
