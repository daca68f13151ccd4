"""A local Twilio REST API (2010-04-01) for Messages.json and Calls.json.

It checks what the real API checks that matters to opsroom: HTTP Basic auth with
AccountSid:AuthToken, the account in the path, POST form fields (To, From, Body for messages;
To, From and Url or Twiml for calls), E.164 numbers; and answers with Twilio's documented
resource bodies (201) and error bodies `{code, message, more_info, status}`. Tests can inject
429, 5xx and 21211 (invalid 'To' number). Sources: twilio.com/docs/messaging/api/message-resource,
twilio.com/docs/voice/api/call-resource, twilio.com/docs/usage/twilios-response,
twilio.com/docs/api/errors/21211.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/(Messages|Calls)\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ERRORS = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    21211: (400, "The 'To' number {to} is not a valid phone number."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21205: (400, "Url parameter is required."),
}


@dataclass
class Received:
    resource: str  # "Messages" or "Calls"
    form: dict[str, str]
    sid: str


@dataclass
class TwilioContract:
    account_sid: str
    auth_token: str
    received: list[Received] = field(default_factory=list)
    invalid_numbers: set[str] = field(default_factory=set)
    failures: deque[int] = field(default_factory=deque)  # Twilio error codes to answer next
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    # Seconds to wait after accepting a resource before answering: widens the window in
    # which a killed client has been heard by Twilio but has not heard back.
    answer_delay: float = 0.0

    def fail_next(self, code: int, times: int = 1) -> None:
        with self.lock:
            self.failures.extend([code] * times)

    def messages(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.resource == "Messages"]

    def calls(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.resource == "Calls"]


def error_body(code: int, **fields: str) -> tuple[int, dict[str, Any]]:
    status, message = ERRORS[code]
    return status, {
        "code": code,
        "message": message.format(**fields),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _resource(resource: str, sid: str, account: str, form: dict[str, str]) -> dict[str, Any]:
    now = formatdate(usegmt=True)
    uri = f"/2010-04-01/Accounts/{account}/{resource}/{sid}.json"
    common = {
        "sid": sid,
        "account_sid": account,
        "to": form["To"],
        "from": form["From"],
        "status": "queued",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "date_created": now,
        "date_updated": now,
        "price": None,
        "price_unit": "USD",
        "uri": uri,
    }
    if resource == "Messages":
        return {
            **common,
            "body": form.get("Body", ""),
            "num_segments": "1",
            "num_media": "0",
            "messaging_service_sid": None,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        }
    return {
        **common,
        "parent_call_sid": None,
        "phone_number_sid": None,
        "start_time": None,
        "end_time": None,
        "duration": None,
        "answered_by": None,
        "caller_name": None,
        "queue_time": "0",
        "subresource_uris": {},
    }


def _page(resource: str, path: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Twilio's list envelope (the records under `messages` or `calls`)."""
    return {
        resource.lower(): items,
        "end": max(len(items) - 1, 0),
        "first_page_uri": f"{path}?PageSize=50&Page=0",
        "next_page_uri": None,
        "page": 0,
        "page_size": 50,
        "previous_page_uri": None,
        "start": 0,
        "uri": f"{path}?PageSize=50&Page=0",
    }


def _check(contract: TwilioContract, resource: str, form: dict[str, str]) -> int | None:
    """The Twilio error code this request deserves, or None."""
    if not form.get("To"):
        return 21604
    if not form.get("From"):
        return 21603
    if resource == "Messages" and not form.get("Body"):
        return 21602
    if resource == "Calls" and not (form.get("Url") or form.get("Twiml")):
        return 21205
    if not E164.match(form["To"]) or form["To"] in contract.invalid_numbers:
        return 21211
    with contract.lock:
        return contract.failures.popleft() if contract.failures else None


def _handler(contract: TwilioContract) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self, account: str) -> bool:
            expected = f"{contract.account_sid}:{contract.auth_token}".encode()
            header = self.headers.get("Authorization", "")
            given = header.removeprefix("Basic ").encode()
            return (
                header.startswith("Basic ")
                and secrets.compare_digest(
                    base64.b64decode(given + b"==", validate=False), expected
                )
                and account == contract.account_sid
            )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            match = PATH.match(self.path)
            if match is None:
                self._answer(*error_body(20404))
                return
            if not self._authorized(match.group(1)):
                self._answer(*error_body(20003))
                return
            if not self.headers.get("Content-Type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                self._answer(*error_body(21604))
                return
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            resource = match.group(2)
            code = _check(contract, resource, form)
            if code is not None:
                self._answer(*error_body(code, to=form.get("To", "")))
                return
            sid = ("SM" if resource == "Messages" else "CA") + secrets.token_hex(16)
            with contract.lock:
                contract.received.append(Received(resource, form, sid))
            time.sleep(contract.answer_delay)
            self._answer(201, _resource(resource, sid, contract.account_sid, form))

        def do_GET(self) -> None:
            """Message and call lists, newest first, filtered by To and From."""
            path, _, query = self.path.partition("?")
            match = PATH.match(path)
            if match is None:
                self._answer(*error_body(20404))
                return
            if not self._authorized(match.group(1)):
                self._answer(*error_body(20003))
                return
            wanted = {k: v[-1] for k, v in parse_qs(query).items()}
            resource = match.group(2)
            with contract.lock:
                found = [
                    _resource(resource, r.sid, contract.account_sid, r.form)
                    for r in reversed(contract.received)
                    if r.resource == resource
                    and all(r.form.get(k) == wanted[k] for k in ("To", "From") if k in wanted)
                ]
            self._answer(200, _page(resource, path, found))

    return Handler


class TwilioServer:
    """Runs a `TwilioContract` on 127.0.0.1 with a free port until stopped."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.contract = TwilioContract(account_sid, auth_token)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.contract))
        self.contract.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioContract:
        self._thread.start()
        return self.contract

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    """Run the stand-in by hand (README walkthrough): prints every SMS and call it accepts."""
    import argparse
    import os

    parser = argparse.ArgumentParser(description="A local stand-in for Twilio's REST API")
    parser.add_argument("--port", type=int, default=8030)
    parser.add_argument(
        "--account-sid", default=os.environ.get("OPSROOM_NOTIFY__TWILIO__ACCOUNT_SID")
    )
    args = parser.parse_args()
    token = os.environ.get("OPSROOM_NOTIFY__TWILIO__AUTH_TOKEN", "")
    if not args.account_sid or not token:
        parser.error(
            "set OPSROOM_NOTIFY__TWILIO__ACCOUNT_SID and OPSROOM_NOTIFY__TWILIO__AUTH_TOKEN"
        )
    contract = TwilioContract(args.account_sid, token)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(contract))
    print(f"Twilio stand-in on http://127.0.0.1:{args.port}", flush=True)
    seen = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        while True:
            time.sleep(0.2)
            with contract.lock:
                new = contract.received[seen:]
                seen = len(contract.received)
            for item in new:
                kind = "SMS" if item.resource == "Messages" else "CALL"
                said = item.form.get("Body") or item.form.get("Twiml", "")
                print(f"{kind} to {item.form['To']}: {said}", flush=True)
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
