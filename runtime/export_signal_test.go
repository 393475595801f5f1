package runtime

// SignalForwarders returns how many goroutines forward signals to loops.
func SignalForwarders() int { return int(signalForwarders.Load()) }
