package runtime

// Option configures Run: see Debug, DebugOutput, DebugSlowStep and VirtualTime.
type Option func(*runOptions)

// runOptions is what the options passed to Run set.
type runOptions struct {
	debug debugOptions
	loop  []func(*loop) // applied to the new loop before it runs anything
}
