package progen

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/asyncgen/asyncgen/internal/testmod"
	"github.com/asyncgen/asyncgen/transform"
)

// Options says where and how Check runs the programs.
type Options struct {
	Root     string        // the repository's root directory
	Dir      string        // an empty directory for the throwaway module
	Timeout  time.Duration // for each run of a program; 0 means 20s
	Parallel int           // runs at once; 0 means the number of CPUs
	Log      io.Writer     // progress, if not nil
	// CompileOnly stops after compiling the async packages: no plain
	// form, no runner, no runs. A program that compiles passes.
	CompileOnly bool
}

// The kinds of failure.
const (
	Pass       = ""
	Diagnostic = "generate" // asyncgen reported diagnostics
	Build      = "build"    // the generated code does not compile
	Differ     = "differ"   // a form printed something else than the plain form
	Hang       = "timeout"  // a form did not finish in time
	Crash      = "crash"    // a form failed otherwise (fatal error, exit status without a panic)
	Progen     = "progen"   // the plain form does not build or is not deterministic: a bug of this package
)

// Output is what one run of a program printed.
type Output struct {
	Stdout string
	Panic  string // the value of an unrecovered panic, from the "panic: " line
	Err    string // anything else that went wrong: timeout, fatal error, exit status
}

func (o Output) String() string {
	s := o.Stdout
	if o.Panic != "" {
		s += "panic: " + o.Panic + "\n"
	}
	if o.Err != "" {
		s += "error: " + o.Err + "\n"
	}
	return s
}

// Result is the verdict on one program.
type Result struct {
	Prog    *Program
	Pkg     string // the program's directory in the module
	Kind    string // Pass or a kind of failure
	Detail  string // diagnostics, compiler output, or which forms differ
	Async   Output
	Twin    Output
	Plain   Output
	Plain2  Output // the plain form run again: it must print the same
	Dir     string // the module directory
	mainRes int
	mainErr bool
}

// Failed reports whether r is a failure.
func (r *Result) Failed() bool { return r.Kind != Pass }

// Report describes a failure: the program, where its generated code is, and
// what went wrong.
func (r *Result) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (size %d): %s\n", r.Prog.Name, r.Prog.Size, r.Kind)
	if sig := Signature(r); len(sig) > 0 {
		fmt.Fprintf(&b, "signature: %s\n", sig[0])
	}
	if r.Dir != "" {
		fmt.Fprintf(&b, "source and generated code: %s\n", filepath.Join(r.Dir, r.Pkg))
	}
	if r.Detail != "" {
		fmt.Fprintf(&b, "%s\n", strings.TrimRight(r.Detail, "\n"))
	}
	if r.Kind == Differ || r.Kind == Hang || r.Kind == Crash || r.Kind == Progen {
		for _, o := range []struct {
			name string
			out  Output
		}{{"async", r.Async}, {"twin", r.Twin}} {
			if o.out != r.Plain {
				fmt.Fprintf(&b, "%s form vs plain form: %s\n", o.name, firstDiff(r.Plain.String(), o.out.String()))
			}
		}
		fmt.Fprintf(&b, "--- plain output\n%s--- async output\n%s", r.Plain, r.Async)
		if r.Twin != r.Async {
			fmt.Fprintf(&b, "--- twin output\n%s", r.Twin)
		}
	}
	fmt.Fprintf(&b, "--- program\n%s", Source(r.Prog.Files))
	return b.String()
}

// firstDiff shows the first line where a and b differ, with the line before.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			prev := ""
			if i > 0 {
				prev = fmt.Sprintf(" (after %q)", al[i-1])
			}
			return fmt.Sprintf("line %d%s: plain %q, got %q", i+1, prev, x, y)
		}
	}
	return "same"
}

