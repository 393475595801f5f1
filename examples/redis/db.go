package main

import (
	"math"
	"strconv"
	"time"

	"github.com/asyncgen/asyncgen/examples/redis/resp"
)

// entry is a key's value.
type entry struct {
	key string
	val []byte
	exp int64 // when it expires, in Unix nanoseconds; 0: never
}

// db is the store. It is used from the loop's goroutine only.
type db struct {
	keys     map[string]*entry
	volatile map[string]*entry // the keys that have an expiry
}

func newDB() *db {
	return &db{keys: make(map[string]*entry), volatile: make(map[string]*entry)}
}

// Active expiry, as Redis's: sample up to sweepSample keys with an expiry,
// delete the expired ones, and go on while more than a quarter of a sample
// had expired, for at most sweepBudget.
const (
	sweepSample = 20
	sweepBudget = 5 * time.Millisecond
)

// sweep deletes expired keys, sampling keys with an expiry (a map's range
// starts at a random place).
func (d *db) sweep(now int64) {
	deadline := time.Now().Add(sweepBudget)
	for len(d.volatile) > 0 {
		sampled, expired := 0, 0
		for _, e := range d.volatile {
			if e.exp <= now {
				d.remove(e)
				expired++
			}
			sampled++
			if sampled == sweepSample {
				break
			}
		}
		if expired*4 <= sampled || time.Now().After(deadline) {
			return
		}
	}
}

func (d *db) remove(e *entry) {
	delete(d.keys, e.key)
	if e.exp != 0 {
		delete(d.volatile, e.key)
	}
}

// lookup returns key's entry, or nil if it is missing or expired (then it
// deletes it).
func (d *db) lookup(key []byte) *entry {
	e := d.keys[string(key)]
	if e != nil && e.exp != 0 && e.exp <= time.Now().UnixNano() {
		d.remove(e)
		return nil
	}
	return e
}

// setExpiry sets e's expiry (0: none).
func (d *db) setExpiry(e *entry, exp int64) {
	switch {
	case exp == 0 && e.exp != 0:
		delete(d.volatile, e.key)
	case exp != 0 && e.exp == 0:
		d.volatile[e.key] = e
	}
	e.exp = exp
}

// set stores val at key, returning the entry; its expiry is kept.
func (d *db) set(key, val []byte) *entry {
	e := d.lookup(key)
	if e == nil {
		e = &entry{key: string(key)}
		d.keys[e.key] = e
	}
	if cap(e.val) > 64 && len(val) < cap(e.val)/4 {
		e.val = nil // do not keep a big buffer for a small value
	}
	e.val = append(e.val[:0], val...)
	return e
}

// Error replies that clients check.
const (
	errNotInt   = "ERR value is not an integer or out of range"
	errSyntax   = "ERR syntax error"
	errOverflow = "ERR increment or decrement would overflow"
)

// lower returns the ASCII lower case of b in buf, or nil if b is too long
// to be a command name.
func lower(buf *[16]byte, b []byte) []byte {
	if len(b) > len(buf) {
		return nil
	}
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return buf[:len(b)]
}

// arity is the number of arguments of each command, the name included, as
// in Redis's command table: n means exactly n, -n at least n.
var arity = map[string]int{
	"ping": -1, "echo": 2, "set": -3, "get": 2, "del": -2, "exists": -2,
	"incr": 2, "decr": 2, "incrby": 3, "decrby": 3,
	"expire": -3, "pexpire": -3, "ttl": 2, "pttl": 2, "persist": 2,
	"flushall": -1, "flushdb": -1, "dbsize": 1, "command": -1, "config": -2,
	"quit": -1, "select": 2, "client": -2,
}

