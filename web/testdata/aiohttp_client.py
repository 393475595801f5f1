# Python's aiohttp client against the server at the base URL given: GET,
# POST of JSON, a chunked upload, and a streamed response, on one session
# (keep-alive). It prints "ok" at the end, or fails.
import asyncio
import sys

import aiohttp


async def chunks():
    for i in range(3):
        yield f"part {i};".encode()


async def main(base):
    async with aiohttp.ClientSession() as s:
        async with s.get(base + "/hello") as r:
            assert r.status == 200, r.status
            assert await r.text() == "Hello, World!"
            assert r.headers["Server"] == "asyncgen"
        async with s.get(base + "/items/12") as r:
            assert (await r.json())["id"] == "12"
        async with s.post(base + "/items", json={"id": "5", "name": "five"}) as r:
            assert r.status == 201, r.status
            assert (await r.json())["name"] == "five"
        async with s.post(base + "/echo", data=chunks()) as r:
            assert await r.text() == "part 0;part 1;part 2;"
        async with s.get(base + "/count") as r:
            lines = [line async for line in r.content]
            assert lines == [b"0\n", b"1\n", b"2\n"], lines
        async with s.get(base + "/nothing") as r:
            assert r.status == 404
    print("ok")


asyncio.run(main(sys.argv[1]))
