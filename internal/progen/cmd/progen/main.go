// Command progen prints the programs of package progen, and minimizes
// failing ones.
//
//	go run ./internal/progen/cmd/progen -seed 42              # the async form of seed 42
//	go run ./internal/progen/cmd/progen -seed 42 -plain       # its plain form
//	go run ./internal/progen/cmd/progen -seed 42 -min         # check it, and print the smallest failing program
//	go run ./internal/progen/cmd/progen -check -file prog.txtar # check a program written by hand or saved
//	go run ./internal/progen/cmd/progen -min -file prog.txtar # minimize it
//	go run ./internal/progen/cmd/progen -n 100 -out DIR       # write the plain forms of seeds 1..100 into a module
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/asyncgen/asyncgen/internal/progen"
)

func main() {
	seed := flag.Uint64("seed", 1, "the seed of the program")
	size := flag.Int("size", progen.DefaultSize, "the size of the program")
	avoid := flag.String("avoid", "", "comma-separated features to leave out")
	plain := flag.Bool("plain", false, "print the plain form")
	n := flag.Int("n", 0, "with -out: how many seeds, from -seed on")
	out := flag.String("out", "", "write the plain forms of -n seeds into this directory, as one module")
	min := flag.Bool("min", false, "check the program; if it fails, minimize it and print the smallest failing program")
	file := flag.String("file", "", "the program to check or minimize, in the layout this command prints (txtar), instead of a seed's")
	check := flag.Bool("check", false, "check the program: run it the three ways and report")
	flag.Parse()
	cfg := progen.Config{Size: *size, Avoid: map[string]bool{}}
	for _, f := range strings.Split(*avoid, ",") {
		if f != "" {
			cfg.Avoid[f] = true
		}
	}
	if *out != "" {
		os.MkdirAll(*out, 0o755)
		os.WriteFile(filepath.Join(*out, "go.mod"), []byte("module example.com/plain\n\ngo 1.26\n"), 0o644)
		for i := range *n {
			s := *seed + uint64(i)
			p := progen.Generate(s, cfg)
			files, err := progen.Plain(p.Files)
			if err != nil {
				fmt.Fprintf(os.Stderr, "seed %d: %v\n", s, err)
				continue
			}
			dir := filepath.Join(*out, fmt.Sprintf("s%d", s))
			os.MkdirAll(dir, 0o755)
			for _, f := range files {
				os.WriteFile(filepath.Join(dir, f.Name), f.Src, 0o644)
			}
		}
		return
	}
	p := progen.Generate(*seed, cfg)
	if *file != "" {
		src, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		p = &progen.Program{Name: *file, Files: progen.ParseSource(src)}
	}
	if *check {
		root, err := progen.RepoRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		dir, err := os.MkdirTemp("", "asyncgen-check-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		rs, err := progen.Check([]*progen.Program{p}, progen.Options{Root: root, Dir: dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if !rs[0].Failed() {
			os.RemoveAll(dir)
			fmt.Println("pass")
			fmt.Print(rs[0].Plain)
			return
		}
		fmt.Print(rs[0].Report())
		os.Exit(1)
	}
	if *min {
		root, err := progen.RepoRoot()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		small, r, err := progen.Minimize(p, progen.MinOptions{Root: root, Log: os.Stderr})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(r.Report())
		fmt.Println("--- as a golden case (testdata/cases/NAME.txtar)")
		fmt.Print(progen.Golden(small, r))
		return
	}
	files := p.Files
	if *plain {
		var err error
		files, err = progen.Plain(files)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Print(progen.Source(files))
}
