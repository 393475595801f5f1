# A WebSocket echo server on Python's websockets package: it prints its port,
# then echoes every message until its client closes, and exits after one.
import asyncio

import websockets


async def echo(ws):
    async for msg in ws:
        await ws.send(msg)


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, max_size=2**21) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.sleep(30)


asyncio.run(main())
