//go:build linux && !asyncgen_nopoll

package runtime

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// poller is an epoll instance plus an eventfd for wakeups from other
// goroutines. Its event buffer is part of the struct, so waiting allocates
// nothing.
type poller struct {
	epfd   int
	evfd   int
	events [128]unix.EpollEvent
}

func (p *poller) init() error {
	p.epfd, p.evfd = -1, -1
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	p.epfd = epfd
	evfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		p.close()
		return os.NewSyscallError("eventfd", err)
	}
	p.evfd = evfd
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		p.close()
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

func (p *poller) close() error {
	var err error
	if p.evfd >= 0 {
		if e := unix.Close(p.evfd); e != nil {
			err = os.NewSyscallError("close", e)
		}
		p.evfd = -1
	}
	if p.epfd >= 0 {
		if e := unix.Close(p.epfd); e != nil && err == nil {
			err = os.NewSyscallError("close", e)
		}
		p.epfd = -1
	}
	return err
}

func (p *poller) wait(l *loop, timeoutMs int) error {
	n, err := unix.EpollWait(p.epfd, p.events[:], timeoutMs)
	if err != nil {
		if err == unix.EINTR {
			return nil
		}
		return os.NewSyscallError("epoll_wait", err)
	}
	woken := false
	for i := range p.events[:n] {
		e := &p.events[i]
		fd := int(e.Fd)
		if fd == p.evfd {
			woken = true
			continue
		}
		var ev ioEvents
		if e.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= ioRead
		}
		if e.Events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= ioWrite
		}
		if e.Events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			ev |= ioHup
		}
		l.fdReady(fd, ev)
	}
	if woken {
		var buf [8]byte
		// Non-blocking: EAGAIN only means another read drained it.
		_, _ = unix.Read(p.evfd, buf[:])
		l.drainThreadsafe()
	}
	return nil
}

func (p *poller) wakeup() error {
	one := uint64(1)
	buf := (*[8]byte)(unsafe.Pointer(&one))[:]
	for {
		_, err := unix.Write(p.evfd, buf)
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: the counter is full, a wakeup is pending anyway
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("write", err)
		}
	}
}

// pollerReportsHup: wait reports ioHup (see poll.go).
const pollerReportsHup = true

func epollEvents(ev ioEvents) uint32 {
	var e uint32
	if ev&ioRead != 0 {
		e |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if ev&ioWrite != 0 {
		e |= unix.EPOLLOUT
	}
	if ev&ioEdge != 0 {
		e |= unix.EPOLLET
	}
	return e
}

func (p *poller) add(fd int, ev ioEvents) error {
	e := unix.EpollEvent{Events: epollEvents(ev), Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &e))
}

func (p *poller) modify(fd int, ev ioEvents) error {
	e := unix.EpollEvent{Events: epollEvents(ev), Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &e))
}

func (p *poller) remove(fd int) error {
	return os.NewSyscallError("epoll_ctl", unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil))
}
