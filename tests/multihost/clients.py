#!/usr/bin/env python3
"""clients.py - line clients for the multi-host test (tests/multihost/run).

Each client is a thread that connects to HAProxy, sends batches of one to
three lines, checks that each is answered "ok\\n", pauses (10 to 30 ms; 1
to 3 ms for the first --busy clients), and after a random number of
batches closes and connects again, so that new connections arrive all
through the run and a drained back end empties.
Every line sent is unique ("c<client>.<message>.<try>"), so the back
ends' logs ("get value <line>") tell which lines a back end received.

A connection that ends before a line's answer came back leaves that line
unanswered on it; the client sends the message again on a new connection
(a new try) until it is answered.  A connection refused by HAProxy, or
closed before the line was written, is a retry and nothing is counted
against it.  Whether an unanswered line was lost (a back end had received
it) is for verdict.py, which reads the back ends' logs.

Runs until SIGTERM (or --max-seconds), then answers what is pending,
closes every connection and writes one JSON file with the counts, every
unanswered line and every answered one with the time of its answer and
the local port of its connection.
"""
import argparse
import json
import random
import select
import signal
import socket
import sys
import threading
import time

ANSWER = b"ok\n"
# How long one answer may take before the connection counts as dead.
ANSWER_TIMEOUT = 5.0


