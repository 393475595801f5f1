//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || asyncgen_nopoll

package runtime

import "time"

// poller is the portable fallback: it watches no file descriptors, and waits
// on a channel with a timer, which other goroutines send to for wakeups.
type poller struct {
	wake  chan struct{}
	timer *time.Timer
}

func (p *poller) init() error {
	p.wake = make(chan struct{}, 1)
	p.timer = time.NewTimer(time.Hour)
	p.timer.Stop()
	return nil
}

func (p *poller) close() error {
	p.timer.Stop()
	return nil
}

func (p *poller) wait(l *loop, timeoutMs int) error {
	woken := false
	switch {
	case timeoutMs == 0:
		select {
		case <-p.wake:
			woken = true
		default:
		}
	case timeoutMs < 0:
		<-p.wake
		woken = true
	default:
		p.timer.Reset(time.Duration(timeoutMs) * time.Millisecond)
		select {
		case <-p.wake:
			woken = true
		case <-p.timer.C:
		}
		p.timer.Stop()
	}
	if woken {
		l.drainThreadsafe()
	}
	return nil
}

func (p *poller) wakeup() error {
	select {
	case p.wake <- struct{}{}:
	default: // a wakeup is pending anyway
	}
	return nil
}

func (p *poller) add(fd int, ev ioEvents) error    { return errNoPolling }
func (p *poller) modify(fd int, ev ioEvents) error { return errNoPolling }
func (p *poller) remove(fd int) error              { return errNoPolling }

// pollerReportsHup: wait does not report ioHup (see poll.go).
const pollerReportsHup = false