// exec runs the command args and appends its reply to out; it returns
// true if the connection must be closed after the reply.
func (d *db) exec(out []byte, args [][]byte) ([]byte, bool) {
	var nb [16]byte
	name := lower(&nb, args[0])
	n, ok := arity[string(name)]
	if !ok {
		return appendUnknown(out, args), false
	}
	if n >= 0 && len(args) != n || n < 0 && len(args) < -n {
		return resp.AppendError(out, "ERR wrong number of arguments for '"+string(name)+"' command"), false
	}
	switch string(name) {
	case "ping":
		switch len(args) {
		case 1:
			return resp.AppendSimple(out, "PONG"), false
		case 2:
			return resp.AppendBulk(out, args[1]), false
		}
		return resp.AppendError(out, "ERR wrong number of arguments for 'ping' command"), false
	case "echo":
		return resp.AppendBulk(out, args[1]), false
	case "get":
		if e := d.lookup(args[1]); e != nil {
			return resp.AppendBulk(out, e.val), false
		}
		return resp.AppendNull(out), false
	case "set":
		return d.cmdSet(out, args), false
	case "del", "exists":
		var count int64
		for _, k := range args[1:] {
			if e := d.lookup(k); e != nil {
				count++
				if name[0] == 'd' {
					d.remove(e)
				}
			}
		}
		return resp.AppendInt(out, count), false
	case "incr", "decr", "incrby", "decrby":
		by := int64(1)
		if len(args) == 3 {
			v, ok := parseInt(args[2])
			if !ok {
				return resp.AppendError(out, errNotInt), false
			}
			by = v
		}
		if name[0] == 'd' {
			if by == math.MinInt64 {
				return resp.AppendError(out, "ERR decrement would overflow"), false
			}
			by = -by
		}
		return d.incr(out, args[1], by), false
	case "expire", "pexpire":
		return d.cmdExpire(out, args, name[0] == 'p'), false
	case "ttl", "pttl":
		e := d.lookup(args[1])
		switch {
		case e == nil:
			return resp.AppendInt(out, -2), false
		case e.exp == 0:
			return resp.AppendInt(out, -1), false
		}
		ms := (e.exp - time.Now().UnixNano()) / 1e6
		if ms < 0 {
			ms = 0
		}
		if name[0] == 't' {
			ms = (ms + 500) / 1000
		}
		return resp.AppendInt(out, ms), false
	case "persist":
		e := d.lookup(args[1])
		if e == nil || e.exp == 0 {
			return resp.AppendInt(out, 0), false
		}
		d.setExpiry(e, 0)
		return resp.AppendInt(out, 1), false
	case "flushall", "flushdb":
		clear(d.keys)
		clear(d.volatile)
		return resp.AppendSimple(out, "OK"), false
	case "dbsize":
		return resp.AppendInt(out, int64(len(d.keys))), false
	case "command":
		return resp.AppendArrayHeader(out, 0), false
	case "config":
		return cmdConfig(out, args), false
	case "quit":
		return resp.AppendSimple(out, "OK"), true
	case "select":
		v, ok := parseInt(args[1])
		switch {
		case !ok:
			return resp.AppendError(out, errNotInt), false
		case v != 0:
			return resp.AppendError(out, "ERR DB index is out of range"), false
		}
		return resp.AppendSimple(out, "OK"), false
	case "client":
		var sb [16]byte
		if sub := lower(&sb, args[1]); string(sub) == "setname" && len(args) == 3 {
			return resp.AppendSimple(out, "OK"), false
		}
		return resp.AppendError(out, "ERR unknown subcommand '"+trunc(args[1])+"'. Try CLIENT HELP."), false
	}
	return appendUnknown(out, args), false
}

// appendUnknown appends Redis's reply to an unknown command.
func appendUnknown(out []byte, args [][]byte) []byte {
	msg := "ERR unknown command '" + trunc(args[0]) + "', with args beginning with: "
	for _, a := range args[1:] {
		msg += "'" + trunc(a) + "' "
	}
	return resp.AppendError(out, msg)
}

// trunc returns b as a string of at most 128 bytes, with the characters that
// would break an error line replaced by spaces, as Redis does.
func trunc(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	s := []byte(string(b))
	for i, ch := range s {
		if ch == '\r' || ch == '\n' {
			s[i] = ' '
		}
	}
	return string(s)
}

