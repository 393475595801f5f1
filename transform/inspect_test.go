package transform

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestInspect describes examples/callapi and checks what a reader of the
// report relies on: the states with their source positions, the transitions,
// where each variable lives, and the frame size.
func TestInspect(t *testing.T) {
	reports, res, err := Inspect(Options{Dir: repoRoot(t) + "/examples/callapi"}, "", ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) > 0 {
		t.Fatal(diagText(res.Diagnostics))
	}
	if len(reports) != 2 {
		t.Fatalf("got %d reports, want CallAPI and Main", len(reports))
	}
	call := reports[0]
	if call.Name != "main.CallAPI" || len(call.States) != 2 || call.States[1].Await != "runtime.Sleep(3 * time.Second)" ||
		!strings.HasPrefix(call.States[1].Pos, "main.go:") {
		t.Errorf("CallAPI states = %+v", call.States)
	}
	want := []Transition{{0, -1}, {0, 1}, {1, -1}} // the -blocking branch returns without awaiting
	if len(call.Transitions) != len(want) {
		t.Fatalf("transitions = %v, want %v", call.Transitions, want)
	}
	for i := range want {
		if call.Transitions[i] != want[i] {
			t.Errorf("transitions = %v, want %v", call.Transitions, want)
		}
	}
	if len(call.Frame) != 2 || call.Frame[0].Name != "name" || call.Frame[0].Type != "string" || call.Frame[0].Size != 16 {
		t.Errorf("CallAPI frame = %+v", call.Frame)
	}
	if call.FrameSize < 64 || call.FrameSize > 256 {
		t.Errorf("CallAPI frame size = %d", call.FrameSize)
	}
	main := reports[1]
	var locals []string
	for _, v := range main.Locals {
		locals = append(locals, v.Name)
	}
	if strings.Join(locals, " ") != "a b names err" {
		t.Errorf("Main's step locals = %v: a, b, names and err are not live across an await", locals)
	}

	for _, format := range []string{"text", "dot", "json", "mermaid"} {
		var b bytes.Buffer
		if err := WriteReports(&b, format, reports); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		switch format {
		case "json":
			var back []FuncReport
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || len(back) != 2 || back[0].FrameSize != call.FrameSize {
				t.Errorf("json does not round-trip: %v", err)
			}
		case "dot":
			if dot, err := exec.LookPath("dot"); err == nil {
				cmd := exec.Command(dot, "-Tsvg")
				cmd.Stdin = strings.NewReader(out)
				if svg, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(svg, []byte("<svg")) {
					t.Errorf("graphviz rejects the dot output: %v\n%s", err, svg)
				}
			}
		}
		if !strings.Contains(out, "CallAPI") {
			t.Errorf("%s output does not name CallAPI:\n%s", format, out)
		}
	}
}