// Check lays the programs out in a module in opts.Dir, runs asyncgen on all
// of them at once, builds one binary with every program in its three forms,
// runs each program the three ways and compares. It returns one Result per
// program, in order; an error means the check itself could not run.
func Check(progs []*Program, opts Options) ([]*Result, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	if opts.Parallel == 0 {
		opts.Parallel = goruntime.NumCPU()
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	dir := opts.Dir
	mod, sum, err := testmod.Files(opts.Root, "example.com/diff")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		return nil, err
	}
	results := make([]*Result, len(progs))
	var patterns []string
	for i, p := range progs {
		r := &Result{Prog: p, Pkg: fmt.Sprintf("s%03d", i), Dir: dir}
		results[i] = r
		if err := writeFiles(filepath.Join(dir, r.Pkg), p.Files); err != nil {
			return nil, err
		}
		plain, err := Plain(p.Files)
		if err != nil {
			r.Kind, r.Detail = Progen, "making the plain form: "+err.Error()
			continue
		}
		if err := writeFiles(filepath.Join(dir, r.Pkg, "plain"), plain); err != nil {
			return nil, err
		}
		r.mainRes, r.mainErr = mainShape(p.Files)
		if r.mainRes < 0 {
			r.Kind, r.Detail = Progen, "no async Main"
			continue
		}
		patterns = append(patterns, "./"+r.Pkg)
	}

	// asyncgen stops at the first package that does not type-check, so a
	// program it rejects is left out and the rest generated again.
	start := time.Now()
	var res *transform.Result
	byPkg := map[string]*Result{}
	for _, r := range results {
		byPkg[r.Pkg] = r
	}
	pkgOf := func(path string) *Result {
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return nil
		}
		return byPkg[strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]]
	}
	for len(patterns) > 0 {
		res, err = transform.Generate(transform.Options{Dir: dir, Lines: true}, patterns...)
		if err != nil {
			return nil, fmt.Errorf("asyncgen: %v", err)
		}
		if len(res.Diagnostics) == 0 {
			break
		}
		for _, d := range res.Diagnostics {
			r := pkgOf(d.Pos.Filename)
			if r == nil {
				return nil, fmt.Errorf("asyncgen: a diagnostic for no program: %v", d)
			}
			r.Kind = Diagnostic
			r.Detail += d.String() + "\n"
		}
		var rest []string
		for _, p := range patterns {
			if byPkg[strings.TrimPrefix(p, "./")].Kind == Pass {
				rest = append(rest, p)
			}
		}
		patterns = rest
	}
	if len(patterns) == 0 {
		return results, nil
	}
	var outs []transform.Output
	for _, o := range res.Outputs {
		if r := pkgOf(o.Path); r != nil && r.Kind == Pass {
			outs = append(outs, o)
		}
	}
	if _, err := transform.Write(&transform.Result{Outputs: outs}); err != nil {
		return nil, err
	}
	logf("asyncgen: %d programs in %v", len(patterns), time.Since(start).Round(time.Millisecond))

	if opts.CompileOnly {
		args := []string{"build"}
		for _, p := range patterns {
			if byPkg[strings.TrimPrefix(p, "./")].Kind == Pass {
				args = append(args, p)
			}
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			blamed := false
			for _, r := range results {
				if msgs := buildErrors(string(out), r.Pkg); r.Kind == Pass && msgs != "" {
					r.Kind, r.Detail, blamed = Build, msgs, true
				}
			}
			if !blamed {
				return nil, fmt.Errorf("go build failed:\n%s", out)
			}
		}
		return results, nil
	}

	// Build: a program whose code does not compile is left out, and the
	// rest built again.
	bin := filepath.Join(dir, "run.bin")
	for {
		var live []*Result
		for _, r := range results {
			if r.Kind == Pass {
				live = append(live, r)
			}
		}
		if len(live) == 0 {
			return results, nil
		}
		if err := writeRunner(dir, live); err != nil {
			return nil, err
		}
		start := time.Now()
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/run")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		logf("go build: %d programs in %v", len(live), time.Since(start).Round(time.Millisecond))
		if err == nil {
			break
		}
		blamed := false
		for _, r := range live {
			if msgs := buildErrors(string(out), r.Pkg); msgs != "" {
				blamed = true
				r.Kind, r.Detail = Build, msgs
				// asyncgen type-checked the source, so an error
				// in the async package is in the generated code
				// (whose //line directives name the source).
				if strings.Contains(msgs, "# example.com/diff/"+r.Pkg+"/plain") || strings.Contains(msgs, r.Pkg+"/plain/") {
					r.Kind = Progen
					r.Detail = "the plain form does not compile:\n" + msgs
				}
			}
		}
		if !blamed {
			return nil, fmt.Errorf("go build failed:\n%s", out)
		}
	}

	// Run.
	start = time.Now()
	type job struct {
		r    *Result
		mode string
		out  *Output
	}
	var jobs []job
	for _, r := range results {
		if r.Kind == Pass {
			jobs = append(jobs, job{r, "plain", &r.Plain}, job{r, "async", &r.Async}, job{r, "twin", &r.Twin}, job{r, "plain", &r.Plain2})
		}
	}
	ch := make(chan job)
	var wg sync.WaitGroup
	for range opts.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				*j.out = runOnce(bin, j.r.Pkg, j.mode, opts.Timeout)
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	logf("ran %d programs in %v", len(jobs)/4, time.Since(start).Round(time.Millisecond))
	for _, r := range results {
		if r.Kind == Pass {
			judge(r)
		}
	}
	return results, nil
}

