#!/usr/bin/env python3
"""Development mock of `cifra serve`'s public API (docs/api.md), Python 3 stdlib only.

It serves the dashboard (crates/cifra-server/assets/dashboard.html, read again on every
request, so edits show on reload) at / and fakes the read-only API by replaying the 2021
presidential first round (data/cl-2021-presidential-r1-mesas.csv.gz) mesa by mesa in a
shuffled order: every --interval seconds --rate more mesas are "counted", and every
client of /api/v1/events gets an event with the grown numbers.

    python3 tools/mock_server.py 8765                 # count from zero, ~80 s to the end
    python3 tools/mock_server.py 8765 --start 0.6     # begin with 60 % counted
    python3 tools/mock_server.py 8765 --start 1       # final results, no more events
    python3 tools/mock_server.py 8765 --by circunscripcion   # first territory column is not a region
    python3 tools/mock_server.py 8765 --outcome congress --electors   # other outcome kinds, turnout
    python3 tools/mock_server.py 8765 --loop          # start over 10 s after the end (wall demo)
    python3 tools/mock_server.py 8765 --sse-close     # for chromium --headless --virtual-time-budget

Headless chromium's --virtual-time-budget waits while a request is pending, so an open event
stream stalls the screenshot forever; with --sse-close each event ends its response and the
browser's EventSource reconnects (sending Last-Event-ID) after the `retry` interval.

Faked, not real: the log root is a SHA-256 hash chain (not an RFC 9162 Merkle tree), the
checkpoint's signature and the key are random bytes, flags are `votes_exceed_electors`
where the votes exceed the mesa's voters by more than 10 (the file has no electors), and
--electors makes up a register (the voters over 0.47).
Not served: POST /api/v1/actas, proofs, consistency, tiles (404 with a JSON error).
"""

import argparse
import base64
import csv
import gzip
import hashlib
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "crates", "cifra-server", "assets", "dashboard.html")
DATA = os.path.join(ROOT, "data", "cl-2021-presidential-r1-mesas.csv.gz")

NAME = "cl-2021-presidential-r1"
SYSTEM = "cl-presidential"
CANDIDATES = ["boric", "kast", "provoste", "sichel", "artes", "meo", "parisi"]
OPTIONS = CANDIDATES + ["blank", "null"]
ID_COLUMNS = ["region", "circunscripcion", "mesa"]


class Agg:
    __slots__ = ("votes", "counted", "total", "flagged", "electors")

    def __init__(self):
        self.votes = dict.fromkeys(OPTIONS, 0)
        self.counted = 0
        self.total = 0
        self.flagged = 0
        self.electors = 0

    def add(self, votes, flagged, electors):
        for k, v in votes.items():
            self.votes[k] += v
        self.counted += 1
        self.flagged += flagged
        self.electors += electors


