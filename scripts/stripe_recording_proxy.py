"""A reverse proxy in front of localstripe that records every request it forwards, for the
lms-stripe tests (started by scripts/stripe-test-server.sh).

Each request goes to the upstream unchanged (method, path, query, headers, body) and its
answer comes back unchanged. Before forwarding, one JSON line is appended to the log:

    {"method": "POST", "path": "/v1/customers", "idempotency_key": "…" or null,
     "stripe_version": "2024-06-20" or null}

so the tests can check what headers the adapter sends, which localstripe itself ignores.
Each line is written with a single write() call on a file opened in append mode, so lines
from concurrent requests never interleave.
"""

import argparse
import json
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, web

# Headers that belong to one connection, not to the request or response they travel with,
# plus those aiohttp sets again itself.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


def make_app(upstream: str, log: Path) -> web.Application:
    async def client_session(app: web.Application):
        app["client"] = ClientSession(timeout=ClientTimeout(total=60), auto_decompress=False)
        yield
        await app["client"].close()

    async def forward(request: web.Request) -> web.StreamResponse:
        record = {
            "method": request.method,
            "path": request.path,
            "idempotency_key": request.headers.get("Idempotency-Key"),
            "stripe_version": request.headers.get("Stripe-Version"),
        }
        with log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with request.app["client"].request(
            request.method,
            upstream + request.path_qs,
            headers=headers,
            data=body,
            allow_redirects=False,
        ) as upstream_response:
            payload = await upstream_response.read()
            response_headers = {
                k: v for k, v in upstream_response.headers.items() if k.lower() not in HOP_BY_HOP
            }
            return web.Response(status=upstream_response.status, headers=response_headers, body=payload)

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.cleanup_ctx.append(client_session)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8421)
    parser.add_argument("--upstream", default="http://127.0.0.1:8420")
    parser.add_argument("--log", type=Path, required=True)
    args = parser.parse_args()

    args.log.parent.mkdir(parents=True, exist_ok=True)
    web.run_app(
        make_app(args.upstream.rstrip("/"), args.log),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