func judge(r *Result) {
	switch {
	case r.Plain != r.Plain2:
		r.Kind, r.Detail = Progen, "the plain form printed something else when run again: the program is not deterministic\n"+
			"first run vs second: "+firstDiff(r.Plain.String(), r.Plain2.String())
	case r.Plain.Err != "":
		r.Kind, r.Detail = Progen, "the plain form failed: "+r.Plain.Err
	case r.Async.Err != "" || r.Twin.Err != "":
		r.Kind = Crash
		if strings.Contains(r.Async.Err+r.Twin.Err, "timed out") {
			r.Kind = Hang
		}
		r.Detail = fmt.Sprintf("async: %s\ntwin: %s", r.Async.Err, r.Twin.Err)
	case r.Async != r.Plain && r.Twin != r.Plain:
		r.Kind, r.Detail = Differ, "the async form and the blocking twin both differ from the plain form"
		if r.Async != r.Twin {
			r.Detail += ", and from each other"
		}
	case r.Async != r.Plain:
		r.Kind, r.Detail = Differ, "the async form differs from the plain form (the blocking twin agrees with it)"
	case r.Twin != r.Plain:
		r.Kind, r.Detail = Differ, "the blocking twin differs from the plain form (the async form agrees with it)"
	}
}

var panicLine = regexp.MustCompile(`(?m)^panic: (.*?)( \[recovered.*\])?$`)

// runOnce runs one program in one form.
func runOnce(bin, pkg, mode string, timeout time.Duration) Output {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, pkg, mode)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := Output{Stdout: stdout.String()}
	if ctx.Err() != nil {
		o.Err = fmt.Sprintf("timed out after %v", timeout)
		return o
	}
	es := stderr.String()
	if m := panicLine.FindStringSubmatch(es); m != nil {
		o.Panic = m[1]
		if err == nil {
			o.Err = "printed a panic but exited 0"
		}
	} else if err != nil {
		o.Err = fmt.Sprintf("%v: %s", err, firstLines(es, 5))
	}
	if strings.Contains(es, "fatal error") {
		o.Err = firstLines(es[strings.Index(es, "fatal error"):], 5)
	}
	return o
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	if len(l) > n {
		l = l[:n]
	}
	return strings.Join(l, "\n")
}