class Client(threading.Thread):
    """One client: connects, sends, checks, reconnects until stopped."""

    def __init__(self, number, args, stop, hard_stop):
        super().__init__(name="client-%d" % number, daemon=True)
        self.number = number
        self.address = (args.host, args.port)
        self.rng = random.Random(args.seed * 1000 + number)
        self.max_batches = args.max_batches
        # The busy clients hardly pause: a line is in flight most of the
        # time, also when a back end is told to stop.
        self.pause = (0.001, 0.003) if number < args.busy else (0.01, 0.03)
        self.stop = stop
        self.hard_stop = hard_stop
        self.next_message = 0
        self.tries = {}          # message -> tries so far
        self.pending = []        # messages to send again, oldest first
        self.counts = dict(sent=0, answered=0, unanswered=0, bad=0,
                           connections=0, refused=0, closed_idle=0,
                           graceful=0)
        self.unanswered = []     # [time, local port, cause, [lines]]
        self.answered = []       # [line, time, local port]
        self.bad = []            # [time, local port, what came]
        self.idle_closes = []    # [time, local port]

    def line(self, message):
        """The text of the next try of message, without its newline."""
        tries = self.tries.get(message, 0)
        self.tries[message] = tries + 1
        return "c%d.%d.%d" % (self.number, message, tries)

    def take_messages(self, count):
        """Up to count messages: those to send again first, then new ones."""
        batch = self.pending[:count]
        del self.pending[:count]
        while len(batch) < count and not self.stop.is_set():
            batch.append(self.next_message)
            self.next_message += 1
        return batch

    def run(self):
        while not self.hard_stop.is_set():
            if self.stop.is_set() and not self.pending:
                return
            try:
                sock = socket.create_connection(self.address, timeout=5)
            except OSError:
                self.counts["refused"] += 1
                time.sleep(0.05)
                continue
            self.counts["connections"] += 1
            try:
                self.serve(sock)
            finally:
                sock.close()

    def serve(self, sock):
        """Send batches on one connection until it ends or is done."""
        port = sock.getsockname()[1]
        batches = self.rng.randint(1, self.max_batches)
        for _ in range(batches):
            if self.hard_stop.is_set():
                return
            if self.stop.is_set() and not self.pending:
                break
            # Closed while idle (a drain, a dead back end): nothing was
            # sent on it yet, so it is a retry, not a loss.
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                data = self.recv(sock)
                if data:
                    self.note_bad(port, data)
                else:
                    self.counts["closed_idle"] += 1
                    self.idle_closes.append([round(time.time(), 3), port])
                return
            messages = self.take_messages(self.rng.randint(1, 3))
            if not messages:
                break
            lines = [(m, self.line(m)) for m in messages]
            if not self.exchange(sock, port, lines):
                return
            time.sleep(self.rng.uniform(*self.pause))
        self.close(sock, port)

    def recv(self, sock):
        """One read; b"" for the end of the stream or an error."""
        try:
            return sock.recv(4096)
        except OSError:
            return b""

    def exchange(self, sock, port, lines):
        """Send lines at once and read their answers; False if it ended."""
        data = "".join(text + "\n" for _, text in lines).encode()
        self.counts["sent"] += len(lines)
        try:
            sock.sendall(data)
        except OSError as e:
            self.lose(port, "send: " + e.strerror, lines)
            return False
        got = b""
        done = 0
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while done < len(lines):
            left = deadline - time.monotonic()
            if left <= 0:
                self.lose(port, "no answer in %g s" % ANSWER_TIMEOUT,
                          lines[done:])
                return False
            sock.settimeout(left)
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                continue
            except OSError as e:
                self.lose(port, "recv: " + e.strerror, lines[done:])
                return False
            finally:
                sock.settimeout(5)
            if not chunk:
                self.lose(port, "closed", lines[done:])
                return False
            got += chunk
            while b"\n" in got and done < len(lines):
                answer, got = got.split(b"\n", 1)
                if answer + b"\n" != ANSWER:
                    self.note_bad(port, answer + b"\n")
                    self.lose(port, "bad answer", lines[done:])
                    return False
                now = time.time()
                self.answered.append([lines[done][1], round(now, 3), port])
                self.counts["answered"] += 1
                done += 1
        if got:
            self.note_bad(port, got)
            return False
        return True

    def lose(self, port, cause, lines):
        """Lines sent on a connection that ended before their answers."""
        self.counts["unanswered"] += len(lines)
        self.unanswered.append([round(time.time(), 3), port, cause,
                                [text for _, text in lines]])
        # Send those messages again, first, on the next connection.
        self.pending[:0] = [m for m, _ in lines]

    def note_bad(self, port, data):
        """An answer that is not "ok\\n"."""
        self.counts["bad"] += 1
        self.bad.append([round(time.time(), 3), port,
                         data[:80].decode("utf-8", "replace")])

    def close(self, sock, port):
        """Close as a client should: half-close, read to the end."""
        try:
            sock.shutdown(socket.SHUT_WR)
            while True:
                data = sock.recv(4096)
                if not data:
                    break
                self.note_bad(port, data)
            self.counts["graceful"] += 1
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--busy", type=int, default=3,
                        help="clients that hardly pause between batches")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-batches", type=int, default=40,
                        help="most batches on one connection")
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="stop by itself after this long")
    parser.add_argument("--out", required=True, help="JSON results file")
    args = parser.parse_args()

    stop = threading.Event()
    hard_stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    started = time.time()
    clients = [Client(n, args, stop, hard_stop) for n in range(args.clients)]
    for c in clients:
        c.start()
    while not stop.wait(0.2):
        if time.time() - started > args.max_seconds:
            stop.set()
    # Pending messages get their answers; a client stuck past that is cut.
    for c in clients:
        c.join(30)
    hard_stop.set()
    for c in clients:
        c.join(ANSWER_TIMEOUT + 1)

    totals = {}
    for c in clients:
        for name, value in c.counts.items():
            totals[name] = totals.get(name, 0) + value
    totals["never_answered"] = sum(len(c.pending) for c in clients)
    totals["stuck"] = sum(1 for c in clients if c.is_alive())
    result = dict(started=started, stopped=time.time(), totals=totals,
                  unanswered=[e for c in clients for e in c.unanswered],
                  bad=[e for c in clients for e in c.bad],
                  idle_closes=[e for c in clients for e in c.idle_closes],
                  answered=[e for c in clients for e in c.answered])
    with open(args.out, "w") as f:
        json.dump(result, f)
    print("clients: %(answered)d answered, %(unanswered)d unanswered, "
          "%(bad)d bad, %(connections)d connections, %(refused)d refused"
          % totals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
