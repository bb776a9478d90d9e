#!/usr/bin/env python3
"""Connect in a tight loop from several threads for a while, send one
line on each connection and read its answer; count how each one ended.

    client.py PORT SECONDS THREADS

Prints one line: ok=N busy=N refused=N reset=N other=N.  A reset is a
connection the kernel completed (connect() succeeded) whose answer never
came: the client was accepted, then lost.
"""
import socket, sys, threading, time

port, seconds, threads = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
counts = {"ok": 0, "busy": 0, "refused": 0, "reset": 0, "other": 0}
lock = threading.Lock()


def once():
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "other"
    try:
        s.sendall(b"x\n")
        answer = b""
        while not answer.endswith(b"\n"):
            part = s.recv(64)
            if not part:
                break
            answer += part
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except OSError:
        return "other"
    finally:
        s.close()
    if answer == b"ok\n":
        return "ok"
    if answer == b"busy\n":
        return "busy"
    return "reset" if answer == b"" else "other"


def loop(deadline):
    while time.monotonic() < deadline:
        what = once()
        with lock:
            counts[what] += 1


deadline = time.monotonic() + seconds
workers = [threading.Thread(target=loop, args=(deadline,)) for _ in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print(" ".join(f"{k}={v}" for k, v in counts.items()))
