#!/usr/bin/env python3
"""hastat.py - HAProxy's stats socket for the multi-host test.

  hastat.py SOCKET show                      each server: status, sessions
  hastat.py SOCKET cmd COMMAND...            one command, e.g. set server
  hastat.py SOCKET wait SERVER STATUS SECS [--since EPOCH]
        poll "show stat" every 20 ms until SERVER's status is STATUS;
        print the seconds since EPOCH (default: now); exit 1 on time-out
  hastat.py SOCKET idle SERVER SECS [--since EPOCH]
        the same, until SERVER holds no session (scur 0)

SERVER is "backend/server", as in "sockd/s1".
"""
import argparse
import socket
import sys
import time

POLL = 0.02


def command(path, text):
    """Send one command on a new connection; its whole answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(text.encode() + b"\n")
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return answer.decode()
            answer += chunk


def servers(path):
    """{"backend/server": row} from "show stat", a row a dict by column."""
    text = command(path, "show stat")
    lines = [l for l in text.splitlines() if l]
    if not lines or not lines[0].startswith("# "):
        raise RuntimeError("show stat: unexpected answer: %r" % text[:200])
    names = lines[0][2:].split(",")
    rows = {}
    for line in lines[1:]:
        row = dict(zip(names, line.split(",")))
        if row.get("svname") not in ("FRONTEND", "BACKEND"):
            rows[row["pxname"] + "/" + row["svname"]] = row
    return rows


def wait_for(path, server, test, seconds, since):
    """Poll until test(row) holds; seconds since `since`, or None."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            row = servers(path).get(server)
        except (OSError, RuntimeError):
            row = None
        if row is not None and test(row):
            return time.time() - since
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("socket")
    parser.add_argument("action", choices=["show", "cmd", "wait", "idle"])
    parser.add_argument("words", nargs="*")
    parser.add_argument("--since", type=float, default=None)
    args = parser.parse_args()
    since = args.since if args.since is not None else time.time()

    if args.action == "show":
        for name, row in sorted(servers(args.socket).items()):
            print("%s %s scur=%s stot=%s" % (name, row["status"],
                                             row["scur"], row["stot"]))
        return 0
    if args.action == "cmd":
        answer = command(args.socket, " ".join(args.words)).strip()
        if answer:
            print(answer)
        return 0
    if args.action == "wait" and len(args.words) == 3:
        server, status, seconds = args.words
        took = wait_for(args.socket, server,
                        lambda row: row["status"] == status,
                        float(seconds), since)
    elif args.action == "idle" and len(args.words) == 2:
        server, seconds = args.words
        took = wait_for(args.socket, server,
                        lambda row: row["scur"] == "0",
                        float(seconds), since)
    else:
        parser.error("wrong arguments for " + args.action)
    if took is None:
        row = servers(args.socket).get(args.words[0], {})
        print("%s: still %s with %s sessions after %s s" % (
            args.words[0], row.get("status"), row.get("scur"),
            args.words[-1]), file=sys.stderr)
        return 1
    print("%.3f" % took)
    return 0


if __name__ == "__main__":
    sys.exit(main())
