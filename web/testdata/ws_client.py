# A WebSocket client on Python's websockets package, against the server at
# the URL given: it sends text, binary and a fragmented message, a ping,
# checks the echoes, then asks the server to close and prints the close
# code and reason. It prints "ok" at the end, or fails.
import asyncio
import sys

import websockets


async def main(url):
    async with websockets.connect(url, max_size=2**21) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\x01\x02")
        assert await ws.recv() == b"\x00\x01\x02"
        await ws.send(["frag", "mented"])  # a message in two frames
        assert await ws.recv() == "fragmented"
        big = bytes(range(256)) * 4000
        await ws.send(big)
        assert await ws.recv() == big
        pong = await ws.ping(b"p")
        await asyncio.wait_for(pong, 5)
        await ws.send("close-me")
        try:
            await ws.recv()
        except websockets.ConnectionClosed as e:
            print("closed", e.rcvd.code, e.rcvd.reason)
    print("ok")


asyncio.run(main(sys.argv[1]))
