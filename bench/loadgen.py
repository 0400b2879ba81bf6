"""A small asyncio HTTP/1.1 load generator: keep-alive when the server allows it, a cookie jar
per client, latency samples per request label.

It is deliberately plain (stdlib streams, a hand-written response parser) so that it costs
little CPU: the load generator shares the machine's two cores with the server under test.
gunicorn's sync workers close every connection after one response, so most requests open a new
TCP connection; the time to connect is part of the measured latency, as it is for a real client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

CONNECT_TIMEOUT = 10.0
REQUEST_TIMEOUT = 60.0


class HTTPError(Exception):
    """The connection failed or the response could not be read."""


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str]

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


class Client:
    """One simulated user: one connection at a time (reused while the server keeps it open)
    and a cookie jar."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.connections_opened = 0

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _connect(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), CONNECT_TIMEOUT
            )
        except (OSError, TimeoutError) as exc:
            raise HTTPError(f"connect: {exc!r}") from exc
        self.connections_opened += 1

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send one request and read the whole response; retry once on a stale keep-alive."""
        reused = self._writer is not None
        try:
            return await asyncio.wait_for(
                self._exchange(method, path, body, headers), REQUEST_TIMEOUT
            )
        except (HTTPError, ConnectionError, asyncio.IncompleteReadError) as exc:
            await self.close()
            if reused and not isinstance(exc, HTTPError):
                return await asyncio.wait_for(
                    self._exchange(method, path, body, headers), REQUEST_TIMEOUT
                )
            raise HTTPError(repr(exc)) from exc
        except TimeoutError as exc:
            await self.close()
            raise HTTPError("timeout") from exc

    async def _exchange(
        self, method: str, path: str, body: bytes, headers: dict[str, str] | None
    ) -> Response:
        if self._writer is None:
            await self._connect()
        assert self._reader is not None and self._writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        reader = self._reader
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        version, status, *_ = status_line.split(" ", 2)
        response_headers: dict[str, str] = {}
        set_cookies: list[str] = []
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                set_cookies.append(value)
            response_headers[name] = value
        code = int(status)
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            payload = b""
        elif "content-length" in response_headers:
            payload = await reader.readexactly(int(response_headers["content-length"]))
        elif response_headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _read_chunked(reader)
        else:
            payload = await reader.read()
            response_headers["connection"] = "close"
        connection = response_headers.get("connection", "").lower()
        if connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive"):
            await self.close()
        for raw in set_cookies:
            cookie = SimpleCookie()
            cookie.load(raw)
            for key, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return Response(code, response_headers, payload, set_cookies)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


# ------------------------------------------------------------------------------ measurements


@dataclass(slots=True)
class Sample:
    label: str
    started: float  # perf_counter
    latency: float  # seconds
    ok: bool
    error: str = ""


@dataclass
class Recorder:
    """Collects samples; the ones that start before `measure_from` are the warm-up."""

    measure_from: float = 0.0
    measure_until: float = float("inf")
    samples: list[Sample] = field(default_factory=list)
    warmup: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        if sample.started < self.measure_from:
            self.warmup.append(sample)
        elif sample.started < self.measure_until:
            self.samples.append(sample)
        else:
            # Started after the end (a client's last lap): not measured, still verified.
            self.warmup.append(sample)

    async def timed(
        self,
        label: str,
        call: Awaitable[Response],
        check: Callable[[Response], str | None],
    ) -> Response | None:
        """Await `call`, time it, record it; `check` returns an error text or None."""
        started = time.perf_counter()
        try:
            response = await call
        except HTTPError as exc:
            self.add(Sample(label, started, time.perf_counter() - started, False, str(exc)))
            return None
        latency = time.perf_counter() - started
        error = check(response)
        self.add(Sample(label, started, latency, error is None, error or ""))
        return response if error is None else None


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-p * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def summarise(samples: list[Sample], seconds: float) -> dict[str, dict[str, Any]]:
    """Per label: count, ok, errors (by text), rate of ok responses, latency percentiles (ms)."""
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_label[sample.label].append(sample)
    out: dict[str, dict[str, Any]] = {}
    for label, group in sorted(by_label.items()):
        latencies = sorted(s.latency * 1000 for s in group)
        errors: dict[str, int] = defaultdict(int)
        for s in group:
            if not s.ok:
                errors[s.error[:120]] += 1
        ok = sum(1 for s in group if s.ok)
        out[label] = {
            "requests": len(group),
            "ok": ok,
            "errors": sum(errors.values()),
            "error_kinds": dict(errors),
            "rate_per_s": ok / seconds if seconds > 0 else float("nan"),
            "p50_ms": percentile(latencies, 50),
            "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99),
            "max_ms": latencies[-1] if latencies else float("nan"),
        }
    return out


async def run_clients(
    count: int,
    seconds: float,
    warmup: float,
    make_client: Callable[[int], Client],
    lap: Callable[[int, Client, Recorder], Awaitable[None]],
) -> tuple[Recorder, float]:
    """Run `count` clients, each repeating `lap` until the time is up.

    Returns the recorder and the measured duration (from the end of the warm-up to the moment
    the last measured request finished).
    """
    start = time.perf_counter()
    recorder = Recorder(measure_from=start + warmup, measure_until=start + warmup + seconds)
    stop_at = recorder.measure_until

    async def one(index: int) -> None:
        client = make_client(index)
        try:
            while time.perf_counter() < stop_at:
                await lap(index, client, recorder)
        finally:
            await client.close()

    await asyncio.gather(*(one(i) for i in range(count)))
    measured = [s.started + s.latency for s in recorder.samples]
    end = max(measured) if measured else stop_at
    return recorder, max(end - recorder.measure_from, 1e-9)
