"""A local SMTP sink for `make run`: prints one line per mail and keeps it as a .eml file.

The line has the recipient, the subject and the mail's first link (a personal link, say), so
whoever tries the app can follow it. Nothing leaves the machine.
Usage: python scripts/mail_sink.py [--port 1025] [--dir instance/mail] [--full]
"""

import argparse
import email
import email.policy
import re
import time
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s<>\"']+")


class PrintAndKeep:
    def __init__(self, directory: Path, full: bool = False):
        self.directory = directory
        self.full = full
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"{stamp}.eml"
        path.write_bytes(envelope.content)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        link = LINK.search(text)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}"
              f"{'  ' + link.group(0) if link else ''}  ({path})", flush=True)
        if self.full:
            print(text.strip()[:1500], flush=True)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default="instance/mail")
    parser.add_argument("--full", action="store_true", help="Print each mail's text too.")
    args = parser.parse_args()
    controller = Controller(PrintAndKeep(Path(args.dir), args.full), hostname=args.host,
                            port=args.port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
