"""An SMTP server that accepts every message and writes it to a spool directory, for the
lms-notify tests (started by scripts/smtp-test-server.sh).

Each message becomes <spool>/<n>.eml, numbered from 1 after the highest number already
there: the message as received, preceded by a Return-Path header with the envelope sender
and one Delivered-To header per envelope recipient. A file is written under a temporary
name and renamed, so a reader never sees half of one.
"""

import argparse
import os
import signal
from pathlib import Path

from aiosmtpd.controller import Controller


class Spool:
    """The aiosmtpd handler: one file per message."""

    def __init__(self, directory: Path):
        self.directory = directory
        numbers = [int(p.stem) for p in directory.glob("*.eml") if p.stem.isdigit()]
        self.next_number = max(numbers, default=0) + 1

    async def handle_DATA(self, server, session, envelope):
        envelope_headers = [f"Return-Path: <{envelope.mail_from}>"]
        envelope_headers += [f"Delivered-To: {rcpt}" for rcpt in envelope.rcpt_tos]
        head = "".join(f"{line}\r\n" for line in envelope_headers).encode()
        # Handlers run one at a time on the server's event loop: the counter needs no lock.
        number = self.next_number
        self.next_number += 1
        partial = self.directory / f".{number}.eml.part"
        partial.write_bytes(head + envelope.original_content)
        os.replace(partial, self.directory / f"{number}.eml")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--spool", type=Path, required=True)
    args = parser.parse_args()

    args.spool.mkdir(parents=True, exist_ok=True)
    # Blocked before the server's thread starts, so that thread inherits the mask and
    # SIGTERM reaches sigwait below, which then stops the server cleanly.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    controller = Controller(Spool(args.spool), hostname=args.host, port=args.port, enable_SMTPUTF8=True)
    controller.start()
    print(f"accepting SMTP on {args.host}:{args.port}, spooling to {args.spool}", flush=True)
    signal.sigwait(stop_signals)
    controller.stop()


if __name__ == "__main__":
    main()
