#!/usr/bin/env python3
"""verdict.py WORKDIR - judge a run of tests/multihost/run.

Reads the time line the run wrote, the clients' results (clients.json),
every back end's log (NAME.START.log) and HAProxy's log, and prints one
"PASS what" or "FAIL what" line per check, the figures on other lines.
Exits 0 when it could judge, whatever the verdict.

What the words mean:
  sent        a line written on a connection; each try of a message is a
              line of its own ("c<client>.<message>.<try>")
  answered    its "ok" came back on that connection
  unanswered  the connection ended (closed, reset, or 5 s without an
              answer) before its "ok" came back; the client sends the
              message again, as a new try, on a new connection
  received    a back end logged "get value <line>": it read the line
  lost        received but unanswered: the back end had the line and the
              client never got its answer.  The test fails on any, except
              lines the SIGKILLed back end received: a killed process
              cannot answer.
  retried     unanswered and received by no back end: the connection
              ended before the line reached one (HAProxy passes a back
              end's reset on as a close, so the client alone cannot tell
              these from lost lines; the back ends' logs can).  Connections
              refused, or closed before a line was written, are retries
              too and are only counted.
"""
import glob
import json
import os
import re
import sys

GET_VALUE = re.compile(r" info: \S+: get value (c\d+\.\d+\.\d+)$")
LINES_LOST = re.compile(r"log: \d+ lines lost")
# HAProxy's log-format in the derived configuration:
# %Ts.%ms %ci:%cp %b/%s %bp %Tw/%Tc/%Tt %U/%B %ts %rc
# A retry count of "+N" means the last one went to another server.
SESSION = re.compile(r"^(\d+\.\d+) (\S+):(\d+) (\S+)/(\S+) (\S+) (\S+) "
                     r"(\S+) (\S+) \+?(\d+)$")


def results(passes, what, ok, detail=None):
    """Print one check's verdict, and on failure its detail under it."""
    passes.append(ok)
    print(("PASS " if ok else "FAIL ") + what)
    if detail and not ok:
        print("  " + detail)


def read_timeline(path):
    """[(time, event, [args])] in order."""
    events = []
    with open(path) as f:
        for line in f:
            words = line.split()
            events.append((float(words[0]), words[1], words[2:]))
    return events


def first(events, name, *args):
    """The time of the first event name with these leading args."""
    for t, event, words in events:
        if event == name and words[:len(args)] == list(args):
            return t, words
    return None, None


def phase_at(phases, t):
    """The name of the phase time t falls in."""
    name = phases[0][1]
    for start, phase in phases:
        if t >= start:
            name = phase
    return name


def read_backend_logs(work):
    """{line: log file name} of what the back ends received; the logs
    that say they dropped lines."""
    received, dropping = {}, []
    for path in sorted(glob.glob(os.path.join(work, "s*.*.log"))):
        name = os.path.basename(path)
        with open(path, errors="replace") as f:
            for line in f:
                m = GET_VALUE.search(line.rstrip("\n"))
                if m:
                    received[m.group(1)] = name
                elif LINES_LOST.search(line):
                    dropping.append(name)
    return received, dropping


def read_sessions(path):
    """HAProxy's session lines: (accept time, client port, server,
    termination state, retries)."""
    sessions = []
    with open(path, errors="replace") as f:
        for line in f:
            m = SESSION.match(line.strip())
            if m:
                sessions.append((float(m.group(1)), int(m.group(3)),
                                 m.group(5), m.group(9), int(m.group(10))))
    return sessions


def server_of(sessions_by_port, port, t):
    """The server of the client's connection from port at time t."""
    server = None
    for accepted, name in sessions_by_port.get(port, []):
        if accepted <= t:
            server = name
    return server


def message_of(line):
    """"c3.17.1" -> "c3.17": the message, whatever the try."""
    return line.rsplit(".", 1)[0]


