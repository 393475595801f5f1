//go:build !unix

package runtime

import "net"

// udpSys is the platform's part of a PacketConn: none where the runtime has
// no socket support.
type udpSys struct{}

func (c *PacketConn) sysOpen(address string, dial bool) (int, error) { return -1, errNoSockets }

func (c *PacketConn) sysRecv(b []byte) (int, bool, net.Addr, bool, error) {
	return 0, false, nil, false, errNoSockets
}

func (c *PacketConn) sysSend(b []byte, addr net.Addr) (bool, error) { return false, errNoSockets }