// buildErrors returns the go command's messages about pkg and its plain
// form. Errors in code with //line directives name the source file without
// its directory, so messages are grouped by the "# package" line before
// them.
func buildErrors(out, pkg string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "# ") {
			p := strings.TrimPrefix(l, "# example.com/diff/")
			in = p == pkg || strings.HasPrefix(p, pkg+"/")
		} else if strings.HasPrefix(l, pkg+"/") {
			in = true
		}
		if in && l != "" {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func writeFiles(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// mainShape returns the number of results of the async Main, -1 if there is
// none, and whether the last one is an error.
func mainShape(files []File) (int, bool) {
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Src, parser.ParseComments)
		if err != nil {
			continue
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "Main" || fd.Recv != nil || !isAsync(fd) {
				continue
			}
			if fd.Type.Results == nil {
				return 0, false
			}
			last := fd.Type.Results.List[len(fd.Type.Results.List)-1].Type
			id, ok := last.(*ast.Ident)
			return fd.Type.Results.NumFields(), ok && id.Name == "error"
		}
	}
	return -1, false
}

// writeRunner writes cmd/run/main.go: "run sNNN async|twin|plain" runs one
// program one way, and prints Main's results after it returns.
func writeRunner(dir string, rs []*Result) error {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\n\t\"github.com/asyncgen/asyncgen/runtime\"\n")
	sorted := append([]*Result(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Pkg < sorted[j].Pkg })
	for _, r := range sorted {
		fmt.Fprintf(&b, "\t%s \"example.com/diff/%s\"\n", r.Pkg, r.Pkg)
		fmt.Fprintf(&b, "\t%s_plain \"example.com/diff/%s/plain\"\n", r.Pkg, r.Pkg)
	}
	b.WriteString(")\n\nvar _ = runtime.Run[struct{}]\n\nfunc main() {\n\tswitch os.Args[1] + \" \" + os.Args[2] {\n")
	for _, r := range sorted {
		for _, mode := range []string{"async", "twin", "plain"} {
			fmt.Fprintf(&b, "\tcase %q:\n", r.Pkg+" "+mode)
			call := r.Pkg + ".Main()"
			switch mode {
			case "async":
				call = "runtime.Run(" + r.Pkg + ".MainAsync())"
			case "plain":
				call = r.Pkg + "_plain.Main()"
			}
			switch {
			case mode == "async" && r.mainRes == 0:
				fmt.Fprintf(&b, "\t\tif _, err := %s; err != nil {\n\t\t\tfmt.Println(\"Run:\", err)\n\t\t}\n", call)
			case mode == "async" && r.mainRes == 1 && r.mainErr:
				fmt.Fprintf(&b, "\t\t_, err := %s\n\t\tfmt.Println(\"Main returned\", err)\n", call)
			case mode == "async" && r.mainRes == 1:
				fmt.Fprintf(&b, "\t\tv, err := %s\n\t\tfmt.Println(\"Main returned\", v)\n\t\tif err != nil {\n\t\t\tfmt.Println(\"Run:\", err)\n\t\t}\n", call)
			case mode == "async":
				fmt.Fprintf(&b, "\t\tv, err := %s\n\t\tfmt.Println(\"Main returned\", v, err)\n", call)
			case r.mainRes == 0:
				fmt.Fprintf(&b, "\t\t%s\n", call)
			case r.mainRes == 1 && r.mainErr:
				fmt.Fprintf(&b, "\t\terr := %s\n\t\tfmt.Println(\"Main returned\", err)\n", call)
			case r.mainRes == 1:
				fmt.Fprintf(&b, "\t\tv := %s\n\t\tfmt.Println(\"Main returned\", v)\n", call)
			default:
				fmt.Fprintf(&b, "\t\tv, err := %s\n\t\tfmt.Println(\"Main returned\", v, err)\n", call)
			}
		}
	}
	b.WriteString("\tdefault:\n\t\tfmt.Fprintln(os.Stderr, \"no such program\")\n\t\tos.Exit(2)\n\t}\n}\n")
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "run"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "cmd", "run", "main.go"), []byte(b.String()), 0o644)
}

// RepoRoot finds the root of the asyncgen repository from the working
// directory: the nearest directory above with asyncgen's go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.HasPrefix(b, []byte("module github.com/asyncgen/asyncgen\n")) {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("not inside the asyncgen repository")
		}
		dir = up
	}
}
