"""An SMTP server that accepts every message and writes it to a spool directory, for the
lms-notify tests (started by scripts/smtp-test-server.sh).

Each message becomes <spool>/<n>.eml, numbered from 1 after the highest number already
there: the message as received, preceded by a Return-Path header with the envelope sender
and one Delivered-To header per envelope recipient. A file is written under a temporary
name and renamed, so a reader never sees half of one.

With --starttls-port, a second listener shares the spool and refuses MAIL until the client
has issued STARTTLS with the given certificate, so a message spooled through it travelled
encrypted.
"""

import argparse
import os
import signal
import ssl
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
    parser.add_argument(
        "--starttls-port",
        type=int,
        help="also listen here, refusing mail until the client has started TLS (STARTTLS)",
    )
    parser.add_argument("--tls-cert", type=Path, help="the STARTTLS listener's certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="its private key (PEM)")
    args = parser.parse_args()

    args.spool.mkdir(parents=True, exist_ok=True)
    # Blocked before the server's thread starts, so that thread inherits the mask and
    # SIGTERM reaches sigwait below, which then stops the server cleanly.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    spool = Spool(args.spool)
    controllers = [Controller(spool, hostname=args.host, port=args.port, enable_SMTPUTF8=True)]
    if args.starttls_port:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        controllers.append(
            Controller(
                spool,
                hostname=args.host,
                port=args.starttls_port,
                enable_SMTPUTF8=True,
                tls_context=context,
                require_starttls=True,
            )
        )
    for controller in controllers:
        controller.start()
    print(f"accepting SMTP on {args.host}:{args.port}, spooling to {args.spool}", flush=True)
    if args.starttls_port:
        print(f"accepting SMTP with STARTTLS required on {args.host}:{args.starttls_port}", flush=True)
    signal.sigwait(stop_signals)
    for controller in controllers:
        controller.stop()


if __name__ == "__main__":
    main()
