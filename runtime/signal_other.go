//go:build !unix

package runtime

import (
	"errors"
	"os"
)

// checkSignal returns an error if sig cannot be caught: here, only a nil
// one is refused, and os/signal says which signals arrive.
func checkSignal(sig os.Signal) error {
	if sig == nil {
		return errors.New("asyncgen: nil signal")
	}
	return nil
}