def main():
    work = sys.argv[1]
    passes = []
    events = read_timeline(os.path.join(work, "timeline"))
    with open(os.path.join(work, "clients.json")) as f:
        clients = json.load(f)
    received, dropping = read_backend_logs(work)
    sessions = read_sessions(os.path.join(work, "haproxy.log"))

    phases = [(t, w[0]) for t, e, w in events if e == "phase"]
    stop, _ = first(events, "stop")
    t_term, _ = first(events, "term", "s1")
    t_kill, kill_words = first(events, "kill", "s2")
    killed_log = kill_words[1] if kill_words else None
    # When the killed back end was gone: reaped, after the kill.
    t_killed = next((t for t, e, w in events if e == "exit" and
                     w[:1] == ["s2"] and t_kill is not None and t >= t_kill),
                    None)
    totals = clients["totals"]

    sessions_by_port = {}
    for accepted, port, server, _, _ in sorted(sessions):
        sessions_by_port.setdefault(port, []).append((accepted, server))

    # Each unanswered line: lost, cut by the kill, or retried.  A line
    # on a connection to the killed back end just after the kill may
    # have been read and not logged: it counts as cut by the kill.
    lost, killed, retried = [], [], []
    by_phase = {name: dict(answered=0, unanswered=0, lost=0, retried=0,
                           killed=0, closed_idle=0) for _, name in phases}
    for t, port, cause, lines in clients["unanswered"]:
        phase = by_phase[phase_at(phases, t)]
        server = server_of(sessions_by_port, port, t)
        at_kill = (t_kill is not None and server == "s2" and
                   t_kill <= t <= t_kill + 5)
        for line in lines:
            phase["unanswered"] += 1
            where = received.get(line)
            if where == killed_log or (where is None and at_kill):
                killed.append(line)
                phase["killed"] += 1
            elif where is None:
                retried.append(line)
                phase["retried"] += 1
            else:
                lost.append((t, port, cause, line, where))
                phase["lost"] += 1
    for t, _ in clients["idle_closes"]:
        by_phase[phase_at(phases, t)]["closed_idle"] += 1
    answered_messages = set()
    missing_from_logs = []
    for line, t, port in clients["answered"]:
        by_phase[phase_at(phases, t)]["answered"] += 1
        answered_messages.add(message_of(line))
        if line not in received:
            missing_from_logs.append((line, t, port))

    print("clients: %d lines sent, %d answered, %d unanswered (%d retried, "
          "%d cut by SIGKILL, %d lost), %d bad answers" % (
              totals["sent"], totals["answered"], totals["unanswered"],
              len(retried), len(killed), len(lost), totals["bad"]))
    print("clients: %d connections, %d closed while idle, %d refused "
          "connects" % (totals["connections"], totals["closed_idle"],
                        totals["refused"]))
    for start, name in phases:
        end = min([s for s, _ in phases if s > start] + [stop or start])
        p = by_phase[name]
        print("phase %-8s %5.1f s: %d answered, %d unanswered (%d retried, "
              "%d cut by SIGKILL, %d lost), %d closed while idle" % (
                  name, end - start, p["answered"], p["unanswered"],
                  p["retried"], p["killed"], p["lost"], p["closed_idle"]))
    for t, event, words in events:
        if event in ("DOWN", "UP"):
            print("HAProxy saw %s %s after %s s" % (words[0], event,
                                                    words[1]))
        elif event == "idle":
            print("%s drained (no session) after %s s" % (words[0],
                                                          words[1]))

    # The logs must hold every answered line, or "received" means nothing.
    # The SIGKILLed back end may not have written its last ones: the lines
    # it answered in the 5 s before it was gone are excused.
    def cut_from_log(t, port):
        return (t_kill is not None and t_killed is not None and
                t_kill - 5 <= t <= t_killed and
                server_of(sessions_by_port, port, t) == "s2")
    unexplained = [(line, t) for line, t, port in missing_from_logs
                   if not cut_from_log(t, port)]
    results(passes, "the back ends' logs hold every line they answered",
            not unexplained,
            "%d answered lines not in any back end's log (%s)%s" % (
                len(unexplained), ", ".join(l for l, _ in unexplained[:5]),
                "; logs that dropped lines: " + " ".join(dropping)
                if dropping else "") if unexplained else None)
    if missing_from_logs and not unexplained:
        print("answered lines missing from the logs: %d, all answered by "
              "s2 in the 5 s before its SIGKILL" % len(missing_from_logs))
    elif not missing_from_logs:
        print("every answered line is in a back end's log")

    results(passes, "every answer is \"ok\"", totals["bad"] == 0,
            "bad answers: %s" % clients["bad"][:5])
    results(passes, "no line a back end received went unanswered "
            "(lost: %d)" % len(lost), not lost,
            "; ".join("%s at %.3f port %d (%s), received by %s" % (
                line, t, port, cause, where)
                for t, port, cause, line, where in lost[:5]))
    unserved = [l for l in retried + killed
                if message_of(l) not in answered_messages]
    results(passes, "every message was answered in the end, the cut ones "
            "on a new connection", not unserved and
            totals["never_answered"] == 0 and totals["stuck"] == 0,
            "never answered: %d, clients stuck: %d, %s" % (
                totals["never_answered"], totals["stuck"], unserved[:5]))

    # New connections after the SIGTERM go to the others: once s1's
    # listener closed (at once; a second is left for it) no session ends
    # on s1 until it starts again.
    s1_back, _ = first(events, "start", "s1", "s1.1.log")
    if t_term and s1_back:
        after = [s for s in sessions if t_term <= s[0] < s1_back]
        late_on_s1 = [s for s in after if s[2] == "s1" and s[0] >= t_term + 1]
        redispatched = sum(1 for s in after if s[4] > 0)
        on = {}
        for s in after:
            on[s[2]] = on.get(s[2], 0) + 1
        aborted = sum(1 for s in after if s[2] == "s1" and s[3][0] == "S")
        print("sessions accepted between s1's SIGTERM and its restart: %s; "
              "%d tried s1 first and were redispatched; %d on s1 ended by "
              "s1 (termination state S*)" % (
                  ", ".join("%s %d" % kv for kv in sorted(on.items())),
                  redispatched, aborted))
        results(passes, "SIGTERM s1: new connections go to s2 and s3",
                not late_on_s1 and on.get("s2", 0) + on.get("s3", 0) > 0,
                "%d sessions on s1 a second after its SIGTERM" %
                len(late_on_s1))
    else:
        results(passes, "SIGTERM s1: new connections go to s2 and s3",
                False, "no SIGTERM or restart of s1 in the time line")

    # Through the SIGKILL the clients are served.
    s2_up, _ = first(events, "UP", "s2")
    if t_kill and s2_up:
        during = sum(1 for _, t, _ in clients["answered"]
                     if t_kill <= t < s2_up)
        results(passes, "SIGKILL s2: the clients are served while it is "
                "away (%d answers)" % during, during > 0)
    else:
        results(passes, "SIGKILL s2: the clients are served while it is "
                "away", False, "no SIGKILL or return of s2 in the time line")

    # A back end started again gets clients.
    starts = [w[1] for _, e, w in events if e == "start" and
              w[1] != w[0] + ".0.log"]
    idle_starts = [name for name in starts
                   if name not in set(received.values())]
    results(passes, "each back end started again gets clients (%s)" %
            " ".join(starts), starts and not idle_starts,
            "no client line in %s" % " ".join(idle_starts))

    rolling = by_phase.get("rolling")
    results(passes, "rolling restart: no client saw anything",
            rolling is not None and rolling["unanswered"] == 0 and
            rolling["closed_idle"] == 0,
            "unanswered %d, closed while idle %d" % (
                rolling["unanswered"], rolling["closed_idle"])
            if rolling else "no rolling phase in the time line")

    failures = len(lost) + totals["bad"] + totals["never_answered"]
    print("figures: %d answered, %d failed (%d lost, %d bad, %d never "
          "answered); %d retried, %d cut by SIGKILL%s" % (
              totals["answered"], failures, len(lost), totals["bad"],
              totals["never_answered"], len(retried), len(killed),
              "".join("; %s %s %s s" % (w[0], e, w[1])
                      for _, e, w in events if e in ("DOWN", "UP"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
