"""The one private httpx attribute the webhook sender relies on, guarded.

alerts.delivery.WebhookSender replaces ``httpx.AsyncClient._cookies`` with a jar that keeps
nothing: a receiver's Set-Cookie must never travel to the next delivery (another subscriber may
share its host), and parsing cookies cost 5% of a worker's CPU. httpx has no public switch for
"no cookie jar", so an httpx release that renames or stops reading ``_cookies`` would silently
bring the jar back. These tests fail with a message that says so, before such a release ships
(the lock pins httpx; a bump runs this file).
"""

from __future__ import annotations

import asyncio

import httpx

from alerts.delivery import WebhookSender

_UPGRADE_HINT = (
    f"httpx {httpx.__version__}: AsyncClient no longer keeps its cookie jar in the private attribute "
    "`_cookies`, which alerts/delivery.py (WebhookSender) replaces to keep no cookies between deliveries. "
    "Adapt WebhookSender to this httpx version (or pin the previous one) before upgrading."
)


def test_httpx_keeps_the_client_cookie_jar_where_the_sender_replaces_it():
    client = httpx.AsyncClient()
    try:
        assert isinstance(getattr(client, "_cookies", None), httpx.Cookies), _UPGRADE_HINT
        # the public property must read that same attribute, or replacing it changes nothing
        replacement = httpx.Cookies()
        client._cookies = replacement
        assert client.cookies is replacement, _UPGRADE_HINT
    finally:
        asyncio.run(client.aclose())


def test_the_sender_client_uses_a_jar_that_keeps_nothing():
    async def main() -> tuple[httpx.Cookies, int]:
        async with WebhookSender(allow_private=True) as sender:
            jar = sender._client.cookies
            # what httpx does with every response: offer its Set-Cookie to the client's jar
            request = httpx.Request("POST", "http://receiver.example/hook")
            response = httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"}, request=request)
            jar.extract_cookies(response)
            return jar, len(jar)

    jar, kept = asyncio.run(main())
    assert type(jar).__name__ == "_NoCookies", _UPGRADE_HINT
    assert kept == 0, _UPGRADE_HINT
