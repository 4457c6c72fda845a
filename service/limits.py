"""Refuse request bodies over the configured size before they are read into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.problems import Problem, problem_response


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Pure ASGI middleware: 413 on a declared Content-Length over the limit, and on a chunked
    body the moment it grows past it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or {}).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, int(declared))
            return
        seen = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Frameworks turn a failure while reading the body into their own error (FastAPI
            # answers 400); once the limit has bitten, that answer is replaced by the 413.
            if not too_large:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            pass
        if too_large:
            await self._refuse(scope, receive, send, seen)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int) -> None:
        problem = Problem(
            413, "payload-too-large", f"the body has at least {size} bytes; at most {self.max_bytes} are accepted"
        )
        await problem_response(problem, scope.get("path"))(scope, receive, send)
