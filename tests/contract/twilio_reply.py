"""Send opsroom an inbound SMS the way Twilio does: a form POST signed with X-Twilio-Signature.

    OPSROOM_NOTIFY__TWILIO__AUTH_TOKEN=... python -m tests.contract.twilio_reply \\
        --from +15555550101 --body "ACK 1"
"""

from __future__ import annotations

import argparse
import os

import httpx
from twilio.request_validator import RequestValidator


def main() -> None:
    parser = argparse.ArgumentParser(description="Reply to an opsroom page as Twilio would")
    parser.add_argument("--url", default="http://127.0.0.1:8080/api/v1/notify/twilio/inbound")
    parser.add_argument("--from", dest="sender", required=True, help="the phone that replies")
    parser.add_argument("--to", default=os.environ.get("OPSROOM_NOTIFY__TWILIO__FROM_NUMBER", ""))
    parser.add_argument("--body", required=True)
    args = parser.parse_args()
    token = os.environ.get("OPSROOM_NOTIFY__TWILIO__AUTH_TOKEN", "")
    form = {
        "MessageSid": "SM" + "0" * 32,
        "AccountSid": os.environ.get("OPSROOM_NOTIFY__TWILIO__ACCOUNT_SID", ""),
        "From": args.sender,
        "To": args.to,
        "Body": args.body,
    }
    signature = RequestValidator(token).compute_signature(args.url, form)
    response = httpx.post(args.url, data=form, headers={"X-Twilio-Signature": signature})
    print(response.status_code, response.text)


if __name__ == "__main__":
    main()
