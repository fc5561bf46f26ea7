"""A local SMTP sink for `make run`: prints a summary of each mail and keeps it as a .eml file.

Nothing leaves the machine. Usage: python scripts/mail_sink.py [--port 1025] [--dir instance/mail]
"""

import argparse
import email
import email.policy
import time
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller


class PrintAndKeep:
    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.directory / f"{stamp}.eml"
        path.write_bytes(envelope.content)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        print(f"\n=== mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({path})")
        print(text.strip()[:1500])
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default="instance/mail")
    args = parser.parse_args()
    controller = Controller(PrintAndKeep(Path(args.dir)), hostname=args.host, port=args.port)
    controller.start()
    print(f"Mail sink on {args.host}:{args.port}; mails are kept in {args.dir}/", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
