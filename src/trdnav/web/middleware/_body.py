"""Reading a whole request body in a pure ASGI middleware and handing it on unchanged."""

from __future__ import annotations

from starlette.types import Message, Receive


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole body and the messages it came in (the body size limit, outside, bounds this)."""
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        if message["type"] != "http.request" or not message.get("more_body", False):
            return body, messages


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives the messages already read first, so the app reads the same body."""

    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed
