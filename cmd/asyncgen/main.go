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
// Subcommands:
//
//	asyncgen check [packages]   exit 1 and name every generated file that is stale or missing
//	asyncgen diff [packages]    show what a regeneration would change
//	asyncgen inspect [-format text|dot|json|mermaid] PATTERN [FUNC]
//	                            show each async function's states, await points,
//	                            transitions, frame variables and frame size
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
	"path/filepath"
	"strings"

	"github.com/asyncgen/asyncgen/transform"
)

func usage(fs *flag.FlagSet) {
	fmt.Fprintf(os.Stderr, `usage: asyncgen [flags] [packages | files]
       asyncgen check [flags] [packages | files]
       asyncgen diff [flags] [packages | files]
       asyncgen inspect [-format text|dot|json|mermaid] PATTERN [FUNC]
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
	if len(patterns) == 0 && os.Getenv("GOFILE") != "" {
		patterns = []string{"."}
	}
	if mode == "inspect" {
		return inspect(opts, *format, patterns)
	}
	res, err := transform.Generate(opts, patterns...)
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
			if o.Content == nil {
				what = "no longer generated; remove it"
			} else if _, err := os.Stat(o.Path); err != nil {
				what = "missing"
			}
			fmt.Fprintf(os.Stderr, "%s: %s\n", rel(o.Path), what)
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

// inspect prints the state machines of the async functions in a pattern,
// optionally only the function named by the second argument (F or T.M).
func inspect(opts transform.Options, format string, args []string) int {
	switch format {
	case "text", "dot", "json", "mermaid":
	default:
		log.Printf("unknown -format %q: use text, dot, json or mermaid", format)
		return 2
	}
	if len(args) == 0 || len(args) > 2 {
		log.Printf("inspect takes a package pattern and, optionally, a function name (F or T.M)")
		return 2
	}
	fn := ""
	if len(args) == 2 {
		fn = args[1]
	}
	reports, res, err := transform.Inspect(opts, fn, args[0])
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
	if fn != "" && len(reports) == 0 {
		log.Printf("no async function %s in %s", fn, args[0])
		return 1
	}
	if err := transform.WriteReports(os.Stdout, format, reports); err != nil {
		log.Print(err)
		return 1
	}
	return 0
}

func rel(path string) string {
	wd, _ := os.Getwd()
	if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

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