// cmdSet runs SET key value [EX seconds|PX milliseconds] [NX|XX] [KEEPTTL].
func (d *db) cmdSet(out []byte, args [][]byte) []byte {
	var nx, xx, keep bool
	var exp int64
	var unit int64 // 1e9 or 1e6 once EX or PX is given
	for i := 3; i < len(args); i++ {
		var ob [16]byte
		switch string(lower(&ob, args[i])) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "keepttl":
			keep = true
		case "ex", "px":
			if unit != 0 || i+1 == len(args) {
				return resp.AppendError(out, errSyntax)
			}
			unit = 1e9
			if ob[0] == 'p' {
				unit = 1e6
			}
			i++
			v, ok := parseInt(args[i])
			if !ok {
				return resp.AppendError(out, errNotInt)
			}
			if v <= 0 || v > math.MaxInt64/unit-time.Now().UnixNano()/unit {
				return resp.AppendError(out, "ERR invalid expire time in 'set' command")
			}
			exp = time.Now().UnixNano() + v*unit
		default:
			return resp.AppendError(out, errSyntax)
		}
	}
	if nx && xx || keep && unit != 0 {
		return resp.AppendError(out, errSyntax)
	}
	if nx || xx {
		if exists := d.lookup(args[1]) != nil; nx && exists || xx && !exists {
			return resp.AppendNull(out)
		}
	}
	e := d.set(args[1], args[2])
	if !keep {
		d.setExpiry(e, exp)
	}
	return resp.AppendSimple(out, "OK")
}

// cmdExpire runs EXPIRE key seconds or PEXPIRE key milliseconds.
func (d *db) cmdExpire(out []byte, args [][]byte, ms bool) []byte {
	if len(args) > 3 {
		return resp.AppendError(out, "ERR Unsupported option "+trunc(args[3]))
	}
	v, ok := parseInt(args[2])
	if !ok {
		return resp.AppendError(out, errNotInt)
	}
	unit := int64(1e9)
	if ms {
		unit = 1e6
	}
	now := time.Now().UnixNano()
	if v > (math.MaxInt64-now)/unit || v < math.MinInt64/unit {
		cmd := "expire"
		if ms {
			cmd = "pexpire"
		}
		return resp.AppendError(out, "ERR invalid expire time in '"+cmd+"' command")
	}
	e := d.lookup(args[1])
	if e == nil {
		return resp.AppendInt(out, 0)
	}
	if v <= 0 {
		d.remove(e) // a time in the past deletes the key, as in Redis
	} else {
		d.setExpiry(e, now+v*unit)
	}
	return resp.AppendInt(out, 1)
}

// incr adds by to the integer at key (0 if missing), keeping its expiry.
func (d *db) incr(out []byte, key []byte, by int64) []byte {
	e := d.lookup(key)
	var v int64
	if e != nil {
		var ok bool
		if v, ok = parseInt(e.val); !ok {
			return resp.AppendError(out, errNotInt)
		}
	}
	if by > 0 && v > math.MaxInt64-by || by < 0 && v < math.MinInt64-by {
		return resp.AppendError(out, errOverflow)
	}
	v += by
	if e == nil {
		e = d.set(key, nil)
	}
	e.val = strconv.AppendInt(e.val[:0], v, 10)
	return resp.AppendInt(out, v)
}

// cmdConfig answers CONFIG GET for what clients ask about at start
// (redis-benchmark asks for save and appendonly): this server does not
// persist anything. Other parameters get an empty array.
func cmdConfig(out []byte, args [][]byte) []byte {
	var sb [16]byte
	if string(lower(&sb, args[1])) != "get" {
		return resp.AppendError(out, "ERR unknown subcommand '"+trunc(args[1])+"'. Try CONFIG HELP.")
	}
	if len(args) != 3 {
		return resp.AppendError(out, "ERR wrong number of arguments for 'config|get' command")
	}
	var pb [16]byte
	switch p := lower(&pb, args[2]); string(p) {
	case "save":
		out = resp.AppendArrayHeader(out, 2)
		out = resp.AppendBulk(out, p)
		return resp.AppendBulk(out, nil)
	case "appendonly":
		out = resp.AppendArrayHeader(out, 2)
		out = resp.AppendBulk(out, p)
		return resp.AppendBulk(out, []byte("no"))
	}
	return resp.AppendArrayHeader(out, 0)
}

// parseInt parses a decimal int64 as Redis's string2ll does: an optional
// minus sign, no plus sign, no leading zeros, no spaces.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(ch-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return -int64(u), true
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	}
	return 0, false
}