class State:
    """The counted mesas and their aggregates; `cond` is notified on every change."""

    def __init__(self, args):
        self.args = args
        self.cond = threading.Condition()
        self.territory_columns = (
            ["circunscripcion", "region"] if args.by == "circunscripcion" else ["region", "circunscripcion"]
        )
        self.rows = []
        with gzip.open(DATA, "rt", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                votes = {k: int(r[k]) for k in OPTIONS}
                voters = int(r["men"]) + int(r["women"])
                flagged = sum(votes.values()) > voters + 10
                electors = -(-voters * 100 // 47)  # a made-up register: turnout 47 %
                self.rows.append((r["region"], r["circunscripcion"], r["mesa"], votes, flagged, electors))
        self.values = {c: [] for c in ("region", "circunscripcion")}  # first-appearance order
        seen = set()
        for reg, circ, *_ in self.rows:
            for col, val in (("region", reg), ("circunscripcion", circ)):
                if (col, val) not in seen:
                    seen.add((col, val))
                    self.values[col].append(val)
        self.order = list(range(len(self.rows)))
        random.Random(args.seed).shuffle(self.order)
        self.reset()
        self.advance(int(round(args.start * len(self.rows))))

    def reset(self):
        self.counted = 0
        self.nation = Agg()
        self.by = {c: {v: Agg() for v in self.values[c]} for c in self.values}
        for reg, circ, *_ in self.rows:
            self.nation.total += 1
            self.by["region"][reg].total += 1
            self.by["circunscripcion"][circ].total += 1
        self.entries = []  # log lines
        self.chain = b"\0" * 32
        self.snapshot()

    def advance(self, n):
        n = min(n, len(self.rows) - self.counted)
        for i in self.order[self.counted:self.counted + n]:
            reg, circ, mesa, votes, flagged, electors = self.rows[i]
            for agg in (self.nation, self.by["region"][reg], self.by["circunscripcion"][circ]):
                agg.add(votes, flagged, electors)
            line = json.dumps({
                "flags": ["votes_exceed_electors"] if flagged else [],
                "image_sha256": None, "index": len(self.entries), "mesa": f"{circ}/{mesa}",
                "reason": None, "time": now_iso(), "version": 1,
                "votes": dict(sorted(votes.items())),
            }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            self.entries.append(line)
            self.chain = hashlib.sha256(self.chain + b"\0" + line.encode()).digest()
        self.counted += n
        self.snapshot()
        return n

    def snapshot(self):
        """Precomputes the JSON of the national results and the first column's breakdown."""
        self.log_size = len(self.entries)
        self.log_root = base64.b64encode(self.chain).decode()
        self.results = self.result(self.nation, None)
        self.breakdown = self.breakdown_of(self.territory_columns[0])

    def result(self, agg, territory, with_log=True):
        valid = sum(agg.votes[c] for c in CANDIDATES)
        opts = sorted(CANDIDATES, key=lambda c: (-agg.votes[c], c))
        options = [{"option": c, "votes": agg.votes[c],
                    "share": round(agg.votes[c] / valid, 6) if valid else 0.0} for c in opts]
        provisional = agg.counted < agg.total
        outcome = None
        kind = self.args.outcome
        # As the server: a territory elects nobody (it has a leader, no outcome); the
        # nation says what the law decides only once every mesa is counted.
        if valid and territory is None:
            first, second = opts[0], opts[1]
            if kind == "congress":
                verdict = {"kind": "congress", "congress": [first, second]}
                why = ("No candidate has an absolute majority: Congress chooses between the two "
                       "most voted (1925 Constitution, art. 64).")
            elif kind == "elected" or agg.votes[first] * 2 > valid:
                verdict = {"kind": "elected", "winner": first}
                why = f"{first} has more than half of the valid votes (1980 Constitution, art. 26)."
            else:
                verdict = {"kind": "runoff", "runoff": [first, second]}
                why = ("No candidate has more than half of the valid votes: the two most voted, "
                       f"{first} and {second}, go to a second round (1980 Constitution, art. 26).")
            if provisional:
                outcome = {"kind": "leading", "leader": first, "if_final": verdict,
                           "provisional": True,
                           "explanation": f"Provisional: {agg.counted:,} of {agg.total:,} mesas "
                                          f"counted; {first} leads. What the law would decide if "
                                          f"the count ended now: {why}"}
            else:
                outcome = dict(verdict, provisional=False, explanation=why)
        r = {"election": NAME, "system": SYSTEM, "territory": territory,
                "options": options, "valid_votes": valid,
                "blank": agg.votes["blank"], "null": agg.votes["null"],
                "mesas_counted": agg.counted, "mesas_total": agg.total,
                "mesas_flagged": agg.flagged,
                "electors_counted": agg.electors if self.args.electors else None,
                "leader": opts[0] if valid else None,
                "outcome": outcome}
        if with_log:  # as GET /api/v1/results answers; not in a breakdown's values
            r.update(log_size=self.log_size, log_root=self.log_root)
        return r

    def breakdown_of(self, col):
        return {"by": col,
                "values": [self.result(self.by[col][v], {"column": col, "value": v}, False)
                           for v in self.values[col]],
                "log_size": self.log_size, "log_root": self.log_root}

    def election(self):
        return {"name": NAME, "system": SYSTEM, "options": OPTIONS, "id_columns": ID_COLUMNS,
                "territory_columns": self.territory_columns, "mesas_total": len(self.rows),
                "territories": {c: self.values[c] for c in self.territory_columns}}

    def ticker(self):
        while True:
            time.sleep(self.args.interval)
            if self.counted >= len(self.rows):
                if not self.args.loop:
                    continue
                time.sleep(10)
                with self.cond:
                    self.reset()
                    self.cond.notify_all()
                continue
            with self.cond:
                self.advance(self.args.rate)
                self.cond.notify_all()


def without_log(d):
    return {k: v for k, v in d.items() if k not in ("log_size", "log_root")}


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Handler(BaseHTTPRequestHandler):
    server_version = "cifra-mock/0"
    state = None  # set in main

    def log_message(self, fmt, *a):
        if self.state.args.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % a))

    def send(self, status, body, ctype="application/json"):
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype if "charset" in ctype or ctype.startswith("image")
                         else ctype + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, msg):
        self.send(status, {"error": msg, "acta": None, "mesa": None, "field": None})

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.error(404, "the mock does not take actas")

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        st = self.state
        path = url.path
        if path == "/":
            try:
                with open(PAGE, "rb") as f:
                    return self.send(200, f.read(), "text/html")
            except OSError as e:
                return self.error(500, f"cannot read {PAGE}: {e}")
        if path == "/api/v1/events":
            return self.events(q.get("entries") != "false")
        with st.cond:
            if path == "/api/v1/election":
                return self.send(200, st.election())
            if path == "/api/v1/results":
                terr = [(k, v) for k, v in q.items() if k in st.by]
                if not terr:
                    return self.send(200, st.results)
                col, val = terr[0]
                if val not in st.by[col]:
                    return self.error(404, f"unknown {col} {val!r}")
                return self.send(200, st.result(st.by[col][val], {"column": col, "value": val}))
            if path == "/api/v1/results/breakdown":
                col = q.get("by")
                if col not in st.by:
                    return self.error(400, f"unknown territory column {col!r}")
                return self.send(200, st.breakdown_of(col))
            if path in ("/api/v1/log/checkpoint", "/log/checkpoint"):
                sig = base64.b64encode(hashlib.sha256(b"k" + st.chain).digest()[:4]
                                       + os.urandom(64)).decode()
                note = f"{NAME}\n{st.log_size}\n{st.log_root}\n\n\u2014 {NAME} {sig}\n"
                return self.send(200, note, "text/plain")
            if path == "/api/v1/key":
                key = base64.b64encode(b"\x01" + hashlib.sha256(b"mock key").digest()).decode()
                return self.send(200, f"{NAME}+{hashlib.sha256(b'k').hexdigest()[:8]}+{key}\n",
                                 "text/plain")
            if path == "/api/v1/log/entries":
                try:
                    lo = int(q.get("from", "0"))
                    hi = min(int(q.get("to", st.log_size)), st.log_size, lo + 10000)
                except ValueError:
                    return self.error(400, "from and to must be integers")
                lines = "".join(l + "\n" for l in st.entries[lo:hi])
                return self.send(200, lines, "application/x-ndjson")
        self.error(404, f"no such path in the mock: {path}")

    def events(self, with_entries):
        st = self.state
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent = None  # log size of the last event this client got
        try:
            last = int(self.headers.get("Last-Event-ID", ""))
        except ValueError:
            last = None
        first = True
        try:
            while True:
                with st.cond:
                    if not first and sent == st.log_size:
                        if not st.cond.wait(15):
                            self.wfile.write(b": keep-alive\n\n")
                            self.wfile.flush()
                            continue
                    if sent is not None and st.log_size < sent:
                        sent = 0  # the mock started over (--loop)
                    frames = []
                    lo = last if (first and last is not None) else sent
                    while True:
                        # As cifra serve does: the event's results and breakdown carry no
                        # log_size/log_root of their own (the event's are theirs).
                        ev = {"log_size": st.log_size, "log_root": st.log_root,
                              "results": without_log(st.results),
                              "breakdown": without_log(st.breakdown)}
                        if with_entries:
                            start = st.log_size if lo is None else min(lo, st.log_size)
                            end = min(st.log_size, start + 1000)
                            ev["entries"] = [json.loads(l) for l in st.entries[start:end]]
                            lo = end
                        frames.append(f"event: results\nid: {st.log_size}\ndata: "
                                      f"{json.dumps(ev, ensure_ascii=False)}\n\n")
                        if not with_entries or lo >= st.log_size:
                            break
                    sent = st.log_size
                    first = False
                if st.args.sse_close:
                    frames.insert(0, f"retry: {int(st.args.interval * 1000)}\n\n")
                for fr in frames:
                    self.wfile.write(fr.encode("utf-8"))
                self.wfile.flush()
                if st.args.sse_close:
                    return
        except (BrokenPipeError, ConnectionResetError, OSError):
            return


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("port", nargs="?", type=int, default=8765)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--rate", type=int, default=300, help="mesas counted per tick (300)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between ticks (0.5)")
    p.add_argument("--start", type=float, default=0.0, help="fraction counted at start (0)")
    p.add_argument("--seed", type=int, default=2021, help="seed of the counting order")
    p.add_argument("--by", choices=["region", "circunscripcion"], default="region",
                   help="the first territory column (region)")
    p.add_argument("--outcome", choices=["law", "elected", "congress"], default="law",
                   help="the outcome's kind: by the 1980 rule (law), or forced to elected/congress")
    p.add_argument("--electors", action="store_true",
                   help="report electors_counted (a made-up register; the file has none)")
    p.add_argument("--loop", action="store_true", help="start over 10 s after the end")
    p.add_argument("--sse-close", action="store_true",
                   help="end the event stream after each event (the browser reconnects with "
                        "Last-Event-ID); lets headless chromium's --virtual-time-budget finish")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = p.parse_args()
    Handler.state = State(args)
    threading.Thread(target=Handler.state.ticker, daemon=True).start()
    srv = ThreadingHTTPServer((args.bind, args.port), Handler)
    srv.daemon_threads = True
    print(f"cifra mock on http://{args.bind}:{args.port}/ ({Handler.state.counted} of "
          f"{len(Handler.state.rows)} mesas counted)", file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
