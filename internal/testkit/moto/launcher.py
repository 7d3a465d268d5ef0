"""The moto server that the test binaries of one `go test` run share (internal/testkit/moto).

It runs moto's WSGI application in this process, as moto's own `moto.server` main does
(moto/server.py: DomainDispatcherApplication(create_backend_app), threaded werkzeug), with two
paths of its own in front of it:

  GET  /_testkit/ping     answers the token it was started with, so that a test binary can tell
                          this server from whatever else may listen on a port named in a stale
                          state file;
  POST /_testkit/account  makes an IAM user, its access key and its inline policy in the account
                          the JSON body names, straight in moto's IAM backend, and answers the key.

Why the second path: once /moto-api/reset-auth has turned authentication on, moto checks every
request's key against the IAM users of the account the request is for (moto/core/authorization.py
builds the IAM request with account_id=self.current_account; moto/iam/access_control.py,
IAMUserAccessKey, looks the key up in iam_backends[that account]). The account is the
x-moto-account-id header's, else the key's own (moto/core/responses.py get_current_account), so a
key of one account cannot make a user in another, and a new account has no key to start from.
(sts:AssumeRole into another account does hand out keys there, but their permissions are those of
the role, which must exist in that account first; moto/sts/models.py assume_role.) The launcher is
moto's own process, so it makes the first user of an account as moto's IAM API would.

It exits by itself: when the process it was told to watch (the go command, the parent of the test
binaries that share it) is gone, polled every half second; when no request has come for --idle
seconds; and after --max-life seconds in any case.
"""

import argparse
import fcntl
import functools
import json
import os
import shutil
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ppid", type=int, required=True, help="exit once this process is gone")
    p.add_argument("--token", required=True, help="answered on /_testkit/ping")
    p.add_argument("--dir", required=True, help="the state directory (lock, state.json)")
    p.add_argument("--port-file", required=True, help="where the port is written once listening")
    p.add_argument("--idle", type=float, default=600.0)
    p.add_argument("--max-life", type=float, default=7200.0)
    p.add_argument("--prewarm", default="", help="services to build at start, comma-separated")
    a = p.parse_args()

    # Imported here, after the arguments: a missing moto ends the process with an ImportError,
    # which the Go side reads from the log (python.MissingModule).
    from werkzeug.serving import make_server

    from moto.iam.models import iam_backends

    cache_jsonpath_parse()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    moto_app = DomainDispatcherApplication(create_backend_app)
    moto_app.debug = True  # as moto/server.py main

    last = [time.monotonic()]
    accounts = threading.Lock()

    def reply(start_response, status, body, ctype="application/json"):
        data = body.encode()
        start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data)))])
        return [data]

    def make_account(environ, start_response):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        req = json.loads(environ["wsgi.input"].read(size) or b"{}")
        account, user = req["account"], req["user"]
        # moto's IAM backends are per account and partition (moto/iam/models.py,
        # get_account_id_from walks iam_backends[account][partition]).
        iam = iam_backends[account]["aws"]
        with accounts:
            if user in iam.users:
                return reply(start_response, "409 Conflict", json.dumps({"error": f"{user} exists in {account}"}))
            iam.create_user(region_name="us-east-1", user_name=user)
            key = iam.create_access_key(user_name=user)
            iam.put_user_policy(user, req["policy_name"], req["policy"])
        return reply(start_response, "200 OK",
                     json.dumps({"AccessKeyId": key.access_key_id, "SecretAccessKey": key.secret_access_key}))

    def app(environ, start_response):
        last[0] = time.monotonic()
        path = environ.get("PATH_INFO", "")
        if path == "/_testkit/ping":
            return reply(start_response, "200 OK", a.token, "text/plain")
        if path == "/_testkit/account" and environ.get("REQUEST_METHOD") == "POST":
            try:
                return make_account(environ, start_response)
            except Exception as e:  # noqa: BLE001 - the Go side shows it
                return reply(start_response, "500 Internal Server Error", json.dumps({"error": repr(e)}))
        return moto_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)  # as moto/server.py main (moto.settings reads it)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def prewarm():
        # moto builds a service's application (and imports its models) on the first request for
        # it, holding the dispatcher's lock (moto/moto_server/werkzeug_app.py get_application);
        # about a second of CPU for some services. Built here, in the background, it is off the
        # path of the test that happens to call first; the same work, once either way.
        for backend in filter(None, a.prewarm.split(",")):
            app = moto_app.create_app(backend)
            with moto_app.lock:
                moto_app.app_instances.setdefault(backend, app)

    threading.Thread(target=prewarm, daemon=True).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, a.port_file)
    print(f"moto launcher: serving on 127.0.0.1:{port}, watching pid {a.ppid}", flush=True)

    started = time.monotonic()
    while True:
        time.sleep(0.5)
        try:
            os.kill(a.ppid, 0)
        except ProcessLookupError:
            # The run is over: nobody can use this state directory any more.
            print(f"moto launcher: pid {a.ppid} is gone, exiting", flush=True)
            shutil.rmtree(a.dir, ignore_errors=True)
            os._exit(0)
        except PermissionError:
            pass  # alive, another user's
        now = time.monotonic()
        if now - last[0] > a.idle or now - started > a.max_life:
            if retire(a, last, started):
                os._exit(0)


def cache_jsonpath_parse():
    """moto's EventBridge gives every event it delivers to a target an input transformation, the
    default one included (moto/events/utils.py, EventTemplateParser.parse), which imports
    jsonpath_ng.ext's parse at each call and parses every input path with it: jsonpath_ng builds a
    whole LALR parser, tables included, on each parse() (60 ms of CPU), so one PutEvents with one
    matching target cost about half a second of CPU here. Parsed paths are not modified by finding
    with them, so one parse per distinct path serves them all; the matching and the delivery are
    moto's own, unchanged."""
    try:
        import jsonpath_ng.ext as ext
    except ImportError:
        return  # an older moto without it: slower, the same answers
    ext.parse = functools.lru_cache(maxsize=1024)(ext.parse)


def retire(a, last, started):
    """Under the state directory's lock (the one the Go side takes to read state.json), check the
    timers again, and if they still say go, remove state.json if it names this server. Returns
    whether to exit; the lock is held until the process ends, so no test binary can pick this
    server up in between."""
    fd = os.open(os.path.join(a.dir, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    now = time.monotonic()
    if now - last[0] <= a.idle and now - started <= a.max_life:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        return False
    state = os.path.join(a.dir, "state.json")
    try:
        with open(state) as f:
            if json.load(f).get("token") == a.token:
                os.remove(state)
    except (OSError, ValueError):
        pass
    print("moto launcher: idle or too old, exiting", flush=True)
    sys.stdout.flush()
    return True


if __name__ == "__main__":
    main()
