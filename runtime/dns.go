package runtime

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
)

const msgLookupTwice = "asyncgen: DNS lookup awaitable awaited twice"

// LookupHost returns an awaitable of host's addresses, as
// net.DefaultResolver.LookupHost gives them, looked up on the default
// Executor (see LookupNetIP).
func LookupHost(host string) Awaitable[[]string] {
	return lookup(func(ctx context.Context) ([]string, error) {
		return net.DefaultResolver.LookupHost(ctx, host)
	})
}

// LookupIP returns an awaitable of host's IP addresses, network being
// "ip", "ip4" or "ip6" (see LookupNetIP).
func LookupIP(network, host string) Awaitable[[]net.IP] {
	return lookup(func(ctx context.Context) ([]net.IP, error) {
		return net.DefaultResolver.LookupIP(ctx, network, host)
	})
}

// LookupNetIP returns an awaitable of host's IP addresses, network being
// "ip", "ip4" or "ip6", like asyncio's getaddrinfo: the lookup is made by
// net.DefaultResolver (the hosts file, then DNS, or the system's resolver,
// as Go's net package chooses) on a goroutine of the default Executor,
// while the loop runs other tasks. The addresses come in the resolver's
// order of preference, IPv4 ones as such (Is4), never mapped into IPv6 as
// the resolver sometimes gives them. A name that does not resolve gives
// the resolver's *net.DNSError (IsNotFound for a name that does not
// exist). Cancelling the awaiting task, or a timeout scope expiring,
// returns at once and cancels the lookup's context, so the resolver stops
// too.
func LookupNetIP(network, host string) Awaitable[[]netip.Addr] {
	return lookup(func(ctx context.Context) ([]netip.Addr, error) {
		ips, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
		for i, ip := range ips {
			ips[i] = ip.Unmap()
		}
		return ips, err
	})
}

// LookupPort returns an awaitable of the port number of service on
// network ("tcp", "udp"...), from the services database (see LookupNetIP).
func LookupPort(network, service string) Awaitable[int] {
	return lookup(func(ctx context.Context) (int, error) {
		return net.DefaultResolver.LookupPort(ctx, network, service)
	})
}

// LookupAddr returns an awaitable of the names of the address addr, a
// reverse lookup, like asyncio's getnameinfo (see LookupNetIP).
func LookupAddr(addr string) Awaitable[[]string] {
	return lookup(func(ctx context.Context) ([]string, error) {
		return net.DefaultResolver.LookupAddr(ctx, addr)
	})
}

// lookup returns an awaitable that runs fn on the default Executor, with a
// context that a cancelled await cancels.
func lookup[T any](fn func(ctx context.Context) (T, error)) Awaitable[T] {
	return &lookupCall[T]{lookup: fn}
}

// lookupCall is threadCall (RunInExecutor's awaitable) with a context: the
// fiber parks on the lookupCall, so that withdrawing the wait cancels it.
type lookupCall[T any] struct {
	threadCall[T]
	lookup func(ctx context.Context) (T, error)
	cancel context.CancelFunc
}

func (c *lookupCall[T]) begin(f *Fiber) bool {
	if c.started {
		panic(msgLookupTwice)
	}
	ctx, cancel := context.WithCancel(context.Background())
	lookup := c.lookup
	c.lookup, c.cancel = nil, cancel
	c.fn = func() (T, error) {
		defer cancel()
		return lookup(ctx)
	}
	c.threadCall.begin(f)
	f.park = c
	return true
}

func (c *lookupCall[T]) cancelWait(f *Fiber) {
	c.cancel()
	c.threadCall.cancelWait(f)
}

// needsLookup reports whether Dial or DialPacket must resolve address
// first: its host is a name (not empty, "localhost" or a numeric IP
// address) or its port a service name.
func needsLookup(network, address string) bool {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return false
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return false // the numeric path reports it
	}
	if _, err := strconv.Atoi(port); err != nil && port != "" {
		return true
	}
	return host != "" && host != "localhost" && net.ParseIP(host) == nil
}

// resolveAddress returns an awaitable of address with its host and port
// resolved: the numeric addresses to try, in order.
func resolveAddress(network, address string) Awaitable[[]string] {
	return lookup(func(ctx context.Context) ([]string, error) {
		host, portStr, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		port, err := strconv.Atoi(portStr)
		if err != nil {
			if port, err = net.DefaultResolver.LookupPort(ctx, network, portStr); err != nil {
				return nil, err
			}
		}
		p := strconv.Itoa(port)
		if host == "" || host == "localhost" || net.ParseIP(host) != nil {
			return []string{net.JoinHostPort(host, p)}, nil
		}
		ipNet := "ip"
		switch network[len(network)-1] {
		case '4':
			ipNet = "ip4"
		case '6':
			ipNet = "ip6"
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, ipNet, host)
		if err != nil {
			return nil, err
		}
		addrs := make([]string, len(ips))
		for i, ip := range ips {
			addrs[i] = net.JoinHostPort(ip.Unmap().String(), p)
		}
		return addrs, nil
	})
}

// dialHost is the coroutine with which Dial and DialPacket reach an address
// whose host is a name, as asyncio's create_connection does: it resolves it
// on the default Executor (resolve is resolveAddress, which tests replace),
// then connects to each address in turn until one succeeds, and returns the
// first error if none does. A cancel or a timeout ends it at once.
//
// async
func dialHost[T any](network, address string, resolve func(network, address string) Awaitable[[]string], connect func(network, address string) Awaitable[T]) (T, error) {
	var zero T
	addrs, err := await(resolve(network, address))
	if err != nil {
		if !errors.Is(err, ErrCanceled) && !errors.Is(err, ErrTimeout) {
			err = &net.OpError{Op: "dial", Net: network, Err: err}
		}
		return zero, err
	}
	var first error
	for _, a := range addrs {
		v, err := await(connect(network, a))
		if err == nil {
			return v, nil
		}
		if errors.Is(err, ErrCanceled) || errors.Is(err, ErrTimeout) {
			return zero, err
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no suitable address", Name: address}}
	}
	return zero, first
}
