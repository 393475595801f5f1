//go:build (darwin || freebsd || netbsd || openbsd || dragonfly) && !asyncgen_nopoll

package runtime

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// poller is a kqueue plus a non-blocking pipe for wakeups from other
// goroutines (a pipe rather than EVFILT_USER, which not every BSD has).
// kqueue keeps one filter per (fd, direction), so the poller remembers the
// events each fd is watched for, to add and delete the right filters. Its
// event buffers are part of the struct, so waiting allocates nothing.
type poller struct {
	kq      int
	wr, rd  int // the wakeup pipe
	watched []ioEvents
	changes [2]unix.Kevent_t
	ts      unix.Timespec
	events  [128]unix.Kevent_t
}

func (p *poller) init() error {
	p.kq, p.rd, p.wr = -1, -1, -1
	kq, err := unix.Kqueue()
	if err != nil {
		return os.NewSyscallError("kqueue", err)
	}
	p.kq = kq
	unix.CloseOnExec(kq)
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		p.close()
		return os.NewSyscallError("pipe", err)
	}
	p.rd, p.wr = fds[0], fds[1]
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			p.close()
			return os.NewSyscallError("fcntl", err)
		}
	}
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], p.rd, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(p.kq, ch[:], nil, nil); err != nil {
		p.close()
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (p *poller) close() error {
	var err error
	for _, fd := range []*int{&p.rd, &p.wr, &p.kq} {
		if *fd >= 0 {
			if e := unix.Close(*fd); e != nil && err == nil {
				err = os.NewSyscallError("close", e)
			}
			*fd = -1
		}
	}
	return err
}

func (p *poller) wait(l *loop, timeoutMs int) error {
	var ts *unix.Timespec
	if timeoutMs >= 0 {
		p.ts = unix.NsecToTimespec(int64(timeoutMs) * 1e6)
		ts = &p.ts
	}
	n, err := unix.Kevent(p.kq, nil, p.events[:], ts)
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return os.NewSyscallError("kevent", err)
	}
	woken := false
	for i := range p.events[:n] {
		e := &p.events[i]
		fd := int(e.Ident)
		if fd == p.rd {
			woken = true
			continue
		}
		var ev ioEvents
		switch {
		case e.Flags&unix.EV_ERROR != 0:
			ev = ioRead | ioWrite
		case e.Filter == unix.EVFILT_READ:
			ev = ioRead
		case e.Filter == unix.EVFILT_WRITE:
			ev = ioWrite
		}
		l.fdReady(fd, ev)
	}
	if woken {
		var buf [64]byte
		for { // non-blocking: read until EAGAIN
			if n, err := unix.Read(p.rd, buf[:]); n <= 0 || err != nil {
				break
			}
		}
		l.drainThreadsafe()
	}
	return nil
}

func (p *poller) wakeup() error {
	b := [1]byte{1}
	for {
		_, err := unix.Write(p.wr, b[:])
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: the pipe is full, a wakeup is pending anyway
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("write", err)
		}
	}
}

// apply adds the filters of ev that fd lacks and deletes those of old that
// ev lacks.
func (p *poller) apply(fd int, old, ev ioEvents) error {
	ch := p.changes[:0]
	add := unix.EV_ADD
	if ev&ioEdge != 0 {
		add |= unix.EV_CLEAR
	}
	for _, d := range []struct {
		bit    ioEvents
		filter int
	}{{ioRead, unix.EVFILT_READ}, {ioWrite, unix.EVFILT_WRITE}} {
		switch {
		case ev&d.bit != 0 && old&d.bit == 0:
			ch = append(ch, unix.Kevent_t{})
			unix.SetKevent(&ch[len(ch)-1], fd, d.filter, add)
		case ev&d.bit == 0 && old&d.bit != 0:
			ch = append(ch, unix.Kevent_t{})
			unix.SetKevent(&ch[len(ch)-1], fd, d.filter, unix.EV_DELETE)
		}
	}
	if len(ch) > 0 {
		if _, err := unix.Kevent(p.kq, ch, nil, nil); err != nil {
			return os.NewSyscallError("kevent", err)
		}
	}
	for len(p.watched) <= fd {
		p.watched = append(p.watched, 0)
	}
	p.watched[fd] = ev
	return nil
}

func (p *poller) watching(fd int) ioEvents {
	if fd < len(p.watched) {
		return p.watched[fd]
	}
	return 0
}

func (p *poller) add(fd int, ev ioEvents) error    { return p.apply(fd, 0, ev) }
func (p *poller) modify(fd int, ev ioEvents) error { return p.apply(fd, p.watching(fd), ev) }

// remove deletes fd's filters. The kernel drops them by itself when fd is
// closed, so a closed fd is not an error.
func (p *poller) remove(fd int) error {
	err := p.apply(fd, p.watching(fd), 0)
	if fd < len(p.watched) {
		p.watched[fd] = 0
	}
	if errors.Is(err, unix.EBADF) || errors.Is(err, unix.ENOENT) {
		err = nil
	}
	return err
}

// pollerReportsHup: wait does not report ioHup (see poll.go).
const pollerReportsHup = false
