//go:build linux

package runtime

// SetPidfdOff makes Start watch exits with a goroutine (true) or a pidfd,
// where the kernel gives one (false); it returns whether pidfds work here.
func SetPidfdOff(off bool) bool {
	pidfdOff = off
	return pidfdWorks()
}
