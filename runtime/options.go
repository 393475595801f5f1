package runtime

// Option configures Run.
type Option func(*runOptions)

// runOptions is what the options passed to Run set.
type runOptions struct {
	debug debugOptions
}
